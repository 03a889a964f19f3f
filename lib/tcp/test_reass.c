/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the TCP out-of-order queue and SACK scoreboard with real
 * mbufs, no hugepages. Payload bytes are a function of their sequence
 * number, so every pulled chain is checked byte for byte against the
 * position it claims; small mbufs make every segment a multi-segment chain
 * so that trims cut inside chains. Each case ends with the pool full again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tcp_reass.h"
#include "sl_test.h"
#include "sl_test_stack.h"

#define SEG_ROOM 64   /* payload bytes per mbuf: segments are chains */
#define POOL_SIZE 8191
#define NO_LIMIT UINT32_MAX

static struct rte_mempool *pool;
static uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed seed: reproducible runs */
#define rnd(n) sl_test_rand(&rng, (n))


static uint8_t
pat(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

/* A payload-only chain for [seq, seq + len), `chunk` bytes per mbuf (0: random). */
static struct rte_mbuf *
mk_chunked(struct rte_mempool *mp, uint32_t seq, uint32_t len, uint32_t chunk)
{
	struct rte_mbuf *head = NULL, *tail = NULL, *m;
	uint32_t off = 0, n, i;
	uint8_t *p;

	do {
		n = chunk != 0 ? chunk : 1 + rnd(SEG_ROOM);
		n = RTE_MIN(n, len - off);
		m = rte_pktmbuf_alloc(mp);
		if (m == NULL)
			goto fail;
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		if (p == NULL && n != 0) {
			rte_pktmbuf_free(m);
			goto fail;
		}
		for (i = 0; i < n; i++)
			p[i] = pat(seq + off + i);
		off += n;
		/* linked by hand: rte_pktmbuf_chain walks the chain every time */
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
	} while (off < len);
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

static struct rte_mbuf *
mk(uint32_t seq, uint32_t len)
{
	return mk_chunked(pool, seq, len, 0);
}

/* Chain m is well formed and holds exactly the bytes [seq, seq + len). */
static int
chain_ok(const struct rte_mbuf *m, uint32_t seq, uint32_t len)
{
	const char *reason;
	const struct rte_mbuf *s;
	uint32_t off = 0, i;

	SL_CHECK(m != NULL);
	SL_CHECK(rte_mbuf_check(m, 1, &reason) == 0);
	SL_CHECK_EQ(rte_pktmbuf_pkt_len(m), len);
	for (s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		for (i = 0; i < s->data_len; i++)
			if (p[i] != pat(seq + off + i)) {
				fprintf(stderr, "byte %u of chain at %u: %u, want %u\n", off + i,
						seq, p[i], pat(seq + off + i));
				return -1;
			}
		off += s->data_len;
	}
	SL_CHECK_EQ(off, len);
	return 0;
}

/* Sorted, disjoint, beyond rcv_nxt, byte count and chains consistent. */
static int
queue_ok(const struct tcp_reass *r, uint32_t rcv_nxt)
{
	uint32_t bytes = 0;
	unsigned int i;

	SL_CHECK(r->n <= TCP_REASS_MAX_SEGS);
	for (i = 0; i < r->n; i++) {
		const struct tcp_reass_seg *s = &r->segs[i];

		SL_CHECK(s->len > 0);
		SL_CHECK(SEQ_GEQ(s->seq, rcv_nxt));
		if (i > 0)
			SL_CHECK(SEQ_GEQ(s->seq, r->segs[i - 1].seq + r->segs[i - 1].len));
		if (chain_ok(s->m, s->seq, s->len) != 0)
			return -1;
		bytes += s->len;
	}
	SL_CHECK_EQ(r->bytes, bytes);
	return 0;
}

static int
pool_full(void)
{
	SL_CHECK_EQ(rte_mempool_avail_count(pool), pool->size);
	return 0;
}

/*
 * A receiver: takes in-order data itself (checking it) and offers the rest
 * to the queue, then pulls whatever became in order.
 */
struct rx {
	struct tcp_reass r;
	uint32_t rcv_nxt;
	uint32_t limit;
	unsigned int full;
};

static int
rx_pull(struct rx *x)
{
	struct rte_mbuf *m;
	uint32_t len;

	while ((m = tcp_reass_pull(&x->r, x->rcv_nxt, &len)) != NULL) {
		SL_CHECK(len > 0);
		if (chain_ok(m, x->rcv_nxt, len) != 0)
			return -1;
		rte_pktmbuf_free(m);
		x->rcv_nxt += len;
	}
	SL_CHECK_EQ(len, 0);
	return queue_ok(&x->r, x->rcv_nxt);
}

/* Snapshot of the queue to prove FULL left it untouched. */
static int
same_queue(const struct tcp_reass *a, const struct tcp_reass *b)
{
	unsigned int i;

	SL_CHECK_EQ(a->n, b->n);
	SL_CHECK_EQ(a->bytes, b->bytes);
	for (i = 0; i < a->n; i++) {
		SL_CHECK_EQ(a->segs[i].seq, b->segs[i].seq);
		SL_CHECK_EQ(a->segs[i].len, b->segs[i].len);
		SL_CHECK(a->segs[i].m == b->segs[i].m);
	}
	return 0;
}

static int
rx_deliver(struct rx *x, uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m = mk(seq, len);
	struct tcp_reass before;
	enum tcp_reass_result res;

	SL_CHECK(m != NULL);
	if (SEQ_LEQ(seq + len, x->rcv_nxt)) {
		rte_pktmbuf_free(m); /* old duplicate: the receiver drops it */
		return 0;
	}
	if (SEQ_LEQ(seq, x->rcv_nxt)) {
		/* in order: what the connection would hand to the application */
		if (chain_ok(m, seq, len) != 0)
			return -1;
		rte_pktmbuf_free(m);
		x->rcv_nxt = seq + len;
		return rx_pull(x);
	}
	before = x->r;
	res = tcp_reass_insert(&x->r, x->rcv_nxt, seq, m, len, x->limit);
	if (res == TCP_REASS_FULL) {
		x->full++;
		if (same_queue(&before, &x->r) != 0)
			return -1;
	}
	SL_CHECK(x->r.bytes <= x->limit);
	return queue_ok(&x->r, x->rcv_nxt);
}

/* ---- receive queue ---- */

/* Empty queue and in-order arrival: nothing to pull, nothing queued. */
static int
test_empty(void)
{
	struct tcp_reass r;
	struct tcp_sack_block blk[4];
	uint32_t len = 77;

	tcp_reass_init(&r);
	SL_CHECK(tcp_reass_pull(&r, 1000, &len) == NULL);
	SL_CHECK_EQ(len, 0);
	SL_CHECK_EQ(tcp_reass_sack(&r, blk, 4), 0);
	tcp_reass_free(&r);
	tcp_reass_free(&r);
	return pool_full();
}

/*
 * Every order of a set of segments, delivered through the receiver, yields
 * the stream byte for byte and an empty queue.
 */
static int
run_perms(uint32_t base, const uint32_t (*set)[2], unsigned int n, uint32_t limit)
{
	unsigned int idx[8], c[8], i, k, perms = 0;
	uint32_t end = 0;

	for (i = 0; i < n; i++) {
		idx[i] = i;
		c[i] = 0;
		end = RTE_MAX(end, set[i][0] + set[i][1]);
	}
	/* Heap's algorithm, iterative */
	i = 0;
	for (;;) {
		struct rx x = { .rcv_nxt = base, .limit = limit };

		tcp_reass_init(&x.r);
		for (k = 0; k < n; k++)
			if (rx_deliver(&x, base + set[idx[k]][0], set[idx[k]][1]) != 0) {
				fprintf(stderr, "permutation %u, step %u\n", perms, k);
				return -1;
			}
		/* what a limit refused is retransmitted */
		SL_CHECK(x.full == 0 || limit != NO_LIMIT);
		while (x.rcv_nxt != base + end)
			if (rx_deliver(&x, x.rcv_nxt, RTE_MIN(base + end - x.rcv_nxt, 100u)) != 0)
				return -1;
		SL_CHECK_EQ(x.r.n, 0);
		SL_CHECK_EQ(x.r.bytes, 0);
		perms++;
		while (i < n && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i >= n)
			break;
		if (i % 2 == 0)
			RTE_SWAP(idx[0], idx[i]);
		else
			RTE_SWAP(idx[c[i]], idx[i]);
		c[i]++;
		i = 0;
	}
	SL_CHECK(perms == 120 || n != 5);
	return pool_full();
}

static const uint32_t disjoint5[][2] = {
	{ 0, 100 }, { 100, 37 }, { 137, 200 }, { 337, 1 }, { 338, 150 },
};
/* overlapping, nested and duplicate ranges */
static const uint32_t overlap5[][2] = {
	{ 0, 100 }, { 50, 100 }, { 100, 200 }, { 120, 10 }, { 250, 150 },
};
static const uint32_t nested5[][2] = {
	{ 10, 20 }, { 0, 400 }, { 200, 100 }, { 200, 100 }, { 390, 30 },
};

static int
test_permutations(void)
{
	static const uint32_t bases[] = { 1000, 0xffffff00u, 0xfffffff0u, 0x7fffff80u };
	unsigned int b;

	for (b = 0; b < RTE_DIM(bases); b++) {
		if (run_perms(bases[b], disjoint5, 5, NO_LIMIT) != 0 ||
				run_perms(bases[b], overlap5, 5, NO_LIMIT) != 0 ||
				run_perms(bases[b], nested5, 5, NO_LIMIT) != 0 ||
				run_perms(bases[b], overlap5, 5, 200) != 0) {
			fprintf(stderr, "base %#x\n", bases[b]);
			return -1;
		}
	}
	return 0;
}

/*
 * Random segments with overlaps and duplicates, some limits tight enough to
 * refuse data; a final in-order pass completes the stream.
 */
static int
test_random(void)
{
	static const uint32_t limits[] = { NO_LIMIT, 65536, 3000, 200 };
	unsigned int round, k, full = 0;

	for (round = 0; round < 300; round++) {
		struct rx x = { .limit = limits[round % RTE_DIM(limits)] };
		uint32_t base = round % 3 == 0 ? 0u - rnd(20000) : rnd(UINT32_MAX);
		uint32_t total = 1 + rnd(10000), off, len;

		x.rcv_nxt = base;
		tcp_reass_init(&x.r);
		for (k = 0; k < 100; k++) {
			off = rnd(total);
			len = 1 + rnd(RTE_MIN(total - off, 1500u));
			if (rx_deliver(&x, base + off, len) != 0)
				goto fail;
		}
		/* retransmit everything in order */
		for (off = x.rcv_nxt - base; off < total; off = x.rcv_nxt - base)
			if (rx_deliver(&x, base + off, RTE_MIN(total - off, 1000u)) != 0)
				goto fail;
		SL_CHECK_EQ(x.rcv_nxt, base + total);
		SL_CHECK_EQ(x.r.n, 0);
		full += x.full;
		if (pool_full() != 0)
			goto fail;
	}
	SL_CHECK(full > 0); /* the limits were exercised */
	return 0;
fail:
	fprintf(stderr, "round %u\n", round);
	return -1;
}

/* Reassembly across 2^32: pulled chain starts at 0xfffffff0 and runs past 0. */
static int
test_wrap(void)
{
	struct tcp_reass r;
	struct tcp_sack_block blk[4];
	struct rte_mbuf *m;
	uint32_t rcv_nxt = 0xffffffe0u, len;

	tcp_reass_init(&r);
	SL_CHECK_EQ(tcp_reass_insert(&r, rcv_nxt, 0x10, mk(0x10, 16), 16, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, rcv_nxt, 0xfffffff0u, mk(0xfffffff0u, 24), 24, NO_LIMIT),
			TCP_REASS_QUEUED);
	/* overlaps both neighbours across the wrap: only [8, 16) is new */
	SL_CHECK_EQ(tcp_reass_insert(&r, rcv_nxt, 0xfffffffcu, mk(0xfffffffcu, 24), 24, NO_LIMIT),
			TCP_REASS_QUEUED);
	if (queue_ok(&r, rcv_nxt) != 0)
		return -1;
	SL_CHECK_EQ(r.n, 3);
	SL_CHECK_EQ(r.segs[1].seq, 8);
	SL_CHECK_EQ(r.segs[1].len, 8);
	SL_CHECK_EQ(tcp_reass_sack(&r, blk, 4), 1);
	SL_CHECK_EQ(blk[0].start, 0xfffffff0u);
	SL_CHECK_EQ(blk[0].end, 0x20);
	SL_CHECK(tcp_reass_pull(&r, rcv_nxt, &len) == NULL);
	rcv_nxt = 0xfffffff0u;
	m = tcp_reass_pull(&r, rcv_nxt, &len);
	SL_CHECK_EQ(len, 0x30);
	if (chain_ok(m, rcv_nxt, len) != 0)
		return -1;
	rte_pktmbuf_free(m);
	SL_CHECK_EQ(r.n, 0);
	SL_CHECK_EQ(r.bytes, 0);
	return pool_full();
}

/* Exact trimming against neighbours and replacement of covered segments. */
static int
test_trim(void)
{
	struct tcp_reass r;
	const uint32_t nx = 0;

	tcp_reass_init(&r);
	/* [100,200) [300,400) [500,600) built from 7-byte mbufs */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 100, mk_chunked(pool, 100, 100, 7), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 300, mk_chunked(pool, 300, 100, 7), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 500, mk_chunked(pool, 500, 100, 7), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	/* inside one segment, equal to one, touching edges: duplicates */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 150, mk(150, 10), 10, NO_LIMIT), TCP_REASS_DUPLICATE);
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 300, mk(300, 100), 100, NO_LIMIT),
			TCP_REASS_DUPLICATE);
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 100, mk(100, 1), 1, NO_LIMIT), TCP_REASS_DUPLICATE);
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 199, mk(199, 1), 1, NO_LIMIT), TCP_REASS_DUPLICATE);
	/* overlapping the front of [300,400): new tail cut at 300, mid-mbuf */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 250, mk_chunked(pool, 250, 90, 9), 90, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.segs[1].seq, 250);
	SL_CHECK_EQ(r.segs[1].len, 50);
	/* overlapping the tail of [100,200): front cut at 200, mid-mbuf */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 195, mk_chunked(pool, 195, 20, 3), 20, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.segs[1].seq, 200);
	SL_CHECK_EQ(r.segs[1].len, 15);
	if (queue_ok(&r, nx) != 0)
		return -1;
	/* covering [300,400) and [500,600) entirely: replaces both */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 280, mk_chunked(pool, 280, 400, 11), 400, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.n, 4);
	SL_CHECK_EQ(r.segs[3].seq, 300);
	SL_CHECK_EQ(r.segs[3].len, 380);
	SL_CHECK_EQ(r.bytes, 100 + 15 + 50 + 380);
	/* covered only by the union of two neighbours: duplicate */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 250, mk(250, 150), 150, NO_LIMIT),
			TCP_REASS_DUPLICATE);
	/* replaces two, cut by the third: [90, 250) */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 90, mk(90, 200), 200, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.n, 3);
	SL_CHECK_EQ(r.segs[0].seq, 90);
	SL_CHECK_EQ(r.segs[0].len, 160);
	/* replaces all */
	SL_CHECK_EQ(tcp_reass_insert(&r, nx, 0, mk(0, 700), 700, NO_LIMIT), TCP_REASS_QUEUED);
	if (queue_ok(&r, nx) != 0)
		return -1;
	SL_CHECK_EQ(r.n, 1);
	SL_CHECK_EQ(r.segs[0].seq, 0);
	SL_CHECK_EQ(r.segs[0].len, 700);
	SL_CHECK_EQ(r.bytes, 700);
	tcp_reass_free(&r);
	SL_CHECK_EQ(r.n, 0);
	return pool_full();
}

