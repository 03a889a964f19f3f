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
#include <rte_telemetry.h>

#include "proxy_priv.h"
#include "sl_counters.h"

RTE_LOG_REGISTER(sl_proxy_logtype, sluice.proxy, INFO);

#define COUNTER_NAME(name, desc) #name,
static const char *const counter_names[] = { SL_PROXY_COUNTERS(COUNTER_NAME) };
#undef COUNTER_NAME

static const char *const class_names[] = { "status_1xx", "status_2xx", "status_3xx",
	"status_4xx", "status_5xx" };

static int
init_pools(struct proxy_worker *w)
{
	uint32_t i, j;

	w->pools = calloc(RTE_MAX(proxy_cfg.n_pools, 1u), sizeof(*w->pools));
	if (w->pools == NULL)
		return -ENOMEM;
	for (i = 0; i < proxy_cfg.n_pools; i++) {
		const struct proxy_pool *p = &proxy_cfg.pools[i];
		struct sl_upstream_balancer *b = &w->pools[i].bal;

		sl_upstream_balancer_init(b, p->algo);
		for (j = 0; j < p->n_members; j++) {
			int idx = sl_upstream_member_add(b, (uint16_t)p->conf->members[j].weight);

			/* Maglev slots follow the member, not its place in the list. */
			if (idx >= 0)
				b->members[idx].key = (uint64_t)p->members[j].addr << 16 |
					p->members[j].port;
		}
		if (p->algo == SL_UPSTREAM_MAGLEV) {
			struct sl_upstream_maglev *t = sl_upstream_maglev_build(b->members,
					b->n_members, SL_UPSTREAM_MAGLEV_SIZE);

			if (t == NULL)
				return -rte_errno;
			sl_upstream_maglev_free(sl_upstream_maglev_publish(b, t));
		}
	}
	return 0;
}

static int
init_worker(struct sl_lcore *lc)
{
	struct proxy_worker *w = rte_zmalloc_socket("sl_proxy_worker", sizeof(*w),
			RTE_CACHE_LINE_SIZE, (int)rte_lcore_to_socket_id(lc->lcore_id));
	int rc;

	if (w == NULL)
		return -ENOMEM;
	lc->proxy.w = w;
	w->lc = lc;
	w->tsc_hz = rte_get_tsc_hz();
	w->route_stats = calloc(proxy_cfg.n_routes + 1u, sizeof(*w->route_stats));
	w->member_stats = calloc(RTE_MAX(proxy_cfg.n_members, 1u), sizeof(*w->member_stats));
	if (w->route_stats == NULL || w->member_stats == NULL)
		return -ENOMEM;
	rc = init_pools(w);
	return rc;
}

static void
term_worker(struct sl_lcore *lc)
{
	struct proxy_worker *w = lc->proxy.w;
	uint32_t i;

	if (w == NULL)
		return;
	proxy_upstream_free_all(w);
	proxy_session_free_all(w);
	for (i = 0; w->pools != NULL && i < proxy_cfg.n_pools; i++)
		sl_upstream_maglev_free(sl_upstream_maglev_publish(&w->pools[i].bal, NULL));
	free(w->pools);
	free(w->route_stats);
	free(w->member_stats);
	rte_free(w);
	lc->proxy.w = NULL;
}

static int proxy_telemetry_init(void);

int
sl_proxy_init(void)
{
	struct sl_lcore *lc;
	uint32_t i;
	int rc;

	rc = proxy_config_build();
	if (rc < 0)
		return rc;
	SL_WORKER_FOREACH(lc) {
		rc = init_worker(lc);
		if (rc < 0) {
			PROXY_LOG(ERR, "worker %u: %s", lc->lcore_id, rte_strerror(-rc));
			return rc;
		}
	}
	for (i = 0; i < proxy_cfg.n_listeners; i++) {
		const struct sl_proxy_listener_conf *l = proxy_cfg.listeners[i].conf;

		rc = sl_tcp_listen(l->address, rte_cpu_to_be_16((uint16_t)l->port),
				&proxy_client_ops, &proxy_cfg.listeners[i], (uint32_t)l->backlog);
		if (rc < 0) {
			PROXY_LOG(ERR, "listener %s: %s", l->name, rte_strerror(-rc));
			return rc;
		}
	}
	if (proxy_cfg.n_listeners > 0)
		PROXY_LOG(INFO, "%u listener(s), %u route(s), %u pool(s), %u member(s)",
				proxy_cfg.n_listeners, proxy_cfg.n_routes, proxy_cfg.n_pools,
				proxy_cfg.n_members);
	return proxy_telemetry_init();
}

void
sl_proxy_term(void)
{
	struct sl_lcore *lc;

	SL_WORKER_FOREACH(lc)
		term_worker(lc);
	proxy_config_free();
}

