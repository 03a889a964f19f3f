/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proxy: the proxy's bookkeeping, checked between records and at the
 * end of an input — sessions, the generations they pin and the pin counts,
 * pooled connections per member slot, each live generation's balancers
 * (active counts, ejections) — and the management poll and the worker's
 * adoption of a generation, which the checks follow.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_proxy.h"

/* ---- generations ---- */

/* The generations not freed: the published one, then the retired ones. */
unsigned int
live_gens(struct proxy_gen **gens)
{
	struct proxy_gen *g;
	unsigned int n = 0;

	gens[n++] = proxy_gen_current();
	for (g = proxy_gen_retired(); g != NULL; g = g->next_retired) {
		if (n == GENS_MAX) {
			fail("more retired generations than the inputs can make (a loop, or "
			     "never freed)");
			break;
		}
		gens[n++] = g;
	}
	return n;
}

static int
gen_index(struct proxy_gen *const *gens, unsigned int n, const struct proxy_gen *g)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (gens[i] == g)
			return (int)i;
	return -1;
}

static bool
slot_known(const struct proxy_member_slot *m)
{
	const struct proxy_member_slot *ms;

	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next)
		if (ms == m)
			return true;
	return false;
}

/* Management: the poll of its loop. The worker is offline for RCU (never
 * registered with sl_lcore_rcu()), so every grace period has passed: only
 * the pins hold a generation, and it is freed as early as it may be. */
void
mgmt_turn(void)
{
	sl_proxy_mgmt_poll();
}

/* A worker that adopts a generation keeps its ejected members out, except
 * the last one standing of a pool, and forgets the ejections that expired. */
static void
check_carried(const struct proxy_worker *w)
{
	const struct proxy_gen *g = w->gen;
	uint64_t now = w->lc->now;
	uint32_t p, m;

	for (p = 0; p < g->n_pools; p++) {
		const struct proxy_pool_lcore *pl = proxy_pool_lcore(w, g, p);
		uint32_t down = 0, n = g->pools[p].n_members;

		for (m = 0; m < n; m++)
			down += !pl->bal.members[m].up;
		if (down != pl->n_down)
			fail("a new generation's n_down does not count its ejected members");
		for (m = 0; m < n; m++) {
			const struct proxy_member_lcore *ml =
				&g->pools[p].members[m].slot->lc[w->wid];
			bool up = pl->bal.members[m].up, ejected = now < ml->down_until;

			if (!up && !ejected)
				fail("a new generation's balancer has a member down that is not "
				     "ejected");
			if (up && ejected && down + 1 < n)
				fail("a new generation's balancer does not carry the worker's "
				     "ejections");
			if (!ejected && ml->down_until != 0)
				fail("an expired ejection time is left when a generation is "
				     "adopted");
		}
	}
}

/* The top of the worker's loop: adopt the published generation. */
void
worker_sync(void)
{
	struct proxy_worker *w = fz_lc->proxy.w;
	const struct proxy_gen *old = w->gen;

	sl_proxy_worker_sync(fz_lc);
	if (w->gen != old)
		check_carried(w);
}

/* ---- checks ---- */

/* What a busy upstream connection u must agree with: its session's
 * generation (live) names its member, and u counts as active in that
 * generation's balancer. */
static void
check_busy(const struct proxy_worker *w, const struct upconn *u, struct proxy_gen *const *gens,
	unsigned int n_gens)
{
	const struct session *s = u->s;
	const struct proxy_gen *g = s->gen;

	if (s->up != u)
		fail("an upstream connection's session does not point back to it");
	if (u->pprev_idle != NULL)
		fail("an upstream connection is both busy and idle");
	if (gen_index(gens, n_gens, g) < 0)
		return; /* reported with the sessions */
	if (s->act == NULL || s->act->kind != PROXY_ACT_POOL || s->act->pool >= g->n_pools ||
		s->member < 0 || (uint32_t)s->member >= g->pools[s->act->pool].n_members) {
		fail("a busy upstream connection's session has no member of a pool");
		return;
	}
	if (u->slot != g->pools[s->act->pool].members[s->member].slot)
		fail("a busy upstream connection is not to its session's member");
	if (u->bal != &proxy_pool_lcore(w, g, s->act->pool)->bal.members[s->member])
		fail("a busy upstream connection does not count in the balancer of its "
		     "session's generation");
}

