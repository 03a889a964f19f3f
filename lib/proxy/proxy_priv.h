/* SPDX-License-Identifier: BSD-3-Clause */
/* proxy: private structures shared by the proxy's files. */
#ifndef PROXY_PRIV_H
#define PROXY_PRIV_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "sl_clock.h"
#include "sl_core.h"
#include "sl_http.h"
#include "sl_lcore.h"
#include "sl_proxy.h"
#include "sl_route.h"
#include "sl_tcp.h"
#include "sl_timer.h"
#include "sl_balance.h"

extern int sl_proxy_logtype;
#define PROXY_LOG(level, fmt, ...) SL_LOG(sl_proxy_logtype, level, fmt, ##__VA_ARGS__)

/* Bytes of an idempotent request kept to resend it to another member. */
#define PROXY_REPLAY_MAX (64u * 1024u)
/* Room for a rewritten head: the parsed head plus what we add. */
#define PROXY_SCRATCH (SL_HTTP_HDR_BUF_MAX + 4096u)

/* ---- state that outlives configuration generations ---- */

struct upconn;

/* A worker's view of one member: its pooled idle connections, its passive
 * health (failures in a row, skipped until `down_until`) and counters. */
struct proxy_member_lcore {
	struct upconn *idle;   /* most recently used first */
	uint32_t n_idle;
	uint32_t n_conns;      /* open, idle or busy */
	uint32_t fails;        /* failures in a row */
	uint64_t down_until;   /* TSC; 0: not ejected */
	/* Latency EWMA, as the balancer of the newest exchange left it. */
	double lat_ewma_us;
	uint64_t lat_last_us;
	struct sl_proxy_hstats stats;
} __rte_cache_aligned;

/*
 * A member as (pool name, address, port), whatever generations name it, so
 * that its connections, health and counters survive configuration changes.
 * Created and freed by the management lcore (proxy_gen.c); row [worker_id]
 * is written only by that worker.
 */
struct proxy_member_slot {
	struct proxy_member_slot *next;     /* management's list */
	char pool[SL_PROXY_NAME_MAX];
	uint32_t addr;                      /* network order */
	uint16_t port;                      /* network order */
	char label[24];                     /* a.b.c.d:port */
	/* The newest generation naming this member: a worker on a newer one
	 * stops pooling connections to it. */
	_Atomic uint64_t last_gen;
	uint32_t gen_refs;                  /* management: generations naming it */
	bool draining;                      /* management: waiting for rcu_token */
	uint64_t rcu_token;
	struct proxy_member_lcore lc[];     /* [worker count] */
};

/* A route's counters, by name, across generations (as members above). */
struct proxy_route_slot {
	struct proxy_route_slot *next;
	char name[SL_PROXY_NAME_MAX];
	uint32_t gen_refs;
	bool draining;
	uint64_t rcu_token;
	struct sl_proxy_hstats lc[];           /* [worker count], one writer each */
};

/* A proxy listener's registration with the TCP stack. Its address and
 * port never change, so TCP keeps a stable pointer to it. */
struct proxy_listener_slot {
	uint32_t addr;                      /* network order */
	uint16_t port;                      /* network order */
	uint16_t index;                     /* in the slot table */
	bool open;
	const struct proxy_gen *opened_by;  /* to undo a failed publish */
};

/* ---- one configuration generation: immutable once published ---- */

enum proxy_action_kind {
	PROXY_ACT_POOL,
	PROXY_ACT_FIXED,
	PROXY_ACT_REDIRECT,
};

/* What a route does; indexed by the route's position in the configuration. */
struct proxy_action {
	enum proxy_action_kind kind;
	uint32_t route;       /* index in conf.routes */
	uint32_t pool;        /* PROXY_ACT_POOL */
	uint16_t status;      /* FIXED, REDIRECT */
	const struct sl_proxy_route_conf *conf;
	struct proxy_route_slot *stats;
};

enum proxy_hash_key {
	PROXY_HASH_CLIENT,
	PROXY_HASH_HEADER,
	PROXY_HASH_COOKIE,
};

struct proxy_member {
	uint32_t addr;      /* network order */
	uint16_t port;      /* network order */
	struct proxy_member_slot *slot;
};

