/* SPDX-License-Identifier: BSD-3-Clause */
/* proxy: life cycle (per-worker state, listeners), counters and telemetry. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "proxy_priv.h"
#include "sl_counters.h"

RTE_LOG_REGISTER(sl_proxy_logtype, sluice.proxy, INFO);

#define COUNTER_NAME(name, desc) #name,

static const char *const class_names[] = { "status_1xx", "status_2xx", "status_3xx",
	"status_4xx", "status_5xx" };

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

static int proxy_telemetry_init(void);

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

/* ---- reading the counters (management and telemetry threads) ---- */

const char *const sl_proxy_counter_names[] = { SL_PROXY_COUNTERS(COUNTER_NAME) };

void
sl_proxy_stats_sum(struct sl_proxy_stats *sum, uint64_t *req_err)
{
	struct sl_lcore *lc;

	memset(sum, 0, sizeof(*sum));
	memset(req_err, 0, SL_PROXY_REQ_ERRS * sizeof(*req_err));
	SL_WORKER_FOREACH(lc) {
		sl_counters_add((uint64_t *)sum, &lc->proxy.stats, SL_COUNTERS_N(*sum));
		sl_counters_add(req_err, lc->proxy.req_err, SL_PROXY_REQ_ERRS);
	}
}

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

/* ---- telemetry ---- */

static void
lat_bound_name(char *buf, size_t size, unsigned int b)
{
	if (b < SL_PROXY_LAT_BUCKETS - 1)
		snprintf(buf, size, "lat_lt_%" PRIu64 "us", sl_proxy_lat_bound_us(b));
	else
		snprintf(buf, size, "lat_ge_%" PRIu64 "us", sl_proxy_lat_bound_us(b - 1));
}

static void
hstats_tel(struct rte_tel_data *d, const struct sl_proxy_hstats *h, bool member)
{
	char name[32];
	unsigned int i;

	rte_tel_data_add_dict_u64(d, "requests", h->requests);
	for (i = 0; i < 5; i++)
		rte_tel_data_add_dict_u64(d, class_names[i], h->status[i]);
	rte_tel_data_add_dict_u64(d, "bytes_in", h->bytes_in);
	rte_tel_data_add_dict_u64(d, "bytes_out", h->bytes_out);
	if (member) {
		rte_tel_data_add_dict_u64(d, "connects", h->connects);
		rte_tel_data_add_dict_u64(d, "reuses", h->reuses);
		rte_tel_data_add_dict_u64(d, "connect_failures", h->connect_failures);
		rte_tel_data_add_dict_u64(d, "ejections", h->ejections);
	}
	for (i = 0; i < SL_PROXY_LAT_BUCKETS; i++) {
		lat_bound_name(name, sizeof(name), i);
		rte_tel_data_add_dict_u64(d, name, h->lat[i]);
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_proxy_stats sum;
	uint64_t req_err[SL_PROXY_REQ_ERRS];
	char name[64];
	unsigned int e;

	sl_proxy_stats_sum(&sum, req_err);
	rte_tel_data_start_dict(d);
	sl_counters_tel(d, sl_proxy_counter_names, &sum, SL_COUNTERS_N(sum));
	rte_tel_data_add_dict_u64(d, "generation", sl_proxy_generation());
	for (e = 1; e < SL_HTTP_ERR_COUNT && e < SL_PROXY_REQ_ERRS; e++) {
		snprintf(name, sizeof(name), "req_err_%s", sl_http_err_name(e));
		rte_tel_data_add_dict_u64(d, name, req_err[e]);
	}
	return 0;
}

/* Telemetry names allow only letters, digits, '_' and '/'. */
static void
tel_name(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i] != '\0'; i++)
		dst[i] = isalnum((unsigned char)src[i]) || src[i] == '/' ? src[i] : '_';
	dst[i] = '\0';
}

struct tel_walk {
	struct rte_tel_data *d;
	unsigned int index;  /* members: position in the pool */
	char pool[SL_PROXY_NAME_MAX];
	int rc;
};

static void
tel_route(void *arg, const char *route, const struct sl_proxy_hstats *h)
{
	struct tel_walk *t = arg;
	struct rte_tel_data *r = rte_tel_data_alloc();
	char name[SL_PROXY_NAME_MAX];

	if (r == NULL) {
		t->rc = -ENOMEM;
		return;
	}
	rte_tel_data_start_dict(r);
	hstats_tel(r, h, false);
	tel_name(name, sizeof(name), route);
	rte_tel_data_add_dict_container(t->d, name, r, 0);
}

static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tel_walk t = { .d = d };

	rte_tel_data_start_dict(d);
	sl_proxy_foreach_route(tel_route, &t);
	return t.rc;
}

static void
tel_member(void *arg, const char *pool, const char *member, const struct sl_proxy_hstats *h,
		const struct sl_proxy_member_state *st)
{
	struct tel_walk *t = arg;
	struct rte_tel_data *r = rte_tel_data_alloc();
	char name[SL_PROXY_NAME_MAX + 16];

	if (r == NULL) {
		t->rc = -ENOMEM;
		return;
	}
	if (strcmp(t->pool, pool) != 0) {
		snprintf(t->pool, sizeof(t->pool), "%s", pool);
		t->index = 0;
	}
	rte_tel_data_start_dict(r);
	hstats_tel(r, h, true);
	rte_tel_data_add_dict_u64(r, "active", st->active);
	rte_tel_data_add_dict_u64(r, "idle", st->idle);
	rte_tel_data_add_dict_u64(r, "up", st->up);
	rte_tel_data_add_dict_u64(r, "ejected_on_workers", st->ejected_on);
	rte_tel_data_add_dict_string(r, "address", member);
	snprintf(name, sizeof(name), "%s/%u", pool, t->index++);
	tel_name(name, sizeof(name), name);
	rte_tel_data_add_dict_container(t->d, name, r, 0);
}

static int
tel_members(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tel_walk t = { .d = d };

	rte_tel_data_start_dict(d);
	sl_proxy_foreach_member(tel_member, &t);
	return t.rc;
}

static int
proxy_telemetry_init(void)
{
	int rc = rte_telemetry_register_cmd("/sluice/proxy/stats", tel_stats,
			"HTTP proxy counters summed over workers. No parameters");

	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sluice/proxy/routes", tel_routes,
				"Per route: requests, status classes, bytes, latency histogram");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sluice/proxy/members", tel_members,
				"Per pool member: requests, status classes, connections, latency");
	return rc;
}

void
sl_proxy_report(FILE *f)
{
	struct sl_proxy_stats sum;
	uint64_t req_err[SL_PROXY_REQ_ERRS];
	const struct proxy_gen *g = proxy_gen_current();
	unsigned int e;

	if (g == NULL || g->n_listeners == 0)
		return;
	sl_proxy_stats_sum(&sum, req_err);
	sl_counters_print(f, "proxy", sl_proxy_counter_names, &sum, SL_COUNTERS_N(sum));
	for (e = 1; e < SL_HTTP_ERR_COUNT && e < SL_PROXY_REQ_ERRS; e++)
		if (req_err[e] != 0)
			fprintf(f, "proxy req_err_%s %" PRIu64 "\n", sl_http_err_name(e), req_err[e]);
}
