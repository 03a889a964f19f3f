/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz: shared bring-up, worker loop turn, resets and leak checks; see fuzz_common.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mempool.h>

#include "sl_idle.h"
#include "sl_net.h"
#include "sl_tcp.h"
#include "net_priv.h"
#include "tcp_priv.h"

#include "fuzz_common.h"

const struct rte_ether_addr fz_front_mac = {.addr_bytes = {0x02, 0x51, 0, 0, 0, 0x18}};
const struct rte_ether_addr fz_back_mac = {.addr_bytes = {0x02, 0x51, 0, 0, 0, 0x19}};
const struct rte_ether_addr fz_host_a_mac = {.addr_bytes = {0x02, 0, 0, 0, 0x18, 0x02}};
const struct rte_ether_addr fz_host_b_mac = {.addr_bytes = {0x02, 0, 0, 0, 0x19, 0x02}};
const struct rte_ether_addr fz_host_c_mac = {.addr_bytes = {0x02, 0, 0, 0, 0x19, 0x03}};

struct sl_lcore *fz_lc;
const struct sl_port *fz_front, *fz_back;

/* The neighbour timers' clock: a day ahead of the TSC, so that the real-time
 * runs in sl_net_mgmt_poll() are always skipped and only resets age entries. */
static uint64_t fake_clock;

/* EAL's runtime directory, empty with --no-shconf: removed at exit. */
static char runtime_dir[256];

static void
remove_runtime_dir(void)
{
	rmdir(runtime_dir);
}

static void
die(const char *what, int rc)
{
	fprintf(stderr, "fuzz: %s failed: %d (%s)\n", what, rc, rte_strerror(rc < 0 ? -rc : rc));
	abort();
}

static void
set_port(struct sl_port_conf *pc, const char *name, uint32_t addr, int64_t mtu)
{
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->profile, sizeof(pc->profile), "ring");
	pc->address.addr = addr;
	pc->address.depth = 24;
	pc->mtu = mtu;
}

static void
set_listener(unsigned int i, uint32_t addr, int64_t port, const char *service, int64_t backlog)
{
	struct sl_tcp_listener_conf *l = &sl_tcp_conf.listeners[i];

	l->address = addr;
	l->port = port;
	snprintf(l->service, sizeof(l->service), "%s", service);
	l->backlog = backlog;
}

