/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/tcp_peer: what the white-box TCP state-machine tests share
 * (lib/tcp/test_tcp*.c) — a peer, 198.18.0.2, that injects exact segments
 * into worker 0 through the full input path (sl_net_input), and checks of
 * the exact segments the stack sent and of the exact change of every TCP
 * counter. The stack is the test stack's (sl_test_stack.h) at the TCP
 * layer with the constants below; time is the worker's fake clock `tnow`:
 * advance_ms() moves it and runs the timers.
 *
 * Callers: the TCP unit tests' main threads. White-box: includes tcp_priv.h.
 */
#ifndef TCP_PEER_H
#define TCP_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_tcp.h>

#include "sl_test.h"
#include "sl_test_stack.h"
#include "tcp_priv.h"

#define LADDR SL_TEST_FRONT_ADDR
#define RADDR SL_TEST_IP(198, 18, 0, 2)

#define FIN RTE_TCP_FIN_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define ACK RTE_TCP_ACK_FLAG

#define P_ECHO 7
#define P_DISCARD 9
#define P_SOURCE 19

#define RCVBUF 131072    /* our window: scale 2, 32768 << 2 */
#define OUR_WSCALE 2
#define MSS_SYN 1460     /* 1500 - 40 */
#define MSS_TS 1448      /* with timestamps */
#define PEER_WSCALE 7
#define PEER_WND 65535   /* unscaled field the peer sends */
#define RTO_INITIAL_MS 1000
#define RTO_MIN_MS 200
#define RETRIES 3
#define DELACK_MS 40
#define TIME_WAIT_MS 1000
#define BACKLOG 4

extern const struct rte_ether_addr peer_mac;
extern struct sl_lcore *wlc;          /* worker 0's context, driven from the main thread */
extern const struct sl_port *p0, *p1; /* front (the peer's side) and back */
extern uint64_t tnow;                 /* the fake TSC */

/* ---- time ---- */

/* Move the clock on and run the timers due; returns how many fired. */
unsigned int advance_us(uint64_t us);
unsigned int advance_ms(uint64_t ms);
/* The TSval the stack sends now (milliseconds of its clock). */
uint32_t gw_ts(void);

/* ---- counters ---- */

extern struct sl_tcp_stats snap;
void snap_take(void);
/* Every counter moved by exactly `want` since the last check; then re-snap. */
int deltas_ok(const struct sl_tcp_stats *want, int line);

/* ---- what the stack sent ---- */

struct oseg {
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	unsigned int opt_len;
	uint16_t mss;       /* 0: absent */
	int wscale;         /* -1: absent */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
	unsigned int n_sack;
	uint32_t sack[4][2];
	uint32_t len;
	uint8_t data[2048];
};

extern struct oseg out[64];
void dump_seg(const char *why, const struct oseg *o);
/* Collect and parse every frame worker 0 sent (or buffered); frees them. */
unsigned int take_output(void);
/* Exactly `want` segments were sent (dumped otherwise). */
int out_is(unsigned int want, int line);

/* ---- the peer ---- */

struct peer {
	uint16_t lport, rport;   /* host order */
	uint32_t isn;            /* the peer's ISN */
	uint32_t seq;            /* the peer's next sequence number */
	uint32_t iss;            /* the gateway's ISN */
	uint32_t ack;            /* what the peer acknowledges */
	uint32_t tsval;          /* the peer's clock */
	uint16_t wnd;            /* window field the peer sends */
	bool ts;                 /* timestamps negotiated */
};

/* Byte `off` of a stream (the peer's, or the echo of it). */
uint8_t pbyte(uint32_t off);
struct tcp_key key_of(const struct peer *p);
struct tcp_conn *conn_of(const struct peer *p);
/* Build a frame from the peer and hand it to net (the full input path). */
void inject_raw(const struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		const uint8_t *opt, unsigned int opt_len, const uint8_t *data, unsigned int len,
		bool bad_cksum, uint8_t doff_override);
/* Options: NOP NOP TS; returns their length. */
unsigned int ts_opts(uint8_t *o, uint32_t val, uint32_t ecr);
/* A segment from the peer at `seq` with the peer's ack, window and (if in
 * use) a fresh timestamp echoing the gateway's clock. */
