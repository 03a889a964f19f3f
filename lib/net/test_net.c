/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * White-box unit tests of net with real mbufs on two ring PMD ports, no
 * hugepages. Workers are not launched: the test plays the worker (calling
 * sl_net_input / sl_net_worker_poll on worker 0's context) and the management
 * lcore (sl_net_mgmt_poll, net_neigh_timers with a fake clock), and reads the
 * frames a worker would send from its transmit buffers. Every case checks the
 * exact change of every counter.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sl_counters.h"
#include "sl_idle.h"
#include "sl_lcore.h"
#include "sl_net.h"
#include "sl_port.h"
#include "net_priv.h"
#include "sl_test.h"
#include "sl_test_frame.h"
#include "sl_test_stack.h"

/* Addresses are many here: the test library's SL_TEST_IP, short. */
#define IP(a, b, c, d) SL_TEST_IP(a, b, c, d)
#define BROADCAST ((struct rte_ether_addr){ .addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } })

/* Hosts on the subnet of port 0 (198.18.0.0/24) and port 1 (198.19.0.0/24). */
static const struct rte_ether_addr mac_a = { .addr_bytes = { 0x02, 0, 0, 0, 0x18, 0x02 } };
static const struct rte_ether_addr mac_a2 = { .addr_bytes = { 0x02, 0, 0, 0, 0x18, 0x22 } };
static const struct rte_ether_addr mac_c = { .addr_bytes = { 0x02, 0, 0, 0, 0x18, 0x03 } };
static const struct rte_ether_addr mac_e = { .addr_bytes = { 0x02, 0, 0, 0, 0x18, 0x05 } };
static const struct rte_ether_addr mac_b = { .addr_bytes = { 0x02, 0, 0, 0, 0x19, 0x02 } };
static const struct rte_ether_addr mac_x = { .addr_bytes = { 0x02, 0xee, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr mac_zero;

static struct sl_test_stack stack;
static struct sl_lcore *wlc; /* worker 0's context, driven from the main lcore */
static const struct sl_port *p0, *p1;
static uint64_t fake_now;    /* the management lcore's clock for neighbour timers */

/* ---- counters ---- */

struct snap {
	struct sl_net_stats net;
	struct net_mgmt_stats mgmt;
};

static void
snap_take(struct snap *s)
{
	s->net = wlc->net.stats;
	s->mgmt = net_mgmt_stats;
}

/* Every counter moved by exactly what `want` says since `s` (others not at all). */
static int
deltas_ok(const struct snap *s, const struct sl_net_stats *want,
		const struct net_mgmt_stats *mwant, int line)
{
	int bad = 0;

#define CMP(name, marks, desc) \
	if (wlc->net.stats.name - s->net.name != want->name) { \
		fprintf(stderr, "line %d: net %s moved by %" PRIu64 ", want %" PRIu64 "\n", \
				line, #name, wlc->net.stats.name - s->net.name, want->name); \
		bad = 1; \
	}
	SL_NET_COUNTERS(CMP)
#undef CMP
#define CMP(name, marks, desc) \
	if (net_mgmt_stats.name - s->mgmt.name != mwant->name) { \
		fprintf(stderr, "line %d: mgmt %s moved by %" PRIu64 ", want %" PRIu64 "\n", \
				line, #name, net_mgmt_stats.name - s->mgmt.name, mwant->name); \
		bad = 1; \
	}
	NET_MGMT_COUNTERS(CMP)
#undef CMP
	return bad ? -1 : 0;
}

#define CHECK_DELTAS(s, w, mw) SL_CHECK(deltas_ok((s), (w), (mw), __LINE__) == 0)

/* ---- frames ---- */

static uint8_t
pattern(unsigned int i, uint16_t seq)
{
	return (uint8_t)(i * 7 + seq);
}

/* Write an ICMP echo (type) with `len` bytes of pattern payload at icmp. */
static void
icmp_fill(struct rte_icmp_hdr *icmp, uint8_t type, uint16_t ident, uint16_t seq, uint16_t len)
{
	uint8_t *data = (uint8_t *)(icmp + 1);
	unsigned int i;

	icmp->icmp_type = type;
	icmp->icmp_code = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(ident);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (i = 0; i < len; i++)
		data[i] = pattern(i, seq);
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, sizeof(*icmp) + len);
}

/* An ICMP echo request from src (MAC smac) to dst, with `pad` bytes of link padding. */
static struct rte_mbuf *
echo_frame(const struct rte_ether_addr *dmac, const struct rte_ether_addr *smac, uint32_t src,
		uint32_t dst, uint16_t seq, uint16_t len, uint16_t pad)
{
	uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr) +
			len);
	struct rte_mbuf *m = sl_test_frame((uint16_t)(sizeof(struct rte_ether_hdr) + total + pad));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	sl_test_eth(eth, dmac, smac, RTE_ETHER_TYPE_IPV4);
	icmp_fill((struct rte_icmp_hdr *)(ip + 1), RTE_IP_ICMP_ECHO_REQUEST, 0x5151, seq, len);
	sl_test_ipv4(ip, src, dst, 64, IPPROTO_ICMP, total, seq, 0);
	return m;
}

/* A UDP datagram of `len` payload bytes (checksum 0) from src to dst. */
static struct rte_mbuf *
udp_frame(const struct rte_ether_addr *dmac, const struct rte_ether_addr *smac, uint32_t src,
		uint32_t dst, uint8_t ttl, uint16_t len, uint16_t frag)
{
	uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + 8 + len);
	struct rte_mbuf *m = sl_test_frame((uint16_t)(sizeof(struct rte_ether_hdr) + total));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	uint8_t *udp = (uint8_t *)(ip + 1);
	unsigned int i;

	sl_test_eth(eth, dmac, smac, RTE_ETHER_TYPE_IPV4);
	udp[0] = 0x30;
	udp[1] = 0x39;
	udp[2] = 0x00;
	udp[3] = 0x35;
	udp[4] = (uint8_t)((8 + len) >> 8);
	udp[5] = (uint8_t)(8 + len);
	for (i = 0; i < len; i++)
		udp[8 + i] = pattern(i, 99);
	sl_test_ipv4(ip, src, dst, ttl, IPPROTO_UDP, total, 4242, frag);
	return m;
}

static struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

static void
input(const struct sl_port *port, struct rte_mbuf *m)
{
	sl_net_input(wlc, port, &m, 1);
}

/* Move the frames worker 0 buffered for `port` into out[] (the test frees them). */
static unsigned int
take_tx(const struct sl_port *port, struct rte_mbuf **out, unsigned int max)
{
	struct sl_port_txbuf *b = &wlc->port.tx[port->index];
	unsigned int i, n = b->n;

	for (i = 0; i < n; i++) {
		if (i < max)
			out[i] = b->pkts[i];
		else
			rte_pktmbuf_free(b->pkts[i]);
	}
	b->n = 0;
	return n;
}

static void
free_all(struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
}

/* Advance the management clock and run the neighbour timers. */
static void
tick_ms(unsigned int ms)
{
	fake_now += rte_get_tsc_hz() / 1000 * ms;
	net_neigh_timers(fake_now);
}

static bool
same_mac(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return rte_is_same_ether_addr(a, b);
}

/* m is the ARP frame described by the arguments (42 bytes, no padding). */
static int
check_arp(struct rte_mbuf *m, const struct rte_ether_addr *eth_dst,
		const struct rte_ether_addr *eth_src, uint16_t op,
		const struct rte_ether_addr *sha, uint32_t sip, const struct rte_ether_addr *tha,
		uint32_t tip)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);

	SL_CHECK_EQ(m->pkt_len, sizeof(*eth) + sizeof(*arp));
	SL_CHECK_EQ(m->data_len, m->pkt_len);
	SL_CHECK(same_mac(&eth->dst_addr, eth_dst));
	SL_CHECK(same_mac(&eth->src_addr, eth_src));
	SL_CHECK_EQ(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_ARP));
	SL_CHECK_EQ(arp->arp_hardware, RTE_BE16(RTE_ARP_HRD_ETHER));
	SL_CHECK_EQ(arp->arp_protocol, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	SL_CHECK_EQ(arp->arp_hlen, RTE_ETHER_ADDR_LEN);
	SL_CHECK_EQ(arp->arp_plen, 4);
	SL_CHECK_EQ(arp->arp_opcode, rte_cpu_to_be_16(op));
	SL_CHECK(same_mac(&arp->arp_data.arp_sha, sha));
	SL_CHECK_EQ(arp->arp_data.arp_sip, sip);
	SL_CHECK(same_mac(&arp->arp_data.arp_tha, tha));
	SL_CHECK_EQ(arp->arp_data.arp_tip, tip);
	return 0;
}

