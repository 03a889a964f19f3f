/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/timer: a per-lcore hashed timing wheel for the fast path (TCP
 * retransmit, delayed ACK, keepalive, idle and TIME_WAIT timers; later
 * request timeouts and health probes).
 *
 * One wheel per lcore, used only by that lcore: no locks, no syscalls.
 * Time is the TSC. The wheel has SL_TIMER_SLOTS slots of one tick each; a
 * timer further away than about one revolution waits in a slot and is
 * skipped until its round comes (the timer keeps the absolute expiry).
 * Arming, re-arming and cancelling are O(1); running costs O(timers due +
 * slots passed, at most SL_TIMER_SLOTS per run), plus one visit per
 * revolution of each timer further away.
 *
 * A callback may re-arm or cancel any timer, itself included, and may free
 * the memory of its own timer after cancelling or not re-arming. It must not
 * call sl_timer_run() or sl_timer_wheel_init() on the same wheel. A timer a
 * callback arms for a time already passed fires on the next run, not in the
 * current one, so a periodic timer fires at most once per run.
 *
 * Callers: the owning lcore only. Owns: nothing beyond the wheel's slots.
 */
#ifndef SL_TIMER_H
#define SL_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define SL_TIMER_SLOTS 4096 /* power of 2 */

struct sl_timer;
typedef void (*sl_timer_cb)(struct sl_timer *t);

/* Embed in the object it times; recover the object with container_of(). */
struct sl_timer {
	struct sl_timer *next;
	struct sl_timer **pprev; /* NULL when not armed */
	uint64_t expire;         /* TSC */
	sl_timer_cb cb;
};

struct sl_timer_wheel {
	uint64_t tick;   /* TSC cycles per slot */
	uint64_t now;    /* TSC of the last run (never goes back) */
	uint64_t cursor; /* index (not wrapped) of the next slot to run; slot
			  * cursor - 1 holds the timers armed in the past */
	uint64_t armed;  /* timers armed */
	uint64_t fired;  /* counter: callbacks run */
	struct sl_timer *slots[SL_TIMER_SLOTS];
};

/* Start a wheel at TSC `now` with slots of `tick` TSC cycles (> 0). */
void sl_timer_wheel_init(struct sl_timer_wheel *w, uint64_t now, uint64_t tick);

/* Prepare a timer (not armed). */
void sl_timer_init(struct sl_timer *t, sl_timer_cb cb);

/*
 * Arm (or re-arm) t to fire at TSC `expire`: never before it, and at the
 * latest at the first run at or after the end of the tick that holds it, so
 * late by less than one tick plus the time between two runs. A time at or
 * before the last run's `now` fires on the next sl_timer_run(), even within
 * the same tick.
 */
void sl_timer_arm(struct sl_timer_wheel *w, struct sl_timer *t, uint64_t expire);

/* Disarm t; harmless if it is not armed. */
void sl_timer_cancel(struct sl_timer_wheel *w, struct sl_timer *t);

static inline bool
sl_timer_pending(const struct sl_timer *t)
{
	return t->pprev != NULL;
}

/*
 * Fire the timers due at TSC `now` (a `now` before the last one counts as
 * the last one); returns how many fired. Slots fire earliest first, in no
 * order within a slot; after a jump of more than a revolution, in no order.
 * A firing timer is no longer pending when its callback runs.
 */
unsigned int sl_timer_run(struct sl_timer_wheel *w, uint64_t now);

#endif /* SL_TIMER_H */
