/* SPDX-License-Identifier: BSD-3-Clause */
/* net/icmp: answers echo requests (RFC 792) addressed to us; counts the rest. */
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_priv.h"

static bool
icmp_cksum_ok(const struct rte_mbuf *m, uint16_t ihl, uint32_t len)
{
	uint16_t sum;

	if (rte_raw_cksum_mbuf(m, ihl, len, &sum) != 0)
		return false;
	return sum == 0xffff;
}

void
net_icmp_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m,
		uint16_t ihl)
{
	struct sl_net_stats *st = &lc->net.stats;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t len = m->pkt_len - ihl;
	struct rte_icmp_hdr *icmp;
	uint32_t sum, addr;

	st->icmp_in++;
	if (len < sizeof(*icmp) || m->data_len < ihl + sizeof(*icmp)) {
		st->icmp_short++;
		goto drop;
	}
	if (!icmp_cksum_ok(m, ihl, len)) {
		st->icmp_bad_cksum++;
		goto drop;
	}
	icmp = (struct rte_icmp_hdr *)((char *)ip + ihl);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0 ||
			!sl_net_conf.icmp_echo) {
		st->icmp_ignored++;
		goto drop;
	}
	/* Reply in place: type 8 -> 0 changes the checksum by 0x0800 (RFC 1624). */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	sum = (uint32_t)icmp->icmp_cksum + RTE_BE16(RTE_IP_ICMP_ECHO_REQUEST << 8);
	icmp->icmp_cksum = (uint16_t)(sum + (sum >> 16));
	addr = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = addr;
	ip->time_to_live = 64;
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	st->icmp_echo_replied++;
	net_ipv4_output(lc, m);
	return;
drop:
	rte_pktmbuf_free(m);
}
