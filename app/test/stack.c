/* SPDX-License-Identifier: BSD-3-Clause */
/* test/stack: bring-up, fake clock, worker turns and leak checks; see sl_test_stack.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "sl_acl.h"
#include "sl_clock.h"
#include "sl_conf.h"
#include "sl_idle.h"
#include "sl_net.h"
#include "sl_proxy.h"
#include "sl_tcp.h"
#include "sl_test_stack.h"

const struct rte_ether_addr sl_test_front_mac = { .addr_bytes = { 0x02, 0x51, 0, 0, 0, 0x18 } };
const struct rte_ether_addr sl_test_back_mac = { .addr_bytes = { 0x02, 0x51, 0, 0, 0, 0x19 } };

/* EAL's runtime directory, empty with --no-shconf: removed at cleanup. */
static char runtime_dir[256];

int
sl_test_eal_init(const char *name, bool telemetry)
{
	const char *log = getenv("SL_TEST_LOG");
	char prefix[64];
	char *argv[] = { (char *)(uintptr_t)name, "--no-huge", "-m", "512", "--no-pci",
		"--no-shconf", "--lcores", "0,1", "--file-prefix", prefix, "--log-level",
		(char *)(uintptr_t)(log != NULL ? log : "error"),
		telemetry ? NULL : "--no-telemetry", NULL };
	int argc = (int)RTE_DIM(argv) - (telemetry ? 2 : 1);

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n", name,
				rte_strerror(rte_errno));
		return -1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	return 0;
}

void
sl_test_eal_cleanup(void)
{
	char path[sizeof(runtime_dir) + 32];

	rte_eal_cleanup();
	snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", runtime_dir);
	unlink(path);
	rmdir(runtime_dir);
}

/* The daemon's order (app/sluiced/main.c), cut at a layer. */
static const struct {
	enum sl_test_layer layer;
	const char *name;
	int (*conf_register)(void);
	int (*validate)(struct sl_conf_error *err);
	int (*init)(void);
	void (*term)(void);
} modules[] = {
	{ SL_TEST_LCORES, "idle", sl_idle_conf_register, NULL, NULL, NULL },
	{ SL_TEST_PORTS, "port", sl_port_conf_register, sl_port_validate, sl_port_init,
	  sl_port_term },
	{ SL_TEST_NET, "net", sl_net_conf_register, sl_net_validate, sl_net_init, sl_net_term },
	{ SL_TEST_ACL, "acl", sl_acl_conf_register, sl_acl_validate, sl_acl_init, sl_acl_term },
	{ SL_TEST_TCP, "tcp", sl_tcp_conf_register, sl_tcp_validate, sl_tcp_init, sl_tcp_term },
	{ SL_TEST_PROXY, "proxy", sl_proxy_conf_register, sl_proxy_validate, sl_proxy_init,
	  sl_proxy_term },
};

static int
configure(enum sl_test_layer top, const char *conf)
{
	struct sl_conf_error err;
	unsigned int i;

	sl_conf_reset();
	for (i = 0; i < RTE_DIM(modules) && modules[i].layer <= top; i++)
		if (modules[i].conf_register() < 0) {
			fprintf(stderr, "test stack: registering %s's settings failed\n",
					modules[i].name);
			return -1;
		}
	if (sl_conf_load(NULL, conf != NULL ? conf : "", &err) < 0)
		goto bad;
	for (i = 0; i < RTE_DIM(modules) && modules[i].layer <= top; i++)
		if (modules[i].validate != NULL && modules[i].validate(&err) < 0)
			goto bad;
	return 0;
bad:
	fprintf(stderr, "test stack: configuration: %s:%d: %s\n", err.file, err.line, err.msg);
	return -1;
}

/* The ring PMD has no MAC: pin known ones (in the PMD and in the copy net uses). */
static int
pin_mac(const struct sl_port *port, const struct rte_ether_addr *mac)
{
	int rc = rte_eth_dev_default_mac_addr_set(port->ethdev,
			(struct rte_ether_addr *)(uintptr_t)mac);

	if (rc < 0 && rc != -ENOTSUP) {
		fprintf(stderr, "test stack: setting %s's MAC: %s\n", port->name,
				rte_strerror(-rc));
		return -1;
	}
	((struct sl_port *)(uintptr_t)port)->mac = *mac;
	return 0;
}

