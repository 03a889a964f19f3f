/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port: the counter block of the queues (registry) and the DPDK telemetry
 * commands (/sluice/port/...), which run on the telemetry thread.
 */
#include <stddef.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "sl_counters.h"
#include "sl_lcore.h"
#include "sl_port.h"
#include "port_priv.h"

static const char *
port_name(unsigned int i)
{
	return sl_port_get((uint16_t)i)->name;
}

/* Each worker's queue pair on each port. */
SL_COUNTERS_DEFINE(port_queue_counters, SL_PORT_QUEUE_COUNTERS, .module = "port",
		.prefix = "queue_", .lcore_offset = offsetof(struct sl_lcore, port.stats),
		.instance_label = "port", .instance_count = sl_port_count,
		.instance_name = port_name, .instance_stride = sizeof(struct sl_port_queue_stats));

static int
tel_port_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (i = 0; i < sl_n_ports; i++)
		rte_tel_data_add_array_string(d, sl_ports[i].name);
	return 0;
}

static int
tel_port_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_port *port;
	struct sl_port_queue_stats sum;
	struct rte_eth_stats st;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int i;

	if (params == NULL || (port = sl_port_by_name(params)) == NULL)
		return -EINVAL;
	sl_port_stats_sum(port->index, &sum);
	sl_port_dev_stats(port, &st);
	rte_ether_format_addr(mac, sizeof(mac), &port->mac);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "mac", mac);
	rte_tel_data_add_dict_u64(d, "ethdev", port->ethdev);
	rte_tel_data_add_dict_u64(d, "rx_queues", port->nb_rxq);
	rte_tel_data_add_dict_u64(d, "tx_queues", port->nb_txq);
	for (i = 0; i < port_queue_counters.n; i++)
		rte_tel_data_add_dict_u64(d, port_queue_counters.names[i],
				((const uint64_t *)&sum)[i]);
	rte_tel_data_add_dict_u64(d, "imissed", st.imissed);
	rte_tel_data_add_dict_u64(d, "ierrors", st.ierrors);
	rte_tel_data_add_dict_u64(d, "oerrors", st.oerrors);
	rte_tel_data_add_dict_u64(d, "rx_nombuf", st.rx_nombuf);
	rte_tel_data_add_dict_u64(d, "pool_in_use", rte_mempool_in_use_count(sl_port_pool()));
	rte_tel_data_add_dict_u64(d, "pool_size", sl_port_pool()->size);
	rte_tel_data_add_dict_u64(d, "ctl_pool_in_use",
			rte_mempool_in_use_count(sl_port_ctl_pool()));
	rte_tel_data_add_dict_u64(d, "ctl_pool_size", sl_port_ctl_pool()->size);
	return 0;
}

int
sl_port_telemetry_init(void)
{
	int rc;

	rc = rte_telemetry_register_cmd("/sluice/port/list", tel_port_list,
			"Names of the ports. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sluice/port/stats", tel_port_stats,
				"Counters of one port, summed over lcores. Parameter: port name");
	return rc;
}
