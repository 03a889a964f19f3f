/* SPDX-License-Identifier: BSD-3-Clause */
/* core/clock: conversion factors and the wall-clock reference; see sl_clock.h. */
#include <stdatomic.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "sl_clock.h"

/* Until sl_clock_init: a 1 GHz clock, so that nothing divides by zero. */
struct sl_clock_base sl_clock_base = { .hz = 1000000000, .per_us = 1000, .per_ms = 1000000 };

/*
 * The reference pair is written by the management lcore and read by any
 * (the access log writer, later the cache): a sequence count keeps a reader
 * from mixing two pairs.
 */
static struct {
	atomic_uint seq;
	uint64_t tsc, ns;
} wall_ref;

void
sl_clock_init(void)
{
	uint64_t hz = rte_get_tsc_hz();

	sl_clock_base.hz = hz;
	sl_clock_base.per_us = RTE_MAX(hz / 1000000, (uint64_t)1);
	sl_clock_base.per_ms = 1000 * sl_clock_base.per_us;
	sl_clock_wall_sync();
}

void
sl_clock_wall_sync(void)
{
	struct timespec ts;
	unsigned int seq = atomic_load_explicit(&wall_ref.seq, memory_order_relaxed);

	clock_gettime(CLOCK_REALTIME, &ts);
	atomic_store_explicit(&wall_ref.seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	__atomic_store_n(&wall_ref.tsc, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
	__atomic_store_n(&wall_ref.ns, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec,
			__ATOMIC_RELAXED);
	atomic_store_explicit(&wall_ref.seq, seq + 2, memory_order_release);
}

void
sl_clock_wall_poll(void)
{
	uint64_t last = __atomic_load_n(&wall_ref.tsc, __ATOMIC_RELAXED);

	if (rte_get_tsc_cycles() - last >= sl_clock_base.hz)
		sl_clock_wall_sync();
}

/* Cycles as nanoseconds, without overflowing for spans of years. */
static uint64_t
span_ns(uint64_t cycles, uint64_t hz)
{
	return cycles / hz * 1000000000u + cycles % hz * 1000000000u / hz;
}

uint64_t
sl_clock_wall_ns(uint64_t tsc)
{
	uint64_t ref_tsc, ref_ns, hz = sl_clock_base.hz;
	unsigned int seq;

	do {
		seq = atomic_load_explicit(&wall_ref.seq, memory_order_acquire);
		ref_tsc = __atomic_load_n(&wall_ref.tsc, __ATOMIC_RELAXED);
		ref_ns = __atomic_load_n(&wall_ref.ns, __ATOMIC_RELAXED);
		atomic_thread_fence(memory_order_acquire);
	} while ((seq & 1) != 0 ||
			seq != atomic_load_explicit(&wall_ref.seq, memory_order_relaxed));
	if (tsc >= ref_tsc)
		return ref_ns + span_ns(tsc - ref_tsc, hz);
	return ref_ns - span_ns(ref_tsc - tsc, hz);
}
