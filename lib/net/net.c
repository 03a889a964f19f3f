/* SPDX-License-Identifier: BSD-3-Clause */
/* net: configuration, life cycle, Ethernet input and the worker/management polls. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "sl_net.h"
#include "net_priv.h"

RTE_LOG_REGISTER(sl_net_logtype, sluice.net, INFO);

struct sl_net_conf sl_net_conf;
int net_meta_offset = -1;
struct rte_ring *net_to_mgmt;
struct rte_mempool *net_indirect_pool;

static const struct sl_conf_key route_keys[] = {
	SL_KEY_PREFIX(struct sl_net_route_conf, prefix, SL_CONF_REQUIRED, NULL,
			"destination prefix a.b.c.d/len"),
	SL_KEY_IPV4(struct sl_net_route_conf, via, SL_CONF_REQUIRED, NULL,
			"next hop, on a connected subnet"),
	SL_KEY_END,
};

static const struct sl_conf_key arp_keys[] = {
	SL_KEY_INT(struct sl_net_arp_conf, reachable_ms, 100, 86400000, 30000,
			"a confirmed neighbour is re-probed after this long"),
	SL_KEY_INT(struct sl_net_arp_conf, retrans_ms, 10, 60000, 1000,
			"interval between ARP requests"),
	SL_KEY_INT(struct sl_net_arp_conf, probes, 1, 100, 3,
			"unanswered requests before an entry is given up"),
	SL_KEY_INT(struct sl_net_arp_conf, pending_max, 0, 1024, 16,
			"frames held per unresolved neighbour"),
	SL_KEY_INT(struct sl_net_arp_conf, entries_max, 16, 1048576, 4096,
			"neighbour table size"),
	SL_KEY_BOOL(struct sl_net_arp_conf, gratuitous, true, "announce our addresses at start"),
	SL_KEY_END,
};

static const struct sl_conf_key frag_keys[] = {
	SL_KEY_BOOL(struct sl_net_frag_conf, reassemble, true,
			"reassemble fragments addressed to us; false drops them"),
	SL_KEY_INT(struct sl_net_frag_conf, flows_max, 16, 1048576, 1024,
			"datagrams being reassembled at once, per worker"),
	SL_KEY_INT(struct sl_net_frag_conf, timeout_ms, 100, 60000, 2000,
			"an incomplete datagram is dropped after this"),
	SL_KEY_END,
};

static const struct sl_conf_key net_keys[] = {
	SL_KEY_BOOL(struct sl_net_conf, ip_forward, false,
			"route IPv4 packets not addressed to us"),
	SL_KEY_BOOL(struct sl_net_conf, icmp_echo, true, "answer pings"),
	SL_KEY_BOOL(struct sl_net_conf, icmp_errors, true,
			"send ICMP time exceeded, unreachable and fragmentation needed"),
	SL_KEY_INT(struct sl_net_conf, icmp_errors_per_s, 0, 1000000, 1000,
			"ICMP errors per second per worker at most; 0 sends none"),
	SL_KEY_IPV4(struct sl_net_conf, default_gateway, 0, "0.0.0.0",
			"default route next hop; 0.0.0.0: none"),
	SL_KEY_LIST(struct sl_net_conf, routes, n_routes, route_keys, 0, "static routes"),
	SL_KEY_GROUP(struct sl_net_conf, arp, arp_keys, "ARP and neighbours"),
	SL_KEY_GROUP(struct sl_net_conf, frag, frag_keys, "IPv4 reassembly"),
	SL_KEY_INT(struct sl_net_conf, ring_size, 256, 65536, 4096,
			"slots of the rings between workers and management (power of 2)"),
	SL_KEY_END,
};

int
sl_net_conf_register(void)
{
	return sl_conf_register("net", net_keys, &sl_net_conf, sizeof(sl_net_conf));
}

int
sl_net_validate(struct sl_conf_error *err)
{
	if (!rte_is_power_of_2((uint32_t)sl_net_conf.ring_size))
		return sl_conf_error_at(err, "net.ring_size", "must be a power of 2");
	return net_route_validate(err);
}

static int
register_meta(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "sluice_net_meta",
		.size = sizeof(struct net_meta),
		.align = __alignof__(struct net_meta),
	};

	net_meta_offset = rte_mbuf_dynfield_register(&desc);
	if (net_meta_offset < 0)
		return -rte_errno;
	return net_cksum_init();
}

static int
init_worker(struct sl_lcore *lc)
{
	char name[RTE_RING_NAMESIZE];
	uint64_t cycles = sl_clock_from_ms((uint64_t)sl_net_conf.frag.timeout_ms);
	uint32_t flows = (uint32_t)sl_net_conf.frag.flows_max;

	snprintf(name, sizeof(name), "sl_ctrl_tx_%u", lc->worker_id);
	lc->net.ctrl_tx = rte_ring_create(name, (unsigned int)sl_net_conf.ring_size,
			(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (lc->net.ctrl_tx == NULL)
		return -rte_errno;
	lc->net.frag_tbl = rte_ip_frag_table_create(flows, RTE_LIBRTE_IP_FRAG_MAX_FRAG,
			flows, cycles, (int)rte_socket_id());
	return lc->net.frag_tbl == NULL ? -rte_errno : 0;
}

int
sl_net_init(void)
{
	struct rte_mempool *direct = sl_port_pool();
	struct sl_lcore *lc;
	int rc;

	rc = register_meta();
	if (rc < 0)
		return rc;
	net_to_mgmt = rte_ring_create("sl_to_mgmt", (unsigned int)sl_net_conf.ring_size,
			(int)rte_socket_id(), RING_F_SC_DEQ);
	if (net_to_mgmt == NULL)
		return -rte_errno;
	net_indirect_pool = rte_pktmbuf_pool_create("sl_indirect",
			(unsigned int)direct->size, 128, 0, 0, (int)rte_socket_id());
	if (net_indirect_pool == NULL)
		goto fail;
	SL_WORKER_FOREACH(lc) {
		rc = init_worker(lc);
		if (rc < 0)
			goto fail_rc;
	}
	rc = net_route_init();
	if (rc < 0)
		goto fail_rc;
	rc = net_neigh_init();
	if (rc < 0)
		goto fail_rc;
	return net_telemetry_init();
fail:
	rc = -rte_errno;
fail_rc:
	sl_net_term();
	return rc;
}

static void
drain_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

void
sl_net_term(void)
{
	struct sl_lcore *lc;

	net_neigh_term();
	net_route_term();
	SL_WORKER_FOREACH(lc) {
		drain_ring(lc->net.ctrl_tx);
		rte_ring_free(lc->net.ctrl_tx);
		lc->net.ctrl_tx = NULL;
		rte_ip_frag_table_destroy(lc->net.frag_tbl);
		lc->net.frag_tbl = NULL;
	}
	drain_ring(net_to_mgmt);
	rte_ring_free(net_to_mgmt);
	net_to_mgmt = NULL;
	rte_mempool_free(net_indirect_pool);
	net_indirect_pool = NULL;
}

static inline void
eth_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m)
{
	struct sl_net_stats *st = &lc->net.stats;
	const struct rte_ether_hdr *eth;

	st->rx_frames++;
	if (unlikely(m->data_len < sizeof(*eth))) {
		st->eth_short++;
		goto drop;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &port->mac) &&
			!rte_is_broadcast_ether_addr(&eth->dst_addr)) {
		st->eth_other_host++;
		goto drop;
	}
	switch (eth->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		rte_pktmbuf_adj(m, sizeof(*eth));
		net_ipv4_input(lc, port, m);
		return;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		rte_pktmbuf_adj(m, sizeof(*eth));
		net_arp_input(lc, port, m);
		return;
	default:
		st->eth_type_unknown++;
		goto drop;
	}
drop:
	rte_pktmbuf_free(m);
}

static sl_net_burst_end_t burst_end; /* set before workers start */

