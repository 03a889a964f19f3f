/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/clock: the one time base of the data path. Time is the TSC. Each
 * worker reads it once, at the top of its loop turn, into its context's
 * `now` (sl_lcore_clock_update); every module on that worker reads that
 * value, so that timers, timestamps, latencies and rate limits of one turn
 * agree (HAProxy's thread clock, h2o's loop clock). Tests and fuzzers drive
 * a worker on a fake clock by setting `now` themselves.
 *
 * This header converts durations to and from TSC cycles with factors taken
 * once (sl_clock_init), and maps a TSC value to wall-clock time.
 *
 * Callers: any lcore. Owns: the conversion factors and the wall-clock
 * reference (set by the management lcore).
 */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

#include <stdint.h>

struct sl_clock_base {
	uint64_t hz;     /* TSC cycles per second */
	uint64_t per_us; /* ... per microsecond (at least 1) */
	uint64_t per_ms; /* 1000 * per_us: ms and us conversions agree exactly */
};

extern struct sl_clock_base sl_clock_base;

/* Take the TSC frequency and a first wall-clock reference (after EAL init). */
void sl_clock_init(void);

static inline uint64_t
sl_clock_from_ms(uint64_t ms)
{
	return ms * sl_clock_base.per_ms;
}

static inline uint64_t
sl_clock_from_us(uint64_t us)
{
	return us * sl_clock_base.per_us;
}

static inline uint64_t
sl_clock_to_us(uint64_t tsc)
{
	return tsc / sl_clock_base.per_us;
}

static inline uint64_t
sl_clock_to_ms(uint64_t tsc)
{
	return tsc / sl_clock_base.per_ms;
}

/*
 * Wall-clock time (CLOCK_REALTIME, nanoseconds since the epoch) of a TSC
 * value, from the latest reference pair. sl_clock_wall_sync() takes a new
 * pair; sl_clock_wall_poll() does when the last is a second old, so that
 * TSC drift and NTP steps stay small (management lcore, every loop).
 */
uint64_t sl_clock_wall_ns(uint64_t tsc);
void sl_clock_wall_sync(void);
void sl_clock_wall_poll(void);

#endif /* SL_CLOCK_H */
