/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the upstream balancing algorithms, checked against their
 * definitions: RR's exact cycle, nginx's SWRR sequence and proportions,
 * least-conn's choice, P2C's preference for fast members, and Maglev's
 * balance, consistency and minimal disruption (Eisenbud et al. 2016).
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "sl_test.h"
#include "sl_balance.h"

/* splitmix64: a fixed-seed PRNG for keys and P2C choices */
static uint64_t
prng(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int
setup(struct sl_balance *b, enum sl_balance_algo algo,
	const uint16_t *weights, unsigned int n)
{
	unsigned int i;

	if (sl_balance_init(b, algo) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if (sl_balance_member_add(b, weights[i]) != (int)i)
			return -1;
	return 0;
}

/* Rebuild and publish the Maglev table of b's up members; 0 or -1. */
static int
maglev_rebuild(struct sl_balance *b)
{
	struct sl_balance_maglev *t;

	t = sl_balance_maglev_build(b->members, b->n_members, SL_BALANCE_MAGLEV_SIZE);
	if (t == NULL)
		return -1;
	sl_balance_maglev_free(sl_balance_maglev_publish(b, t));
	return 0;
}

static int
test_rr_cycle(void)
{
	static const uint16_t w[] = { 1, 5, 1, 1 };
	struct sl_balance b;
	unsigned int i;

	SL_CHECK_EQ(setup(&b, SL_BALANCE_RR, w, 4), 0);
	for (i = 0; i < 40; i++)
		SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), i % 4);
	/* member 2 down: the cycle skips it */
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 2, false), 0);
	static const int cyc[] = { 0, 1, 3 };
	for (i = 0; i < 30; i++)
		SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), cyc[i % 3]);
	return 0;
}

static int
test_swrr_nginx(void)
{
	static const uint16_t w[] = { 5, 1, 1 };
	static const int seq[] = { 0, 0, 1, 0, 2, 0, 0 }; /* a a b a c a a */
	struct sl_balance b;
	unsigned int i, r;

	SL_CHECK_EQ(setup(&b, SL_BALANCE_SWRR, w, 3), 0);
	for (r = 0; r < 100; r++)
		for (i = 0; i < RTE_DIM(seq); i++)
			SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), seq[i]);
	return 0;
}

static int
test_swrr_proportions(void)
{
	static const uint16_t w[] = { 1000, 1, 7, 250, 3 };
	struct sl_balance b;
	unsigned int cnt[5] = { 0 }, i, total = 0;
	int k;

	for (i = 0; i < 5; i++)
		total += w[i];
	SL_CHECK_EQ(setup(&b, SL_BALANCE_SWRR, w, 5), 0);
	/* every window of `total` picks holds exactly weight picks of each */
	for (i = 0; i < 10 * total; i++) {
		k = sl_balance_pick(&b, 0, 0);
		SL_CHECK(k >= 0 && k < 5);
		cnt[k]++;
		if ((i + 1) % total == 0) {
			unsigned int j;

			for (j = 0; j < 5; j++)
				SL_CHECK_EQ(cnt[j], w[j] * ((i + 1) / total));
		}
	}
	/* a member down: the others share exactly by weight */
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 0, false), 0);
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < 3 * (total - w[0]); i++)
		cnt[sl_balance_pick(&b, 0, 0)]++;
	SL_CHECK_EQ(cnt[0], 0);
	for (i = 1; i < 5; i++)
		SL_CHECK_EQ(cnt[i], 3 * w[i]);
	return 0;
}

