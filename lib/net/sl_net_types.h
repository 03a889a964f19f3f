/* SPDX-License-Identifier: BSD-3-Clause */
/* net: per-lcore state of the L2/L3 layer, embedded in struct sl_lcore. */
#ifndef SL_NET_TYPES_H
#define SL_NET_TYPES_H

#include <stdint.h>

#include <rte_ip_frag.h>

#include "sl_core_types.h"

/*
 * Every frame a worker takes in ends in exactly one of the leaf counters
 * below; the marks (SL_CTR_ROOT/LEAF) say so, and the tests check that:
 *   rx_frames = eth_short + eth_other_host + eth_type_unknown + arp_in + ip_in
 *   arp_in    = arp_malformed + arp_ignored + arp_to_mgmt + arp_ring_full
 *   ip_in     = ip_short + ip_bad_version + ip_bad_ihl + ip_bad_len + ip_bad_cksum
 *             + ip_ttl_zero + ip_bad_src + ip_broadcast + ip_frag_in + ip_local
 *             + ip_not_forwarding + ip_ttl_exceeded + ip_no_route + ip_frag_needed
 *             + ip_forwarded
 */
#define SL_NET_COUNTERS(X) \
	X(rx_frames, SL_CTR_ROOT(1), "frames handed to the L2/L3 layer") \
	X(eth_short, SL_CTR_LEAF(1) | SL_CTR_DROP, "dropped: shorter than an Ethernet header") \
	X(eth_other_host, SL_CTR_LEAF(1) | SL_CTR_DROP, "dropped: destination MAC neither ours nor broadcast") \
	X(eth_type_unknown, SL_CTR_LEAF(1) | SL_CTR_DROP, "dropped: EtherType not IPv4 or ARP (IPv6, VLAN, ...)") \
	X(arp_in, SL_CTR_LEAF(1) | SL_CTR_ROOT(2), "ARP frames received") \
	X(arp_malformed, SL_CTR_LEAF(2) | SL_CTR_DROP, "dropped: ARP too short or not Ethernet/IPv4") \
	X(arp_ignored, SL_CTR_LEAF(2) | SL_CTR_DROP, "dropped: ARP neither for us nor from our subnets") \
	X(arp_to_mgmt, SL_CTR_LEAF(2), "ARP handed to the management lcore") \
	X(arp_ring_full, SL_CTR_LEAF(2) | SL_CTR_DROP, "dropped: management ring full") \
	X(ip_in, SL_CTR_LEAF(1) | SL_CTR_ROOT(3), "IPv4 packets received") \
	X(ip_short, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: shorter than an IPv4 header") \
	X(ip_bad_version, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: IP version not 4") \
	X(ip_bad_ihl, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: header length below 20 or beyond the frame") \
	X(ip_bad_len, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: total length beyond the frame or below the header") \
	X(ip_bad_cksum, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: header checksum wrong") \
	X(ip_ttl_zero, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: TTL 0 on arrival") \
	X(ip_bad_src, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: martian source (zero, loopback, multicast, broadcast, ours)") \
	X(ip_broadcast, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: broadcast or multicast destination") \
	X(ip_frag_in, SL_CTR_LEAF(3), "fragments addressed to us") \
	X(ip_reassembled, 0, "datagrams reassembled from fragments") \
	X(ip_frag_dropped, SL_CTR_DROP, "fragments dropped: reassembly off, timed out, table full or bad") \
	X(ip_local, SL_CTR_LEAF(3), "unfragmented packets addressed to us") \
	X(ip_proto_unhandled, SL_CTR_DROP, "dropped: addressed to us, no handler for the protocol") \
	X(ip_not_forwarding, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: not ours and forwarding is off") \
	X(ip_ttl_exceeded, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: TTL expired while forwarding") \
	X(ip_no_route, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: no route to the destination") \
	X(ip_frag_needed, SL_CTR_LEAF(3) | SL_CTR_DROP, "dropped: larger than the egress MTU with DF set") \
	X(ip_forwarded, SL_CTR_LEAF(3), "packets forwarded") \
	X(ip_frag_out, 0, "fragments sent after fragmenting on output") \
	X(ip_out_no_route, 0, "not sent: no route for a packet of ours (a reply)") \
	X(ip_out_too_big, 0, "not sent: a packet of ours larger than the MTU with DF set") \
	X(ip_out_gso, 0, "TCP super-segments cut in software: their port has no TSO") \
	X(ip_out_gso_failed, 0, "not sent: a super-segment GSO could not cut (no mbufs, over 128 segments)") \
	X(ip_fwd_lro, 0, "received super-segments (LRO) forwarded whole for the port to cut") \
	X(icmp_in, 0, "ICMP messages addressed to us") \
	X(icmp_short, SL_CTR_DROP, "dropped: ICMP shorter than its header") \
	X(icmp_bad_cksum, SL_CTR_DROP, "dropped: ICMP checksum wrong") \
	X(icmp_echo_replied, 0, "echo requests answered") \
	X(icmp_ignored, SL_CTR_DROP, "dropped: ICMP types we do not answer") \
	X(icmp_err_sent, 0, "ICMP errors sent (time exceeded, unreachable, frag needed)") \
	X(icmp_err_limited, 0, "ICMP errors not sent: rate limit") \
	X(neigh_hit, 0, "frames sent to a resolved neighbour") \
	X(neigh_to_mgmt, 0, "frames handed to the management lcore to resolve a neighbour") \
	X(neigh_ring_full, SL_CTR_DROP, "dropped: resolve ring full") \
	X(ctrl_tx, 0, "frames sent for the management lcore") \
	X(no_mbuf, SL_CTR_DROP, "dropped: no mbuf for a fragment or header")

struct sl_net_stats {
	SL_NET_COUNTERS(SL_COUNTER_FIELD)
};

struct rte_ring;

/* A worker's copy of one neighbour's MAC (net/neigh.c), good while the
 * table's generation is the one it was copied under. */
struct sl_net_neigh_slot {
	uint32_t ip;
	uint32_t gen;
	uint64_t mac_word;
};

#define SL_NET_NEIGH_CACHE_BITS 3
#define SL_NET_NEIGH_CACHE (1u << SL_NET_NEIGH_CACHE_BITS) /* slots */

struct sl_net_lcore {
	struct sl_net_stats stats;
	struct sl_net_neigh_slot neigh_cache[SL_NET_NEIGH_CACHE];
	struct rte_ip_frag_tbl *frag_tbl;
	struct rte_ring *ctrl_tx; /* frames the management lcore asks us to send */
	uint64_t frag_next_expire;
	uint64_t icmp_tokens; /* ICMP error rate limit */
	uint64_t icmp_refill;
	struct rte_ip_frag_death_row death_row;
};

#endif /* SL_NET_TYPES_H */
