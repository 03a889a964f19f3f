/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/metrics: every counter in the Prometheus text exposition format
 * 0.0.4 (GET /metrics). Families are named sluice_<module>_<counter>; a
 * family's samples are contiguous, under one HELP and TYPE; counters end
 * in _total; label values are escaped.
 *
 * Workers' counters are read without locks, as everywhere on the
 * management lcore (each is a u64 one worker writes: loads are atomic).
 * Per-worker families carry worker and lcore labels: sum() over them for
 * the gateway's total.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "mgmt_fmt.h"
#include "mgmt_log.h"
#include "mgmt_priv.h"
#include "sl_counters.h"
#include "sl_http.h"
#include "sl_lcore.h"
#include "sl_port.h"
#include "sl_proxy.h"
#include "sl_tcp.h"

/* ---- the format ---- */

/* Labels being built: the text between the braces. */
struct labels {
	char s[320];
	size_t len;
};

static void
label(struct labels *l, const char *name, const char *value)
{
	char esc[2 * SL_PROXY_NAME_MAX];
	int n;

	mgmt_fmt_prom_label(esc, sizeof(esc), value);
	n = snprintf(l->s + l->len, sizeof(l->s) - l->len, "%s%s=\"%s\"", l->len > 0 ? "," : "",
			name, esc);
	if (n > 0 && (size_t)n < sizeof(l->s) - l->len)
		l->len += (size_t)n;
}

static void
label_u(struct labels *l, const char *name, unsigned int value)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", value);
	label(l, name, v);
}

/* # HELP and # TYPE of a family, once before its samples. */
static void
family(struct mgmt_out *o, const char *name, const char *type, const char *help)
{
	char esc[512];

	mgmt_fmt_prom_help(esc, sizeof(esc), help);
	mgmt_out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, esc, name, type);
}

static void
sample(struct mgmt_out *o, const char *name, const char *suffix, const struct labels *l,
		uint64_t v)
{
	if (l != NULL && l->len > 0)
		mgmt_out_printf(o, "%s%s{%s} %" PRIu64 "\n", name, suffix, l->s, v);
	else
		mgmt_out_printf(o, "%s%s %" PRIu64 "\n", name, suffix, v);
}

/* A value in microseconds, as seconds (exact: no float rounding). */
static void
sample_us(struct mgmt_out *o, const char *name, const char *suffix, const struct labels *l,
		uint64_t us)
{
	mgmt_out_printf(o, "%s%s%s%s%s %" PRIu64 ".%06" PRIu64 "\n", name, suffix,
			l->len > 0 ? "{" : "", l->s, l->len > 0 ? "}" : "", us / 1000000,
			us % 1000000);
}

static uint64_t
load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* ---- per-worker counter blocks, declared by their X-macros ---- */

static const char *const net_names[] = { SL_NET_COUNTERS(SL_COUNTER_NAME) };
static const char *const net_descs[] = { SL_NET_COUNTERS(SL_COUNTER_DESC) };
static const char *const tcp_names[] = { SL_TCP_COUNTERS(SL_COUNTER_NAME) };
static const char *const tcp_descs[] = { SL_TCP_COUNTERS(SL_COUNTER_DESC) };
static const char *const proxy_names[] = { SL_PROXY_COUNTERS(SL_COUNTER_NAME) };
static const char *const proxy_descs[] = { SL_PROXY_COUNTERS(SL_COUNTER_DESC) };

struct block {
	const char *prefix;
	const char *const *names, *const *descs;
	unsigned int n;
	size_t offset;      /* of the block in struct sl_lcore */
	const char *drops;  /* family of the "dropped:" counters by reason, or NULL */
};

static const struct block blocks[] = {
	{ "sluice_net_", net_names, net_descs, RTE_DIM(net_names),
	  offsetof(struct sl_lcore, net.stats), "sluice_net_drops_total" },
	{ "sluice_tcp_", tcp_names, tcp_descs, RTE_DIM(tcp_names),
	  offsetof(struct sl_lcore, tcp.stats), "sluice_tcp_drops_total" },
	{ "sluice_proxy_", proxy_names, proxy_descs, RTE_DIM(proxy_names),
	  offsetof(struct sl_lcore, proxy.stats), NULL },
};

