/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route match: a request against a compiled table (route_priv.h), and the
 * has() callback over a parsed request. Worker lcores, per request (any
 * lcore may call: the table is read-only, nothing here allocates).
 */
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "route_priv.h"
#include "sl_http.h"
#include "sl_route.h"

struct mctx {
	const struct sl_route_table *t;
	const char *path;
	size_t path_len;
	uint64_t mbit;
	const struct sl_route_hdrs *hdrs;
	struct sl_route_stats *st;
	const struct route *best;
};

/* Method and header conditions (the path and host already hold). */
static bool
conds_hold(const struct mctx *m, const struct route *r)
{
	unsigned int j;

	if (r->methods != 0 && (r->methods & m->mbit) == 0)
		return false;
	for (j = 0; j < r->n_conds; j++) {
		const struct route_cond *c = &r->conds[j];

		if (m->hdrs == NULL || m->hdrs->has == NULL ||
			!m->hdrs->has(m->hdrs->ctx, c->name, c->nlen, c->value, c->vlen))
			return false;
	}
	return true;
}

/* Scan a rank-ordered list; stop at the first route that holds or cannot win. */
static void
scan(struct mctx *m, const struct route_ids *l, bool rx)
{
	uint32_t i;

	for (i = 0; i < l->n; i++) {
		const struct route *r = &m->t->routes[l->v[i]];

		if (m->best != NULL && route_rank_cmp(r, m->best) <= 0)
			return;
		m->st->candidates++;
		if (rx) {
			regmatch_t pm[1] = {{.rm_so = 0, .rm_eo = (regoff_t)m->path_len}};

			/* REG_STARTEND: the path need not be NUL-terminated */
			if (regexec(&r->rx, m->path, 1, pm, REG_STARTEND) != 0)
				continue;
		}
		if (conds_hold(m, r)) {
			m->best = r;
			return;
		}
	}
}

static void
scan_bucket(struct mctx *m, uint32_t bi)
{
	const struct sl_route_table *t = m->t;
	const struct route_bucket *b = &t->buckets[bi];
	uint32_t g, i;

	g = route_htab_get(&t->h, bi, ROUTE_K_EXACT, m->path, m->path_len, m->st);
	if (g != ROUTE_NONE)
		scan(m, &t->groups[g].r, false);
	for (i = 0; i < b->plen.n; i++) {
		if (b->plen.v[i] > m->path_len)
			continue;
		g = route_htab_get(&t->h, bi, ROUTE_K_PREFIX, m->path, b->plen.v[i], m->st);
		if (g != ROUTE_NONE)
			scan(m, &t->groups[g].r, false);
	}
	scan(m, &b->rx, true);
	if (b->any != ROUTE_NONE)
		scan(m, &t->groups[b->any].r, false);
}

/* Lowercase, without port and trailing dot; length or 0 (no usable host). */
static size_t
norm_req_host(const char *h, size_t len, char *buf)
{
	size_t i, n = len;

	if (h == NULL || len == 0)
		return 0;
	if (h[0] == '[') { /* IP literal: up to and with ']' */
		const char *e = memchr(h, ']', len);

		if (e == NULL)
			return 0;
		n = (size_t)(e - h) + 1;
	} else {
		const char *c = memchr(h, ':', len);

		if (c != NULL)
			n = (size_t)(c - h);
	}
	while (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0 || n > SL_ROUTE_HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = h[i];

		buf[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	return n;
}

const struct sl_route *
sl_route_match(const struct sl_route_table *t, const char *host, size_t host_len,
	const char *path, size_t path_len, unsigned int method, const struct sl_route_hdrs *hdrs,
	struct sl_route_stats *st)
{
	char hbuf[SL_ROUTE_HOST_MAX + 1];
	struct sl_route_stats dummy;
	struct mctx m;
	size_t hl, i;
	uint32_t b;

	if (st == NULL)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (path == NULL)
		path_len = 0;
	else {
		const char *q = memchr(path, '?', path_len);

		if (q != NULL)
			path_len = (size_t)(q - path);
	}
	m = (struct mctx){.t = t, .path = path != NULL ? path : "", .path_len = path_len,
		.mbit = method < 64 ? SL_ROUTE_METHOD(method) : 0, .hdrs = hdrs, .st = st};

	/* most specific host first, so that pruning cuts the rest */
	hl = norm_req_host(host, host_len, hbuf);
	if (hl > 0) {
		unsigned int labels = 0;

		b = route_htab_get(&t->h, 0, ROUTE_K_HOST, hbuf, hl, st);
		if (b != ROUTE_NONE)
			scan_bucket(&m, b);
		/* wildcard suffixes, longest first: the part after each dot */
		if (t->max_wild_labels > 0) {
			for (i = 0; i < hl; i++)
				labels += hbuf[i] == '.';
			for (i = 0; i < hl; i++) {
				if (hbuf[i] != '.')
					continue;
				if (labels-- > t->max_wild_labels)
					continue; /* suffix has more labels than any wildcard */
				b = route_htab_get(&t->h, 0, ROUTE_K_WILD, hbuf + i + 1,
					hl - i - 1, st);
				if (b != ROUTE_NONE)
					scan_bucket(&m, b);
			}
		}
	}
	scan_bucket(&m, 0);
	if (m.best != NULL)
		return &m.best->pub;
	return t->dflt != ROUTE_NONE ? &t->routes[t->dflt].pub : NULL;
}

bool
sl_route_http_has(const void *ctx, const char *name, size_t name_len, const char *value,
	size_t value_len)
{
	const struct sl_http_parser *p = ctx;
	int i;

	for (i = sl_http_find(p, name, name_len, 0); i >= 0;
		i = sl_http_find(p, name, name_len, (uint32_t)i + 1)) {
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);

		if (value == NULL)
			return true;
		if (f->value_len == value_len &&
			memcmp(sl_http_field_value(p, f), value, value_len) == 0)
			return true;
	}
	return false;
}
