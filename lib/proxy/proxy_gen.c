/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/gen: configuration generations (docs/architecture.md, "Live
 * configuration").
 *
 * The management lcore builds each configuration as an immutable
 * generation (route tables, pools, per-worker balancers) and publishes it
 * with one pointer store. Every worker adopts the newest one at the top of
 * its loop; a session keeps the generation it started an exchange with
 * until that exchange ends, so nothing in flight sees a change. A retired
 * generation is freed once (1) every worker has passed a quiescent state
 * since it was replaced, (2) no worker pins it any more, and (3) a second
 * grace period has passed, for the worker that dropped the last pin.
 *
 * What must outlive generations lives in slots keyed by name: a member's
 * pooled connections, passive health and counters (pool, address, port),
 * a route's counters (name), a listener's TCP registration (address,
 * port). Generations reference slots; the management lcore frees a slot
 * that no generation names, once no worker holds a connection in it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_rcu_qsbr.h>

#include "proxy_priv.h"

static _Atomic(struct proxy_gen *) published;
static struct proxy_gen *retired;
static struct proxy_member_slot *member_slots;
static struct proxy_route_slot *route_slots;
struct proxy_route_slot *proxy_no_route;
static struct proxy_listener_slot listener_slots[SL_TCP_LISTENERS_MAX];
static unsigned int n_listener_slots;

/* Management applies and frees under it; telemetry reads under it. */
static pthread_mutex_t gen_mutex = PTHREAD_MUTEX_INITIALIZER;

void
proxy_gen_lock(void)
{
	pthread_mutex_lock(&gen_mutex);
}

void
proxy_gen_unlock(void)
{
	pthread_mutex_unlock(&gen_mutex);
}

struct proxy_gen *
proxy_gen_current(void)
{
	return atomic_load_explicit(&published, memory_order_acquire);
}

struct proxy_member_slot *
proxy_gen_member_slots(void)
{
	return member_slots;
}

struct proxy_route_slot *
proxy_gen_route_slots(void)
{
	return route_slots;
}

struct proxy_gen *
proxy_gen_retired(void)
{
	return retired;
}

/* Cache-line aligned and zeroed: slot rows are written by different workers. */
static void *
zalloc_aligned(size_t size)
{
	size_t rounded = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	void *p = aligned_alloc(RTE_CACHE_LINE_SIZE, rounded);

	if (p != NULL)
		memset(p, 0, rounded);
	return p;
}

/* ---- slots (management) ---- */

static struct proxy_member_slot *
member_slot_get(const char *pool, uint32_t addr, uint16_t port)
{
	struct proxy_member_slot *m;
	const uint8_t *a = (const uint8_t *)&addr;

	for (m = member_slots; m != NULL; m = m->next)
		if (m->addr == addr && m->port == port && strcmp(m->pool, pool) == 0)
			goto found;
	m = zalloc_aligned(sizeof(*m) + sl_lcore_worker_count() * sizeof(m->lc[0]));
	if (m == NULL)
		return NULL;
	snprintf(m->pool, sizeof(m->pool), "%s", pool);
	m->addr = addr;
	m->port = port;
	snprintf(m->label, sizeof(m->label), "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3],
			rte_be_to_cpu_16(port));
	m->next = member_slots;
	member_slots = m;
found:
	m->gen_refs++;
	m->draining = false;
	return m;
}

static struct proxy_route_slot *
route_slot_new(const char *name)
{
	struct proxy_route_slot *r = zalloc_aligned(sizeof(*r) +
			sl_lcore_worker_count() * sizeof(r->lc[0]));

	if (r != NULL)
		snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

static struct proxy_route_slot *
route_slot_get(const char *name)
{
	struct proxy_route_slot *r;

	for (r = route_slots; r != NULL; r = r->next)
		if (strcmp(r->name, name) == 0)
			goto found;
	r = route_slot_new(name);
	if (r == NULL)
		return NULL;
	r->next = route_slots;
	route_slots = r;
found:
	r->gen_refs++;
	r->draining = false;
	return r;
}

/* The slot of addr:port, reserving a new one if needed; NULL when full. */
static struct proxy_listener_slot *
listener_slot_get(uint32_t addr, uint16_t port)
{
	struct proxy_listener_slot *l;
	unsigned int i;

	for (i = 0; i < n_listener_slots; i++)
		if (listener_slots[i].addr == addr && listener_slots[i].port == port)
			return &listener_slots[i];
	if (n_listener_slots == RTE_DIM(listener_slots))
		return NULL;
	l = &listener_slots[n_listener_slots];
	l->addr = addr;
	l->port = port;
	l->index = (uint16_t)n_listener_slots++;
	return l;
}

/* ---- building a generation (management) ---- */

static void
gen_free(struct proxy_gen *g)
{
	uint32_t i, j;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_listeners; i++)
		sl_route_table_free(g->listeners[i].routes);
	for (i = 0; i < g->n_pools; i++) {
		for (j = 0; j < g->pools[i].n_members; j++)
			if (g->pools[i].members[j].slot != NULL)
				g->pools[i].members[j].slot->gen_refs--;
		sl_balance_maglev_free(g->pools[i].maglev);
	}
	for (i = 0; i < g->n_routes; i++)
		if (g->actions[i].stats != NULL)
			g->actions[i].stats->gen_refs--;
	for (i = 0; g->lcore != NULL && i < sl_lcore_worker_count(); i++)
		free(g->lcore[i].pools);
	free(g->lcore);
	free(g);
}

/* The pool, its member slots, and the balancer every worker starts from. */
static int
build_pool(struct proxy_pool *p, const struct sl_proxy_pool_conf *c,
		struct sl_balance *tmpl)
{
	unsigned int i;

	p->conf = c;
	if (proxy_conf_algo(c->algorithm, &p->algo) < 0)
		return -EINVAL;
	p->hash = strcmp(c->hash, "header") == 0 ? PROXY_HASH_HEADER :
		strcmp(c->hash, "cookie") == 0 ? PROXY_HASH_COOKIE : PROXY_HASH_CLIENT;
	sl_balance_init(tmpl, p->algo);
	for (i = 0; i < c->n_members; i++) {
		struct proxy_member *m = &p->members[i];
		int idx;

		m->addr = c->members[i].address;
		m->port = rte_cpu_to_be_16((uint16_t)c->members[i].port);
		m->slot = member_slot_get(c->name, m->addr, m->port);
		p->n_members = i + 1;
		if (m->slot == NULL)
			return -ENOMEM;
		idx = sl_balance_member_add(tmpl, (uint16_t)c->members[i].weight);
		if (idx < 0)
			return idx;
		/* Maglev slots follow the member, not its place in the list. */
		tmpl->members[idx].key = (uint64_t)m->addr << 16 | m->port;
	}
	if (p->algo == SL_BALANCE_MAGLEV) {
		p->maglev = sl_balance_maglev_build(tmpl->members, tmpl->n_members,
				SL_BALANCE_MAGLEV_SIZE);
		if (p->maglev == NULL)
			return -rte_errno;
		tmpl->maglev = p->maglev;
	}
	p->connect_tsc = sl_clock_from_ms((uint64_t)c->connect_timeout_ms);
	p->response_tsc = sl_clock_from_ms((uint64_t)c->response_timeout_ms);
	p->idle_tsc = sl_clock_from_ms((uint64_t)c->idle_timeout_ms);
	p->keepalive_tsc = sl_clock_from_ms((uint64_t)c->keepalive_timeout_ms);
	p->fail_tsc = sl_clock_from_ms((uint64_t)c->fail_timeout_ms);
	return 0;
}

static int
build_pools(struct proxy_gen *g)
{
	static struct sl_balance tmpl[SL_PROXY_POOLS_MAX];
	unsigned int nw = sl_lcore_worker_count(), i, w;
	int rc;

	for (i = 0; i < g->conf.n_pools; i++) {
		g->n_pools = i + 1;
		rc = build_pool(&g->pools[i], &g->conf.pools[i], &tmpl[i]);
		if (rc < 0)
			return rc;
		g->n_members += g->pools[i].n_members;
	}
	g->lcore = zalloc_aligned(RTE_MAX(nw, 1u) * sizeof(*g->lcore));
	if (g->lcore == NULL)
		return -ENOMEM;
	for (w = 0; w < nw; w++) {
		g->lcore[w].pools = calloc(RTE_MAX(g->n_pools, 1u), sizeof(*g->lcore[w].pools));
		if (g->lcore[w].pools == NULL)
			return -ENOMEM;
		for (i = 0; i < g->n_pools; i++)
			g->lcore[w].pools[i].bal = tmpl[i];
	}
	return 0;
}

static int
build_actions(struct proxy_gen *g)
{
	unsigned int i;

	g->n_routes = g->conf.n_routes;
	for (i = 0; i < g->conf.n_routes; i++) {
		const struct sl_proxy_route_conf *r = &g->conf.routes[i];
		struct proxy_action *a = &g->actions[i];

		a->route = i;
		a->conf = r;
		a->stats = route_slot_get(r->name);
		if (a->stats == NULL)
			return -ENOMEM;
		if (r->pool[0] != '\0') {
			a->kind = PROXY_ACT_POOL;
			a->pool = (uint32_t)proxy_conf_find_pool(&g->conf, r->pool);
		} else if (r->redirect[0] != '\0') {
			a->kind = PROXY_ACT_REDIRECT;
			a->status = r->return_status != 0 ? (uint16_t)r->return_status : 302;
		} else {
			a->kind = PROXY_ACT_FIXED;
			a->status = (uint16_t)r->return_status;
		}
	}
	return 0;
}

static int
build_listeners(struct proxy_gen *g, struct sl_conf_error *err)
{
	struct sl_route_error rerr;
	unsigned int i;

	memset(g->listener_of_slot, -1, sizeof(g->listener_of_slot));
	for (i = 0; i < g->conf.n_listeners; i++) {
		struct proxy_listener *pl = &g->listeners[i];
		char path[64];

		pl->conf = &g->conf.listeners[i];
		pl->index = i;
		g->n_listeners = i + 1;
		pl->slot = listener_slot_get(pl->conf->address,
				rte_cpu_to_be_16((uint16_t)pl->conf->port));
		snprintf(path, sizeof(path), "proxy.listeners[%u].port", i);
		if (pl->slot == NULL)
			return sl_conf_error_at(err, path, "no free listener slot: %u address/port "
					"pairs were used since start", (unsigned int)RTE_DIM(listener_slots));
		g->listener_of_slot[pl->slot->index] = (int8_t)i;
		pl->routes = proxy_conf_routes(&g->conf, pl->conf, &rerr);
		if (pl->routes == NULL)
			return sl_conf_error_at(err, path, "listener '%s': %s", pl->conf->name,
					rerr.msg);
	}
	return 0;
}

static void
build_limits(struct proxy_gen *g)
{
	const struct sl_proxy_conf *c = &g->conf;

	g->header_tsc = sl_clock_from_ms((uint64_t)c->client_header_timeout_ms);
	g->keepalive_tsc = sl_clock_from_ms((uint64_t)c->client_keepalive_timeout_ms);
	g->body_tsc = sl_clock_from_ms((uint64_t)c->client_body_timeout_ms);
	sl_http_limits_default(&g->req_limits, SL_HTTP_REQUEST);
	g->req_limits.max_line = (uint32_t)c->max_header_bytes;
	g->req_limits.max_fields = (uint32_t)c->max_fields;
	g->req_limits.max_body = c->max_body_bytes == 0 ? UINT64_MAX :
		(uint64_t)c->max_body_bytes;
	/* The parser keeps the field array in the same buffer as the text. */
	g->hdr_buf = (uint32_t)RTE_MIN(c->max_header_bytes +
			c->max_fields * (int64_t)sizeof(struct sl_http_field),
			(int64_t)SL_HTTP_HDR_BUF_MAX);
}

static struct proxy_gen *
gen_build(const struct sl_proxy_conf *c, struct sl_conf_error *err, int *rc)
{
	struct proxy_gen *g = zalloc_aligned(sizeof(*g));

	*rc = -ENOMEM;
	if (g == NULL)
		return NULL;
	memcpy(&g->conf, c, sizeof(*c));
	*rc = build_listeners(g, err);
	if (*rc == 0)
		*rc = build_pools(g);
	if (*rc == 0)
		*rc = build_actions(g);
	if (*rc < 0) {
		if (*rc != -EINVAL)
			snprintf(err->msg, sizeof(err->msg), "building the configuration: %s",
					rte_strerror(-*rc));
		gen_free(g);
		return NULL;
	}
	build_limits(g);
	return g;
}

/* ---- publishing and reclaiming (management) ---- */

/*
 * Open the listeners a generation adds (and give open ones their
 * backlog), before it is published: a
 * connection that arrives in between is refused, as it was a moment
 * before. If one cannot be opened, those opened here are closed again.
 */
static int
open_listeners(const struct proxy_gen *g, struct sl_conf_error *err)
{
	unsigned int i, j;
	int rc;

	for (i = 0; i < n_listener_slots; i++) {
		struct proxy_listener_slot *l = &listener_slots[i];
		int li = g->listener_of_slot[i];

		if (li < 0)
			continue;
		if (l->open) {
			sl_tcp_listen_backlog(l->addr, l->port,
					(uint32_t)g->listeners[li].conf->backlog);
			continue;
		}
		rc = sl_tcp_listen(l->addr, l->port, &proxy_client_ops, l,
				(uint32_t)g->listeners[li].conf->backlog);
		if (rc < 0) {
			for (j = 0; j < i; j++)
				if (listener_slots[j].open && listener_slots[j].opened_by == g) {
					sl_tcp_unlisten(listener_slots[j].addr, listener_slots[j].port);
					listener_slots[j].open = false;
				}
			snprintf(err->msg, sizeof(err->msg), "listener '%s': %s",
					g->listeners[li].conf->name, rc == -ENOSPC ?
					"no free TCP listener slot" : rte_strerror(-rc));
			return rc;
		}
		l->open = true;
		l->opened_by = g;
	}
	return 0;
}

/* Close the listeners the published generation dropped. */
static void
close_listeners(const struct proxy_gen *g)
{
	unsigned int i;

	for (i = 0; i < n_listener_slots; i++)
		if (g->listener_of_slot[i] < 0 && listener_slots[i].open) {
			sl_tcp_unlisten(listener_slots[i].addr, listener_slots[i].port);
			listener_slots[i].open = false;
		}
}

static void
retire(struct proxy_gen *g)
{
	g->rcu_token = rte_rcu_qsbr_start(sl_lcore_rcu());
	g->next_retired = retired;
	retired = g;
}

int
proxy_gen_publish(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	struct proxy_gen *old = proxy_gen_current(), *g;
	uint32_t i, j;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = proxy_conf_validate(c, err);
	if (rc < 0)
		return rc;
	if (proxy_no_route == NULL) {
		proxy_no_route = route_slot_new("_no_route");
		if (proxy_no_route == NULL)
			return -ENOMEM;
	}
	g = gen_build(c, err, &rc);
	if (g == NULL)
		return rc;
	rc = open_listeners(g, err);
	if (rc < 0) {
		gen_free(g);
		return rc;
	}
	g->number = old != NULL ? old->number + 1 : 1;
	for (i = 0; i < g->n_pools; i++)
		for (j = 0; j < g->pools[i].n_members; j++)
			atomic_store_explicit(&g->pools[i].members[j].slot->last_gen, g->number,
					memory_order_relaxed);
	proxy_gen_lock();
	atomic_store_explicit(&published, g, memory_order_release);
	proxy_gen_unlock();
	close_listeners(g);
	if (old != NULL)
		retire(old);
	return 0;
}

static uint64_t
pins(const struct proxy_gen *g)
{
	uint64_t n = 0;
	unsigned int w;

	for (w = 0; w < sl_lcore_worker_count(); w++)
		n += atomic_load_explicit(&g->lcore[w].pins, memory_order_acquire);
	return n;
}

static bool
grace_passed(uint64_t token)
{
	return rte_rcu_qsbr_check(sl_lcore_rcu(), token, false) == 1;
}

static void
reclaim_gens(void)
{
	struct proxy_gen **pp = &retired, *g;

	while ((g = *pp) != NULL) {
		if (!grace_passed(g->rcu_token) || (!g->unpinned && pins(g) != 0)) {
			pp = &g->next_retired;
			continue;
		}
		if (!g->unpinned) {
			g->unpinned = true;
			g->rcu_token = rte_rcu_qsbr_start(sl_lcore_rcu());
			pp = &g->next_retired;
			continue;
		}
		*pp = g->next_retired;
		proxy_gen_lock();
		gen_free(g);
		proxy_gen_unlock();
	}
}

static bool
member_slot_busy(const struct proxy_member_slot *m)
{
	unsigned int w;

	for (w = 0; w < sl_lcore_worker_count(); w++)
		if (m->lc[w].n_conns != 0)
			return true;
	return false;
}

/* A slot no generation names is freed after a grace period with no
 * connection left in it; a generation naming it again revives it. */
static bool
slot_expired(uint32_t gen_refs, bool busy, bool *draining, uint64_t *token)
{
	if (gen_refs != 0 || busy) {
		*draining = false;
		return false;
	}
	if (!*draining) {
		*draining = true;
		*token = rte_rcu_qsbr_start(sl_lcore_rcu());
		return false;
	}
	return grace_passed(*token);
}

static void
reclaim_slots(void)
{
	struct proxy_member_slot **mp = &member_slots, *m;
	struct proxy_route_slot **rp = &route_slots, *r;

	while ((m = *mp) != NULL) {
		if (!slot_expired(m->gen_refs, member_slot_busy(m), &m->draining, &m->rcu_token)) {
			mp = &m->next;
			continue;
		}
		proxy_gen_lock();
		*mp = m->next;
		proxy_gen_unlock();
		free(m);
	}
	while ((r = *rp) != NULL) {
		if (!slot_expired(r->gen_refs, false, &r->draining, &r->rcu_token)) {
			rp = &r->next;
			continue;
		}
		proxy_gen_lock();
		*rp = r->next;
		proxy_gen_unlock();
		free(r);
	}
}

void
proxy_gen_reclaim(void)
{
	reclaim_gens();
	reclaim_slots();
}

/* Workers have stopped and let go of everything. */
void
proxy_gen_term(void)
{
	struct proxy_gen *g;
	void *next;

	while ((g = retired) != NULL) {
		retired = g->next_retired;
		gen_free(g);
	}
	gen_free(atomic_exchange(&published, NULL));
	for (; member_slots != NULL; member_slots = next) {
		next = member_slots->next;
		free(member_slots);
	}
	for (; route_slots != NULL; route_slots = next) {
		next = route_slots->next;
		free(route_slots);
	}
	free(proxy_no_route);
	proxy_no_route = NULL;
	n_listener_slots = 0;
}

/* ---- workers ---- */

void
proxy_gen_pin(struct proxy_worker *w, struct proxy_gen *g)
{
	_Atomic uint64_t *p = &g->lcore[w->wid].pins;

	/* One writer per row: no locked instruction needed. */
	atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + 1,
			memory_order_relaxed);
}

