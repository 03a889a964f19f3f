/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port: ethdev bring-up from a drivers-conf profile, queue layout, link and
 * port counters, and the burst helpers workers use.
 *
 * Callers: init/term and lookups on the management lcore; sl_port_rx,
 * sl_port_tx and sl_port_flush on workers (each on its own queues).
 * Owns: the ports, their mbuf pool, their profiles.
 *
 * Queue layout: worker w polls rx queue w (if the port has that many) and
 * sends on tx queue w of every port; the management lcore owns no queue and
 * sends through a worker (see net's control ring).
 */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ethdev.h>

#include "sl_core.h"
#include "sl_conf.h"
#include "sl_lcore.h"
#include "sl_port_types.h"

#define SL_PORT_NAME_LEN 32
#define SL_PORT_MAX_STRINGS 8

/* A drivers-conf profile: how to drive one kind of NIC or virtual PMD. */
struct sl_port_profile {
	char driver[32];      /* DPDK driver name, e.g. net_af_packet, net_ixgbe */
	char bus[8];          /* "vdev" (created by us) or "pci" (probed) */
	char devargs[256];    /* template: {iface} {queues} {index} {name} {pci} */
	int64_t rx_desc, tx_desc;
	int64_t max_queues;   /* rx queues at most; tx is one per worker */
	bool rss;             /* spread flows over rx queues with RSS */
	bool rx_fanout;       /* the PMD spreads rx over all queues itself */
	char rss_key[128];    /* hex, 40 or 52 bytes; "" = the PMD's key */
	char rss_types[SL_PORT_MAX_STRINGS][16];
	unsigned int n_rss_types;
	char rx_offloads[SL_PORT_MAX_STRINGS][24];
	unsigned int n_rx_offloads;
	char tx_offloads[SL_PORT_MAX_STRINGS][24];
	unsigned int n_tx_offloads;
	bool promiscuous;
	bool tso_l2_in_mtu;   /* net_tap 22.11: TSO segments 14 bytes short */
	bool tx_cksum_even_segs; /* net_tap 22.11: sums each mbuf from an even offset */
};

/* One port as declared in the configuration. */
struct sl_port_conf {
	char name[SL_PORT_NAME_LEN];
	char profile[64];
	char iface[32];       /* kernel interface, for af_packet and tap */
	char pci[32];         /* PCI address, for hardware profiles */
	char devargs[256];    /* appended to the profile's devargs */
	struct sl_conf_prefix address;
	int64_t mtu;
	int64_t rx_desc, tx_desc; /* 0: the profile's */
	int64_t reorder_pct;  /* test impairment: % of frames sent out of order */
	int64_t rx_drop_pct;  /* test impairment: % of received frames dropped */
};

struct sl_ports_conf {
	char profiles_dir[256];
	int64_t mbufs;
	int64_t mbuf_cache;
	int64_t control_mbufs;
	struct sl_port_conf list[SL_PORT_MAX];
	unsigned int n_ports;
};

/* A port once started. */
struct sl_port {
	uint16_t index;       /* position in the configuration */
	uint16_t ethdev;      /* DPDK port id, valid when attached (not vnet) */
	struct port_vnet *vnet; /* the vnet backend's state, else NULL */
	bool attached;
	char name[SL_PORT_NAME_LEN];
	struct rte_ether_addr mac;
	uint32_t addr;        /* network byte order */
	uint8_t depth;
	uint16_t mtu;
	uint16_t nb_rxq, nb_txq;
	/* Offloads in force. With RX TCP_LRO, TCP segments of up to 64 KiB
	 * arrive marked RTE_MBUF_F_RX_LRO, tso_segsz their senders' MSS. */
	uint64_t rx_offloads;
	uint64_t tx_offloads;
	uint16_t tx_seg_max;  /* mbufs one packet may chain, for TSO */
	uint32_t reorder_pct;
	uint32_t rx_drop_pct;
	/* RSS steering: how the NIC picks an rx queue, for choosing source ports
	 * whose return traffic lands on the owning worker's queue. */
	bool rss_steering;
	uint8_t rss_key_len;
	uint8_t rss_key[64];
	uint16_t reta_size;
	uint16_t reta[512];
	struct sl_port_profile profile;
};

extern struct sl_ports_conf sl_ports_conf;

int sl_port_conf_register(void);

/*
 * Check every port's profile and settings without touching hardware, so
 * `--check` sees profile errors too. Fills *err as conf does.
 */
int sl_port_validate(struct sl_conf_error *err);

/* Bring up (init) and stop (term) every configured port. */
int sl_port_init(void);
void sl_port_term(void);

unsigned int sl_port_count(void);
const struct sl_port *sl_port_get(uint16_t index);
const struct sl_port *sl_port_by_name(const char *name);
/* Management, while workers run: change a port's test impairments (the
 * settings a port takes live; the others need a restart). 0 or -EINVAL. */
int sl_port_set_impairment(uint16_t index, uint32_t reorder_pct, uint32_t rx_drop_pct);
/* The pool the NIC receives into; data the stack queues lives there too. */
struct rte_mempool *sl_port_pool(void);
/*
 * Small mbufs (SL_PORT_CTL_ROOM bytes of data) for the headers the stack
 * builds: TCP headers (their payload is chained from the data pool), ACKs,
 * RSTs, ARP, ICMP errors, fragment headers. Kept apart so that queued data
 * filling the packet pool can never stop the stack from sending what
 * drains it.
 */
struct rte_mempool *sl_port_ctl_pool(void);
#define SL_PORT_CTL_ROOM 256

/* Load and check one profile file by name (from profiles_dir). */
int sl_port_profile_load(const char *name, struct sl_port_profile *p, struct sl_conf_error *err);
/* Expand a devargs template for port `pc`, number `index`, with `queues`. */
int sl_port_devargs(const struct sl_port_profile *p, const struct sl_port_conf *pc,
		unsigned int index, unsigned int queues, char *out, size_t size);

/*
 * The rx queue the NIC's RSS would choose for an IPv4 TCP/UDP packet from
 * src:sport to dst:dport (network byte order), by software Toeplitz over the
 * port's key and redirection table; -1 if the port does not steer by RSS.
 */
int sl_port_rss_queue(const struct sl_port *p, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport);
/* The Toeplitz hash of an IPv4 4-tuple (network order) under `key`. */
uint32_t sl_port_toeplitz(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport,
		uint16_t dport);

/* The device's own counters: the PMD's, or the vnet backend's. */
int sl_port_dev_stats(const struct sl_port *p, struct rte_eth_stats *st);

uint16_t port_vnet_rx(struct port_vnet *v, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t port_vnet_tx(struct port_vnet *v, uint16_t queue, struct rte_mbuf **pkts, uint16_t n);

/* The largest IPv4 packet a TSO segment cut by port p may make. */
static inline uint16_t
sl_port_tso_ip_max(const struct sl_port *p)
{
	return (uint16_t)(p->mtu - (p->profile.tso_l2_in_mtu ? RTE_ETHER_HDR_LEN : 0));
}

/* Worker: the device's burst functions, for either kind of port. */
static inline uint16_t
sl_port_rx_burst(const struct sl_port *p, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	if (p->vnet != NULL)
		return port_vnet_rx(p->vnet, queue, pkts, n);
	return rte_eth_rx_burst(p->ethdev, queue, pkts, n);
}

static inline uint16_t
sl_port_tx_burst(const struct sl_port *p, uint16_t queue, struct rte_mbuf **pkts, uint16_t n)
{
	if (p->vnet != NULL)
		return port_vnet_tx(p->vnet, queue, pkts, n);
	return rte_eth_tx_burst(p->ethdev, queue, pkts, n);
}

/* Sum the queue counters of all workers for one port. */
void sl_port_stats_sum(uint16_t index, struct sl_port_queue_stats *sum);
/* Print each device's own counters (shutdown report; the queues' are in
 * the counter registry). */
void sl_port_report(FILE *f);

/* Test impairment: drop some received frames (loss the sender cannot see). */
uint16_t sl_port_impair_rx(struct sl_lcore *lc, const struct sl_port *p, struct rte_mbuf **pkts,
		uint16_t n);

/* Worker: receive a burst from this lcore's queue of port `index`. */
static inline uint16_t
sl_port_rx(struct sl_lcore *lc, const struct sl_port *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got;

	if (lc->worker_id >= p->nb_rxq)
		return 0;
	got = sl_port_rx_burst(p, lc->worker_id, pkts, n);
	if (unlikely(p->rx_drop_pct != 0) && got != 0)
		got = sl_port_impair_rx(lc, p, pkts, got);
	if (got != 0) {
		lc->port.stats[p->index].rx_packets += got;
		lc->port.stats[p->index].rx_bursts++;
	}
	return got;
}

/* Test impairment: send some frames after their successor (reordering). */
void sl_port_impair(struct sl_lcore *lc, const struct sl_port *p);

/* Worker: send what is buffered for port `index`; drops what the PMD refuses. */
static inline void
sl_port_flush_one(struct sl_lcore *lc, const struct sl_port *p)
{
	struct sl_port_txbuf *b = &lc->port.tx[p->index];
	uint16_t sent;

	if (unlikely(p->reorder_pct != 0))
		sl_port_impair(lc, p);
	if (b->n == 0)
		return;
	sent = sl_port_tx_burst(p, lc->worker_id, b->pkts, b->n);
	lc->port.stats[p->index].tx_packets += sent;
	if (unlikely(sent < b->n)) {
		lc->port.stats[p->index].tx_full += b->n - sent;
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

/* Worker: queue one frame for port `index`, sending when the buffer fills. */
static inline void
sl_port_tx(struct sl_lcore *lc, const struct sl_port *p, struct rte_mbuf *m)
{
	struct sl_port_txbuf *b = &lc->port.tx[p->index];

	b->pkts[b->n++] = m;
	if (b->n == SL_PORT_BURST)
		sl_port_flush_one(lc, p);
}

/* Worker: send everything buffered on every port (end of a loop turn). */
void sl_port_flush(struct sl_lcore *lc);

#endif /* SL_PORT_H */
