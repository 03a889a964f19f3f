/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/idle: back-off for poll-mode workers. After many empty polls a worker
 * pauses, then sleeps for doubling short intervals, so that a small machine
 * shared with clients stays usable; the first packet resets it.
 *
 * Callers: each worker on its own struct sl_idle. Owns: the idle settings.
 */
#ifndef SL_IDLE_H
#define SL_IDLE_H

#include "sl_idle_types.h"

/* Settings shared by all workers (set before workers launch). */
extern struct sl_idle_conf sl_idle_conf;

int sl_idle_conf_register(void);

/*
 * Record one poll that did `work` items; backs off when idle. Returns the
 * microseconds slept (0 if none) so tests can observe the policy.
 */
unsigned int sl_idle_poll(struct sl_idle *idle, unsigned int work);

#endif /* SL_IDLE_H */
