/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * balance: the balancing algorithms; see sl_balance.h.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "sl_balance.h"

static const char *const algo_names[] = {
	[SL_BALANCE_RR] = "roundrobin",
	[SL_BALANCE_SWRR] = "weighted",
	[SL_BALANCE_LEASTCONN] = "leastconn",
	[SL_BALANCE_P2C] = "p2c",
	[SL_BALANCE_MAGLEV] = "maglev",
};

const char *
sl_balance_algo_name(enum sl_balance_algo algo)
{
	if ((unsigned int)algo >= RTE_DIM(algo_names))
		return "unknown";
	return algo_names[algo];
}

int
sl_balance_init(struct sl_balance *b, enum sl_balance_algo algo)
{
	if ((unsigned int)algo >= RTE_DIM(algo_names))
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->algo = (uint8_t)algo;
	return 0;
}

int
sl_balance_member_add(struct sl_balance *b, uint16_t weight)
{
	struct sl_balance_member *m;

	if (b->n_members >= SL_BALANCE_MEMBERS_MAX)
		return -ENOSPC;
	m = &b->members[b->n_members];
	memset(m, 0, sizeof(*m));
	m->index = b->n_members;
	if (weight < SL_BALANCE_WEIGHT_MIN)
		weight = SL_BALANCE_WEIGHT_MIN;
	m->weight = RTE_MIN(weight, SL_BALANCE_WEIGHT_MAX);
	m->up = true;
	return (int)b->n_members++;
}

int
sl_balance_member_set_up(struct sl_balance *b, uint32_t idx, bool up)
{
	if (idx >= b->n_members)
		return -EINVAL;
	b->members[idx].up = up;
	/* a member coming back starts SWRR afresh, as nginx does */
	if (up)
		b->members[idx].swrr_current = 0;
	return 0;
}

void
sl_balance_latency_update(struct sl_balance_member *m, uint32_t sample_us,
	uint64_t now_us, uint64_t tau_us)
{
	double w;

	if (tau_us == 0 || m->lat_ewma_us <= 0.0) {
		/* the first sample sets the average */
		w = 1.0;
	} else {
		uint64_t dt = now_us > m->lat_last_us ? now_us - m->lat_last_us : 0;

		w = 1.0 - exp(-(double)dt / (double)tau_us);
	}
	m->lat_ewma_us += w * ((double)sample_us - m->lat_ewma_us);
	m->lat_last_us = now_us;
}

static int
pick_rr(struct sl_balance *b)
{
	uint32_t i, n = b->n_members;

	for (i = 0; i < n; i++) {
		uint32_t k = (b->rr_next + i) % n;

		if (b->members[k].up) {
			b->rr_next = (k + 1) % n;
			return (int)k;
		}
	}
	return -1;
}

/* nginx ngx_http_upstream_get_peer(): the first maximum wins ties. */
static int
pick_swrr(struct sl_balance *b)
{
	struct sl_balance_member *best = NULL;
	int64_t total = 0;
	uint32_t i;

	for (i = 0; i < b->n_members; i++) {
		struct sl_balance_member *m = &b->members[i];

		if (!m->up)
			continue;
		m->swrr_current += m->weight;
		total += m->weight;
		if (best == NULL || m->swrr_current > best->swrr_current)
			best = m;
	}
	if (best == NULL)
		return -1;
	best->swrr_current -= total;
	return (int)best->index;
}

static int
pick_leastconn(struct sl_balance *b)
{
	const struct sl_balance_member *best = NULL;
	uint32_t i, n = b->n_members;

	/* scanning from the cursor, the first of equals wins: rotation */
	for (i = 0; i < n; i++) {
		const struct sl_balance_member *m = &b->members[(b->rr_next + i) % n];

		if (!m->up)
			continue;
		if (best == NULL || m->active < best->active ||
				(m->active == best->active && m->weight > best->weight))
			best = m;
	}
	if (best == NULL)
		return -1;
	b->rr_next = (best->index + 1) % n;
	return (int)best->index;
}

static double
p2c_cost(const struct sl_balance_member *m)
{
	/* a member without samples counts as 1 us, so it gets probed */
	return RTE_MAX(m->lat_ewma_us, 1.0) * ((double)m->active + 1.0);
}

/* The k-th up member (k < number up). */
static const struct sl_balance_member *
nth_up(const struct sl_balance *b, uint32_t k)
{
	uint32_t i;

	for (i = 0; i < b->n_members; i++)
		if (b->members[i].up && k-- == 0)
			return &b->members[i];
	return NULL;
}

