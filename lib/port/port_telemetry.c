/* SPDX-License-Identifier: BSD-3-Clause */
/* port: DPDK telemetry commands (/sluice/port/...). Run on the telemetry thread. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "sl_counters.h"
#include "sl_port.h"
#include "port_priv.h"

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
	static const char *const names[] = { SL_PORT_QUEUE_COUNTERS(SL_COUNTER_NAME) };
	const struct sl_port *port;
	struct sl_port_queue_stats sum;
	struct rte_eth_stats st;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];

	if (params == NULL || (port = sl_port_by_name(params)) == NULL)
		return -EINVAL;
	sl_port_stats_sum(port->index, &sum);
	if (rte_eth_stats_get(port->ethdev, &st) < 0)
		memset(&st, 0, sizeof(st));
	rte_ether_format_addr(mac, sizeof(mac), &port->mac);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "mac", mac);
	rte_tel_data_add_dict_u64(d, "ethdev", port->ethdev);
	rte_tel_data_add_dict_u64(d, "rx_queues", port->nb_rxq);
	rte_tel_data_add_dict_u64(d, "tx_queues", port->nb_txq);
	sl_counters_tel(d, names, &sum, SL_COUNTERS_N(sum));
	rte_tel_data_add_dict_u64(d, "imissed", st.imissed);
	rte_tel_data_add_dict_u64(d, "ierrors", st.ierrors);
	rte_tel_data_add_dict_u64(d, "oerrors", st.oerrors);
	rte_tel_data_add_dict_u64(d, "rx_nombuf", st.rx_nombuf);
	rte_tel_data_add_dict_u64(d, "pool_in_use", rte_mempool_in_use_count(sl_port_pool()));
	rte_tel_data_add_dict_u64(d, "pool_size", sl_port_pool()->size);
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
