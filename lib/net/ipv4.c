/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/ipv4: input checks (RFC 1122/1812), local delivery with reassembly,
 * forwarding, output with fragmentation. Every dropped packet is counted by
 * its reason; nothing here trusts a length field before checking it.
 */
#include <errno.h>
#include <netinet/ip_icmp.h>

#include <rte_cycles.h>
#include <rte_gso.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_ring.h>

#include "net_priv.h"

static bool
martian_source(uint32_t src)
{
	uint32_t h = rte_be_to_cpu_32(src);

	return h == 0 || (h >> 24) == 127 || (h >> 28) == 0xe || h == 0xffffffff ||
		net_addr_local(src) >= 0;
}

static bool
header_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint16_t ihl)
{
	if (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	return net_ipv4_hdr_sum(ip, ihl) == 0xffff;
}

void
net_eth_output(struct sl_lcore *lc, const struct sl_port *port, uint32_t nexthop,
		struct rte_mbuf *m)
{
	struct rte_ether_addr mac;
	struct rte_ether_hdr *eth;

	if (unlikely(!net_neigh_cached(&lc->net, nexthop, &mac))) {
		struct net_meta *meta = net_meta(m);

		meta->kind = NET_META_RESOLVE;
		meta->port = port->index;
		meta->nexthop = nexthop;
		if (rte_ring_mp_enqueue(net_to_mgmt, m) != 0) {
			lc->net.stats.neigh_ring_full++;
			rte_pktmbuf_free(m);
			return;
		}
		lc->net.stats.neigh_to_mgmt++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (unlikely(eth == NULL)) {
		lc->net.stats.no_mbuf++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(&mac, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	lc->net.stats.neigh_hit++;
	sl_port_tx(lc, port, m);
}

/* Split m (no DF) into fragments that fit the port's MTU and send them. */
static void
fragment_output(struct sl_lcore *lc, const struct sl_port *port, uint32_t nexthop,
		struct rte_mbuf *m)
{
	struct rte_mbuf *frags[RTE_LIBRTE_IP_FRAG_MAX_FRAG * 4];
	const struct rte_ipv4_hdr *hdr = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	int32_t i, n;

	if (hdr->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) {
		lc->net.stats.ip_out_too_big++;
		rte_pktmbuf_free(m);
		return;
	}
	n = rte_ipv4_fragment_packet(m, frags, RTE_DIM(frags), port->mtu, sl_port_ctl_pool(),
			net_indirect_pool);
	rte_pktmbuf_free(m);
	if (n < 0) {
		lc->net.stats.no_mbuf++;
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(frags[i], struct rte_ipv4_hdr *);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = (uint16_t)~net_ipv4_hdr_sum(ip, rte_ipv4_hdr_len(ip));
		lc->net.stats.ip_frag_out++;
		net_eth_output(lc, port, nexthop, frags[i]);
	}
}

#define NET_GSO_SEGS_MAX 128

static void route_output(struct sl_lcore *lc, const struct sl_port *port, uint32_t nexthop,
		struct rte_mbuf *m);

/* Cut a TSO segment for a port without TSO (a route changed, or a received
 * super-segment forwarded) into MSS-sized segments, as the port would have:
 * DPDK's GSO copies the headers and points at the payload. */
static void
gso_output(struct sl_lcore *lc, const struct sl_port *port, uint32_t nexthop,
		struct rte_mbuf *m)
{
	struct rte_gso_ctx ctx = { .direct_pool = sl_port_ctl_pool(),
		.indirect_pool = net_indirect_pool, .gso_types = RTE_ETH_TX_OFFLOAD_TCP_TSO,
		.gso_size = (uint16_t)RTE_MIN((uint32_t)port->mtu,
				(uint32_t)m->l3_len + m->l4_len + m->tso_segsz) };
	struct rte_mbuf *segs[NET_GSO_SEGS_MAX];
	int i, n;

	m->l2_len = 0; /* not prepended yet */
	n = rte_gso_segment(m, &ctx, segs, RTE_DIM(segs));
	if (n != 1)
		rte_pktmbuf_free(m); /* the segments hold what they need of it */
	if (n < 0) {
		lc->net.stats.ip_out_gso_failed++;
		return;
	}
	lc->net.stats.ip_out_gso++;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *seg = segs[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(seg, struct rte_ipv4_hdr *);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ip + seg->l3_len);

		/* GSO leaves the sums to us; each segment's pseudo-header
		 * sum now includes its own length */
		seg->l2_len = RTE_ETHER_HDR_LEN;
		seg->ol_flags = (seg->ol_flags & ~RTE_MBUF_F_TX_TCP_SEG) | RTE_MBUF_F_TX_IPV4 |
			RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		ip->hdr_checksum = 0;
		th->cksum = rte_ipv4_phdr_cksum(ip, 0);
		route_output(lc, port, nexthop, seg);
	}
}

/* Send m (at its IPv4 header) towards nexthop on port. */
static void
route_output(struct sl_lcore *lc, const struct sl_port *port, uint32_t nexthop,
		struct rte_mbuf *m)
{
	/* A TSO segment is cut to the MTU by the port; fragments of others
	 * cannot have their L4 sum done by it. */
	bool frag = m->pkt_len > port->mtu && !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG);

	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG && !(port->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
		gso_output(lc, port, nexthop, m);
		return;
	}
	if (m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK)
		net_tx_cksum_finish(port, m, frag);
	if (frag)
		fragment_output(lc, port, nexthop, m);
	else
		net_eth_output(lc, port, nexthop, m);
}

void
net_ipv4_output(struct sl_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	const struct net_nexthop *nh = net_route_lookup(ip->dst_addr);

	if (nh == NULL) {
		lc->net.stats.ip_out_no_route++;
		rte_pktmbuf_free(m);
		return;
	}
	route_output(lc, sl_port_get(nh->port), nh->gateway ? nh->gateway : ip->dst_addr, m);
}

/* The largest packet m puts on the wire: a received super-segment (LRO)
 * stands for segments of its senders' MSS. */
static uint32_t
wire_length(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	const struct rte_tcp_hdr *th;
	uint32_t ihl = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;

	if (!(m->ol_flags & RTE_MBUF_F_RX_LRO) || ip->next_proto_id != IPPROTO_TCP)
		return m->pkt_len;
	th = (const struct rte_tcp_hdr *)((const char *)ip + ihl);
	return RTE_MIN(m->pkt_len, ihl + (th->data_off >> 4) * 4u + m->tso_segsz);
}

/* Forward a received super-segment whole: the output port cuts it again
 * into its senders' segments (TSO), or net does (GSO), as Linux does with
 * what GRO merged (forward() has checked that they fit the egress MTU).
 * The pseudo-header sum goes in without the length, as DPDK's TSO wants. */
static void
lro_to_tso(struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	struct rte_tcp_hdr *th;

	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	th = (struct rte_tcp_hdr *)((char *)ip + m->l3_len);
	m->l4_len = (th->data_off >> 4) * 4u;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM |
		RTE_MBUF_F_TX_TCP_SEG;
	ip->hdr_checksum = 0;
	th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
}

static void
forward(struct sl_lcore *lc, const struct sl_port *in, struct rte_mbuf *m,
		struct rte_ipv4_hdr *ip)
{
	struct sl_net_stats *st = &lc->net.stats;
	const struct net_nexthop *nh;
	const struct sl_port *out;
	uint32_t sum;

	if (!sl_net_conf.ip_forward) {
		st->ip_not_forwarding++;
		goto drop;
	}
	if (ip->time_to_live <= 1) {
		st->ip_ttl_exceeded++;
		net_icmp_error(lc, in, m, ICMP_TIME_EXCEEDED, 0, 0);
		goto drop;
	}
	nh = net_route_lookup(ip->dst_addr);
	if (nh == NULL) {
		st->ip_no_route++;
		net_icmp_error(lc, in, m, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, 0);
		goto drop;
	}
	out = sl_port_get(nh->port);
	if (wire_length(m, ip) > out->mtu &&
			(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
		st->ip_frag_needed++;
		net_icmp_error(lc, in, m, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, out->mtu);
		goto drop;
	}
	if (m->ol_flags & RTE_MBUF_F_RX_LRO && ip->next_proto_id == IPPROTO_TCP) {
		lro_to_tso(m, ip);
		st->ip_fwd_lro++;
	} else if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_NONE &&
			(ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP)) {
		/* Received with its L4 checksum left partial (a local sender
		 * on an offloading link): the output port, or net, completes it. */
		m->l2_len = RTE_ETHER_HDR_LEN;
		m->l3_len = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | (ip->next_proto_id == IPPROTO_TCP ?
				RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM);
	}
	ip->time_to_live--;
	if (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM)) {
		/* RFC 1624 incremental update for TTL - 1. */
		sum = (uint32_t)ip->hdr_checksum + RTE_BE16(0x0100);
		ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
	}
	st->ip_forwarded++;
	route_output(lc, out, nh->gateway ? nh->gateway : ip->dst_addr, m);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* Transport handlers, registered before workers start, read-only after. */
static sl_net_l4_input_t l4_input[UINT8_MAX + 1];

int
sl_net_register_l4(uint8_t proto, sl_net_l4_input_t fn)
{
	if (proto == IPPROTO_ICMP || l4_input[proto] != NULL)
		return -EEXIST;
	l4_input[proto] = fn;
	return 0;
}

void
sl_net_output(struct sl_lcore *lc, struct rte_mbuf *m)
{
	net_ipv4_output(lc, m);
}

bool
sl_net_is_local(uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < sl_ports_conf.n_ports; i++)
		if (sl_ports_conf.list[i].address.addr == addr)
			return true;
	return false;
}

const struct sl_port *
sl_net_route_port(uint32_t dst)
{
	const struct net_nexthop *nh = net_route_lookup(dst);

	return nh == NULL ? NULL : sl_port_get(nh->port);
}

uint16_t
sl_net_route_mtu(uint32_t dst)
{
	const struct sl_port *p = sl_net_route_port(dst);

	return p == NULL ? 0 : p->mtu;
}

static void
deliver(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m, uint16_t ihl)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	if (ip->next_proto_id == IPPROTO_ICMP) {
		net_icmp_input(lc, port, m, ihl);
		return;
	}
	if (l4_input[ip->next_proto_id] != NULL) {
		l4_input[ip->next_proto_id](lc, port, m, ihl);
		return;
	}
	switch (ip->next_proto_id) {
	default:
		lc->net.stats.ip_proto_unhandled++;
		net_icmp_error(lc, port, m, ICMP_DEST_UNREACH,
				ip->next_proto_id == IPPROTO_UDP ? ICMP_PORT_UNREACH :
				ICMP_PROT_UNREACH, 0);
		rte_pktmbuf_free(m);
		return;
	}
}