/* m is our echo reply to echo_frame(.., src, dst, seq, len, ..), sent to dmac. */
static int
check_echo_reply(struct rte_mbuf *m, const struct sl_port *port,
		const struct rte_ether_addr *dmac, uint32_t src, uint32_t dst, uint16_t seq,
		uint16_t len)
{
	static uint8_t buf[RTE_MBUF_DEFAULT_BUF_SIZE];
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_icmp_hdr *icmp;
	const uint8_t *data;
	unsigned int i;

	SL_CHECK_EQ(m->pkt_len, sizeof(*eth) + sizeof(*ip) + sizeof(*icmp) + len);
	SL_CHECK(m->pkt_len <= sizeof(buf));
	eth = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	icmp = (const struct rte_icmp_hdr *)(ip + 1);
	data = (const uint8_t *)(icmp + 1);
	SL_CHECK(same_mac(&eth->dst_addr, dmac));
	SL_CHECK(same_mac(&eth->src_addr, &port->mac));
	SL_CHECK_EQ(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	SL_CHECK_EQ(ip->version_ihl, RTE_IPV4_VHL_DEF);
	SL_CHECK_EQ(rte_be_to_cpu_16(ip->total_length), sizeof(*ip) + sizeof(*icmp) + len);
	SL_CHECK_EQ(ip->fragment_offset, 0);
	SL_CHECK_EQ(ip->next_proto_id, IPPROTO_ICMP);
	SL_CHECK(ip->time_to_live > 0);
	SL_CHECK_EQ(ip->src_addr, dst);
	SL_CHECK_EQ(ip->dst_addr, src);
	SL_CHECK_EQ(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	SL_CHECK_EQ(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	SL_CHECK_EQ(icmp->icmp_code, 0);
	SL_CHECK_EQ(rte_raw_cksum(icmp, sizeof(*icmp) + len), 0xffff);
	SL_CHECK_EQ(icmp->icmp_ident, RTE_BE16(0x5151));
	SL_CHECK_EQ(icmp->icmp_seq_nb, rte_cpu_to_be_16(seq));
	for (i = 0; i < len; i++)
		if (data[i] != pattern(i, seq))
			SL_CHECK_EQ(data[i], pattern(i, seq));
	return 0;
}

/* Every mbuf is back in its pool (none held by a ring, a table or a buffer). */
static int
pools_full(void)
{
	unsigned int avail = rte_mempool_avail_count(sl_port_pool());

	SL_CHECK_EQ(avail, sl_port_pool()->size);
	SL_CHECK_EQ(rte_mempool_avail_count(net_indirect_pool), net_indirect_pool->size);
	return 0;
}

/* ---- ARP ---- */

/* A request for our address is answered (via management and the control
 * ring) with our MAC, and teaches us the requester. */
static int
test_arp_request(void)
{
	struct sl_net_stats w = { .rx_frames = 1, .arp_in = 1, .arp_to_mgmt = 1, .ctrl_tx = 1 };
	struct net_mgmt_stats mw = { .arp_replies_sent = 1, .neigh_created = 1,
		.neigh_confirmed = 1 };
	struct rte_ether_addr mac;
	struct rte_mbuf *out[4];
	struct snap s;

	SL_CHECK(!net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	snap_take(&s);
	/* padded to the Ethernet minimum: the reply must not carry the padding */
	input(p0, sl_test_arp(&BROADCAST, &mac_a, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2),
			&mac_zero, IP(198, 18, 0, 1), 18));
	SL_CHECK_EQ(wlc->port.tx[0].n, 0);
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(wlc->port.tx[0].n, 0);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(take_tx(p1, out + 1, RTE_DIM(out) - 1), 0);
	SL_CHECK_EQ(check_arp(out[0], &mac_a, &p0->mac, RTE_ARP_OP_REPLY, &p0->mac,
			IP(198, 18, 0, 1), &mac_a, IP(198, 18, 0, 2)), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK(same_mac(&mac, &mac_a));

	/* asked again (unicast): answered, the entry only confirmed */
	mw.neigh_created = 0;
	snap_take(&s);
	input(p0, sl_test_arp(&p0->mac, &mac_a, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2),
			&mac_zero, IP(198, 18, 0, 1), 0));
	sl_net_mgmt_poll();
	sl_net_worker_poll(wlc);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &mac_a, &p0->mac, RTE_ARP_OP_REPLY, &p0->mac,
			IP(198, 18, 0, 1), &mac_a, IP(198, 18, 0, 2)), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

/* ARP neither for us nor from our subnets is ignored; news from our subnet
 * goes to management but creates no entry; malformed ARP is dropped. */
static int
test_arp_ignored_malformed(void)
{
	struct sl_net_stats w = { .rx_frames = 1, .arp_in = 1, .arp_ignored = 1 };
	struct net_mgmt_stats mw = { 0 };
	struct rte_ether_addr mac;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	struct snap s;

	/* for 198.18.0.99 from 198.19.200.5 (no subnet of port 0) */
	snap_take(&s);
	input(p0, sl_test_arp(&BROADCAST, &mac_x, RTE_ARP_OP_REQUEST, IP(198, 19, 200, 5),
			&mac_zero, IP(198, 18, 0, 99), 18));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 0);
	CHECK_DELTAS(&s, &w, &mw);
	/* a request for 198.19.0.1 (port 1's address) arriving on port 0 */
	snap_take(&s);
	input(p0, sl_test_arp(&BROADCAST, &mac_x, RTE_ARP_OP_REQUEST, IP(198, 19, 200, 5),
			&mac_zero, IP(198, 19, 0, 1), 0));
	CHECK_DELTAS(&s, &w, &mw);

	/* for 198.18.0.99 from our subnet: examined, but not learnt (RFC 826) */
	w = (struct sl_net_stats){ .rx_frames = 1, .arp_in = 1, .arp_to_mgmt = 1 };
	snap_take(&s);
	input(p0, sl_test_arp(&BROADCAST, &mac_e, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 7), &mac_zero,
			IP(198, 18, 0, 99), 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 0);
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(!net_neigh_lookup(IP(198, 18, 0, 7), &mac));
	/* a reply to us from outside our subnet: not learnt, not answered */
	snap_take(&s);
	input(p0, sl_test_arp(&p0->mac, &mac_x, RTE_ARP_OP_REPLY, IP(10, 0, 0, 5), &p0->mac,
			IP(198, 18, 0, 1), 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 0);
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(!net_neigh_lookup(IP(10, 0, 0, 5), &mac));

	w = (struct sl_net_stats){ .rx_frames = 1, .arp_in = 1, .arp_malformed = 1 };
	/* shorter than an ARP header */
	snap_take(&s);
	m = sl_test_arp(&BROADCAST, &mac_a, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2), &mac_zero,
			IP(198, 18, 0, 1), 0);
	rte_pktmbuf_trim(m, 1);
	input(p0, m);
	CHECK_DELTAS(&s, &w, &mw);
	/* hardware address length 8 */
	snap_take(&s);
	m = sl_test_arp(&BROADCAST, &mac_a, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2), &mac_zero,
			IP(198, 18, 0, 1), 0);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	arp->arp_hlen = 8;
	input(p0, m);
	CHECK_DELTAS(&s, &w, &mw);
	/* opcode 3 (RARP) */
	snap_take(&s);
	m = sl_test_arp(&BROADCAST, &mac_a, 3, IP(198, 18, 0, 2), &mac_zero, IP(198, 18, 0, 1), 0);
	input(p0, m);
	CHECK_DELTAS(&s, &w, &mw);
	/* protocol not IPv4 */
	snap_take(&s);
	m = sl_test_arp(&BROADCAST, &mac_a, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2), &mac_zero,
			IP(198, 18, 0, 1), 0);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	input(p0, m);
	CHECK_DELTAS(&s, &w, &mw);
	/* broadcast sender hardware address */
	snap_take(&s);
	m = sl_test_arp(&BROADCAST, &BROADCAST, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2), &mac_zero,
			IP(198, 18, 0, 1), 0);
	input(p0, m);
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK_EQ(sl_net_mgmt_poll(), 0);
	SL_CHECK_EQ(wlc->port.tx[0].n, 0);
	return pools_full();
}

/* Another host claiming our address makes us defend it with a gratuitous ARP. */
static int
test_arp_conflict(void)
{
	struct sl_net_stats w = { .rx_frames = 1, .arp_in = 1, .arp_to_mgmt = 1, .ctrl_tx = 1 };
	struct net_mgmt_stats mw = { .arp_conflicts = 1, .arp_gratuitous_sent = 1 };
	struct rte_mbuf *out[4];
	struct snap s;

	snap_take(&s);
	input(p0, sl_test_arp(&BROADCAST, &mac_x, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 1), &mac_zero,
			IP(198, 18, 0, 1), 18));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &BROADCAST, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 1)), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

