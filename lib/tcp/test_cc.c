/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of TCP congestion control: NewReno (RFC 5681, 3465, 6928) and
 * CUBIC (RFC 9438), checked against the definitions with numbers. The CUBIC
 * curve is compared with a double-precision reference computed here.
 */
#include <math.h>

#include <rte_common.h>

#include "sl_test.h"
#include "tcp_cc.h"

#define MSS 1460
#define RTT_100MS 100000
#define RTT_1MS 1000
#define SEC 1000000ULL

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

#define SL_CHECK_NEAR(a, b, tol) do { \
	double a_ = (a), b_ = (b); \
	if (fabs(a_ - b_) > (tol)) { \
		fprintf(stderr, "%s:%d: check failed: %s ~ %s (%.3f vs %.3f, tol %.3f)\n", \
			__FILE__, __LINE__, #a, #b, a_, b_, (double)(tol)); \
		return -1; \
	} \
} while (0)

static double
segs(const struct tcp_cc *cc)
{
	return (double)cc->cwnd / cc->mss;
}

/* W_cubic(t) in segments, t in seconds (RFC 9438 eq. 1 and 2). */
static double
ref_cubic(double w_max, double cwnd_epoch, double t)
{
	double k = cbrt((w_max - cwnd_epoch) / CUBIC_C);

	return CUBIC_C * pow(t - k, 3) + w_max;
}

/*
 * One round trip: the window in flight at its start is acknowledged in
 * `per_ack` byte ACKs spread evenly over the RTT.
 */
static void
ack_round(struct tcp_cc *cc, uint64_t *now, uint32_t rtt_us, uint32_t per_ack)
{
	uint32_t wnd = cc->cwnd;
	uint32_t n = (wnd + per_ack - 1) / per_ack;
	uint64_t start = *now;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t a = RTE_MIN(per_ack, wnd - i * per_ack);

		tcp_cc_on_ack(cc, a, start + (uint64_t)rtt_us * (i + 1) / n, rtt_us);
	}
	*now = start + rtt_us;
}

/* A connection in congestion avoidance at `wnd` segments. */
static void
init_avoiding(struct tcp_cc *cc, enum tcp_cc_algo algo, uint32_t wnd)
{
	tcp_cc_init(cc, algo, MSS);
	cc->cwnd = wnd * MSS;
	cc->ssthresh = wnd * MSS;
}

/* RFC 6928: min(10*MSS, max(2*MSS, 14600)), for both algorithms. */
static int
test_initial_window(void)
{
	static const struct {
		uint32_t mss, iw;
	} cases[] = {
		{ 536, 5360 },    /* 10 segments */
		{ 1000, 10000 },  /* 10 segments */
		{ 1460, 14600 },  /* 10 segments */
		{ 4000, 14600 },  /* 3.65 segments: the byte cap */
		{ 8960, 17920 },  /* jumbo: the 2-segment floor */
		{ 0, 5360 },      /* invalid: the RFC 9293 default 536 */
	};
	struct tcp_cc cc;
	unsigned int i, a;

	for (a = TCP_CC_NEWRENO; a <= TCP_CC_CUBIC; a++) {
		for (i = 0; i < RTE_DIM(cases); i++) {
			tcp_cc_init(&cc, a, cases[i].mss);
			SL_CHECK_EQ(cc.cwnd, cases[i].iw);
			SL_CHECK_EQ(cc.ssthresh, UINT32_MAX);
			SL_CHECK_EQ(cc.algo, a);
		}
		SL_CHECK_EQ(cc.mss, 536);
	}
	return 0;
}

