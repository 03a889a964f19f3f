/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashed timing wheel: see sl_timer.h.
 *
 * Slot index i (not wrapped) covers TSC (i - 1) * tick < expire <= i * tick,
 * so once `now` reaches i * tick every timer of this round in slot i is due
 * and a slot is run once per pass, not at every call. cursor is the first
 * slot not run yet; slot cursor - 1 (the slot of w->now) is the "due" slot:
 * it only ever holds timers armed at or before w->now, and every run scans it
 * first, so that a timer armed in the past fires on the next run. The wheel
 * therefore places timers directly up to SLOTS - 2 slots past the cursor;
 * further ones wait in the last of those slots and move on when it runs.
 */
#include <stddef.h>

#include "sl_timer.h"

#define SLOT_MASK (SL_TIMER_SLOTS - 1)

static void
list_insert(struct sl_timer **head, struct sl_timer *t)
{
	t->next = *head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

static void
list_unlink(struct sl_timer *t)
{
	*t->pprev = t->next;
	if (t->next != NULL)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

/* Slot index of an armed timer, relative to the current cursor. */
static uint64_t
slot_index(const struct sl_timer_wheel *w, uint64_t expire)
{
	uint64_t i;

	if (expire <= w->now)
		return w->cursor - 1;
	/* Round up, without overflow for expire near UINT64_MAX. */
	i = expire / w->tick + (expire % w->tick != 0);
	/* expire > now implies i >= cursor; beyond the horizon, wait at its end. */
	if (i - w->cursor > SL_TIMER_SLOTS - 2)
		i = w->cursor + SL_TIMER_SLOTS - 2;
	return i;
}

static void
place(struct sl_timer_wheel *w, struct sl_timer *t)
{
	list_insert(&w->slots[slot_index(w, t->expire) & SLOT_MASK], t);
}

void
sl_timer_wheel_init(struct sl_timer_wheel *w, uint64_t now, uint64_t tick)
{
	unsigned int i;

	w->tick = tick != 0 ? tick : 1;
	w->now = now;
	w->cursor = now / w->tick + 1;
	w->armed = 0;
	w->fired = 0;
	for (i = 0; i < SL_TIMER_SLOTS; i++)
		w->slots[i] = NULL;
}

void
sl_timer_init(struct sl_timer *t, sl_timer_cb cb)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expire = 0;
	t->cb = cb;
}

void
sl_timer_arm(struct sl_timer_wheel *w, struct sl_timer *t, uint64_t expire)
{
	if (t->pprev != NULL)
		list_unlink(t);
	else
		w->armed++;
	t->expire = expire;
	place(w, t);
}

void
sl_timer_cancel(struct sl_timer_wheel *w, struct sl_timer *t)
{
	if (t->pprev == NULL)
		return;
	list_unlink(t);
	w->armed--;
}

/* Take a slot's list away to a local head, which its first timer points to. */
static void
detach(struct sl_timer **slot, struct sl_timer **list)
{
	*list = *slot;
	*slot = NULL;
	if (*list != NULL)
		(*list)->pprev = list;
}

/*
 * Fire the due timers of a detached slot list. What the callbacks arm and
 * what is put back here lands in the fresh slots, so a slot is scanned once
 * per run. The head is re-read after every callback, which may have
 * cancelled, re-armed or freed any timer of the list.
 */
static unsigned int
run_list(struct sl_timer_wheel *w, struct sl_timer **list, uint64_t now)
{
	struct sl_timer *t;
	unsigned int n = 0;

	while ((t = *list) != NULL) {
		list_unlink(t);
		if (t->expire > now) {
			place(w, t); /* a later round: still armed */
			continue;
		}
		w->armed--;
		w->fired++;
		n++;
		t->cb(t); /* t may be gone now */
	}
	return n;
}

unsigned int
sl_timer_run(struct sl_timer_wheel *w, uint64_t now)
{
	struct sl_timer *list, *due;
	uint64_t first, last, i;
	unsigned int n = 0;

	if (now < w->now)
		now = w->now;  /* never move the wheel back */
	first = w->cursor - 1; /* the due slot of the last run */
	/* Most runs fall in the tick of the last one: spare the division. */
	if (now - first * w->tick < w->tick)
		last = first;
	else
		last = now / w->tick;
	/* Advance first: callbacks and put-back timers see the new time. */
	w->now = now;
	w->cursor = last + 1;
	if (w->armed == 0)
		return 0;
	/* After a long jump every slot is scanned once, not once per pass. */
	if (last - first >= SL_TIMER_SLOTS)
		first = last - (SL_TIMER_SLOTS - 1);
	/*
	 * Slot `last` is now the due slot, where callbacks put timers armed in
	 * the past: take it first so that those wait for the next run (a
	 * periodic timer cannot loop) and still run it last, in slot order.
	 */
	detach(&w->slots[last & SLOT_MASK], &due);
	for (i = first; i < last && w->armed != 0; i++) {
		detach(&w->slots[i & SLOT_MASK], &list);
		n += run_list(w, &list, now);
	}
	return n + run_list(w, &due, now);
}
