/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt/views: ports, lcores, routes and members with their counters. */
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>

#include "mgmt_views.h"
#include "sl_counters.h"
#include "sl_lcore.h"
#include "sl_port.h"
#include "sl_proxy.h"
#include "sl_tcp.h"

json_t *
mgmt_view_port(const struct sl_port *p)
{
	struct sl_port_queue_stats q;
	struct rte_eth_stats eth;
	char mac[RTE_ETHER_ADDR_FMT_SIZE], addr[24];
	const uint8_t *a = (const uint8_t *)&p->addr;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	snprintf(addr, sizeof(addr), "%u.%u.%u.%u/%u", a[0], a[1], a[2], a[3], p->depth);
	sl_port_stats_sum(p->index, &q);
	sl_port_dev_stats(p, &eth); /* zeros when there is no device */
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:i}",
			"name", p->name, "address", addr, "mac", mac, "mtu", p->mtu,
			"rx_queues", p->nb_rxq, "tx_queues", p->nb_txq, "attached", p->attached,
			"rx_packets", (json_int_t)eth.ipackets, "tx_packets", (json_int_t)eth.opackets,
			"rx_bytes", (json_int_t)eth.ibytes, "tx_bytes", (json_int_t)eth.obytes,
			"rx_missed", (json_int_t)eth.imissed, "rx_errors", (json_int_t)eth.ierrors,
			"tx_errors", (json_int_t)eth.oerrors, "tx_full", (json_int_t)q.tx_full,
			"reorder_pct", (int)p->reorder_pct, "rx_drop_pct", (int)p->rx_drop_pct);
}

json_t *
mgmt_view_ports(void)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a != NULL && i < sl_port_count(); i++)
		json_array_append_new(a, mgmt_view_port(sl_port_get((uint16_t)i)));
	return a;
}

json_t *
mgmt_view_lcores(void)
{
	json_t *a = json_array();
	struct sl_lcore *lc;

	if (a == NULL)
		return NULL;
	json_array_append_new(a, json_pack("{s:i,s:s}", "lcore", (int)rte_get_main_lcore(),
			"role", "management"));
	SL_WORKER_FOREACH(lc)
		json_array_append_new(a, json_pack("{s:i,s:s,s:i,s:I,s:I,s:I,s:I,s:I}",
				"lcore", (int)lc->lcore_id, "role", "worker", "worker", lc->worker_id,
				"idle_sleeps", (json_int_t)lc->idle.sleeps,
				"tcp_accepted", (json_int_t)lc->tcp.stats.accepted,
				"http_requests", (json_int_t)lc->proxy.stats.requests,
				"http_accepted", (json_int_t)lc->proxy.stats.accepted,
				"generations_adopted", (json_int_t)lc->proxy.stats.generations));
	return a;
}

static json_t *
hstats_json(const struct sl_proxy_hstats *h)
{
	json_t *lat = json_object();
	unsigned int b;
	char name[32];

	for (b = 0; lat != NULL && b < SL_PROXY_LAT_BUCKETS; b++) {
		uint64_t bound = sl_proxy_lat_bound_us(b);

		if (bound == UINT64_MAX)
			snprintf(name, sizeof(name), "+Inf");
		else
			snprintf(name, sizeof(name), "lt_%" PRIu64 "us", bound);
		json_object_set_new(lat, name, json_integer((json_int_t)h->lat[b]));
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o*}", "requests",
			(json_int_t)h->requests, "status_1xx", (json_int_t)h->status[0],
			"status_2xx", (json_int_t)h->status[1], "status_3xx", (json_int_t)h->status[2],
			"status_4xx", (json_int_t)h->status[3], "status_5xx", (json_int_t)h->status[4],
			"bytes_in", (json_int_t)h->bytes_in, "bytes_out", (json_int_t)h->bytes_out,
			"latency", lat);
}

static void
add_route(void *arg, const char *route, const struct sl_proxy_hstats *h)
{
	json_t *o = hstats_json(h);

	if (o != NULL) {
		json_object_set_new(o, "route", json_string(route));
		json_array_append_new(arg, o);
	}
}

json_t *
mgmt_view_routes(void)
{
	json_t *a = json_array();

	if (a != NULL)
		sl_proxy_foreach_route(add_route, a);
	return a;
}

struct member_walk {
	json_t *a;
	const char *pool;
};

static void
add_member(void *arg, const char *pool, const char *member, const struct sl_proxy_hstats *h,
		const struct sl_proxy_member_state *st)
{
	struct member_walk *w = arg;
	json_t *o;

	if (w->pool != NULL && strcmp(w->pool, pool) != 0)
		return;
	o = hstats_json(h);
	if (o == NULL)
		return;
	json_object_set_new(o, "pool", json_string(pool));
	json_object_set_new(o, "member", json_string(member));
	json_object_set_new(o, "up", json_boolean(st->up));
	json_object_set_new(o, "ejected_on_workers", json_integer(st->ejected_on));
	json_object_set_new(o, "active", json_integer(st->active));
	json_object_set_new(o, "idle", json_integer(st->idle));
	json_object_set_new(o, "latency_ewma_us", json_real(st->lat_ewma_us));
	json_object_set_new(o, "connects", json_integer((json_int_t)h->connects));
	json_object_set_new(o, "reuses", json_integer((json_int_t)h->reuses));
	json_object_set_new(o, "connect_failures", json_integer((json_int_t)h->connect_failures));
	json_object_set_new(o, "ejections", json_integer((json_int_t)h->ejections));
	json_array_append_new(w->a, o);
}

json_t *
mgmt_view_members(const char *pool)
{
	struct member_walk w = { .a = json_array(), .pool = pool };

	if (w.a != NULL)
		sl_proxy_foreach_member(add_member, &w);
	return w.a;
}