/* Slow start doubles cwnd per RTT, with per-segment or delayed ACKs (L = 2*MSS). */
static int
test_slow_start_doubling(void)
{
	static const uint32_t per_ack[] = { MSS, 2 * MSS };
	struct tcp_cc cc;
	unsigned int a, i, r;
	uint64_t now;

	for (a = TCP_CC_NEWRENO; a <= TCP_CC_CUBIC; a++) {
		for (i = 0; i < RTE_DIM(per_ack); i++) {
			tcp_cc_init(&cc, a, MSS);
			now = SEC;
			for (r = 1; r <= 6; r++) {
				ack_round(&cc, &now, RTT_100MS, per_ack[i]);
				SL_CHECK_EQ(cc.cwnd, (10 * MSS) << r);
			}
		}
	}
	/* a stretch ACK counts for at most 2*MSS (RFC 3465) */
	tcp_cc_init(&cc, TCP_CC_NEWRENO, MSS);
	tcp_cc_on_ack(&cc, 4 * MSS, SEC, RTT_100MS);
	SL_CHECK_EQ(cc.cwnd, 12 * MSS);
	tcp_cc_on_ack(&cc, 100, SEC, RTT_100MS);
	SL_CHECK_EQ(cc.cwnd, 12 * MSS + 100);
	tcp_cc_on_ack(&cc, 0, SEC, RTT_100MS);
	SL_CHECK_EQ(cc.cwnd, 12 * MSS + 100);
	return 0;
}

/* Slow start stops exactly at ssthresh; the rest of the ACK goes to avoidance. */
static int
test_slow_start_exit(void)
{
	struct tcp_cc cc;
	uint64_t now = SEC;

	tcp_cc_init(&cc, TCP_CC_NEWRENO, MSS);
	cc.ssthresh = 15 * MSS;
	ack_round(&cc, &now, RTT_100MS, MSS);
	SL_CHECK_EQ(cc.cwnd, 15 * MSS);
	SL_CHECK_EQ(cc.bytes_acked, 5 * MSS);
	ack_round(&cc, &now, RTT_100MS, MSS);
	SL_CHECK_EQ(cc.cwnd, 16 * MSS);

	tcp_cc_init(&cc, TCP_CC_NEWRENO, MSS);
	cc.cwnd = 19 * MSS;
	cc.ssthresh = 20 * MSS;
	tcp_cc_on_ack(&cc, 3 * MSS, SEC, RTT_100MS);
	SL_CHECK_EQ(cc.cwnd, 20 * MSS);
	SL_CHECK_EQ(cc.bytes_acked, 2 * MSS);
	return 0;
}

/* NewReno avoidance: exactly one MSS per window acknowledged, i.e. per RTT. */
static int
test_reno_avoidance(void)
{
	static const uint32_t per_ack[] = { MSS, 2 * MSS, 500 };
	struct tcp_cc cc;
	unsigned int i, r;
	uint64_t now;

	for (i = 0; i < RTE_DIM(per_ack); i++) {
		init_avoiding(&cc, TCP_CC_NEWRENO, 20);
		now = SEC;
		for (r = 1; r <= 50; r++) {
			ack_round(&cc, &now, RTT_100MS, per_ack[i]);
			SL_CHECK_EQ(cc.cwnd, (20 + r) * MSS);
		}
	}
	/* growth comes when a whole window is acked, not before */
	init_avoiding(&cc, TCP_CC_NEWRENO, 20);
	tcp_cc_on_ack(&cc, 19 * MSS, SEC, 0);
	SL_CHECK_EQ(cc.cwnd, 20 * MSS);
	tcp_cc_on_ack(&cc, MSS, SEC, 0);
	SL_CHECK_EQ(cc.cwnd, 21 * MSS);
	SL_CHECK_EQ(cc.bytes_acked, 0);
	return 0;
}

/* NewReno loss: ssthresh = cwnd = max(flight / 2, 2*MSS), kept at recovery end. */
static int
test_reno_loss(void)
{
	struct tcp_cc cc;
	uint64_t now = SEC;

	init_avoiding(&cc, TCP_CC_NEWRENO, 40);
	tcp_cc_on_ack(&cc, 10 * MSS, now, RTT_100MS);
	SL_CHECK_EQ(cc.bytes_acked, 10 * MSS);
	tcp_cc_on_loss(&cc, 40 * MSS, now);
	SL_CHECK_EQ(cc.ssthresh, 20 * MSS);
	SL_CHECK_EQ(cc.cwnd, 20 * MSS);
	SL_CHECK_EQ(cc.bytes_acked, 0);
	tcp_cc_on_recovery_end(&cc);
	SL_CHECK_EQ(cc.cwnd, 20 * MSS);
	ack_round(&cc, &now, RTT_100MS, MSS);
	SL_CHECK_EQ(cc.cwnd, 21 * MSS);

	/* odd flight rounds down; a small flight hits the 2*MSS floor */
	init_avoiding(&cc, TCP_CC_NEWRENO, 40);
	tcp_cc_on_loss(&cc, 30 * MSS + 1, now);
	SL_CHECK_EQ(cc.cwnd, 15 * MSS);
	init_avoiding(&cc, TCP_CC_NEWRENO, 40);
	tcp_cc_on_loss(&cc, 3 * MSS, now);
	SL_CHECK_EQ(cc.ssthresh, 2 * MSS);
	SL_CHECK_EQ(cc.cwnd, 2 * MSS);
	return 0;
}

