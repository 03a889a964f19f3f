/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/cksum: Internet checksums over mbuf chains. DPDK 22.11's
 * rte_raw_cksum_mbuf() byte-swaps a segment's partial sum without folding
 * it to 16 bits first, so chains whose segments split at odd offsets get a
 * wrong sum; these fold before swapping. The sum itself adds 64-bit words
 * with their carries (RFC 1071 4.1: any word size gives the same sum),
 * about three times fewer instructions than DPDK's 16-bit loop; with AVX2
 * (asked at run time), 16-bit words in 32-bit lanes, 64 bytes a step.
 *
 * A proxy sends on the bytes it received, so each byte would be summed
 * twice: to verify it, and to send it. Verifying a TCP segment records the
 * sum of its payload in the mbuf (a dynamic field, valid while a dynamic
 * flag says so: a fresh mbuf has it clear). Sending a part of that payload
 * later — all of it, or a head or a tail, which is what re-segmenting a
 * stream cuts it into — takes the recorded sum and sums only the smaller
 * piece cut off (RFC 1624: sums subtract in one's complement).
 */
#include <string.h>

#include <immintrin.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf_dyn.h>
#include <rte_tcp.h>

#include "sl_net.h"
#include "sl_port.h"
#include "net_priv.h"

/* The payload sum of a received segment: of buffer bytes [off, off + len)
 * (offsets from buf_addr, as data_off), summed from an even position. */
struct payload_sum {
	uint16_t off, len;
	uint16_t sum;
};

static int payload_sum_offset = -1;
static uint64_t payload_sum_flag;

int
net_cksum_init(void)
{
	static const struct rte_mbuf_dynfield field = {
		.name = "sluice_payload_sum",
		.size = sizeof(struct payload_sum),
		.align = __alignof__(struct payload_sum),
	};
	static const struct rte_mbuf_dynflag flag = { .name = "sluice_payload_sum_ok" };
	int bit;

	payload_sum_offset = rte_mbuf_dynfield_register(&field);
	if (payload_sum_offset < 0)
		return -rte_errno;
	bit = rte_mbuf_dynflag_register(&flag);
	if (bit < 0)
		return -rte_errno;
	payload_sum_flag = UINT64_C(1) << bit;
	return 0;
}

static inline uint32_t
fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
}

/* Add w to the 64-bit sum, the carry wrapped around (2^64 = 1 mod 2^16 - 1). */
static inline uint64_t
add64(uint64_t sum, uint64_t w)
{
	sum += w;
	return sum + (sum < w);
}

/*
 * With AVX2, 64 bytes a step: their 16-bit words widened into 32-bit lanes
 * of two accumulators (a lane takes one word a step, so it cannot overflow
 * in the 2^16 steps of a 4 MiB chunk). The sum of every 16-bit word in
 * memory order, as add64() makes it; *done: the bytes summed.
 */
__attribute__((target("avx2")))
static uint64_t
sum_avx2(const uint8_t *p, size_t len, size_t *done)
{
	const __m256i zero = _mm256_setzero_si256();
	__m256i lo = zero, hi = zero, s;
	uint64_t lanes[4];
	size_t n;

	len = RTE_MIN(len, (size_t)4 << 20);
	for (n = 0; len - n >= 64; n += 64) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + n));
		__m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(p + n + 32));

		lo = _mm256_add_epi32(lo, _mm256_unpacklo_epi16(v, zero));
		hi = _mm256_add_epi32(hi, _mm256_unpackhi_epi16(v, zero));
		lo = _mm256_add_epi32(lo, _mm256_unpacklo_epi16(w, zero));
		hi = _mm256_add_epi32(hi, _mm256_unpackhi_epi16(w, zero));
	}
	s = _mm256_add_epi64(_mm256_add_epi64(_mm256_unpacklo_epi32(lo, zero),
			_mm256_unpackhi_epi32(lo, zero)),
			_mm256_add_epi64(_mm256_unpacklo_epi32(hi, zero),
			_mm256_unpackhi_epi32(hi, zero)));
	_mm256_storeu_si256((__m256i *)(void *)lanes, s);
	*done = n;
	return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

