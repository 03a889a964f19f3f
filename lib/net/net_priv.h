/* SPDX-License-Identifier: BSD-3-Clause */
/* net: declarations shared by the files of the module only. */
#ifndef NET_PRIV_H
#define NET_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_telemetry.h>

#include "sl_clock.h"
#include "sl_net.h"

extern int sl_net_logtype;
#define NET_LOG(level, fmt, ...) SL_LOG(sl_net_logtype, level, "net: " fmt, ##__VA_ARGS__)

/* Per-mbuf metadata for frames crossing between workers and management. */
enum net_meta_kind {
	NET_META_ARP = 1,     /* an ARP frame for the management lcore */
	NET_META_RESOLVE = 2, /* an IPv4 packet waiting for its next hop's MAC */
	NET_META_SEND = 3,    /* a finished frame a worker must send */
};

struct net_meta {
	uint32_t nexthop; /* network byte order */
	uint16_t port;    /* ingress (ARP) or egress (RESOLVE, SEND) port index */
	uint8_t kind;
};

extern int net_meta_offset;
/* cksum.c: register the payload-sum field and flag. */
int net_cksum_init(void);

static inline struct net_meta *
net_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, net_meta_offset, struct net_meta *);
}

/*
 * The folded one's complement sum of an IPv4 header (what rte_raw_cksum()
 * gives): a header is summed once per packet each way, so the usual 20
 * bytes take five 32-bit adds rather than the generic loop.
 */
static inline uint16_t
net_ipv4_hdr_sum(const struct rte_ipv4_hdr *ip, uint16_t ihl)
{
	uint32_t w[5];
	uint64_t sum;

	if (ihl != sizeof(w))
		return rte_raw_cksum(ip, ihl);
	memcpy(w, ip, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)((sum & 0xffff) + (sum >> 16));
}

/* Ring from workers to the management lcore (many producers, one consumer). */
extern struct rte_ring *net_to_mgmt;
/* Pools of the output fragmenter: direct (headers) and indirect (payload). */
extern struct rte_mempool *net_indirect_pool;

/* ip_route.c: the IPv4 route table and our own addresses. */
struct net_nexthop {
	uint16_t port;
	uint32_t gateway; /* 0: the destination is on the connected subnet */
};
int net_route_validate(struct sl_conf_error *err);
int net_route_init(void);
void net_route_term(void);
const struct net_nexthop *net_route_lookup(uint32_t dst);
/* The ports' addresses by port index, set with the routes (ports never
 * change address while running): read twice per received packet. */
extern uint32_t net_local_addrs[SL_PORT_MAX];
extern unsigned int net_n_local;

/* Our address on some port? Returns the port index or -1. */
static inline int
net_addr_local(uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < net_n_local; i++)
		if (net_local_addrs[i] == addr)
			return (int)i;
	return -1;
}
/* Limited broadcast, a subnet broadcast or multicast? */
bool net_addr_broadcast(uint32_t addr);
static inline bool
net_in_subnet(const struct sl_port *p, uint32_t addr)
{
	uint32_t mask = rte_cpu_to_be_32(~0u << (32 - p->depth));

	return ((addr ^ p->addr) & mask) == 0;
}

/* neigh.c: the neighbour table. Counters of the management side. */
#define NET_MGMT_COUNTERS(X) \
	X(arp_replies_sent, 0, "ARP requests for our addresses answered") \
	X(arp_requests_sent, 0, "ARP requests sent to resolve a neighbour") \
	X(arp_probes_sent, 0, "unicast ARP probes sent to re-confirm a neighbour") \
	X(arp_gratuitous_sent, 0, "gratuitous ARP announcements sent") \
	X(arp_conflicts, 0, "ARP from another host claiming one of our addresses") \
	X(neigh_created, 0, "neighbour entries created") \
	X(neigh_confirmed, 0, "neighbour entries confirmed by an ARP reply or request") \
	X(neigh_mac_changed, 0, "neighbour entries whose MAC changed") \
	X(neigh_expired, 0, "entries removed: no answer to probes after reachable time") \
	X(neigh_failed, 0, "entries removed: never resolved") \
	X(neigh_table_full, 0, "not learned: neighbour table full") \
	X(neigh_held, 0, "frames held while resolving") \
	X(neigh_released, 0, "held frames sent once resolved") \
	X(neigh_hold_full, SL_CTR_DROP, "dropped: too many frames held for one neighbour") \
	X(neigh_unresolved, SL_CTR_DROP, "dropped: held frames of a neighbour that never answered") \
	X(mgmt_tx_full, SL_CTR_DROP, "dropped: management-to-worker ring full") \
	X(mgmt_no_mbuf, 0, "not sent: no mbuf for an ARP frame")

struct net_mgmt_stats {
	NET_MGMT_COUNTERS(SL_COUNTER_FIELD)
};
extern struct net_mgmt_stats net_mgmt_stats;

int net_neigh_init(void);
void net_neigh_term(void);
/* The MAC of a neighbour, if known, from the table (RCU reader). */
bool net_neigh_lookup(uint32_t ip, struct rte_ether_addr *mac);
/* Worker: the same through its own cache, nl. */
bool net_neigh_cached(struct sl_net_lcore *nl, uint32_t ip, struct rte_ether_addr *mac);
/* Management: what ARP taught us about ip on port; create if `create`. */
void net_neigh_learn(const struct sl_port *port, uint32_t ip, const struct rte_ether_addr *mac,
		bool create);
/* Management: hold a packet until its next hop resolves. */
void net_neigh_resolve(struct rte_mbuf *m);
/* Management: resolution retries, reachability probes, expiry. */
void net_neigh_timers(uint64_t now);
/* Telemetry thread: the table, one string per entry. */
void net_neigh_dump(struct rte_tel_data *d);

/* Management: hand a finished frame to a worker for transmission on port. */
void net_mgmt_send(struct rte_mbuf *m, uint16_t port);

/* arp.c */
void net_arp_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m);
void net_arp_process(struct rte_mbuf *m);
/* Management: send an ARP request for tip; dst NULL broadcasts. */
void net_arp_request(const struct sl_port *port, uint32_t tip, const struct rte_ether_addr *dst,
		uint32_t sip);

/* ipv4.c */
void net_ipv4_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m);
/* Route and send a packet of ours (m starts at its IPv4 header). */
void net_ipv4_output(struct sl_lcore *lc, struct rte_mbuf *m);
/* Do in software the checksums m leaves to a port that cannot, or all of
 * them if `all` (m at its IPv4 header, to be fragmented). TSO is not
 * among them: gso_output in ipv4.c cuts first. */
void net_tx_cksum_finish(const struct sl_port *port, struct rte_mbuf *m, bool all);
/* Prepend the Ethernet header for nexthop on port and send, or hand to
 * management to resolve. m starts at the IPv4 header. */
void net_eth_output(struct sl_lcore *lc, const struct sl_port *port, uint32_t nexthop,
		struct rte_mbuf *m);

/* icmp.c */
void net_icmp_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m,
		uint16_t ihl);
/* Send an ICMP error about orig (at its IPv4 header, received on `in`),
 * if the rules and the rate limit allow; orig is left to the caller. */
void net_icmp_error(struct sl_lcore *lc, const struct sl_port *in, const struct rte_mbuf *orig,
		uint8_t type, uint8_t code, uint16_t mtu);

int net_telemetry_init(void);

#endif /* NET_PRIV_H */
