/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp: the counter blocks (registry) and the DPDK telemetry commands
 * (/sluice/tcp/...), which run on the telemetry thread.
 */
#include <stdio.h>

#include <rte_hash.h>
#include <rte_telemetry.h>

#include "sl_counters.h"
#include "tcp_priv.h"

SL_COUNTERS_DEFINE(tcp_counters, SL_TCP_COUNTERS, .module = "tcp",
		.lcore_offset = offsetof(struct sl_lcore, tcp.stats));
SL_COUNTERS_DEFINE(tcp_gauges, SL_TCP_GAUGES, .module = "tcp", .prefix = "connections_",
		.kind = SL_COUNTER_KIND_GAUGE,
		.lcore_offset = offsetof(struct sl_lcore, tcp.gauges));

/* The registry's counters and gauges, and the pools' fill. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	sl_counters_tel_module(d, "tcp");
	rte_tel_data_add_dict_u64(d, "conn_objects_in_use", rte_mempool_in_use_count(tcp_conn_pool));
	rte_tel_data_add_dict_u64(d, "clones_in_use", tcp_clones_in_use());
	return 0;
}

/*
 * Up to 64 connections, one string each. Read racily from the telemetry
 * thread: a snapshot for operators, not a consistent view.
 */
static int
tel_conns(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_lcore *lc;
	unsigned int n = 0;

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	SL_WORKER_FOREACH(lc) {
		const void *key;
		void *data;
		uint32_t iter = 0;

		while (n < 64 && rte_hash_iterate(lc->tcp.conns, &key, &data, &iter) >= 0) {
			const struct tcp_conn *c = data;
			char line[RTE_TEL_MAX_STRING_LEN];

			snprintf(line, sizeof(line), "%u:%u %s una=%u nxt=%u max=%u wnd=%u cwnd=%u "
					"sndq=%u rcvq=%u ooo=%u srtt=%u rto=%u",
					rte_be_to_cpu_16(c->key.lport), rte_be_to_cpu_16(c->key.rport),
					tcp_state_names[c->state], c->snd_una - c->iss,
					c->snd_nxt - c->iss, c->snd_max - c->iss, c->snd_wnd,
					c->cc.cwnd, c->sndq_len, c->rcvq_len, c->reass.bytes,
					c->srtt_us, c->rto_us);
			rte_tel_data_add_array_string(d, line);
			n++;
		}
	}
	return 0;
}

int
tcp_telemetry_init(void)
{
	int rc = rte_telemetry_register_cmd("/sluice/tcp/stats", tel_stats,
			"TCP counters summed over workers, open connections. No parameters");

	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sluice/tcp/conns", tel_conns,
				"Up to 64 connections: ports, state, sequence, windows, queues");
	return rc;
}
