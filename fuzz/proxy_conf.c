/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proxy: the proxy configuration the harness loads, the variants of it
 * that OP_APPLY publishes as new generations, and applying one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_proxy.h"

/* ---- proxy configuration ----
 *
 * Loaded like the daemon's (the test stack: sl_conf_load() and
 * sl_proxy_validate()), so every setting not named here keeps its default,
 * new ones included.
 */

/* clang-format off */
#define POOL_COMMON \
	"connect_timeout_ms = 300; response_timeout_ms = 500; idle_timeout_ms = 1000; " \
	"keepalive_timeout_ms = 1500; keepalive_requests = 3; max_conns = 3; " \
	"retries = 1; max_fails = 1; fail_timeout_ms = 1000; "
#define MEMBER_B "{ address = \"198.19.0.2\"; port = 80; }"
#define MEMBER_C "{ address = \"198.19.0.3\"; port = 80; }"

const char proxy_config[] =
	"proxy = {\n"
	"  client_header_timeout_ms = 1000;\n"
	"  client_keepalive_timeout_ms = 2000;\n"
	"  client_max_requests = 5;\n"
	"  max_header_bytes = 2048;\n"
	"  max_fields = 32;\n"
	"  max_body_bytes = 100000;\n"
	"  listeners = (\n"
	"    { name = \"web\"; address = \"198.18.0.1\"; port = 80; backlog = 64; }\n"
	"  );\n"
	"  pools = (\n"
	"    { name = \"app\"; algorithm = \"rr\"; keepalive = 2; " POOL_COMMON "\n"
	"      members = ( " MEMBER_B ", " MEMBER_C " ); },\n"
	"    { name = \"solo\"; algorithm = \"leastconn\"; keepalive = 0; " POOL_COMMON "\n"
	"      members = ( " MEMBER_B " ); },\n"
	"    { name = \"sticky\"; algorithm = \"maglev\"; hash = \"cookie\"; hash_name = \"sid\";\n"
	"      keepalive = 2; " POOL_COMMON "\n"
	"      members = ( " MEMBER_B ", " MEMBER_C " ); }\n"
	"  );\n"
	"  routes = (\n"
	"    { name = \"default\"; default = true; pool = \"app\"; },\n"
	"    { name = \"fixed\"; path = \"/fixed\"; return_status = 200; return_body = \"fixed\\n\"; },\n"
	"    { name = \"redir\"; path = \"/old\"; redirect = \"http://example.com/new\";\n"
	"      return_status = 301; },\n"
	"    { name = \"regex\"; path = \"^/re/[0-9]+$\"; path_match = \"regex\"; return_status = 204; },\n"
	"    { name = \"api\"; host = \"api.example.com\"; methods = [ \"GET\", \"HEAD\" ];\n"
	"      pool = \"app\"; host_rewrite = \"backend.internal\"; },\n"
	"    { name = \"canary\"; headers = ( { name = \"X-Canary\"; value = \"1\"; } ); priority = 10;\n"
	"      return_status = 418; return_body = \"canary\\n\"; },\n"
	"    { name = \"solo\"; path = \"/solo\"; pool = \"solo\"; },\n"
	"    { name = \"sticky\"; path = \"/sticky\"; pool = \"sticky\"; }\n"
	"  );\n"
	"};\n";
/* clang-format on */

struct sl_proxy_conf base_conf; /* proxy_config[] as loaded */

/* ---- configuration variants ----
 *
 * What OP_APPLY publishes: the configuration above with one kind of change
 * (the listener stays). Pool and route indices move in some of them, and
 * members change places, so that anything still keyed by an index of an
 * older generation shows.
 */
static struct sl_proxy_conf variant_conf;
bool gen_switched; /* this input has published a generation */

static struct sl_proxy_pool_conf *
conf_pool(struct sl_proxy_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_pools; i++)
		if (strcmp(c->pools[i].name, name) == 0)
			return &c->pools[i];
	abort(); /* the variants name pools of proxy_config[] */
}