int
sl_test_stack_start(enum sl_test_layer top, const char *conf, struct sl_test_stack *ts)
{
	unsigned int i;
	int rc;

	memset(ts, 0, sizeof(*ts));
	if (configure(top, conf) < 0)
		return -1;
	rc = sl_lcore_setup();
	if (rc < 0 || sl_lcore_worker_count() != 1) {
		fprintf(stderr, "test stack: lcore set-up: %d, %u workers (want 1)\n", rc,
				sl_lcore_worker_count());
		return -1;
	}
	ts->lc = sl_lcore_get(sl_lcore_worker_lcore(0));
	ts->top = SL_TEST_LCORES;
	for (i = 0; i < RTE_DIM(modules) && modules[i].layer <= top; i++) {
		if (modules[i].init == NULL)
			continue;
		rc = modules[i].init();
		if (rc < 0) {
			fprintf(stderr, "test stack: %s init: %s\n", modules[i].name,
					rte_strerror(-rc));
			sl_test_stack_stop(ts);
			return -1;
		}
		ts->top = modules[i].layer;
		if (modules[i].layer != SL_TEST_PORTS)
			continue;
		ts->front = sl_port_get(0);
		ts->back = sl_port_get(1);
		if ((ts->front != NULL && pin_mac(ts->front, &sl_test_front_mac) < 0) ||
				(ts->back != NULL && pin_mac(ts->back, &sl_test_back_mac) < 0)) {
			sl_test_stack_stop(ts);
			return -1;
		}
	}
	return 0;
}

static int
pool_full(struct rte_mempool *pool, const char *when)
{
	if (pool == NULL || rte_mempool_avail_count(pool) == pool->size)
		return 0;
	fprintf(stderr, "leak %s: %u of %u mbufs in %s\n", when,
			rte_mempool_avail_count(pool), pool->size, pool->name);
	return -1;
}

int
sl_test_pools_full(const char *when)
{
	int rc = pool_full(sl_port_pool(), when);

	return pool_full(sl_port_ctl_pool(), when) < 0 ? -1 : rc;
}

int
sl_test_stack_stop(struct sl_test_stack *ts)
{
	int rc = 0;
	int i;

	for (i = (int)RTE_DIM(modules) - 1; i >= 0; i--) {
		if (modules[i].layer > ts->top || modules[i].term == NULL)
			continue;
		/* After every user of mbufs, before the pool goes. */
		if (modules[i].layer == SL_TEST_PORTS && sl_test_pools_full("after term") < 0)
			rc = -1;
		modules[i].term();
	}
	if (ts->lc != NULL)
		sl_lcore_term();
	memset(ts, 0, sizeof(*ts));
	return rc;
}

unsigned int
sl_test_clock_set(struct sl_lcore *lc, uint64_t tsc)
{
	lc->now = tsc;
	return sl_lcore_timers_run(lc);
}

unsigned int
sl_test_clock_advance_us(struct sl_lcore *lc, uint64_t us)
{
	return sl_test_clock_set(lc, lc->now + sl_clock_from_us(us));
}

unsigned int
sl_test_worker_turn(const struct sl_test_stack *ts)
{
	unsigned int work = sl_lcore_timers_run(ts->lc);

	if (ts->top >= SL_TEST_TCP)
		work += sl_tcp_worker_poll(ts->lc);
	if (ts->top >= SL_TEST_NET) {
		work += sl_net_mgmt_poll();
		work += sl_net_worker_poll(ts->lc);
	}
	if (ts->top >= SL_TEST_PORTS)
		sl_port_flush(ts->lc);
	return work;
}

unsigned int
sl_test_port_take(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf **out,
		unsigned int max)
{
	struct rte_mbuf *pkts[SL_PORT_BURST];
	unsigned int n = 0, i;
	uint16_t got;

	sl_port_flush(lc);
	while ((got = rte_eth_rx_burst(port->ethdev, 0, pkts, RTE_DIM(pkts))) > 0)
		for (i = 0; i < got; i++, n++) {
			if (n < max)
				out[n] = pkts[i];
			else
				rte_pktmbuf_free(pkts[i]);
		}
	return n;
}
