/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route: HTTP request routing of the proxy (host, path, method, headers ->
 * an action id). Pure logic: no EAL, no logging, no global state.
 *
 * Management compiles a list of route definitions into an immutable table
 * (sl_route_table_build); workers match requests against it read-only and
 * concurrently (sl_route_match); management frees it once no worker can
 * still use it (sl_route_table_free). A new configuration is a new table.
 *
 * A route has:
 *  - host: "api.example.com" (exact, case-insensitive), "*.example.com"
 *    (wildcard: nginx semantics, any depth: a.example.com and
 *    a.b.example.com, but not example.com itself), or empty/NULL (any host);
 *  - path: exact, prefix (plain byte prefix, as nginx: "/api" also matches
 *    "/apix"), POSIX extended regular expression (unanchored search; write
 *    ^...$ to anchor), or none (any path);
 *  - a method mask (SL_ROUTE_METHOD(SL_HTTP_M_GET) | ...; 0 = any);
 *  - up to SL_ROUTE_MAX_HDRS header conditions, all required: presence of a
 *    field (value NULL), or a field with exactly that value;
 *  - an explicit priority and an action id (opaque here).
 * At most one definition is the listener's default route (is_default): it
 * takes no conditions and is returned when nothing else matches.
 *
 * Selection rule, among all routes whose host, path, method and header
 * conditions hold, the winner is the first by:
 *   1. higher priority;
 *   2. more specific host: exact > wildcard with a longer suffix > any host;
 *   3. more specific path: exact > longer prefix > regex > any path;
 *   4. earlier definition (lower index in defs).
 *
 * Cost: the table is indexed so that a match does not grow with the number
 * of routes: an exact-host hash, a wildcard-suffix hash probed once per
 * label of the request host, and the any-host bucket; within a host bucket
 * an exact-path hash, prefixes in a hash probed once per distinct prefix
 * length of that bucket (bounded by the path length), then that bucket's
 * regexes in rank order, skipped as soon as they cannot beat the current
 * best. Only regexes scale linearly (per host bucket).
 *
 * Callers: build and free on the management lcore (route_build.c); match
 * and sl_route_http_has on any lcore, per request on workers
 * (route_match.c); count on any lcore.
 * Owns: the table owns copies of every string and the compiled regexes; the
 * definitions may be freed after build.
 */
#ifndef SL_ROUTE_H
#define SL_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_http.h"

#define SL_ROUTE_MAX_HDRS 4
#define SL_ROUTE_NAME_MAX 64   /* bytes, NUL excluded */
#define SL_ROUTE_HOST_MAX 255  /* bytes of a host name */

/* Method mask bit of an enum sl_http_method. */
#define SL_ROUTE_METHOD(m) (UINT64_C(1) << (m))

enum sl_route_path_kind {
	SL_ROUTE_PATH_ANY, /* no path condition (path ignored) */
	SL_ROUTE_PATH_EXACT,
	SL_ROUTE_PATH_PREFIX,
	SL_ROUTE_PATH_REGEX,
};

struct sl_route_hdr_cond {
	const char *name;  /* field name, any case */
	const char *value; /* NULL: presence; else the exact (case-sensitive) value */
};

struct sl_route_def {
	const char *name; /* unique, 1..SL_ROUTE_NAME_MAX bytes */
	const char *host; /* NULL or "": any host */
	enum sl_route_path_kind path_kind;
	const char *path; /* exact/prefix: starts with '/'; regex: the expression */
	uint64_t methods; /* SL_ROUTE_METHOD() bits; 0: any */
	struct sl_route_hdr_cond hdrs[SL_ROUTE_MAX_HDRS];
	unsigned int n_hdrs;
	int32_t priority; /* higher wins */
	uint32_t action;  /* opaque to this module */
	bool is_default;  /* the listener's default route */
};

/* What a match returns: lives in the table. */
struct sl_route {
	const char *name;
	uint32_t action;
	int32_t priority;
	uint32_t index; /* position in the definitions */
};

/* Build error: the offending definition and a readable message. */
struct sl_route_error {
	int index; /* definition index, -1 if none */
	char msg[256];
};

/*
 * Header conditions are checked through a callback: true if a field named
 * name (any case) is present and, when value is not NULL, one such field
 * has exactly that value.
 */
struct sl_route_hdrs {
	bool (*has)(const void *ctx, const char *name, size_t name_len, const char *value,
		size_t value_len);
	const void *ctx;
};

/* A has() callback over a parsed request: ctx is a struct sl_http_parser. */
bool sl_route_http_has(const void *ctx, const char *name, size_t name_len, const char *value,
	size_t value_len);

/* Debug counters of one match (the caller's; the table stays read-only). */
struct sl_route_stats {
	uint32_t candidates; /* routes whose conditions were evaluated (incl. regexec) */
	uint32_t probes;     /* hash slots visited */
	uint32_t lookups;    /* hash lookups */
};

struct sl_route_table;

/*
 * Compile n definitions. Returns 0 and *out, or -EINVAL (err names the bad
 * route: empty/long/duplicate name, bad host, bad path, invalid regex, bad
 * method mask, bad header condition, second default route) or -ENOMEM.
 * err may be NULL.
 */
int sl_route_table_build(const struct sl_route_def *defs, unsigned int n,
	struct sl_route_table **out, struct sl_route_error *err);

/*
 * The route for a request, or the default route when none matches (NULL if
 * the table has no default). host: the Host field value (any case, ":port"
 * and a trailing dot are ignored; empty or NULL: only any-host routes apply).
 * path: the request target's path ('?' and the query after it are ignored).
 * method: enum sl_http_method. hdrs NULL: routes with header conditions do
 * not match. st NULL or debug counters, reset by the call.
 */
const struct sl_route *sl_route_match(const struct sl_route_table *t, const char *host,
	size_t host_len, const char *path, size_t path_len, unsigned int method,
	const struct sl_route_hdrs *hdrs, struct sl_route_stats *st);

/* Number of routes in the table (the default included). */
unsigned int sl_route_table_count(const struct sl_route_table *t);

/* Free a table; NULL is accepted. */
void sl_route_table_free(struct sl_route_table *t);

#endif /* SL_ROUTE_H */
