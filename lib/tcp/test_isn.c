/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of SipHash-2-4, RFC 6528 ISNs and SYN cookies. */
#include <rte_common.h>

#include "sl_test.h"
#include "tcp_isn.h"

#define PERIOD 64 /* seconds per cookie counter tick */

/* SipHash-2-4 reference vectors (paper, appendix A; vectors.h of the
 * reference code): key 00..0f, message 00 01 .. (len - 1), len 0..63. */
static const uint64_t sip_vectors[64] = {
	UINT64_C(0x726fdb47dd0e0e31), UINT64_C(0x74f839c593dc67fd),
	UINT64_C(0x0d6c8009d9a94f5a), UINT64_C(0x85676696d7fb7e2d),
	UINT64_C(0xcf2794e0277187b7), UINT64_C(0x18765564cd99a68d),
	UINT64_C(0xcbc9466e58fee3ce), UINT64_C(0xab0200f58b01d137),
	UINT64_C(0x93f5f5799a932462), UINT64_C(0x9e0082df0ba9e4b0),
	UINT64_C(0x7a5dbbc594ddb9f3), UINT64_C(0xf4b32f46226bada7),
	UINT64_C(0x751e8fbc860ee5fb), UINT64_C(0x14ea5627c0843d90),
	UINT64_C(0xf723ca908e7af2ee), UINT64_C(0xa129ca6149be45e5),
	UINT64_C(0x3f2acc7f57c29bdb), UINT64_C(0x699ae9f52cbe4794),
	UINT64_C(0x4bc1b3f0968dd39c), UINT64_C(0xbb6dc91da77961bd),
	UINT64_C(0xbed65cf21aa2ee98), UINT64_C(0xd0f2cbb02e3b67c7),
	UINT64_C(0x93536795e3a33e88), UINT64_C(0xa80c038ccd5ccec8),
	UINT64_C(0xb8ad50c6f649af94), UINT64_C(0xbce192de8a85b8ea),
	UINT64_C(0x17d835b85bbb15f3), UINT64_C(0x2f2e6163076bcfad),
	UINT64_C(0xde4daaaca71dc9a5), UINT64_C(0xa6a2506687956571),
	UINT64_C(0xad87a3535c49ef28), UINT64_C(0x32d892fad841c342),
	UINT64_C(0x7127512f72f27cce), UINT64_C(0xa7f32346f95978e3),
	UINT64_C(0x12e0b01abb051238), UINT64_C(0x15e034d40fa197ae),
	UINT64_C(0x314dffbe0815a3b4), UINT64_C(0x027990f029623981),
	UINT64_C(0xcadcd4e59ef40c4d), UINT64_C(0x9abfd8766a33735c),
	UINT64_C(0x0e3ea96b5304a7d0), UINT64_C(0xad0c42d6fc585992),
	UINT64_C(0x187306c89bc215a9), UINT64_C(0xd4a60abcf3792b95),
	UINT64_C(0xf935451de4f21df2), UINT64_C(0xa9538f0419755787),
	UINT64_C(0xdb9acddff56ca510), UINT64_C(0xd06c98cd5c0975eb),
	UINT64_C(0xe612a3cb9ecba951), UINT64_C(0xc766e62cfcadaf96),
	UINT64_C(0xee64435a9752fe72), UINT64_C(0xa192d576b245165a),
	UINT64_C(0x0a8787bf8ecb74b2), UINT64_C(0x81b3e73d20b49b6f),
	UINT64_C(0x7fa8220ba3b2ecea), UINT64_C(0x245731c13ca42499),
	UINT64_C(0xb78dbfaf3a8d83bd), UINT64_C(0xea1ad565322a1a0b),
	UINT64_C(0x60e61c23a3795013), UINT64_C(0x6606d7e446282b93),
	UINT64_C(0x6ca4ecb15c5f91e1), UINT64_C(0x9f626da15c9625f3),
	UINT64_C(0xe51b38608ef25f57), UINT64_C(0x958a324ceb064572)
};

static const uint16_t mss_values[8] = { 536, 1220, 1300, 1400, 1440, 1460, 4312, 8960 };

static const uint8_t key_a[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t key_b[16] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67,
	0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98 };

/* splitmix64: a fixed-seed generator, so failures reproduce. */
static uint64_t rng_state;

static void
rng_seed(uint64_t seed)
{
	rng_state = seed;
}

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static struct tcp_4tuple
rand_tuple(void)
{
	uint64_t r = rng();
	struct tcp_4tuple t = {
		.saddr = (uint32_t)r,
		.daddr = (uint32_t)(r >> 32),
		.sport = (uint16_t)rng(),
		.dport = (uint16_t)rng(),
	};

	return t;
}