/* Data at or below rcv_nxt is cut off, on insert and on pull. */
static int
test_below_rcv_nxt(void)
{
	struct tcp_reass r;
	struct rte_mbuf *m;
	uint32_t len;

	tcp_reass_init(&r);
	SL_CHECK_EQ(tcp_reass_insert(&r, 1000, 900, mk(900, 100), 100, NO_LIMIT),
			TCP_REASS_DUPLICATE);
	SL_CHECK_EQ(tcp_reass_insert(&r, 1000, 950, mk(950, 100), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.segs[0].seq, 1000);
	SL_CHECK_EQ(r.segs[0].len, 50);
	SL_CHECK_EQ(tcp_reass_insert(&r, 1000, 1100, mk(1100, 100), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 1000, 1300, mk(1300, 100), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	/* in-order data advanced rcv_nxt past the first two and into the third */
	m = tcp_reass_pull(&r, 1350, &len);
	SL_CHECK_EQ(len, 50);
	if (chain_ok(m, 1350, len) != 0)
		return -1;
	rte_pktmbuf_free(m);
	SL_CHECK_EQ(r.n, 0);
	SL_CHECK_EQ(r.bytes, 0);
	/* insert also drops stale data first */
	SL_CHECK_EQ(tcp_reass_insert(&r, 2000, 2100, mk(2100, 100), 100, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 2150, 2300, mk(2300, 10), 10, 60),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.bytes, 60);
	if (queue_ok(&r, 2150) != 0)
		return -1;
	tcp_reass_free(&r);
	return pool_full();
}

/* Byte and segment limits: FULL frees the newcomer and keeps the queue. */
static int
test_limits(void)
{
	struct tcp_reass r, before;
	struct rte_mbuf *m;
	uint32_t len;
	unsigned int i;

	tcp_reass_init(&r);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 10, mk(10, 60), 60, 100), TCP_REASS_QUEUED);
	before = r;
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 100, mk(100, 41), 41, 100), TCP_REASS_FULL);
	if (same_queue(&before, &r) != 0)
		return -1;
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 100, mk(100, 40), 40, 100), TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.bytes, 100);
	/* no new bytes: a duplicate, not FULL */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 20, mk(20, 30), 30, 100), TCP_REASS_DUPLICATE);
	/* replacing [10,70) by [5,75) adds 10 bytes: too many */
	before = r;
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 5, mk(5, 70), 70, 100), TCP_REASS_FULL);
	if (same_queue(&before, &r) != 0)
		return -1;
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 5, mk(5, 70), 70, 110), TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.n, 2);
	SL_CHECK_EQ(r.bytes, 110);
	/* a limit lowered below what is held refuses new bytes, keeps old ones */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 500, mk(500, 1), 1, 50), TCP_REASS_FULL);
	SL_CHECK_EQ(r.bytes, 110);
	tcp_reass_free(&r);

	/* segment count: one-byte segments with gaps */
	for (i = 0; i < TCP_REASS_MAX_SEGS; i++)
		SL_CHECK_EQ(tcp_reass_insert(&r, 0, 10 + 2 * i, mk(10 + 2 * i, 1), 1, NO_LIMIT),
				TCP_REASS_QUEUED);
	before = r;
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 1000, mk(1000, 1), 1, NO_LIMIT), TCP_REASS_FULL);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 5, mk(5, 3), 3, NO_LIMIT), TCP_REASS_FULL);
	/* filling one gap takes a slot too */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 11, mk(11, 1), 1, NO_LIMIT), TCP_REASS_FULL);
	if (same_queue(&before, &r) != 0 || queue_ok(&r, 0) != 0)
		return -1;
	/* covering several frees slots, so it fits */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 9, mk(9, 8), 8, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.n, TCP_REASS_MAX_SEGS - 4 + 1);
	if (queue_ok(&r, 0) != 0)
		return -1;
	/* the receiver got [0, 10) in order: [10, 17) comes out */
	m = tcp_reass_pull(&r, 10, &len);
	SL_CHECK_EQ(len, 7);
	if (chain_ok(m, 10, len) != 0)
		return -1;
	rte_pktmbuf_free(m);
	tcp_reass_free(&r);
	return pool_full();
}

