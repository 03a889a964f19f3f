/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy: life cycle (per-worker state, listeners) and the readers of the
 * per-object counters (routes, members, listeners) for mgmt and telemetry.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "proxy_priv.h"
#include "sl_counters.h"

RTE_LOG_REGISTER(sl_proxy_logtype, sluice.proxy, INFO);

static int
init_worker(struct sl_lcore *lc)
{
	struct proxy_worker *w = rte_zmalloc_socket("sl_proxy_worker", sizeof(*w),
			RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(lc->lcore_id));

	if (w == NULL)
		return -ENOMEM;
	lc->proxy.w = w;
	w->lc = lc;
	w->wid = lc->worker_id;
	/* Adopted here so that a worker never runs without one. */
	proxy_gen_sync(w);
	return 0;
}

static void
term_worker(struct sl_lcore *lc)
{
	struct proxy_worker *w = lc->proxy.w;

	if (w == NULL)
		return;
	proxy_upstream_free_all(w);
	proxy_session_free_all(w);
	rte_ring_free(w->log);
	if (w->gen != NULL)
		proxy_gen_unpin(w, w->gen);
	rte_free(w);
	lc->proxy.w = NULL;
}

int
sl_proxy_init(void)
{
	struct sl_conf_error err;
	struct proxy_gen *g;
	struct sl_lcore *lc;
	int rc;

	rc = proxy_gen_publish(&sl_proxy_conf, &err);
	if (rc < 0) {
		PROXY_LOG(ERR, "%s", err.msg);
		return rc;
	}
	SL_WORKER_FOREACH(lc) {
		rc = init_worker(lc);
		if (rc < 0) {
			PROXY_LOG(ERR, "worker %u: %s", lc->lcore_id, rte_strerror(-rc));
			return rc;
		}
	}
	g = proxy_gen_current();
	if (g->n_listeners > 0)
		PROXY_LOG(INFO, "%u listener(s), %u route(s), %u pool(s), %u member(s)",
				g->n_listeners, g->n_routes, g->n_pools, g->n_members);
	return proxy_telemetry_init();
}

void
sl_proxy_term(void)
{
	struct sl_lcore *lc;

	SL_WORKER_FOREACH(lc)
		term_worker(lc);
	proxy_gen_term();
}

int
sl_proxy_apply(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	int rc = proxy_gen_publish(c, err);

	if (rc == 0 && c != &sl_proxy_conf)
		memcpy(&sl_proxy_conf, c, sizeof(*c));
	return rc;
}

int
sl_proxy_check(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	memset(err, 0, sizeof(*err));
	return proxy_conf_validate(c, err);
}

uint64_t
sl_proxy_generation(void)
{
	const struct proxy_gen *g = proxy_gen_current();

	return g != NULL ? g->number : 0;
}

void
sl_proxy_mgmt_poll(void)
{
	proxy_gen_reclaim();
}

void
sl_proxy_worker_sync(struct sl_lcore *lc)
{
	if (lc->proxy.w != NULL)
		proxy_gen_sync(lc->proxy.w);
}

/* ---- per-object counters, read by the management and telemetry threads ---- */

uint64_t
sl_proxy_lat_bound_us(unsigned int b)
{
	return b < SL_PROXY_LAT_BUCKETS - 1 ? UINT64_C(16) << b : UINT64_MAX;
}

static void
sum_route(struct sl_proxy_hstats *sum, const struct proxy_route_slot *r)
{
	unsigned int w;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < sl_lcore_worker_count(); w++)
		sl_counters_add((uint64_t *)sum, &r->lc[w], SL_COUNTERS_N(*sum));
}

void
sl_proxy_foreach_route(void (*fn)(void *arg, const char *route,
		const struct sl_proxy_hstats *h), void *arg)
{
	struct sl_proxy_hstats h;
	const struct proxy_gen *g;
	uint32_t i;

	proxy_gen_lock();
	g = proxy_gen_current();
	for (i = 0; g != NULL && i < g->n_routes; i++) {
		sum_route(&h, g->actions[i].stats);
		fn(arg, g->conf.routes[i].name, &h);
	}
	if (proxy_no_route != NULL) {
		sum_route(&h, proxy_no_route);
		fn(arg, proxy_no_route->name, &h);
	}
	proxy_gen_unlock();
}

/* A member's counters and state, over workers. */
static void
sum_member(const struct proxy_gen *g, uint32_t pool, uint32_t member,
		struct sl_proxy_hstats *h, struct sl_proxy_member_state *st)
{
	const struct proxy_member_slot *m = g->pools[pool].members[member].slot;
	unsigned int w, n = sl_lcore_worker_count(), sampled = 0;
	uint64_t now = rte_get_tsc_cycles();

	memset(h, 0, sizeof(*h));
	memset(st, 0, sizeof(*st));
	for (w = 0; w < n; w++) {
		const struct proxy_member_lcore *ml = &m->lc[w];

		sl_counters_add((uint64_t *)h, &ml->stats, SL_COUNTERS_N(*h));
		st->active += ml->n_conns - ml->n_idle;
		st->idle += ml->n_idle;
		st->ejected_on += now < ml->down_until;
		if (ml->lat_ewma_us > 0) {
			st->lat_ewma_us += ml->lat_ewma_us;
			sampled++;
		}
	}
	if (sampled > 0)
		st->lat_ewma_us /= sampled;
	st->up = st->ejected_on < n;
}

void
sl_proxy_foreach_member(void (*fn)(void *arg, const char *pool, const char *member,
		const struct sl_proxy_hstats *h, const struct sl_proxy_member_state *st),
		void *arg)
{
	struct sl_proxy_member_state st;
	struct sl_proxy_hstats h;
	const struct proxy_gen *g;
	uint32_t p, m;

	proxy_gen_lock();
	g = proxy_gen_current();
	for (p = 0; g != NULL && p < g->n_pools; p++)
		for (m = 0; m < g->pools[p].n_members; m++) {
			sum_member(g, p, m, &h, &st);
			fn(arg, g->conf.pools[p].name, g->pools[p].members[m].slot->label, &h, &st);
		}
	proxy_gen_unlock();
}

void
sl_proxy_foreach_listener(void (*fn)(void *arg, const char *listener, uint64_t accepted,
		uint64_t requests), void *arg)
{
	const struct proxy_gen *g;
	struct sl_lcore *lc;
	uint32_t i;

	proxy_gen_lock();
	g = proxy_gen_current();
	for (i = 0; g != NULL && i < g->n_listeners; i++) {
		uint16_t slot = g->listeners[i].slot->index;
		uint64_t accepted = 0, requests = 0;

		SL_WORKER_FOREACH(lc) {
			accepted += __atomic_load_n(&lc->proxy.listener_accepted[slot],
					__ATOMIC_RELAXED);
			requests += __atomic_load_n(&lc->proxy.listener_requests[slot],
					__ATOMIC_RELAXED);
		}
		fn(arg, g->listeners[i].conf->name, accepted, requests);
	}
	proxy_gen_unlock();
}
