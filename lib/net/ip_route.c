/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net/ip_route: the IPv4 route table — each port's connected subnet, static
 * routes and a default gateway — in an rte_lpm. Built once at init and
 * read-only afterwards, so workers look it up without synchronisation.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm.h>

#include "net_priv.h"

#define NEXTHOPS_MAX (SL_PORT_MAX + SL_NET_ROUTES_MAX + 1)

static struct rte_lpm *lpm;
static struct net_nexthop nexthops[NEXTHOPS_MAX];
static unsigned int n_nexthops;

uint32_t net_local_addrs[SL_PORT_MAX];
unsigned int net_n_local;

static uint32_t
mask_of(uint8_t depth)
{
	return depth == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - depth));
}

/* The port whose connected subnet holds addr, from the configuration. */
static int
conf_port_for(uint32_t addr)
{
	unsigned int i;

	for (i = 0; i < sl_ports_conf.n_ports; i++) {
		const struct sl_conf_prefix *p = &sl_ports_conf.list[i].address;

		if (((addr ^ p->addr) & mask_of(p->depth)) == 0)
			return (int)i;
	}
	return -1;
}

int
net_route_validate(struct sl_conf_error *err)
{
	char path[64];
	unsigned int i;
	uint32_t gw = sl_net_conf.default_gateway;

	if (gw != 0 && conf_port_for(gw) < 0)
		return sl_conf_error_at(err, "net.default_gateway",
				"not on the subnet of any port");
	for (i = 0; i < sl_net_conf.n_routes; i++) {
		const struct sl_net_route_conf *r = &sl_net_conf.routes[i];

		snprintf(path, sizeof(path), "net.routes[%u].via", i);
		if (conf_port_for(r->via) < 0)
			return sl_conf_error_at(err, path, "not on the subnet of any port");
		snprintf(path, sizeof(path), "net.routes[%u].prefix", i);
		if ((r->prefix.addr & ~mask_of(r->prefix.depth)) != 0)
			return sl_conf_error_at(err, path, "host bits set beyond /%u",
					r->prefix.depth);
	}
	return 0;
}

static int
add_route(uint32_t prefix, uint8_t depth, uint16_t port, uint32_t gateway)
{
	struct net_nexthop *nh = &nexthops[n_nexthops];
	uint32_t idx = n_nexthops++;
	int rc;

	nh->port = port;
	nh->gateway = gateway;
	/* rte_lpm takes depths 1..32: a default route is two /1 halves. */
	if (depth == 0) {
		rc = rte_lpm_add(lpm, 0, 1, idx);
		return rc < 0 ? rc : rte_lpm_add(lpm, 0x80000000u, 1, idx);
	}
	return rte_lpm_add(lpm, rte_be_to_cpu_32(prefix), depth, idx);
}

int
net_route_init(void)
{
	struct rte_lpm_config cfg = {
		.max_rules = NEXTHOPS_MAX * 2,
		.number_tbl8s = 256,
	};
	unsigned int i;
	int rc = 0;

	lpm = rte_lpm_create("sl_routes", (int)rte_socket_id(), &cfg);
	if (lpm == NULL)
		return -rte_errno;
	n_nexthops = 0;
	net_n_local = 0;
	for (i = 0; i < sl_port_count() && rc == 0; i++) {
		const struct sl_port *p = sl_port_get((uint16_t)i);

		net_local_addrs[net_n_local++] = p->addr;

		rc = add_route(p->addr & mask_of(p->depth), p->depth, p->index, 0);
	}
	for (i = 0; i < sl_net_conf.n_routes && rc == 0; i++) {
		const struct sl_net_route_conf *r = &sl_net_conf.routes[i];

		rc = add_route(r->prefix.addr, r->prefix.depth,
				(uint16_t)conf_port_for(r->via), r->via);
	}
	if (rc == 0 && sl_net_conf.default_gateway != 0)
		rc = add_route(0, 0, (uint16_t)conf_port_for(sl_net_conf.default_gateway),
				sl_net_conf.default_gateway);
	return rc;
}

void
net_route_term(void)
{
	rte_lpm_free(lpm);
	lpm = NULL;
	net_n_local = 0;
}

const struct net_nexthop *
net_route_lookup(uint32_t dst)
{
	uint32_t idx;

	if (rte_lpm_lookup(lpm, rte_be_to_cpu_32(dst), &idx) != 0)
		return NULL;
	return &nexthops[idx];
}

bool
net_addr_broadcast(uint32_t addr)
{
	unsigned int i;

	if (addr == RTE_BE32(0xffffffff) || (rte_be_to_cpu_32(addr) >> 28) == 0xe)
		return true;
	for (i = 0; i < sl_port_count(); i++) {
		const struct sl_port *p = sl_port_get((uint16_t)i);

		if (net_in_subnet(p, addr) && (addr | mask_of(p->depth)) == RTE_BE32(0xffffffff))
			return true;
	}
	return false;
}