static int
test_leastconn(void)
{
	static const uint16_t w[] = { 1, 1, 3, 1 };
	struct sl_balance b;
	unsigned int i;
	int k;

	SL_CHECK_EQ(setup(&b, SL_BALANCE_LEASTCONN, w, 4), 0);
	b.members[0].active = 5;
	b.members[1].active = 2;
	b.members[2].active = 4;
	b.members[3].active = 3;
	SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), 1);
	/* the caller opens connections: the least loaded follows */
	b.members[1].active = 4;
	SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), 3);
	/* 1, 2 and 3 tie at 4: the heavier (2) wins */
	b.members[3].active = 4;
	SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), 2);
	/* equal load and weight: rotation among 0, 1, 3 */
	b.members[0].active = 4;
	b.members[2].active = 9;
	static const int rot[] = { 3, 0, 1 };
	for (i = 0; i < 9; i++)
		SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), rot[i % 3]);
	/* the least loaded goes down: never picked */
	b.members[0].active = 0;
	SL_CHECK_EQ(sl_balance_pick(&b, 0, 0), 0);
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 0, false), 0);
	for (i = 0; i < 9; i++) {
		k = sl_balance_pick(&b, 0, 0);
		SL_CHECK(k == 1 || k == 3);
	}
	/* simulated load: picks open connections, the counts stay level */
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 0, true), 0);
	for (i = 0; i < 4; i++)
		b.members[i].active = 0;
	for (i = 0; i < 400; i++)
		b.members[sl_balance_pick(&b, 0, 0)].active++;
	for (i = 0; i < 4; i++)
		SL_CHECK_EQ(b.members[i].active, 100);
	return 0;
}

static int
test_latency_ewma(void)
{
	struct sl_balance_member m;
	uint64_t now = 1000000;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	sl_balance_latency_update(&m, 1000, now, 100000);
	SL_CHECK(m.lat_ewma_us > 999.9 && m.lat_ewma_us < 1000.1);
	/* one time constant later: 1 - 1/e of the way to the new sample */
	now += 100000;
	sl_balance_latency_update(&m, 2000, now, 100000);
	SL_CHECK(m.lat_ewma_us > 1632.0 && m.lat_ewma_us < 1633.0);
	/* samples at the same instant barely move it */
	sl_balance_latency_update(&m, 100000, now, 100000);
	SL_CHECK(m.lat_ewma_us > 1632.0 && m.lat_ewma_us < 1633.0);
	/* steady samples converge */
	for (i = 0; i < 100; i++) {
		now += 10000;
		sl_balance_latency_update(&m, 500, now, 100000);
	}
	SL_CHECK(m.lat_ewma_us > 499.0 && m.lat_ewma_us < 501.0);
	return 0;
}

static int
test_p2c(void)
{
	static const uint16_t w[] = { 1, 1, 1, 1 };
	struct sl_balance b;
	unsigned int cnt[4] = { 0 }, i, picks = 100000;
	uint64_t seed = 42;
	int k;

	SL_CHECK_EQ(setup(&b, SL_BALANCE_P2C, w, 4), 0);
	for (i = 0; i < 4; i++)
		sl_balance_latency_update(&b.members[i], i == 3 ? 10000 : 1000, 1, 1000000);
	for (i = 0; i < picks; i++) {
		k = sl_balance_pick(&b, 0, prng(&seed));
		SL_CHECK(k >= 0 && k < 4);
		cnt[k]++;
	}
	/* the slow member wins only when drawn against ... nobody: never */
	SL_CHECK(cnt[3] < picks / 5);
	SL_CHECK_EQ(cnt[3], 0);
	for (i = 0; i < 3; i++)
		SL_CHECK(cnt[i] > picks / 4);
	/* with load, the slow idle member beats fast loaded ones */
	for (i = 0; i < 3; i++)
		b.members[i].active = 20;
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < picks; i++)
		cnt[sl_balance_pick(&b, 0, prng(&seed))]++;
	SL_CHECK(cnt[3] > picks * 4 / 10); /* drawn with prob. 1/2, always wins */
	/* equal cost: near-uniform */
	for (i = 0; i < 4; i++) {
		b.members[i].active = 0;
		b.members[i].lat_ewma_us = 1000;
	}
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < picks; i++)
		cnt[sl_balance_pick(&b, 0, prng(&seed))]++;
	for (i = 0; i < 4; i++)
		SL_CHECK(cnt[i] > picks / 5 && cnt[i] < picks * 3 / 10);
	/* down members never picked; one left: always it */
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 1, false), 0);
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 2, false), 0);
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 3, false), 0);
	for (i = 0; i < 1000; i++)
		SL_CHECK_EQ(sl_balance_pick(&b, 0, prng(&seed)), 0);
	return 0;
}

