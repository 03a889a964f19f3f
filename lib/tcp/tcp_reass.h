/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/reass: out-of-order receive queue of one connection. Holds segments
 * beyond rcv_nxt (each an mbuf chain holding only payload) in sequence
 * order, trims overlaps and duplicates, bounds memory (bytes and segment
 * count), hands back in-order data once the hole at rcv_nxt is filled, and
 * reports SACK blocks (RFC 2018: the block holding the most recently
 * received segment first).
 *
 * Sequence arithmetic is modulo 2^32 (use the SEQ_* helpers). Callers: the
 * worker owning the connection. Owns: the mbufs it holds.
 */
#ifndef TCP_REASS_H
#define TCP_REASS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define TCP_REASS_MAX_SEGS 32
#define TCP_SACK_MAX_BLOCKS 4

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

struct tcp_sack_block {
	uint32_t start; /* first byte */
	uint32_t end;   /* one past the last byte */
};

struct tcp_reass_seg {
	uint32_t seq;
	uint32_t len;
	struct rte_mbuf *m; /* payload only: data starts at seq */
};

struct tcp_reass {
	uint16_t n;                 /* segments held, sorted by seq, disjoint */
	uint32_t bytes;             /* payload bytes held */
	uint32_t last_seq;          /* a seq of the segment that arrived last */
	struct tcp_reass_seg segs[TCP_REASS_MAX_SEGS];
};

enum tcp_reass_result {
	TCP_REASS_QUEUED,    /* kept (perhaps trimmed) */
	TCP_REASS_DUPLICATE, /* nothing new (or empty): freed */
	TCP_REASS_FULL,      /* over the byte or segment limit: freed, queue unchanged */
};

void tcp_reass_init(struct tcp_reass *r);

/*
 * Offer a segment with payload [seq, seq + len) in mbuf chain m (payload
 * only), where seq > rcv_nxt (not in order). Takes ownership of m in every
 * case. `limit`: bytes the queue may hold at most.
 *
 * Bytes below rcv_nxt or already queued are cut off the new segment (its
 * chain trimmed at both ends); queued segments it covers entirely are
 * replaced by it. len is capped at the chain's length and a longer chain is
 * cut to len. Data reaching rcv_nxt + 2^31 or beyond cannot be ordered and
 * is FULL. The limits are checked before anything changes: FULL never drops
 * queued data. Queued data that rcv_nxt has passed meanwhile is dropped
 * first.
 */
enum tcp_reass_result tcp_reass_insert(struct tcp_reass *r, uint32_t rcv_nxt, uint32_t seq,
		struct rte_mbuf *m, uint32_t len, uint32_t limit);

/*
 * If the queue holds data at rcv_nxt (after the caller advanced rcv_nxt with
 * in-order data), remove and return the in-order chain starting there (the
 * segments chained with rte_pktmbuf_chain, data beyond overlaps trimmed) and
 * its length in *len (pkt_len of the chain); also drops anything now wholly
 * below rcv_nxt. NULL and *len = 0 if nothing is in order. Should the chain
 * reach RTE_MBUF_MAX_NB_SEGS segments, the rest stays queued: pull again
 * after advancing rcv_nxt.
 */
struct rte_mbuf *tcp_reass_pull(struct tcp_reass *r, uint32_t rcv_nxt, uint32_t *len);

/*
 * SACK blocks for an ACK: at most `max`, each a run of contiguous segments.
 * The block holding the segment that arrived last (queued or duplicate)
 * comes first, the others follow in sequence order.
 */
unsigned int tcp_reass_sack(const struct tcp_reass *r, struct tcp_sack_block *out,
		unsigned int max);

/* Free everything held. */
void tcp_reass_free(struct tcp_reass *r);

/*
 * Sender side: a SACK scoreboard (RFC 6675). Remembers which bytes above
 * snd_una the peer reported holding.
 */
#define TCP_SACK_BOARD_MAX 8

struct tcp_sack_board {
	uint16_t n; /* disjoint, sorted ranges */
	struct tcp_sack_block blk[TCP_SACK_BOARD_MAX];
};

void tcp_sack_board_init(struct tcp_sack_board *b);
/*
 * Merge blocks from an ACK; drop what snd_una passed. snd_nxt: the highest
 * sequence sent. Blocks are clipped to [snd_una, snd_nxt); what is left
 * empty (a D-SACK below snd_una, a block beyond snd_nxt) is ignored, and so
 * are invalid blocks (end <= start modulo 2^32, or 2^31 bytes or longer).
 * Beyond TCP_SACK_BOARD_MAX ranges the highest are forgotten. With
 * snd_nxt - snd_una 0 or 2^31 and over, the board is emptied.
 */
void tcp_sack_board_update(struct tcp_sack_board *b, uint32_t snd_una, uint32_t snd_nxt,
		const struct tcp_sack_block *blocks, unsigned int n);
/* Bytes the peer holds above snd_una. */
uint32_t tcp_sack_board_bytes(const struct tcp_sack_board *b);
/* Is [seq, seq+len) entirely SACKed? False for len 0. */
bool tcp_sack_board_covered(const struct tcp_sack_board *b, uint32_t seq, uint32_t len);
/*
 * The first hole at or after `from` (>= snd_una) and below the highest SACKed
 * byte: returns true with [*start, *start + *len) the hole (clipped to `max`
 * bytes). False if no hole (nothing SACKed above `from`) or max is 0.
 */
bool tcp_sack_board_next_hole(const struct tcp_sack_board *b, uint32_t from, uint32_t max,
		uint32_t *start, uint32_t *len);
/* The end of the highest SACKed range; snd_una if none. */
uint32_t tcp_sack_board_highest(const struct tcp_sack_board *b, uint32_t snd_una);
/* SACKed bytes at or above seq. */
uint32_t tcp_sack_board_bytes_above(const struct tcp_sack_board *b, uint32_t seq);
/*
 * Bytes of the holes at or above `from` (>= snd_una) that count as lost
 * (RFC 6675 IsLost): more than `thresh` bytes above them are SACKed.
 */
uint32_t tcp_sack_board_lost_bytes(const struct tcp_sack_board *b, uint32_t snd_una,
		uint32_t from, uint32_t thresh);

#endif /* TCP_REASS_H */