struct proxy_pool {
	const struct sl_proxy_pool_conf *conf;
	enum sl_balance_algo algo;
	enum proxy_hash_key hash;
	uint32_t n_members;
	struct proxy_member members[SL_PROXY_MEMBERS_MAX];
	struct sl_balance_maglev *maglev; /* shared by the workers' balancers */
	/* Timeouts in TSC cycles. */
	uint64_t connect_tsc, response_tsc, idle_tsc, keepalive_tsc, fail_tsc;
};

struct proxy_listener {
	const struct sl_proxy_listener_conf *conf;
	struct sl_route_table *routes;
	struct proxy_listener_slot *slot;
	uint32_t index;
};

/* A worker's balancer of one pool of a generation. */
struct proxy_pool_lcore {
	struct sl_balance bal;
	uint32_t n_down;       /* members ejected in this balancer */
};

/* What one worker writes in a generation. */
struct proxy_gen_lcore {
	/* References: the worker's own while the generation is its current
	 * one, and one per session using it. */
	_Atomic uint64_t pins;
	struct proxy_pool_lcore *pools;      /* [n_pools] */
} __rte_cache_aligned;

/* The configuration as the workers see it. */
struct proxy_gen {
	uint64_t number;
	struct sl_proxy_conf conf;           /* what the pointers below refer to */
	struct proxy_listener listeners[SL_PROXY_LISTENERS_MAX];
	uint32_t n_listeners;
	int8_t listener_of_slot[SL_TCP_LISTENERS_MAX]; /* -1: closed */
	struct proxy_pool pools[SL_PROXY_POOLS_MAX];
	uint32_t n_pools;
	struct proxy_action actions[SL_PROXY_ROUTES_MAX];
	uint32_t n_routes;
	uint32_t n_members; /* over all pools */
	uint64_t header_tsc, keepalive_tsc, body_tsc;
	struct sl_http_limits req_limits;
	uint32_t hdr_buf; /* header buffer of each parser */
	struct proxy_gen_lcore *lcore;       /* [worker count] */
	/* Management: retired, waiting for the workers to let go. */
	struct proxy_gen *next_retired;
	uint64_t rcu_token;
	bool unpinned;                       /* pins reached 0; second grace */
};

/* ---- per worker ---- */

struct session;

struct proxy_worker {
	struct sl_lcore *lc;
	uint16_t wid;                        /* worker_id: row in shared slots */
	struct proxy_gen *gen;               /* current generation, pinned */
	struct session *sessions;            /* every live session (for term) */
	struct upconn *upconns;              /* every live upstream connection */
	uint64_t rng;
	uint64_t request_seq;
	struct rte_ring *log;                /* access log records; NULL: off */
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
	struct proxy_gen *gen;          /* pinned while the session uses it */
	const struct proxy_listener *lis;
	struct sl_tcp_conn *client;     /* NULL once closed */
	struct upconn *up;              /* the upstream serving this exchange */
	struct session *next, **pprev;  /* in w->sessions */
	uint32_t client_addr;           /* network order */

	struct proxy_inq cin, uin;      /* unparsed input from each side */
	struct proxy_outq to_up, to_client;
	struct proxy_outq replay;       /* what was sent upstream, to resend */
	uint32_t replay_len;

	const struct proxy_action *act;
	struct sl_proxy_hstats *rstats;    /* the route's counters */
	int member;                     /* index in the pool, -1 none */
	int failed_member;              /* last member that failed, -1 none */
	uint32_t requests;              /* served on this connection */
	uint64_t t_head;                /* TSC: request head parsed */
	uint64_t body_in, body_out;     /* body bytes of this exchange, each way */
	uint64_t request_id[2];         /* X-Request-Id to add (drawn if request_id is on) */
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

	struct sl_http_limits req_limits; /* of the generation that accepted it */
	struct sl_timer client_timer;   /* header / body / keep-alive timeout */
	struct sl_timer up_timer;       /* connect / response / idle timeout */

	struct sl_http_target target;   /* the request's, split at its head */
	struct sl_http_parser req, resp;
	uint32_t hdr_buf;               /* size of each of the two buffers */
	uint8_t bufs[];                 /* two header buffers */
};