static uint64_t
block_counter(const struct sl_lcore *lc, const struct block *b, unsigned int i)
{
	return load((const uint64_t *)((const char *)lc + b->offset) + i);
}

static void
worker_labels(struct labels *l, const struct sl_lcore *lc)
{
	l->len = 0;
	l->s[0] = '\0';
	label_u(l, "worker", lc->worker_id);
	label_u(l, "lcore", lc->lcore_id);
}

static bool
is_drop(const char *desc)
{
	return strstr(desc, "dropped:") != NULL;
}

static void
render_block(struct mgmt_out *o, const struct block *b)
{
	const char *help = "";
	struct sl_lcore *lc;
	struct labels l;
	char name[128];
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		/* An empty description continues the one above (status_2xx..). */
		if (b->descs[i][0] != '\0')
			help = b->descs[i];
		snprintf(name, sizeof(name), "%s%s_total", b->prefix, b->names[i]);
		family(o, name, "counter", help);
		SL_WORKER_FOREACH(lc) {
			worker_labels(&l, lc);
			sample(o, name, "", &l, block_counter(lc, b, i));
		}
	}
	if (b->drops == NULL)
		return;
	family(o, b->drops, "counter", "packets dropped, by reason (the counter of that name), "
			"over workers");
	for (i = 0; i < b->n; i++) {
		uint64_t sum = 0;

		if (!is_drop(b->descs[i]))
			continue;
		SL_WORKER_FOREACH(lc)
			sum += block_counter(lc, b, i);
		l.len = 0;
		label(&l, "reason", b->names[i]);
		sample(o, b->drops, "", &l, sum);
	}
}

static void
render_workers(struct mgmt_out *o)
{
	struct sl_lcore *lc;
	struct labels l;
	unsigned int i;

	family(o, "sluice_workers", "gauge", "worker lcores");
	sample(o, "sluice_workers", "", NULL, sl_lcore_worker_count());
	for (i = 0; i < RTE_DIM(blocks); i++)
		render_block(o, &blocks[i]);
	family(o, "sluice_worker_idle_sleeps_total", "counter", "times the worker slept when idle");
	SL_WORKER_FOREACH(lc) {
		worker_labels(&l, lc);
		sample(o, "sluice_worker_idle_sleeps_total", "", &l, load(&lc->idle.sleeps));
	}
}

/* Parser refusals by reason, and the TCP gauges. */
static void
render_totals(struct mgmt_out *o)
{
	struct sl_proxy_stats sum;
	uint64_t req_err[SL_PROXY_REQ_ERRS], open, tw;
	struct sl_tcp_stats tsum;
	struct labels l;
	unsigned int e;

	sl_proxy_stats_sum(&sum, req_err);
	family(o, "sluice_proxy_request_refusals_total", "counter",
			"requests refused by the HTTP parser, by reason, over workers");
	for (e = 1; e < SL_HTTP_ERR_COUNT && e < SL_PROXY_REQ_ERRS; e++) {
		l.len = 0;
		label(&l, "reason", sl_http_err_name((enum sl_http_err)e));
		sample(o, "sluice_proxy_request_refusals_total", "", &l, req_err[e]);
	}
	sl_tcp_stats_sum(&tsum, &open, &tw);
	family(o, "sluice_tcp_open_connections", "gauge", "TCP connections open, over workers");
	sample(o, "sluice_tcp_open_connections", "", NULL, open);
	family(o, "sluice_tcp_time_wait_connections", "gauge",
			"TCP connections in TIME_WAIT, over workers");
	sample(o, "sluice_tcp_time_wait_connections", "", NULL, tw);
}

/* ---- ports ---- */

static const char *const port_names[] = { SL_PORT_QUEUE_COUNTERS(SL_COUNTER_NAME) };
static const char *const port_descs[] = { SL_PORT_QUEUE_COUNTERS(SL_COUNTER_DESC) };

