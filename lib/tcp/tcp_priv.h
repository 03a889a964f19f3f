/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp: the connection and what the files of the module share. */
#ifndef TCP_PRIV_H
#define TCP_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_tcp.h>

#include "sl_clock.h"
#include "sl_port.h"
#include "sl_tcp.h"
#include "sl_timer.h"
#include "tcp_cc.h"
#include "tcp_isn.h"
#include "tcp_reass.h"

extern int sl_tcp_logtype;
#define TCP_LOG(level, fmt, ...) SL_LOG(sl_tcp_logtype, level, "tcp: " fmt, ##__VA_ARGS__)

enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

extern const char *const tcp_state_names[];

/* The hash key: fields as on the wire, padding zeroed. */
struct tcp_key {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
};

/* Options of a received segment. */
struct tcp_opts {
	uint16_t mss;          /* 0: absent */
	int8_t wscale;         /* -1: absent */
	bool sack_ok;
	bool ts_present;
	uint32_t ts_val, ts_ecr;
	uint8_t n_sack;
	struct tcp_sack_block sack[TCP_SACK_MAX_BLOCKS];
};

/* Flags of a connection. */
#define TCP_F_ACK_NOW     0x0001 /* send an ACK at the end of this input */
#define TCP_F_DELACK      0x0002 /* an ACK is owed (delayed) */
#define TCP_F_TS          0x0004 /* timestamps in use */
#define TCP_F_SACK        0x0008 /* SACK permitted both ways */
#define TCP_F_WS          0x0010 /* window scaling in use */
#define TCP_F_FIN_QUEUED  0x0020 /* the app closed: FIN after the send queue */
#define TCP_F_FIN_SENT    0x0040 /* FIN sent (its seq is snd_max - 1) */
#define TCP_F_PEER_FIN    0x0080 /* FIN received */
#define TCP_F_IN_RECOVERY 0x0100
#define TCP_F_WANT_WRITE  0x0200 /* tell the app when send space returns */
#define TCP_F_PAUSED      0x0400 /* the app does not read for now */
#define TCP_F_PASSIVE     0x0800
#define TCP_F_IN_EVENT    0x1000 /* inside an app callback: defer the free */
#define TCP_F_DEAD        0x2000 /* closed; free when the callback returns */
#define TCP_F_RTT_TIMING  0x4000 /* rtt_seq is being timed (no timestamps) */
#define TCP_F_FIN_PENDING 0x8000 /* FIN received out of order, at fin_seq */
#define TCP_F_CLOSE_PENDING 0x10000 /* closed, but the app has data to read */
#define TCP_F_PTO         0x20000 /* rtx_timer is a tail-loss probe timeout */
#define TCP_F_TLP_OUT     0x40000 /* a probe is out, up to tlp_high_seq */
#define TCP_F_RXT_FENCE   0x80000 /* rxt_fence holds (in recovery) */
#define TCP_F_REORDERED   0x100000 /* a D-SACK showed reordering on the path */
#define TCP_F_AFTER_RTO   0x200000 /* resending after an RTO, up to recover */
#define TCP_F_OUT_PENDING 0x400000 /* in the worker's list: output at burst end */
#define TCP_F_DSACK       0x800000 /* dsack_* goes first in the next ACK's SACK */

struct tcp_conn {
	struct tcp_key key;
	enum tcp_state state;
	uint32_t flags;
	uint16_t owner;          /* lcore id */
	int8_t listener;         /* index, or -1 for an active open */

	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;    /* for RFC 5961 5.2 */
	uint32_t recover;        /* RFC 6582 */
	uint32_t high_rxt;       /* RFC 6675 HighRxt: retransmitted up to here */
	uint32_t rxt_fence;      /* snd_max at the last retransmission */
	uint32_t tlp_high_seq;   /* RFC 8985 TLP.end_seq */
	/* RFC 6937 PRR, in recovery: bytes delivered and sent since it began,
	 * the flight then, and what the last ACK allows beyond the proportion. */
	uint32_t prr_delivered, prr_out, recover_fs, prr_ack_allow;
	uint16_t mss;            /* payload per segment we send */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t dupacks;
	uint8_t backoff;         /* RTO doublings since the last new ACK */
	uint8_t probes;          /* keepalive or zero-window probes unanswered */

