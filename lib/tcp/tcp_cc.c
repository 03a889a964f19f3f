/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP congestion control, NewReno and CUBIC: see tcp_cc.h.
 *
 * Windows are bytes. Every product is taken in 64 bits and bounded first:
 * cwnd <= 2^31 and mss < 2^32, so cwnd * mss < 2^63.
 */
#include <string.h>

#include <rte_common.h>

#include "tcp_cc.h"

#define MSS_DEFAULT 536 /* RFC 9293, for a caller that passes mss 0 */
#define IW_BYTES 14600	/* RFC 6928 */
#define SS_ABC_SEGS 2	/* RFC 3465: at most L = 2*MSS per ACK in slow start */

/* CUBIC constants as ratios: beta_cubic = 0.7, C = 0.4 segments / s^3. */
#define BETA_NUM 7
#define BETA_DEN 10
/* fast convergence: W_max = cwnd * (1 + beta) / 2 */
#define FC_NUM 17
#define FC_DEN 20
/* alpha_cubic = 3 * (1 - beta) / (1 + beta) = 9/17 */
#define ALPHA_NUM 9
#define ALPHA_DEN 17
/* K^3 in ms^3 = (W_max - cwnd_epoch) / MSS / C * 10^9 */
#define K3_SCALE UINT64_C(2500000000)
/* |t - K| is capped where d^3 in ms^3 still fits 63 bits (about 35 min);
 * beyond it W_cubic saturates, far above any window. */
#define D_MAX_MS (UINT64_C(1) << 21)
/* bounds t + RTT; anything past D_MAX_MS behaves the same */
#define T_MAX_US (UINT64_C(1) << 40)

static const char *const cc_names[] = {
	[TCP_CC_NEWRENO] = "newreno",
	[TCP_CC_CUBIC] = "cubic",
};

static void
set_cwnd(struct tcp_cc *cc, uint64_t cwnd)
{
	cc->cwnd = (uint32_t)RTE_MIN(cwnd, (uint64_t)TCP_CC_CWND_MAX);
}

/* Every new ssthresh keeps the 2*MSS floor of RFC 5681 equation (4). */
static void
set_ssthresh(struct tcp_cc *cc, uint64_t ssthresh)
{
	ssthresh = RTE_MAX(ssthresh, 2 * (uint64_t)cc->mss);
	cc->ssthresh = (uint32_t)RTE_MIN(ssthresh, (uint64_t)TCP_CC_CWND_MAX);
}

/* n segments in bytes; n is bounded first so that the result stays < 2^33. */
static uint64_t
segs_to_bytes(const struct tcp_cc *cc, uint64_t n)
{
	n = RTE_MIN(n, (uint64_t)(TCP_CC_CWND_MAX / cc->mss) + 1);
	return n * cc->mss;
}

void
tcp_cc_init(struct tcp_cc *cc, enum tcp_cc_algo algo, uint32_t mss)
{
	uint64_t iw;

	memset(cc, 0, sizeof(*cc));
	if (mss == 0)
		mss = MSS_DEFAULT;
	cc->algo = (uint8_t)algo;
	cc->mss = mss;
	iw = RTE_MAX(2 * (uint64_t)mss, (uint64_t)IW_BYTES);
	set_cwnd(cc, RTE_MIN(10 * (uint64_t)mss, iw));
	cc->ssthresh = UINT32_MAX;
}

/*
 * Slow start with appropriate byte counting (RFC 3465, L = 2*MSS: delayed
 * ACKs still double the window per RTT). Stops at ssthresh and returns the
 * acked bytes left over for congestion avoidance.
 */
static uint32_t
slow_start(struct tcp_cc *cc, uint32_t acked)
{
	uint64_t room = cc->ssthresh - cc->cwnd;
	uint64_t inc = RTE_MIN((uint64_t)acked, SS_ABC_SEGS * (uint64_t)cc->mss);

	if (inc < room) {
		set_cwnd(cc, cc->cwnd + inc);
		return 0;
	}
	set_cwnd(cc, cc->ssthresh);
	return (uint32_t)(acked - room);
}

/*
 * One MSS per `per_mss` bytes acknowledged, through the bytes_acked
 * accumulator, never past `limit`. NewReno passes per_mss = cwnd: one MSS
 * per window, i.e. per RTT (RFC 5681 with RFC 3465 byte counting).
 */