/* A time of at most ~2^40 s, away from 0 so that "2 ticks ago" exists. */
static uint64_t
rand_time_s(void)
{
	return 1000 + (rng() >> 24);
}

static const struct tcp_4tuple tuple0 = {
	.saddr = 0x0100000a, .daddr = 0x0200000a, .sport = 0x3930, .dport = 0x5000,
};

static int
test_siphash_vectors(void)
{
	uint8_t key[16], msg[64];
	unsigned int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	SL_CHECK(tcp_siphash24(key, NULL, 0) == UINT64_C(0x726fdb47dd0e0e31));
	for (i = 0; i < 64; i++) {
		if (tcp_siphash24(key, msg, i) != sip_vectors[i]) {
			fprintf(stderr, "siphash vector %u\n", i);
			return -1;
		}
	}
	SL_CHECK(tcp_siphash24(key, msg, 63) == UINT64_C(0x958a324ceb064572));
	return 0;
}

/* Each field of the tuple, their direction and the key change the ISN. */
static int
test_isn_tuples(void)
{
	struct tcp_4tuple t, rev = {
		.saddr = tuple0.daddr, .daddr = tuple0.saddr,
		.sport = tuple0.dport, .dport = tuple0.sport,
	};
	uint64_t now = 123456789;
	uint32_t isn0;

	tcp_isn_set_keys(key_a, key_b);
	isn0 = tcp_isn_make(&tuple0, now);
	SL_CHECK_EQ(tcp_isn_make(&tuple0, now), isn0);
	t = tuple0;
	t.saddr ^= 1;
	SL_CHECK(tcp_isn_make(&t, now) != isn0);
	t = tuple0;
	t.daddr ^= 0x80000000;
	SL_CHECK(tcp_isn_make(&t, now) != isn0);
	t = tuple0;
	t.sport++;
	SL_CHECK(tcp_isn_make(&t, now) != isn0);
	t = tuple0;
	t.dport++;
	SL_CHECK(tcp_isn_make(&t, now) != isn0);
	SL_CHECK(tcp_isn_make(&rev, now) != isn0);
	/* The offset of a tuple is secret: another key, another ISN. */
	tcp_isn_set_keys(key_b, key_a);
	SL_CHECK(tcp_isn_make(&tuple0, now) != isn0);
	return 0;
}

/* M ticks every 4 us, so a fixed tuple's ISN grows by 1 per 4 us, also
 * across the 2^32 wrap of M. */
static int
test_isn_clock(void)
{
	static const uint64_t bases[] = { 0, 1000000, (UINT64_C(1) << 34) - 4000 };
	uint64_t t;
	uint32_t prev;
	unsigned int b, i;

	tcp_isn_set_keys(key_a, key_b);
	for (b = 0; b < RTE_DIM(bases); b++) {
		prev = tcp_isn_make(&tuple0, bases[b]);
		for (i = 1; i <= 2000; i++) {
			t = bases[b] + 4 * (uint64_t)i;
			SL_CHECK_EQ((uint32_t)(tcp_isn_make(&tuple0, t) - prev), 1);
			SL_CHECK_EQ(tcp_isn_make(&tuple0, t + 3), tcp_isn_make(&tuple0, t));
			prev = tcp_isn_make(&tuple0, t);
		}
	}
	SL_CHECK_EQ(tcp_isn_make(&tuple0, 8), tcp_isn_make(&tuple0, 8 + (UINT64_C(1) << 34)));
	return 0;
}

/* getrandom keys: two draws differ from each other and from fixed keys. */
static int
test_isn_init(void)
{
	uint32_t fixed, r1, r2;

	tcp_isn_set_keys(key_a, key_b);
	fixed = tcp_isn_make(&tuple0, 0);
	SL_CHECK_EQ(tcp_isn_init(), 0);
	r1 = tcp_isn_make(&tuple0, 0);
	SL_CHECK_EQ(tcp_isn_init(), 0);
	r2 = tcp_isn_make(&tuple0, 0);
	SL_CHECK(r1 != fixed);
	SL_CHECK(r1 != r2);
	return 0;
}

static uint16_t
expected_mss(uint16_t peer_mss)
{
	int i;

	for (i = RTE_DIM(mss_values) - 1; i > 0; i--)
		if (peer_mss >= mss_values[i])
			break;
	return mss_values[i];
}