/* A connection to a member, pooled when idle. */
struct upconn {
	struct sl_tcp_conn *conn;       /* NULL once closed */
	struct proxy_worker *w;
	struct session *s;              /* owner of the exchange; NULL when idle */
	struct upconn *next_idle, **pprev_idle;
	struct upconn *next, **pprev;   /* in w->upconns */
	struct proxy_member_slot *slot; /* the member it connects to */
	struct sl_balance_member *bal; /* counted active in this balancer */
	uint32_t requests;
	bool connected;
	bool reused;                    /* this exchange runs on a reused connection */
	struct sl_timer timer;          /* keep-alive idle timeout */
};

/* proxy_telemetry.c: register /sluice/proxy/... (sl_proxy_init). */
int proxy_telemetry_init(void);

/* proxy_conf.c: the schema, the cross-checks, and the route definitions. */
extern const struct sl_conf_key proxy_conf_keys[];
int proxy_conf_validate(const struct sl_proxy_conf *c, struct sl_conf_error *err);
/* Compile the route table of listener l of c; NULL with *err filled. */
struct sl_route_table *proxy_conf_routes(const struct sl_proxy_conf *c,
		const struct sl_proxy_listener_conf *l, struct sl_route_error *err);
int proxy_conf_algo(const char *name, enum sl_balance_algo *algo);
/* The index of the pool named `name` in c, or -1. */
int proxy_conf_find_pool(const struct sl_proxy_conf *c, const char *name);

/* proxy_gen.c: generations (management) and a worker's switch to the newest. */
int proxy_gen_publish(const struct sl_proxy_conf *c, struct sl_conf_error *err);
void proxy_gen_reclaim(void);
void proxy_gen_term(void);
/* The published generation (management, or under proxy_gen_lock). */
struct proxy_gen *proxy_gen_current(void);
extern struct proxy_route_slot *proxy_no_route;
void proxy_gen_lock(void);
void proxy_gen_unlock(void);
struct proxy_member_slot *proxy_gen_member_slots(void);
struct proxy_route_slot *proxy_gen_route_slots(void);
/* The retired generations, newest first (by next_retired): white-box tests. */
struct proxy_gen *proxy_gen_retired(void);
/* Worker: adopt the published generation if it is newer. */
void proxy_gen_sync(struct proxy_worker *w);
void proxy_gen_pin(struct proxy_worker *w, struct proxy_gen *g);
void proxy_gen_unpin(struct proxy_worker *w, struct proxy_gen *g);
static inline struct proxy_pool_lcore *
proxy_pool_lcore(const struct proxy_worker *w, const struct proxy_gen *g, uint32_t pool)
{
	return &g->lcore[w->wid].pools[pool];
}

/* proxy_session.c: a client session, its ending, timers and client events. */
extern const struct sl_tcp_ops proxy_client_ops;
/* Free s now: only when no event runs on it (see proxy_leave). */
void proxy_session_free(struct session *s);
void proxy_session_free_all(struct proxy_worker *w);
/* Move sessions between exchanges to the worker's new generation. */
void proxy_session_adopt(struct proxy_worker *w);
/* The exchange's status and latency, once, when it ends. */
void proxy_account(struct session *s);
/* Send what is queued, then FIN; read and drop whatever the client sends. */
void proxy_begin_close(struct session *s);
/* A response made here; the request body, if any, is read and dropped. */
void proxy_respond(struct session *s, uint16_t status, const char *body, const char *ctype,
		const char *location, bool close);
/* The exchange cannot go on: answer with status and close, or cut the
 * connection if a response head already went out. */
void proxy_fail_exchange(struct session *s, uint16_t status, const char *why);
/* Both messages are complete: settle the upstream, wait for the next request. */
void proxy_exchange_end(struct session *s);

/* proxy_request.c: a session's request side. */
/* Parse what the client sent and move it upstream, as far as back-pressure
 * and pipelining allow. */
void proxy_request_pump(struct session *s);
/* Send the request again, to another member when there is one; true if the
 * exchange was taken care of (resent or failed). */
bool proxy_request_retry(struct session *s, bool nothing_sent);

/* proxy_response.c: a session's response side. */
/* Parse what the member sent and move it to the client. */
void proxy_response_pump(struct session *s);
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
/* Close this worker's pooled connections to m (a member no longer named). */
void proxy_upstream_close_idle(struct proxy_worker *w, struct proxy_member_slot *m);
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
/* "a.b.c.d" of a network-order address into buf, NUL-terminated; its
 * length. buf holds PROXY_IPV4_TEXT_MAX bytes. */
