/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route build: validate route definitions, compile them into the immutable
 * table of route_priv.h, free it. Management lcore only, as is everything
 * here but sl_route_table_count (any lcore: reads the table).
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "route_priv.h"
#include "sl_route.h"

/* Specificity (larger is more specific). */
#define HOST_EXACT 1000
#define HOST_WILD(suffix_len) (1 + (int32_t)(suffix_len))
#define HOST_ANY 0
#define PATH_EXACT (3 << 16)
#define PATH_PREFIX(len) ((2 << 16) + (int32_t)(len))
#define PATH_REGEX (1 << 16)
#define PATH_ANY 0

/* ---- hash ---- */

static int
htab_grow(struct route_htab *t)
{
	uint32_t cap = (t->mask + 1) * 2, i;
	struct route_hent *e = calloc(cap, sizeof(*e));

	if (e == NULL)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++) {
		struct route_hent *o = &t->e[i];
		uint32_t j;

		if (o->key == NULL)
			continue;
		for (j = (uint32_t)o->h & (cap - 1); e[j].key != NULL; j = (j + 1) & (cap - 1))
			;
		e[j] = *o;
	}
	free(t->e);
	t->e = e;
	t->mask = cap - 1;
	return 0;
}

/* Insert a key known to be absent. */
static int
htab_put(struct route_htab *t, uint32_t scope, uint32_t kind, const char *s, size_t len,
	uint32_t val)
{
	uint32_t i;
	char *k;

	if ((t->n + 1) * 2 > t->mask + 1 && htab_grow(t) != 0)
		return -ENOMEM;
	k = malloc(len + 1);
	if (k == NULL)
		return -ENOMEM;
	memcpy(k, s, len);
	k[len] = '\0';
	uint64_t h = route_hash_key(scope, kind, s, len);
	for (i = (uint32_t)h & t->mask; t->e[i].key != NULL; i = (i + 1) & t->mask)
		;
	t->e[i] = (struct route_hent){.key = k, .h = h, .klen = (uint32_t)len, .scope = scope,
		.kind = kind, .val = val};
	t->n++;
	return 0;
}

/* ---- small growable arrays ---- */

static int
ids_push(struct route_ids *a, uint32_t v)
{
	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 4;
		uint32_t *p = realloc(a->v, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		a->v = p;
		a->cap = cap;
	}
	a->v[a->n++] = v;
	return 0;
}

static void *
grow(void *p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t c = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	q = realloc(p, (size_t)c * size);
	if (q == NULL)
		return NULL;
	memset((char *)q + (size_t)*cap * size, 0, (size_t)(c - *cap) * size);
	*cap = c;
	return q;
}

/* ---- ranking ---- */

static const struct route *sort_routes; /* build only (management lcore) */

static int
sort_cmp(const void *x, const void *y)
{
	return -route_rank_cmp(&sort_routes[*(const uint32_t *)x],
		&sort_routes[*(const uint32_t *)y]);
}

static int
desc_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? 1 : a > b ? -1 : 0;
}

/* ---- build ---- */

static int __rte_format_printf(4, 5)
fail(struct sl_route_error *err, const struct sl_route_def *defs, int idx, const char *fmt, ...)
{
	char m[192];
	va_list ap;

	if (err == NULL)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	err->index = idx;
	if (idx >= 0 && defs[idx].name != NULL && defs[idx].name[0] != '\0')
		snprintf(err->msg, sizeof(err->msg), "route '%.64s' (#%d): %s", defs[idx].name, idx,
			m);
	else
		snprintf(err->msg, sizeof(err->msg), "route #%d: %s", idx, m);
	return -EINVAL;
}

static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_';
}