/* Nonsense from the wire: zero length, lengths past the chain, far away. */
static int
test_hostile_insert(void)
{
	struct tcp_reass r;
	struct rte_mbuf *m;
	uint32_t len;

	tcp_reass_init(&r);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 10, mk(10, 0), 0, NO_LIMIT), TCP_REASS_DUPLICATE);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 10, NULL, 5, NO_LIMIT), TCP_REASS_DUPLICATE);
	/* len beyond the chain: only what the chain holds */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 10, mk(10, 20), UINT32_MAX, NO_LIMIT),
			TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.segs[0].len, 20);
	/* chain longer than len: cut to len */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 40, mk(40, 100), 30, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(r.segs[1].len, 30);
	if (queue_ok(&r, 0) != 0)
		return -1;
	/* beyond half the sequence space: refused whatever the limit */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 0x80000000u, mk(0x80000000u, 10), 10, NO_LIMIT),
			TCP_REASS_DUPLICATE); /* that is "below" rcv_nxt by SEQ_LT */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 0x7ffffff0u, mk(0x7ffffff0u, 64), 64, NO_LIMIT),
			TCP_REASS_FULL);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 0x7ffffff0u, mk(0x7ffffff0u, 15), 15, NO_LIMIT),
			TCP_REASS_QUEUED);
	/* starting below rcv_nxt and reaching far past it */
	SL_CHECK_EQ(tcp_reass_insert(&r, 100, 90, mk(90, 20), 20, NO_LIMIT), TCP_REASS_QUEUED);
	if (queue_ok(&r, 100) != 0)
		return -1;
	m = tcp_reass_pull(&r, 100, &len);
	SL_CHECK_EQ(len, 10);
	if (chain_ok(m, 100, len) != 0)
		return -1;
	rte_pktmbuf_free(m);
	SL_CHECK_EQ(r.n, 1);
	tcp_reass_free(&r);
	return pool_full();
}

