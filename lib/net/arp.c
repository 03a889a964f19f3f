/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/arp: ARP (RFC 826). Workers check frames and hand the relevant ones to
 * the management lcore, which owns the neighbour table: it learns, answers
 * requests for our addresses and sends requests and probes.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "net_priv.h"

#define DEFEND_INTERVAL_S 10

/* When we last defended each port's address (management lcore only). */
static uint64_t last_defence[SL_PORT_MAX];

/* Worker side: validate, keep only what concerns us, pass to management. */
void
net_arp_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m)
{
	struct sl_net_stats *st = &lc->net.stats;
	const struct rte_arp_hdr *arp;
	uint32_t sip, tip;

	st->arp_in++;
	if (m->data_len < sizeof(*arp)) {
		st->arp_malformed++;
		goto drop;
	}
	arp = rte_pktmbuf_mtod(m, const struct rte_arp_hdr *);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
			arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
			arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
			(arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
			 arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY)) ||
			!rte_is_unicast_ether_addr(&arp->arp_data.arp_sha)) {
		st->arp_malformed++;
		goto drop;
	}
	sip = arp->arp_data.arp_sip;
	tip = arp->arp_data.arp_tip;
	/* For us, or news (a reply, a gratuitous ARP) from our subnet. */
	if (tip != port->addr && !(sip != 0 && net_in_subnet(port, sip))) {
		st->arp_ignored++;
		goto drop;
	}
	net_meta(m)->kind = NET_META_ARP;
	net_meta(m)->port = port->index;
	if (rte_ring_mp_enqueue(net_to_mgmt, m) != 0) {
		st->arp_ring_full++;
		goto drop;
	}
	st->arp_to_mgmt++;
	return;
drop:
	rte_pktmbuf_free(m);
}

/* Turn the request in m into our reply and send it. */
static void
reply(const struct sl_port *port, struct rte_mbuf *m)
{
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	struct rte_ether_hdr *eth;

	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - sizeof(*arp)));
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&arp->arp_data.arp_sha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	rte_ether_addr_copy(&port->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = port->addr;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(&arp->arp_data.arp_tha, &eth->dst_addr);
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	net_mgmt_stats.arp_replies_sent++;
	net_mgmt_send(m, port->index);
}

/* Management side: learn and answer. */
void
net_arp_process(struct rte_mbuf *m)
{
	const struct sl_port *port = sl_port_get(net_meta(m)->port);
	const struct rte_arp_hdr *arp = rte_pktmbuf_mtod(m, const struct rte_arp_hdr *);
	uint32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
	bool for_us = tip == port->addr;

	if (sip == port->addr) {
		/* Another host claims our address: defend it, at most once per
		 * DEFEND_INTERVAL (RFC 5227) so two claimants cannot ping-pong. */
		uint64_t now = rte_rdtsc();

		net_mgmt_stats.arp_conflicts++;
		if (now - last_defence[port->index] >= DEFEND_INTERVAL_S * rte_get_tsc_hz() ||
				last_defence[port->index] == 0) {
			last_defence[port->index] = now;
			net_arp_request(port, port->addr, NULL, port->addr);
			net_mgmt_stats.arp_gratuitous_sent++;
		}
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 826: update a known sender; create one only when we are the target. */
	if (sip != 0 && net_in_subnet(port, sip))
		net_neigh_learn(port, sip, &arp->arp_data.arp_sha, for_us);
	if (for_us && arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST))
		reply(port, m);
	else
		rte_pktmbuf_free(m);
}

void
net_arp_request(const struct sl_port *port, uint32_t tip, const struct rte_ether_addr *dst,
		uint32_t sip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_ctl_pool());
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL) {
		net_mgmt_stats.mgmt_no_mbuf++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (dst != NULL)
		rte_ether_addr_copy(dst, &eth->dst_addr);
	else
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&port->mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&port->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = tip;
	net_mgmt_send(m, port->index);
}
