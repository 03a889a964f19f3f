/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp: configuration, life cycle, connection table, listeners, events. */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "sl_net.h"
#include "sl_port.h"
#include "tcp_priv.h"

RTE_LOG_REGISTER(sl_tcp_logtype, sluice.tcp, INFO);

struct sl_tcp_conf sl_tcp_conf;
struct rte_mempool *tcp_conn_pool;
struct tcp_listener tcp_listeners[SL_TCP_LISTENERS_MAX];
_Atomic unsigned int tcp_n_listeners;
uint64_t tcp_time_wait_cap;

const char *const tcp_state_names[] = { "CLOSED", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED",
	"FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT" };

#define SERVICE_NAME(name, desc) #name,
static const char *const service_names[] = { SL_TCP_SERVICES(SERVICE_NAME) NULL };
static const char *const cc_names[] = { "cubic", "newreno", NULL };

static const struct sl_conf_key listener_keys[] = {
	SL_KEY_IPV4(struct sl_tcp_listener_conf, address, 0, "0.0.0.0",
			"local address; 0.0.0.0: any of the ports' addresses"),
	SL_KEY_INT(struct sl_tcp_listener_conf, port, 1, 65535, 0, "TCP port"),
	SL_KEY_CHOICE(struct sl_tcp_listener_conf, service, SL_CONF_REQUIRED, NULL, service_names,
			"built-in service"),
	SL_KEY_INT(struct sl_tcp_listener_conf, backlog, 1, 1048576, 1024,
			"half-open connections per worker before SYN cookies"),
	SL_KEY_IPV4(struct sl_tcp_listener_conf, upstream, 0, "0.0.0.0",
			"relay: the address to connect to"),
	SL_KEY_INT(struct sl_tcp_listener_conf, upstream_port, 0, 65535, 0,
			"relay: the port to connect to"),
	SL_KEY_END,
};

static const struct sl_conf_key keepalive_keys[] = {
	SL_KEY_BOOL(struct sl_tcp_keepalive_conf, enabled, false, "probe idle connections"),
	SL_KEY_INT(struct sl_tcp_keepalive_conf, idle_s, 1, 86400, 7200, "idle time before probing"),
	SL_KEY_INT(struct sl_tcp_keepalive_conf, interval_s, 1, 3600, 75, "between probes"),
	SL_KEY_INT(struct sl_tcp_keepalive_conf, probes, 1, 100, 9, "unanswered probes to give up"),
	SL_KEY_END,
};

static const struct sl_conf_key tcp_keys[] = {
	SL_KEY_LIST(struct sl_tcp_conf, listeners, n_listeners, listener_keys, 0,
			"listeners of built-in services"),
	SL_KEY_INT(struct sl_tcp_conf, max_conns, 64, 16777216, 65536,
			"connections at most (all workers)"),
	SL_KEY_INT(struct sl_tcp_conf, rcvbuf, 4096, 67108864, 262144,
			"receive buffer per connection (window)"),
	SL_KEY_INT(struct sl_tcp_conf, sndbuf, 4096, 67108864, 262144,
			"send buffer per connection"),
	SL_KEY_INT(struct sl_tcp_conf, rto_initial_ms, 100, 60000, 1000, "RFC 6298 initial RTO"),
	SL_KEY_INT(struct sl_tcp_conf, rto_min_ms, 1, 60000, 200, "lower bound of the RTO"),
	SL_KEY_INT(struct sl_tcp_conf, rto_max_ms, 100, 600000, 60000, "upper bound of the RTO"),
	SL_KEY_INT(struct sl_tcp_conf, retries, 1, 100, 12,
			"retransmissions of a segment before the connection is dropped"),
	SL_KEY_INT(struct sl_tcp_conf, syn_retries, 1, 100, 5,
			"SYN or SYN-ACK retransmissions before giving up"),
	SL_KEY_INT(struct sl_tcp_conf, delack_ms, 1, 500, 40, "delayed ACK (RFC 1122: <= 500)"),
	SL_KEY_GROUP(struct sl_tcp_conf, keepalive, keepalive_keys, "keepalive"),
	SL_KEY_INT(struct sl_tcp_conf, idle_timeout_s, 0, 604800, 0,
			"drop a connection idle this long; 0: never"),
	SL_KEY_INT(struct sl_tcp_conf, user_timeout_ms, 0, 3600000, 0,
			"drop when sent data stays unacknowledged this long (RFC 5482); 0: off"),
	SL_KEY_INT(struct sl_tcp_conf, time_wait_ms, 0, 240000, 60000, "TIME_WAIT (2 MSL)"),
	SL_KEY_INT(struct sl_tcp_conf, time_wait_max, 0, 16777216, 65536,
			"TIME_WAIT entries per worker; the oldest is recycled beyond"),
	SL_KEY_BOOL(struct sl_tcp_conf, syncookies, true, "SYN cookies when a backlog is full"),
	SL_KEY_BOOL(struct sl_tcp_conf, timestamps, true, "RFC 7323 timestamps"),
	SL_KEY_BOOL(struct sl_tcp_conf, sack, true, "RFC 2018 selective acknowledgements"),
	SL_KEY_BOOL(struct sl_tcp_conf, window_scaling, true, "RFC 7323 window scaling"),
	SL_KEY_CHOICE(struct sl_tcp_conf, congestion, 0, "cubic", cc_names,
			"congestion control"),
	SL_KEY_INT(struct sl_tcp_conf, rst_per_s, 0, 10000000, 1000,
			"RSTs for segments without a connection, per second per worker"),
	SL_KEY_INT(struct sl_tcp_conf, challenge_acks_per_s, 0, 10000000, 1000,
			"challenge ACKs (RFC 5961: RSTs, SYNs, ACKs out of range), per second "
			"per worker"),
	SL_KEY_INT(struct sl_tcp_conf, ephemeral_min, 1024, 65535, 32768,
			"lowest source port of active opens"),
	SL_KEY_INT(struct sl_tcp_conf, ephemeral_max, 1024, 65535, 60999,
			"highest source port of active opens"),
	SL_KEY_INT(struct sl_tcp_conf, ooo_max_bytes, 0, 67108864, 262144,
			"out-of-order bytes held per connection"),
	SL_KEY_END,
};

