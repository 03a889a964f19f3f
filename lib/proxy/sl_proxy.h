/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy: the HTTP/1.1 reverse proxy pipeline (docs/proxy.md). It joins the
 * TCP stack, the HTTP parser, the route tables and the balancers: requests
 * arriving on a listener are parsed, routed, and answered locally or sent
 * over a pooled upstream connection that the same worker opened; responses
 * stream back. Bodies move as mbufs from one connection to the other.
 *
 * Callers: conf_register/validate/init/term/report on the management lcore;
 * everything else runs inside TCP events and timers on the worker owning
 * the connections. Owns: the proxy configuration as built at init (listener
 * route tables, pools), every worker's sessions, pooled upstream
 * connections, balancers and counters.
 */
#ifndef SL_PROXY_H
#define SL_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_conf.h"

#define SL_PROXY_LISTENERS_MAX 16
#define SL_PROXY_POOLS_MAX 64
#define SL_PROXY_MEMBERS_MAX 64 /* per pool */
#define SL_PROXY_ROUTES_MAX 1024
#define SL_PROXY_NAME_MAX 64

struct sl_proxy_listener_conf {
	char name[SL_PROXY_NAME_MAX];
	uint32_t address; /* network order */
	int64_t port;
	int64_t backlog;
};

struct sl_proxy_member_conf {
	uint32_t address; /* network order */
	int64_t port;
	int64_t weight;
};

struct sl_proxy_pool_conf {
	char name[SL_PROXY_NAME_MAX];
	char algorithm[16];
	char hash[16];
	char hash_name[SL_PROXY_NAME_MAX];
	int64_t connect_timeout_ms;
	int64_t response_timeout_ms;
	int64_t idle_timeout_ms;
	int64_t keepalive;
	int64_t keepalive_timeout_ms;
	int64_t keepalive_requests;
	int64_t max_conns;
	int64_t retries;
	int64_t max_fails;
	int64_t fail_timeout_ms;
	struct sl_proxy_member_conf members[SL_PROXY_MEMBERS_MAX];
	unsigned int n_members;
};

#define SL_PROXY_ROUTE_HDRS 4

struct sl_proxy_hdr_conf {
	char name[SL_PROXY_NAME_MAX];
	char value[256];
};

struct sl_proxy_route_conf {
	char name[SL_PROXY_NAME_MAX];
	char listener[SL_PROXY_NAME_MAX];
	char host[256];
	char path[512];
	char path_match[8];
	char methods[16][16];
	unsigned int n_methods;
	struct sl_proxy_hdr_conf headers[SL_PROXY_ROUTE_HDRS];
	unsigned int n_headers;
	int64_t priority;
	bool is_default;
	char pool[SL_PROXY_NAME_MAX];
	char host_rewrite[256];
	int64_t return_status;
	char return_body[1024];
	char return_content_type[64];
	char redirect[512];
};

struct sl_proxy_conf {
	int64_t client_header_timeout_ms;
	int64_t client_keepalive_timeout_ms;
	int64_t client_body_timeout_ms;
	int64_t client_max_requests;
	int64_t max_header_bytes;
	int64_t max_fields;
	int64_t max_body_bytes;
	bool x_forwarded, via, request_id;
	struct sl_proxy_listener_conf listeners[SL_PROXY_LISTENERS_MAX];
	unsigned int n_listeners;
	struct sl_proxy_pool_conf pools[SL_PROXY_POOLS_MAX];
	unsigned int n_pools;
	struct sl_proxy_route_conf routes[SL_PROXY_ROUTES_MAX];
	unsigned int n_routes;
};

extern struct sl_proxy_conf sl_proxy_conf;

int sl_proxy_conf_register(void);
/* Cross-checks after load (references, actions, listener clashes, regexes). */
int sl_proxy_validate(struct sl_conf_error *err);
/* Build route tables and pools, give every worker its state, listen. */
int sl_proxy_init(void);
/* Workers have stopped: free sessions, connections' state, tables. */
void sl_proxy_term(void);
void sl_proxy_report(FILE *f);

#endif /* SL_PROXY_H */