static bool
have_avx2(void)
{
	static int avx2 = -1; /* not asked yet (a benign race: same answer) */

	if (unlikely(avx2 < 0))
		avx2 = __builtin_cpu_supports("avx2");
	return avx2;
}

uint32_t
sl_net_raw_sum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0, a, b, c, d;

	while (len >= 256 && have_avx2()) {
		size_t done;

		sum = add64(sum, sum_avx2(p, len, &done));
		p += done;
		len -= done;
	}
	for (; len >= 32; p += 32, len -= 32) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		memcpy(&c, p + 16, 8);
		memcpy(&d, p + 24, 8);
		sum = add64(add64(add64(add64(sum, a), b), c), d);
	}
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&a, p, 8);
		sum = add64(sum, a);
	}
	if (len > 0) {
		a = 0; /* the odd tail, padded with zeros in memory order */
		memcpy(&a, p, len);
		sum = add64(sum, a);
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return fold((uint32_t)sum);
}

/* One's complement a - b, 16 bits. */
static inline uint32_t
sub16(uint32_t a, uint32_t b)
{
	return fold(a + (~b & 0xffff));
}

/*
 * The even-start sum of the n bytes at m's data offset `off`, from the sum
 * recorded when they were received, if there is one and it saves work:
 * the whole recorded range, or a head or a tail of it whose complement is
 * the shorter. Returns false to sum the bytes themselves.
 */
static bool
recorded_sum(const struct rte_mbuf *m, uint32_t off, uint32_t n, uint32_t *sum)
{
	const struct rte_mbuf *d = RTE_MBUF_CLONED(m) ? rte_mbuf_from_indirect((struct rte_mbuf *)m) : m;
	const struct payload_sum *ps;
	uint32_t a, b, end, cut;
	const uint8_t *base;

	if (payload_sum_offset < 0 || !(d->ol_flags & payload_sum_flag))
		return false;
	ps = RTE_MBUF_DYNFIELD(d, payload_sum_offset, const struct payload_sum *);
	a = (uint32_t)m->data_off + off;
	b = a + n;
	end = (uint32_t)ps->off + ps->len;
	if (m->buf_addr != d->buf_addr || a < ps->off || b > end)
		return false;
	base = (const uint8_t *)d->buf_addr;
	if (a == ps->off && b == end) {
		*sum = ps->sum;
		return true;
	}
	if (b == end && a - ps->off < n) {
		/* a tail: the whole less its head, turned if it starts odd */
		cut = sl_net_raw_sum(base + ps->off, a - ps->off);
		*sum = sub16(ps->sum, cut);
		if ((a - ps->off) & 1)
			*sum = rte_bswap16((uint16_t)*sum);
		return true;
	}
	if (a == ps->off && end - b < n) {
		/* a head: the whole less its tail (summed from an odd start,
		 * the tail's sum is turned to the whole's order) */
		cut = sl_net_raw_sum(base + b, end - b);
		if ((b - ps->off) & 1)
			cut = rte_bswap16((uint16_t)cut);
		*sum = sub16(ps->sum, cut);
		return true;
	}
	return false;
}

uint16_t
sl_net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && done < len) {
		uint32_t n = RTE_MIN((uint32_t)(m->data_len - off), len - done);
		uint32_t part;

		if (!recorded_sum(m, off, n, &part))
			part = sl_net_raw_sum(rte_pktmbuf_mtod_offset(m, const char *, off), n);
		/* A segment starting at an odd position sums swapped bytes. */
		if (done & 1)
			part = rte_bswap16((uint16_t)part);
		sum += part;
		done += n;
		off = 0;
		m = m->next;
	}
	return (uint16_t)fold(sum);
}

/* L4 bytes of the datagram whose IPv4 header ip is in m, L4 at l4_off. */
static uint32_t
l4_length(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4_off)
{
	uint32_t ip_off = (uint32_t)((const char *)ip - rte_pktmbuf_mtod(m, const char *));

	return rte_be_to_cpu_16(ip->total_length) - (l4_off - ip_off);
}