#define PROXY_IPV4_TEXT_MAX 16
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

/* Hand what q holds to the connection: false while it takes no more
 * (back-pressure: q is kept); on any other refusal the connection is
 * closing, its event follows, and q is dropped. */
static inline bool
proxy_outq_send(struct sl_tcp_conn *c, struct proxy_outq *q)
{
	int rc;

	if (q->head == NULL)
		return true;
	rc = sl_tcp_send(c, q->head);
	if (rc == -ENOBUFS)
		return false;
	if (rc != 0)
		proxy_outq_free(q);
	q->head = q->tail = NULL;
	return true;
}

void proxy_lat_add(struct sl_proxy_hstats *h, uint64_t us);

/* proxy_log.c: queue the access log record of s's exchange (log on). */
void proxy_log_exchange(const struct session *s, uint64_t us);

/* ---- a session's small helpers, for its three files (per-request hot path) ---- */

static inline struct sl_proxy_stats *
proxy_stats(struct session *s)
{
	return &s->w->lc->proxy.stats;
}

static inline uint64_t
proxy_now(const struct session *s)
{
	return s->w->lc->now;
}

static inline void
proxy_arm(struct session *s, struct sl_timer *t, uint64_t after)
{
	sl_timer_arm(s->w->lc->wheel, t, proxy_now(s) + after);
}

static inline void
proxy_disarm(struct session *s, struct sl_timer *t)
{
	sl_timer_cancel(s->w->lc->wheel, t);
}

static inline const struct proxy_pool *
proxy_pool_of(const struct session *s)
{
	return &s->gen->pools[s->act->pool];
}

/* This worker's counters of the member serving the exchange. */
static inline struct sl_proxy_hstats *
proxy_member_stats(const struct session *s)
{
	return &proxy_pool_of(s)->members[s->member].slot->lc[s->w->wid].stats;
}

/* The upstream timer for where the exchange is: connect, response, idle. */
static inline void
proxy_arm_up_timer(struct session *s)
{
	const struct proxy_pool *pool = proxy_pool_of(s);

	if (s->up != NULL && !s->up->connected)
		proxy_arm(s, &s->up_timer, pool->connect_tsc);
	else if (s->req_phase == RQ_DONE && !s->resp_started)
		proxy_arm(s, &s->up_timer, pool->response_tsc);
	else
		proxy_arm(s, &s->up_timer, pool->idle_tsc);
}

/* Is this the last request client_max_requests allows on the connection? */
static inline bool
proxy_last_request(const struct session *s)
{
	return s->gen->conf.client_max_requests > 0 &&
		s->requests + 1 >= (uint64_t)s->gen->conf.client_max_requests;
}

/* Send what is queued for the client, then the FIN once closing; false
 * while the connection takes no more (back-pressure). */
static inline bool
proxy_flush_client(struct session *s)
{
	if (s->client == NULL) {
		proxy_outq_free(&s->to_client);
		return true;
	}
	if (!proxy_outq_send(s->client, &s->to_client))
		return false;
	if (s->closing && !s->fin_sent) {
		s->fin_sent = true;
		sl_tcp_close(s->client);
	}
	return true;
}

/* Queue a written head. */
static inline int
proxy_emit(struct session *s, struct proxy_outq *q, const struct sl_http_wbuf *wb)
{
	struct rte_mbuf *m;

	if (wb->overflow)
		return -ENOSPC;
	m = proxy_mbuf_from(s->w, wb->buf, wb->len);
	if (m == NULL)
		return -ENOMEM;
	proxy_outq_append(q, m);
	return 0;
}

/* Each event's hold on s (events nest; see the top of proxy_session.c). */
static inline void
proxy_enter(struct session *s)
{
	s->depth++;
}

static inline void
proxy_leave(struct session *s)
{
	if (--s->depth == 0 && s->dead)
		proxy_session_free(s);
}

/* After the response side ran: a finished exchange lets the next request in. */
static inline void
proxy_resume_requests(struct session *s)
{
	if (!s->dead && s->client != NULL && !s->closing && s->req_phase == RQ_HEAD)
		proxy_request_pump(s);
}

#endif /* PROXY_PRIV_H */