/* Lowercase host into buf; 0 or -1 if not a valid host name. */
static int
norm_def_host(const char *h, char *buf)
{
	size_t i, n = strlen(h);

	if (n == 0 || n > SL_ROUTE_HOST_MAX)
		return -1;
	if (h[0] == '[') { /* IPv6 literal, as in a Host field */
		if (n < 3 || h[n - 1] != ']')
			return -1;
		for (i = 0; i < n; i++) {
			char c = h[i];

			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if ((i > 0 && i < n - 1) &&
				!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' ||
					c == '.'))
				return -1;
			buf[i] = c;
		}
		buf[n] = '\0';
		return 0;
	}
	for (i = 0; i < n; i++) {
		char c = h[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!is_host_char(c))
			return -1;
		buf[i] = c;
	}
	buf[n] = '\0';
	if (buf[0] == '.' || buf[n - 1] == '.' || strstr(buf, "..") != NULL)
		return -1;
	return 0;
}

static uint32_t
new_bucket(struct sl_route_table *t, int32_t host_spec)
{
	struct route_bucket *b = grow(t->buckets, &t->cap_buckets, t->n_buckets + 1, sizeof(*b));

	if (b == NULL)
		return ROUTE_NONE;
	t->buckets = b;
	b[t->n_buckets].host_spec = host_spec;
	b[t->n_buckets].any = ROUTE_NONE;
	return t->n_buckets++;
}

static uint32_t
new_group(struct sl_route_table *t)
{
	struct route_group *g = grow(t->groups, &t->cap_groups, t->n_groups + 1, sizeof(*g));

	if (g == NULL)
		return ROUTE_NONE;
	t->groups = g;
	return t->n_groups++;
}

/* The group of (bucket, kind, key), created if absent. */
static uint32_t
group_of(struct sl_route_table *t, uint32_t b, uint32_t kind, const char *k, size_t len,
	bool *created)
{
	uint32_t g = route_htab_get(&t->h, b, kind, k, len, NULL);

	*created = false;
	if (g != ROUTE_NONE)
		return g;
	g = new_group(t);
	if (g == ROUTE_NONE || htab_put(&t->h, b, kind, k, len, g) != 0)
		return ROUTE_NONE;
	*created = true;
	return g;
}

static int
check_def(const struct sl_route_def *defs, unsigned int i, struct sl_route_error *err)
{
	const struct sl_route_def *d = &defs[i];
	unsigned int j;

	if (d->name == NULL || d->name[0] == '\0')
		return fail(err, defs, (int)i, "empty name");
	if (strlen(d->name) > SL_ROUTE_NAME_MAX)
		return fail(err, defs, (int)i, "name longer than %d bytes", SL_ROUTE_NAME_MAX);
	if (d->methods != 0 &&
		((d->methods & SL_ROUTE_METHOD(SL_HTTP_M_UNKNOWN)) != 0 ||
			(d->methods >> SL_HTTP_M_COUNT) != 0))
		return fail(err, defs, (int)i, "invalid method mask 0x%llx",
			(unsigned long long)d->methods);
	if (d->n_hdrs > SL_ROUTE_MAX_HDRS)
		return fail(err, defs, (int)i, "more than %d header conditions", SL_ROUTE_MAX_HDRS);
	for (j = 0; j < d->n_hdrs; j++) {
		const char *nm = d->hdrs[j].name, *v = d->hdrs[j].value;

		if (nm == NULL || nm[0] == '\0')
			return fail(err, defs, (int)i, "header condition %u: empty name", j);
		for (; *nm != '\0'; nm++)
			if (!is_tchar(*nm))
				return fail(err, defs, (int)i, "header condition %u: invalid name", j);
		for (; v != NULL && *v != '\0'; v++)
			if ((unsigned char)*v < 0x20 && *v != '\t')
				return fail(err, defs, (int)i, "header condition %u: invalid value", j);
	}
	if (d->is_default) {
		if ((d->host != NULL && d->host[0] != '\0') || d->path_kind != SL_ROUTE_PATH_ANY ||
			d->methods != 0 || d->n_hdrs != 0)
			return fail(err, defs, (int)i, "the default route takes no conditions");
		return 0;
	}
	switch (d->path_kind) {
	case SL_ROUTE_PATH_ANY:
		break;
	case SL_ROUTE_PATH_EXACT:
	case SL_ROUTE_PATH_PREFIX:
		if (d->path == NULL || d->path[0] != '/')
			return fail(err, defs, (int)i, "path must start with '/'");
		break;
	case SL_ROUTE_PATH_REGEX:
		if (d->path == NULL || d->path[0] == '\0')
			return fail(err, defs, (int)i, "empty regular expression");
		break;
	default:
		return fail(err, defs, (int)i, "invalid path kind %d", (int)d->path_kind);
	}
	return 0;
}