static int
test_maglev_build_args(void)
{
	struct sl_balance_member m[SL_BALANCE_MEMBERS_MAX + 1];
	struct sl_balance_maglev *t;

	memset(m, 0, sizeof(m));
	SL_CHECK(sl_balance_maglev_build(m, 1, 65536) == NULL);
	SL_CHECK_EQ(rte_errno, EINVAL);
	SL_CHECK(sl_balance_maglev_build(m, SL_BALANCE_MEMBERS_MAX + 1, 65537) == NULL);
	/* no member up: an empty table */
	t = sl_balance_maglev_build(m, 4, 65537);
	SL_CHECK(t != NULL);
	SL_CHECK_EQ(t->n_members, 0);
	SL_CHECK_EQ(t->entry[0], -1);
	sl_balance_maglev_free(t);
	sl_balance_maglev_free(NULL);
	return 0;
}

static int
test_maglev_balance(void)
{
	static const unsigned int ns[] = { 2, 3, 5, 7, 10, 16 };
	struct sl_balance b;
	unsigned int c, i, cnt[SL_BALANCE_MEMBERS_MAX];
	const struct sl_balance_maglev *t;

	for (c = 0; c < RTE_DIM(ns); c++) {
		SL_CHECK_EQ(sl_balance_init(&b, SL_BALANCE_MAGLEV), 0);
		for (i = 0; i < ns[c]; i++)
			SL_CHECK_EQ(sl_balance_member_add(&b, 1), i);
		SL_CHECK_EQ(maglev_rebuild(&b), 0);
		t = b.maglev;
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < t->size; i++) {
			SL_CHECK(t->entry[i] >= 0 && t->entry[i] < (int)ns[c]);
			cnt[t->entry[i]]++;
		}
		/* each share within 1% of 1/N */
		for (i = 0; i < ns[c]; i++) {
			double share = (double)cnt[i] / t->size;

			SL_CHECK(share > 1.0 / ns[c] - 0.01 && share < 1.0 / ns[c] + 0.01);
		}
		sl_balance_maglev_free(sl_balance_maglev_publish(&b, NULL));
	}
	return 0;
}

/* Weights by repetition: shares proportional to weight. */
static int
test_maglev_weights(void)
{
	static const uint16_t w[] = { 1, 2, 3, 4 };
	struct sl_balance b;
	unsigned int i, cnt[4] = { 0 };
	const struct sl_balance_maglev *t;

	SL_CHECK_EQ(setup(&b, SL_BALANCE_MAGLEV, w, 4), 0);
	SL_CHECK_EQ(maglev_rebuild(&b), 0);
	t = b.maglev;
	for (i = 0; i < t->size; i++)
		cnt[t->entry[i]]++;
	for (i = 0; i < 4; i++) {
		double share = (double)cnt[i] / t->size;

		SL_CHECK(share > w[i] / 10.0 - 0.01 && share < w[i] / 10.0 + 0.01);
	}
	sl_balance_maglev_free(sl_balance_maglev_publish(&b, NULL));
	return 0;
}

#define NKEYS 200000

