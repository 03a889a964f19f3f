/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net: the counter blocks (registry) and the DPDK telemetry commands
 * (/sluice/net/...), which run on the telemetry thread.
 */
#include <stddef.h>

#include <rte_telemetry.h>

#include "net_priv.h"
#include "sl_counters.h"
#include "sl_lcore.h"

static const char *const worker_names[] = { SL_NET_COUNTERS(SL_COUNTER_NAME) };
static const char *const worker_descs[] = { SL_NET_COUNTERS(SL_COUNTER_DESC) };
static const uint16_t worker_marks[] = { SL_NET_COUNTERS(SL_COUNTER_MARKS) };

static const struct sl_counter_block net_worker_counters = {
	.module = "net",
	.names = worker_names,
	.descs = worker_descs,
	.marks = worker_marks,
	.n = RTE_DIM(worker_names),
	.lcore_offset = offsetof(struct sl_lcore, net.stats),
};
SL_COUNTERS_REGISTER(net_worker_counters);

/* ARP and neighbour resolution run on the management lcore. */
static const char *const mgmt_names[] = { NET_MGMT_COUNTERS(SL_COUNTER_NAME) };
static const char *const mgmt_descs[] = { NET_MGMT_COUNTERS(SL_COUNTER_DESC) };
static const uint16_t mgmt_marks[] = { NET_MGMT_COUNTERS(SL_COUNTER_MARKS) };

static const struct sl_counter_block net_mgmt_counters = {
	.module = "net",
	.names = mgmt_names,
	.descs = mgmt_descs,
	.marks = mgmt_marks,
	.n = RTE_DIM(mgmt_names),
	.global = &net_mgmt_stats,
};
SL_COUNTERS_REGISTER(net_mgmt_counters);

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	sl_counters_tel_module(d, "net");
	return 0;
}

static int
tel_neigh(const char *cmd, const char *params, struct rte_tel_data *d)
{
	net_neigh_dump(d);
	return 0;
}

int
net_telemetry_init(void)
{
	int rc;

	rc = rte_telemetry_register_cmd("/sluice/net/stats", tel_stats,
			"L2/L3 counters, summed over workers. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sluice/net/neigh", tel_neigh,
				"Neighbour table, one \"ip mac port state held\" string each. No parameters");
	return rc;
}