	/* Receive sequence space. */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge last advertised */
	uint32_t ts_recent;
	uint32_t segs_unacked;  /* full segments received since our last ACK */
	uint32_t fin_seq;       /* with TCP_F_FIN_PENDING */
	uint32_t dsack_start, dsack_end; /* with TCP_F_DSACK: data received twice */

	/* RTT (RFC 6298), microseconds. */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;
	uint64_t rtt_start;      /* TSC */
	uint64_t last_rx;        /* TSC of the last segment received */
	uint64_t opened;         /* TSC of creation */

	/* The port towards the peer if it cuts segments itself (TSO), else
	 * NULL: routes never change while running, so it is found once. */
	const struct sl_port *tso_out;

	/* Data we must (re)send: bytes [snd_una, snd_una + sndq_len). */
	struct rte_mbuf *sndq;
	struct rte_mbuf *sndq_tail;
	uint32_t sndq_len;
	/* In-order data not yet taken by the application. */
	struct rte_mbuf *rcvq;
	uint32_t rcvq_len;
	struct tcp_reass reass;
	struct tcp_sack_board sacked;

	struct tcp_cc cc;
	struct sl_timer rtx_timer;   /* retransmit, zero-window probe, SYN */
	struct sl_timer ack_timer;   /* delayed ACK */
	struct sl_timer life_timer;  /* keepalive, idle, TIME_WAIT */
	struct tcp_conn *tw_next;    /* TIME_WAIT FIFO, oldest first */
	struct tcp_conn **tw_pprev;  /* NULL when not in it */

	const struct sl_tcp_ops *ops;
	void *ctx;
};

/* tcp.c */
extern struct rte_mempool *tcp_conn_pool;
struct tcp_listener {
	uint32_t addr;
	uint16_t port;
	uint32_t backlog;
	const struct sl_tcp_ops *ops;
	void *arg;
	atomic_bool closed;       /* no new connections; see sl_tcp_listen */
};
extern struct tcp_listener tcp_listeners[SL_TCP_LISTENERS_MAX];
extern _Atomic unsigned int tcp_n_listeners;
/* TIME_WAIT entries per worker: time_wait_max, within half the objects. */
extern uint64_t tcp_time_wait_cap;

int tcp_find_listener(uint32_t laddr, uint16_t lport);
struct tcp_conn *tcp_conn_lookup(struct sl_lcore *lc, const struct tcp_key *k);
/* The end of a received burst: send what it queued (net's hook). */
void tcp_burst_end(struct sl_lcore *lc);
struct tcp_conn *tcp_conn_create(struct sl_lcore *lc, const struct tcp_key *k);
/* Unhash and release (deferred while an event callback runs). */
void tcp_conn_destroy(struct sl_lcore *lc, struct tcp_conn *c);
/* Tell the application and destroy. */
void tcp_conn_close(struct sl_lcore *lc, struct tcp_conn *c, enum sl_tcp_close_reason why);
void tcp_set_state(struct sl_lcore *lc, struct tcp_conn *c, enum tcp_state s);
uint32_t tcp_rcv_window(const struct tcp_conn *c);
/* Rate limits (per worker): true if one more may be sent; counted if not. */
bool tcp_rst_allowed(struct sl_lcore *lc);
bool tcp_challenge_allowed(struct sl_lcore *lc);

/* The lcore's clock in microseconds, and in milliseconds (TSval). */
static inline uint64_t
tcp_now_us(const struct sl_lcore *lc)
{
	return sl_clock_to_us(lc->now);
}

static inline uint32_t
tcp_now_ms(const struct sl_lcore *lc)
{
	return (uint32_t)sl_clock_to_ms(lc->now);
}