/* RTO: cwnd = 1 MSS, ssthresh = flight / 2, then slow start back to it. */
static int
test_reno_rto(void)
{
	static const uint32_t after[] = { 2, 4, 8, 16, 20, 21, 22 };
	struct tcp_cc cc;
	uint64_t now = SEC;
	unsigned int r;

	init_avoiding(&cc, TCP_CC_NEWRENO, 40);
	tcp_cc_on_rto(&cc, 40 * MSS, now);
	SL_CHECK_EQ(cc.cwnd, MSS);
	SL_CHECK_EQ(cc.ssthresh, 20 * MSS);
	for (r = 0; r < RTE_DIM(after); r++) {
		ack_round(&cc, &now, RTT_100MS, MSS);
		SL_CHECK_EQ(cc.cwnd, after[r] * MSS);
	}
	tcp_cc_on_rto(&cc, 4 * MSS, now);
	SL_CHECK_EQ(cc.cwnd, MSS);
	SL_CHECK_EQ(cc.ssthresh, 2 * MSS);
	/* the retransmission times out again: ssthresh held */
	cc.ssthresh = 10 * MSS;
	tcp_cc_on_rto(&cc, 4 * MSS, now);
	SL_CHECK_EQ(cc.cwnd, MSS);
	SL_CHECK_EQ(cc.ssthresh, 10 * MSS);
	return 0;
}

/* CUBIC loss: cwnd * 0.7, W_max = cwnd, K = cbrt(W_max * 0.3 / C). */
static int
test_cubic_loss(void)
{
	struct tcp_cc cc;

	init_avoiding(&cc, TCP_CC_CUBIC, 100);
	tcp_cc_on_loss(&cc, 100 * MSS, SEC);
	SL_CHECK_EQ(cc.ssthresh, 70 * MSS);
	SL_CHECK_EQ(cc.cwnd, 70 * MSS);
	SL_CHECK_EQ(cc.w_max, 100 * MSS);
	SL_CHECK_EQ(cc.w_last_max, 100 * MSS);
	SL_CHECK_EQ(cc.epoch_start_us, 0);
	tcp_cc_on_recovery_end(&cc);
	SL_CHECK_EQ(cc.cwnd, 70 * MSS);
	/* the epoch starts with the first ACK of avoidance */
	tcp_cc_on_ack(&cc, MSS, 2 * SEC, RTT_100MS);
	SL_CHECK_EQ(cc.epoch_start_us, 2 * SEC);
	SL_CHECK_EQ(cc.cwnd_epoch, 70 * MSS);
	SL_CHECK_NEAR(cc.k_ms, 1000 * cbrt(100 * (1 - CUBIC_BETA) / CUBIC_C), 1);

	/* 3 segments: 2.1 segments in bytes; 2: the 2*MSS floor */
	init_avoiding(&cc, TCP_CC_CUBIC, 3);
	tcp_cc_on_loss(&cc, 3 * MSS, SEC);
	SL_CHECK_EQ(cc.cwnd, 3 * MSS * 7 / 10);
	init_avoiding(&cc, TCP_CC_CUBIC, 2);
	tcp_cc_on_loss(&cc, 2 * MSS, SEC);
	SL_CHECK_EQ(cc.cwnd, 2 * MSS);
	return 0;
}