/* SACK blocks: the block of the latest segment first, then by sequence. */
static int
test_sack_blocks(void)
{
	struct tcp_reass r;
	struct tcp_sack_block b[8];
	struct rte_mbuf *m;
	uint32_t len;

	tcp_reass_init(&r);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 500, mk(500, 100), 100, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 100, mk(100, 100), 100, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 300, mk(300, 100), 100, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 4), 3);
	SL_CHECK_EQ(b[0].start, 300);
	SL_CHECK_EQ(b[0].end, 400);
	SL_CHECK_EQ(b[1].start, 100);
	SL_CHECK_EQ(b[1].end, 200);
	SL_CHECK_EQ(b[2].start, 500);
	SL_CHECK_EQ(b[2].end, 600);
	/* [200,300) joins two blocks into one */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 200, mk(200, 100), 100, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 4), 2);
	SL_CHECK_EQ(b[0].start, 100);
	SL_CHECK_EQ(b[0].end, 400);
	SL_CHECK_EQ(b[1].start, 500);
	SL_CHECK_EQ(b[1].end, 600);
	/* a duplicate of queued data makes its block the first one */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 520, mk(520, 10), 10, NO_LIMIT),
			TCP_REASS_DUPLICATE);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 4), 2);
	SL_CHECK_EQ(b[0].start, 500);
	SL_CHECK_EQ(b[1].start, 100);
	/* more blocks than room: latest, then the lowest */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 700, mk(700, 10), 10, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 800, mk(800, 10), 10, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 900, mk(900, 10), 10, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 705, mk(705, 20), 20, NO_LIMIT), TCP_REASS_QUEUED);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 8), 5);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 3), 3);
	SL_CHECK_EQ(b[0].start, 700);
	SL_CHECK_EQ(b[0].end, 725);
	SL_CHECK_EQ(b[1].start, 100);
	SL_CHECK_EQ(b[2].start, 500);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 1), 1);
	SL_CHECK_EQ(b[0].start, 700);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 0), 0);
	/* the latest block went with a pull: plain sequence order */
	SL_CHECK_EQ(tcp_reass_insert(&r, 0, 0, mk(0, 100), 100, NO_LIMIT), TCP_REASS_QUEUED);
	m = tcp_reass_pull(&r, 0, &len);
	SL_CHECK_EQ(len, 400);
	if (chain_ok(m, 0, len) != 0)
		return -1;
	rte_pktmbuf_free(m);
	SL_CHECK_EQ(tcp_reass_sack(&r, b, 4), 4);
	SL_CHECK_EQ(b[0].start, 500);
	SL_CHECK_EQ(b[1].start, 700);
	SL_CHECK_EQ(b[2].start, 800);
	SL_CHECK_EQ(b[3].start, 900);
	tcp_reass_free(&r);
	return pool_full();
}