/* The worker's cached MAC for ip, what Ethernet output uses, is want. */
static bool
cached_is(uint32_t ip, const struct rte_ether_addr *want)
{
	struct rte_ether_addr mac;

	return net_neigh_cached(&wlc->net, ip, &mac) && same_mac(&mac, want);
}

/* Ageing: a confirmed neighbour is probed by unicast after reachable_ms,
 * removed after `probes` unanswered probes; an answered probe keeps it; a
 * neighbour that never answers is given up with its held frames. The
 * worker's cache follows each change. */
static int
test_arp_ageing(void)
{
	struct sl_net_stats w = { .ctrl_tx = 1 };
	struct net_mgmt_stats mw = { .arp_probes_sent = 1 };
	struct rte_ether_addr mac;
	struct rte_mbuf *out[4];
	unsigned int i;
	struct snap s;

	/* 198.18.0.2, learnt by test_arp_request, is the only entry; the
	 * worker's cache now holds it too */
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK(cached_is(IP(198, 18, 0, 2), &mac_a));
	snap_take(&s);
	tick_ms(1000); /* past reachable_ms: first probe */
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &mac_a, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 2)), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac)); /* still usable while probing */

	snap_take(&s);
	tick_ms(50); /* before retrans_ms: nothing */
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 0);
	w = (struct sl_net_stats){ 0 };
	mw = (struct net_mgmt_stats){ 0 };
	CHECK_DELTAS(&s, &w, &mw);

	snap_take(&s);
	tick_ms(50); /* second probe */
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &mac_a, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 2)), 0);
	free_all(out, 1);
	w = (struct sl_net_stats){ .ctrl_tx = 1 };
	mw = (struct net_mgmt_stats){ .arp_probes_sent = 1 };
	CHECK_DELTAS(&s, &w, &mw);

	snap_take(&s);
	tick_ms(100); /* `probes` (2) unanswered: removed */
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 0);
	w = (struct sl_net_stats){ 0 };
	mw = (struct net_mgmt_stats){ .neigh_expired = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(!net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK(!net_neigh_cached(&wlc->net, IP(198, 18, 0, 2), &mac));

	/* learn it again; this time the probe is answered (from a new MAC) */
	input(p0, sl_test_arp(&BROADCAST, &mac_a, RTE_ARP_OP_REQUEST, IP(198, 18, 0, 2),
			&mac_zero, IP(198, 18, 0, 1), 0));
	sl_net_mgmt_poll();
	sl_net_worker_poll(wlc);
	free_all(out, take_tx(p0, out, RTE_DIM(out)));
	SL_CHECK(cached_is(IP(198, 18, 0, 2), &mac_a));
	snap_take(&s);
	tick_ms(100);
	sl_net_worker_poll(wlc);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	free_all(out, 1);
	input(p0, sl_test_arp(&p0->mac, &mac_a2, RTE_ARP_OP_REPLY, IP(198, 18, 0, 2), &p0->mac,
			IP(198, 18, 0, 1), 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK(same_mac(&mac, &mac_a2));
	SL_CHECK(cached_is(IP(198, 18, 0, 2), &mac_a2));
	/*
	 * The answer confirmed it at the real time, far behind the fake clock,
	 * so it is probed again at once; still, where the unanswered entry was
	 * removed, this one stays.
	 */
	tick_ms(100);
	tick_ms(100);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 2);
	free_all(out, take_tx(p0, out, RTE_DIM(out)));
	w = (struct sl_net_stats){ .rx_frames = 1, .arp_in = 1, .arp_to_mgmt = 1, .ctrl_tx = 3 };
	mw = (struct net_mgmt_stats){ .arp_probes_sent = 3, .neigh_confirmed = 1,
		.neigh_mac_changed = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	/* answered again, with the first MAC, which later tests expect */
	input(p0, sl_test_arp(&p0->mac, &mac_a, RTE_ARP_OP_REPLY, IP(198, 18, 0, 2), &p0->mac,
			IP(198, 18, 0, 1), 0));
	sl_net_mgmt_poll();
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK(same_mac(&mac, &mac_a));
	SL_CHECK(cached_is(IP(198, 18, 0, 2), &mac_a));

	/* 198.18.0.5 never answers: `probes` broadcast requests, then given up */
	snap_take(&s);
	input(p0, echo_frame(&p0->mac, &mac_e, IP(198, 18, 0, 5), IP(198, 18, 0, 1), 1, 8, 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &BROADCAST, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 5)), 0);
	free_all(out, 1);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_local = 1, .icmp_in = 1,
		.icmp_echo_replied = 1, .neigh_to_mgmt = 1, .ctrl_tx = 1 };
	mw = (struct net_mgmt_stats){ .arp_requests_sent = 1, .neigh_created = 1,
		.neigh_held = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(!net_neigh_lookup(IP(198, 18, 0, 5), &mac));
	/*
	 * Next retrans: a second request for .5, and (its last answer being at
	 * the real time) a probe for .2, which is answered; then .5 is given up
	 * with its held echo reply, while .2 is only probed again.
	 */
	snap_take(&s);
	tick_ms(100);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 2);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 2);
	/* one each, in the table's order */
	i = rte_pktmbuf_mtod_offset(out[0], struct rte_arp_hdr *,
			sizeof(struct rte_ether_hdr))->arp_data.arp_tip == IP(198, 18, 0, 5) ?
		0 : 1;
	SL_CHECK_EQ(check_arp(out[i], &BROADCAST, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 5)), 0);
	SL_CHECK_EQ(check_arp(out[1 - i], &mac_a, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 2)), 0);
	free_all(out, 2);
	input(p0, sl_test_arp(&p0->mac, &mac_a, RTE_ARP_OP_REPLY, IP(198, 18, 0, 2), &p0->mac,
			IP(198, 18, 0, 1), 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	tick_ms(100);
	SL_CHECK(!net_neigh_lookup(IP(198, 18, 0, 5), &mac));
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &mac_a, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 2)), 0);
	free_all(out, 1);
	/* answer .2's probe so it stays for the tests below */
	input(p0, sl_test_arp(&p0->mac, &mac_a, RTE_ARP_OP_REPLY, IP(198, 18, 0, 2), &p0->mac,
			IP(198, 18, 0, 1), 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	w = (struct sl_net_stats){ .rx_frames = 2, .arp_in = 2, .arp_to_mgmt = 2, .ctrl_tx = 3 };
	mw = (struct net_mgmt_stats){ .arp_requests_sent = 1, .arp_probes_sent = 2,
		.neigh_confirmed = 2, .neigh_failed = 1, .neigh_unresolved = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 2), &mac));
	SL_CHECK(same_mac(&mac, &mac_a));
	/* The held frame of the removed entry of .5 is freed at removal. */
	return pools_full();
}

/* An echo from a host whose MAC we do not know: the reply waits at the
 * management lcore, which broadcasts an ARP request; the answer releases it. */
static int
test_resolve(void)
{
	struct sl_net_stats w = { .rx_frames = 5, .ip_in = 5, .ip_local = 5, .icmp_in = 5,
		.icmp_echo_replied = 5, .neigh_to_mgmt = 5, .ctrl_tx = 1 };
	struct net_mgmt_stats mw = { .arp_requests_sent = 1, .neigh_created = 1,
		.neigh_held = 4, .neigh_hold_full = 1 };
	struct rte_ether_addr mac;
	struct rte_mbuf *out[8];
	struct snap s;
	uint16_t seq;

	snap_take(&s);
	/* five echoes while unresolved: pending_max (4) held, one dropped */
	for (seq = 1; seq <= 5; seq++)
		input(p0, echo_frame(&p0->mac, &mac_c, IP(198, 18, 0, 3), IP(198, 18, 0, 1), seq,
				32, 0));
	SL_CHECK_EQ(wlc->port.tx[0].n, 0);
	SL_CHECK_EQ(sl_net_mgmt_poll(), 5);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &BROADCAST, &p0->mac, RTE_ARP_OP_REQUEST, &p0->mac,
			IP(198, 18, 0, 1), &mac_zero, IP(198, 18, 0, 3)), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(!net_neigh_lookup(IP(198, 18, 0, 3), &mac));

	/* the answer releases the held replies, in order */
	snap_take(&s);
	input(p0, sl_test_arp(&p0->mac, &mac_c, RTE_ARP_OP_REPLY, IP(198, 18, 0, 3), &p0->mac,
			IP(198, 18, 0, 1), 18));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 4);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 4);
	for (seq = 0; seq < 4; seq++)
		SL_CHECK_EQ(check_echo_reply(out[seq], p0, &mac_c, IP(198, 18, 0, 3),
				IP(198, 18, 0, 1), (uint16_t)(seq + 1), 32), 0);
	free_all(out, 4);
	w = (struct sl_net_stats){ .rx_frames = 1, .arp_in = 1, .arp_to_mgmt = 1, .ctrl_tx = 4 };
	mw = (struct net_mgmt_stats){ .neigh_confirmed = 1, .neigh_released = 4 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(net_neigh_lookup(IP(198, 18, 0, 3), &mac));
	SL_CHECK(same_mac(&mac, &mac_c));

	/* now resolved: answered directly by the worker */
	snap_take(&s);
	input(p0, echo_frame(&p0->mac, &mac_c, IP(198, 18, 0, 3), IP(198, 18, 0, 1), 6, 32, 0));
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_c, IP(198, 18, 0, 3), IP(198, 18, 0, 1),
			6, 32), 0);
	free_all(out, 1);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_local = 1, .icmp_in = 1,
		.icmp_echo_replied = 1, .neigh_hit = 1 };
	mw = (struct net_mgmt_stats){ 0 };
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

