/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/frame: builders of the frames tests and fuzzers inject (Ethernet,
 * ARP, IPv4, L4 checksums) and network-order field access at any
 * alignment. Frames come from the port pool; running out aborts, since in
 * a test that is a leak.
 *
 * Callers: test and fuzzer main threads.
 */
#ifndef SL_TEST_FRAME_H
#define SL_TEST_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* A zeroed frame of len bytes in one mbuf. */
struct rte_mbuf *sl_test_frame(uint16_t len);

/*
 * A frame as a PMD would deliver it: data copied into an mbuf chain whose
 * segments end at the offsets in splits[] (ascending, 0 < s < len) and
 * wherever a buffer is full.
 */
struct rte_mbuf *sl_test_frame_from(const uint8_t *data, size_t len, const uint32_t *splits,
		unsigned int n_splits);

void sl_test_eth(struct rte_ether_hdr *eth, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t type);

/* An IPv4 header without options, checksum set; frag is the host-order
 * fragment field (flags and offset). */
void sl_test_ipv4(struct rte_ipv4_hdr *ip, uint32_t src, uint32_t dst, uint8_t ttl,
		uint8_t proto, uint16_t total, uint16_t id, uint16_t frag);

/*
 * Ethernet and IPv4 headers (DF, TTL 64, a new id each call) of an
 * l4_len-byte datagram at the start of frame; returns where L4 starts.
 */
uint8_t *sl_test_eth_ipv4(uint8_t *frame, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint32_t saddr, uint32_t daddr, uint8_t proto,
		uint32_t l4_len);

/* An ARP frame; pad zero bytes after the ARP header (Ethernet minimum). */
struct rte_mbuf *sl_test_arp(const struct rte_ether_addr *eth_dst,
		const struct rte_ether_addr *sha, uint16_t op, uint32_t sip,
		const struct rte_ether_addr *tha, uint32_t tip, uint16_t pad);

/* Internet checksum of an IPv4 header of ihl bytes (its field zero). */
uint16_t sl_test_ipv4_cksum(const uint8_t *ip, unsigned int ihl);
/* TCP/UDP checksum over the pseudo header and l4 (its field zero). */
uint16_t sl_test_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
		uint32_t len);

/* Network-order fields at any alignment, in fuzzed or built frames. */
static inline uint16_t
sl_test_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
sl_test_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
sl_test_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
sl_test_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* SL_TEST_FRAME_H */