/* Device counters (rte_eth_stats). */
static const struct {
	const char *name, *help;
	size_t offset;
} eth_counters[] = {
	{ "sluice_port_rx_packets_total", "packets received by the device",
	  offsetof(struct rte_eth_stats, ipackets) },
	{ "sluice_port_tx_packets_total", "packets sent by the device",
	  offsetof(struct rte_eth_stats, opackets) },
	{ "sluice_port_rx_bytes_total", "bytes received by the device",
	  offsetof(struct rte_eth_stats, ibytes) },
	{ "sluice_port_tx_bytes_total", "bytes sent by the device",
	  offsetof(struct rte_eth_stats, obytes) },
	{ "sluice_port_rx_missed_total", "packets dropped by the device: receive queues full",
	  offsetof(struct rte_eth_stats, imissed) },
	{ "sluice_port_rx_errors_total", "erroneous packets received",
	  offsetof(struct rte_eth_stats, ierrors) },
	{ "sluice_port_tx_errors_total", "packets the device failed to send",
	  offsetof(struct rte_eth_stats, oerrors) },
	{ "sluice_port_rx_nombuf_total", "receive mbuf allocation failures",
	  offsetof(struct rte_eth_stats, rx_nombuf) },
};

static void
render_ports(struct mgmt_out *o)
{
	struct sl_port_queue_stats qs[SL_PORT_MAX];
	struct rte_eth_stats es[SL_PORT_MAX];
	bool have_es[SL_PORT_MAX];
	unsigned int n = RTE_MIN(sl_port_count(), (unsigned int)SL_PORT_MAX), i, c;
	struct labels l[SL_PORT_MAX];
	char name[128];

	for (i = 0; i < n; i++) {
		const struct sl_port *p = sl_port_get((uint16_t)i);

		l[i].len = 0;
		label(&l[i], "port", p->name);
		sl_port_stats_sum((uint16_t)i, &qs[i]);
		have_es[i] = p->attached && rte_eth_stats_get(p->ethdev, &es[i]) == 0;
	}
	for (c = 0; c < RTE_DIM(eth_counters); c++) {
		family(o, eth_counters[c].name, "counter", eth_counters[c].help);
		for (i = 0; i < n; i++)
			if (have_es[i])
				sample(o, eth_counters[c].name, "", &l[i],
						*(const uint64_t *)((const char *)&es[i] +
						eth_counters[c].offset));
	}
	for (c = 0; c < RTE_DIM(port_names); c++) {
		snprintf(name, sizeof(name), "sluice_port_queue_%s_total", port_names[c]);
		family(o, name, "counter", port_descs[c]);
		for (i = 0; i < n; i++)
			sample(o, name, "", &l[i], ((const uint64_t *)&qs[i])[c]);
	}
}

/* ---- listeners, routes, members ---- */

/* A route, member or listener with its counters, collected under the
 * proxy's generation lock and rendered family by family after. */
struct row {
	struct labels l;
	struct sl_proxy_hstats h;
	struct sl_proxy_member_state st;
};

struct rows {
	struct row *v;
	unsigned int n, cap;
};

