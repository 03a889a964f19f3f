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

/* ---- the counter registry ---- */

static void
block_labels(struct labels *l, const struct sl_counter_block *b, const struct sl_lcore *lc,
		unsigned int inst)
{
	l->len = 0;
	l->s[0] = '\0';
	if (lc != NULL) {
		label_u(l, "worker", lc->worker_id);
		label_u(l, "lcore", lc->lcore_id);
	}
	if (b->instance_label != NULL)
		label(l, b->instance_label, sl_counters_instance_name(b, inst));
}

/* Counter i of b: a sample per worker and instance (or per instance for a
 * global block), with `extra`="value" added when extra is not NULL. */
static void
block_samples(struct mgmt_out *o, const char *name, const struct sl_counter_block *b,
		unsigned int i, const char *extra, const char *value)
{
	unsigned int inst, n = sl_counters_instances(b);
	struct sl_lcore *lc;
	struct labels l;

	for (inst = 0; inst < n; inst++) {
		if (b->global != NULL) {
			block_labels(&l, b, NULL, inst);
			if (extra != NULL)
				label(&l, extra, value);
			sample(o, name, "", &l, sl_counters_get(b, NULL, inst, i));
			continue;
		}
		SL_WORKER_FOREACH(lc) {
			block_labels(&l, b, lc, inst);
			if (extra != NULL)
				label(&l, extra, value);
			sample(o, name, "", &l, sl_counters_get(b, lc, inst, i));
		}
	}
}

static const char *
kind_type(const struct sl_counter_block *b)
{
	return b->kind == SL_COUNTER_KIND_GAUGE ? "gauge" : "counter";
}

static const char *
kind_suffix(const struct sl_counter_block *b)
{
	return b->kind == SL_COUNTER_KIND_GAUGE ? "" : "_total";
}

static void
render_block(struct mgmt_out *o, const struct sl_counter_block *b)
{
	char name[160], cname[128];
	const char *help = "";
	unsigned int i;

	if (b->family != NULL) {
		snprintf(name, sizeof(name), "sluice_%s_%s%s", b->module, b->family,
				kind_suffix(b));
		family(o, name, kind_type(b), b->family_help);
		for (i = 0; i < b->n; i++)
			block_samples(o, name, b, i, b->family_label, b->names[i]);
		return;
	}
	for (i = 0; i < b->n; i++) {
		/* An empty description continues the one above (status_2xx..). */
		if (b->descs[i][0] != '\0')
			help = b->descs[i];
		snprintf(name, sizeof(name), "sluice_%s_%s%s", b->module,
				sl_counters_name(b, i, cname, sizeof(cname)), kind_suffix(b));
		family(o, name, kind_type(b), help);
		block_samples(o, name, b, i, NULL, NULL);
	}
}

/* sluice_<module>_drops_total{reason}: the SL_CTR_DROP counters of blocks
 * [first, end), which are one module's, each summed over workers and
 * instances. */
static void
render_drops(struct mgmt_out *o, unsigned int first, unsigned int end)
{
	const struct sl_counter_block *b = sl_counters_block(first);
	char name[160], cname[128];
	bool started = false;
	unsigned int k, i, inst;
	struct labels l;

	snprintf(name, sizeof(name), "sluice_%s_drops_total", b->module);
	for (k = first; k < end; k++) {
		b = sl_counters_block(k);
		for (i = 0; b->marks != NULL && i < b->n; i++) {
			uint64_t sum = 0;

			if (!(b->marks[i] & SL_CTR_DROP))
				continue;
			if (!started)
				family(o, name, "counter", "things dropped or refused, by reason "
						"(the counter of that name), over workers");
			started = true;
			for (inst = 0; inst < sl_counters_instances(b); inst++)
				sum += sl_counters_total(b, inst, i);
			l.len = 0;
			l.s[0] = '\0';
			label(&l, "reason", sl_counters_name(b, i, cname, sizeof(cname)));
			sample(o, name, "", &l, sum);
		}
	}
}

void
mgmt_metrics_render_counters(struct mgmt_out *o)
{
	const struct sl_counter_block *b;
	unsigned int k, first = 0;

	for (k = 0; (b = sl_counters_block(k)) != NULL; k++) {
		render_block(o, b);
		/* Blocks come ordered by module: close a module's run. */
		if (sl_counters_block(k + 1) == NULL ||
				strcmp(sl_counters_block(k + 1)->module, b->module) != 0) {
			render_drops(o, first, k + 1);
			first = k + 1;
		}
	}
}

/* ---- ports ---- */

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

/* The devices' own counters (the queues' are in the registry). */
static void
render_ports(struct mgmt_out *o)
{
	struct rte_eth_stats es[SL_PORT_MAX];
	bool have_es[SL_PORT_MAX];
	unsigned int n = RTE_MIN(sl_port_count(), (unsigned int)SL_PORT_MAX), i, c;
	struct labels l[SL_PORT_MAX];

	for (i = 0; i < n; i++) {
		const struct sl_port *p = sl_port_get((uint16_t)i);

		l[i].len = 0;
		label(&l[i], "port", p->name);
		have_es[i] = sl_port_dev_stats(p, &es[i]) == 0;
	}
	for (c = 0; c < RTE_DIM(eth_counters); c++) {
		family(o, eth_counters[c].name, "counter", eth_counters[c].help);
		for (i = 0; i < n; i++)
			if (have_es[i])
				sample(o, eth_counters[c].name, "", &l[i],
						*(const uint64_t *)((const char *)&es[i] +
						eth_counters[c].offset));
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

/* ---- what the gateway is ---- */

static void
render_info(struct mgmt_out *o)
{
	struct labels l = { .len = 0 };

	l.s[0] = '\0';
	label(&l, "version", SL_VERSION);
	family(o, "sluice_build_info", "gauge", "the running version");
	sample(o, "sluice_build_info", "", &l, 1);
	family(o, "sluice_config_generation", "gauge", "number of the applied configuration");
	sample(o, "sluice_config_generation", "", NULL, sl_proxy_generation());
	family(o, "sluice_workers", "gauge", "worker lcores");
	sample(o, "sluice_workers", "", NULL, sl_lcore_worker_count());
}

void
mgmt_metrics_render(struct mgmt_out *out)
{
	render_info(out);
	mgmt_metrics_render_counters(out);
	render_ports(out);
	render_proxy_objects(out);
}
