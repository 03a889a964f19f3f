/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proxy: the clock (OP_JUMP, and the 10 s at the end of an input).
 * tcp's clock cannot run ahead (an active open resets it to the TSC), so
 * when `ms` pass, time moves the other way: every armed timer and every
 * time stamp the stack and the proxy compare with it move back. In steps,
 * so that timers fire in order with the answers they cause in between.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_hash.h>

#include "tcp_priv.h"
#include "fuzz_proxy.h"

/* Every armed timer (the harness's own loops: not instrumented, they would
 * only slow the fuzzer down). */
static struct sl_timer **armed;
static size_t n_armed, armed_cap;

__attribute__((no_sanitize("coverage"))) static uint64_t
collect_timers(void)
{
	const struct sl_timer_wheel *wh = fz_lc->wheel;
	uint64_t first = UINT64_MAX;
	unsigned int i;

	n_armed = 0;
	for (i = 0; i < SL_TIMER_SLOTS; i++) {
		struct sl_timer *t;

		for (t = wh->slots[i]; t != NULL; t = t->next) {
			if (n_armed == armed_cap) {
				armed_cap = armed_cap ? armed_cap * 2 : 256;
				armed = realloc(armed, armed_cap * sizeof(*armed));
				if (armed == NULL)
					abort();
			}
			armed[n_armed++] = t;
			if (t->expire < first)
				first = t->expire;
		}
	}
	return first;
}

/* Move the collected timers and every time stamp d back (d has passed). */
static void
shift_clock(uint64_t d)
{
	struct sl_timer_wheel *wh = fz_lc->wheel;
	const void *key;
	void *data;
	uint32_t iter = 0;
	struct proxy_member_slot *ms;
	struct session *s;
	size_t i;

	for (i = 0; i < n_armed; i++)
		sl_timer_arm(wh, armed[i], armed[i]->expire > d ? armed[i]->expire - d : 0);
	while (rte_hash_iterate(fz_lc->tcp.conns, &key, &data, &iter) >= 0) {
		struct tcp_conn *c = data;

		c->last_rx -= d;
		c->opened -= d;
		c->rtt_start -= d;
	}
	for (s = fz_lc->proxy.w->sessions; s != NULL; s = s->next)
		s->t_head -= d;
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		struct proxy_member_lcore *ml = &ms->lc[fz_lc->proxy.w->wid];

		if (ml->down_until != 0)
			ml->down_until = ml->down_until > d ? ml->down_until - d : 1;
	}
}

bool
proxy_idle(void)
{
	return fz_lc->proxy.w->sessions == NULL && fz_lc->proxy.w->upconns == NULL;
}

/* Let ms pass, or less once done() says so. */
void
jump_until(uint64_t ms, bool (*done)(void))
{
	uint64_t left = ms * (rte_get_tsc_hz() / 1000), tick = fz_lc->wheel->tick;
	unsigned int steps;

	for (steps = 0; left > 0 && (done == NULL || !done()); steps++) {
		uint64_t now = rte_rdtsc(), first = collect_timers(), step;

		if (first == UINT64_MAX)
			break; /* nothing armed: time does not matter */
		step = first > now ? first - now + tick : tick;
		if (steps >= 32 || step > left)
			step = left;
		shift_clock(step);
		left -= step;
		peers_timeout();
		settle();
	}
}

void
jump(uint64_t ms)
{
	jump_until(ms, NULL);
}