void
proxy_gen_unpin(struct proxy_worker *w, struct proxy_gen *g)
{
	_Atomic uint64_t *p = &g->lcore[w->wid].pins;

	atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) - 1,
			memory_order_release);
}

/* What a worker learnt of its members carries into the new balancers:
 * ejections and latency. (Active counts stay with the balancer that
 * counted them, until those exchanges end.) */
static void
carry_member_state(struct proxy_worker *w, struct proxy_gen *g)
{
	uint64_t now = w->lc->now;
	uint32_t i, j;

	for (i = 0; i < g->n_pools; i++) {
		struct proxy_pool_lcore *pl = proxy_pool_lcore(w, g, i);

		for (j = 0; j < g->pools[i].n_members; j++) {
			struct proxy_member_lcore *ml = &g->pools[i].members[j].slot->lc[w->wid];

			pl->bal.members[j].lat_ewma_us = ml->lat_ewma_us;
			pl->bal.members[j].lat_last_us = ml->lat_last_us;
			if (now < ml->down_until) {
				/* As in proxy_upstream_failed: never the last one standing. */
				if (pl->n_down + 1 >= g->pools[i].n_members)
					continue;
				sl_balance_member_set_up(&pl->bal, j, false);
				pl->n_down++;
			} else {
				ml->down_until = 0; /* expired while no pick looked */
			}
		}
	}
}

void
proxy_gen_sync(struct proxy_worker *w)
{
	struct proxy_gen *g = proxy_gen_current(), *old = w->gen;
	uint32_t i, j;

	if (likely(g == old) || g == NULL)
		return;
	proxy_gen_pin(w, g);
	carry_member_state(w, g);
	w->gen = g;
	w->lc->proxy.stats.generations++;
	if (old == NULL)
		return;
	/* Pooled connections to members the new generation dropped are closed;
	 * busy ones close when their exchange ends. */
	for (i = 0; i < old->n_pools; i++)
		for (j = 0; j < old->pools[i].n_members; j++) {
			struct proxy_member_slot *m = old->pools[i].members[j].slot;

			if (atomic_load_explicit(&m->last_gen, memory_order_relaxed) < g->number)
				proxy_upstream_close_idle(w, m);
		}
	proxy_gen_unpin(w, old);
	proxy_session_adopt(w);
}
