/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp: the user-space TCP stack (RFC 9293) — passive and active opens,
 * retransmission (RFC 6298), SACK (RFC 2018/6675), NewReno or CUBIC, window
 * scaling and timestamps (RFC 7323), RFC 5961 protections, SYN cookies,
 * keepalive and timeouts — on mbufs, per lcore, with no locks.
 *
 * Upper layers see connections through events (struct sl_tcp_ops), never
 * sockets: they are told when a connection is accepted or connected, when
 * data is readable, when send space returns, and when it is closed. Data is
 * exchanged as mbuf chains without copies.
 *
 * Callers: every sl_tcp_* call on a connection is made by the worker that
 * owns it (from its events or its own loop); init/term and configuration on
 * the management lcore. Owns: the connections, listeners, timers.
 */
#ifndef SL_TCP_H
#define SL_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "sl_conf.h"
#include "sl_lcore.h"
#include "sl_tcp_types.h"

struct sl_tcp_conn;

enum sl_tcp_close_reason {
	SL_TCP_CLOSED,     /* both sides closed normally */
	SL_TCP_RESET,      /* the peer reset it */
	SL_TCP_TIMEOUT,    /* retries, keepalive, idle or user timeout */
	SL_TCP_ABORTED,    /* we aborted it */
	SL_TCP_REFUSED,    /* active open refused */
};

/* Events. Each is called on the owning worker; any may be NULL. */
struct sl_tcp_ops {
	/* A passive open completed; return 0 to keep it, < 0 to reset it. */
	int (*accepted)(struct sl_tcp_conn *c, void *listener_arg);
	/* An active open completed. */
	void (*connected)(struct sl_tcp_conn *c);
	/* In-order data is waiting: take it with sl_tcp_recv(). */
	void (*readable)(struct sl_tcp_conn *c);
	/* The peer sent FIN: no more data will come (we may still send). */
	void (*peer_closed)(struct sl_tcp_conn *c);
	/* Send space is available again after sl_tcp_send() refused data. */
	void (*writable)(struct sl_tcp_conn *c);
	/* The connection is gone; c is invalid after this returns. */
	void (*closed)(struct sl_tcp_conn *c, enum sl_tcp_close_reason why);
};

#define SL_TCP_SERVICES(X) \
	X(none, "no built-in service: the listener is registered by a module") \
	X(echo, "sends back what it receives") \
	X(discard, "reads and drops everything") \
	X(source, "reads a decimal byte count and a newline, sends that many pattern bytes, closes") \
	X(relay, "opens a connection to upstream:upstream_port and relays both ways (L4 proxy)")

struct sl_tcp_listener_conf {
	uint32_t address;   /* network order; 0: any of our addresses */
	int64_t port;
	char service[16];
	int64_t backlog;    /* half-open connections before SYN cookies */
	uint32_t upstream;  /* relay: network order */
	int64_t upstream_port;
};

struct sl_tcp_keepalive_conf {
	bool enabled;
	int64_t idle_s, interval_s, probes;
};

struct sl_tcp_conf {
	struct sl_tcp_listener_conf listeners[SL_TCP_LISTENERS_MAX];
	unsigned int n_listeners;
	int64_t max_conns;
	int64_t rcvbuf, sndbuf;
	int64_t rto_initial_ms, rto_min_ms, rto_max_ms;
	int64_t retries, syn_retries;
	int64_t delack_ms;
	struct sl_tcp_keepalive_conf keepalive;
	int64_t idle_timeout_s;
	int64_t user_timeout_ms;
	int64_t time_wait_ms;
	int64_t time_wait_max;
	bool syncookies;
	bool timestamps, sack, window_scaling;
	char congestion[16];
	int64_t rst_per_s;
	int64_t challenge_acks_per_s;
	int64_t ephemeral_min, ephemeral_max;
	int64_t ooo_max_bytes;
};

extern struct sl_tcp_conf sl_tcp_conf;

int sl_tcp_conf_register(void);
int sl_tcp_validate(struct sl_conf_error *err);
int sl_tcp_init(void);
void sl_tcp_term(void);

/* Management, before or while workers run: listen on addr:port (network
 * order). -EADDRINUSE, or -ENOSPC once SL_TCP_LISTENERS_MAX address/port
 * pairs were ever used (closed slots are reopened, never reassigned). */
int sl_tcp_listen(uint32_t addr, uint16_t port, const struct sl_tcp_ops *ops, void *arg,
		uint32_t backlog);
/* Management: change the half-open limit of an open listener. 0 or -ENOENT. */
int sl_tcp_listen_backlog(uint32_t addr, uint16_t port, uint32_t backlog);
/* Management: refuse new connections on addr:port; open ones go on.
 * 0 or -ENOENT. */
int sl_tcp_unlisten(uint32_t addr, uint16_t port);

/* Worker, after the lcore's timers: the mbuf-pool watch and segments handed
 * off by other workers; returns work done. */
unsigned int sl_tcp_worker_poll(struct sl_lcore *lc);

/* Worker: open a connection to daddr:dport (network order) from saddr (0:
 * the address of the port routing to daddr). NULL and rte_errno on error. */
struct sl_tcp_conn *sl_tcp_connect(struct sl_lcore *lc, uint32_t saddr, uint32_t daddr,
		uint16_t dport, const struct sl_tcp_ops *ops, void *arg);

/*
 * Queue m (data only, any chain) for sending; takes ownership on success.
 * Data is accepted while the queue is below tcp.sndbuf (so one call may
 * overshoot it by its own size). Returns 0, or -ENOBUFS when the buffer is
 * full (m is left to the caller; `writable` follows when space returns), or
 * -EPIPE after close.
 */
int sl_tcp_send(struct sl_tcp_conn *c, struct rte_mbuf *m);
/* Room in the send buffer, in bytes. */
uint32_t sl_tcp_send_space(const struct sl_tcp_conn *c);
/* Take all in-order received data (NULL if none); *len its length. */
struct rte_mbuf *sl_tcp_recv(struct sl_tcp_conn *c, uint32_t *len);
/* Stop reading: the receive window closes as data accumulates. */
void sl_tcp_pause_reading(struct sl_tcp_conn *c, bool pause);
/* Send FIN after the queued data; the connection lives until both sides close. */
void sl_tcp_close(struct sl_tcp_conn *c);
/* Reset the connection now; `closed` follows. */
void sl_tcp_abort(struct sl_tcp_conn *c);

/* Has the peer sent its FIN (no more data will come)? */
bool sl_tcp_peer_finished(const struct sl_tcp_conn *c);

/* The peer's address and port, network order. */
void sl_tcp_peer(const struct sl_tcp_conn *c, uint32_t *addr, uint16_t *port);

void *sl_tcp_ctx(const struct sl_tcp_conn *c);
void sl_tcp_set_ctx(struct sl_tcp_conn *c, void *ctx);
/* The worker context of the connection's owner. */
struct sl_lcore *sl_tcp_lcore(const struct sl_tcp_conn *c);

#endif /* SL_TCP_H */
