/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the route table, no EAL: each match kind, the selection
 * rule (priority, host then path specificity, definition order), host
 * normalisation, wildcard depth, default route, header conditions, method
 * masks, refused definitions, and a scaling check that counts candidates
 * (never times anything).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl_route.h"
#include "sl_test.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define GET SL_HTTP_M_GET
#define M(x) SL_ROUTE_METHOD(SL_HTTP_M_##x)

/* Header set of a test: "name: value" pairs. */
struct hdrset {
	const char *kv[8][2];
	unsigned int n;
};

static bool
hs_has(const void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	const struct hdrset *h = ctx;
	unsigned int i;

	for (i = 0; i < h->n; i++) {
		if (strlen(h->kv[i][0]) != nlen || strncasecmp(h->kv[i][0], name, nlen) != 0)
			continue;
		if (value == NULL ||
			(strlen(h->kv[i][1]) == vlen && memcmp(h->kv[i][1], value, vlen) == 0))
			return true;
	}
	return false;
}

/* Name of the matched route, "" for none. */
static const char *
m3(const struct sl_route_table *t, const char *host, const char *path, unsigned int method,
	const struct hdrset *h)
{
	struct sl_route_hdrs hd = {.has = hs_has, .ctx = h};
	const struct sl_route *r = sl_route_match(t, host, host ? strlen(host) : 0, path,
		strlen(path), method, h ? &hd : NULL, NULL);

	return r != NULL ? r->name : "";
}

static const char *
m(const struct sl_route_table *t, const char *host, const char *path)
{
	return m3(t, host, path, GET, NULL);
}

static int
build(const struct sl_route_def *d, unsigned int n, struct sl_route_table **t)
{
	struct sl_route_error err;
	int rc = sl_route_table_build(d, n, t, &err);

	if (rc != 0)
		fprintf(stderr, "build: %d %s\n", rc, err.msg);
	return rc;
}