/* CUBIC RTO: 1 MSS, ssthresh = flight * 0.7, then a new curve with K = 0. */
static int
test_cubic_rto(void)
{
	struct tcp_cc cc;
	uint64_t now = SEC;
	unsigned int r;

	init_avoiding(&cc, TCP_CC_CUBIC, 100);
	tcp_cc_on_ack(&cc, MSS, now, RTT_100MS);
	SL_CHECK(cc.epoch_start_us != 0);
	tcp_cc_on_rto(&cc, 100 * MSS, now);
	SL_CHECK_EQ(cc.cwnd, MSS);
	SL_CHECK_EQ(cc.ssthresh, 70 * MSS);
	SL_CHECK_EQ(cc.epoch_start_us, 0);
	SL_CHECK_EQ(cc.w_last_max, 100 * MSS);
	/* backed-off timeouts keep ssthresh and cwnd_prior */
	tcp_cc_on_rto(&cc, 100 * MSS, now);
	SL_CHECK_EQ(cc.ssthresh, 70 * MSS);
	SL_CHECK_EQ(cc.w_last_max, 100 * MSS);
	for (r = 0; r < 7; r++)
		ack_round(&cc, &now, RTT_100MS, MSS);
	/* 1, 2, 4, ..., 64, then 70 with the epoch started by the leftover */
	SL_CHECK(cc.cwnd >= 70 * MSS);
	SL_CHECK(cc.epoch_start_us != 0);
	SL_CHECK_EQ(cc.k_ms, 0);
	SL_CHECK_EQ(cc.w_max, 70 * MSS);
	SL_CHECK_EQ(cc.cwnd_epoch, 70 * MSS);
	return 0;
}

/*
 * The Reno-friendly estimate of RFC 9438 4.3 in segments after a loss at
 * w_max: alpha per RTT from w_max * 0.7, one per RTT past w_max.
 */
static double
ref_est(double w_max, double t, double rtt)
{
	const double alpha = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	double rounds = t / rtt, to_prior = w_max * (1 - CUBIC_BETA) / alpha;

	if (rounds <= to_prior)
		return w_max * CUBIC_BETA + alpha * rounds;
	return w_max + rounds - to_prior;
}

/* What cwnd should be t seconds into the epoch: the larger of both. */
static double
ref_window(double w_max, double t)
{
	return fmax(ref_cubic(w_max, w_max * CUBIC_BETA, t), ref_est(w_max, t, 0.1));
}

/* After a loss at w_max segments: 100 ms rounds for 20 s, cwnd per round. */
#define CURVE_ROUNDS 200

struct curve {
	double t[CURVE_ROUNDS]; /* seconds since the epoch start */
	double w[CURVE_ROUNDS]; /* cwnd in segments */
	double w_est[CURVE_ROUNDS];
	double k;
};

static void
run_curve(struct curve *c, uint32_t w_max)
{
	struct tcp_cc cc;
	uint64_t now = 5 * SEC;
	unsigned int r;

	init_avoiding(&cc, TCP_CC_CUBIC, w_max);
	tcp_cc_on_loss(&cc, w_max * MSS, now);
	tcp_cc_on_recovery_end(&cc);
	for (r = 0; r < CURVE_ROUNDS; r++) {
		ack_round(&cc, &now, RTT_100MS, MSS);
		c->t[r] = (double)(now - cc.epoch_start_us) / SEC;
		c->w[r] = segs(&cc);
		c->w_est[r] = (double)cc.w_est / MSS;
	}
	c->k = cc.k_ms / 1000.0;
}

/* The round whose end is nearest to t seconds. */
static unsigned int
round_at(const struct curve *c, double t)
{
	unsigned int r, best = 0;

	for (r = 1; r < CURVE_ROUNDS; r++)
		if (fabs(c->t[r] - t) < fabs(c->t[best] - t))
			best = r;
	return best;
}

/*
 * cwnd follows max(W_cubic(t), W_est(t)) within about a segment from 0 to
 * 2K. At w_max = 100 and RTT 100 ms, W_est (slope 1 past cwnd_prior) wins
 * between about K + 1.5 s and 2K; at w_max = 1000 the curve wins throughout.
 */