static int
test_maglev_consistency(void)
{
	static int before[NKEYS];
	struct sl_balance b;
	unsigned int i, n = 10, gone = 3, moved = 0, kept = 0, survivors = 0;
	uint64_t seed = 7, key;
	int k;

	SL_CHECK_EQ(sl_balance_init(&b, SL_BALANCE_MAGLEV), 0);
	for (i = 0; i < n; i++)
		SL_CHECK_EQ(sl_balance_member_add(&b, 1), i);
	SL_CHECK_EQ(maglev_rebuild(&b), 0);
	for (i = 0; i < NKEYS; i++) {
		key = prng(&seed);
		before[i] = sl_balance_pick(&b, key, 0);
		SL_CHECK(before[i] >= 0);
		/* the same key, the same member, whatever rand says */
		SL_CHECK_EQ(sl_balance_pick(&b, key, i), before[i]);
	}
	/* a rebuild of the same members gives the same table */
	SL_CHECK_EQ(maglev_rebuild(&b), 0);
	seed = 7;
	for (i = 0; i < NKEYS; i++)
		SL_CHECK_EQ(sl_balance_pick(&b, prng(&seed), 0), before[i]);

	/* member 3 leaves: before the rebuild, a stale table still avoids it */
	SL_CHECK_EQ(sl_balance_member_set_up(&b, gone, false), 0);
	seed = 7;
	for (i = 0; i < NKEYS; i++) {
		k = sl_balance_pick(&b, prng(&seed), 0);
		SL_CHECK(k >= 0 && k != (int)gone);
	}
	SL_CHECK_EQ(maglev_rebuild(&b), 0);
	SL_CHECK_EQ(b.maglev->n_members, n - 1);
	seed = 7;
	for (i = 0; i < NKEYS; i++) {
		k = sl_balance_pick(&b, prng(&seed), 0);
		SL_CHECK(k >= 0 && k != (int)gone);
		moved += k != before[i];
		if (before[i] != (int)gone) {
			survivors++;
			kept += k == before[i];
		}
	}
	printf("maglev: %u of %u keys moved (1/N = %.4f), %.4f of survivors kept\n",
		moved, NKEYS, 1.0 / n, (double)kept / survivors);
	SL_CHECK((double)moved / NKEYS <= 1.0 / n + 0.02);
	SL_CHECK((double)kept / survivors >= 0.90);
	sl_balance_maglev_free(sl_balance_maglev_publish(&b, NULL));
	return 0;
}

/*
 * A member removed from the middle of the list (a new configuration): the
 * others move up one place, but with stable keys they keep their slots, so
 * only the removed member's keys move.
 */
static int
test_maglev_member_removed(void)
{
	static int before[NKEYS];
	struct sl_balance b;
	unsigned int i, n = 5, gone = 1, moved_other = 0;
	uint64_t seed = 11;

	SL_CHECK_EQ(sl_balance_init(&b, SL_BALANCE_MAGLEV), 0);
	for (i = 0; i < n; i++) {
		SL_CHECK_EQ(sl_balance_member_add(&b, 1), i);
		b.members[i].key = 0xc6130000u + i; /* its address, say */
	}
	SL_CHECK_EQ(maglev_rebuild(&b), 0);
	for (i = 0; i < NKEYS; i++)
		before[i] = (int)b.members[sl_balance_pick(&b, prng(&seed), 0)].key;
	sl_balance_maglev_free(sl_balance_maglev_publish(&b, NULL));

	SL_CHECK_EQ(sl_balance_init(&b, SL_BALANCE_MAGLEV), 0);
	for (i = 0; i < n; i++) {
		if (i == gone)
			continue;
		SL_CHECK(sl_balance_member_add(&b, 1) >= 0);
		b.members[b.n_members - 1].key = 0xc6130000u + i;
	}
	SL_CHECK_EQ(maglev_rebuild(&b), 0);
	seed = 11;
	for (i = 0; i < NKEYS; i++) {
		int now = (int)b.members[sl_balance_pick(&b, prng(&seed), 0)].key;

		SL_CHECK(now != (int)(0xc6130000u + gone));
		moved_other += before[i] != (int)(0xc6130000u + gone) && now != before[i];
	}
	printf("maglev: %u of %u keys of the remaining members moved\n", moved_other, NKEYS);
	SL_CHECK((double)moved_other / NKEYS <= 0.02);
	sl_balance_maglev_free(sl_balance_maglev_publish(&b, NULL));
	return 0;
}

