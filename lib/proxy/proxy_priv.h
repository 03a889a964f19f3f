/* SPDX-License-Identifier: BSD-3-Clause */
/* proxy: private structures shared by the proxy's files. */
#ifndef PROXY_PRIV_H
#define PROXY_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "sl_core.h"
#include "sl_http.h"
#include "sl_lcore.h"
#include "sl_proxy.h"
#include "sl_route.h"
#include "sl_tcp.h"
#include "sl_timer.h"
#include "sl_upstream.h"

extern int sl_proxy_logtype;
#define PROXY_LOG(level, fmt, ...) SL_LOG(sl_proxy_logtype, level, fmt, ##__VA_ARGS__)

/* Latency histogram: bucket i counts samples below 2^(i+4) us, the last
 * one everything above. */
#define PROXY_LAT_BUCKETS 20
/* Bytes of an idempotent request kept to resend it to another member. */
#define PROXY_REPLAY_MAX (64u * 1024u)
/* Room for a rewritten head: the parsed head plus what we add. */
#define PROXY_SCRATCH (SL_HTTP_HDR_BUF_MAX + 4096u)

/* ---- built once at init, read-only afterwards ---- */

enum proxy_action_kind {
	PROXY_ACT_POOL,
	PROXY_ACT_FIXED,
	PROXY_ACT_REDIRECT,
};

/* What a route does; indexed by the route's position in the configuration. */
struct proxy_action {
	enum proxy_action_kind kind;
	uint32_t route;       /* index in sl_proxy_conf.routes */
	uint32_t pool;        /* PROXY_ACT_POOL */
	uint16_t status;      /* FIXED, REDIRECT */
	const struct sl_proxy_route_conf *conf;
};

enum proxy_hash_key {
	PROXY_HASH_CLIENT,
	PROXY_HASH_HEADER,
	PROXY_HASH_COOKIE,
};

struct proxy_member {
	uint32_t addr;      /* network order */
	uint16_t port;      /* network order */
	uint32_t stat_index; /* in the flat per-member counter array */
	char label[24];     /* a.b.c.d:port */
};

struct proxy_pool {
	const struct sl_proxy_pool_conf *conf;
	enum sl_upstream_algo algo;
	enum proxy_hash_key hash;
	uint32_t n_members;
	struct proxy_member members[SL_PROXY_MEMBERS_MAX];
	/* Timeouts in TSC cycles. */
	uint64_t connect_tsc, response_tsc, idle_tsc, keepalive_tsc, fail_tsc;
};

struct proxy_listener {
	const struct sl_proxy_listener_conf *conf;
	struct sl_route_table *routes;
	uint32_t index;
};

/* The configuration as the workers see it. */
struct proxy_config {
	struct proxy_listener listeners[SL_PROXY_LISTENERS_MAX];
	uint32_t n_listeners;
	struct proxy_pool pools[SL_PROXY_POOLS_MAX];
	uint32_t n_pools;
	struct proxy_action actions[SL_PROXY_ROUTES_MAX];
	uint32_t n_routes;
	uint32_t n_members; /* over all pools */
	uint64_t header_tsc, keepalive_tsc, body_tsc;
	struct sl_http_limits req_limits;
	uint32_t hdr_buf; /* header buffer of each parser */
};

extern struct proxy_config proxy_cfg;

/* ---- per worker ---- */

/* Counters of a route or a member, per worker (summed on read). */
struct proxy_hstats {
	uint64_t requests;
	uint64_t status[5]; /* 1xx .. 5xx */
	uint64_t bytes_in, bytes_out;
	uint64_t connects, reuses, connect_failures; /* members only */
	uint64_t ejections;                          /* members only */
	uint64_t lat[PROXY_LAT_BUCKETS];
};

struct upconn;

/* A worker's view of one member: its pooled idle connections, and its
 * passive health (consecutive failures, skipped until `down_until`). */
