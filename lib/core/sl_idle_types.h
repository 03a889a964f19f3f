/* SPDX-License-Identifier: BSD-3-Clause */
/* core/idle: worker idle back-off state, embedded in struct sl_lcore. */
#ifndef SL_IDLE_TYPES_H
#define SL_IDLE_TYPES_H

#include <stdint.h>

struct sl_idle_conf {
	int64_t spin_polls;   /* empty polls before backing off at all */
	int64_t pause_polls;  /* then this many polls with rte_pause() only */
	int64_t sleep_max_us; /* then sleeps doubling from 1 us up to this */
};

struct sl_idle {
	uint32_t empty_polls; /* consecutive polls that found no work */
	uint32_t sleep_us;    /* current sleep length, 0 when busy */
	uint64_t sleeps;      /* counter: times the worker slept */
};

#endif /* SL_IDLE_TYPES_H */
