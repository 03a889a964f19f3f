/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/neigh: the neighbour (ARP) table.
 *
 * The management lcore is the only writer: it learns from ARP, resolves next
 * hops for frames workers could not send, probes and expires entries. Workers
 * read it lock-free (rte_hash with RW_CONCURRENCY_LF); a deleted entry is
 * freed only after every worker has reported quiescence (rte_rcu_qsbr).
 * A worker reads an entry's MAC as one atomic 64-bit word, so a MAC change
 * is never seen half-written, and keeps the MACs it sends to in a small
 * cache of its own: a hash lookup per frame cost more than the rest of
 * Ethernet output. The table's generation, bumped after a MAC changes or
 * an entry goes, tells a worker when its copies are stale.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "net_priv.h"

enum neigh_state {
	NEIGH_INCOMPLETE, /* resolving: broadcast requests, frames held */
	NEIGH_REACHABLE,  /* confirmed within reachable_ms */
	NEIGH_PROBE,      /* usable; unicast probes sent to re-confirm */
};

static const char *const state_names[] = { "incomplete", "reachable", "probe" };

#define MAC_VALID (1ull << 48)

struct neigh {
	uint64_t mac_word; /* MAC in bytes 0..5, MAC_VALID: usable (atomic) */
	/* Below: management lcore only. */
	uint32_t ip;
	uint16_t port;
	enum neigh_state state;
	uint64_t confirmed;  /* tsc of the last confirmation */
	uint64_t next_tx;    /* tsc of the next request or probe */
	uint32_t requests;   /* sent in the current state */
	uint32_t n_held;
	struct rte_mbuf *held[]; /* frames waiting for resolution, FIFO */
};

struct net_mgmt_stats net_mgmt_stats;
static struct rte_hash *table;
/* Serialises the writer with the telemetry thread's dump (control plane only). */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t next_scan;
/* Starts at 1: a zeroed cache slot is never current. */
static uint32_t table_gen = 1;