/*
 * rte_pktmbuf_chain cannot hold more than RTE_MBUF_MAX_NB_SEGS segments:
 * pull returns the part that fits and leaves the rest queued.
 */
static int
test_nb_segs_limit(void)
{
	const uint32_t half = RTE_MBUF_MAX_NB_SEGS / 2 + 100;
	struct rte_mempool *big;
	struct tcp_reass r;
	struct rte_mbuf *m;
	uint32_t len;
	int rc = -1;

	big = rte_pktmbuf_pool_create("reass_big", 2 * half + 64, 0, 0,
			RTE_PKTMBUF_HEADROOM + 1, SOCKET_ID_ANY);
	SL_CHECK(big != NULL);
	tcp_reass_init(&r);
	m = mk_chunked(big, 100, half, 1);
	if (m == NULL || tcp_reass_insert(&r, 0, 100, m, half, NO_LIMIT) != TCP_REASS_QUEUED)
		goto out;
	m = mk_chunked(big, 100 + half, half, 1);
	if (m == NULL || tcp_reass_insert(&r, 0, 100 + half, m, half, NO_LIMIT) !=
			TCP_REASS_QUEUED)
		goto out;
	m = tcp_reass_pull(&r, 100, &len);
	if (len != half || chain_ok(m, 100, len) != 0 || m->nb_segs != half)
		goto out;
	rte_pktmbuf_free(m);
	if (r.n != 1 || r.bytes != half)
		goto out;
	m = tcp_reass_pull(&r, 100 + half, &len);
	if (len != half || chain_ok(m, 100 + half, len) != 0)
		goto out;
	rte_pktmbuf_free(m);
	rc = r.n == 0 && rte_mempool_avail_count(big) == big->size ? 0 : -1;
out:
	if (rc != 0)
		fprintf(stderr, "nb_segs limit: n %u bytes %u len %u\n", r.n, r.bytes, len);
	tcp_reass_free(&r);
	rte_mempool_free(big);
	return rc;
}

