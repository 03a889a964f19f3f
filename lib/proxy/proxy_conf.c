/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/conf: the `proxy` section (listeners, pools, routes), its
 * cross-checks, and each listener's route table. Runs on the management
 * lcore, at load and for every configuration change (proxy_gen.c).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "proxy_priv.h"
#include "sl_net.h"

struct sl_proxy_conf sl_proxy_conf;

static const char *const algo_names[] = { "rr", "swrr", "leastconn", "p2c", "maglev", NULL };
static const enum sl_balance_algo algo_values[] = { SL_BALANCE_RR, SL_BALANCE_SWRR,
	SL_BALANCE_LEASTCONN, SL_BALANCE_P2C, SL_BALANCE_MAGLEV };
static const char *const hash_names[] = { "client", "header", "cookie", NULL };
static const char *const path_match_names[] = { "prefix", "exact", "regex", NULL };

#define METHOD_NAME(e, s) s,
static const char *const method_names[] = { SL_HTTP_METHODS(METHOD_NAME) NULL };
#undef METHOD_NAME

static const struct sl_conf_key listener_keys[] = {
	SL_KEY_STR(struct sl_proxy_listener_conf, name, SL_CONF_REQUIRED, NULL,
			"unique name, referred to by routes"),
	SL_KEY_IPV4(struct sl_proxy_listener_conf, address, SL_CONF_REQUIRED, NULL,
			"local address: one of the ports' addresses"),
	SL_KEY_INT(struct sl_proxy_listener_conf, port, 1, 65535, 80, "TCP port"),
	SL_KEY_INT(struct sl_proxy_listener_conf, backlog, 1, 1048576, 1024,
			"half-open connections per worker before SYN cookies"),
	SL_KEY_END,
};

static const struct sl_conf_key member_keys[] = {
	SL_KEY_IPV4(struct sl_proxy_member_conf, address, SL_CONF_REQUIRED, NULL,
			"member address"),
	SL_KEY_INT(struct sl_proxy_member_conf, port, 1, 65535, 80, "member port"),
	SL_KEY_INT(struct sl_proxy_member_conf, weight, SL_BALANCE_WEIGHT_MIN,
			SL_BALANCE_WEIGHT_MAX, 1, "relative share (swrr, maglev)"),
	SL_KEY_END,
};

static const struct sl_conf_key pool_keys[] = {
	SL_KEY_STR(struct sl_proxy_pool_conf, name, SL_CONF_REQUIRED, NULL,
			"unique name, referred to by routes"),
	SL_KEY_CHOICE(struct sl_proxy_pool_conf, algorithm, 0, "swrr", algo_names,
			"balancing algorithm"),
	SL_KEY_CHOICE(struct sl_proxy_pool_conf, hash, 0, "client", hash_names,
			"maglev key: client address, a header or a cookie"),
	SL_KEY_STR(struct sl_proxy_pool_conf, hash_name, 0, "",
			"the header or cookie hashed (hash = header | cookie)"),
	SL_KEY_INT(struct sl_proxy_pool_conf, connect_timeout_ms, 1, 600000, 3000,
			"connect timeout (504 or retry)"),
	SL_KEY_INT(struct sl_proxy_pool_conf, response_timeout_ms, 1, 3600000, 30000,
			"request sent -> first response byte (504)"),
	SL_KEY_INT(struct sl_proxy_pool_conf, idle_timeout_ms, 1, 3600000, 60000,
			"no progress inside an exchange (504 or abort)"),
	SL_KEY_INT(struct sl_proxy_pool_conf, keepalive, 0, 65535, 32,
			"idle connections kept per member per worker; 0: no reuse"),
	SL_KEY_INT(struct sl_proxy_pool_conf, keepalive_timeout_ms, 1, 3600000, 30000,
			"idle pooled connections are closed after this"),
	SL_KEY_INT(struct sl_proxy_pool_conf, keepalive_requests, 1, 1000000000, 1000,
			"requests per upstream connection"),
	SL_KEY_INT(struct sl_proxy_pool_conf, max_conns, 0, 1000000, 0,
			"connections per member per worker; 0: no limit (503 beyond)"),
	SL_KEY_INT(struct sl_proxy_pool_conf, retries, 0, 16, 1,
			"further members tried for an idempotent request"),
	SL_KEY_INT(struct sl_proxy_pool_conf, max_fails, 0, 1000, 1,
			"failures in a row that eject a member; 0: never"),
	SL_KEY_INT(struct sl_proxy_pool_conf, fail_timeout_ms, 1, 3600000, 10000,
			"how long an ejected member is skipped"),
	SL_KEY_LIST(struct sl_proxy_pool_conf, members, n_members, member_keys, SL_CONF_REQUIRED,
			"members"),
	SL_KEY_END,
};