/* Explicit values for everything the harnesses depend on (no config file). */
static void
configure(void)
{
	sl_idle_conf =
		(struct sl_idle_conf){.spin_polls = 1024, .pause_polls = 4096, .sleep_max_us = 200};

	memset(&sl_ports_conf, 0, sizeof(sl_ports_conf));
	snprintf(sl_ports_conf.profiles_dir, sizeof(sl_ports_conf.profiles_dir), "%s",
		SL_DRIVERS_CONF_DIR);
	sl_ports_conf.mbufs = 4095;
	sl_ports_conf.mbuf_cache = 32;
	set_port(&sl_ports_conf.list[0], "front", FZ_FRONT_ADDR, 1500);
	set_port(&sl_ports_conf.list[1], "back", FZ_BACK_ADDR, 1000);
	sl_ports_conf.n_ports = 2;

	memset(&sl_net_conf, 0, sizeof(sl_net_conf));
	sl_net_conf.ip_forward = true;
	sl_net_conf.icmp_echo = true;
	sl_net_conf.icmp_errors = true;
	sl_net_conf.icmp_errors_per_s = 1000000;
	sl_net_conf.default_gateway = FZ_IP(198, 19, 0, 254);
	sl_net_conf.routes[0] = (struct sl_net_route_conf){
		.prefix = {.addr = FZ_IP(198, 18, 128, 0), .depth = 17},
		.via = FZ_IP(198, 18, 0, 3)};
	sl_net_conf.n_routes = 1;
	sl_net_conf.arp = (struct sl_net_arp_conf){.reachable_ms = 100000,
		.retrans_ms = 100,
		.probes = 2,
		.pending_max = 4,
		.entries_max = 64,
		.gratuitous = false};
	sl_net_conf.frag =
		(struct sl_net_frag_conf){.reassemble = true, .flows_max = 16, .timeout_ms = 1000};
	sl_net_conf.ring_size = 1024;

	memset(&sl_tcp_conf, 0, sizeof(sl_tcp_conf));
	set_listener(0, FZ_FRONT_ADDR, 7, "echo", 4); /* small backlog: SYN cookies */
	set_listener(1, 0, 9, "discard", 64);
	set_listener(2, 0, 19, "source", 64);
	sl_tcp_conf.n_listeners = 3;
	sl_tcp_conf.max_conns = 256;
	sl_tcp_conf.rcvbuf = 16384;
	sl_tcp_conf.sndbuf = 16384;
	sl_tcp_conf.rto_initial_ms = 100;
	sl_tcp_conf.rto_min_ms = 10;
	sl_tcp_conf.rto_max_ms = 2000;
	sl_tcp_conf.retries = 3;
	sl_tcp_conf.syn_retries = 2;
	sl_tcp_conf.delack_ms = 5;
	sl_tcp_conf.keepalive = (struct sl_tcp_keepalive_conf){
		.enabled = true, .idle_s = 10, .interval_s = 1, .probes = 2};
	sl_tcp_conf.idle_timeout_s = 60;
	sl_tcp_conf.user_timeout_ms = 20000;
	sl_tcp_conf.time_wait_ms = 2000;
	sl_tcp_conf.time_wait_max = 8;
	sl_tcp_conf.syncookies = true;
	sl_tcp_conf.timestamps = true;
	sl_tcp_conf.sack = true;
	sl_tcp_conf.window_scaling = true;
	snprintf(sl_tcp_conf.congestion, sizeof(sl_tcp_conf.congestion), "cubic");
	sl_tcp_conf.rst_per_s = 10000000;
	sl_tcp_conf.ephemeral_min = 32768;
	sl_tcp_conf.ephemeral_max = 60999;
	sl_tcp_conf.ooo_max_bytes = 8192;
}

/* The ring PMD has no MAC: pin known ones (in the PMD and in net's copy). */
static void
set_mac(const struct sl_port *port, const struct rte_ether_addr *mac)
{
	int rc = rte_eth_dev_default_mac_addr_set(
		port->ethdev, (struct rte_ether_addr *)(uintptr_t)mac);

	if (rc < 0 && rc != -ENOTSUP)
		die("setting a port's MAC", rc);
	((struct sl_port *)(uintptr_t)port)->mac = *mac;
}

/* Hosts added by fz_learn_host(). */
static struct {
	const struct sl_port *port;
	uint32_t addr;
	struct rte_ether_addr mac;
} extra_hosts[8];
static unsigned int n_extra_hosts;

static void
learn_hosts(void)
{
	unsigned int i;

	net_neigh_learn(fz_front, FZ_HOST_A, &fz_host_a_mac, true);
	net_neigh_learn(fz_back, FZ_HOST_B, &fz_host_b_mac, true);
	for (i = 0; i < n_extra_hosts; i++)
		net_neigh_learn(
			extra_hosts[i].port, extra_hosts[i].addr, &extra_hosts[i].mac, true);
}

void
fz_learn_host(const struct sl_port *port, uint32_t addr, const struct rte_ether_addr *mac)
{
	if (n_extra_hosts == RTE_DIM(extra_hosts)) {
		fprintf(stderr, "fuzz: fz_learn_host: more than %u hosts\n",
			(unsigned int)RTE_DIM(extra_hosts));
		abort();
	}
	extra_hosts[n_extra_hosts].port = port;
	extra_hosts[n_extra_hosts].addr = addr;
	extra_hosts[n_extra_hosts].mac = *mac;
	n_extra_hosts++;
	net_neigh_learn(port, addr, mac, true);
	fz_pump(NULL, 0);
}