/* ---- SACK scoreboard ---- */

static int
board_is(const struct tcp_sack_board *b, const uint32_t (*want)[2], unsigned int n)
{
	unsigned int i;

	SL_CHECK_EQ(b->n, n);
	for (i = 0; i < n; i++) {
		SL_CHECK_EQ(b->blk[i].start, want[i][0]);
		SL_CHECK_EQ(b->blk[i].end, want[i][1]);
	}
	return 0;
}

#define BOARD_IS(b, ...) do { \
	static const uint32_t w__[][2] = { __VA_ARGS__ }; \
	if (board_is((b), w__, RTE_DIM(w__)) != 0) \
		return -1; \
} while (0)

static void
upd(struct tcp_sack_board *b, uint32_t una, uint32_t nxt, uint32_t s, uint32_t e)
{
	struct tcp_sack_block blk = { s, e };

	tcp_sack_board_update(b, una, nxt, &blk, 1);
}

static int
test_board_basic(void)
{
	struct tcp_sack_board b;
	const struct tcp_sack_block blks[] = { { 300, 400 }, { 100, 200 }, { 200, 250 },
		{ 600, 700 } };
	uint32_t s, l;

	tcp_sack_board_init(&b);
	SL_CHECK_EQ(tcp_sack_board_bytes(&b), 0);
	SL_CHECK(!tcp_sack_board_next_hole(&b, 0, 1000, &s, &l));
	tcp_sack_board_update(&b, 0, 1000, blks, RTE_DIM(blks));
	BOARD_IS(&b, { 100, 250 }, { 300, 400 }, { 600, 700 });
	SL_CHECK_EQ(tcp_sack_board_bytes(&b), 350);
	/* overlapping and touching merge */
	upd(&b, 0, 1000, 250, 300);
	BOARD_IS(&b, { 100, 400 }, { 600, 700 });
	upd(&b, 0, 1000, 350, 650);
	BOARD_IS(&b, { 100, 700 });
	upd(&b, 0, 1000, 800, 900);
	/* covered */
	SL_CHECK(tcp_sack_board_covered(&b, 100, 600));
	SL_CHECK(tcp_sack_board_covered(&b, 150, 10));
	SL_CHECK(!tcp_sack_board_covered(&b, 99, 10));
	SL_CHECK(!tcp_sack_board_covered(&b, 650, 100));
	SL_CHECK(!tcp_sack_board_covered(&b, 700, 100));
	SL_CHECK(!tcp_sack_board_covered(&b, 150, 0));
	SL_CHECK(!tcp_sack_board_covered(&b, 150, UINT32_MAX));
	/* holes */
	SL_CHECK(tcp_sack_board_next_hole(&b, 0, 1000, &s, &l));
	SL_CHECK_EQ(s, 0);
	SL_CHECK_EQ(l, 100);
	SL_CHECK(tcp_sack_board_next_hole(&b, 40, 30, &s, &l));
	SL_CHECK_EQ(s, 40);
	SL_CHECK_EQ(l, 30);
	SL_CHECK(tcp_sack_board_next_hole(&b, 100, 1000, &s, &l));
	SL_CHECK_EQ(s, 700);
	SL_CHECK_EQ(l, 100);
	SL_CHECK(tcp_sack_board_next_hole(&b, 750, 1000, &s, &l));
	SL_CHECK_EQ(s, 750);
	SL_CHECK_EQ(l, 50);
	SL_CHECK(!tcp_sack_board_next_hole(&b, 800, 1000, &s, &l));
	SL_CHECK(!tcp_sack_board_next_hole(&b, 950, 1000, &s, &l));
	SL_CHECK(!tcp_sack_board_next_hole(&b, 0, 0, &s, &l));
	/* snd_una advances: passed ranges go, a straddled one is cut */
	tcp_sack_board_update(&b, 150, 1000, NULL, 0);
	BOARD_IS(&b, { 150, 700 }, { 800, 900 });
	tcp_sack_board_update(&b, 850, 1000, NULL, 0);
	BOARD_IS(&b, { 850, 900 });
	tcp_sack_board_update(&b, 1000, 1000, NULL, 0);
	SL_CHECK_EQ(b.n, 0);
	return 0;
}