static const struct sl_conf_key hdr_keys[] = {
	SL_KEY_STR(struct sl_proxy_hdr_conf, name, SL_CONF_REQUIRED, NULL, "field name"),
	SL_KEY_STR(struct sl_proxy_hdr_conf, value, 0, "", "exact value; \"\": presence"),
	SL_KEY_END,
};

static const struct sl_conf_key route_keys[] = {
	SL_KEY_STR(struct sl_proxy_route_conf, name, SL_CONF_REQUIRED, NULL, "unique name"),
	SL_KEY_STR(struct sl_proxy_route_conf, listener, 0, "",
			"the listener it belongs to; \"\": every listener"),
	SL_KEY_STR(struct sl_proxy_route_conf, host, 0, "",
			"exact host, *.suffix wildcard, or \"\": any"),
	SL_KEY_STR(struct sl_proxy_route_conf, path, 0, "", "path condition; \"\": any"),
	SL_KEY_CHOICE(struct sl_proxy_route_conf, path_match, 0, "prefix", path_match_names,
			"how path matches"),
	SL_KEY_CHOICES(struct sl_proxy_route_conf, methods, n_methods, method_names,
			"methods; empty: any"),
	SL_KEY_LIST(struct sl_proxy_route_conf, headers, n_headers, hdr_keys, 0,
			"header conditions, all required"),
	SL_KEY_INT(struct sl_proxy_route_conf, priority, -1000000, 1000000, 0,
			"higher wins"),
	{ .name = "default", .type = SL_CONF_BOOL,
	  .offset = offsetof(struct sl_proxy_route_conf, is_default), .def = false,
	  .help = "the listener's fallback route" },
	SL_KEY_STR(struct sl_proxy_route_conf, pool, 0, "", "action: proxy to this pool"),
	SL_KEY_STR(struct sl_proxy_route_conf, host_rewrite, 0, "",
			"replace Host when proxying"),
	SL_KEY_INT(struct sl_proxy_route_conf, return_status, 0, 599, 0,
			"action: answer with this status (or the redirect's status)"),
	SL_KEY_STR(struct sl_proxy_route_conf, return_body, 0, "", "body of the fixed response"),
	SL_KEY_STR(struct sl_proxy_route_conf, return_content_type, 0, "text/plain",
			"Content-Type of the fixed response"),
	SL_KEY_STR(struct sl_proxy_route_conf, redirect, 0, "",
			"action: redirect to this Location"),
	SL_KEY_END,
};

static const struct sl_conf_key proxy_keys[] = {
	SL_KEY_INT(struct sl_proxy_conf, client_header_timeout_ms, 1, 3600000, 10000,
			"a request head must arrive within this (408)"),
	SL_KEY_INT(struct sl_proxy_conf, client_keepalive_timeout_ms, 1, 3600000, 60000,
			"idle keep-alive client connections are closed after this"),
	SL_KEY_INT(struct sl_proxy_conf, client_body_timeout_ms, 1, 3600000, 60000,
			"a request body that makes no progress this long is cut (408)"),
	SL_KEY_INT(struct sl_proxy_conf, client_max_requests, 0, 1000000000, 0,
			"requests per client connection; 0: no limit"),
	SL_KEY_INT(struct sl_proxy_conf, max_header_bytes, SL_HTTP_HDR_BUF_MIN,
			SL_HTTP_HDR_BUF_MAX, 8192, "request line and header section (431, 414)"),
	SL_KEY_INT(struct sl_proxy_conf, max_fields, 1, 1000, 100,
			"header fields per request (431)"),
	SL_KEY_INT(struct sl_proxy_conf, max_body_bytes, 0, INT64_MAX, 1073741824,
			"request body (413); 0: no limit"),
	SL_KEY_BOOL(struct sl_proxy_conf, x_forwarded, true,
			"add X-Forwarded-For/-Proto/-Host to proxied requests"),
	SL_KEY_BOOL(struct sl_proxy_conf, via, true, "add Via to requests and responses"),
	SL_KEY_BOOL(struct sl_proxy_conf, request_id, true,
			"add X-Request-Id to requests without one"),
	SL_KEY_LIST(struct sl_proxy_conf, listeners, n_listeners, listener_keys, 0,
			"HTTP listeners"),
	SL_KEY_LIST(struct sl_proxy_conf, pools, n_pools, pool_keys, 0, "upstream pools"),
	SL_KEY_LIST(struct sl_proxy_conf, routes, n_routes, route_keys, 0, "routes"),
	SL_KEY_END,
};

int
sl_proxy_conf_register(void)
{
	return sl_conf_register("proxy", proxy_keys, &sl_proxy_conf, sizeof(sl_proxy_conf));
}

