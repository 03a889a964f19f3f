/* SPDX-License-Identifier: BSD-3-Clause */
/* net: DPDK telemetry commands (/sluice/net/...). Run on the telemetry thread. */
#include <rte_telemetry.h>

#include "net_priv.h"
#include "sl_counters.h"

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_net_stats sum;

	sl_net_stats_sum(&sum);
	rte_tel_data_start_dict(d);
	sl_counters_tel(d, net_counter_names, &sum, SL_COUNTERS_N(sum));
	sl_counters_tel(d, net_mgmt_counter_names, &net_mgmt_stats,
			SL_COUNTERS_N(net_mgmt_stats));
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