static int
test_cubic_curve(void)
{
	static const double at[] = { 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0 };
	static const uint32_t w_maxes[] = { 100, 1000 };
	struct curve c;
	unsigned int i, j, r;
	double w_max;

	for (j = 0; j < RTE_DIM(w_maxes); j++) {
		w_max = w_maxes[j];
		run_curve(&c, w_maxes[j]);
		SL_CHECK_NEAR(c.k, cbrt(w_max * (1 - CUBIC_BETA) / CUBIC_C), 0.001);
		SL_CHECK(c.t[CURVE_ROUNDS - 1] > 2 * c.k);
		for (i = 0; i < RTE_DIM(at); i++) {
			r = round_at(&c, at[i] * c.k);
			SL_CHECK_NEAR(c.w[r], ref_window(w_max, c.t[r]), 1.5);
			SL_CHECK_NEAR(c.w_est[r], ref_est(w_max, c.t[r], 0.1), 1.5);
		}
		/* never past the ACK target W(t + RTT), up to 2K */
		for (r = 0; c.t[r] < 2 * c.k; r++)
			SL_CHECK(c.w[r] <= ref_window(w_max, c.t[r] + 0.1) + 1);
	}
	/* at w_max = 1000, 2K is on the pure curve: ~1000 + 0.4 * K^3 */
	r = round_at(&c, 2 * c.k);
	SL_CHECK_NEAR(c.w[r], ref_cubic(1000, 700, c.t[r]), 1.5);
	SL_CHECK(c.w[r] > ref_est(1000, c.t[r], 0.1) + 100);
	return 0;
}

/* Plateau at W_max around K; concave (slowing) before, convex (speeding) after. */
static int
test_cubic_shape(void)
{
	static const uint32_t w_maxes[] = { 100, 1000 };
	struct curve c;
	unsigned int j, r, rk, r1, r2;

	for (j = 0; j < RTE_DIM(w_maxes); j++) {
		run_curve(&c, w_maxes[j]);
		for (r = 0; r < CURVE_ROUNDS; r++)
			if (fabs(c.t[r] - c.k) <= 0.5)
				SL_CHECK_NEAR(c.w[r], w_maxes[j], 1.5);
		for (r = 1; r < CURVE_ROUNDS; r++)
			SL_CHECK(c.w[r] >= c.w[r - 1]);
	}
	/* w_max = 1000, K ~ 9.1 s: the first second gains far more than the last */
	rk = round_at(&c, c.k);
	r1 = round_at(&c, 1.0);
	r2 = round_at(&c, c.k - 1.0);
	SL_CHECK(c.w[r1] - c.w[0] > 50);
	SL_CHECK(c.w[rk] - c.w[r2] < 2);
	/* after K: each second gains more than the one before */
	r1 = round_at(&c, c.k + 1.0);
	r2 = round_at(&c, c.k + 2.0);
	r = round_at(&c, c.k + 4.0);
	SL_CHECK(c.w[r1] - c.w[rk] < 2);
	SL_CHECK(c.w[r2] - c.w[r1] < c.w[r] - c.w[r2]);
	SL_CHECK(c.w[r] - c.w[r2] > 20);
	return 0;
}

/* Fast convergence: a loss below the last W_max lowers W_max to cwnd * 0.85. */
static int
test_cubic_fast_convergence(void)
{
	struct tcp_cc cc;
	uint64_t now = SEC;
	uint32_t peak;

	init_avoiding(&cc, TCP_CC_CUBIC, 100);
	tcp_cc_on_loss(&cc, 100 * MSS, now);
	tcp_cc_on_recovery_end(&cc);
	while (cc.cwnd < 90 * MSS)
		ack_round(&cc, &now, RTT_100MS, MSS);
	peak = cc.cwnd;
	SL_CHECK(peak < 100 * MSS);
	tcp_cc_on_loss(&cc, peak, now);
	SL_CHECK_EQ(cc.w_last_max, peak);
	SL_CHECK_EQ(cc.w_max, (uint64_t)peak * 17 / 20);
	SL_CHECK_EQ(cc.cwnd, (uint64_t)peak * 7 / 10);
	tcp_cc_on_recovery_end(&cc);
	ack_round(&cc, &now, RTT_100MS, MSS);
	/* K from the lowered plateau, shorter than cbrt(peak * 0.3 / C) */
	SL_CHECK_NEAR(cc.k_ms, 1000 * cbrt((double)(cc.w_max - cc.cwnd_epoch) / MSS / CUBIC_C), 1);
	SL_CHECK(cc.k_ms < 1000 * cbrt((double)peak / MSS * 0.3 / CUBIC_C) - 500);

	/* a loss above the plateau sets W_max to cwnd, no convergence */
	while (cc.cwnd <= cc.w_max + 5 * MSS)
		ack_round(&cc, &now, RTT_100MS, MSS);
	peak = cc.cwnd;
	tcp_cc_on_loss(&cc, peak, now);
	SL_CHECK_EQ(cc.w_max, peak);
	return 0;
}

