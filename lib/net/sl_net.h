/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net: Ethernet, ARP and neighbours, IPv4 (checks, fragments, forwarding,
 * routes) and ICMP echo.
 *
 * Callers: sl_net_input / sl_net_worker_poll on workers, each on its own
 * frames; sl_net_mgmt_* on the management lcore only.
 * Owns: the route table (built at init, read-only afterwards), the neighbour
 * table (written only by the management lcore, read lock-free by workers,
 * entries reclaimed after an RCU grace period), the rings between the
 * management lcore and the workers.
 */
#ifndef SL_NET_H
#define SL_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "sl_conf.h"
#include "sl_lcore.h"
#include "sl_net_types.h"
#include "sl_port.h"

#define SL_NET_ROUTES_MAX 64

struct sl_net_route_conf {
	struct sl_conf_prefix prefix;
	uint32_t via;
};

struct sl_net_arp_conf {
	int64_t reachable_ms;  /* confirmed entries are probed after this */
	int64_t retrans_ms;    /* between requests while resolving or probing */
	int64_t probes;        /* unanswered requests before giving up */
	int64_t pending_max;   /* frames held per neighbour while resolving */
	int64_t entries_max;
	bool gratuitous;       /* announce our addresses at start */
};

struct sl_net_frag_conf {
	bool reassemble;
	int64_t flows_max;
	int64_t timeout_ms;
};

struct sl_net_conf {
	bool ip_forward;
	bool icmp_echo;
	bool icmp_errors;         /* time exceeded, unreachable, frag needed */
	int64_t icmp_errors_per_s; /* per worker */
	uint32_t default_gateway; /* 0: none */
	struct sl_net_route_conf routes[SL_NET_ROUTES_MAX];
	unsigned int n_routes;
	struct sl_net_arp_conf arp;
	struct sl_net_frag_conf frag;
	int64_t ring_size;
};

extern struct sl_net_conf sl_net_conf;

int sl_net_conf_register(void);
/* Cross-checks against the ports (routes via connected subnets, ...). */
int sl_net_validate(struct sl_conf_error *err);
int sl_net_init(void);
void sl_net_term(void);

/* Worker: process a received burst from `port`; consumes every mbuf. */
void sl_net_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf **pkts,
		uint16_t n);
/* Worker: once per loop turn — send frames queued by the management lcore,
 * expire reassembly state. Returns the work done. */
unsigned int sl_net_worker_poll(struct sl_lcore *lc);

/* Management: process ARP and resolve requests, run neighbour timers. */
unsigned int sl_net_mgmt_poll(void);
/* Management: announce our addresses (gratuitous ARP). */
void sl_net_mgmt_announce(void);

/*
 * A transport protocol's input: m starts at the IPv4 header (checked, padding
 * trimmed, reassembled), ihl is its length; the handler consumes m.
 */
typedef void (*sl_net_l4_input_t)(struct sl_lcore *lc, const struct sl_port *port,
		struct rte_mbuf *m, uint16_t ihl);

/* Management, before workers start: deliver `proto` packets for us to fn. */
int sl_net_register_l4(uint8_t proto, sl_net_l4_input_t fn);
/* Called once a received burst has been handed to the L4 handlers (one
 * hook: TCP sends what the burst made it queue, at once). */
typedef void (*sl_net_burst_end_t)(struct sl_lcore *lc);
void sl_net_register_burst_end(sl_net_burst_end_t fn);

/* Worker: route and send a packet of ours; m starts at a complete IPv4
 * header (checksum set). Consumes m. */
void sl_net_output(struct sl_lcore *lc, struct rte_mbuf *m);

/* Is addr configured on some port? (usable before ports start) */
bool sl_net_is_local(uint32_t addr);

/* The MTU of the port that routes to dst, 0 if no route. */
uint16_t sl_net_route_mtu(uint32_t dst);
/* The port that routes to dst, NULL if none. */
const struct sl_port *sl_net_route_port(uint32_t dst);

/* The 16-bit one's complement sum of len bytes at buf, in memory order
 * (the value rte_raw_cksum() gives), before folding to 16 bits: <= 0xffff. */
uint32_t sl_net_raw_sum(const void *buf, size_t len);
/* The 16-bit one's complement sum of [off, off + len) of a chain. */
uint16_t sl_net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len);
/*
 * Verify the checksum of a received TCP segment (its header, hdr_len bytes,
 * at l4_off); true if right. The sum of its payload is recorded in the mbuf,
 * so that sending those bytes on (all, or a head or tail of them) does not
 * sum them again: sl_net_cksum_mbuf() uses it, for the mbuf or its clones.
 * The bytes must not be changed in place afterwards.
 */
bool sl_net_tcp_verify(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4_off,
		uint32_t hdr_len);
/* TCP/UDP checksum (to store in the header, which must hold 0 meanwhile) of
 * the datagram whose IPv4 header ip starts m; l4_off: where L4 starts. To
 * verify a received one, check that it returns 0 with the field in place. */
uint16_t sl_net_l4_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		uint32_t l4_off);

/*
 * Leave the checksums of a TCP segment of ours to the port it leaves by, as
 * a NIC takes them (m starts at its IPv4 header, without options, whose
 * total length is set; tcp_hdr_len with options). tso_segsz > 0 also asks
 * the port to cut the payload into segments of that many bytes, each with
 * a copy of the headers (TSO); only for a port that has TSO. Output
 * finishes in software whatever the port cannot do.
 */
void sl_net_tcp_tx_offload(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint16_t tcp_hdr_len,
		uint16_t tso_segsz);

/* Sum every worker's counters. */

#endif /* SL_NET_H */