int
sl_tcp_conf_register(void)
{
	return sl_conf_register("tcp", tcp_keys, &sl_tcp_conf, sizeof(sl_tcp_conf));
}

int
sl_tcp_validate(struct sl_conf_error *err)
{
	const struct sl_tcp_conf *c = &sl_tcp_conf;
	char path[64];
	unsigned int i, j;

	if (c->ephemeral_min > c->ephemeral_max)
		return sl_conf_error_at(err, "tcp.ephemeral_min", "above tcp.ephemeral_max");
	if (c->rto_min_ms > c->rto_max_ms)
		return sl_conf_error_at(err, "tcp.rto_min_ms", "above tcp.rto_max_ms");
	for (i = 0; i < c->n_listeners; i++) {
		const struct sl_tcp_listener_conf *l = &c->listeners[i];

		snprintf(path, sizeof(path), "tcp.listeners[%u].port", i);
		if (l->port == 0)
			return sl_conf_error_at(err, path, "a port is required");
		for (j = 0; j < i; j++)
			if (c->listeners[j].port == l->port &&
					(c->listeners[j].address == l->address ||
					 c->listeners[j].address == 0 || l->address == 0))
				return sl_conf_error_at(err, path, "%" PRId64
						" is already listened on", l->port);
		snprintf(path, sizeof(path), "tcp.listeners[%u].upstream", i);
		if (strcmp(l->service, "relay") == 0 && (l->upstream == 0 || l->upstream_port == 0))
			return sl_conf_error_at(err, path, "a relay needs upstream and upstream_port");
		snprintf(path, sizeof(path), "tcp.listeners[%u].address", i);
		if (l->address != 0 && !sl_net_is_local(l->address))
			return sl_conf_error_at(err, path, "not the address of any port");
	}
	return 0;
}

/*
 * Listeners are appended and never move, so that a connection's listener
 * index stays valid; workers see a new one once the count is published.
 * Closing one only stops new connections: its slot is reopened by the next
 * listen on the same address and port.
 */
int
sl_tcp_listen(uint32_t addr, uint16_t port, const struct sl_tcp_ops *ops, void *arg,
		uint32_t backlog)
{
	unsigned int i, n = tcp_n_listeners;
	struct tcp_listener *l;

	for (i = 0; i < n; i++) {
		l = &tcp_listeners[i];
		if (l->addr != addr || l->port != port)
			continue;
		if (!atomic_load_explicit(&l->closed, memory_order_relaxed))
			return -EADDRINUSE;
		if (l->ops != ops || l->arg != arg)
			return -EADDRINUSE; /* another owner's slot */
		l->backlog = backlog;
		atomic_store_explicit(&l->closed, false, memory_order_release);
		return 0;
	}
	if (tcp_find_listener(addr, port) >= 0)
		return -EADDRINUSE;
	if (n == SL_TCP_LISTENERS_MAX)
		return -ENOSPC;
	l = &tcp_listeners[n];
	l->addr = addr;
	l->port = port;
	l->ops = ops;
	l->arg = arg;
	l->backlog = backlog;
	atomic_store_explicit(&l->closed, false, memory_order_relaxed);
	atomic_store_explicit(&tcp_n_listeners, n + 1, memory_order_release);
	return 0;
}

