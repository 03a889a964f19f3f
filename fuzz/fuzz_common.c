/* SPDX-License-Identifier: BSD-3-Clause */
/* fuzz: the harnesses' stack, worker loop turns, resets and leak checks; see fuzz_common.h. */
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

const struct rte_ether_addr fz_host_a_mac = {.addr_bytes = {0x02, 0, 0, 0, 0x18, 0x02}};
const struct rte_ether_addr fz_host_b_mac = {.addr_bytes = {0x02, 0, 0, 0, 0x19, 0x02}};
const struct rte_ether_addr fz_host_c_mac = {.addr_bytes = {0x02, 0, 0, 0, 0x19, 0x03}};

static struct sl_test_stack stack;
struct sl_lcore *fz_lc;
const struct sl_port *fz_front, *fz_back;

/* The neighbour timers' clock: a day ahead of the TSC, so that the real-time
 * runs in sl_net_mgmt_poll() are always skipped and only resets age entries. */
static uint64_t fake_clock;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "fuzz: %s failed: %d (%s)\n", what, rc, rte_strerror(rc < 0 ? -rc : rc));
	abort();
}

/* EAL's runtime directory is empty with --no-shconf: removed at exit
 * (libFuzzer's -merge and -fork start many processes). */
static void
remove_runtime_dir(void)
{
	rmdir(rte_eal_get_runtime_dir());
}

/* Explicit values for everything the harnesses and seeds depend on. */
static const char conf_fmt[] =
	"ports = { mbufs = 4095; mbuf_cache = 32; " SL_TEST_PORTS_CONF("", "mtu = 1000;") " };"
	"net = { ip_forward = true; icmp_echo = true; icmp_errors = true;"
	"  icmp_errors_per_s = 1000000; default_gateway = \"198.19.0.254\";"
	"  routes = ( { prefix = \"198.18.128.0/17\"; via = \"198.18.0.3\"; } );"
	"  arp = { reachable_ms = 100000; retrans_ms = 100; probes = 2; pending_max = 4;"
	"    entries_max = 64; gratuitous = false; };"
	"  frag = { reassemble = true; flows_max = 16; timeout_ms = 1000; }; ring_size = 1024; };"
	"tcp = {"
	/* a small backlog on echo: SYN cookies */
	"  listeners = ( { address = \"198.18.0.1\"; port = 7; service = \"echo\"; backlog = 4; },"
	"    { port = 9; service = \"discard\"; backlog = 64; },"
	"    { port = 19; service = \"source\"; backlog = 64; } );"
	"  max_conns = 256; rcvbuf = %" PRId64 "; sndbuf = %" PRId64 ";"
	"  rto_initial_ms = 100; rto_min_ms = 10; rto_max_ms = 2000; retries = 3; syn_retries = 2;"
	"  delack_ms = 5; keepalive = { enabled = true; idle_s = 10; interval_s = 1; probes = 2; };"
	"  idle_timeout_s = 60; user_timeout_ms = 20000; time_wait_ms = 2000; time_wait_max = 8;"
	"  rst_per_s = 10000000; ooo_max_bytes = 8192; };"
	"%s";

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
fz_setup(const char *name, int64_t tcp_buf, const char *proxy_conf)
{
	char *conf;

	/* Lcore 1 is the worker (never launched). SL_TEST_LOG=debug shows the logs. */
	if (sl_test_eal_init(name, false) < 0)
		abort();
	atexit(remove_runtime_dir);
	if (asprintf(&conf, conf_fmt, tcp_buf, tcp_buf, proxy_conf ? proxy_conf : "") < 0)
		die("formatting the configuration", -ENOMEM);
	if (sl_test_stack_start(proxy_conf ? SL_TEST_PROXY : SL_TEST_TCP, conf, &stack) < 0)
		die("starting the stack", -EINVAL);
	free(conf);
	fz_lc = stack.lc;
	fz_front = stack.front;
	fz_back = stack.back;
	fake_clock = rte_rdtsc() + rte_get_tsc_hz() * 86400;
	net_neigh_timers(fake_clock);
	learn_hosts();
	fz_pump(NULL, 0);
	fz_check_pools("set-up");
}

/* Take what the stack sent on every port, show it to cb and free it. */
static unsigned int
drain(fz_frame_cb cb)
{
	struct rte_mbuf *pkts[1024];
	unsigned int i, n, total = 0;
	uint16_t p;

	for (p = 0; p < sl_port_count(); p++) {
		n = sl_test_port_take(fz_lc, sl_port_get(p), pkts, RTE_DIM(pkts));
		for (i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(pkts)); i++) {
			if (cb != NULL)
				cb(p, pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
		total += n;
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
		work = sl_test_worker_turn(&stack);
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
	t->rst_rate.refill = t->challenge_rate.refill = fz_lc->now;
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
	unsigned int mbufs = rte_mempool_in_use_count(sl_port_pool()) +
			rte_mempool_in_use_count(sl_port_ctl_pool());
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
		when, mbufs, indirect, clones, conns, t->gauges.open, t->gauges.time_wait,
		half_open);
	abort();
}
