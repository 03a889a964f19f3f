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

SL_COUNTERS_DEFINE(net_worker_counters, SL_NET_COUNTERS, .module = "net",
		.lcore_offset = offsetof(struct sl_lcore, net.stats));
/* ARP and neighbour resolution run on the management lcore. */
SL_COUNTERS_DEFINE(net_mgmt_counters, NET_MGMT_COUNTERS, .module = "net",
		.global = &net_mgmt_stats);

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