/* A cookie made for an MSS gives back that MSS rounded down to the table. */
static int
roundtrip(const struct tcp_4tuple *t, uint32_t isn, uint16_t peer_mss, uint64_t now,
		uint16_t want)
{
	uint32_t c = tcp_syncookie_make(t, isn, peer_mss, now);

	SL_CHECK_EQ(tcp_syncookie_check(t, isn, c, now), want);
	return 0;
}

static int
test_cookie_mss_buckets(void)
{
	struct tcp_4tuple t;
	uint32_t isn;
	uint64_t now;
	unsigned int i, n;
	uint16_t v;

	tcp_isn_set_keys(key_a, key_b);
	rng_seed(1);
	for (n = 0; n < 1000; n++) {
		t = rand_tuple();
		isn = (uint32_t)rng();
		now = rand_time_s();
		for (i = 0; i < RTE_DIM(mss_values); i++) {
			v = mss_values[i];
			if (roundtrip(&t, isn, v, now, v) || roundtrip(&t, isn, v + 1, now, v))
				return -1;
			if (i > 0 && roundtrip(&t, isn, v - 1, now, mss_values[i - 1]))
				return -1;
		}
		if (roundtrip(&t, isn, 0, now, 536) || roundtrip(&t, isn, 1, now, 536) ||
				roundtrip(&t, isn, 535, now, 536) ||
				roundtrip(&t, isn, 1380, now, 1300) ||
				roundtrip(&t, isn, UINT16_MAX, now, 8960))
			return -1;
	}
	return 0;
}

static int
test_cookie_roundtrip_random(void)
{
	struct tcp_4tuple t;
	uint16_t mss;
	uint32_t isn;
	unsigned int n;

	tcp_isn_set_keys(key_b, key_a);
	rng_seed(2);
	for (n = 0; n < 100000; n++) {
		t = rand_tuple();
		isn = (uint32_t)rng();
		mss = (uint16_t)rng();
		if (roundtrip(&t, isn, mss, rand_time_s(), expected_mss(mss)))
			return -1;
	}
	return 0;
}

/* Valid from its own tick to the end of the second tick after it, then
 * never again, not when the 8-bit counter comes round either. */
static int
test_cookie_age(void)
{
	static const uint64_t late[] = { 3, 4, 100, 255, 256, 257, 258, 512, 1 << 20 };
	struct tcp_4tuple t;
	uint64_t tick, made;
	uint32_t isn, c;
	unsigned int n, i;

	tcp_isn_set_keys(key_a, key_b);
	rng_seed(3);
	for (n = 0; n < 2000; n++) {
		t = rand_tuple();
		isn = (uint32_t)rng();
		tick = 10 + (rng() >> 30);
		made = tick * PERIOD + rng() % PERIOD;
		c = tcp_syncookie_make(&t, isn, 1460, made);
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, made), 1460);
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, tick * PERIOD), 1460);
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, (tick + 1) * PERIOD), 1460);
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, (tick + 3) * PERIOD - 1), 1460);
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, (tick + 3) * PERIOD), 0);
		/* From the future (the clock went back a tick). */
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, tick * PERIOD - 1), 0);
		for (i = 0; i < RTE_DIM(late); i++)
			SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, (tick + late[i]) * PERIOD), 0);
	}
	return 0;
}

/* Counters that wrap the cookie's 8 bits, 2^32 and 2^64 / 64, and a
 * start at time 0. */
static int
test_cookie_near_wrap(void)
{
	static const uint64_t ticks[] = {
		0, 1, 253, 254, 255, 256, 257, 511, 65535, UINT32_MAX - 1, UINT32_MAX,
		(uint64_t)UINT32_MAX + 1, UINT64_MAX / PERIOD - 2,
	};
	uint64_t tick, a;
	unsigned int i;
	uint32_t c;

	tcp_isn_set_keys(key_a, key_b);
	for (i = 0; i < RTE_DIM(ticks); i++) {
		tick = ticks[i];
		c = tcp_syncookie_make(&tuple0, 77, 1440, tick * PERIOD + 63);
		for (a = 0; a <= 2; a++)
			SL_CHECK_EQ(tcp_syncookie_check(&tuple0, 77, c, (tick + a) * PERIOD), 1440);
		if (tick <= UINT64_MAX / PERIOD - 3)
			SL_CHECK_EQ(tcp_syncookie_check(&tuple0, 77, c, (tick + 3) * PERIOD), 0);
	}
	/* Made at the very end of time, checked there. */
	c = tcp_syncookie_make(&tuple0, 5, 536, UINT64_MAX);
	SL_CHECK_EQ(tcp_syncookie_check(&tuple0, 5, c, UINT64_MAX), 536);
	/* Ticks 254 and 255 are "2 and 1 behind" tick 0 mod 2^8, but are not. */
	c = tcp_syncookie_make(&tuple0, 5, 536, 254 * PERIOD);
	SL_CHECK_EQ(tcp_syncookie_check(&tuple0, 5, c, 0), 0);
	c = tcp_syncookie_make(&tuple0, 5, 536, 255 * PERIOD);
	SL_CHECK_EQ(tcp_syncookie_check(&tuple0, 5, c, 0), 0);
	SL_CHECK_EQ(tcp_syncookie_check(&tuple0, 5, c, PERIOD), 0);
	return 0;
}

