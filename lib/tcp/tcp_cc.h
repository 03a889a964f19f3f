/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/cc: congestion control behind a small interface, NewReno (RFC 5681,
 * RFC 3465 byte counting with L = 2*MSS, RFC 6675 recovery window) and
 * CUBIC (RFC 9438, with its Reno-friendly region and fast convergence).
 * Pure arithmetic on a per-connection state: no time source of its own
 * (callers pass `now_us`), no allocation, no floating point: integers only,
 * bounded so that no product overflows 64 bits.
 *
 * Callers: the worker owning the connection.
 */
#ifndef TCP_CC_H
#define TCP_CC_H

#include <stdint.h>

enum tcp_cc_algo {
	TCP_CC_NEWRENO = 0,
	TCP_CC_CUBIC = 1,
};

/*
 * All windows in bytes. cwnd never exceeds TCP_CC_CWND_MAX (2 GiB, twice the
 * largest scaled TCP window), so every product on the ACK path fits 64 bits.
 * The MSS must not be 0 (tcp_cc_init() substitutes the RFC 9293 default 536).
 */
#define TCP_CC_CWND_MAX (UINT32_C(1) << 31)

struct tcp_cc {
	uint8_t algo;
	uint32_t mss;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t bytes_acked;     /* congestion avoidance accumulator (RFC 3465 style) */
	/* CUBIC (RFC 9438) */
	uint32_t w_max;           /* W_max: plateau of the curve, the window before the
	                           * last reduction, lowered by fast convergence */
	uint32_t w_last_max;      /* cwnd_prior: cwnd just before the last reduction */
	uint32_t w_est;           /* Reno-friendly estimate */
	uint32_t est_acked;       /* W_est accumulator: bytes acked toward its next step */
	uint64_t epoch_start_us;  /* start of the current avoidance epoch, 0: none */
	uint32_t k_ms;            /* K in milliseconds */
	uint32_t cwnd_epoch;      /* cwnd at the start of the epoch */
};

/* Initial window per RFC 6928: min(10*MSS, max(2*MSS, 14600)); ssthresh
 * starts "arbitrarily high" (RFC 5681). */
void tcp_cc_init(struct tcp_cc *cc, enum tcp_cc_algo algo, uint32_t mss);

/*
 * `acked` bytes of new data were acknowledged outside loss recovery.
 * `rtt_us`: the latest (or smoothed) RTT sample, 0 if unknown (CUBIC then
 * aims at W_cubic(t) instead of W_cubic(t + RTT)). Report ACKs only while
 * the window is in use (RFC 7661): an application-limited sender would grow
 * a window it never validated.
 */
void tcp_cc_on_ack(struct tcp_cc *cc, uint32_t acked, uint64_t now_us, uint32_t rtt_us);

/*
 * Loss detected by duplicate ACKs or SACK: enter fast recovery. `flight`:
 * bytes outstanding. cwnd = ssthresh at once, with no 3*MSS or per-dupack
 * inflation: the SACK scoreboard (RFC 6675 pipe) paces recovery.
 * NewReno: ssthresh = max(flight / 2, 2*MSS). CUBIC: ssthresh =
 * max(cwnd * 0.7, 2*MSS), from cwnd as in Linux (RFC 9438 4.6 allows it
 * given the RFC 7661 rule of tcp_cc_on_ack()).
 */
void tcp_cc_on_loss(struct tcp_cc *cc, uint32_t flight, uint64_t now_us);

/* Recovery ended (the recovery point was acknowledged): cwnd = ssthresh. */
void tcp_cc_on_recovery_end(struct tcp_cc *cc);

/*
 * Retransmission timeout: ssthresh from flight (NewReno flight / 2, CUBIC
 * flight * 0.7, both at least 2*MSS), cwnd = one MSS (RFC 5681). CUBIC
 * restarts its curve with K = 0 (RFC 9438 4.8). A timeout while cwnd is
 * still one MSS (nothing new acked since the previous timeout: the
 * retransmission timed out again) holds ssthresh (RFC 5681 3.1).
 */
void tcp_cc_on_rto(struct tcp_cc *cc, uint32_t flight, uint64_t now_us);

/* Name of an algorithm ("newreno", "cubic", "unknown" for others); parse one
 * (its enum value, -1 if unknown or NULL). */
const char *tcp_cc_name(enum tcp_cc_algo algo);
int tcp_cc_parse(const char *name);

#endif /* TCP_CC_H */
