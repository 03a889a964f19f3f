/* SPDX-License-Identifier: BSD-3-Clause */
/* net: DPDK telemetry commands (/sluice/net/...). Run on the telemetry thread. */
#include <rte_telemetry.h>

#include "net_priv.h"

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const names[] = { SL_NET_COUNTERS(SL_COUNTER_NAME) };
	static const char *const mgmt_names[] = { NET_MGMT_COUNTERS(SL_COUNTER_NAME) };
	struct sl_net_stats sum;
	const uint64_t *v = (const uint64_t *)&sum;
	const uint64_t *mv = (const uint64_t *)&net_mgmt_stats;
	unsigned int i;

	sl_net_stats_sum(&sum);
	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(names); i++)
		rte_tel_data_add_dict_u64(d, names[i], v[i]);
	for (i = 0; i < RTE_DIM(mgmt_names); i++)
		rte_tel_data_add_dict_u64(d, mgmt_names[i],
				__atomic_load_n(&mv[i], __ATOMIC_RELAXED));
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
