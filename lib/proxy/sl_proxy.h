/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy: the HTTP/1.1 reverse proxy pipeline (docs/proxy.md). It joins the
 * TCP stack, the HTTP parser, the route tables and the balancers: requests
 * arriving on a listener are parsed, routed, and answered locally or sent
 * over a pooled upstream connection that the same worker opened; responses
 * stream back. Bodies move as mbufs from one connection to the other.
 *
 * Callers: conf_register/validate/init/term/report/apply on the management
 * lcore; everything else runs inside TCP events and timers on the worker
 * owning the connections. Owns: the configuration generations (listener
 * route tables, pools, balancers), every worker's sessions, pooled upstream
 * connections and counters.
 */
#ifndef SL_PROXY_H
#define SL_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_conf.h"
#include "sl_proxy_types.h"

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

/* The applied configuration (management lcore). */
extern struct sl_proxy_conf sl_proxy_conf;

/* Latency histogram: bucket i counts samples below 2^(i+4) us, the last
 * one everything above. */
#define SL_PROXY_LAT_BUCKETS 20

/* Counters of a route or a member, per worker (summed on read). */
struct sl_proxy_hstats {
	uint64_t requests;
	uint64_t status[5]; /* 1xx .. 5xx */
	uint64_t bytes_in, bytes_out;
	uint64_t connects, reuses, connect_failures; /* members only */
	uint64_t ejections;                          /* members only */
	uint64_t lat[SL_PROXY_LAT_BUCKETS];
	uint64_t lat_sum_us; /* of the samples in lat: a histogram's _sum */
};

/* A member's state now, over workers. */
struct sl_proxy_member_state {
	uint32_t active, idle;    /* connections */
	uint32_t ejected_on;      /* workers on which it is ejected */
	bool up;                  /* not ejected on every worker */
	double lat_ewma_us;       /* mean over workers with a sample; 0: none */
};

int sl_proxy_conf_register(void);
/* Cross-checks after load (references, actions, listener clashes, regexes). */
int sl_proxy_validate(struct sl_conf_error *err);
/* Build route tables and pools, give every worker its state, listen. */
int sl_proxy_init(void);
/* Workers have stopped: free sessions, connections' state, tables. */
void sl_proxy_term(void);

/*
 * Management: validate `c` in full (as at load) and publish it as the next
 * configuration generation; sl_proxy_conf becomes a copy of it. Workers
 * adopt it at their next loop; exchanges in progress finish under the one
 * they started with. 0, or -EINVAL with *err (nothing changed), -ENOMEM.
 */
int sl_proxy_apply(const struct sl_proxy_conf *c, struct sl_conf_error *err);
/* Management: the checks sl_proxy_apply makes, without applying. */
int sl_proxy_check(const struct sl_proxy_conf *c, struct sl_conf_error *err);
/* Management: the number of the published generation (1 at start). */
uint64_t sl_proxy_generation(void);
/* Management loop: free generations and state no worker uses any more. */
void sl_proxy_mgmt_poll(void);
/* Worker loop: adopt the newest generation. */
struct sl_lcore;
void sl_proxy_worker_sync(struct sl_lcore *lc);

/* Upper bound, exclusive, of latency bucket b in microseconds (UINT64_MAX
 * for the last). */
uint64_t sl_proxy_lat_bound_us(unsigned int b);
/* Call fn for every route of the published generation, then for
 * "_no_route", with its counters summed over workers. fn must not apply a
 * configuration (the generation lock is held). */
void sl_proxy_foreach_route(void (*fn)(void *arg, const char *route,
		const struct sl_proxy_hstats *h), void *arg);
/* The same for every member of every pool ("a.b.c.d:port"). */
void sl_proxy_foreach_member(void (*fn)(void *arg, const char *pool, const char *member,
		const struct sl_proxy_hstats *h, const struct sl_proxy_member_state *st),
		void *arg);

/* The same for every listener of the published generation: client
 * connections accepted and request heads parsed (by address and port, so
 * they survive configuration changes). */
void sl_proxy_foreach_listener(void (*fn)(void *arg, const char *listener, uint64_t accepted,
		uint64_t requests), void *arg);

/*
 * ---- access log (proxy_log.c) ----
 *
 * With the access log on, every worker pushes one record per exchange it
 * accounts (a response sent, whatever its status) into its own
 * single-producer single-consumer ring; the management lcore drains them.
 * A worker never waits: when its ring is full the record is dropped and
 * counted (access_log_dropped).
 */
#define SL_PROXY_LOG_TARGET_MAX 256
#define SL_PROXY_LOG_HOST_MAX 128

struct sl_proxy_log_record {
	uint64_t tsc;            /* rte_get_tsc_cycles() when the exchange ended */
	uint64_t duration_us;    /* from the request head to the end */
	uint64_t bytes_in;       /* request body bytes */
	uint64_t bytes_out;      /* response body bytes */
	uint64_t request_id[2];  /* the X-Request-Id the proxy added; 0, 0: none */
	uint32_t client_addr;    /* network order */
	uint32_t member_addr;    /* network order; 0: no member */
	uint16_t client_port;    /* host order */
	uint16_t member_port;    /* host order */
	uint16_t status;
	uint16_t worker;
	uint16_t target_len, host_len;
	uint8_t method_len;      /* 0: no request head was parsed */
	uint8_t minor;           /* HTTP/1.minor */
	char method[22];
	char route[SL_PROXY_NAME_MAX]; /* "": none (refused before routing) */
	char target[SL_PROXY_LOG_TARGET_MAX]; /* truncated; not NUL-terminated */
	char host[SL_PROXY_LOG_HOST_MAX];     /* Host field, truncated */
};

/* Management, before the workers run: create every worker's ring of
 * `records` (a power of 2). The rings are freed with the proxy. */
int sl_proxy_log_enable(unsigned int records);
/* Management: hand up to max records to fn, oldest first per worker;
 * returns how many. */
unsigned int sl_proxy_log_drain(void (*fn)(void *arg, const struct sl_proxy_log_record *r),
		void *arg, unsigned int max);

#endif /* SL_PROXY_H */
