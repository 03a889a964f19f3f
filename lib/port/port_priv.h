/* SPDX-License-Identifier: BSD-3-Clause */
/* port: helpers private to the module. */
#ifndef PORT_PRIV_H
#define PORT_PRIV_H

#include <stddef.h>
#include <stdint.h>

extern int sl_port_logtype;
#define PORT_LOG(level, fmt, ...) SL_LOG(sl_port_logtype, level, "port: " fmt, ##__VA_ARGS__)

extern const char *const sl_port_rss_type_names[];
extern const char *const sl_port_rx_offload_names[];
extern const char *const sl_port_tx_offload_names[];

/* Parse a hex RSS key; returns its length in bytes or -EINVAL. */
int sl_port_rss_key_parse(const char *hex, uint8_t *key, size_t size);

/* The started ports (owned by port.c). */
extern struct sl_port sl_ports[];
extern unsigned int sl_n_ports;

int sl_port_telemetry_init(void);

/* The tx offloads a profile asks for (RTE_ETH_TX_OFFLOAD_* bits). */
uint64_t sl_port_tx_offload_bits(const struct sl_port_profile *prof);
uint64_t sl_port_rx_offload_bits(const struct sl_port_profile *prof);

/* The vnet backend (port_vnet.c): a port over AF_PACKET with virtio-net
 * headers, for profiles of bus "sluice". Start fills the port's queues,
 * MAC and offloads; rx/tx are the burst functions of a worker's queue. */
struct sl_port_conf;
int port_vnet_start(struct sl_port *port, const struct sl_port_conf *pc, unsigned int workers);
void port_vnet_stop(struct sl_port *port);
void port_vnet_stats(struct port_vnet *v, struct rte_eth_stats *st);

#endif /* PORT_PRIV_H */
