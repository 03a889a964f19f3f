/* SPDX-License-Identifier: BSD-3-Clause */
/* port: per-lcore transmit buffers and queue counters, embedded in struct sl_lcore. */
#ifndef SL_PORT_TYPES_H
#define SL_PORT_TYPES_H

#include <stdint.h>

#include "sl_core_types.h"

#define SL_PORT_MAX 8
#define SL_PORT_BURST 32

struct rte_mbuf;

struct sl_port_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[SL_PORT_BURST];
	struct rte_mbuf *held; /* test impairment: a frame sent after the next */
};

/* Counters of one lcore's queue pair on one port. */
#define SL_PORT_QUEUE_COUNTERS(X) \
	X(rx_packets, 0, "packets received on this queue") \
	X(rx_bursts, 0, "non-empty receive bursts") \
	X(tx_packets, 0, "packets the PMD accepted for transmission") \
	X(tx_full, SL_CTR_DROP, "dropped: the transmit queue was full") \
	X(tx_reordered, 0, "frames held back behind the next one (impairment test option)") \
	X(rx_impair_drops, 0, "frames dropped on receipt (impairment test option)")

struct sl_port_queue_stats {
	SL_PORT_QUEUE_COUNTERS(SL_COUNTER_FIELD)
};

struct sl_port_lcore {
	struct sl_port_txbuf tx[SL_PORT_MAX];
	struct sl_port_queue_stats stats[SL_PORT_MAX];
};

#endif /* SL_PORT_TYPES_H */