/* Every algorithm: -1 with all members down (or none), down never picked. */
static int
test_all_down(void)
{
	static const uint16_t w[] = { 3, 1, 2, 5 };
	struct sl_balance b;
	uint64_t seed = 1;
	unsigned int a, i;
	int k;

	for (a = SL_BALANCE_RR; a <= SL_BALANCE_MAGLEV; a++) {
		SL_CHECK_EQ(sl_balance_init(&b, a), 0);
		SL_CHECK_EQ(sl_balance_pick(&b, 1, 1), -1);
		SL_CHECK_EQ(setup(&b, a, w, 4), 0);
		if (a == SL_BALANCE_MAGLEV)
			SL_CHECK_EQ(maglev_rebuild(&b), 0);
		SL_CHECK_EQ(sl_balance_member_set_up(&b, 0, false), 0);
		SL_CHECK_EQ(sl_balance_member_set_up(&b, 2, false), 0);
		for (i = 0; i < 2000; i++) {
			k = sl_balance_pick(&b, prng(&seed), prng(&seed));
			SL_CHECK(k == 1 || k == 3);
		}
		SL_CHECK_EQ(sl_balance_member_set_up(&b, 1, false), 0);
		SL_CHECK_EQ(sl_balance_member_set_up(&b, 3, false), 0);
		for (i = 0; i < 100; i++)
			SL_CHECK_EQ(sl_balance_pick(&b, prng(&seed), prng(&seed)), -1);
		if (a == SL_BALANCE_MAGLEV) {
			/* rebuilt without them: an empty table */
			SL_CHECK_EQ(maglev_rebuild(&b), 0);
			SL_CHECK_EQ(sl_balance_pick(&b, 5, 0), -1);
			sl_balance_maglev_free(sl_balance_maglev_publish(&b, NULL));
			SL_CHECK_EQ(sl_balance_pick(&b, 5, 0), -1);
		}
	}
	SL_CHECK_EQ(sl_balance_init(&b, 99), -EINVAL);
	SL_CHECK_EQ(sl_balance_member_set_up(&b, 99, true), -EINVAL);
	return 0;
}

static int
test_members(void)
{
	struct sl_balance b;
	unsigned int i;

	SL_CHECK_EQ(sl_balance_init(&b, SL_BALANCE_RR), 0);
	SL_CHECK_EQ(sl_balance_member_add(&b, 0), 0);
	SL_CHECK_EQ(b.members[0].weight, 1);
	SL_CHECK_EQ(sl_balance_member_add(&b, 5000), 1);
	SL_CHECK_EQ(b.members[1].weight, 1000);
	for (i = 2; i < SL_BALANCE_MEMBERS_MAX; i++)
		SL_CHECK_EQ(sl_balance_member_add(&b, 1), i);
	SL_CHECK_EQ(sl_balance_member_add(&b, 1), -ENOSPC);
	SL_CHECK_STR(sl_balance_algo_name(SL_BALANCE_MAGLEV), "maglev");
	SL_CHECK_STR(sl_balance_algo_name(99), "unknown");
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "members", test_members },
		{ "rr_cycle", test_rr_cycle },
		{ "swrr_nginx", test_swrr_nginx },
		{ "swrr_proportions", test_swrr_proportions },
		{ "leastconn", test_leastconn },
		{ "latency_ewma", test_latency_ewma },
		{ "p2c", test_p2c },
		{ "maglev_build_args", test_maglev_build_args },
		{ "maglev_balance", test_maglev_balance },
		{ "maglev_weights", test_maglev_weights },
		{ "maglev_consistency", test_maglev_consistency },
		{ "maglev_member_removed", test_maglev_member_removed },
		{ "all_down", test_all_down },
	};
	return sl_test_run("balance", cases, RTE_DIM(cases));
}