/*
 * Short RTT: W_cubic barely moves in 1 ms rounds, so W_est wins and grows
 * by alpha = 9/17 segment per RTT up to cwnd_prior, then by 1 like Reno.
 * With 100 ms rounds the curve wins instead.
 */
static int
test_cubic_reno_friendly(void)
{
	const double alpha = 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	const double to_prior = 30 / alpha; /* rounds from 70 to 100 */
	struct tcp_cc cc;
	uint64_t now = SEC;
	unsigned int r;

	init_avoiding(&cc, TCP_CC_CUBIC, 100);
	tcp_cc_on_loss(&cc, 100 * MSS, now);
	tcp_cc_on_recovery_end(&cc);
	for (r = 0; r < 30; r++)
		ack_round(&cc, &now, RTT_1MS, MSS);
	SL_CHECK_NEAR(segs(&cc), 70 + 30 * alpha, 1);
	SL_CHECK(segs(&cc) > ref_cubic(100, 70, 0.031) + 10);
	for (; r < 100; r++)
		ack_round(&cc, &now, RTT_1MS, MSS);
	SL_CHECK_NEAR(segs(&cc), 100 + (100 - to_prior), 1.5);
	SL_CHECK_EQ(cc.cwnd, cc.w_est);

	/* 30 rounds of 100 ms: the curve is at ~99, W_est only at ~86 */
	init_avoiding(&cc, TCP_CC_CUBIC, 100);
	tcp_cc_on_loss(&cc, 100 * MSS, now);
	tcp_cc_on_recovery_end(&cc);
	for (r = 0; r < 30; r++)
		ack_round(&cc, &now, RTT_100MS, MSS);
	SL_CHECK_NEAR(segs(&cc), ref_cubic(100, 70, 3.0), 1.5);
	SL_CHECK(cc.w_est < cc.cwnd - 10 * MSS);
	return 0;
}