struct proxy_member_lcore {
	struct upconn *idle;   /* most recently used first */
	uint32_t n_idle;
	uint32_t n_conns;      /* open, idle or busy */
	uint32_t fails;        /* failures in a row */
	uint64_t down_until;   /* TSC; 0: not ejected */
};

struct proxy_pool_lcore {
	struct sl_upstream_balancer bal;
	uint32_t n_down;       /* members ejected on this worker */
	struct proxy_member_lcore members[SL_PROXY_MEMBERS_MAX];
};

struct session;

struct proxy_worker {
	struct sl_lcore *lc;
	struct proxy_pool_lcore *pools;      /* [n_pools] */
	struct proxy_hstats *route_stats;    /* [n_routes] + one for "no route" */
	struct proxy_hstats *member_stats;   /* [n_members] */
	struct session *sessions;            /* every live session (for term) */
	struct upconn *upconns;              /* every live upstream connection */
	uint64_t rng;
	uint64_t request_seq;
	uint64_t tsc_hz;
	uint8_t scratch[PROXY_SCRATCH];      /* heads being written */
};

/* ---- mbuf queues ---- */

/* Received bytes not yet parsed: segments linked by `next`, the first one
 * read from `off`. */
struct proxy_inq {
	struct rte_mbuf *head, *tail;
	uint32_t off;
};

/* A chain being built for sl_tcp_send: head->pkt_len and nb_segs kept right. */
struct proxy_outq {
	struct rte_mbuf *head, *tail;
};

/* ---- a client connection and the exchange in progress ---- */

enum req_phase { RQ_HEAD, RQ_BODY, RQ_DONE };
enum resp_phase { RS_IDLE, RS_HEAD, RS_BODY, RS_DONE };

struct session {
	struct proxy_worker *w;
	const struct proxy_listener *lis;
	struct sl_tcp_conn *client;     /* NULL once closed */
	struct upconn *up;              /* the upstream serving this exchange */
	struct session *next, **pprev;  /* in w->sessions */
	uint32_t client_addr;           /* network order */
	char client_ip[16];             /* client_addr as text, for X-Forwarded-For */
	uint8_t client_ip_len;

	struct proxy_inq cin, uin;      /* unparsed input from each side */
	struct proxy_outq to_up, to_client;
	struct proxy_outq replay;       /* what was sent upstream, to resend */
	uint32_t replay_len;

	const struct proxy_action *act;
	struct proxy_hstats *rstats;    /* the route's counters */
	int member;                     /* index in the pool, -1 none */
	int failed_member;              /* last member that failed, -1 none */
	uint32_t requests;              /* served on this connection */
	uint64_t t_head;                /* TSC: request head parsed */
	uint64_t body_in, body_out;     /* body bytes of this exchange, each way */
	uint16_t status;                /* of the response being relayed */
	uint8_t tries;
	uint8_t req_phase, resp_phase;
	uint8_t depth;                  /* nested events running on this session */
	bool dead;                      /* free when depth returns to 0 */
	bool local;                     /* answered here: request body dropped */
	bool replayable;
	bool resp_started;              /* a response byte came from upstream */
	bool resp_head_sent;            /* a final head went to the client */
	bool dechunk;                   /* HTTP/1.0 client, chunked response */
	bool close_after;               /* close the client after this response */
	bool closing;                   /* FIN queued or to queue once flushed */
	bool client_eof;                /* the client sent FIN */
	bool fin_sent;                  /* our FIN to the client is queued */
	bool head_partial;              /* bytes of the next request head arrived */

	struct sl_timer client_timer;   /* header / body / keep-alive timeout */
	struct sl_timer up_timer;       /* connect / response / idle timeout */

	struct sl_http_parser req, resp;
	uint8_t bufs[];                 /* two header buffers of proxy_cfg.hdr_buf */
};