/* ---- IPv4 and ICMP ---- */

/* An echo is answered with swapped addresses, type 0 and valid checksums,
 * also when the incremental checksum update carries, and without the
 * request's link-layer padding. */
static int
test_icmp_echo(void)
{
	struct sl_net_stats w = { .rx_frames = 1, .ip_in = 1, .ip_local = 1, .icmp_in = 1,
		.icmp_echo_replied = 1, .neigh_hit = 1 };
	struct net_mgmt_stats mw = { 0 };
	struct rte_mbuf *out[4], *m = NULL;
	struct rte_icmp_hdr *icmp;
	struct snap s;
	uint16_t seq;

	snap_take(&s);
	input(p0, echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1), 7, 56, 0));
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
			7, 56), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);

	/* find a request whose checksum makes the 8 -> 0 update carry */
	for (seq = 0; seq < UINT16_MAX; seq++) {
		m = echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1), seq, 0, 0);
		icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *,
				sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
		if ((uint32_t)icmp->icmp_cksum + RTE_BE16(0x0800) > 0xffff)
			break;
		rte_pktmbuf_free(m);
	}
	SL_CHECK(seq < UINT16_MAX);
	snap_take(&s);
	input(p0, m);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
			seq, 0), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);

	/* 10 bytes of Ethernet padding after the datagram */
	snap_take(&s);
	input(p0, echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1), 8, 4, 10));
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
			8, 4), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);

	/* sent to port 1's address through port 0: answered out of port 0 */
	snap_take(&s);
	input(p0, echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 1), 9, 8, 0));
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 0);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 1),
			9, 8), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);

	/* icmp_echo = false: not answered */
	sl_net_conf.icmp_echo = false;
	snap_take(&s);
	input(p0, echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1), 10, 8, 0));
	sl_net_conf.icmp_echo = true;
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 0);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_local = 1, .icmp_in = 1,
		.icmp_ignored = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

enum bad_kind {
	BAD_ETH_SHORT, BAD_IPV6, BAD_VLAN, BAD_OTHER_HOST, BAD_IP_SHORT, BAD_VERSION,
	BAD_IHL_4, BAD_IHL_BIG, BAD_LEN_BIG, BAD_LEN_SMALL, BAD_CKSUM, BAD_TTL_0,
	BAD_SRC_LOOPBACK, BAD_SRC_ZERO, BAD_SRC_MCAST, BAD_SRC_BCAST, BAD_SRC_OURS,
	BAD_DST_SUBNET_BCAST, BAD_DST_BCAST, BAD_DST_MCAST, BAD_ICMP_CKSUM, BAD_ICMP_SHORT,
	BAD_ICMP_TYPE, BAD_PROTO, BAD_COUNT,
};

/* A frame with defect k, built from a valid echo from 198.18.0.2. */
static struct rte_mbuf *
bad_frame(enum bad_kind k)
{
	struct rte_mbuf *m = echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
			100, 8, 0);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	bool recompute = true;

	switch (k) {
	case BAD_ETH_SHORT:
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - 13));
		break;
	case BAD_IPV6:
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		break;
	case BAD_VLAN:
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		break;
	case BAD_OTHER_HOST:
		rte_ether_addr_copy(&mac_x, &eth->dst_addr);
		break;
	case BAD_IP_SHORT:
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - sizeof(*eth) - 19));
		recompute = false;
		break;
	case BAD_VERSION:
		ip->version_ihl = 0x65;
		break;
	case BAD_IHL_4:
		ip->version_ihl = 0x44;
		break;
	case BAD_IHL_BIG:
		ip->version_ihl = 0x4f; /* 60 bytes, the frame holds 36 */
		recompute = false;
		break;
	case BAD_LEN_BIG:
		ip->total_length = RTE_BE16(37);
		break;
	case BAD_LEN_SMALL:
		ip->total_length = RTE_BE16(19);
		break;
	case BAD_CKSUM:
		ip->hdr_checksum ^= 0x0100;
		recompute = false;
		break;
	case BAD_TTL_0:
		ip->time_to_live = 0;
		break;
	case BAD_SRC_LOOPBACK:
		ip->src_addr = IP(127, 0, 0, 1);
		break;
	case BAD_SRC_ZERO:
		ip->src_addr = 0;
		break;
	case BAD_SRC_MCAST:
		ip->src_addr = IP(224, 0, 0, 1);
		break;
	case BAD_SRC_BCAST:
		ip->src_addr = IP(255, 255, 255, 255);
		break;
	case BAD_SRC_OURS:
		ip->src_addr = IP(198, 19, 0, 1);
		break;
	case BAD_DST_SUBNET_BCAST:
		ip->dst_addr = IP(198, 18, 0, 255);
		break;
	case BAD_DST_BCAST:
		ip->dst_addr = IP(255, 255, 255, 255);
		rte_ether_addr_copy(&BROADCAST, &eth->dst_addr);
		break;
	case BAD_DST_MCAST:
		ip->dst_addr = IP(239, 1, 2, 3);
		break;
	case BAD_ICMP_CKSUM:
		icmp->icmp_cksum ^= 0x0001;
		break;
	case BAD_ICMP_SHORT:
		rte_pktmbuf_trim(m, 12);
		ip->total_length = RTE_BE16(24);
		break;
	case BAD_ICMP_TYPE:
		icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
		icmp->icmp_cksum = 0;
		icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 16);
		break;
	case BAD_PROTO:
		ip->next_proto_id = IPPROTO_UDP;
		break;
	case BAD_COUNT:
		break;
	}
	if (recompute) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return m;
}

/* Each malformed or unwanted frame is dropped and counted by its reason only;
 * afterwards a valid echo is still answered. */
static int
test_malformed(void)
{
#define IPW(field) { .rx_frames = 1, .ip_in = 1, .field = 1 }
#define LOCW(field) { .rx_frames = 1, .ip_in = 1, .ip_local = 1, .field = 1 }
#define ICMPW(field) { .rx_frames = 1, .ip_in = 1, .ip_local = 1, .icmp_in = 1, .field = 1 }
	static const struct {
		const char *name;
		struct sl_net_stats want;
	} cases[BAD_COUNT] = {
		[BAD_ETH_SHORT] = { "eth short", { .rx_frames = 1, .eth_short = 1 } },
		[BAD_IPV6] = { "IPv6", { .rx_frames = 1, .eth_type_unknown = 1 } },
		[BAD_VLAN] = { "VLAN", { .rx_frames = 1, .eth_type_unknown = 1 } },
		[BAD_OTHER_HOST] = { "other host", { .rx_frames = 1, .eth_other_host = 1 } },
		[BAD_IP_SHORT] = { "ip short", IPW(ip_short) },
		[BAD_VERSION] = { "version 6", IPW(ip_bad_version) },
		[BAD_IHL_4] = { "ihl 4", IPW(ip_bad_ihl) },
		[BAD_IHL_BIG] = { "ihl beyond frame", IPW(ip_bad_ihl) },
		[BAD_LEN_BIG] = { "total length beyond frame", IPW(ip_bad_len) },
		[BAD_LEN_SMALL] = { "total length below header", IPW(ip_bad_len) },
		[BAD_CKSUM] = { "header checksum", IPW(ip_bad_cksum) },
		[BAD_TTL_0] = { "ttl 0", IPW(ip_ttl_zero) },
		[BAD_SRC_LOOPBACK] = { "source 127.0.0.1", IPW(ip_bad_src) },
		[BAD_SRC_ZERO] = { "source 0.0.0.0", IPW(ip_bad_src) },
		[BAD_SRC_MCAST] = { "source multicast", IPW(ip_bad_src) },
		[BAD_SRC_BCAST] = { "source broadcast", IPW(ip_bad_src) },
		[BAD_SRC_OURS] = { "source ours", IPW(ip_bad_src) },
		[BAD_DST_SUBNET_BCAST] = { "to subnet broadcast", IPW(ip_broadcast) },
		[BAD_DST_BCAST] = { "to broadcast", IPW(ip_broadcast) },
		[BAD_DST_MCAST] = { "to multicast", IPW(ip_broadcast) },
		[BAD_ICMP_CKSUM] = { "icmp checksum", ICMPW(icmp_bad_cksum) },
		[BAD_ICMP_SHORT] = { "icmp short", ICMPW(icmp_short) },
		[BAD_ICMP_TYPE] = { "icmp echo reply", ICMPW(icmp_ignored) },
		[BAD_PROTO] = { "udp to us", LOCW(ip_proto_unhandled) },
	};
#undef IPW
#undef LOCW
#undef ICMPW
	struct sl_net_stats w = { .rx_frames = 1, .ip_in = 1, .ip_local = 1, .icmp_in = 1,
		.icmp_echo_replied = 1, .neigh_hit = 1 };
	struct net_mgmt_stats mw = { 0 };
	struct rte_mbuf *out[4];
	unsigned int k;
	struct snap s;

	for (k = 0; k < BAD_COUNT; k++) {
		snap_take(&s);
		input(p0, bad_frame((enum bad_kind)k));
		SL_CHECK_EQ(sl_net_mgmt_poll(), 0);
		SL_CHECK_EQ(sl_net_worker_poll(wlc), 0);
		SL_CHECK_EQ(wlc->port.tx[0].n + wlc->port.tx[1].n, 0);
		if (deltas_ok(&s, &cases[k].want, &mw, __LINE__) != 0) {
			fprintf(stderr, "case %u: %s\n", k, cases[k].name);
			return -1;
		}
	}
	snap_take(&s);
	input(p0, bad_frame(BAD_COUNT));
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
			100, 8), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