/* Huge windows, long epochs, absurd inputs: bounded, monotonic, no wrap. */
static int
test_overflow(void)
{
	const uint32_t gib = UINT32_C(1) << 30;
	struct tcp_cc cc;
	uint32_t before;
	unsigned int i;

	/* loss at 1 GiB: K ~ 82 s */
	init_avoiding(&cc, TCP_CC_CUBIC, 1);
	cc.cwnd = gib;
	tcp_cc_on_loss(&cc, gib, SEC);
	SL_CHECK_EQ(cc.w_max, gib);
	tcp_cc_on_ack(&cc, MSS, SEC, RTT_100MS);
	SL_CHECK_NEAR(cc.k_ms, 1000 * cbrt((double)gib / MSS * 0.3 / CUBIC_C), 2);
	/* hours later, with a 71 min RTT: growth stays within the 1.5x target */
	before = cc.cwnd;
	tcp_cc_on_ack(&cc, MSS, 10 * 3600 * SEC, UINT32_MAX);
	SL_CHECK(cc.cwnd >= before && cc.cwnd <= before + MSS);
	/* just inside the unsaturated range of |t - K| */
	before = cc.cwnd;
	tcp_cc_on_ack(&cc, MSS, cc.epoch_start_us + (cc.k_ms + (1u << 21) - 2) * 1000ULL, 0);
	SL_CHECK(cc.cwnd >= before && cc.cwnd <= before + MSS);
	for (i = 0; i < 100; i++)
		tcp_cc_on_ack(&cc, UINT32_MAX, 20 * 3600 * SEC, UINT32_MAX);
	SL_CHECK_EQ(cc.cwnd, TCP_CC_CWND_MAX);
	SL_CHECK(cc.w_est <= TCP_CC_CWND_MAX);
	/* time going backwards: t = 0, nothing wraps */
	tcp_cc_on_loss(&cc, cc.cwnd, 0);
	tcp_cc_on_ack(&cc, MSS, 30 * 3600 * SEC, 0);
	before = cc.cwnd;
	tcp_cc_on_ack(&cc, MSS, SEC, 0);
	SL_CHECK(cc.cwnd >= before && cc.cwnd <= before + MSS);

	/* NewReno slow start and avoidance at the cap */
	tcp_cc_init(&cc, TCP_CC_NEWRENO, 65535);
	cc.cwnd = TCP_CC_CWND_MAX - 1;
	tcp_cc_on_ack(&cc, UINT32_MAX, SEC, 0);
	SL_CHECK_EQ(cc.cwnd, TCP_CC_CWND_MAX);
	cc.ssthresh = gib;
	for (i = 0; i < 10; i++)
		tcp_cc_on_ack(&cc, UINT32_MAX, SEC, 0);
	SL_CHECK_EQ(cc.cwnd, TCP_CC_CWND_MAX);
	tcp_cc_on_loss(&cc, UINT32_MAX, SEC);
	SL_CHECK_EQ(cc.cwnd, UINT32_MAX / 2);

	/* an absurd MSS: windows stay capped */
	for (i = TCP_CC_NEWRENO; i <= TCP_CC_CUBIC; i++) {
		tcp_cc_init(&cc, i, UINT32_MAX);
		SL_CHECK_EQ(cc.cwnd, TCP_CC_CWND_MAX);
		tcp_cc_on_loss(&cc, UINT32_MAX, SEC);
		tcp_cc_on_recovery_end(&cc);
		tcp_cc_on_ack(&cc, UINT32_MAX, 2 * SEC, UINT32_MAX);
		tcp_cc_on_ack(&cc, UINT32_MAX, 3 * 3600 * SEC, UINT32_MAX);
		SL_CHECK(cc.cwnd <= TCP_CC_CWND_MAX);
		tcp_cc_on_rto(&cc, UINT32_MAX, 3 * 3600 * SEC);
		SL_CHECK_EQ(cc.cwnd, TCP_CC_CWND_MAX);
	}
	return 0;
}

static int
test_names(void)
{
	SL_CHECK_STR(tcp_cc_name(TCP_CC_NEWRENO), "newreno");
	SL_CHECK_STR(tcp_cc_name(TCP_CC_CUBIC), "cubic");
	SL_CHECK_STR(tcp_cc_name((enum tcp_cc_algo)7), "unknown");
	SL_CHECK_EQ(tcp_cc_parse("newreno"), TCP_CC_NEWRENO);
	SL_CHECK_EQ(tcp_cc_parse("cubic"), TCP_CC_CUBIC);
	SL_CHECK_EQ(tcp_cc_parse("CUBIC"), -1);
	SL_CHECK_EQ(tcp_cc_parse("bbr"), -1);
	SL_CHECK_EQ(tcp_cc_parse(""), -1);
	SL_CHECK_EQ(tcp_cc_parse(NULL), -1);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "initial_window", test_initial_window },
		{ "slow_start_doubling", test_slow_start_doubling },
		{ "slow_start_exit", test_slow_start_exit },
		{ "reno_avoidance", test_reno_avoidance },
		{ "reno_loss", test_reno_loss },
		{ "reno_rto", test_reno_rto },
		{ "cubic_loss", test_cubic_loss },
		{ "cubic_rto", test_cubic_rto },
		{ "cubic_curve", test_cubic_curve },
		{ "cubic_shape", test_cubic_shape },
		{ "cubic_fast_convergence", test_cubic_fast_convergence },
		{ "cubic_reno_friendly", test_cubic_reno_friendly },
		{ "overflow", test_overflow },
		{ "names", test_names },
	};
	return sl_test_run("tcp_cc", cases, RTE_DIM(cases));
}