static int
test_kinds(void)
{
	const struct sl_route_def d[] = {
		{.name = "exact", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/x"},
		{.name = "prefix", .host = "a.com", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/x/"},
		{.name = "regex", .host = "a.com", .path_kind = SL_ROUTE_PATH_REGEX,
			.path = "^/img/[0-9]+\\.png$"},
		{.name = "hostonly", .host = "b.com"},
		{.name = "any", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/any"},
		{.name = "dflt", .is_default = true, .action = 99},
	};
	struct sl_route_table *t;

	SL_CHECK_EQ(build(d, DIM(d), &t), 0);
	SL_CHECK_EQ(sl_route_table_count(t), 6);
	SL_CHECK_STR(m(t, "a.com", "/x"), "exact");
	SL_CHECK_STR(m(t, "a.com", "/x?q=1"), "exact"); /* query ignored */
	SL_CHECK_STR(m(t, "a.com", "/x/"), "prefix");
	SL_CHECK_STR(m(t, "a.com", "/x/y/z"), "prefix");
	SL_CHECK_STR(m(t, "a.com", "/img/42.png"), "regex");
	SL_CHECK_STR(m(t, "a.com", "/img/42.png?v=2"), "regex");
	SL_CHECK_STR(m(t, "a.com", "/img/x.png"), "dflt");
	SL_CHECK_STR(m(t, "a.com", "/xy"), "dflt");
	SL_CHECK_STR(m(t, "b.com", "/whatever"), "hostonly");
	SL_CHECK_STR(m(t, "b.com", "/any/thing"), "hostonly"); /* host before path */
	SL_CHECK_STR(m(t, "a.com", "/any/thing"), "any");
	SL_CHECK_STR(m(t, NULL, "/anyway"), "any");
	SL_CHECK_STR(m(t, "", "/x"), "dflt");
	SL_CHECK_EQ(sl_route_match(t, "c.com", 5, "/", 1, GET, NULL, NULL)->action, 99);

	/* path not NUL-terminated: regexec must stop at path_len */
	const char buf[] = "/img/7.pngXXXX";
	SL_CHECK_STR(sl_route_match(t, "a.com", 5, buf, 10, GET, NULL, NULL)->name, "regex");
	SL_CHECK_STR(sl_route_match(t, "a.com", 5, "/xyz", 2, GET, NULL, NULL)->name, "exact");
	sl_route_table_free(t);

	/* no default: NULL */
	SL_CHECK_EQ(build(d, 5, &t), 0);
	SL_CHECK(sl_route_match(t, "z.com", 5, "/", 1, GET, NULL, NULL) == NULL);
	sl_route_table_free(t);
	sl_route_table_free(NULL);
	return 0;
}

static int
test_ordering(void)
{
	const struct sl_route_def d[] = {
		{.name = "p-short", .host = "a.com", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/a"},
		{.name = "p-long", .host = "a.com", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/a/b"},
		{.name = "rx", .host = "a.com", .path_kind = SL_ROUTE_PATH_REGEX, .path = "^/a/b/c"},
		{.name = "exact", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/a/b/c"},
		/* priority beats specificity */
		{.name = "hi-rx", .host = "a.com", .path_kind = SL_ROUTE_PATH_REGEX, .path = "^/hi",
			.priority = 10},
		{.name = "hi-exact", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT,
			.path = "/hi/x"},
		/* same priority, same specificity: definition order */
		{.name = "first", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/dup"},
		{.name = "second", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/dup"},
		/* ...unless priority says otherwise */
		{.name = "third", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/dup2"},
		{.name = "fourth", .host = "a.com", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/dup2",
			.priority = 1},
		/* host specificity: exact host > longer wildcard > shorter wildcard > any */
		{.name = "any-host", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/h"},
		{.name = "wild-short", .host = "*.com", .path_kind = SL_ROUTE_PATH_EXACT,
			.path = "/h"},
		{.name = "wild-long", .host = "*.b.com", .path_kind = SL_ROUTE_PATH_EXACT,
			.path = "/h"},
		{.name = "host-exact", .host = "x.b.com", .path_kind = SL_ROUTE_PATH_EXACT,
			.path = "/h"},
		/* host specificity before path specificity */
		{.name = "anyhost-exact", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/q"},
		{.name = "host-prefix", .host = "q.com", .path_kind = SL_ROUTE_PATH_PREFIX,
			.path = "/"},
		/* an any-host route with higher priority beats a host route */
		{.name = "anyhost-hi", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/admin",
			.priority = 5},
	};
	struct sl_route_table *t;

	SL_CHECK_EQ(build(d, DIM(d), &t), 0);
	SL_CHECK_STR(m(t, "a.com", "/a/b/c"), "exact");
	SL_CHECK_STR(m(t, "a.com", "/a/b/cd"), "p-long"); /* longer prefix > regex */
	SL_CHECK_STR(m(t, "a.com", "/a/b"), "p-long");
	SL_CHECK_STR(m(t, "a.com", "/a/x"), "p-short");
	SL_CHECK_STR(m(t, "a.com", "/hi/x"), "hi-rx");
	SL_CHECK_STR(m(t, "a.com", "/dup"), "first");
	SL_CHECK_STR(m(t, "a.com", "/dup2"), "fourth");
	SL_CHECK_STR(m(t, "x.b.com", "/h"), "host-exact");
	SL_CHECK_STR(m(t, "y.b.com", "/h"), "wild-long");
	SL_CHECK_STR(m(t, "y.c.com", "/h"), "wild-short");
	SL_CHECK_STR(m(t, "localhost", "/h"), "any-host");
	SL_CHECK_STR(m(t, "q.com", "/q"), "host-prefix");
	SL_CHECK_STR(m(t, "r.com", "/q"), "anyhost-exact");
	SL_CHECK_STR(m(t, "q.com", "/admin/x"), "anyhost-hi");
	sl_route_table_free(t);
	return 0;
}

static int
test_host(void)
{
	const struct sl_route_def d[] = {
		{.name = "a", .host = "A.com", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/"},
		{.name = "wild", .host = "*.Example.com", .path_kind = SL_ROUTE_PATH_PREFIX,
			.path = "/"},
		{.name = "v6", .host = "[::1]"},
		{.name = "dflt", .is_default = true},
	};
	struct sl_route_table *t;

	SL_CHECK_EQ(build(d, DIM(d), &t), 0);
	SL_CHECK_STR(m(t, "a.com", "/"), "a");
	SL_CHECK_STR(m(t, "A.COM", "/"), "a");
	SL_CHECK_STR(m(t, "a.com:8080", "/"), "a");
	SL_CHECK_STR(m(t, "a.com.", "/"), "a");
	SL_CHECK_STR(m(t, "a.Com.:443", "/"), "a");
	SL_CHECK_STR(m(t, "b.a.com", "/"), "dflt");
	SL_CHECK_STR(m(t, "aa.com", "/"), "dflt");
	SL_CHECK_STR(m(t, "[::1]:80", "/"), "v6");
	/* wildcard: nginx semantics, any depth, not the bare domain */
	SL_CHECK_STR(m(t, "a.example.com", "/"), "wild");
	SL_CHECK_STR(m(t, "a.b.example.com", "/"), "wild");
	SL_CHECK_STR(m(t, "X.Y.Z.EXAMPLE.COM:1", "/"), "wild");
	SL_CHECK_STR(m(t, "example.com", "/"), "dflt");
	SL_CHECK_STR(m(t, "aexample.com", "/"), "dflt");
	SL_CHECK_STR(m(t, "a.example.org", "/"), "dflt");
	SL_CHECK_STR(m(t, ":80", "/"), "dflt");
	sl_route_table_free(t);
	return 0;
}

static int
test_headers(void)
{
	const struct sl_route_def d[] = {
		{.name = "v2", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/api",
			.hdrs = {{"X-Version", "2"}}, .n_hdrs = 1},
		{.name = "ws", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/api",
			.hdrs = {{"upgrade", "websocket"}, {"Connection", NULL}}, .n_hdrs = 2},
		{.name = "api", .path_kind = SL_ROUTE_PATH_PREFIX, .path = "/api"},
	};
	struct hdrset h1 = {.kv = {{"x-version", "2"}}, .n = 1};
	struct hdrset h2 = {.kv = {{"X-Version", "3"}}, .n = 1};
	struct hdrset h3 = {.kv = {{"Upgrade", "websocket"}, {"connection", "upgrade"}}, .n = 2};
	struct hdrset h4 = {.kv = {{"Upgrade", "WebSocket"}, {"connection", "upgrade"}}, .n = 2};
	struct hdrset h5 = {.kv = {{"Upgrade", "websocket"}}, .n = 1};
	struct sl_route_table *t;

	SL_CHECK_EQ(build(d, DIM(d), &t), 0);
	SL_CHECK_STR(m3(t, "h", "/api", GET, &h1), "v2");
	SL_CHECK_STR(m3(t, "h", "/api", GET, &h2), "api");
	SL_CHECK_STR(m3(t, "h", "/api", GET, &h3), "ws");
	SL_CHECK_STR(m3(t, "h", "/api", GET, &h4), "api"); /* values are exact */
	SL_CHECK_STR(m3(t, "h", "/api", GET, &h5), "api"); /* all conditions required */
	SL_CHECK_STR(m3(t, "h", "/api", GET, NULL), "api");
	sl_route_table_free(t);
	return 0;
}

/* Header conditions through the HTTP parser adapter. */
static int
test_http_adapter(void)
{
	const struct sl_route_def d[] = {
		{.name = "tok", .hdrs = {{"Authorization", "Bearer x"}}, .n_hdrs = 1},
		{.name = "json", .hdrs = {{"accept", NULL}}, .n_hdrs = 1},
		{.name = "dflt", .is_default = true},
	};
	static const char req[] = "GET /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n"
				  "Authorization: Bearer y\r\nauthorization: Bearer x\r\n\r\n";
	static const char req2[] = "GET /p HTTP/1.1\r\nHost: a\r\n\r\n";
	uint8_t buf[1024];
	struct sl_http_parser p;
	struct sl_route_hdrs hd = {.has = sl_route_http_has, .ctx = &p};
	struct sl_route_table *t;
	uint32_t used;
	struct sl_http_span body;

	SL_CHECK_EQ(build(d, DIM(d), &t), 0);
	SL_CHECK_EQ(sl_http_parser_init(&p, SL_HTTP_REQUEST, NULL, buf, sizeof(buf)), 0);
	SL_CHECK_EQ(sl_http_parse(&p, (const uint8_t *)req, sizeof(req) - 1, &used, &body),
		SL_HTTP_EV_HEADERS);
	SL_CHECK_STR(sl_route_match(t, "a", 1, "/p", 2, p.msg.method, &hd, NULL)->name, "tok");
	SL_CHECK_EQ(sl_http_parser_init(&p, SL_HTTP_REQUEST, NULL, buf, sizeof(buf)), 0);
	SL_CHECK_EQ(sl_http_parse(&p, (const uint8_t *)req2, sizeof(req2) - 1, &used, &body),
		SL_HTTP_EV_HEADERS);
	SL_CHECK_STR(sl_route_match(t, "a", 1, "/p", 2, p.msg.method, &hd, NULL)->name, "dflt");
	sl_route_table_free(t);
	return 0;
}

static int
test_methods(void)
{
	const struct sl_route_def d[] = {
		{.name = "read", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/r",
			.methods = M(GET) | M(HEAD)},
		{.name = "write", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/r",
			.methods = M(POST) | M(PUT) | M(PATCH)},
		{.name = "other", .path_kind = SL_ROUTE_PATH_EXACT, .path = "/r"},
	};
	struct sl_route_table *t;

	SL_CHECK_EQ(build(d, DIM(d), &t), 0);
	SL_CHECK_STR(m3(t, "h", "/r", SL_HTTP_M_GET, NULL), "read");
	SL_CHECK_STR(m3(t, "h", "/r", SL_HTTP_M_HEAD, NULL), "read");
	SL_CHECK_STR(m3(t, "h", "/r", SL_HTTP_M_PUT, NULL), "write");
	SL_CHECK_STR(m3(t, "h", "/r", SL_HTTP_M_DELETE, NULL), "other");
	SL_CHECK_STR(m3(t, "h", "/r", SL_HTTP_M_OTHER, NULL), "other");
	sl_route_table_free(t);
	return 0;
}

/* Build must fail, the message must name the route. */
static int
refuse(const struct sl_route_def *d, unsigned int n, int idx, const char *needle)
{
	struct sl_route_table *t = (struct sl_route_table *)&t;
	struct sl_route_error err;
	int rc = sl_route_table_build(d, n, &t, &err);

	if (rc != -EINVAL || t != NULL || err.index != idx || strstr(err.msg, needle) == NULL) {
		fprintf(stderr, "refuse: rc %d index %d msg '%s' (want '%s')\n", rc, err.index,
			err.msg, needle);
		return -1;
	}
	return 0;
}

static int
test_invalid(void)
{
	const struct sl_route_def ok = {.name = "ok", .path_kind = SL_ROUTE_PATH_EXACT,
		.path = "/"};
	struct sl_route_def d[2] = {ok, ok};

	d[1] = (struct sl_route_def){.name = "bad-rx", .path_kind = SL_ROUTE_PATH_REGEX,
		.path = "^/(a"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'bad-rx' (#1): invalid regex"), 0);
	d[1] = ok;
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'ok' (#1): duplicate name"), 0);
	d[1] = (struct sl_route_def){.name = "", .path_kind = SL_ROUTE_PATH_ANY};
	SL_CHECK_EQ(refuse(d, 2, 1, "empty name"), 0);
	d[1] = (struct sl_route_def){.name = "rel", .path_kind = SL_ROUTE_PATH_PREFIX,
		.path = "api"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'rel' (#1): path must start"), 0);
	d[1] = (struct sl_route_def){.name = "h1", .host = "a.*.com"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'h1' (#1): invalid host"), 0);
	d[1] = (struct sl_route_def){.name = "h2", .host = "*"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'h2' (#1): invalid host"), 0);
	d[1] = (struct sl_route_def){.name = "h3", .host = "a.com:80"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'h3' (#1): invalid host"), 0);
	d[1] = (struct sl_route_def){.name = "h4", .host = "*.[::1]"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'h4' (#1): invalid host"), 0);
	d[1] = (struct sl_route_def){.name = "m", .methods = UINT64_C(1) << 63};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'm' (#1): invalid method mask"), 0);
	d[1] = (struct sl_route_def){.name = "hd", .hdrs = {{"Bad Name", NULL}}, .n_hdrs = 1};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'hd' (#1): header condition 0"), 0);
	d[1] = (struct sl_route_def){.name = "hd5", .n_hdrs = 5};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'hd5' (#1)"), 0);
	d[1] = (struct sl_route_def){.name = "kind", .path_kind = (enum sl_route_path_kind)9};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'kind' (#1): invalid path kind"), 0);
	d[0] = (struct sl_route_def){.name = "d1", .is_default = true};
	d[1] = (struct sl_route_def){.name = "d2", .is_default = true};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'd2' (#1): second default route"), 0);
	d[1] = (struct sl_route_def){.name = "d3", .is_default = true, .host = "a.com"};
	SL_CHECK_EQ(refuse(d, 2, 1, "route 'd3' (#1): the default route takes no"), 0);
	return 0;
}

/* 10,000 hosts with a few paths each: a match visits a bounded number of candidates. */
static int
test_scaling(void)
{
	enum { HOSTS = 10000, PER = 4 };
	struct sl_route_def *d = calloc(HOSTS * PER + 3, sizeof(*d));
	char (*names)[32] = calloc(HOSTS * PER + 3, 32);
	char (*hosts)[32] = calloc(HOSTS, 32);
	struct sl_route_table *t;
	struct sl_route_stats st;
	const struct sl_route *r;
	unsigned int i, n = 0;
	char h[64];

	SL_CHECK(d != NULL && names != NULL && hosts != NULL);
	for (i = 0; i < HOSTS; i++) {
		snprintf(hosts[i], sizeof(hosts[i]), "h%u.example.com", i);
		snprintf(names[n], 32, "h%u-root", i);
		d[n] = (struct sl_route_def){.name = names[n], .host = hosts[i],
			.path_kind = SL_ROUTE_PATH_EXACT, .path = "/", .action = i};
		n++;
		snprintf(names[n], 32, "h%u-login", i);
		d[n] = (struct sl_route_def){.name = names[n], .host = hosts[i],
			.path_kind = SL_ROUTE_PATH_EXACT, .path = "/login", .action = i};
		n++;
		snprintf(names[n], 32, "h%u-api", i);
		d[n] = (struct sl_route_def){.name = names[n], .host = hosts[i],
			.path_kind = SL_ROUTE_PATH_PREFIX, .path = "/api/", .action = i};
		n++;
		snprintf(names[n], 32, "h%u-rx", i);
		d[n] = (struct sl_route_def){.name = names[n], .host = hosts[i],
			.path_kind = SL_ROUTE_PATH_REGEX, .path = "^/item/[0-9]+$", .action = i};
		n++;
	}
	d[n++] = (struct sl_route_def){.name = "wild", .host = "*.example.com",
		.path_kind = SL_ROUTE_PATH_PREFIX, .path = "/static/"};
	d[n++] = (struct sl_route_def){.name = "health", .path_kind = SL_ROUTE_PATH_EXACT,
		.path = "/healthz"};
	d[n++] = (struct sl_route_def){.name = "dflt", .is_default = true};
	SL_CHECK_EQ(build(d, n, &t), 0);

	for (i = 0; i < HOSTS; i += 997) {
		int len = snprintf(h, sizeof(h), "H%u.Example.COM:8443", i);

		r = sl_route_match(t, h, (size_t)len, "/login", 6, GET, NULL, &st);
		SL_CHECK_STR(r->name, names[i * PER + 1]);
		SL_CHECK_EQ(r->action, i);
		SL_CHECK(st.candidates <= 16);
		SL_CHECK(st.candidates == 1); /* the exact route, nothing else can beat it */
		SL_CHECK(st.lookups <= 8);
		SL_CHECK(st.probes <= 64);

		r = sl_route_match(t, h, (size_t)len, "/api/v1/x", 9, GET, NULL, &st);
		SL_CHECK_STR(r->name, names[i * PER + 2]);
		SL_CHECK(st.candidates <= 16);

		r = sl_route_match(t, h, (size_t)len, "/item/12", 8, GET, NULL, &st);
		SL_CHECK_STR(r->name, names[i * PER + 3]);
		SL_CHECK(st.candidates <= 16);

		r = sl_route_match(t, h, (size_t)len, "/static/a.css", 13, GET, NULL, &st);
		SL_CHECK_STR(r->name, "wild");
		SL_CHECK(st.candidates <= 16);

		r = sl_route_match(t, h, (size_t)len, "/healthz", 8, GET, NULL, &st);
		SL_CHECK_STR(r->name, "health");
		SL_CHECK(st.candidates <= 16);
	}
	r = sl_route_match(t, "nope.example.org", 16, "/login", 6, GET, NULL, &st);
	SL_CHECK_STR(r->name, "dflt");
	SL_CHECK(st.candidates <= 16);
	printf("scaling: %u routes, last match %u candidates, %u lookups, %u probes\n",
		sl_route_table_count(t), st.candidates, st.lookups, st.probes);
	sl_route_table_free(t);
	free(d);
	free(names);
	free(hosts);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{"kinds", test_kinds},
		{"ordering", test_ordering},
		{"host", test_host},
		{"headers", test_headers},
		{"http_adapter", test_http_adapter},
		{"methods", test_methods},
		{"invalid", test_invalid},
		{"scaling", test_scaling},
	};

	return sl_test_run("route", cases, DIM(cases));
}