/* The proxy's own bookkeeping, between records (no event is running). */
void
check_books(void)
{
	const struct proxy_worker *w = fz_lc->proxy.w;
	struct proxy_gen *gens[GENS_MAX];
	uint64_t sess_pins[GENS_MAX];
	unsigned int n_gens = live_gens(gens), i;
	const struct proxy_member_slot *ms;
	const struct session *s;
	const struct upconn *u;
	uint32_t p, m;

	memset(sess_pins, 0, sizeof(sess_pins));
	oracle_assigned_all();
	if (gen_index(gens, n_gens, w->gen) < 0)
		fail("the worker's generation is neither the published one nor a retired one");
	for (s = w->sessions; s != NULL; s = s->next) {
		int gi;

		if (s->client == NULL || s->dead)
			fail("a session outlived its client connection");
		if (s->depth != 0)
			fail("a session's event depth is not 0 between events");
		if (s->up != NULL && s->up->s != s)
			fail("a session's upstream connection belongs to another session");
		gi = gen_index(gens, n_gens, s->gen);
		if (gi < 0)
			fail("a session uses a generation that was freed");
		else
			sess_pins[gi]++;
	}
	for (i = 0; i < n_gens; i++) {
		uint64_t pins = atomic_load(&gens[i]->lcore[w->wid].pins);

		if (pins != sess_pins[i] + (gens[i] == w->gen))
			fail("a generation's pin count is not its sessions' and the worker's");
	}
	for (u = w->upconns; u != NULL; u = u->next) {
		if (u->conn == NULL)
			fail("an upstream connection outlived its TCP connection");
		if (!slot_known(u->slot)) {
			fail("an upstream connection of an unknown (freed) member");
			continue;
		}
		if (u->s != NULL)
			check_busy(w, u, gens, n_gens);
		else if (u->bal != NULL)
			fail("an upstream connection with no exchange counts in a balancer");
	}
	/* Each member (slot): its idle list and connection counts. */
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		const struct proxy_member_lcore *ml = &ms->lc[w->wid];
		uint32_t idle = 0, conns = 0;

		for (u = w->upconns; u != NULL; u = u->next)
			conns += u->slot == ms;
		for (u = ml->idle; u != NULL; u = u->next_idle) {
			if (u->s != NULL || u->slot != ms)
				fail("a busy or foreign connection in a member's idle list");
			if (++idle > 1000) {
				fail("a loop in a member's idle list");
				break;
			}
		}
		if (idle != ml->n_idle)
			fail("a member's n_idle does not count its idle list");
		if (conns != ml->n_conns)
			fail("a member's n_conns does not count its connections");
		if (ml->idle != NULL && atomic_load(&ms->last_gen) < w->gen->number)
			fail("a pooled connection to a member the worker's configuration no "
			     "longer names");
	}
	/* Each balancer of each live generation: exchanges and ejections. */
	for (i = 0; i < n_gens; i++) {
		const struct proxy_gen *g = gens[i];

		for (p = 0; p < g->n_pools; p++) {
			const struct proxy_pool_lcore *pl = proxy_pool_lcore(w, g, p);
			uint32_t down = 0;

			for (m = 0; m < g->pools[p].n_members; m++) {
				const struct sl_balance_member *bm = &pl->bal.members[m];
				const struct proxy_member_lcore *ml =
					&g->pools[p].members[m].slot->lc[w->wid];
				uint32_t busy = 0;

				for (u = w->upconns; u != NULL; u = u->next)
					busy += u->s != NULL && u->bal == bm;
				if (busy != bm->active)
					fail("a balancer's active count does not count the "
					     "exchanges");
				down += !bm->up;
				if (g != w->gen)
					continue;
				/* Within one generation, a member is up exactly when it
				 * is not ejected. Across a change, the balancer of an
				 * older generation may eject or readmit it; an ejection
				 * time that has passed is then inert (only a time still
				 * to come counts as an ejection), which
				 * regress-retired-gen-ejection-stale keeps checking
				 * through the failures that must eject it again. */
				if (!gen_switched && bm->up != (ml->down_until == 0))
					fail("a member's up flag and its ejection disagree");
			}
			if (down != pl->n_down)
				fail("a pool's n_down does not count its ejected members");
			/* The last member standing is never ejected. */
			if (g->pools[p].n_members > 0 && down >= g->pools[p].n_members)
				fail("every member of a pool is ejected in a balancer (the last "
				     "one standing must stay in)");
		}
	}
	oracle_check_sessions();
}

/*
 * Once no session is left: after the management polls, the published
 * generation is the only one, the worker's, pinned by the worker alone, and
 * every slot is one it names, as many times as it names it.
 */
void
check_reclaimed(const char *when)
{
	const struct proxy_worker *w = fz_lc->proxy.w;
	const struct proxy_gen *g;
	const struct proxy_member_slot *ms;
	const struct proxy_route_slot *rs;
	char msg[200];
	unsigned int i;
	uint32_t p, m;

	for (i = 0; i < 4; i++)
		mgmt_turn();
	g = proxy_gen_current();
	if (proxy_gen_retired() != NULL) {
		snprintf(msg, sizeof(msg), "a retired generation is not freed once %s", when);
		fail(msg);
	}
	if (w->gen != g)
		fail("the worker has not adopted the published generation");
	else if (atomic_load(&g->lcore[w->wid].pins) != 1)
		fail("the worker's generation is pinned by something else than the worker");
	for (ms = proxy_gen_member_slots(); ms != NULL; ms = ms->next) {
		uint32_t refs = 0;

		for (p = 0; p < g->n_pools; p++)
			for (m = 0; m < g->pools[p].n_members; m++)
				refs += g->pools[p].members[m].slot == ms;
		if (refs == 0)
			snprintf(msg, sizeof(msg),
				"member slot %s %s: no generation names it, and "
				"it is not freed once %s",
				ms->pool, ms->label, when);
		else if (refs != ms->gen_refs)
			snprintf(msg, sizeof(msg), "member slot %s %s: gen_refs %u, named %u times",
				ms->pool, ms->label, ms->gen_refs, refs);
		if (refs == 0 || refs != ms->gen_refs)
			fail(msg);
	}
	for (rs = proxy_gen_route_slots(); rs != NULL; rs = rs->next) {
		uint32_t refs = 0;

		for (i = 0; i < g->n_routes; i++)
			refs += g->actions[i].stats == rs;
		if (refs == 0)
			snprintf(msg, sizeof(msg),
				"route slot %s: no generation names it, and it "
				"is not freed once %s",
				rs->name, when);
		else if (refs != rs->gen_refs)
			snprintf(msg, sizeof(msg), "route slot %s: gen_refs %u, named %u times",
				rs->name, rs->gen_refs, refs);
		if (refs == 0 || refs != rs->gen_refs)
			fail(msg);
	}
	for (p = 0; p < g->n_pools; p++)
		for (m = 0; m < g->pools[p].n_members; m++)
			if (!slot_known(g->pools[p].members[m].slot))
				fail("the published generation names a member slot that is not in "
				     "the list (freed)");
}
