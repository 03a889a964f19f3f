/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/icmp: answers echo requests (RFC 792) addressed to us, counts the rest,
 * and sends rate-limited error messages (time exceeded, unreachable,
 * fragmentation needed) under the rules of RFC 1812 4.3.2.7.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "net_priv.h"

static bool
icmp_cksum_ok(const struct rte_mbuf *m, uint16_t ihl, uint32_t len)
{
	return sl_net_cksum_mbuf(m, ihl, len) == 0xffff;
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
	ip->hdr_checksum = (uint16_t)~net_ipv4_hdr_sum(ip, rte_ipv4_hdr_len(ip));
	st->icmp_echo_replied++;
	net_ipv4_output(lc, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* Bytes of the offending datagram quoted after its IP header (RFC 792: 8). */
#define ERROR_QUOTE 8

/* Token bucket per worker: net.icmp_errors_per_s, with a burst of a tenth. */
static bool
error_allowed(struct sl_lcore *lc)
{
	struct sl_net_lcore *nl = &lc->net;
	uint64_t rate = (uint64_t)sl_net_conf.icmp_errors_per_s;
	uint64_t burst = RTE_MAX(rate / 10, (uint64_t)1);
	uint64_t now = lc->now, hz = sl_clock_base.hz;

	if (rate == 0)
		return false;
	if (now - nl->icmp_refill >= hz / rate) {
		uint64_t add = (now - nl->icmp_refill) * rate / hz;

		nl->icmp_tokens = RTE_MIN(nl->icmp_tokens + add, burst);
		nl->icmp_refill = now;
	}
	if (nl->icmp_tokens == 0)
		return false;
	nl->icmp_tokens--;
	return true;
}

/* RFC 1812 4.3.2.7: never about an ICMP error, a non-first fragment, or a
 * datagram to or from a broadcast, multicast or martian address. */
static bool
may_answer(const struct rte_ipv4_hdr *ip, uint16_t ihl, uint32_t len)
{
	uint32_t src = rte_be_to_cpu_32(ip->src_addr);

	if ((ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	if (net_addr_broadcast(ip->dst_addr) || net_addr_broadcast(ip->src_addr) ||
			src == 0 || (src >> 24) == 127)
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		const struct rte_icmp_hdr *icmp;

		if (len < (uint32_t)ihl + 1)
			return false;
		icmp = (const struct rte_icmp_hdr *)((const char *)ip + ihl);
		return icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
			icmp->icmp_type == RTE_IP_ICMP_ECHO_REPLY;
	}
	return true;
}

void
net_icmp_error(struct sl_lcore *lc, const struct sl_port *in, const struct rte_mbuf *orig,
		uint8_t type, uint8_t code, uint16_t mtu)
{
	const struct rte_ipv4_hdr *oip = rte_pktmbuf_mtod(orig, const struct rte_ipv4_hdr *);
	uint16_t ihl = rte_ipv4_hdr_len(oip);
	uint32_t quote = RTE_MIN((uint32_t)orig->data_len, (uint32_t)ihl + ERROR_QUOTE);
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	struct rte_mbuf *m;

	if (!sl_net_conf.icmp_errors || !may_answer(oip, ihl, orig->data_len))
		return;
	if (!error_allowed(lc)) {
		lc->net.stats.icmp_err_limited++;
		return;
	}
	m = rte_pktmbuf_alloc(sl_port_ctl_pool());
	if (m == NULL) {
		lc->net.stats.no_mbuf++;
		return;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) +
			sizeof(*icmp) + quote));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		lc->net.stats.no_mbuf++;
		return;
	}
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	memset(ip, 0, sizeof(*ip) + sizeof(*icmp));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = in->addr;
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = (uint16_t)~net_ipv4_hdr_sum(ip, rte_ipv4_hdr_len(ip));
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	/* Fragmentation needed carries the next-hop MTU (RFC 1191). */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu);
	memcpy(icmp + 1, oip, quote);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	lc->net.stats.icmp_err_sent++;
	net_ipv4_output(lc, m);
}