/* ---- reading the counters (management and telemetry threads) ---- */

static void
sum_stats(struct sl_proxy_stats *sum, uint64_t *req_err)
{
	struct sl_lcore *lc;

	memset(sum, 0, sizeof(*sum));
	memset(req_err, 0, SL_PROXY_REQ_ERRS * sizeof(*req_err));
	SL_WORKER_FOREACH(lc) {
		sl_counters_add((uint64_t *)sum, &lc->proxy.stats, SL_COUNTERS_N(*sum));
		sl_counters_add(req_err, lc->proxy.req_err, SL_PROXY_REQ_ERRS);
	}
}

/* Sum of one route's (members == false) or member's counters over workers. */
static void
sum_hstats(struct proxy_hstats *sum, uint32_t index, bool members)
{
	struct sl_lcore *lc;

	memset(sum, 0, sizeof(*sum));
	SL_WORKER_FOREACH(lc) {
		const struct proxy_worker *w = lc->proxy.w;

		if (w != NULL)
			sl_counters_add((uint64_t *)sum, members ? &w->member_stats[index] :
					&w->route_stats[index], SL_COUNTERS_N(*sum));
	}
}

static void
lat_bound_name(char *buf, size_t size, unsigned int b)
{
	if (b < PROXY_LAT_BUCKETS - 1)
		snprintf(buf, size, "lat_lt_%" PRIu64 "us", UINT64_C(16) << b);
	else
		snprintf(buf, size, "lat_ge_%" PRIu64 "us", UINT64_C(16) << (b - 1));
}

static void
hstats_tel(struct rte_tel_data *d, const struct proxy_hstats *h, bool member)
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
	for (i = 0; i < PROXY_LAT_BUCKETS; i++) {
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

	sum_stats(&sum, req_err);
	rte_tel_data_start_dict(d);
	sl_counters_tel(d, counter_names, &sum, SL_COUNTERS_N(sum));
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

static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct proxy_hstats h;
	char name[SL_PROXY_NAME_MAX];
	uint32_t i;

	rte_tel_data_start_dict(d);
	for (i = 0; i <= proxy_cfg.n_routes; i++) {
		struct rte_tel_data *r = rte_tel_data_alloc();

		if (r == NULL)
			return -ENOMEM;
		sum_hstats(&h, i, false);
		rte_tel_data_start_dict(r);
		hstats_tel(r, &h, false);
		tel_name(name, sizeof(name), i < proxy_cfg.n_routes ?
				sl_proxy_conf.routes[i].name : "_no_route");
		rte_tel_data_add_dict_container(d, name, r, 0);
	}
	return 0;
}

static int
tel_members(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct proxy_hstats h;
	struct sl_lcore *lc;
	char name[SL_PROXY_NAME_MAX + 16];
	uint32_t p, m;

	rte_tel_data_start_dict(d);
	for (p = 0; p < proxy_cfg.n_pools; p++) {
		const struct proxy_pool *pool = &proxy_cfg.pools[p];

		for (m = 0; m < pool->n_members; m++) {
			struct rte_tel_data *r = rte_tel_data_alloc();
			uint64_t conns = 0, idle = 0, down = 0;

			if (r == NULL)
				return -ENOMEM;
			SL_WORKER_FOREACH(lc) {
				const struct proxy_member_lcore *ml = &lc->proxy.w->pools[p].members[m];

				conns += ml->n_conns;
				idle += ml->n_idle;
				down += ml->down_until != 0;
			}
			sum_hstats(&h, pool->members[m].stat_index, true);
			rte_tel_data_start_dict(r);
			hstats_tel(r, &h, true);
			rte_tel_data_add_dict_u64(r, "active", conns - idle);
			rte_tel_data_add_dict_u64(r, "idle", idle);
			/* Up unless ejected on every worker. */
			rte_tel_data_add_dict_u64(r, "up", down < sl_lcore_worker_count());
			rte_tel_data_add_dict_u64(r, "ejected_on_workers", down);
			rte_tel_data_add_dict_string(r, "address", pool->members[m].label);
			snprintf(name, sizeof(name), "%s/%u", pool->conf->name, m);
			tel_name(name, sizeof(name), name);
			rte_tel_data_add_dict_container(d, name, r, 0);
		}
	}
	return 0;
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
	unsigned int e;

	if (proxy_cfg.n_listeners == 0)
		return;
	sum_stats(&sum, req_err);
	sl_counters_print(f, "proxy", counter_names, &sum, SL_COUNTERS_N(sum));
	for (e = 1; e < SL_HTTP_ERR_COUNT && e < SL_PROXY_REQ_ERRS; e++)
		if (req_err[e] != 0)
			fprintf(f, "proxy req_err_%s %" PRIu64 "\n", sl_http_err_name(e), req_err[e]);
}