static int
pick_p2c(struct sl_balance *b, uint64_t rand)
{
	const struct sl_balance_member *x, *y;
	uint32_t i, up = 0, a, c;

	for (i = 0; i < b->n_members; i++)
		up += b->members[i].up;
	if (up == 0)
		return -1;
	if (up == 1)
		return (int)nth_up(b, 0)->index;
	/* two distinct choices from the two halves of rand */
	a = (uint32_t)(rand % up);
	c = (uint32_t)((rand >> 32) % (up - 1));
	if (c >= a)
		c++;
	x = nth_up(b, a);
	y = nth_up(b, c);
	return (int)(p2c_cost(y) < p2c_cost(x) ? y->index : x->index);
}

static int
pick_maglev(struct sl_balance *b, uint64_t key)
{
	const struct sl_balance_maglev *t = __atomic_load_n(&b->maglev, __ATOMIC_ACQUIRE);
	uint32_t slot, i;

	if (t == NULL || t->n_members == 0)
		return -1;
	slot = (uint32_t)(key % t->size);
	/* a stale table may name a member gone down: walk on until rebuilt */
	for (i = 0; i < t->size; i++) {
		int e = t->entry[slot];

		if (e >= 0 && (uint32_t)e < b->n_members && b->members[e].up)
			return e;
		if (++slot == t->size)
			slot = 0;
	}
	return -1;
}

int
sl_balance_pick(struct sl_balance *b, uint64_t key, uint64_t rand)
{
	switch (b->algo) {
	case SL_BALANCE_RR:
		return pick_rr(b);
	case SL_BALANCE_SWRR:
		return pick_swrr(b);
	case SL_BALANCE_LEASTCONN:
		return pick_leastconn(b);
	case SL_BALANCE_P2C:
		return pick_p2c(b, rand);
	case SL_BALANCE_MAGLEV:
		return pick_maglev(b, key);
	}
	return -1;
}

/* murmur3 fmix64 of x ^ seed */
static uint64_t
mix64(uint64_t x, uint64_t seed)
{
	x ^= seed;
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

static bool
is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return false;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

#define SEED_OFFSET UINT64_C(0x9e3779b97f4a7c15)
#define SEED_SKIP UINT64_C(0x6a09e667f3bcc909)

struct maglev_perm {
	uint32_t offset, skip, next;
	int64_t current; /* SWRR of the turns */
};

struct sl_balance_maglev *
sl_balance_maglev_build(const struct sl_balance_member *members, uint32_t n, uint32_t size)
{
	struct maglev_perm perm[SL_BALANCE_MEMBERS_MAX];
	uint32_t idx[SL_BALANCE_MEMBERS_MAX];
	struct sl_balance_maglev *t;
	uint32_t i, k = 0, filled = 0;
	int64_t total = 0;

	if (n > SL_BALANCE_MEMBERS_MAX || size > SL_BALANCE_MAGLEV_SIZE_MAX ||
			size < 3 || !is_prime(size)) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = malloc(sizeof(*t) + (size_t)size * sizeof(t->entry[0]));
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->size = size;
	for (i = 0; i < size; i++)
		t->entry[i] = -1;
	for (i = 0; i < n; i++) {
		/* A stable identity keeps a member's slots when others leave. */
		uint64_t id = members[i].key != 0 ? members[i].key : members[i].index;

		if (!members[i].up || members[i].weight == 0)
			continue;
		idx[k] = i;
		perm[k].offset = (uint32_t)(mix64(id, SEED_OFFSET) % size);
		perm[k].skip = (uint32_t)(mix64(id, SEED_SKIP) % (size - 1)) + 1;
		perm[k].next = 0;
		perm[k].current = 0;
		total += members[i].weight;
		k++;
	}
	t->n_members = k;
	while (k > 0 && filled < size) {
		struct maglev_perm *p = NULL;
		uint32_t j, c;

		/* whose turn: smooth weighted round robin over the members */
		for (j = 0; j < k; j++) {
			perm[j].current += members[idx[j]].weight;
			if (p == NULL || perm[j].current > p->current)
				p = &perm[j];
		}
		p->current -= total;
		/* its next preferred slot still free (paper, Pseudocode 1) */
		do {
			c = (uint32_t)(((uint64_t)p->offset + (uint64_t)p->next * p->skip) % size);
			p->next++;
		} while (t->entry[c] >= 0);
		t->entry[c] = (int16_t)members[idx[p - perm]].index;
		filled++;
	}
	return t;
}

void
sl_balance_maglev_free(struct sl_balance_maglev *t)
{
	free(t);
}

struct sl_balance_maglev *
sl_balance_maglev_publish(struct sl_balance *b, struct sl_balance_maglev *t)
{
	return __atomic_exchange_n(&b->maglev, t, __ATOMIC_ACQ_REL);
}