static void
grow(struct tcp_cc *cc, uint32_t acked, uint64_t per_mss, uint64_t limit)
{
	uint64_t acc = (uint64_t)cc->bytes_acked + acked;
	uint64_t n;

	per_mss = RTE_MAX(per_mss, (uint64_t)1);
	n = acc / per_mss;
	acc -= n * per_mss;
	/* only reachable with per_mss > 4 GiB: growth too slow to matter */
	cc->bytes_acked = (uint32_t)RTE_MIN(acc, (uint64_t)UINT32_MAX);
	if (n > 0)
		set_cwnd(cc, RTE_MIN(cc->cwnd + segs_to_bytes(cc, n), limit));
}

/* floor(cbrt(x)) bit by bit (Hacker's Delight 11-1): once per epoch, not per ACK. */
static uint32_t
icbrt64(uint64_t x)
{
	uint64_t y = 0, b;
	int s;

	for (s = 63; s >= 0; s -= 3) {
		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		/* compare shifted down: b << s may not fit */
		if ((x >> s) >= b) {
			x -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

/* C * d^3 segments in bytes, d in ms: 0.4 * d^3 / 10^9 * MSS. Saturates. */
static uint64_t
cubic_delta(const struct tcp_cc *cc, uint64_t d_ms)
{
	uint64_t q;

	if (d_ms >= D_MAX_MS)
		return UINT64_MAX;
	/* ms^3 / 10^4 first: the truncation costs < 4e-6 MSS */
	q = d_ms * d_ms * d_ms / 10000;
	if (q > UINT64_MAX / 4 / cc->mss)
		return UINT64_MAX;
	return q * 4 * cc->mss / 1000000;
}

/* W_cubic(t) = C * (t - K)^3 + W_max (RFC 9438 eq. 1), in bytes, t in ms. */
static uint64_t
cubic_window(const struct tcp_cc *cc, uint64_t t_ms)
{
	uint64_t delta;

	if (t_ms >= cc->k_ms) {
		delta = cubic_delta(cc, t_ms - cc->k_ms);
		return delta > UINT64_MAX - cc->w_max ? UINT64_MAX : cc->w_max + delta;
	}
	delta = cubic_delta(cc, cc->k_ms - t_ms);
	return delta < cc->w_max ? cc->w_max - delta : 0;
}

/*
 * First ACK of congestion avoidance: the curve starts at the current cwnd
 * and reaches W_max after K = cbrt((W_max - cwnd_epoch) / C) (RFC 9438
 * eq. 2). With no reduction to recover from (first epoch, after an RTO)
 * the plateau is cwnd itself and K = 0 (RFC 9438 4.8).
 */
static void
cubic_epoch_start(struct tcp_cc *cc, uint64_t now_us)
{
	uint64_t k3;

	cc->epoch_start_us = RTE_MAX(now_us, (uint64_t)1); /* 0 means none */
	cc->cwnd_epoch = cc->cwnd;
	cc->w_est = cc->cwnd;
	cc->est_acked = 0;
	cc->bytes_acked = 0;
	if (cc->cwnd >= cc->w_max) {
		cc->w_max = cc->cwnd;
		cc->k_ms = 0;
		return;
	}
	/* < 2^32 * 2.5e9 < 2^64 */
	k3 = (uint64_t)(cc->w_max - cc->cwnd) * K3_SCALE / cc->mss;
	cc->k_ms = icbrt64(k3);
}

/*
 * W_est (RFC 9438 4.3) grows by alpha_cubic MSS per window acknowledged,
 * by one MSS once it passes cwnd_prior, where Reno would be too.
 */
static void
cubic_est_update(struct tcp_cc *cc, uint32_t acked)
{
	uint64_t acc = (uint64_t)cc->est_acked + acked;
	uint64_t n = acc / cc->cwnd;
	uint64_t inc;

	cc->est_acked = (uint32_t)(acc - n * cc->cwnd);
	if (n == 0)
		return;
	inc = segs_to_bytes(cc, n);
	if (cc->w_est < cc->w_last_max)
		inc = inc * ALPHA_NUM / ALPHA_DEN;
	cc->w_est = (uint32_t)RTE_MIN(cc->w_est + inc, (uint64_t)TCP_CC_CWND_MAX);
}

/*
 * CUBIC congestion avoidance: cwnd moves toward target = W_cubic(t + RTT),
 * clamped to [cwnd, 1.5 * cwnd], by (target - cwnd) / cwnd MSS per MSS
 * acked, i.e. one MSS per cwnd * MSS / (target - cwnd) bytes (RFC 9438 4.4,
 * 4.5). Where W_cubic(t) is below W_est, Reno's pace wins (4.3).
 */
static void
cubic_avoid(struct tcp_cc *cc, uint32_t acked, uint64_t now_us, uint32_t rtt_us)
{
	uint64_t cwnd = cc->cwnd;
	uint64_t t_us, target;

	if (cc->epoch_start_us == 0)
		cubic_epoch_start(cc, now_us);
	t_us = now_us > cc->epoch_start_us ? now_us - cc->epoch_start_us : 0;
	t_us = RTE_MIN(t_us, T_MAX_US);
	cubic_est_update(cc, acked);
	if (cc->w_est > cwnd && cubic_window(cc, t_us / 1000) < cc->w_est) {
		set_cwnd(cc, cc->w_est);
		return;
	}
	target = cubic_window(cc, (t_us + rtt_us) / 1000);
	target = RTE_MAX(target, cwnd);
	target = RTE_MIN(target, cwnd + cwnd / 2);
	if (target == cwnd)
		return;
	grow(cc, acked, cwnd * cc->mss / (target - cwnd), target);
}

void
tcp_cc_on_ack(struct tcp_cc *cc, uint32_t acked, uint64_t now_us, uint32_t rtt_us)
{
	if (acked == 0)
		return;
	if (cc->cwnd < cc->ssthresh) {
		acked = slow_start(cc, acked);
		if (acked == 0)
			return;
	}
	if (cc->algo == TCP_CC_CUBIC)
		cubic_avoid(cc, acked, now_us, rtt_us);
	else
		grow(cc, acked, cc->cwnd, UINT64_MAX);
}

/* RFC 9438 4.6, 4.7: remember the peak, lowered when it was not reached again. */
static void
cubic_reduce(struct tcp_cc *cc)
{
	cc->epoch_start_us = 0;
	cc->w_last_max = cc->cwnd;
	if (cc->cwnd < cc->w_max)
		cc->w_max = (uint32_t)((uint64_t)cc->cwnd * FC_NUM / FC_DEN);
	else
		cc->w_max = cc->cwnd;
	set_ssthresh(cc, (uint64_t)cc->cwnd * BETA_NUM / BETA_DEN);
}

void
tcp_cc_on_loss(struct tcp_cc *cc, uint32_t flight, uint64_t now_us)
{
	RTE_SET_USED(now_us); /* the CUBIC epoch starts with avoidance, not here */
	cc->bytes_acked = 0;
	if (cc->algo == TCP_CC_CUBIC)
		cubic_reduce(cc);
	else
		set_ssthresh(cc, flight / 2);
	/* RFC 6675: the SACK pipe, not an inflated cwnd, paces recovery */
	cc->cwnd = cc->ssthresh;
}

void
tcp_cc_on_recovery_end(struct tcp_cc *cc)
{
	cc->bytes_acked = 0;
	set_cwnd(cc, cc->ssthresh);
}

void
tcp_cc_on_rto(struct tcp_cc *cc, uint32_t flight, uint64_t now_us)
{
	RTE_SET_USED(now_us);
	cc->bytes_acked = 0;
	/* still the loss window: the retransmission timed out again, and
	 * ssthresh is held (RFC 5681 3.1) */
	if (cc->cwnd <= cc->mss)
		return;
	if (cc->algo == TCP_CC_CUBIC) {
		/* RFC 9438 4.8: ssthresh with beta, then a fresh curve, K = 0 */
		cc->epoch_start_us = 0;
		cc->w_last_max = cc->cwnd;
		cc->w_max = 0;
		cc->k_ms = 0;
		set_ssthresh(cc, (uint64_t)flight * BETA_NUM / BETA_DEN);
	} else {
		set_ssthresh(cc, flight / 2);
	}
	set_cwnd(cc, cc->mss);
}

const char *
tcp_cc_name(enum tcp_cc_algo algo)
{
	if ((unsigned int)algo >= RTE_DIM(cc_names))
		return "unknown";
	return cc_names[algo];
}

int
tcp_cc_parse(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -1;
	for (i = 0; i < RTE_DIM(cc_names); i++)
		if (strcmp(name, cc_names[i]) == 0)
			return (int)i;
	return -1;
}
