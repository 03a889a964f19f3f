/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP out-of-order queue and SACK scoreboard: see tcp_reass.h.
 *
 * Both work on offsets relative to a base (rcv_nxt, snd_una) as plain
 * unsigned numbers once every range is known to lie within 2^31 of the base:
 * that keeps the comparisons exact even when the peer sends ranges that wrap
 * around 2^32 or span half the sequence space.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "tcp_reass.h"

/* Farthest byte (relative to rcv_nxt / snd_una) that keeps SEQ_* exact. */
#define REL_MAX ((uint32_t)INT32_MAX)

/* ---- mbuf chain helpers ---- */

/*
 * Drop the first n bytes (n < pkt_len) of chain m; return the new head.
 * rte_pktmbuf_adj() only trims within the first segment, so free the
 * segments the cut passes first.
 */
static struct rte_mbuf *
chain_adj(struct rte_mbuf *m, uint32_t n)
{
	while (n >= m->data_len && m->next != NULL) {
		struct rte_mbuf *next = m->next;

		n -= m->data_len;
		next->nb_segs = m->nb_segs - 1;
		next->pkt_len = m->pkt_len - m->data_len;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	if (n != 0)
		rte_pktmbuf_adj(m, (uint16_t)n);
	return m;
}

/*
 * Keep only the first `keep` bytes (0 < keep <= pkt_len) of chain m.
 * rte_pktmbuf_trim() only trims within the last segment; here the cut may
 * fall anywhere, and the segments after it are freed.
 */
static void
chain_keep(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *s = m;
	uint32_t acc = 0;
	uint16_t nb = 1;

	while (s->next != NULL && acc + s->data_len < keep) {
		acc += s->data_len;
		s = s->next;
		nb++;
	}
	if (keep - acc < s->data_len)
		s->data_len = (uint16_t)(keep - acc);
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->nb_segs = nb;
	m->pkt_len = keep;
}

/* ---- receive queue ---- */

void
tcp_reass_init(struct tcp_reass *r)
{
	memset(r, 0, sizeof(*r));
}

static inline uint32_t
seg_rel(const struct tcp_reass_seg *s, uint32_t base)
{
	return s->seq - base;
}

static inline uint32_t
seg_rel_end(const struct tcp_reass_seg *s, uint32_t base)
{
	return s->seq + s->len - base;
}

/* Remove segments [i, j) from the array (their mbufs already dealt with). */
static void
segs_remove(struct tcp_reass *r, unsigned int i, unsigned int j)
{
	memmove(&r->segs[i], &r->segs[j], (r->n - j) * sizeof(r->segs[0]));
	r->n -= j - i;
}

/*
 * The caller may have advanced rcv_nxt over queued data (in-order data
 * overlapping it): free what is now wholly below rcv_nxt and cut the front
 * of a segment straddling it, so every segment starts at or after rcv_nxt.
 */
static void
drop_below(struct tcp_reass *r, uint32_t rcv_nxt)
{
	unsigned int i;

	for (i = 0; i < r->n && SEQ_LEQ(r->segs[i].seq + r->segs[i].len, rcv_nxt); i++) {
		r->bytes -= r->segs[i].len;
		rte_pktmbuf_free(r->segs[i].m);
	}
	segs_remove(r, 0, i);
	if (r->n != 0 && SEQ_LT(r->segs[0].seq, rcv_nxt)) {
		struct tcp_reass_seg *s = &r->segs[0];
		uint32_t cut = rcv_nxt - s->seq;

		s->m = chain_adj(s->m, cut);
		s->seq = rcv_nxt;
		s->len -= cut;
		r->bytes -= cut;
	}
}

enum tcp_reass_result
tcp_reass_insert(struct tcp_reass *r, uint32_t rcv_nxt, uint32_t seq, struct rte_mbuf *m,
		uint32_t len, uint32_t limit)
{
	uint32_t s, e, freed = 0;
	unsigned int i, j, k;
	uint64_t bytes;

	if (m == NULL)
		return TCP_REASS_DUPLICATE;
	/* never trust len beyond what the chain holds */
	len = RTE_MIN(len, rte_pktmbuf_pkt_len(m));
	drop_below(r, rcv_nxt);

	/* [s, e): the new range relative to rcv_nxt, its part below cut off */
	s = seq - rcv_nxt;
	if (s > REL_MAX) {
		if (len <= rcv_nxt - seq)
			goto duplicate;
		len -= rcv_nxt - seq;
		s = 0;
	}
	if (len == 0)
		goto duplicate;
	/* beyond half the sequence space SEQ_* would misorder it */
	if ((uint64_t)s + len > REL_MAX)
		goto full;
	e = s + len;

	/* first segment ending after s; if it covers s, keep only what follows it */
	for (i = 0; i < r->n && seg_rel_end(&r->segs[i], rcv_nxt) <= s; i++)
		;
	if (i < r->n && seg_rel(&r->segs[i], rcv_nxt) <= s) {
		if (seg_rel_end(&r->segs[i], rcv_nxt) >= e)
			goto covered;
		s = seg_rel_end(&r->segs[i], rcv_nxt);
		i++;
	}
	/* segments wholly inside [s, e) are replaced; the next one cuts e */
	for (j = i; j < r->n && seg_rel_end(&r->segs[j], rcv_nxt) <= e; j++)
		freed += r->segs[j].len;
	if (j < r->n && seg_rel(&r->segs[j], rcv_nxt) < e)
		e = seg_rel(&r->segs[j], rcv_nxt);
	if (e <= s)
		goto covered;

	/* check the limits before touching the queue: FULL keeps it intact */
	bytes = (uint64_t)r->bytes - freed + (e - s);
	if (bytes > limit || r->n - (j - i) + 1u > TCP_REASS_MAX_SEGS)
		goto full;

	m = chain_adj(m, rcv_nxt + s - seq);
	chain_keep(m, e - s);
	for (k = i; k < j; k++)
		rte_pktmbuf_free(r->segs[k].m);
	if (j == i) {
		memmove(&r->segs[i + 1], &r->segs[i], (r->n - i) * sizeof(r->segs[0]));
		r->n++;
	} else {
		segs_remove(r, i + 1, j);
	}
	r->segs[i].seq = rcv_nxt + s;
	r->segs[i].len = e - s;
	r->segs[i].m = m;
	r->bytes = (uint32_t)bytes;
	r->last_seq = rcv_nxt + s;
	return TCP_REASS_QUEUED;

covered:
	/* a retransmission of queued data: its block is the one to report first */
	r->last_seq = rcv_nxt + s;
duplicate:
	rte_pktmbuf_free(m);
	return TCP_REASS_DUPLICATE;
full:
	rte_pktmbuf_free(m);
	return TCP_REASS_FULL;
}

struct rte_mbuf *
tcp_reass_pull(struct tcp_reass *r, uint32_t rcv_nxt, uint32_t *len)
{
	struct rte_mbuf *head;
	uint32_t total;
	unsigned int k;

	*len = 0;
	drop_below(r, rcv_nxt);
	if (r->n == 0 || r->segs[0].seq != rcv_nxt)
		return NULL;
	head = r->segs[0].m;
	total = r->segs[0].len;
	for (k = 1; k < r->n && r->segs[k].seq == r->segs[k - 1].seq + r->segs[k - 1].len; k++) {
		/* past the nb_segs limit: the rest stays queued for the next pull */
		if (rte_pktmbuf_chain(head, r->segs[k].m) != 0)
			break;
		total += r->segs[k].len;
	}
	segs_remove(r, 0, k);
	r->bytes -= total;
	*len = total;
	return head;
}

/* The contiguous block starting at segment *i; advances *i past it. */
static struct tcp_sack_block
next_block(const struct tcp_reass *r, unsigned int *i)
{
	struct tcp_sack_block b;

	b.start = r->segs[*i].seq;
	b.end = b.start + r->segs[*i].len;
	for ((*i)++; *i < r->n && r->segs[*i].seq == b.end; (*i)++)
		b.end += r->segs[*i].len;
	return b;
}

static bool
block_has(const struct tcp_sack_block *b, uint32_t seq)
{
	return seq - b->start < b->end - b->start;
}

/*
 * RFC 2018 section 4: the block holding the segment that triggered the ACK
 * comes first. The queue remembers only that one, so the others follow in
 * sequence order: the lowest ones are those the sender needs to fill holes.
 */
unsigned int
tcp_reass_sack(const struct tcp_reass *r, struct tcp_sack_block *out, unsigned int max)
{
	struct tcp_sack_block b, recent = { 0, 0 };
	unsigned int i, cnt = 0;

	if (max == 0)
		return 0;
	for (i = 0; i < r->n;) {
		b = next_block(r, &i);
		if (block_has(&b, r->last_seq)) {
			recent = b;
			out[cnt++] = b;
			break;
		}
	}
	for (i = 0; i < r->n && cnt < max;) {
		b = next_block(r, &i);
		if (b.start != recent.start || b.end != recent.end)
			out[cnt++] = b;
	}
	return cnt;
}

void
tcp_reass_free(struct tcp_reass *r)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		rte_pktmbuf_free(r->segs[i].m);
	r->n = 0;
	r->bytes = 0;
}