/* Blocks a hostile or confused peer may send. */
static int
test_board_hostile(void)
{
	struct tcp_sack_board b;
	const uint32_t una = 0xfffff000u, nxt = 0x1000; /* window across 2^32 */
	uint32_t s, l;
	unsigned int i;

	tcp_sack_board_init(&b);
	upd(&b, una, nxt, 0xfffffff0u, 0x10); /* valid, wraps */
	BOARD_IS(&b, { 0xfffffff0u, 0x10 });
	upd(&b, una, nxt, 0x500, 0x500);       /* zero length */
	upd(&b, una, nxt, 0x600, 0x500);       /* end before start */
	upd(&b, una, nxt, 0x100, 0x100 + 0x80000000u); /* half the space */
	upd(&b, una, nxt, 0x100, 0x0ff);               /* 2^32 - 1 long */
	upd(&b, una, nxt, 0xffffe000u, 0xfffff000u);   /* D-SACK below snd_una */
	upd(&b, una, nxt, 0x1000, 0x2000);             /* above snd_nxt */
	upd(&b, una, nxt, 0x80000000u, 0x80001000u);   /* opposite side of the circle */
	upd(&b, una, nxt, 0x7ffff000u, 0x80000000u);
	BOARD_IS(&b, { 0xfffffff0u, 0x10 });
	/* partial D-SACK and overhang past snd_nxt are clipped */
	upd(&b, una, nxt, 0xffffef00u, 0xfffff010u);
	upd(&b, una, nxt, 0xf00, 0x7000);
	BOARD_IS(&b, { 0xfffff000u, 0xfffff010u }, { 0xfffffff0u, 0x10 }, { 0xf00, 0x1000 });
	/* a near-2^31 block around the window only claims the window */
	upd(&b, una, nxt, 0x90000001u, 0x10000000u);
	BOARD_IS(&b, { 0xfffff000u, 0x1000 });
	SL_CHECK_EQ(tcp_sack_board_bytes(&b), 0x2000);
	SL_CHECK(!tcp_sack_board_next_hole(&b, una, 100, &s, &l));
	/* the same block many times */
	tcp_sack_board_init(&b);
	for (i = 0; i < 1000; i++)
		upd(&b, una, nxt, 0x10, 0x20);
	BOARD_IS(&b, { 0x10, 0x20 });
	/* nonsense window: nothing held */
	upd(&b, 0, 0x80000000u, 0x10, 0x20);
	SL_CHECK_EQ(b.n, 0);
	upd(&b, 100, 50, 60, 70);
	SL_CHECK_EQ(b.n, 0);
	return 0;
}

/* More ranges than room: the highest go. */
static int
test_board_overflow(void)
{
	struct tcp_sack_board b;
	struct tcp_sack_block blk[12];
	unsigned int i;

	tcp_sack_board_init(&b);
	for (i = 0; i < 12; i++) {
		blk[i].start = 1200 - 100 * i;
		blk[i].end = blk[i].start + 10;
	}
	tcp_sack_board_update(&b, 0, 2000, blk, 12);
	SL_CHECK_EQ(b.n, TCP_SACK_BOARD_MAX);
	for (i = 0; i < TCP_SACK_BOARD_MAX; i++)
		SL_CHECK_EQ(b.blk[i].start, 100 + 100 * i);
	/* a new lowest range pushes out the highest */
	upd(&b, 0, 2000, 10, 20);
	SL_CHECK_EQ(b.blk[0].start, 10);
	SL_CHECK_EQ(b.blk[TCP_SACK_BOARD_MAX - 1].start, 700);
	/* a new highest range is itself dropped */
	upd(&b, 0, 2000, 1500, 1600);
	SL_CHECK_EQ(b.blk[TCP_SACK_BOARD_MAX - 1].start, 700);
	/* joining two frees a slot */
	upd(&b, 0, 2000, 110, 200);
	SL_CHECK_EQ(b.n, TCP_SACK_BOARD_MAX - 1);
	upd(&b, 0, 2000, 1500, 1600);
	SL_CHECK_EQ(b.n, TCP_SACK_BOARD_MAX);
	SL_CHECK_EQ(b.blk[TCP_SACK_BOARD_MAX - 1].start, 1500);
	return 0;
}

/*
 * The board against a bitmap model over a 2048-byte window at random bases
 * (many across 2^32), with random and hostile blocks.
 */
#define WIN 2048
static uint8_t model[WIN]; /* indexed by offset from the current snd_una */