/* Events to the application, with the connection kept alive meanwhile. */
void tcp_event_readable(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_event_writable(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_event_peer_closed(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_event_established(struct sl_lcore *lc, struct tcp_conn *c);

/* tcp_input.c */
/* Our window scale: the smallest shift that lets the buffer be advertised. */
uint8_t tcp_our_wscale(void);
void tcp_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m,
		uint16_t ihl);
/* Process a segment already parsed and owned by this lcore. */
void tcp_segment(struct sl_lcore *lc, struct rte_mbuf *m);

/* tcp_output.c */
/* Send what the windows allow, and an ACK if one is owed. */
void tcp_output(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_send_ack(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_send_syn(struct sl_lcore *lc, struct tcp_conn *c);
/* A bare segment not tied to a connection (RST, cookie SYN-ACK). */
void tcp_send_raw(struct sl_lcore *lc, const struct tcp_key *k, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t win, const struct tcp_opts *echo, uint32_t tsval);
void tcp_send_rst_for(struct sl_lcore *lc, const struct tcp_key *k,
		const struct rte_tcp_hdr *th, uint32_t seg_len);
/* Resend up to max bytes from seq (snd_una for an RTO), within the peer's
 * window; returns the payload bytes sent. */
uint32_t tcp_retransmit(struct sl_lcore *lc, struct tcp_conn *c, uint32_t seq, uint32_t max);
void tcp_sndq_drop(struct tcp_conn *c, uint32_t acked);
uint16_t tcp_mss_for(uint32_t raddr);

int tcp_output_init(void);
unsigned int tcp_clones_in_use(void);
void tcp_output_term(void);

/* tcp_timer.c */
void tcp_timers_init(struct tcp_conn *c);
void tcp_timers_stop(struct sl_lcore *lc, struct tcp_conn *c);
/* What has just happened, for the retransmission timer: RFC 6298 restarts
 * it on an ACK of new data only; a probe timeout restarts on new data too. */
enum tcp_rtx_event {
	TCP_RTX_SENT,     /* sent (or nothing to send): start if not running */
	TCP_RTX_SENT_NEW, /* new data went out */
	TCP_RTX_ACKED,    /* new data acknowledged */
};
void tcp_arm_rtx(struct sl_lcore *lc, struct tcp_conn *c, enum tcp_rtx_event ev);
void tcp_arm_delack(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_arm_life(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt_us);
void tcp_enter_time_wait(struct sl_lcore *lc, struct tcp_conn *c);
/* Tell the application a connection in TIME_WAIT is closed for it. */
void tcp_notify_closed(struct tcp_conn *c);
void tcp_time_wait_unlink(struct sl_lcore *lc, struct tcp_conn *c);

/* tcp_recovery.c (with SACK; see there) */
void tcp_recovery_enter(struct sl_lcore *lc, struct tcp_conn *c);
void tcp_recovery_exit(struct tcp_conn *c);
uint32_t tcp_recovery_on_rto(struct tcp_conn *c);
void tcp_recovery_on_ack(struct sl_lcore *lc, struct tcp_conn *c, uint32_t delivered);
/* Before the scoreboard takes an ACK's SACK blocks: notice a D-SACK. */
void tcp_recovery_note_sack(struct tcp_conn *c, uint32_t ack, const struct tcp_opts *o);
uint32_t tcp_recovery_pipe(const struct tcp_conn *c);
/* Bytes PRR lets out now, and what was sent of them. */
uint32_t tcp_recovery_budget(const struct tcp_conn *c);
void tcp_recovery_sent(struct tcp_conn *c, uint32_t len);
/* The tail-loss probe timeout in microseconds; 0: none due. */
uint64_t tcp_tlp_timeout_us(const struct tcp_conn *c);
void tcp_tlp_fire(struct sl_lcore *lc, struct tcp_conn *c);

/* tcp_services.c, tcp_relay.c */
int tcp_services_init(void);
extern const struct sl_tcp_ops tcp_relay_ops;

int tcp_telemetry_init(void);

#endif /* TCP_PRIV_H */