/* A valid cookie rejected when any bit of the tuple, peer_isn or cookie
 * changes. */
static int
flips_rejected(const struct tcp_4tuple *t, uint32_t isn, uint32_t c, uint64_t now)
{
	struct tcp_4tuple f;
	unsigned int b;

	for (b = 0; b < 32; b++) {
		SL_CHECK_EQ(tcp_syncookie_check(t, isn, c ^ (UINT32_C(1) << b), now), 0);
		SL_CHECK_EQ(tcp_syncookie_check(t, isn ^ (UINT32_C(1) << b), c, now), 0);
		f = *t;
		f.saddr ^= UINT32_C(1) << b;
		SL_CHECK_EQ(tcp_syncookie_check(&f, isn, c, now), 0);
		f = *t;
		f.daddr ^= UINT32_C(1) << b;
		SL_CHECK_EQ(tcp_syncookie_check(&f, isn, c, now), 0);
	}
	for (b = 0; b < 16; b++) {
		f = *t;
		f.sport ^= (uint16_t)(1u << b);
		SL_CHECK_EQ(tcp_syncookie_check(&f, isn, c, now), 0);
		f = *t;
		f.dport ^= (uint16_t)(1u << b);
		SL_CHECK_EQ(tcp_syncookie_check(&f, isn, c, now), 0);
	}
	return 0;
}

static int
test_cookie_tamper(void)
{
	struct tcp_4tuple t;
	uint64_t made, now;
	uint32_t isn, c;
	unsigned int n;

	tcp_isn_set_keys(key_a, key_b);
	rng_seed(4);
	for (n = 0; n < 2000; n++) {
		t = rand_tuple();
		isn = (uint32_t)rng();
		made = rand_time_s();
		now = made + rng() % (2 * PERIOD); /* any age still accepted */
		c = tcp_syncookie_make(&t, isn, mss_values[n % 8], made);
		SL_CHECK_EQ(tcp_syncookie_check(&t, isn, c, now), mss_values[n % 8]);
		if (flips_rejected(&t, isn, c, now))
			return -1;
	}
	return 0;
}

/* Guessing: a valid cookie's low 24 bits replaced passes with p ~ 2^-21
 * (~0.5 expected in 2^20 tries); a wholly random one with p ~ 3/256 of
 * that. Allow a handful. */
static int
test_cookie_forge(void)
{
	const unsigned int tries = 1u << 20;
	unsigned int n, low_ok = 0, any_ok = 0;
	struct tcp_4tuple t;
	uint32_t isn, c;
	uint64_t now;

	tcp_isn_set_keys(key_b, key_a);
	rng_seed(5);
	for (n = 0; n < tries; n++) {
		t = rand_tuple();
		isn = (uint32_t)rng();
		now = rand_time_s();
		c = tcp_syncookie_make(&t, isn, 1460, now);
		c = (c & 0xff000000) | ((uint32_t)rng() & 0x00ffffff);
		low_ok += tcp_syncookie_check(&t, isn, c, now) != 0;
		any_ok += tcp_syncookie_check(&t, isn, (uint32_t)rng(), now) != 0;
	}
	printf("forge: %u/%u low-24 guesses, %u/%u random cookies accepted\n", low_ok, tries,
			any_ok, tries);
	SL_CHECK(low_ok <= 6);
	SL_CHECK(any_ok <= 2);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "siphash_vectors", test_siphash_vectors },
		{ "isn_tuples", test_isn_tuples },
		{ "isn_clock", test_isn_clock },
		{ "isn_init", test_isn_init },
		{ "cookie_mss_buckets", test_cookie_mss_buckets },
		{ "cookie_roundtrip_random", test_cookie_roundtrip_random },
		{ "cookie_age", test_cookie_age },
		{ "cookie_near_wrap", test_cookie_near_wrap },
		{ "cookie_tamper", test_cookie_tamper },
		{ "cookie_forge", test_cookie_forge },
	};
	return sl_test_run("tcp_isn", cases, RTE_DIM(cases));
}