static struct sl_proxy_route_conf *
conf_route(struct sl_proxy_conf *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_routes; i++)
		if (strcmp(c->routes[i].name, name) == 0)
			return &c->routes[i];
	abort();
}

static void
conf_route_remove(struct sl_proxy_conf *c, const char *name)
{
	struct sl_proxy_route_conf *r = conf_route(c, name);
	size_t i = (size_t)(r - c->routes);

	memmove(r, r + 1, (c->n_routes - i - 1) * sizeof(*r));
	c->n_routes--;
}

static void
conf_pool_remove(struct sl_proxy_conf *c, const char *name)
{
	struct sl_proxy_pool_conf *p = conf_pool(c, name);
	size_t i = (size_t)(p - c->pools);

	memmove(p, p + 1, (c->n_pools - i - 1) * sizeof(*p));
	c->n_pools--;
}

static void
conf_member_remove(struct sl_proxy_pool_conf *p, unsigned int i)
{
	memmove(&p->members[i], &p->members[i + 1], (p->n_members - i - 1) * sizeof(p->members[0]));
	p->n_members--;
}

static void
conf_members_swap(struct sl_proxy_pool_conf *p)
{
	struct sl_proxy_member_conf t = p->members[0];

	p->members[0] = p->members[1];
	p->members[1] = t;
	p->members[0].weight = 3;
}

static void
conf_fixed(struct sl_proxy_route_conf *r, const char *body)
{
	r->pool[0] = '\0';
	r->return_status = 200;
	snprintf(r->return_body, sizeof(r->return_body), "%s", body);
}

const struct sl_proxy_conf *
variant(enum variant v)
{
	struct sl_proxy_conf *c = &variant_conf;
	struct sl_proxy_pool_conf *p;
	struct sl_proxy_route_conf *r;

	memcpy(c, &base_conf, sizeof(*c));
	switch (v) {
	case V_SAME:
		break;
	case V_MEMBER_REMOVED:
		conf_member_remove(conf_pool(c, "app"), 1);
		conf_member_remove(conf_pool(c, "sticky"), 0);
		break;
	case V_MEMBER_ADDED:
		p = conf_pool(c, "solo");
		p->members[p->n_members] = conf_pool(c, "app")->members[1];
		p->n_members++;
		break;
	case V_ALGO:
		p = conf_pool(c, "app");
		snprintf(p->algorithm, sizeof(p->algorithm), "leastconn");
		p->keepalive = 1;
		snprintf(conf_pool(c, "solo")->algorithm, sizeof(p->algorithm), "p2c");
		snprintf(conf_pool(c, "sticky")->algorithm, sizeof(p->algorithm), "swrr");
		break;
	case V_REPOINT:
		snprintf(conf_route(c, "default")->pool, sizeof(r->pool), "sticky");
		conf_fixed(conf_route(c, "solo"), "solo moved\n");
		r = conf_route(c, "fixed");
		r->return_status = 0;
		r->return_body[0] = '\0';
		snprintf(r->pool, sizeof(r->pool), "solo");
		break;
	case V_ROUTES_REMOVED:
		conf_route_remove(c, "default");
		conf_route_remove(c, "sticky");
		break;
	case V_POOL_REMOVED:
		conf_route_remove(c, "solo");
		conf_pool_remove(c, "solo");
		break;
	case V_MEMBERS_SWAPPED:
		conf_members_swap(conf_pool(c, "app"));
		conf_members_swap(conf_pool(c, "sticky"));
		break;
	default:
		abort();
	}
	return c;
}
/* ---- applying one ---- */

void
apply_conf(const struct sl_proxy_conf *c, bool defer_sync)
{
	struct sl_conf_error err;
	int rc = sl_proxy_apply(c, &err);

	if (rc < 0) {
		fprintf(stderr, "fuzz_proxy: applying a configuration variant: %s (%d)\n", err.msg,
			rc);
		abort();
	}
	gen_switched = true;
	if (!defer_sync)
		worker_sync();
	settle();
}