void
sl_net_register_burst_end(sl_net_burst_end_t fn)
{
	burst_end = fn;
}

void
sl_net_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf **pkts,
		uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_input(lc, port, pkts[i]);
	}
	if (burst_end != NULL)
		burst_end(lc);
}

static unsigned int
send_ctrl_frames(struct sl_lcore *lc)
{
	struct rte_mbuf *pkts[SL_PORT_BURST];
	unsigned int i, n;

	n = rte_ring_sc_dequeue_burst(lc->net.ctrl_tx, (void **)pkts, RTE_DIM(pkts), NULL);
	for (i = 0; i < n; i++) {
		const struct sl_port *port = sl_port_get(net_meta(pkts[i])->port);

		lc->net.stats.ctrl_tx++;
		sl_port_tx(lc, port, pkts[i]);
	}
	return n;
}

unsigned int
sl_net_worker_poll(struct sl_lcore *lc)
{
	struct sl_net_lcore *nl = &lc->net;
	unsigned int work = send_ctrl_frames(lc);
	uint64_t now;

	if (nl->death_row.cnt != 0) {
		nl->stats.ip_frag_dropped += nl->death_row.cnt;
		rte_ip_frag_free_death_row(&nl->death_row, 3);
	}
	now = lc->now;
	if (now >= nl->frag_next_expire) {
		rte_ip_frag_table_del_expired_entries(nl->frag_tbl, &nl->death_row, now);
		nl->frag_next_expire = now + sl_clock_from_ms(100);
	}
	return work;
}

unsigned int
sl_net_mgmt_poll(void)
{
	struct rte_mbuf *pkts[SL_PORT_BURST];
	unsigned int i, n;

	n = rte_ring_sc_dequeue_burst(net_to_mgmt, (void **)pkts, RTE_DIM(pkts), NULL);
	for (i = 0; i < n; i++) {
		if (net_meta(pkts[i])->kind == NET_META_ARP)
			net_arp_process(pkts[i]);
		else
			net_neigh_resolve(pkts[i]);
	}
	net_neigh_timers(rte_rdtsc());
	return n;
}

void
sl_net_mgmt_announce(void)
{
	unsigned int i;

	if (!sl_net_conf.arp.gratuitous)
		return;
	for (i = 0; i < sl_port_count(); i++) {
		const struct sl_port *port = sl_port_get((uint16_t)i);

		net_arp_request(port, port->addr, NULL, port->addr);
		net_mgmt_stats.arp_gratuitous_sent++;
	}
}

void
net_mgmt_send(struct rte_mbuf *m, uint16_t port)
{
	struct sl_lcore *lc = sl_lcore_get(sl_lcore_worker_lcore(0));

	net_meta(m)->kind = NET_META_SEND;
	net_meta(m)->port = port;
	if (rte_ring_sp_enqueue(lc->net.ctrl_tx, m) != 0) {
		net_mgmt_stats.mgmt_tx_full++;
		rte_pktmbuf_free(m);
	}
}