int
sl_tcp_listen_backlog(uint32_t addr, uint16_t port, uint32_t backlog)
{
	int l = tcp_find_listener(addr, port);

	if (l < 0 || tcp_listeners[l].addr != addr)
		return -ENOENT;
	/* Read by workers at each SYN; an aligned 32-bit store is whole. */
	__atomic_store_n(&tcp_listeners[l].backlog, backlog, __ATOMIC_RELAXED);
	return 0;
}

int
sl_tcp_unlisten(uint32_t addr, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < tcp_n_listeners; i++)
		if (tcp_listeners[i].addr == addr && tcp_listeners[i].port == port &&
				!atomic_load_explicit(&tcp_listeners[i].closed,
					memory_order_relaxed)) {
			atomic_store_explicit(&tcp_listeners[i].closed, true,
					memory_order_release);
			return 0;
		}
	return -ENOENT;
}

int
tcp_find_listener(uint32_t laddr, uint16_t lport)
{
	unsigned int i, n = atomic_load_explicit(&tcp_n_listeners, memory_order_acquire);

	for (i = 0; i < n; i++)
		if (tcp_listeners[i].port == lport &&
				(tcp_listeners[i].addr == 0 || tcp_listeners[i].addr == laddr) &&
				!atomic_load_explicit(&tcp_listeners[i].closed,
					memory_order_acquire))
			return (int)i;
	return -1;
}

static uint32_t
key_hash(const void *key, uint32_t len, uint32_t init)
{
	return rte_hash_crc(key, len, init);
}

static int
init_worker(struct sl_lcore *lc)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = (uint32_t)RTE_MAX(sl_tcp_conf.max_conns, 1024),
		.key_len = sizeof(struct tcp_key),
		.hash_func = key_hash,
		.socket_id = (int)rte_socket_id(),
		.name = name,
		/* Cuckoo buckets alone can refuse a key well before `entries`;
		 * with the extendable table, every connection object fits. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct sl_tcp_lcore *t = &lc->tcp;

	snprintf(name, sizeof(name), "sl_tcp_%u", lc->worker_id);
	t->conns = rte_hash_create(&hp);
	if (t->conns == NULL)
		return -rte_errno;
	snprintf(name, sizeof(name), "sl_tcp_ho_%u", lc->worker_id);
	t->handoff = rte_ring_create(name, 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (t->handoff == NULL)
		return -rte_errno;
	t->next_port = (uint16_t)(sl_tcp_conf.ephemeral_min +
			rte_rand_max((uint64_t)(sl_tcp_conf.ephemeral_max -
					sl_tcp_conf.ephemeral_min + 1)));
	t->rst_rate.refill = t->challenge_rate.refill = lc->now;
	t->win_cap = UINT32_MAX;
	return 0;
}

int
sl_tcp_init(void)
{
	struct sl_lcore *lc;
	unsigned int workers;
	int rc;

	rc = tcp_isn_init();
	if (rc < 0)
		return rc;
	/* TIME_WAIT may take at most half of the connection objects, so that
	 * churn never leaves live connections without one. */
	workers = RTE_MAX(sl_lcore_worker_count(), 1u);
	tcp_time_wait_cap = RTE_MIN((uint64_t)sl_tcp_conf.time_wait_max,
			(uint64_t)sl_tcp_conf.max_conns / (2 * workers));
	/* DPDK wants the per-lcore cache at most n / 1.5. */
	tcp_conn_pool = rte_mempool_create("sl_tcp_conns", (unsigned int)sl_tcp_conf.max_conns,
			sizeof(struct tcp_conn), (unsigned int)RTE_MIN(64, sl_tcp_conf.max_conns / 2),
			0, NULL, NULL, NULL, NULL,
			(int)rte_socket_id(), 0);
	if (tcp_conn_pool == NULL)
		return -rte_errno;
	SL_WORKER_FOREACH(lc) {
		rc = init_worker(lc);
		if (rc < 0)
			goto fail;
	}
	rc = tcp_output_init();
	if (rc == 0)
		rc = sl_net_register_l4(IPPROTO_TCP, tcp_input);
	if (rc == 0)
		sl_net_register_burst_end(tcp_burst_end);
	if (rc == 0)
		rc = tcp_services_init();
	if (rc == 0)
		rc = tcp_telemetry_init();
	if (rc == 0)
		return 0;