static unsigned int
model_ranges(uint32_t (*out)[2])
{
	unsigned int i, n = 0;

	for (i = 0; i < WIN; i++) {
		if (!model[i])
			continue;
		if (n == 0 || out[n - 1][1] != i) {
			out[n][0] = i;
			out[n++][1] = i + 1;
		} else {
			out[n - 1][1]++;
		}
	}
	return n;
}

static void
model_add(uint32_t una, uint32_t nxt, uint32_t s, uint32_t e)
{
	uint32_t rr[WIN][2], k;
	unsigned int n, i;

	if (!SEQ_GT(e, s))
		return;
	/* the block is the e - s bytes from s, modulo 2^32 */
	for (k = 0; k < nxt - una; k++)
		if (una + k - s < e - s)
			model[k] = 1;
	n = model_ranges(rr);
	for (i = TCP_SACK_BOARD_MAX; i < n; i++)
		memset(&model[rr[i][0]], 0, rr[i][1] - rr[i][0]);
}

static int
test_board_model(void)
{
	uint32_t rr[WIN][2];
	unsigned int round, k, i, n;

	for (round = 0; round < 300; round++) {
		uint32_t una = round % 2 ? 0u - rnd(4 * WIN) : rnd(UINT32_MAX), nxt = una + WIN;
		struct tcp_sack_board b;

		tcp_sack_board_init(&b);
		memset(model, 0, sizeof(model));
		for (k = 0; k < 60; k++) {
			struct tcp_sack_block blk[4];
			unsigned int nb = rnd(5), j;
			uint32_t adv = rnd(8) == 0 ? rnd(200) : 0, sacked = 0, hs, hl;

			/* snd_una advances, snd_nxt with it */
			memmove(model, model + adv, WIN - adv);
			memset(model + WIN - adv, 0, adv);
			una += adv;
			nxt += adv;
			for (j = 0; j < nb; j++) {
				uint32_t s = una - 100 + rnd(WIN + 200);
				uint32_t len = rnd(4) == 0 ? rnd(UINT32_MAX) : rnd(300);

				blk[j].start = s;
				blk[j].end = rnd(10) == 0 ? s - len : s + len;
				model_add(una, nxt, blk[j].start, blk[j].end);
			}
			tcp_sack_board_update(&b, una, nxt, blk, nb);
			n = model_ranges(rr);
			SL_CHECK_EQ(b.n, n);
			for (i = 0; i < n; i++) {
				SL_CHECK_EQ(b.blk[i].start, una + rr[i][0]);
				SL_CHECK_EQ(b.blk[i].end, una + rr[i][1]);
				sacked += rr[i][1] - rr[i][0];
			}
			SL_CHECK_EQ(tcp_sack_board_bytes(&b), sacked);
			/* covered / next_hole agree with the bitmap at a random point */
			j = rnd(WIN);
			hl = 1 + rnd(64);
			for (i = 0; i < hl && j + i < WIN && model[j + i]; i++)
				;
			SL_CHECK_EQ(tcp_sack_board_covered(&b, una + j, hl), i == hl);
			for (i = j; i < WIN && model[i]; i++)
				;
			for (hs = i; hs < WIN && !model[hs]; hs++)
				;
			if (hs == WIN) {
				SL_CHECK(!tcp_sack_board_next_hole(&b, una + j, 100, &hs, &hl));
			} else {
				uint32_t s, l;

				SL_CHECK(tcp_sack_board_next_hole(&b, una + j, 100, &s, &l));
				SL_CHECK_EQ(s, una + i);
				SL_CHECK_EQ(l, RTE_MIN(hs - i, 100u));
			}
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct sl_test_case cases[] = {
		{ "empty", test_empty },
		{ "permutations", test_permutations },
		{ "random", test_random },
		{ "wrap", test_wrap },
		{ "trim", test_trim },
		{ "below_rcv_nxt", test_below_rcv_nxt },
		{ "limits", test_limits },
		{ "hostile_insert", test_hostile_insert },
		{ "sack_blocks", test_sack_blocks },
		{ "nb_segs_limit", test_nb_segs_limit },
		{ "board_basic", test_board_basic },
		{ "board_hostile", test_board_hostile },
		{ "board_overflow", test_board_overflow },
		{ "board_model", test_board_model },
	};
	int rc;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	if (sl_test_eal_init("test_reass", false) < 0)
		return 1;
	/* no per-lcore cache: the available count is exact at all times */
	pool = rte_pktmbuf_pool_create("reass", POOL_SIZE, 0, 0,
			RTE_PKTMBUF_HEADROOM + SEG_ROOM, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "cannot create the mbuf pool\n");
		sl_test_eal_cleanup();
		return 1;
	}
	rc = sl_test_run("tcp_reass", cases, RTE_DIM(cases));
	if (rte_mempool_avail_count(pool) != pool->size) {
		fprintf(stderr, "leak: %u of %u mbufs in the pool\n",
				rte_mempool_avail_count(pool), pool->size);
		rc = 1;
	}
	rte_mempool_free(pool);
	sl_test_eal_cleanup();
	return rc;
}