void
fz_setup(const char *name)
{
	/*
	 * A file prefix per pid, and --no-shconf: no shared config or fbarray
	 * files (3 MB under /var/run/dpdk per process otherwise, never removed,
	 * and libFuzzer's -merge and -fork start many processes). Lcore 1 is
	 * the worker (never launched). SL_FUZZ_LOG=debug shows the logs.
	 */
	const char *log = getenv("SL_FUZZ_LOG");
	char prefix[64];
	char *eal_argv[] = {(char *)(uintptr_t)name, "--no-huge", "-m", "256", "--no-pci",
		"--no-telemetry", "--no-shconf", "--lcores", "0,1", "--file-prefix", prefix,
		"--log-level", (char *)(uintptr_t)(log != NULL ? log : "error"), NULL};
	int rc;

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	rc = rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv);
	if (rc < 0)
		die("rte_eal_init", -rte_errno);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(remove_runtime_dir);
	configure();
	rc = sl_lcore_setup();
	if (rc < 0 || sl_lcore_worker_count() != 1)
		die("sl_lcore_setup (needs exactly one worker lcore)", rc);
	rc = sl_port_init();
	if (rc < 0)
		die("sl_port_init", rc);
	rc = sl_net_init();
	if (rc < 0)
		die("sl_net_init", rc);
	rc = sl_tcp_init();
	if (rc < 0)
		die("sl_tcp_init", rc);
	fz_lc = sl_lcore_get(sl_lcore_worker_lcore(0));
	fz_front = sl_port_get(0);
	fz_back = sl_port_get(1);
	if (fz_lc == NULL || fz_front == NULL || fz_back == NULL || sl_port_count() != 2)
		die("looking up the worker and the ports", -EINVAL);
	set_mac(fz_front, &fz_front_mac);
	set_mac(fz_back, &fz_back_mac);
	fake_clock = rte_rdtsc() + rte_get_tsc_hz() * 86400;
	net_neigh_timers(fake_clock);
	learn_hosts();
	fz_pump(NULL, 0);
	fz_check_pools("set-up");
}