#define FRAG_PAYLOAD 3000
#define FRAG_DGRAM (sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr) + FRAG_PAYLOAD)

/* Fragment `idx` (of 3, 1480 bytes of data each at most) of a big echo request. */
static struct rte_mbuf *
echo_fragment(const uint8_t *dgram, unsigned int idx, uint16_t id)
{
	uint16_t data_len = (uint16_t)(FRAG_DGRAM - sizeof(struct rte_ipv4_hdr));
	uint16_t off = (uint16_t)(idx * 1480);
	uint16_t len = (uint16_t)RTE_MIN(1480, data_len - off);
	struct rte_mbuf *m = sl_test_frame((uint16_t)(sizeof(struct rte_ether_hdr) +
			sizeof(struct rte_ipv4_hdr) + len));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	sl_test_eth(eth, &p0->mac, &mac_a, RTE_ETHER_TYPE_IPV4);
	memcpy(ip + 1, dgram + sizeof(*ip) + off, len);
	sl_test_ipv4(ip, IP(198, 18, 0, 2), IP(198, 18, 0, 1), 64, IPPROTO_ICMP,
			(uint16_t)(sizeof(*ip) + len), id,
			(uint16_t)((off / 8) | (off + len < data_len ? RTE_IPV4_HDR_MF_FLAG : 0)));
	return m;
}

/* Fragments addressed to us are reassembled; the 3028-byte echo reply
 * leaves in fragments that fit MTU 1500. With reassembly off, or when the
 * datagram never completes, fragments are dropped and counted. */
static int
test_fragments(void)
{
	static uint8_t dgram[FRAG_DGRAM], reply[FRAG_DGRAM];
	struct sl_net_stats w = { .rx_frames = 3, .ip_in = 3, .ip_frag_in = 3,
		.ip_reassembled = 1, .icmp_in = 1, .icmp_echo_replied = 1, .ip_frag_out = 3,
		.neigh_hit = 3 };
	struct net_mgmt_stats mw = { 0 };
	static const unsigned int order[] = { 2, 0, 1 };
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)dgram;
	struct rte_mbuf *out[8];
	uint16_t got = 0, id = 0;
	unsigned int i, n;
	struct snap s;

	icmp_fill((struct rte_icmp_hdr *)(ip + 1), RTE_IP_ICMP_ECHO_REQUEST, 0x5151, 33,
			FRAG_PAYLOAD);
	sl_test_ipv4(ip, IP(198, 18, 0, 2), IP(198, 18, 0, 1), 64, IPPROTO_ICMP, FRAG_DGRAM, 0, 0);

	snap_take(&s);
	for (i = 0; i < RTE_DIM(order); i++) {
		input(p0, echo_fragment(dgram, order[i], 0x1001));
		SL_CHECK_EQ(wlc->port.tx[0].n, i + 1 < RTE_DIM(order) ? 0 : 3);
	}
	sl_net_worker_poll(wlc);
	n = take_tx(p0, out, RTE_DIM(out));
	SL_CHECK_EQ(n, 3);
	/* check each fragment, and put the reply back together */
	memset(reply, 0, sizeof(reply));
	for (i = 0; i < n; i++) {
		static uint8_t frame[RTE_MBUF_DEFAULT_BUF_SIZE];
		const struct rte_ether_hdr *eth;
		const struct rte_ipv4_hdr *fip;
		uint16_t total, fo, off;

		SL_CHECK(out[i]->pkt_len <= sizeof(*eth) + p0->mtu);
		eth = rte_pktmbuf_read(out[i], 0, out[i]->pkt_len, frame);
		fip = (const struct rte_ipv4_hdr *)(eth + 1);
		SL_CHECK(same_mac(&eth->dst_addr, &mac_a));
		SL_CHECK(same_mac(&eth->src_addr, &p0->mac));
		SL_CHECK_EQ(rte_raw_cksum(fip, sizeof(*fip)), 0xffff);
		SL_CHECK_EQ(fip->src_addr, IP(198, 18, 0, 1));
		SL_CHECK_EQ(fip->dst_addr, IP(198, 18, 0, 2));
		total = rte_be_to_cpu_16(fip->total_length);
		SL_CHECK_EQ(out[i]->pkt_len, sizeof(*eth) + total);
		fo = rte_be_to_cpu_16(fip->fragment_offset);
		SL_CHECK_EQ(fo & RTE_IPV4_HDR_DF_FLAG, 0);
		SL_CHECK_EQ(!!(fo & RTE_IPV4_HDR_MF_FLAG), i + 1 < n);
		off = (uint16_t)((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8);
		SL_CHECK_EQ(off, got);
		if (i == 0)
			id = fip->packet_id;
		SL_CHECK_EQ(fip->packet_id, id);
		memcpy(reply + sizeof(*fip) + off, fip + 1, total - sizeof(*fip));
		got = (uint16_t)(got + total - sizeof(*fip));
	}
	free_all(out, n);
	SL_CHECK_EQ(got, FRAG_DGRAM - sizeof(*ip));
	{
		const struct rte_icmp_hdr *icmp =
			(const struct rte_icmp_hdr *)(reply + sizeof(*ip));
		const uint8_t *data = (const uint8_t *)(icmp + 1);

		SL_CHECK_EQ(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
		SL_CHECK_EQ(icmp->icmp_seq_nb, RTE_BE16(33));
		SL_CHECK_EQ(rte_raw_cksum(icmp, FRAG_DGRAM - sizeof(*ip)), 0xffff);
		for (i = 0; i < FRAG_PAYLOAD; i++)
			if (data[i] != pattern(i, 33))
				SL_CHECK_EQ(data[i], pattern(i, 33));
	}
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK_EQ(pools_full(), 0);

	/* reassembly off: each fragment dropped */
	sl_net_conf.frag.reassemble = false;
	snap_take(&s);
	for (i = 0; i < 3; i++)
		input(p0, echo_fragment(dgram, i, 0x1002));
	sl_net_conf.frag.reassemble = true;
	sl_net_worker_poll(wlc);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 0);
	w = (struct sl_net_stats){ .rx_frames = 3, .ip_in = 3, .ip_frag_in = 3,
		.ip_frag_dropped = 3 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK_EQ(pools_full(), 0);

	/* an incomplete datagram is dropped after timeout_ms (1 s) */
	snap_take(&s);
	input(p0, echo_fragment(dgram, 0, 0x1003));
	input(p0, echo_fragment(dgram, 1, 0x1003));
	sl_net_worker_poll(wlc);
	w = (struct sl_net_stats){ .rx_frames = 2, .ip_in = 2, .ip_frag_in = 2 };
	CHECK_DELTAS(&s, &w, &mw);
	wlc->now += sl_clock_from_ms(1200); /* the worker's clock, not a sleep */
	sl_net_worker_poll(wlc); /* expires it to the death row */
	sl_net_worker_poll(wlc); /* frees and counts the death row */
	w.ip_frag_dropped = 2;
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 0);
	return pools_full();
}