static void
reassemble(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m, uint16_t ihl)
{
	struct sl_net_stats *st = &lc->net.stats;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_mbuf *whole;

	st->ip_frag_in++;
	if (!sl_net_conf.frag.reassemble) {
		st->ip_frag_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	m->l2_len = 0;
	m->l3_len = ihl;
	whole = rte_ipv4_frag_reassemble_packet(lc->net.frag_tbl, &lc->net.death_row, m,
			lc->now, ip);
	if (whole == NULL)
		return; /* kept for later, or on the death row (counted when freed) */
	st->ip_reassembled++;
	ip = rte_pktmbuf_mtod(whole, struct rte_ipv4_hdr *);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~net_ipv4_hdr_sum(ip, rte_ipv4_hdr_len(ip));
	deliver(lc, port, whole, ihl);
}

void
net_ipv4_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m)
{
	struct sl_net_stats *st = &lc->net.stats;
	struct rte_ipv4_hdr *ip;
	uint16_t ihl, total;

	st->ip_in++;
	if (unlikely(m->data_len < sizeof(*ip))) {
		st->ip_short++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		st->ip_bad_version++;
		goto drop;
	}
	ihl = (uint16_t)((ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER);
	if (unlikely(ihl < sizeof(*ip) || ihl > m->data_len)) {
		st->ip_bad_ihl++;
		goto drop;
	}
	total = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(total < ihl || total > m->pkt_len)) {
		st->ip_bad_len++;
		goto drop;
	}
	if (unlikely(!header_cksum_ok(m, ip, ihl))) {
		st->ip_bad_cksum++;
		goto drop;
	}
	if (unlikely(ip->time_to_live == 0)) {
		st->ip_ttl_zero++;
		goto drop;
	}
	if (unlikely(martian_source(ip->src_addr))) {
		st->ip_bad_src++;
		goto drop;
	}
	/* Drop link-layer padding so lengths below are the datagram's. */
	if (m->pkt_len > total)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - total));

	if (net_addr_local(ip->dst_addr) >= 0) {
		if (rte_ipv4_frag_pkt_is_fragmented(ip)) {
			reassemble(lc, port, m, ihl);
			return;
		}
		st->ip_local++;
		deliver(lc, port, m, ihl);
		return;
	}
	if (net_addr_broadcast(ip->dst_addr)) {
		st->ip_broadcast++;
		goto drop;
	}
	forward(lc, port, m, ip);
	return;
drop:
	rte_pktmbuf_free(m);
}
