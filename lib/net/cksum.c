/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/cksum: Internet checksums over mbuf chains. DPDK 22.11's
 * rte_raw_cksum_mbuf() byte-swaps a segment's partial sum without folding
 * it to 16 bits first, so chains whose segments split at odd offsets get a
 * wrong sum; these fold before swapping.
 */
#include <rte_byteorder.h>
#include <rte_ip.h>

#include "sl_net.h"

static inline uint32_t
fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	return (sum & 0xffff) + (sum >> 16);
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
		uint32_t part = fold(__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const char *, off),
				n, 0));

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

uint16_t
sl_net_l4_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4_off)
{
	uint32_t ip_off = (uint32_t)((const char *)ip - rte_pktmbuf_mtod(m, const char *));
	uint32_t l4_len = rte_be_to_cpu_16(ip->total_length) - (l4_off - ip_off);
	uint32_t sum = (uint32_t)sl_net_cksum_mbuf(m, l4_off, l4_len) +
		rte_ipv4_phdr_cksum(ip, 0);

	/* (A UDP sender must then turn 0 into 0xffff, RFC 768.) */
	return (uint16_t)~fold(sum);
}