void inject_seq(struct peer *p, uint8_t flags, uint32_t seq, const uint8_t *data,
		unsigned int len);
/* The peer's stream bytes [off, off + len) at their sequence numbers. */
void inject_data(struct peer *p, uint8_t flags, uint32_t off, unsigned int len);
/* A pure ACK from the peer acknowledging `ack`. */
void inject_ack(struct peer *p, uint32_t ack);
/* One segment with SACK blocks (pairs of absolute sequence numbers). */
void inject_sack(struct peer *p, uint32_t ack, const uint32_t (*blk)[2], unsigned int nb);
/* Check one segment sent; `any` lists flags whose value does not matter. */
int seg_ok(const struct oseg *o, const struct peer *p, uint8_t flags, uint8_t any, uint32_t seq,
		uint32_t ack, uint32_t len, int line);
/* Does segment i carry bytes [off, off + len) of the echoed stream? */
int data_is(unsigned int i, uint32_t off, uint32_t len);
/* Source service pattern: each 8-byte word holds its index, little endian. */
int source_data_is(unsigned int i, uint64_t off, uint32_t len);
int state_is(const struct peer *p, enum tcp_state s, int line);
/* A new peer at lport:rport sends a SYN with Linux's options (MSS,
 * SACK-permitted, TS, WS); nothing checked. */
void peer_syn(struct peer *p, uint16_t lport, uint16_t rport, uint32_t isn);
/* Three-way handshake from peer_syn; checks the SYN-ACK and the counters.
 * The peer's stream starts at isn + 1. */
int handshake(struct peer *p, uint16_t lport, uint16_t rport, uint32_t isn);
/* An exact RST from the peer: the connection is gone, nothing is sent. */
int reset_conn(struct peer *p);
uint32_t rto_ms(const struct peer *p);
/* Abort what an earlier (failed) case left, so that its timers do not send
 * into the next case; drain what was sent. */
void sweep(void);

/* The checks, as the cases write them (`p` is the case's peer). */
#define EXPECT(...) SL_CHECK(deltas_ok(&(struct sl_tcp_stats){ __VA_ARGS__ }, __LINE__) == 0)
#define EXPECT_NONE() EXPECT(.rx_segments = 0)
#define OUT(n) SL_CHECK(out_is((n), __LINE__) == 0)
#define SEG(i, flags, seq, ack, len) \
	SL_CHECK(seg_ok(&out[i], p, (flags), 0, (seq), (ack), (len), __LINE__) == 0)
#define SEG_ANY(i, flags, any, seq, ack, len) \
	SL_CHECK(seg_ok(&out[i], p, (flags), (any), (seq), (ack), (len), __LINE__) == 0)
#define STATE(s) SL_CHECK(state_is(p, (s), __LINE__) == 0)
#define GONE() SL_CHECK(conn_of(p) == NULL)
#define HANDSHAKE(p, lport, rport, isn) SL_CHECK(handshake((p), (lport), (rport), (isn)) == 0)
#define RESET(p) SL_CHECK(reset_conn(p) == 0)

/*
 * Run the cases on a fresh stack (tcp.time_wait_max as given), then check
 * the invariants and that nothing leaked. The process exit code.
 */
int tcp_test_main(const char *suite, const struct sl_test_case *cases, unsigned int n_cases,
		unsigned int time_wait_max);

/*
 * A test file's main(): CASES(X) lists the cases (X(name) runs
 * test_name()), each after `before` (sweep, or the file's own) cleared
 * what the case before left.
 */
#define TCP_TEST_CASE(name) \
	static int case_##name(void) \
	{ \
		tcp_test_before(); \
		return test_##name(); \
	}
#define TCP_TEST_ENTRY(name) { #name, case_##name },
#define TCP_TEST_MAIN(suite, time_wait_max, before, CASES) \
	static void (*const tcp_test_before)(void) = before; \
	CASES(TCP_TEST_CASE) \
	int main(void) \
	{ \
		static const struct sl_test_case cases[] = { CASES(TCP_TEST_ENTRY) }; \
		return tcp_test_main(suite, cases, RTE_DIM(cases), time_wait_max); \
	}

#endif /* TCP_PEER_H */