/* ---- forwarding ---- */

/* m (a frame out of port 1) is `orig` forwarded: new MACs, TTL - 1, valid checksum. */
static int
check_forwarded(struct rte_mbuf *m, struct rte_mbuf *orig)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	const struct rte_ipv4_hdr *oip = ip_of(orig);

	SL_CHECK_EQ(m->pkt_len, orig->pkt_len);
	SL_CHECK_EQ(m->data_len, m->pkt_len);
	SL_CHECK(same_mac(&eth->dst_addr, &mac_b));
	SL_CHECK(same_mac(&eth->src_addr, &p1->mac));
	SL_CHECK_EQ(eth->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV4));
	SL_CHECK_EQ(ip->time_to_live, oip->time_to_live - 1);
	SL_CHECK_EQ(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	/* all but TTL and checksum unchanged, payload too */
	SL_CHECK(memcmp(ip, oip, offsetof(struct rte_ipv4_hdr, time_to_live)) == 0);
	SL_CHECK_EQ(ip->next_proto_id, oip->next_proto_id);
	SL_CHECK(memcmp(&ip->src_addr, &oip->src_addr, m->pkt_len - sizeof(*eth) -
			offsetof(struct rte_ipv4_hdr, src_addr)) == 0);
	return 0;
}

/* From port 0's subnet to port 1's: the next hop is resolved first, then the
 * packet leaves port 1 with TTL - 1; TTL 1, forwarding off, no route and DF
 * beyond the egress MTU are dropped; without DF it is fragmented. */
static int
test_forwarding(void)
{
	struct sl_net_stats w = { .rx_frames = 1, .ip_in = 1, .ip_forwarded = 1,
		.neigh_to_mgmt = 1, .ctrl_tx = 1 };
	struct net_mgmt_stats mw = { .arp_requests_sent = 1, .neigh_created = 1,
		.neigh_held = 1 };
	struct rte_mbuf *out[8], *orig;
	struct rte_ether_addr mac;
	struct snap s;

	orig = udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 5, 100, 0);
	snap_take(&s);
	input(p0, rte_pktmbuf_copy(orig, sl_port_pool(), 0, UINT32_MAX));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 0);
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_arp(out[0], &BROADCAST, &p1->mac, RTE_ARP_OP_REQUEST, &p1->mac,
			IP(198, 19, 0, 1), &mac_zero, IP(198, 19, 0, 2)), 0);
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);

	snap_take(&s);
	input(p1, sl_test_arp(&p1->mac, &mac_b, RTE_ARP_OP_REPLY, IP(198, 19, 0, 2), &p1->mac,
			IP(198, 19, 0, 1), 0));
	SL_CHECK_EQ(sl_net_mgmt_poll(), 1);
	SL_CHECK_EQ(sl_net_worker_poll(wlc), 1);
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 0);
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_forwarded(out[0], orig), 0);
	free_all(out, 1);
	w = (struct sl_net_stats){ .rx_frames = 1, .arp_in = 1, .arp_to_mgmt = 1, .ctrl_tx = 1 };
	mw = (struct net_mgmt_stats){ .neigh_confirmed = 1, .neigh_released = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK(net_neigh_lookup(IP(198, 19, 0, 2), &mac));
	SL_CHECK(same_mac(&mac, &mac_b));

	/* resolved: straight through */
	snap_take(&s);
	input(p0, rte_pktmbuf_copy(orig, sl_port_pool(), 0, UINT32_MAX));
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_forwarded(out[0], orig), 0);
	free_all(out, 1);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_forwarded = 1, .neigh_hit = 1 };
	mw = (struct net_mgmt_stats){ 0 };
	CHECK_DELTAS(&s, &w, &mw);
	/* and back, from port 1 to port 0 */
	snap_take(&s);
	input(p1, udp_frame(&p1->mac, &mac_b, IP(198, 19, 0, 2), IP(198, 18, 0, 2), 9, 10, 0));
	SL_CHECK_EQ(take_tx(p0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(ip_of(out[0])->time_to_live, 8);
	SL_CHECK(same_mac(&rte_pktmbuf_mtod(out[0], struct rte_ether_hdr *)->dst_addr, &mac_a));
	free_all(out, 1);
	CHECK_DELTAS(&s, &w, &mw);
	rte_pktmbuf_free(orig);

	/* TTL 1 */
	snap_take(&s);
	input(p0, udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 1, 100, 0));
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_ttl_exceeded = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	/* no route */
	snap_take(&s);
	input(p0, udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(192, 0, 2, 1), 5, 100, 0));
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_no_route = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	/* forwarding off */
	sl_net_conf.ip_forward = false;
	snap_take(&s);
	input(p0, udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 5, 100, 0));
	sl_net_conf.ip_forward = true;
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_not_forwarding = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	/* DF and larger than port 1's MTU (1000) */
	snap_take(&s);
	input(p0, udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 5, 1172,
			RTE_IPV4_HDR_DF_FLAG));
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_frag_needed = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	SL_CHECK_EQ(wlc->port.tx[0].n + wlc->port.tx[1].n, 0);
	/* DF and exactly the MTU: forwarded whole */
	snap_take(&s);
	input(p0, udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 5, 972,
			RTE_IPV4_HDR_DF_FLAG));
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(out[0]->pkt_len, sizeof(struct rte_ether_hdr) + 1000);
	free_all(out, 1);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_forwarded = 1, .neigh_hit = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	/* no DF, 1200 bytes: two fragments of at most 1000 */
	snap_take(&s);
	input(p0, udp_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 5, 1172, 0));
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 2);
	SL_CHECK(out[0]->pkt_len <= sizeof(struct rte_ether_hdr) + 1000);
	SL_CHECK_EQ(out[0]->pkt_len + out[1]->pkt_len,
			2 * sizeof(struct rte_ether_hdr) + 2 * sizeof(struct rte_ipv4_hdr) + 1180);
	SL_CHECK_EQ(rte_raw_cksum(ip_of(out[0]), sizeof(struct rte_ipv4_hdr)), 0xffff);
	SL_CHECK_EQ(rte_raw_cksum(ip_of(out[1]), sizeof(struct rte_ipv4_hdr)), 0xffff);
	SL_CHECK_EQ(ip_of(out[0])->time_to_live, 4);
	free_all(out, 2);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_forwarded = 1,
		.ip_frag_out = 2, .neigh_hit = 2 };
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

/* A TCP super-segment as a port's LRO hands it up: `len` payload bytes
 * from seq 1000 in 1 KiB mbufs, its senders' MSS in tso_segsz, the
 * checksum left partial by a local sender. */
static struct rte_mbuf *
lro_frame(uint32_t len, uint16_t mss)
{
	uint32_t hdr = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		sizeof(struct rte_tcp_hdr);
	uint8_t *flat = calloc(1, hdr + len);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)flat;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	struct rte_mbuf *head = NULL;
	uint32_t i, off;

	sl_test_eth(eth, &p0->mac, &mac_a, RTE_ETHER_TYPE_IPV4);
	sl_test_ipv4(ip, IP(198, 18, 0, 2), IP(198, 19, 0, 2), 64, IPPROTO_TCP,
			(uint16_t)(hdr - sizeof(*eth) + len), 77, RTE_IPV4_HDR_DF_FLAG);
	th->src_port = RTE_BE16(40000);
	th->dst_port = RTE_BE16(80);
	th->sent_seq = rte_cpu_to_be_32(1000);
	th->recv_ack = rte_cpu_to_be_32(5000);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	th->rx_win = RTE_BE16(65535);
	for (i = 0; i < len; i++)
		flat[hdr + i] = pattern(i, 17);
	th->cksum = rte_ipv4_phdr_cksum(ip, 0);
	for (off = 0; off < hdr + len; off += 1024) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());
		uint16_t n = (uint16_t)RTE_MIN(1024u, hdr + len - off);

		memcpy(rte_pktmbuf_append(m, n), flat + off, n);
		if (head == NULL)
			head = m;
		else
			rte_pktmbuf_chain(head, m);
	}
	free(flat);
	head->ol_flags |= RTE_MBUF_F_RX_LRO | RTE_MBUF_F_RX_L4_CKSUM_NONE;
	head->tso_segsz = mss;
	return head;
}

/* Segment m (out of port 1) is the part at `off` of lro_frame's payload:
 * TTL - 1, its own length, sequence number and sums, PSH on the last. */