struct rte_mbuf *
fz_frame(const uint8_t *data, size_t len, const uint32_t *splits, unsigned int n_splits)
{
	struct rte_mempool *pool = sl_port_pool();
	struct rte_mbuf *head = NULL, *tail = NULL;
	size_t off = 0;
	unsigned int s = 0;

	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		size_t end = len;
		char *p;

		if (m == NULL) {
			fprintf(stderr,
				"fuzz: mbuf pool empty building an input frame: %u in use\n",
				rte_mempool_in_use_count(pool));
			abort();
		}
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

/* Flush the transmit buffers through the PMD and take the frames back. */
static unsigned int
drain(fz_frame_cb cb)
{
	struct rte_mbuf *pkts[SL_PORT_BURST];
	unsigned int i, n, total = 0;
	uint16_t p;

	sl_port_flush(fz_lc);
	for (p = 0; p < sl_port_count(); p++) {
		const struct sl_port *port = sl_port_get(p);

		while ((n = rte_eth_rx_burst(port->ethdev, 0, pkts, RTE_DIM(pkts))) != 0) {
			for (i = 0; i < n; i++) {
				if (cb != NULL)
					cb(p, pkts[i]);
				rte_pktmbuf_free(pkts[i]);
			}
			total += n;
		}
	}
	return total;
}

void
fz_pump(fz_frame_cb cb, uint64_t warp_tsc)
{
	unsigned int turn, work;

	for (turn = 0; turn < 16; turn++) {
		if (warp_tsc != 0) {
			/* The worker's clock running ahead: timers fire early. */
			fz_lc->now = rte_rdtsc() + warp_tsc;
		} else {
			sl_lcore_clock_update(fz_lc);
		}
		work = sl_lcore_timers_run(fz_lc) + sl_tcp_worker_poll(fz_lc);
		work += sl_net_mgmt_poll();
		work += sl_net_worker_poll(fz_lc);
		work += drain(cb);
		if (work == 0)
			break;
	}
}

void
fz_tcp_reset(void)
{
	struct sl_tcp_lcore *t = &fz_lc->tcp;
	struct tcp_conn *conns[64];
	unsigned int n, i, rounds = 0;

	do {
		const void *key;
		void *data;
		uint32_t iter = 0;

		n = 0;
		while (n < RTE_DIM(conns) && rte_hash_iterate(t->conns, &key, &data, &iter) >= 0)
			conns[n++] = data;
		for (i = 0; i < n; i++)
			sl_tcp_abort((struct sl_tcp_conn *)conns[i]);
		fz_pump(NULL, 0);
	} while (n != 0 && ++rounds < 100);
	if (n != 0 || t->gauges.open != 0 || fz_lc->wheel->armed != 0) {
		fprintf(stderr,
			"fuzz: tcp reset: %u connections still hashed, open %" PRIu64 ", %" PRIu64
			" timers armed\n",
			n, t->gauges.open, fz_lc->wheel->armed);
		abort();
	}
	/* Nothing is armed: restart the wheel (and the clocks) at the real time. */
	fz_lc->now = rte_rdtsc();
	sl_timer_wheel_init(fz_lc->wheel, fz_lc->now, fz_lc->wheel->tick);
	t->rst_refill = fz_lc->now;
}

void
fz_net_reset(void)
{
	struct sl_net_lcore *nl = &fz_lc->net;
	uint32_t dropped;
	int64_t i;

	fz_tcp_reset();
	/* Every datagram being reassembled, expired now. */
	do {
		rte_ip_frag_table_del_expired_entries(nl->frag_tbl, &nl->death_row, UINT64_MAX);
		dropped = nl->death_row.cnt;
		nl->stats.ip_frag_dropped += dropped;
		rte_ip_frag_free_death_row(&nl->death_row, 0);
	} while (dropped != 0);
	/* Every neighbour: reachable -> probe -> gone, or incomplete -> failed. */
	for (i = 0; i < sl_net_conf.arp.probes + 3; i++) {
		fake_clock += rte_get_tsc_hz() / 1000 *
			      (uint64_t)(sl_net_conf.arp.reachable_ms + sl_net_conf.arp.retrans_ms);
		net_neigh_timers(fake_clock);
		fz_pump(NULL, 0);
	}
	learn_hosts();
	fz_pump(NULL, 0);
}

void
fz_check_pools(const char *when)
{
	const struct sl_tcp_lcore *t = &fz_lc->tcp;
	unsigned int mbufs = rte_mempool_in_use_count(sl_port_pool());
	unsigned int indirect = rte_mempool_in_use_count(net_indirect_pool);
	unsigned int clones = tcp_clones_in_use();
	unsigned int conns = rte_mempool_in_use_count(tcp_conn_pool);
	uint32_t half_open = 0;
	unsigned int i;

	for (i = 0; i < SL_TCP_LISTENERS_MAX; i++)
		half_open += t->half_open[i];
	if (mbufs == 0 && indirect == 0 && clones == 0 && conns == 0 && t->gauges.open == 0 &&
		t->gauges.time_wait == 0 && half_open == 0)
		return;
	fprintf(stderr,
		"fuzz: LEAK after %s: in use: %u mbufs, %u indirect, %u tcp clones, "
		"%u tcp connections; tcp open %" PRIu64 ", time_waits %" PRIu64 ", half-open %u\n",
		when, mbufs, indirect, clones, conns, t->gauges.open, t->gauges.time_wait, half_open);
	abort();
}

uint16_t
fz_ipv4_cksum(const uint8_t *ip, unsigned int ihl)
{
	return (uint16_t)~rte_raw_cksum(ip, ihl);
}

uint16_t
fz_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, uint32_t len)
{
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
	} ph = {src, dst, 0, proto, rte_cpu_to_be_16((uint16_t)len)};
	uint32_t sum = __rte_raw_cksum(&ph, sizeof(ph), 0);
	uint16_t c;

	sum = __rte_raw_cksum(l4, len, sum);
	c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

uint8_t *
fz_eth_ipv4_tcp(uint8_t *frame, const struct rte_ether_addr *dmac,
	const struct rte_ether_addr *smac, uint32_t saddr, uint32_t daddr, uint32_t l4_len)
{
	static uint16_t ip_id;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	rte_ether_addr_copy(dmac, &eth->dst_addr);
	rte_ether_addr_copy(smac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = rte_cpu_to_be_16(ip_id++);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = saddr;
	ip->dst_addr = daddr;
	ip->hdr_checksum = fz_ipv4_cksum((const uint8_t *)ip, sizeof(*ip));
	return (uint8_t *)(ip + 1);
}