/* ---- SACK scoreboard ---- */

void
tcp_sack_board_init(struct tcp_sack_board *b)
{
	memset(b, 0, sizeof(*b));
}

/* A range relative to snd_una: [s, e) with e <= window < 2^31. */
struct rel_range {
	uint32_t s, e;
};

/*
 * Clip block [start, end) to the window [snd_una, snd_una + win); false if
 * nothing is left. A block is taken as the range of its length
 * (end - start, which must be below 2^31) from start, wherever that falls
 * modulo 2^32; as win < 2^31 such a block can meet the window in one piece
 * only.
 */
static bool
clip(uint32_t snd_una, uint32_t win, uint32_t start, uint32_t end, struct rel_range *out)
{
	uint32_t rs = start - snd_una, re = end - snd_una;

	if (!SEQ_GT(end, start))
		return false;
	if (re < rs) {
		/* wraps past snd_una: the part below it was acknowledged (D-SACK) */
		rs = 0;
	} else if (rs >= win) {
		return false;
	}
	out->s = rs;
	out->e = RTE_MIN(re, win);
	return out->e > out->s;
}

/*
 * Merge [x.s, x.e) into the sorted, disjoint ranges (touching ones join).
 * At most TCP_SACK_BOARD_MAX stay: when there would be more, the highest is
 * forgotten. The sender retransmits holes from snd_una upward, so the low
 * ranges decide what it sends next, and forgetting a range only makes it
 * resend bytes the peer holds (safe), never skip bytes the peer lacks; the
 * peer keeps reporting the high ones, which come back when the low ones have
 * been acknowledged.
 */