static int
check_lro_segment(struct rte_mbuf *m, uint32_t off, uint32_t len, bool last)
{
	const struct rte_ipv4_hdr *ip = ip_of(m);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);
	uint32_t l4_off = sizeof(struct rte_ether_hdr) + sizeof(*ip);
	uint32_t i;

	SL_CHECK_EQ(m->pkt_len, l4_off + sizeof(*th) + len);
	SL_CHECK_EQ(rte_be_to_cpu_16(ip->total_length), m->pkt_len - sizeof(struct rte_ether_hdr));
	SL_CHECK_EQ(ip->time_to_live, 63);
	SL_CHECK_EQ(rte_raw_cksum(ip, sizeof(*ip)), 0xffff);
	SL_CHECK_EQ(rte_ipv4_udptcp_cksum_mbuf_verify(m, ip, (uint16_t)l4_off), 0);
	SL_CHECK_EQ(rte_be_to_cpu_32(th->sent_seq), 1000 + off);
	SL_CHECK_EQ(!!(th->tcp_flags & RTE_TCP_PSH_FLAG), last);
	for (i = 0; i < len; i++) {
		const uint8_t *b = rte_pktmbuf_read(m, l4_off + sizeof(*th) + i, 1, &(uint8_t){ 0 });

		SL_CHECK_EQ(*b, pattern(off + i, 17));
	}
	return 0;
}

/* A super-segment received through LRO is forwarded as the segments its
 * sender made: cut by net (GSO) for a port without TSO, each at most the
 * egress MTU, sums done; handed whole to a port with TSO. */
static int
test_forward_lro(void)
{
	const uint64_t tso = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	struct sl_port *out_port = (struct sl_port *)(uintptr_t)p1; /* white-box */
	struct sl_net_stats w = { .rx_frames = 1, .ip_in = 1, .ip_forwarded = 1,
		.ip_fwd_lro = 1, .ip_out_gso = 1, .neigh_hit = 4 };
	struct net_mgmt_stats mw = { 0 };
	struct rte_mbuf *out[8];
	const struct rte_tcp_hdr *th;
	struct snap s;
	unsigned int i;

	/* 3,000 bytes of 900-byte segments, port 1's MTU 1000: 4 segments */
	snap_take(&s);
	input(p0, lro_frame(3000, 900));
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 4);
	for (i = 0; i < 4; i++)
		SL_CHECK_EQ(check_lro_segment(out[i], i * 900, i < 3 ? 900 : 300, i == 3), 0);
	free_all(out, 4);
	CHECK_DELTAS(&s, &w, &mw);
	/* segments of its sender's (1460) beyond port 1's MTU, with DF: too
	 * big, as the frames it stands for would be */
	snap_take(&s);
	input(p0, lro_frame(2000, 1460));
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 0);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_frag_needed = 1 };
	CHECK_DELTAS(&s, &w, &mw);

	/* port 1 with TSO: one packet, flagged for it, the pseudo-header sum
	 * without the length */
	out_port->tx_offloads |= tso;
	snap_take(&s);
	input(p0, lro_frame(3000, 900));
	out_port->tx_offloads &= ~tso;
	SL_CHECK_EQ(take_tx(p1, out, RTE_DIM(out)), 1);
	SL_CHECK(out[0]->ol_flags & RTE_MBUF_F_TX_TCP_SEG);
	SL_CHECK_EQ(out[0]->tso_segsz, 900);
	SL_CHECK_EQ(out[0]->pkt_len, sizeof(struct rte_ether_hdr) + 40 + 3000);
	th = rte_pktmbuf_mtod_offset(out[0], const struct rte_tcp_hdr *,
			sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));
	SL_CHECK_EQ(th->cksum, rte_ipv4_phdr_cksum(ip_of(out[0]), RTE_MBUF_F_TX_TCP_SEG));
	free_all(out, 1);
	w = (struct sl_net_stats){ .rx_frames = 1, .ip_in = 1, .ip_forwarded = 1,
		.ip_fwd_lro = 1, .neigh_hit = 1 };
	CHECK_DELTAS(&s, &w, &mw);
	return pools_full();
}

/* The frames buffered for a port go out through the ring PMD, which loops
 * them back to its receive side. */
static int
test_port_flush(void)
{
	struct rte_mbuf *out[4];
	uint64_t tx_before = wlc->port.stats[0].tx_packets;

	input(p0, echo_frame(&p0->mac, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1), 77, 8, 0));
	SL_CHECK_EQ(wlc->port.tx[0].n, 1);
	sl_port_flush(wlc);
	SL_CHECK_EQ(wlc->port.tx[0].n, 0);
	SL_CHECK_EQ(wlc->port.stats[0].tx_packets - tx_before, 1);
	SL_CHECK_EQ(rte_eth_rx_burst(p0->ethdev, 0, out, RTE_DIM(out)), 1);
	SL_CHECK_EQ(check_echo_reply(out[0], p0, &mac_a, IP(198, 18, 0, 2), IP(198, 18, 0, 1),
			77, 8), 0);
	free_all(out, 1);
	SL_CHECK_EQ(rte_eth_rx_burst(p1->ethdev, 0, out, RTE_DIM(out)), 0);
	return pools_full();
}

/* The partition documented in sl_net_types.h holds over everything above. */
static int
test_invariants(void)
{
	const struct sl_net_stats *t = &wlc->net.stats;
	const struct sl_counter_block *b;
	char why[128];
	unsigned int k, i;

	SL_CHECK(t->rx_frames > 0);
	SL_CHECK_EQ(t->rx_frames, t->eth_short + t->eth_other_host + t->eth_type_unknown +
			t->arp_in + t->ip_in);
	SL_CHECK_EQ(t->arp_in, t->arp_malformed + t->arp_ignored + t->arp_to_mgmt +
			t->arp_ring_full);
	SL_CHECK_EQ(t->ip_in, t->ip_short + t->ip_bad_version + t->ip_bad_ihl + t->ip_bad_len +
			t->ip_bad_cksum + t->ip_ttl_zero + t->ip_bad_src + t->ip_broadcast +
			t->ip_frag_in + t->ip_local + t->ip_not_forwarding + t->ip_ttl_exceeded +
			t->ip_no_route + t->ip_frag_needed + t->ip_forwarded);
	/* the registry's marks say the same, and with one worker its totals
	 * are this worker's counters */
	for (k = 0; (b = sl_counters_block(k)) != NULL; k++) {
		if (b->global != NULL || b->lcore_offset != offsetof(struct sl_lcore, net.stats))
			continue;
		if (sl_counters_check_partitions(b, (const uint64_t *)t, why, sizeof(why)) < 0) {
			fprintf(stderr, "%s\n", why);
			return -1;
		}
		for (i = 0; i < b->n; i++)
			SL_CHECK_EQ(sl_counters_total(b, 0, i), ((const uint64_t *)t)[i]);
		return 0;
	}
	SL_CHECK(!"no net worker block in the counter registry");
	return -1;
}

/* ---- set-up ---- */

static int
setup(void)
{
	static const char conf[] =
		"ports = { mbufs = 2047; mbuf_cache = 32; "
		SL_TEST_PORTS_CONF("", "mtu = 1000;") " };"
		"net = { ip_forward = true; icmp_echo = true; icmp_errors = false;"
		"  arp = { reachable_ms = 1000; retrans_ms = 100; probes = 2; pending_max = 4;"
		"    entries_max = 64; gratuitous = false; };"
		"  frag = { reassemble = true; flows_max = 64; timeout_ms = 1000; }; };";

	if (sl_test_stack_start(SL_TEST_NET, conf, &stack) < 0)
		return -1;
	wlc = stack.lc;
	p0 = stack.front;
	p1 = stack.back;
	/*
	 * Neighbour timers run on a fake clock an hour ahead: the management
	 * poll's own timer run (at the real time) is then always skipped, so
	 * only tick_ms() ages entries.
	 */
	fake_now = rte_rdtsc() + rte_get_tsc_hz() * 3600;
	net_neigh_timers(fake_now);
	return 0;
}

