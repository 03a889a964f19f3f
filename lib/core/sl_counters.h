/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/counters: the one way counter blocks declared with SL_COUNTER_* are
 * summed over lcores, printed and exported to telemetry. A block is a struct
 * of uint64_t fields; `names` comes from the same X-macro.
 *
 * Callers: management lcore and the telemetry thread (reads are relaxed
 * atomic loads of counters that workers own and write).
 */
#ifndef SL_COUNTERS_H
#define SL_COUNTERS_H

#include <stdint.h>
#include <stdio.h>

#include <rte_telemetry.h>

/* Number of counters in a block. */
#define SL_COUNTERS_N(block) (sizeof(block) / sizeof(uint64_t))

/* sum[i] += block[i] for n counters. */
void sl_counters_add(uint64_t *sum, const void *block, unsigned int n);

/* One "prefix name value" line for each non-zero counter. */
void sl_counters_print(FILE *f, const char *prefix, const char *const *names, const void *block,
		unsigned int n);

/* Add every counter to a telemetry dict already started. */
void sl_counters_tel(struct rte_tel_data *d, const char *const *names, const void *block,
		unsigned int n);

#endif /* SL_COUNTERS_H */