static void
merge(struct rel_range *rr, unsigned int *n, struct rel_range x)
{
	unsigned int i, j;

	for (i = 0; i < *n && rr[i].e < x.s; i++)
		;
	for (j = i; j < *n && rr[j].s <= x.e; j++) {
		x.s = RTE_MIN(x.s, rr[j].s);
		x.e = RTE_MAX(x.e, rr[j].e);
	}
	/* ranges [i, j) are absorbed by x, which takes slot i */
	if (j == i) {
		memmove(&rr[i + 1], &rr[i], (*n - i) * sizeof(rr[0]));
		(*n)++;
	} else {
		memmove(&rr[i + 1], &rr[j], (*n - j) * sizeof(rr[0]));
		*n -= j - i - 1;
	}
	rr[i] = x;
	if (*n > TCP_SACK_BOARD_MAX)
		*n = TCP_SACK_BOARD_MAX;
}

void
tcp_sack_board_update(struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		const struct tcp_sack_block *blocks, unsigned int n)
{
	struct rel_range rr[TCP_SACK_BOARD_MAX + 1], x;
	uint32_t win = snd_nxt - snd_una;
	unsigned int i, cnt = 0;

	if (win == 0 || win > REL_MAX) {
		/* all acknowledged, or nonsense: nothing can be SACKed */
		b->n = 0;
		return;
	}
	/* what we held, minus what snd_una passed, then the new blocks */
	for (i = 0; i < b->n; i++)
		if (clip(snd_una, win, b->blk[i].start, b->blk[i].end, &x))
			merge(rr, &cnt, x);
	for (i = 0; i < n; i++)
		if (clip(snd_una, win, blocks[i].start, blocks[i].end, &x))
			merge(rr, &cnt, x);
	for (i = 0; i < cnt; i++) {
		b->blk[i].start = snd_una + rr[i].s;
		b->blk[i].end = snd_una + rr[i].e;
	}
	b->n = (uint16_t)cnt;
}

uint32_t
tcp_sack_board_bytes(const struct tcp_sack_board *b)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++)
		sum += b->blk[i].end - b->blk[i].start;
	return sum;
}

bool
tcp_sack_board_covered(const struct tcp_sack_board *b, uint32_t seq, uint32_t len)
{
	unsigned int i;

	if (len == 0)
		return false;
	for (i = 0; i < b->n; i++) {
		uint32_t off = seq - b->blk[i].start, blen = b->blk[i].end - b->blk[i].start;

		if (off < blen && len <= blen - off)
			return true;
	}
	return false;
}

bool
tcp_sack_board_next_hole(const struct tcp_sack_board *b, uint32_t from, uint32_t max,
		uint32_t *start, uint32_t *len)
{
	unsigned int i;

	if (max == 0)
		return false;
	for (i = 0; i < b->n; i++) {
		if (SEQ_LEQ(b->blk[i].end, from))
			continue;
		if (SEQ_LT(from, b->blk[i].start)) {
			*start = from;
			*len = RTE_MIN(b->blk[i].start - from, max);
			return true;
		}
		/* inside this range: the hole, if any, starts at its end */
		from = b->blk[i].end;
	}
	return false;
}

uint32_t
tcp_sack_board_highest(const struct tcp_sack_board *b, uint32_t snd_una)
{
	return b->n == 0 ? snd_una : b->blk[b->n - 1].end;
}

uint32_t
tcp_sack_board_bytes_above(const struct tcp_sack_board *b, uint32_t seq)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		if (SEQ_LEQ(b->blk[i].end, seq))
			continue;
		sum += b->blk[i].end - (SEQ_GT(seq, b->blk[i].start) ? seq : b->blk[i].start);
	}
	return sum;
}

uint32_t
tcp_sack_board_lost_bytes(const struct tcp_sack_board *b, uint32_t snd_una, uint32_t from,
		uint32_t thresh)
{
	uint32_t above = 0, lost = 0;
	unsigned int i;

	/* From the top: the SACKed bytes above each hole only grow downward. */
	for (i = b->n; i-- > 0;) {
		uint32_t hole_start = i == 0 ? snd_una : b->blk[i - 1].end;

		above += b->blk[i].end - b->blk[i].start;
		if (above <= thresh)
			continue;
		if (SEQ_LT(hole_start, from))
			hole_start = from;
		if (SEQ_LT(hole_start, b->blk[i].start))
			lost += b->blk[i].start - hole_start;
	}
	return lost;
}