static int
find_listener(const struct sl_proxy_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_listeners; i++)
		if (strcmp(c->listeners[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
proxy_conf_find_pool(const struct sl_proxy_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_pools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Names are identifiers in URLs and metrics: letters, digits, '_', '-', '.'. */
static int
check_name(const char *name, const char *path, const char *what, struct sl_conf_error *err)
{
	const char *c;

	if (name[0] == '\0')
		return sl_conf_error_at(err, path, "a name is required");
	for (c = name; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
			return sl_conf_error_at(err, path, "%s name '%s': only letters, digits, "
					"'_', '-' and '.' are allowed", what, name);
	return 0;
}

static bool
route_applies(const struct sl_proxy_route_conf *r, const struct sl_proxy_listener_conf *l)
{
	return r->listener[0] == '\0' || strcmp(r->listener, l->name) == 0;
}

static int
validate_listeners(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	char path[64];
	unsigned int i, j;

	for (i = 0; i < c->n_listeners; i++) {
		const struct sl_proxy_listener_conf *l = &c->listeners[i];

		snprintf(path, sizeof(path), "proxy.listeners[%u].name", i);
		if (check_name(l->name, path, "listener", err) < 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (strcmp(c->listeners[j].name, l->name) == 0)
				return sl_conf_error_at(err, path, "'%s' is already a listener",
						l->name);
		snprintf(path, sizeof(path), "proxy.listeners[%u].address", i);
		if (!sl_net_is_local(l->address))
			return sl_conf_error_at(err, path, "not the address of any port");
		snprintf(path, sizeof(path), "proxy.listeners[%u].port", i);
		for (j = 0; j < i; j++)
			if (c->listeners[j].port == l->port &&
					c->listeners[j].address == l->address)
				return sl_conf_error_at(err, path, "%" PRId64
						" is already a proxy listener on that address", l->port);
		for (j = 0; j < sl_tcp_conf.n_listeners; j++)
			if (sl_tcp_conf.listeners[j].port == l->port &&
					(sl_tcp_conf.listeners[j].address == 0 ||
					 sl_tcp_conf.listeners[j].address == l->address))
				return sl_conf_error_at(err, path, "%" PRId64
						" is taken by tcp.listeners[%u]", l->port, j);
	}
	return 0;
}

static int
validate_pools(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	char path[64];
	unsigned int i, j;

	for (i = 0; i < c->n_pools; i++) {
		const struct sl_proxy_pool_conf *p = &c->pools[i];

		snprintf(path, sizeof(path), "proxy.pools[%u].name", i);
		if (check_name(p->name, path, "pool", err) < 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (strcmp(c->pools[j].name, p->name) == 0)
				return sl_conf_error_at(err, path, "'%s' is already a pool", p->name);
		snprintf(path, sizeof(path), "proxy.pools[%u].members", i);
		if (p->n_members == 0)
			return sl_conf_error_at(err, path, "a pool needs at least one member");
		snprintf(path, sizeof(path), "proxy.pools[%u].hash", i);
		if (strcmp(p->algorithm, "maglev") == 0 && strcmp(p->hash, "client") != 0 &&
				p->hash_name[0] == '\0')
			return sl_conf_error_at(err, path, "hash = \"%s\" needs the %s name", p->hash,
					p->hash);
		for (j = 0; j < p->n_members; j++) {
			snprintf(path, sizeof(path), "proxy.pools[%u].members[%u].address", i, j);
			if (p->members[j].address == 0 || sl_net_is_local(p->members[j].address))
				return sl_conf_error_at(err, path,
						"a member cannot be 0.0.0.0 or one of our own addresses");
		}
	}
	return 0;
}

static int
validate_action(const struct sl_proxy_conf *c, const struct sl_proxy_route_conf *r,
		unsigned int i, struct sl_conf_error *err)
{
	char path[64];
	int actions = (r->pool[0] != '\0') + (r->redirect[0] != '\0') +
		(r->return_status != 0 && r->redirect[0] == '\0');

	snprintf(path, sizeof(path), "proxy.routes[%u].name", i);
	if (actions != 1)
		return sl_conf_error_at(err, path, "route '%s' needs exactly one action: pool, "
				"return_status or redirect", r->name);
	snprintf(path, sizeof(path), "proxy.routes[%u].pool", i);
	if (r->pool[0] != '\0' && proxy_conf_find_pool(c, r->pool) < 0)
		return sl_conf_error_at(err, path, "no pool named '%s'", r->pool);
	snprintf(path, sizeof(path), "proxy.routes[%u].return_status", i);
	if (r->return_status != 0 && r->return_status < 200 && r->redirect[0] == '\0')
		return sl_conf_error_at(err, path, "a fixed response needs a status 200..599");
	if (r->redirect[0] != '\0' && r->return_status != 0 &&
			(r->return_status < 300 || r->return_status > 399))
		return sl_conf_error_at(err, path, "a redirect needs a 3xx status");
	return 0;
}

static int
validate_routes(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	char path[64];
	unsigned int i, j;
	int rc;

	for (i = 0; i < c->n_routes; i++) {
		const struct sl_proxy_route_conf *r = &c->routes[i];

		snprintf(path, sizeof(path), "proxy.routes[%u].name", i);
		if (check_name(r->name, path, "route", err) < 0)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (strcmp(c->routes[j].name, r->name) == 0)
				return sl_conf_error_at(err, path, "'%s' is already a route", r->name);
		snprintf(path, sizeof(path), "proxy.routes[%u].listener", i);
		if (r->listener[0] != '\0' && find_listener(c, r->listener) < 0)
			return sl_conf_error_at(err, path, "no listener named '%s'", r->listener);
		rc = validate_action(c, r, i, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void route_def(const struct sl_proxy_route_conf *r, uint32_t action,
		struct sl_route_def *d);

struct sl_route_table *
proxy_conf_routes(const struct sl_proxy_conf *c, const struct sl_proxy_listener_conf *l,
		struct sl_route_error *err)
{
	static struct sl_route_def defs[SL_PROXY_ROUTES_MAX];
	static uint32_t index[SL_PROXY_ROUTES_MAX];
	struct sl_route_table *t = NULL;
	unsigned int j, n;

	for (j = 0, n = 0; j < c->n_routes; j++)
		if (route_applies(&c->routes[j], l)) {
			index[n] = j;
			route_def(&c->routes[j], j, &defs[n++]);
		}
	if (sl_route_table_build(defs, n, &t, err) < 0) {
		/* The route's index in c, not in this listener's subset. */
		if (err->index >= 0)
			err->index = (int)index[err->index];
		return NULL;
	}
	return t;
}

/* Compile each listener's table now, so that a bad regex or a second
 * default route is a configuration error with its line, not a start-up
 * failure. */
static int
validate_tables(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	unsigned int i;
	char path[64];

	for (i = 0; i < c->n_listeners; i++) {
		const struct sl_proxy_listener_conf *l = &c->listeners[i];
		struct sl_route_error rerr;
		struct sl_route_table *t = proxy_conf_routes(c, l, &rerr);

		if (t == NULL) {
			snprintf(path, sizeof(path), "proxy.routes[%u].name",
					rerr.index >= 0 ? (unsigned int)rerr.index : 0);
			return sl_conf_error_at(err, path, "listener '%s': %s", l->name, rerr.msg);
		}
		sl_route_table_free(t);
	}
	return 0;
}

int
proxy_conf_validate(const struct sl_proxy_conf *c, struct sl_conf_error *err)
{
	int rc = validate_listeners(c, err);

	if (rc == 0)
		rc = validate_pools(c, err);
	if (rc == 0)
		rc = validate_routes(c, err);
	if (rc == 0)
		rc = validate_tables(c, err);
	return rc;
}

int
sl_proxy_validate(struct sl_conf_error *err)
{
	return proxy_conf_validate(&sl_proxy_conf, err);
}

int
proxy_conf_algo(const char *name, enum sl_balance_algo *algo)
{
	unsigned int i;

	for (i = 0; algo_names[i] != NULL; i++)
		if (strcmp(name, algo_names[i]) == 0) {
			*algo = algo_values[i];
			return 0;
		}
	return -EINVAL;
}

static void
route_def(const struct sl_proxy_route_conf *r, uint32_t action, struct sl_route_def *d)
{
	unsigned int k;

	memset(d, 0, sizeof(*d));
	d->name = r->name;
	d->host = r->host;
	d->is_default = r->is_default;
	d->priority = (int32_t)r->priority;
	d->action = action;
	if (!r->is_default) {
		if (r->path[0] == '\0')
			d->path_kind = SL_ROUTE_PATH_ANY;
		else if (strcmp(r->path_match, "exact") == 0)
			d->path_kind = SL_ROUTE_PATH_EXACT;
		else if (strcmp(r->path_match, "regex") == 0)
			d->path_kind = SL_ROUTE_PATH_REGEX;
		else
			d->path_kind = SL_ROUTE_PATH_PREFIX;
		d->path = r->path;
		for (k = 0; k < r->n_methods; k++)
			d->methods |= SL_ROUTE_METHOD(
					sl_http_method_lookup(r->methods[k], strlen(r->methods[k])));
		for (k = 0; k < r->n_headers; k++) {
			d->hdrs[k].name = r->headers[k].name;
			d->hdrs[k].value = r->headers[k].value[0] != '\0' ? r->headers[k].value : NULL;
		}
		d->n_hdrs = r->n_headers;
	} else {
		d->host = NULL;
	}
}