bool
sl_net_tcp_verify(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4_off,
		uint32_t hdr_len)
{
	uint32_t l4_len = l4_length(m, ip, l4_off);
	const uint8_t *l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, l4_off);
	uint32_t psum, sum;
	struct payload_sum *ps;

	/* chains (reassembled fragments) and bare headers: summed once, as is */
	if (m->nb_segs != 1 || l4_off + l4_len > m->data_len || l4_len <= hdr_len ||
			payload_sum_offset < 0 || (hdr_len & 1))
		return sl_net_l4_cksum(m, ip, l4_off) == 0;
	psum = sl_net_raw_sum(l4 + hdr_len, l4_len - hdr_len);
	sum = sl_net_raw_sum(l4, hdr_len) + psum + rte_ipv4_phdr_cksum(ip, 0);
	if ((uint16_t)~fold(sum) != 0)
		return false;
	ps = RTE_MBUF_DYNFIELD(m, payload_sum_offset, struct payload_sum *);
	ps->off = (uint16_t)(m->data_off + l4_off + hdr_len);
	ps->len = (uint16_t)(l4_len - hdr_len);
	ps->sum = (uint16_t)psum;
	m->ol_flags |= payload_sum_flag;
	return true;
}

uint16_t
sl_net_l4_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4_off)
{
	uint32_t l4_len = l4_length(m, ip, l4_off);
	uint32_t sum = (uint32_t)sl_net_cksum_mbuf(m, l4_off, l4_len) +
		rte_ipv4_phdr_cksum(ip, 0);

	/* (A UDP sender must then turn 0 into 0xffff, RFC 768.) */
	return (uint16_t)~fold(sum);
}

void
sl_net_tcp_tx_offload(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint16_t tcp_hdr_len,
		uint16_t tso_segsz)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = sizeof(*ip);
	m->l4_len = tcp_hdr_len;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	if (tso_segsz != 0) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = tso_segsz;
	}
	ip->hdr_checksum = 0;
	/* The pseudo-header sum, which the port completes (without the length
	 * for TSO: each segment's own goes in). */
	th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
}

/* Has the chain an odd-length mbuf before its last? */
static bool
odd_inner_segment(const struct rte_mbuf *m)
{
	for (; m->next != NULL; m = m->next)
		if (m->data_len & 1)
			return true;
	return false;
}

void
net_tx_cksum_finish(const struct sl_port *port, struct rte_mbuf *m, bool all)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	uint64_t offloads = all ? 0 : port->tx_offloads;

	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM &&
			!(offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)) {
		ip->hdr_checksum = (uint16_t)~net_ipv4_hdr_sum(ip, rte_ipv4_hdr_len(ip));
		m->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM;
	}
	if (l4 != 0 && (!(offloads & (l4 == RTE_MBUF_F_TX_UDP_CKSUM ?
			RTE_ETH_TX_OFFLOAD_UDP_CKSUM : RTE_ETH_TX_OFFLOAD_TCP_CKSUM)) ||
			(port->profile.tx_cksum_even_segs && odd_inner_segment(m)))) {
		/* The field holds the pseudo-header sum: summing the segment
		 * with it in place gives the whole sum (as a NIC does). */
		uint16_t *field = rte_pktmbuf_mtod_offset(m, uint16_t *, m->l3_len +
				(l4 == RTE_MBUF_F_TX_UDP_CKSUM ? 6 : 16));
		uint16_t sum = (uint16_t)~sl_net_cksum_mbuf(m, m->l3_len, m->pkt_len - m->l3_len);

		*field = sum == 0 && l4 == RTE_MBUF_F_TX_UDP_CKSUM ? 0xffff : sum; /* RFC 768 */
		m->ol_flags &= ~RTE_MBUF_F_TX_L4_MASK;
	}
	if (!(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)))
		m->ol_flags &= ~RTE_MBUF_F_TX_IPV4;
}