static struct row *
row_add(struct rows *r)
{
	if (r->n == r->cap) {
		unsigned int cap = r->cap == 0 ? 16 : 2 * r->cap;
		struct row *v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL; /* a shorter answer, not a wrong one */
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static void
collect_route(void *arg, const char *route, const struct sl_proxy_hstats *h)
{
	struct row *r = row_add(arg);

	if (r == NULL)
		return;
	label(&r->l, "route", route);
	r->h = *h;
}

static void
collect_member(void *arg, const char *pool, const char *member, const struct sl_proxy_hstats *h,
		const struct sl_proxy_member_state *st)
{
	struct row *r = row_add(arg);

	if (r == NULL)
		return;
	label(&r->l, "pool", pool);
	label(&r->l, "member", member);
	r->h = *h;
	r->st = *st;
}

static void
collect_listener(void *arg, const char *listener, uint64_t accepted, uint64_t requests)
{
	struct row *r = row_add(arg);

	if (r == NULL)
		return;
	label(&r->l, "listener", listener);
	r->h.connects = accepted;
	r->h.requests = requests;
}

/* A u64 of the rows' counters, by offset in struct row. */
struct field {
	const char *suffix, *type, *help;
	size_t offset;
};

#define HF(f) offsetof(struct row, h.f)

static const struct field route_fields[] = {
	{ "requests_total", "counter", "requests routed here", HF(requests) },
	{ "request_bytes_total", "counter", "request body bytes received from clients",
	  HF(bytes_in) },
	{ "response_bytes_total", "counter", "response body bytes sent to clients",
	  HF(bytes_out) },
};

static const struct field member_fields[] = {
	{ "requests_total", "counter", "requests sent to the member (retries included)",
	  HF(requests) },
	{ "request_bytes_total", "counter", "request body bytes of exchanges it answered",
	  HF(bytes_in) },
	{ "response_bytes_total", "counter", "response body bytes of exchanges it answered",
	  HF(bytes_out) },
	{ "connects_total", "counter", "connections opened to the member", HF(connects) },
	{ "reuses_total", "counter", "requests sent over a pooled idle connection", HF(reuses) },
	{ "connect_failures_total", "counter", "connections refused or timed out",
	  HF(connect_failures) },
	{ "ejections_total", "counter", "times a worker stopped using it (passive health)",
	  HF(ejections) },
};

static const struct field listener_fields[] = {
	{ "accepted_total", "counter", "client connections accepted", HF(connects) },
	{ "requests_total", "counter", "request heads parsed", HF(requests) },
};

static void
render_fields(struct mgmt_out *o, const char *prefix, const struct rows *r,
		const struct field *f, unsigned int n)
{
	char name[128];
	unsigned int i, k;

	for (k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "%s%s", prefix, f[k].suffix);
		family(o, name, f[k].type, f[k].help);
		for (i = 0; i < r->n; i++)
			sample(o, name, "", &r->v[i].l,
					*(const uint64_t *)((const char *)&r->v[i] + f[k].offset));
	}
}

/* Responses by status class: code="1xx".."5xx". */
static void
render_classes(struct mgmt_out *o, const char *prefix, const struct rows *r, const char *help)
{
	char name[128];
	unsigned int i, c;

	snprintf(name, sizeof(name), "%sresponses_total", prefix);
	family(o, name, "counter", help);
	for (i = 0; i < r->n; i++)
		for (c = 0; c < 5; c++) {
			struct labels l = r->v[i].l;
			char code[4] = { (char)('1' + c), 'x', 'x', '\0' };

			label(&l, "code", code);
			sample(o, name, "", &l, r->v[i].h.status[c]);
		}
}

/* The latency histogram: buckets cumulative, le in seconds. */
static void
render_histogram(struct mgmt_out *o, const char *prefix, const struct rows *r,
		const char *help)
{
	char name[128], le[32];
	unsigned int i, b;

	snprintf(name, sizeof(name), "%srequest_duration_seconds", prefix);
	family(o, name, "histogram", help);
	for (i = 0; i < r->n; i++) {
		const struct sl_proxy_hstats *h = &r->v[i].h;
		uint64_t cum = 0;

		for (b = 0; b < SL_PROXY_LAT_BUCKETS; b++) {
			struct labels l = r->v[i].l;
			uint64_t us = sl_proxy_lat_bound_us(b);

			cum += h->lat[b];
			if (us == UINT64_MAX)
				snprintf(le, sizeof(le), "+Inf");
			else
				snprintf(le, sizeof(le), "%" PRIu64 ".%06" PRIu64, us / 1000000,
						us % 1000000);
			label(&l, "le", le);
			sample(o, name, "_bucket", &l, cum);
		}
		sample_us(o, name, "_sum", &r->v[i].l, h->lat_sum_us);
		sample(o, name, "_count", &r->v[i].l, cum);
	}
}

static void
render_member_state(struct mgmt_out *o, const struct rows *r)
{
	static const struct {
		const char *name, *help;
	} g[] = {
		{ "sluice_member_up", "1 unless ejected on every worker" },
		{ "sluice_member_active_connections", "connections serving an exchange" },
		{ "sluice_member_idle_connections", "pooled idle connections" },
		{ "sluice_member_ejected_workers", "workers on which the member is ejected" },
	};
	unsigned int k, i;

	for (k = 0; k < RTE_DIM(g); k++) {
		family(o, g[k].name, "gauge", g[k].help);
		for (i = 0; i < r->n; i++) {
			const struct sl_proxy_member_state *st = &r->v[i].st;
			uint64_t v = k == 0 ? st->up : k == 1 ? st->active : k == 2 ? st->idle :
					st->ejected_on;

			sample(o, g[k].name, "", &r->v[i].l, v);
		}
	}
	family(o, "sluice_member_latency_ewma_seconds", "gauge",
			"moving average of the time to the response head, over workers");
	for (i = 0; i < r->n; i++)
		mgmt_out_printf(o, "sluice_member_latency_ewma_seconds{%s} %.6f\n", r->v[i].l.s,
				r->v[i].st.lat_ewma_us / 1e6);
}

static void
render_proxy_objects(struct mgmt_out *o)
{
	struct rows r = { 0 };

	sl_proxy_foreach_listener(collect_listener, &r);
	render_fields(o, "sluice_listener_", &r, listener_fields, RTE_DIM(listener_fields));
	r.n = 0;
	sl_proxy_foreach_route(collect_route, &r);
	render_fields(o, "sluice_route_", &r, route_fields, RTE_DIM(route_fields));
	render_classes(o, "sluice_route_", &r, "responses sent to clients, by status class");
	render_histogram(o, "sluice_route_", &r,
			"time from the request head to the end of the response");
	r.n = 0;
	sl_proxy_foreach_member(collect_member, &r);
	render_fields(o, "sluice_member_", &r, member_fields, RTE_DIM(member_fields));
	render_classes(o, "sluice_member_", &r, "responses of the member, by status class");
	render_histogram(o, "sluice_member_", &r,
			"time from the request head to the end of the response");
	render_member_state(o, &r);
	free(r.v);
}

/* ---- the management plane itself ---- */

static void
render_mgmt(struct mgmt_out *o)
{
	const struct mgmt_http_stats *h = mgmt_http_stats();
	const struct mgmt_console_stats *c = mgmt_console_stats();
	uint64_t lines, errors;
	struct labels l = { .len = 0 };

	l.s[0] = '\0';
	label(&l, "version", SL_VERSION);
	family(o, "sluice_build_info", "gauge", "the running version");
	sample(o, "sluice_build_info", "", &l, 1);
	family(o, "sluice_config_generation", "gauge", "number of the applied configuration");
	sample(o, "sluice_config_generation", "", NULL, sl_proxy_generation());

	family(o, "sluice_mgmt_http_requests_total", "counter", "REST API requests");
	sample(o, "sluice_mgmt_http_requests_total", "", NULL, h->requests);
	family(o, "sluice_mgmt_http_responses_total", "counter", "REST API responses by class");
	l.len = 0;
	label(&l, "code", "2xx");
	sample(o, "sluice_mgmt_http_responses_total", "", &l, h->responses_2xx);
	l.len = 0;
	label(&l, "code", "4xx");
	sample(o, "sluice_mgmt_http_responses_total", "", &l, h->responses_4xx);
	l.len = 0;
	label(&l, "code", "5xx");
	sample(o, "sluice_mgmt_http_responses_total", "", &l, h->responses_5xx);
	family(o, "sluice_mgmt_http_refused_total", "counter",
			"REST API requests refused before their handler");
	l.len = 0;
	label(&l, "reason", "too_large");
	sample(o, "sluice_mgmt_http_refused_total", "", &l, h->refused_too_large);
	l.len = 0;
	label(&l, "reason", "malformed");
	sample(o, "sluice_mgmt_http_refused_total", "", &l, h->refused_malformed);
	l.len = 0;
	label(&l, "reason", "busy");
	sample(o, "sluice_mgmt_http_refused_total", "", &l, h->refused_busy);

	family(o, "sluice_mgmt_console_sessions_total", "counter", "console sessions opened");
	sample(o, "sluice_mgmt_console_sessions_total", "", NULL, c->sessions_opened);
	family(o, "sluice_mgmt_console_sessions", "gauge", "console sessions open");
	sample(o, "sluice_mgmt_console_sessions", "", NULL, c->sessions_active);
	family(o, "sluice_mgmt_console_lines_total", "counter", "console command lines executed");
	sample(o, "sluice_mgmt_console_lines_total", "", NULL, c->lines);

	mgmt_log_stats(&lines, &errors);
	family(o, "sluice_access_log_lines_total", "counter", "access log lines written");
	sample(o, "sluice_access_log_lines_total", "", NULL, lines);
	family(o, "sluice_access_log_errors_total", "counter",
			"access log records lost: formatting or write errors");
	sample(o, "sluice_access_log_errors_total", "", NULL, errors);
}

void
mgmt_metrics_render(struct mgmt_out *out)
{
	render_mgmt(out);
	render_ports(out);
	render_workers(out);
	render_totals(out);
	render_proxy_objects(out);
}