fail:
	sl_tcp_term();
	return rc;
}

static void conn_free(struct sl_lcore *lc, struct tcp_conn *c);

/* Term: workers have stopped, so connections are freed without events. */
static void
free_all(struct sl_lcore *lc)
{
	const void *key;
	void *data;
	uint32_t iter = 0;

	while (rte_hash_iterate(lc->tcp.conns, &key, &data, &iter) >= 0)
		conn_free(lc, data);
}

void
sl_tcp_term(void)
{
	struct sl_lcore *lc;
	struct rte_mbuf *m;

	SL_WORKER_FOREACH(lc) {
		struct sl_tcp_lcore *t = &lc->tcp;

		if (t->conns != NULL)
			free_all(lc);
		rte_hash_free(t->conns);
		t->conns = NULL;
		t->last_conn = NULL;
		while (t->handoff != NULL && rte_ring_dequeue(t->handoff, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(t->handoff);
		t->handoff = NULL;
	}
	rte_mempool_free(tcp_conn_pool);
	tcp_conn_pool = NULL;
	tcp_output_term();
	tcp_n_listeners = 0;
}

static inline bool
key_equal(const struct tcp_key *a, const struct tcp_key *b)
{
	return a->laddr == b->laddr && a->raddr == b->raddr && a->lport == b->lport &&
		a->rport == b->rport;
}

/* A burst brings several segments of one flow in a row (a response being
 * sent to us, the ACKs of one we send): they skip the hash. */
struct tcp_conn *
tcp_conn_lookup(struct sl_lcore *lc, const struct tcp_key *k)
{
	struct tcp_conn *last = lc->tcp.last_conn;
	void *data;

	if (last != NULL && key_equal(&last->key, k))
		return last;
	if (rte_hash_lookup_data(lc->tcp.conns, k, &data) < 0)
		return NULL;
	lc->tcp.last_conn = data;
	return data;
}

/* Out of connection objects: a live connection matters more than this
 * worker's oldest TIME_WAIT (Linux also drops TIME_WAIT entries when its
 * buckets overflow). False if there is none to give back now. */
static bool
recycle_time_wait(struct sl_lcore *lc)
{
	struct tcp_conn *oldest = lc->tcp.tw_oldest;

	if (oldest == NULL || oldest->ops != NULL || (oldest->flags & TCP_F_IN_EVENT))
		return false;
	lc->tcp.stats.time_wait_recycled++;
	tcp_conn_close(lc, oldest, SL_TCP_CLOSED);
	return true;
}

static const struct sl_port *
tso_port_towards(uint32_t raddr)
{
	const struct sl_port *out = sl_net_route_port(raddr);

	return out != NULL && (out->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) ? out : NULL;
}

struct tcp_conn *
tcp_conn_create(struct sl_lcore *lc, const struct tcp_key *k)
{
	struct tcp_conn *c;

	if (rte_mempool_get(tcp_conn_pool, (void **)&c) < 0 &&
			(!recycle_time_wait(lc) || rte_mempool_get(tcp_conn_pool, (void **)&c) < 0)) {
		lc->tcp.stats.conn_alloc_fail++;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->key = *k;
	c->owner = (uint16_t)lc->lcore_id;
	c->listener = -1;
	c->opened = lc->now;
	c->last_rx = lc->now;
	c->rto_us = (uint32_t)sl_tcp_conf.rto_initial_ms * 1000;
	c->tso_out = tso_port_towards(k->raddr);
	tcp_reass_init(&c->reass);
	tcp_sack_board_init(&c->sacked);
	tcp_timers_init(c);
	if (rte_hash_add_key_data(lc->tcp.conns, k, c) < 0) {
		lc->tcp.stats.conn_alloc_fail++;
		rte_mempool_put(tcp_conn_pool, c);
		return NULL;
	}
	lc->tcp.gauges.open++;
	return c;
}

static void
conn_free(struct sl_lcore *lc, struct tcp_conn *c)
{
	tcp_reass_free(&c->reass);
	rte_pktmbuf_free(c->sndq);
	rte_pktmbuf_free(c->rcvq);
	rte_mempool_put(tcp_conn_pool, c);
}

/* c is going away: it must not be output at the end of the burst. */
static void
forget_output(struct sl_lcore *lc, struct tcp_conn *c)
{
	struct sl_tcp_lcore *t = &lc->tcp;
	uint16_t i;

	for (i = 0; i < t->n_out_pending; i++)
		if (t->out_pending[i] == c)
			t->out_pending[i] = NULL;
	c->flags &= ~TCP_F_OUT_PENDING;
}

void
tcp_conn_destroy(struct sl_lcore *lc, struct tcp_conn *c)
{
	if (c->flags & TCP_F_DEAD)
		return;
	tcp_timers_stop(lc, c);
	if (c->state == TCP_TIME_WAIT)
		tcp_time_wait_unlink(lc, c);
	if (c->state == TCP_SYN_RECEIVED && c->listener >= 0)
		lc->tcp.half_open[c->listener]--;
	rte_hash_del_key(lc->tcp.conns, &c->key);
	if (lc->tcp.last_conn == c)
		lc->tcp.last_conn = NULL;
	if (c->flags & TCP_F_OUT_PENDING)
		forget_output(lc, c);
	lc->tcp.gauges.open--;
	lc->tcp.stats.closed++;
	c->state = TCP_CLOSED;
	c->flags |= TCP_F_DEAD;
	if (!(c->flags & TCP_F_IN_EVENT))
		conn_free(lc, c);
}

void
tcp_conn_close(struct sl_lcore *lc, struct tcp_conn *c, enum sl_tcp_close_reason why)
{
	const struct sl_tcp_ops *ops = c->ops;
	uint32_t in_event = c->flags & TCP_F_IN_EVENT;

	if (c->flags & TCP_F_DEAD)
		return;
	/* The application hears of it only if it knew of the connection. */
	if (ops != NULL && ops->closed != NULL && c->state != TCP_SYN_RECEIVED) {
		c->flags |= TCP_F_IN_EVENT;
		c->ops = NULL;
		ops->closed((struct sl_tcp_conn *)c, why);
		c->flags = (c->flags & ~TCP_F_IN_EVENT) | in_event;
	}
	tcp_conn_destroy(lc, c);
}

void
tcp_set_state(struct sl_lcore *lc, struct tcp_conn *c, enum tcp_state s)
{
	if (c->state == TCP_SYN_RECEIVED && c->listener >= 0)
		lc->tcp.half_open[c->listener]--;
	if (s == TCP_SYN_RECEIVED && c->listener >= 0)
		lc->tcp.half_open[c->listener]++;
	c->state = s;
}

uint32_t
tcp_rcv_window(const struct tcp_conn *c)
{
	uint32_t used = c->rcvq_len + c->reass.bytes;
	uint32_t buf = (uint32_t)sl_tcp_conf.rcvbuf;

	/* Receive queues hold mbufs the NIC needs too: when the pool runs low,
	 * close windows so that what is queued drains before more comes. */
	if (used >= buf)
		return 0;
	return RTE_MIN(buf - used, sl_lcore_get(c->owner)->tcp.win_cap);
}

/* Take a token of a bucket refilled at `rate` a second (burst: a tenth). */
static bool
rate_take(const struct sl_lcore *lc, struct sl_tcp_rate *r, int64_t per_s)
{
	uint64_t rate = (uint64_t)per_s, hz = sl_clock_base.hz;
	uint64_t burst = RTE_MAX(rate / 10, (uint64_t)1);

	if (rate == 0)
		return false;
	if (lc->now - r->refill >= hz / rate) {
		r->tokens = RTE_MIN(r->tokens + (lc->now - r->refill) * rate / hz, burst);
		r->refill = lc->now;
	}
	if (r->tokens == 0)
		return false;
	r->tokens--;
	return true;
}

bool
tcp_rst_allowed(struct sl_lcore *lc)
{
	if (rate_take(lc, &lc->tcp.rst_rate, sl_tcp_conf.rst_per_s))
		return true;
	lc->tcp.stats.rst_limited++;
	return false;
}

bool
tcp_challenge_allowed(struct sl_lcore *lc)
{
	if (rate_take(lc, &lc->tcp.challenge_rate, sl_tcp_conf.challenge_acks_per_s))
		return true;
	lc->tcp.stats.challenge_limited++;
	return false;
}

/*
 * Events. The application may call back into the stack (send, close,
 * abort) from any event: TCP_F_IN_EVENT keeps the connection's memory until
 * the event returns, and the caller checks TCP_F_DEAD afterwards.
 */
#define EVENT(lc, c, fn, ...) do { \
	uint32_t nested__ = (c)->flags & TCP_F_IN_EVENT; \
	(c)->flags |= TCP_F_IN_EVENT; \
	fn(__VA_ARGS__); \
	(c)->flags = ((c)->flags & ~TCP_F_IN_EVENT) | nested__; \
	if (((c)->flags & TCP_F_DEAD) && !nested__) \
		conn_free(lc, c); \
} while (0)

void
tcp_event_readable(struct sl_lcore *lc, struct tcp_conn *c)
{
	if (c->rcvq_len == 0 || (c->flags & TCP_F_PAUSED) || c->ops == NULL ||
			c->ops->readable == NULL)
		return;
	EVENT(lc, c, c->ops->readable, (struct sl_tcp_conn *)c);
}

void
tcp_event_writable(struct sl_lcore *lc, struct tcp_conn *c)
{
	if (!(c->flags & TCP_F_WANT_WRITE) || sl_tcp_send_space((struct sl_tcp_conn *)c) <
			(uint32_t)sl_tcp_conf.sndbuf / 4)
		return;
	c->flags &= ~TCP_F_WANT_WRITE;
	if (c->ops != NULL && c->ops->writable != NULL)
		EVENT(lc, c, c->ops->writable, (struct sl_tcp_conn *)c);
}

void
tcp_event_peer_closed(struct sl_lcore *lc, struct tcp_conn *c)
{
	if (c->ops != NULL && c->ops->peer_closed != NULL)
		EVENT(lc, c, c->ops->peer_closed, (struct sl_tcp_conn *)c);
}

static void
call_accepted(struct tcp_conn *c, int *rc)
{
	const struct tcp_listener *l = &tcp_listeners[c->listener];

	*rc = l->ops->accepted != NULL ? l->ops->accepted((struct sl_tcp_conn *)c, l->arg) : 0;
}

void
tcp_event_established(struct sl_lcore *lc, struct tcp_conn *c)
{
	int rc = 0;

	tcp_arm_life(lc, c); /* keepalive and idle timeout, if configured */
	if (c->flags & TCP_F_PASSIVE) {
		lc->tcp.stats.accepted++;
		c->ops = tcp_listeners[c->listener].ops;
		EVENT(lc, c, call_accepted, c, &rc);
		if (rc < 0 && !(c->flags & TCP_F_DEAD))
			sl_tcp_abort((struct sl_tcp_conn *)c);
		return;
	}
	lc->tcp.stats.connected++;
	if (c->ops != NULL && c->ops->connected != NULL)
		EVENT(lc, c, c->ops->connected, (struct sl_tcp_conn *)c);
}

/* Public calls on a connection. */

bool
sl_tcp_peer_finished(const struct sl_tcp_conn *sc)
{
	return (((const struct tcp_conn *)sc)->flags & TCP_F_PEER_FIN) != 0;
}

void
sl_tcp_peer(const struct sl_tcp_conn *sc, uint32_t *addr, uint16_t *port)
{
	const struct tcp_conn *c = (const struct tcp_conn *)sc;

	*addr = c->key.raddr;
	*port = c->key.rport;
}

void *
sl_tcp_ctx(const struct sl_tcp_conn *sc)
{
	return ((const struct tcp_conn *)sc)->ctx;
}

void
sl_tcp_set_ctx(struct sl_tcp_conn *sc, void *ctx)
{
	((struct tcp_conn *)sc)->ctx = ctx;
}

struct sl_lcore *
sl_tcp_lcore(const struct sl_tcp_conn *sc)
{
	return sl_lcore_get(((const struct tcp_conn *)sc)->owner);
}

uint32_t
sl_tcp_send_space(const struct sl_tcp_conn *sc)
{
	const struct tcp_conn *c = (const struct tcp_conn *)sc;
	uint32_t buf = (uint32_t)sl_tcp_conf.sndbuf;

	return c->sndq_len >= buf ? 0 : buf - c->sndq_len;
}

/*
 * Data given to a connection while a received burst is processed (a proxy
 * relaying what arrives on the other side) goes out at the end of the
 * burst, in as few sends as the window allows: one TSO send where the port
 * has TSO, instead of one segment per segment received. False if it must
 * go now (no burst, or the list is full).
 */
static bool
defer_output(struct sl_lcore *lc, struct tcp_conn *c)
{
	struct sl_tcp_lcore *t = &lc->tcp;

	if (c->flags & TCP_F_OUT_PENDING)
		return true;
	if (!t->in_burst || t->n_out_pending == SL_TCP_OUT_PENDING_MAX)
		return false;
	t->out_pending[t->n_out_pending++] = c;
	c->flags |= TCP_F_OUT_PENDING;
	return true;
}

void
tcp_burst_end(struct sl_lcore *lc)
{
	struct sl_tcp_lcore *t = &lc->tcp;
	uint16_t i;

	t->in_burst = false;
	for (i = 0; i < t->n_out_pending; i++) {
		struct tcp_conn *c = t->out_pending[i];

		if (c == NULL) /* destroyed meanwhile */
			continue;
		c->flags &= ~TCP_F_OUT_PENDING;
		tcp_output(lc, c);
	}
	t->n_out_pending = 0;
}

int
sl_tcp_send(struct sl_tcp_conn *sc, struct rte_mbuf *m)
{
	struct tcp_conn *c = (struct tcp_conn *)sc;
	struct sl_lcore *lc = sl_lcore_get(c->owner);

	if ((c->flags & (TCP_F_FIN_QUEUED | TCP_F_DEAD)) || c->state == TCP_CLOSED)
		return -EPIPE;
	/* Accept while below the budget, so a chunk larger than the whole
	 * buffer still goes; one call may overshoot it by its own size. Refuse
	 * while mbufs run short: queued data must drain first. */
	if (sl_tcp_send_space(sc) == 0 || sl_lcore_get(c->owner)->tcp.mem_low) {
		c->flags |= TCP_F_WANT_WRITE;
		return -ENOBUFS;
	}
	if (m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	/* The send queue is a plain list of segments linked by `next`; its
	 * length lives in sndq_len, not in the head's pkt_len. */
	if (c->sndq == NULL)
		c->sndq = m;
	else
		c->sndq_tail->next = m;
	c->sndq_tail = rte_pktmbuf_lastseg(m);
	c->sndq_len += m->pkt_len;
	if (!(c->flags & TCP_F_IN_EVENT) && !defer_output(lc, c))
		tcp_output(lc, c);
	return 0;
}

struct rte_mbuf *
sl_tcp_recv(struct sl_tcp_conn *sc, uint32_t *len)
{
	struct tcp_conn *c = (struct tcp_conn *)sc;
	struct sl_lcore *lc = sl_lcore_get(c->owner);
	uint32_t before = tcp_rcv_window(c);
	struct rte_mbuf *m = c->rcvq;

	*len = c->rcvq_len;
	c->rcvq = NULL;
	c->rcvq_len = 0;
	/* Closed while data waited for the application: tell it on the next turn. */
	if (c->flags & TCP_F_CLOSE_PENDING)
		sl_timer_arm(lc->wheel, &c->ack_timer, lc->now);
	/* Tell the peer the window opened if it grew by two segments or from
	 * (nearly) closed, not for every read (RFC 9293 3.8.6.2.2). */
	if (m != NULL && c->state >= TCP_ESTABLISHED && tcp_rcv_window(c) - before >= 2u * c->mss &&
			SEQ_LT(c->rcv_adv, c->rcv_nxt + tcp_rcv_window(c) - 2u * c->mss)) {
		lc->tcp.stats.window_updates++;
		c->flags |= TCP_F_ACK_NOW;
		if (!(c->flags & TCP_F_IN_EVENT))
			tcp_output(lc, c);
	}
	return m;
}

void
sl_tcp_pause_reading(struct sl_tcp_conn *sc, bool pause)
{
	struct tcp_conn *c = (struct tcp_conn *)sc;

	if (pause)
		c->flags |= TCP_F_PAUSED;
	else
		c->flags &= ~TCP_F_PAUSED;
}

void
sl_tcp_close(struct sl_tcp_conn *sc)
{
	struct tcp_conn *c = (struct tcp_conn *)sc;
	struct sl_lcore *lc = sl_lcore_get(c->owner);

	if (c->flags & (TCP_F_FIN_QUEUED | TCP_F_DEAD))
		return;
	c->flags |= TCP_F_FIN_QUEUED;
	if (c->state == TCP_SYN_SENT) {
		tcp_conn_close(lc, c, SL_TCP_ABORTED);
		return;
	}
	if (!(c->flags & TCP_F_IN_EVENT))
		tcp_output(lc, c);
}

void
sl_tcp_abort(struct sl_tcp_conn *sc)
{
	struct tcp_conn *c = (struct tcp_conn *)sc;
	struct sl_lcore *lc = sl_lcore_get(c->owner);

	if (c->flags & TCP_F_DEAD)
		return;
	if (c->state >= TCP_SYN_RECEIVED && c->state != TCP_TIME_WAIT)
		tcp_send_raw(lc, &c->key, c->snd_max, 0, RTE_TCP_RST_FLAG, 0, NULL, 0);
	tcp_conn_close(lc, c, SL_TCP_ABORTED);
}

/* Frames of our flows that another worker received. */
static unsigned int
drain_handoff(struct sl_lcore *lc)
{
	struct rte_mbuf *pkts[32];
	unsigned int i, n;

	n = rte_ring_sc_dequeue_burst(lc->tcp.handoff, (void **)pkts, RTE_DIM(pkts), NULL);
	for (i = 0; i < n; i++)
		tcp_segment(lc, pkts[i]);
	return n;
}

/* Payload of a full-size segment: what one spare mbuf can hold. */
#define SEG 1448u

/*
 * Memory came back: without waiting for the peers' zero-window probes (their
 * back-off grows to minutes), reopen the windows we had closed and tell the
 * applications whose sends were refused for lack of mbufs (no ACK of ours
 * may be coming to do it).
 */
static void
reopen_windows(struct sl_lcore *lc)
{
	const void *key;
	void *data;
	uint32_t iter = 0;

	while (rte_hash_iterate(lc->tcp.conns, &key, &data, &iter) >= 0) {
		struct tcp_conn *c = data;

		if (c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
			continue;
		/* Keep c allocated across the event, whatever it does. */
		c->flags |= TCP_F_IN_EVENT;
		tcp_event_writable(lc, c);
		c->flags &= ~TCP_F_IN_EVENT;
		if (c->flags & TCP_F_DEAD) {
			conn_free(lc, c);
			continue;
		}
		if (c->rcv_adv - c->rcv_nxt < 2u * c->mss && tcp_rcv_window(c) >= 2u * c->mss)
			c->flags |= TCP_F_ACK_NOW;
		tcp_output(lc, c);
	}
}

/*
 * Receive queues hold the mbufs the NIC needs too. Keep a quarter of the
 * pool for receiving ACKs (what sends go out with comes from the control
 * pool), and share what is left above that among the connections as the
 * most any one may be offered as a window, so that windows promise no more
 * than the pool holds.
 */
static void
check_memory(struct sl_lcore *lc)
{
	bool was_short = lc->tcp.mem_low || lc->tcp.win_cap < 8 * SEG;
	struct rte_mempool *pool = sl_port_pool();
	uint64_t avail = rte_mempool_avail_count(pool), reserve = pool->size / 4;
	uint64_t spare = avail > reserve ? avail - reserve : 0;
	/* TIME_WAIT holds no data and offers no window */
	uint64_t conns = RTE_MAX(lc->tcp.gauges.open - lc->tcp.gauges.time_wait, (uint64_t)1);
	uint64_t cap = spare * SEG / conns;

	if (spare == 0 && !lc->tcp.mem_low)
		lc->tcp.stats.mem_low++;
	lc->tcp.mem_low = spare == 0;
	/* Never offer slivers: a peer avoiding silly windows would send nothing
	 * and fall back on zero-window probes, whose back-off grows to minutes.
	 * The reserve absorbs what this floor overcommits. */
	if (spare != 0)
		cap = RTE_MAX(cap, (uint64_t)4 * SEG);
	if (cap < (uint64_t)sl_tcp_conf.rcvbuf && lc->tcp.win_cap >= (uint64_t)sl_tcp_conf.rcvbuf)
		lc->tcp.stats.win_capped++;
	lc->tcp.win_cap = (uint32_t)RTE_MIN(cap, (uint64_t)UINT32_MAX);
	if (was_short && !lc->tcp.mem_low && lc->tcp.win_cap >= 8 * SEG)
		reopen_windows(lc);
}

/*
 * The exact free count walks every lcore's cache: too dear for each turn.
 * The pool's shared ring alone is a cheap lower bound of it; once that
 * falls under the reserve, count exactly on every turn, so that one burst
 * at most can arrive between the pool running low and the stack knowing.
 */
static bool
memory_check_due(struct sl_lcore *lc)
{
	struct rte_mempool *pool = sl_port_pool();
	const struct rte_mempool_ops *ops = rte_mempool_get_ops(pool->ops_index);

	return (++lc->tcp.polls & 63) == 0 || lc->tcp.mem_low ||
			ops->get_count(pool) < pool->size / 4;
}

unsigned int
sl_tcp_worker_poll(struct sl_lcore *lc)
{
	if (memory_check_due(lc))
		check_memory(lc);
	return drain_handoff(lc);
}
