/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy: the counter blocks (registry) and the DPDK telemetry commands
 * (/sluice/proxy/...), which run on the telemetry thread.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <rte_telemetry.h>

#include "proxy_priv.h"
#include "sl_counters.h"

/* ---- counter blocks ---- */

SL_COUNTERS_DEFINE(proxy_counters, SL_PROXY_COUNTERS, .module = "proxy",
		.lcore_offset = offsetof(struct sl_lcore, proxy.stats));

/* Parser refusals by reason: req_err[] is indexed by enum sl_http_err, whose
 * first entry (NONE) is not a reason. */
#define ERR_NAME(e, status, text) #e,
#define ERR_TEXT(e, status, text) text,
static const char *const refusal_names[] = { SL_HTTP_ERRORS(ERR_NAME) };
static const char *const refusal_descs[] = { SL_HTTP_ERRORS(ERR_TEXT) };
#undef ERR_NAME
#undef ERR_TEXT
static_assert(SL_HTTP_ERR_COUNT <= SL_PROXY_REQ_ERRS, "req_err[] too short for the reasons");

static const struct sl_counter_block proxy_refusals = {
	.module = "proxy",
	.prefix = "req_err_",
	.names = refusal_names + 1,
	.descs = refusal_descs + 1,
	.n = SL_HTTP_ERR_COUNT - 1,
	.lcore_offset = offsetof(struct sl_lcore, proxy.req_err) + sizeof(uint64_t),
	.family = "request_refusals",
	.family_label = "reason",
	.family_help = "requests refused by the HTTP parser, by reason",
};
SL_COUNTERS_REGISTER(proxy_refusals);

/* ---- telemetry ---- */

static const char *const class_names[] = { "status_1xx", "status_2xx", "status_3xx",
	"status_4xx", "status_5xx" };

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

/* The registry's counters (req_err_* included) and the generation. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	sl_counters_tel_module(d, "proxy");
	rte_tel_data_add_dict_u64(d, "generation", sl_proxy_generation());
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

int
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