static uint64_t
mac_pack(const struct rte_ether_addr *mac)
{
	uint64_t w = 0;

	memcpy(&w, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return w | MAC_VALID;
}

static void
free_entry(void *p, void *data)
{
	struct neigh *n = data;
	uint32_t i;

	for (i = 0; i < n->n_held; i++)
		rte_pktmbuf_free(n->held[i]);
	rte_free(n);
}

int
net_neigh_init(void)
{
	struct rte_hash_parameters params = {
		.name = "sl_neigh",
		.entries = (uint32_t)sl_net_conf.arp.entries_max,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash_rcu_config rcu = {
		.v = sl_lcore_rcu(),
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.free_key_data_func = free_entry,
	};

	table = rte_hash_create(&params);
	if (table == NULL)
		return -rte_errno;
	return rte_hash_rcu_qsbr_add(table, &rcu);
}

void
net_neigh_term(void)
{
	const void *key;
	void *data;
	uint32_t iter = 0;

	if (table == NULL)
		return;
	/* Workers have stopped: free directly. */
	while (rte_hash_iterate(table, &key, &data, &iter) >= 0)
		free_entry(NULL, data);
	rte_hash_free(table);
	table = NULL;
}

/* The usable MAC word of ip's entry, or 0. */
static uint64_t
mac_word_of(uint32_t ip)
{
	struct neigh *n;
	uint64_t w;

	if (rte_hash_lookup_data(table, &ip, (void **)&n) < 0)
		return 0;
	w = __atomic_load_n(&n->mac_word, __ATOMIC_ACQUIRE);
	return (w & MAC_VALID) ? w : 0;
}

bool
net_neigh_lookup(uint32_t ip, struct rte_ether_addr *mac)
{
	uint64_t w = mac_word_of(ip);

	memcpy(mac->addr_bytes, &w, RTE_ETHER_ADDR_LEN);
	return w != 0;
}

bool
net_neigh_cached(struct sl_net_lcore *nl, uint32_t ip, struct rte_ether_addr *mac)
{
	/* Multiplied, so that next hops differing in any octet spread: the
	 * low bits alone put 198.18.0.2 and 198.19.0.2 in one slot. */
	uint32_t slot = (rte_be_to_cpu_32(ip) * 0x9e3779b1u) >> (32 - SL_NET_NEIGH_CACHE_BITS);
	struct sl_net_neigh_slot *s = &nl->neigh_cache[slot];
	/* Read before the table: a change after this read bumps it again. */
	uint32_t gen = __atomic_load_n(&table_gen, __ATOMIC_ACQUIRE);

	if (s->ip != ip || s->gen != gen) {
		uint64_t w = mac_word_of(ip);

		if (w == 0)
			return false;
		s->ip = ip;
		s->gen = gen;
		s->mac_word = w;
	}
	memcpy(mac->addr_bytes, &s->mac_word, RTE_ETHER_ADDR_LEN);
	return true;
}

/* After a MAC changed or an entry went: the workers' copies are stale. */
static void
table_changed(void)
{
	__atomic_fetch_add(&table_gen, 1, __ATOMIC_RELEASE);
}

static struct neigh *
find(uint32_t ip)
{
	struct neigh *n;

	return rte_hash_lookup_data(table, &ip, (void **)&n) < 0 ? NULL : n;
}

static struct neigh *
create(const struct sl_port *port, uint32_t ip)
{
	size_t size = sizeof(struct neigh) +
		(size_t)sl_net_conf.arp.pending_max * sizeof(struct rte_mbuf *);
	struct neigh *n = rte_zmalloc("sl_neigh", size, 0);

	if (n == NULL) {
		net_mgmt_stats.neigh_table_full++;
		return NULL;
	}
	n->ip = ip;
	n->port = port->index;
	n->state = NEIGH_INCOMPLETE;
	if (rte_hash_add_key_data(table, &ip, n) < 0) {
		net_mgmt_stats.neigh_table_full++;
		rte_free(n);
		return NULL;
	}
	net_mgmt_stats.neigh_created++;
	return n;
}

/* Send n's held frames now that its MAC is known. */
static void
release_held(struct neigh *n)
{
	const struct sl_port *port = sl_port_get(n->port);
	struct rte_ether_addr mac;
	uint32_t i;

	memcpy(mac.addr_bytes, &n->mac_word, RTE_ETHER_ADDR_LEN);
	for (i = 0; i < n->n_held; i++) {
		struct rte_mbuf *m = n->held[i];
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)
			rte_pktmbuf_prepend(m, sizeof(*eth));

		if (eth == NULL) {
			rte_pktmbuf_free(m);
			continue;
		}
		rte_ether_addr_copy(&mac, &eth->dst_addr);
		rte_ether_addr_copy(&port->mac, &eth->src_addr);
		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		net_mgmt_stats.neigh_released++;
		net_mgmt_send(m, port->index);
	}
	n->n_held = 0;
}

void
net_neigh_learn(const struct sl_port *port, uint32_t ip, const struct rte_ether_addr *mac,
		bool create_new)
{
	uint64_t w = mac_pack(mac);
	struct neigh *n;

	pthread_mutex_lock(&table_lock);
	n = find(ip);
	if (n == NULL && create_new)
		n = create(port, ip);
	if (n == NULL)
		goto out;
	if (n->state != NEIGH_INCOMPLETE && n->mac_word != w)
		net_mgmt_stats.neigh_mac_changed++;
	n->port = port->index;
	if (n->mac_word != w) {
		__atomic_store_n(&n->mac_word, w, __ATOMIC_RELEASE);
		table_changed();
	}
	n->state = NEIGH_REACHABLE;
	n->confirmed = rte_rdtsc();
	n->requests = 0;
	net_mgmt_stats.neigh_confirmed++;
	release_held(n);
out:
	pthread_mutex_unlock(&table_lock);
}

static void
hold(struct neigh *n, struct rte_mbuf *m)
{
	if (n->n_held == (uint32_t)sl_net_conf.arp.pending_max) {
		net_mgmt_stats.neigh_hold_full++;
		rte_pktmbuf_free(m);
		return;
	}
	n->held[n->n_held++] = m;
	net_mgmt_stats.neigh_held++;
}

void
net_neigh_resolve(struct rte_mbuf *m)
{
	const struct net_meta *meta = net_meta(m);
	const struct sl_port *port = sl_port_get(meta->port);
	struct neigh *n;

	pthread_mutex_lock(&table_lock);
	n = find(meta->nexthop);
	if (n == NULL) {
		n = create(port, meta->nexthop);
		if (n == NULL) {
			rte_pktmbuf_free(m);
			goto out;
		}
		net_arp_request(port, n->ip, NULL, port->addr);
		net_mgmt_stats.arp_requests_sent++;
		n->requests = 1;
		n->next_tx = rte_rdtsc() + sl_clock_from_ms((uint64_t)sl_net_conf.arp.retrans_ms);
	}
	hold(n, m);
	/* Resolved after the worker looked: send at once. */
	if (n->mac_word & MAC_VALID)
		release_held(n);
out:
	pthread_mutex_unlock(&table_lock);
}

/* Advance one entry's timers; returns true if it must be removed. */
static bool
neigh_tick(struct neigh *n, uint64_t now)
{
	const struct sl_net_arp_conf *c = &sl_net_conf.arp;
	const struct sl_port *port = sl_port_get(n->port);
	struct rte_ether_addr mac;

	if (n->state == NEIGH_REACHABLE) {
		if (now - n->confirmed < sl_clock_from_ms((uint64_t)c->reachable_ms))
			return false;
		n->state = NEIGH_PROBE;
		n->requests = 0;
		n->next_tx = now;
	}
	if (now < n->next_tx)
		return false;
	if (n->requests >= (uint32_t)c->probes) {
		if (n->state == NEIGH_INCOMPLETE) {
			net_mgmt_stats.neigh_failed++;
			net_mgmt_stats.neigh_unresolved += n->n_held;
		} else {
			net_mgmt_stats.neigh_expired++;
		}
		/* Workers never read held frames: free them now, not after the
		 * grace period that the entry itself must wait for. */
		while (n->n_held > 0)
			rte_pktmbuf_free(n->held[--n->n_held]);
		return true;
	}
	if (n->state == NEIGH_INCOMPLETE) {
		net_arp_request(port, n->ip, NULL, port->addr);
		net_mgmt_stats.arp_requests_sent++;
	} else {
		memcpy(mac.addr_bytes, &n->mac_word, RTE_ETHER_ADDR_LEN);
		net_arp_request(port, n->ip, &mac, port->addr);
		net_mgmt_stats.arp_probes_sent++;
	}
	n->requests++;
	n->next_tx = now + sl_clock_from_ms((uint64_t)c->retrans_ms);
	return false;
}

void
net_neigh_timers(uint64_t now)
{
	uint32_t doomed[64];
	unsigned int n_doomed = 0, i;
	const void *key;
	void *data;
	uint32_t iter = 0;

	if (now < next_scan)
		return;
	next_scan = now + sl_clock_from_ms(10);
	pthread_mutex_lock(&table_lock);
	while (rte_hash_iterate(table, &key, &data, &iter) >= 0 && n_doomed < RTE_DIM(doomed))
		if (neigh_tick(data, now))
			doomed[n_doomed++] = *(const uint32_t *)key;
	/* The hash frees the entry (and its held frames) after a grace period. */
	for (i = 0; i < n_doomed; i++)
		rte_hash_del_key(table, &doomed[i]);
	if (n_doomed > 0)
		table_changed();
	pthread_mutex_unlock(&table_lock);
}

void
net_neigh_dump(struct rte_tel_data *d)
{
	const void *key;
	void *data;
	uint32_t iter = 0;

	/* Telemetry names cannot hold dots: one "ip mac port state held" string each. */
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	pthread_mutex_lock(&table_lock);
	while (table != NULL && rte_hash_iterate(table, &key, &data, &iter) >= 0) {
		const struct neigh *n = data;
		char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE] = "-";
		char line[RTE_TEL_MAX_STRING_LEN];
		struct rte_ether_addr ea;

		memcpy(ea.addr_bytes, &n->mac_word, RTE_ETHER_ADDR_LEN);
		if (n->mac_word & MAC_VALID)
			rte_ether_format_addr(mac, sizeof(mac), &ea);
		inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
		snprintf(line, sizeof(line), "%s %s %s %s %u", ip, mac,
				sl_port_get(n->port)->name, state_names[n->state], n->n_held);
		if (rte_tel_data_add_array_string(d, line) < 0)
			break;
	}
	pthread_mutex_unlock(&table_lock);
}
