/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp: DPDK telemetry commands (/sluice/tcp/...). Run on the telemetry thread. */
#include <rte_telemetry.h>

#include "tcp_priv.h"

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const names[] = { SL_TCP_COUNTERS(SL_COUNTER_NAME) };
	struct sl_tcp_stats sum;
	const uint64_t *v = (const uint64_t *)&sum;
	uint64_t open, tw;
	unsigned int i;

	sl_tcp_stats_sum(&sum, &open, &tw);
	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(names); i++)
		rte_tel_data_add_dict_u64(d, names[i], v[i]);
	rte_tel_data_add_dict_u64(d, "open", open);
	rte_tel_data_add_dict_u64(d, "time_waits", tw);
	rte_tel_data_add_dict_u64(d, "conn_objects_in_use", rte_mempool_in_use_count(tcp_conn_pool));
	return 0;
}

int
tcp_telemetry_init(void)
{
	return rte_telemetry_register_cmd("/sluice/tcp/stats", tel_stats,
			"TCP counters summed over workers, open connections. No parameters");
}
