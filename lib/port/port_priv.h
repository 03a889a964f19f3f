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

#endif /* PORT_PRIV_H */