static int
add_route(struct sl_route_table *t, const struct sl_route_def *defs, unsigned int i,
	struct sl_route_error *err)
{
	const struct sl_route_def *d = &defs[i];
	struct route *r = &t->routes[t->n_routes];
	char hbuf[SL_ROUTE_HOST_MAX + 1];
	uint32_t b = 0, g, kind;
	bool created;
	size_t plen;
	unsigned int j;
	int rc;

	rc = check_def(defs, i, err);
	if (rc != 0)
		return rc;
	if (route_htab_get(&t->h, 0, ROUTE_K_NAME, d->name, strlen(d->name), NULL) != ROUTE_NONE)
		return fail(err, defs, (int)i, "duplicate name");
	if (d->is_default && t->dflt != ROUTE_NONE)
		return fail(err, defs, (int)i, "second default route (first: '%s')",
			t->routes[t->dflt].name);

	/* from here on r owns its allocations: counted so that free() finds them */
	memset(r, 0, sizeof(*r));
	r->pub.index = i;
	r->pub.action = d->action;
	r->pub.priority = d->priority;
	r->methods = d->methods;
	r->kind = d->is_default ? SL_ROUTE_PATH_ANY : d->path_kind;
	r->name = strdup(d->name);
	if (r->name == NULL)
		return -ENOMEM;
	r->pub.name = r->name;
	t->n_routes++;
	if (htab_put(&t->h, 0, ROUTE_K_NAME, d->name, strlen(d->name), t->n_routes - 1) != 0)
		return -ENOMEM;
	for (j = 0; j < d->n_hdrs; j++) {
		struct route_cond *c = &r->conds[j];

		c->name = strdup(d->hdrs[j].name);
		c->value = d->hdrs[j].value != NULL ? strdup(d->hdrs[j].value) : NULL;
		r->n_conds = j + 1;
		if (c->name == NULL || (d->hdrs[j].value != NULL && c->value == NULL))
			return -ENOMEM;
		c->nlen = strlen(c->name);
		c->vlen = c->value != NULL ? strlen(c->value) : 0;
	}
	if (d->is_default) {
		t->dflt = t->n_routes - 1;
		return 0;
	}

	/* host bucket */
	r->host_spec = HOST_ANY;
	if (d->host != NULL && d->host[0] != '\0') {
		const char *h = d->host;

		kind = ROUTE_K_HOST;
		if (h[0] == '*') {
			if (h[1] != '.')
				return fail(err, defs, (int)i, "invalid host '%.64s'", d->host);
			h += 2;
			kind = ROUTE_K_WILD;
		}
		if (norm_def_host(h, hbuf) != 0 || (kind == ROUTE_K_WILD && hbuf[0] == '['))
			return fail(err, defs, (int)i, "invalid host '%.64s'", d->host);
		r->host_spec = kind == ROUTE_K_HOST ? HOST_EXACT : HOST_WILD(strlen(hbuf));
		b = route_htab_get(&t->h, 0, kind, hbuf, strlen(hbuf), NULL);
		if (b == ROUTE_NONE) {
			b = new_bucket(t, r->host_spec);
			if (b == ROUTE_NONE || htab_put(&t->h, 0, kind, hbuf, strlen(hbuf), b) != 0)
				return -ENOMEM;
			if (kind == ROUTE_K_WILD) {
				uint32_t labels = 1;

				for (h = hbuf; *h != '\0'; h++)
					labels += *h == '.';
				if (labels > t->max_wild_labels)
					t->max_wild_labels = labels;
			}
		}
	}