/* A connection to a member, pooled when idle. */
struct upconn {
	struct sl_tcp_conn *conn;       /* NULL once closed */
	struct proxy_worker *w;
	struct session *s;              /* owner of the exchange; NULL when idle */
	struct upconn *next_idle, **pprev_idle;
	struct upconn *next, **pprev;   /* in w->upconns */
	uint16_t pool, member;
	uint32_t requests;
	bool connected;
	bool reused;                    /* this exchange runs on a reused connection */
	struct sl_timer timer;          /* keep-alive idle timeout */
};

/* proxy_conf.c: build from sl_proxy_conf / free the route tables. */
int proxy_config_build(void);
void proxy_config_free(void);

/* proxy_session.c */
extern const struct sl_tcp_ops proxy_client_ops;
void proxy_session_free_all(struct proxy_worker *w);
/* Upstream events, forwarded to the session owning the exchange. */
void proxy_session_up_connected(struct session *s);
void proxy_session_up_readable(struct session *s);
void proxy_session_up_writable(struct session *s);
void proxy_session_up_failed(struct session *s, enum sl_tcp_close_reason why, bool connected);

/* proxy_upstream.c */
extern const struct sl_tcp_ops proxy_upstream_ops;
/* Pick a member and give s a connection to it (pooled or new). 0, or the
 * HTTP status to answer with (502/503) after counting the cause. */
int proxy_upstream_attach(struct session *s);
/* The exchange is over: keep the connection for reuse if it can be. */
void proxy_upstream_release(struct session *s, bool reusable);
/* Drop s's connection now (reset): it must not be reused. */
void proxy_upstream_abort(struct session *s);
void proxy_upstream_free_all(struct proxy_worker *w);
/* Passive health: the member of s's exchange failed (connect refused or
 * timed out, closed before answering) or answered. */
void proxy_upstream_failed(struct session *s);
void proxy_upstream_answered(struct session *s);

/* proxy_head.c */
/* Write the request head sent upstream into w; 0 or -ENOSPC/-EINVAL. */
int proxy_head_request(struct sl_http_wbuf *wb, const struct session *s,
		const struct proxy_pool *pool);
/* Write the response head sent to the client. */
int proxy_head_response(struct sl_http_wbuf *wb, const struct session *s);
/* A response made here: status, optional body and Location, Connection. */
int proxy_head_local(struct sl_http_wbuf *wb, uint16_t status, const char *body,
		const char *ctype, const char *location, bool close, uint8_t minor,
		bool head_only);
/* "a.b.c.d" of a network-order address into buf (16 bytes); its length. */
uint32_t proxy_format_ipv4(char *buf, uint32_t addr);

/* proxy_mbuf.c */
struct rte_mbuf *proxy_mbuf_from(struct proxy_worker *w, const uint8_t *data, uint32_t len);
void proxy_outq_append(struct proxy_outq *q, struct rte_mbuf *m);
void proxy_outq_free(struct proxy_outq *q);
int proxy_outq_clone(struct proxy_worker *w, struct proxy_outq *dst, struct rte_mbuf *m);
void proxy_inq_append(struct proxy_inq *q, struct rte_mbuf *m);
void proxy_inq_free(struct proxy_inq *q);
/* Move n bytes from the front of q to out (moved or cloned segments), or
 * drop them if out is NULL. Returns 0 or -ENOMEM (the bytes are dropped). */
int proxy_inq_take(struct proxy_worker *w, struct proxy_inq *q, uint32_t n,
		struct proxy_outq *out);
/* Like proxy_inq_take for a range [off, off + n) of q's first segment,
 * relative to q->off, then drop up to off + n. */
int proxy_inq_take_range(struct proxy_worker *w, struct proxy_inq *q, uint32_t skip,
		uint32_t n, uint32_t consumed, struct proxy_outq *out);

static inline bool
proxy_inq_empty(const struct proxy_inq *q)
{
	return q->head == NULL;
}

static inline uint64_t
proxy_ms_to_tsc(uint64_t ms)
{
	return ms * (rte_get_tsc_hz() / 1000);
}

void proxy_lat_add(struct proxy_hstats *h, uint64_t us);

#endif /* PROXY_PRIV_H */