/* The reference: 16-bit words in memory order, end-around carry, bytewise. */
static uint16_t
ref_sum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2) {
		uint16_t w;

		memcpy(&w, p + i, 2);
		sum += w;
	}
	if (n & 1) {
		uint16_t w = 0;

		memcpy(&w, p + n - 1, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Random data, lengths, offsets and chain splits (odd ones included): the
 * chain sum equals the reference over the same bytes. */
static int
test_cksum(void)
{
	static uint8_t data[8192];
	uint64_t seed = 12345;
	unsigned int round, i;

	for (round = 0; round < 2000; round++) {
		struct rte_mbuf *head = NULL, *last = NULL;
		uint32_t len = 0, total, off, n, nseg = 1 + round % 5;

		for (i = 0; i < sizeof(data); i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* all-0xff runs make sums that carry at every step */
			data[i] = round % 7 == 0 ? 0xff : (uint8_t)(seed >> 56);
		}
		SL_CHECK_EQ(sl_net_raw_sum(data, round % 97), ref_sum(data, round % 97));
		/* the IPv4 header sums: 20 bytes, and a header with options */
		SL_CHECK_EQ(net_ipv4_hdr_sum((const void *)(data + round % 13), 20),
				ref_sum(data + round % 13, 20));
		SL_CHECK_EQ(net_ipv4_hdr_sum((const void *)data, 24), ref_sum(data, 24));
		/* long and misaligned: the vector loop, and what it leaves */
		off = round % 61;
		n = (uint32_t)(seed % (sizeof(data) - off));
		SL_CHECK_EQ(sl_net_raw_sum(data + off, n), ref_sum(data + off, n));
		for (i = 0; i < nseg; i++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());

			SL_CHECK(m != NULL);
			n = 1 + (uint32_t)((seed >> (i * 8)) % 1500);
			memcpy(rte_pktmbuf_append(m, (uint16_t)n), data + len, n);
			len += n;
			if (head == NULL)
				head = m;
			else
				SL_CHECK_EQ(rte_pktmbuf_chain(head, m), 0);
			last = m;
		}
		RTE_SET_USED(last);
		off = (uint32_t)(seed % (len / 2 + 1));
		total = len - off - (uint32_t)((seed >> 20) % (len - off + 1));
		SL_CHECK_EQ(sl_net_cksum_mbuf(head, off, total), ref_sum(data + off, total));
		rte_pktmbuf_free(head);
	}
	return 0;
}

static uint16_t
fold_ref(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A TCP segment from 198.18.0.2 with `plen` bytes of payload taken from
 * data, header of doff bytes, checksum right (or off by one). */
static struct rte_mbuf *
tcp_segment(const uint8_t *data, uint32_t plen, uint32_t doff, bool bad)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		return NULL;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(sizeof(*ip) + doff + plen));
	sl_test_ipv4(ip, SL_TEST_IP(198, 18, 0, 2), SL_TEST_FRONT_ADDR, 64, IPPROTO_TCP,
			(uint16_t)(sizeof(*ip) + doff + plen), 1, 0);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, sizeof(*ip));
	memset(th, 0, doff);
	th->data_off = (uint8_t)((doff / 4) << 4);
	memcpy((uint8_t *)th + doff, data, plen);
	th->cksum = (uint16_t)~fold_ref(ref_sum((const uint8_t *)th, doff + plen) +
			rte_ipv4_phdr_cksum(ip, 0));
	if (bad)
		th->cksum ^= 1;
	return m;
}

/* An indirect mbuf for bytes [a, b) of m's data. */
static struct rte_mbuf *
part_of(struct rte_mbuf *m, uint32_t a, uint32_t b)
{
	struct rte_mbuf *c = rte_pktmbuf_clone(m, sl_port_pool());

	if (c == NULL)
		return NULL;
	c->data_off = (uint16_t)(c->data_off + a);
	c->data_len = (uint16_t)(b - a);
	c->pkt_len = b - a;
	return c;
}

/*
 * The payload sum recorded when a segment is verified serves what is sent
 * from it later — the whole, heads and tails (odd cuts too), clones and the
 * mbuf itself trimmed, chained after each other — and gives the sum of the
 * bytes themselves every time; nothing is recorded for a bad checksum, and
 * nothing recorded is seen by the next user of a freed mbuf.
 */
static int
test_cksum_recorded(void)
{
	static uint8_t data[2][1500];
	uint64_t seed = 777;
	unsigned int round, i;

	for (round = 0; round < 500; round++) {
		uint32_t plen = 1 + round % 1448, doff = round % 3 == 0 ? 32 : 20;
		uint32_t hdr = (uint32_t)sizeof(struct rte_ipv4_hdr) + doff, a, b, c;
		struct rte_mbuf *m[2], *x, *y;

		for (i = 0; i < sizeof(data); i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			((uint8_t *)data)[i] = round % 11 == 0 ? 0xff : (uint8_t)(seed >> 56);
		}
		for (i = 0; i < 2; i++) {
			m[i] = tcp_segment(data[i], plen, doff, false);
			SL_CHECK(m[i] != NULL);
			SL_CHECK(sl_net_tcp_verify(m[i], rte_pktmbuf_mtod(m[i],
					struct rte_ipv4_hdr *), sizeof(struct rte_ipv4_hdr), doff));
			rte_pktmbuf_adj(m[i], (uint16_t)hdr);
		}
		a = (uint32_t)(seed % plen);
		b = a + 1 + (uint32_t)((seed >> 16) % (plen - a));
		c = 1 + (uint32_t)((seed >> 32) % plen);
		/* the whole, a head, a tail, a middle */
		SL_CHECK_EQ(sl_net_cksum_mbuf(m[0], 0, plen), ref_sum(data[0], plen));
		x = part_of(m[0], 0, b);
		SL_CHECK_EQ(sl_net_cksum_mbuf(x, 0, b), ref_sum(data[0], b));
		rte_pktmbuf_free(x);
		x = part_of(m[0], a, plen);
		SL_CHECK_EQ(sl_net_cksum_mbuf(x, 0, plen - a), ref_sum(data[0] + a, plen - a));
		rte_pktmbuf_free(x);
		x = part_of(m[0], a, b);
		SL_CHECK_EQ(sl_net_cksum_mbuf(x, 0, b - a), ref_sum(data[0] + a, b - a));
		rte_pktmbuf_free(x);
		/* re-segmented: the tail of one after the head of the next */
		{
			static uint8_t cat[3000];

			x = part_of(m[0], a, plen);
			y = part_of(m[1], 0, c);
			SL_CHECK(x != NULL && y != NULL);
			SL_CHECK_EQ(rte_pktmbuf_chain(x, y), 0);
			memcpy(cat, data[0] + a, plen - a);
			memcpy(cat + plen - a, data[1], c);
			SL_CHECK_EQ(sl_net_cksum_mbuf(x, 0, plen - a + c), ref_sum(cat, plen - a + c));
			rte_pktmbuf_free(x);
		}
		/* the mbuf itself, its head acknowledged away */
		rte_pktmbuf_adj(m[1], (uint16_t)(c - 1));
		SL_CHECK_EQ(sl_net_cksum_mbuf(m[1], 0, plen - c + 1),
				ref_sum(data[1] + c - 1, plen - c + 1));
		rte_pktmbuf_free(m[0]);
		rte_pktmbuf_free(m[1]);
		/* the next user of those mbufs, other bytes at the same place */
		x = tcp_segment(data[1], plen, doff, false);
		SL_CHECK(x != NULL);
		rte_pktmbuf_adj(x, (uint16_t)hdr);
		memcpy(rte_pktmbuf_mtod(x, uint8_t *), data[0], plen);
		SL_CHECK_EQ(sl_net_cksum_mbuf(x, 0, plen), ref_sum(data[0], plen));
		rte_pktmbuf_free(x);
		/* a bad checksum: refused, nothing recorded */
		x = tcp_segment(data[0], plen, doff, true);
		SL_CHECK(!sl_net_tcp_verify(x, rte_pktmbuf_mtod(x, struct rte_ipv4_hdr *),
				sizeof(struct rte_ipv4_hdr), doff));
		rte_pktmbuf_adj(x, (uint16_t)hdr);
		memcpy(rte_pktmbuf_mtod(x, uint8_t *), data[1], plen);
		SL_CHECK_EQ(sl_net_cksum_mbuf(x, 0, plen), ref_sum(data[1], plen));
		rte_pktmbuf_free(x);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct sl_test_case cases[] = {
		{ "cksum", test_cksum },
		{ "cksum_recorded", test_cksum_recorded },
		{ "arp_request", test_arp_request },
		{ "arp_ignored_malformed", test_arp_ignored_malformed },
		{ "arp_conflict", test_arp_conflict },
		{ "arp_ageing", test_arp_ageing },
		{ "resolve", test_resolve },
		{ "icmp_echo", test_icmp_echo },
		{ "malformed", test_malformed },
		{ "fragments", test_fragments },
		{ "forwarding", test_forwarding },
		{ "forward_lro", test_forward_lro },
		{ "port_flush", test_port_flush },
		{ "invariants", test_invariants },
	};
	int rc;

	RTE_SET_USED(argc);
	if (sl_test_eal_init("test_net", false) < 0)
		return 1;
	if (setup() < 0) {
		fprintf(stderr, "%s: set-up failed\n", argv[0]);
		sl_test_eal_cleanup();
		return 1;
	}
	rc = sl_test_run("net", cases, RTE_DIM(cases));
	/* every mbuf comes back, including frames held by removed neighbours */
	if (sl_test_stack_stop(&stack) < 0)
		rc = 1;
	sl_test_eal_cleanup();
	return rc;
}