	/* path */
	switch (r->kind) {
	case SL_ROUTE_PATH_ANY:
		r->path_spec = PATH_ANY;
		if (t->buckets[b].any == ROUTE_NONE) {
			g = new_group(t);
			if (g == ROUTE_NONE)
				return -ENOMEM;
			t->buckets[b].any = g;
		}
		return ids_push(&t->groups[t->buckets[b].any].r, t->n_routes - 1);
	case SL_ROUTE_PATH_REGEX:
		r->path_spec = PATH_REGEX;
		rc = regcomp(&r->rx, d->path, REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			char m[128];

			regerror(rc, NULL, m, sizeof(m));
			return fail(err, defs, (int)i, "invalid regex '%.48s': %s", d->path, m);
		}
		r->has_rx = true;
		return ids_push(&t->buckets[b].rx, t->n_routes - 1);
	case SL_ROUTE_PATH_EXACT:
	case SL_ROUTE_PATH_PREFIX:
		plen = strlen(d->path);
		kind = r->kind == SL_ROUTE_PATH_EXACT ? ROUTE_K_EXACT : ROUTE_K_PREFIX;
		r->path_spec = kind == ROUTE_K_EXACT ? PATH_EXACT : PATH_PREFIX(plen);
		if (plen > UINT16_MAX)
			return fail(err, defs, (int)i, "path too long");
		g = group_of(t, b, kind, d->path, plen, &created);
		if (g == ROUTE_NONE)
			return -ENOMEM;
		if (created && kind == ROUTE_K_PREFIX &&
			ids_push(&t->buckets[b].plen, (uint32_t)plen) != 0)
			return -ENOMEM;
		return ids_push(&t->groups[g].r, t->n_routes - 1);
	}
	return -EINVAL;
}

int
sl_route_table_build(const struct sl_route_def *defs, unsigned int n,
	struct sl_route_table **out, struct sl_route_error *err)
{
	struct sl_route_table *t;
	uint32_t i;
	int rc;

	if (err != NULL) {
		err->index = -1;
		err->msg[0] = '\0';
	}
	if (out == NULL || (defs == NULL && n > 0))
		return -EINVAL;
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->dflt = ROUTE_NONE;
	t->routes = calloc(n ? n : 1, sizeof(*t->routes));
	t->h.e = calloc(64, sizeof(*t->h.e));
	t->h.mask = 63;
	rc = -ENOMEM;
	if (t->routes == NULL || t->h.e == NULL || new_bucket(t, HOST_ANY) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		rc = add_route(t, defs, i, err);
		if (rc != 0)
			goto fail;
	}
	/* rank order everywhere so that scans stop early */
	sort_routes = t->routes;
	for (i = 0; i < t->n_groups; i++)
		qsort(t->groups[i].r.v, t->groups[i].r.n, sizeof(uint32_t), sort_cmp);
	for (i = 0; i < t->n_buckets; i++) {
		struct route_bucket *b = &t->buckets[i];

		if (b->rx.n > 1)
			qsort(b->rx.v, b->rx.n, sizeof(uint32_t), sort_cmp);
		if (b->plen.n > 1)
			qsort(b->plen.v, b->plen.n, sizeof(uint32_t), desc_u32);
	}
	sort_routes = NULL;
	*out = t;
	return 0;
fail:
	if (rc == -ENOMEM && err != NULL && err->msg[0] == '\0')
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	sl_route_table_free(t);
	return rc;
}

void
sl_route_table_free(struct sl_route_table *t)
{
	uint32_t i;
	unsigned int j;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_routes; i++) {
		struct route *r = &t->routes[i];

		free(r->name);
		for (j = 0; j < r->n_conds; j++) {
			free(r->conds[j].name);
			free(r->conds[j].value);
		}
		if (r->has_rx)
			regfree(&r->rx);
	}
	free(t->routes);
	for (i = 0; i < t->n_groups; i++)
		free(t->groups[i].r.v);
	free(t->groups);
	for (i = 0; i < t->n_buckets; i++) {
		free(t->buckets[i].plen.v);
		free(t->buckets[i].rx.v);
	}
	free(t->buckets);
	if (t->h.e != NULL)
		for (i = 0; i <= t->h.mask; i++)
			free(t->h.e[i].key);
	free(t->h.e);
	free(t);
}

unsigned int
sl_route_table_count(const struct sl_route_table *t)
{
	return t->n_routes;
}
