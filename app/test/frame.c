/* SPDX-License-Identifier: BSD-3-Clause */
/* test/frame: frame builders; see sl_test_frame.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>

#include "sl_port.h"
#include "sl_test_frame.h"

static struct rte_mbuf *
alloc_or_die(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());

	if (m == NULL) {
		fprintf(stderr, "test frame: mbuf pool empty (%u in use): a leak\n",
				rte_mempool_in_use_count(sl_port_pool()));
		abort();
	}
	return m;
}

struct rte_mbuf *
sl_test_frame(uint16_t len)
{
	struct rte_mbuf *m = alloc_or_die();

	if (rte_pktmbuf_append(m, len) == NULL) {
		fprintf(stderr, "test frame: %u bytes do not fit an mbuf\n", len);
		abort();
	}
	memset(rte_pktmbuf_mtod(m, void *), 0, len);
	return m;
}

struct rte_mbuf *
sl_test_frame_from(const uint8_t *data, size_t len, const uint32_t *splits, unsigned int n_splits)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	size_t off = 0;
	unsigned int s = 0;

	do {
		struct rte_mbuf *m = alloc_or_die();
		size_t end = len;
		char *p;

		while (s < n_splits && splits[s] <= off)
			s++;
		if (s < n_splits && splits[s] < end)
			end = splits[s];
		if (end - off > rte_pktmbuf_tailroom(m))
			end = off + rte_pktmbuf_tailroom(m);
		p = rte_pktmbuf_append(m, (uint16_t)(end - off));
		if (end > off)
			memcpy(p, data + off, end - off);
		off = end;
		if (head == NULL) {
			head = tail = m;
		} else {
			tail->next = m;
			tail = m;
			head->nb_segs++;
			head->pkt_len += m->data_len;
		}
	} while (off < len);
	return head;
}

void
sl_test_eth(struct rte_ether_hdr *eth, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t type)
{
	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(type);
}

void
sl_test_ipv4(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint8_t ttl, uint8_t proto,
		uint16_t total, uint16_t id, uint16_t frag)
{
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

uint8_t *
sl_test_eth_ipv4(uint8_t *frame, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint32_t saddr, uint32_t daddr, uint8_t proto,
		uint32_t l4_len)
{
	static uint16_t ip_id;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	sl_test_eth(eth, dst, src, RTE_ETHER_TYPE_IPV4);
	sl_test_ipv4(ip, saddr, daddr, 64, proto, (uint16_t)(sizeof(*ip) + l4_len), ip_id++,
			RTE_IPV4_HDR_DF_FLAG);
	return (uint8_t *)(ip + 1);
}

struct rte_mbuf *
sl_test_arp(const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *sha, uint16_t op,
		uint32_t sip, const struct rte_ether_addr *tha, uint32_t tip, uint16_t pad)
{
	struct rte_mbuf *m = sl_test_frame((uint16_t)(sizeof(struct rte_ether_hdr) +
			sizeof(struct rte_arp_hdr) + pad));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	sl_test_eth(eth, eth_dst, sha, RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(sha, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip;
	rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = tip;
	return m;
}

uint16_t
sl_test_ipv4_cksum(const uint8_t *ip, unsigned int ihl)
{
	return (uint16_t)~rte_raw_cksum(ip, ihl);
}

uint16_t
sl_test_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
	} ph = { src, dst, 0, proto, rte_cpu_to_be_16((uint16_t)len) };
	uint32_t sum = __rte_raw_cksum(&ph, sizeof(ph), 0);
	uint16_t c;

	sum = __rte_raw_cksum(l4, len, sum);
	c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}
