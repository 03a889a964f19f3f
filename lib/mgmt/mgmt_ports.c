/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/ports: a port as an object: its configuration and state. Only the
 * settings a running port takes can change here; the rest (driver, queues,
 * address, MTU) are set up with the device and need a restart.
 */
#include <string.h>

#include "mgmt_priv.h"
#include "mgmt_views.h"
#include "sl_port.h"

static const struct sl_conf_key *
port_keys(void)
{
	const struct sl_conf_key *list = sl_conf_key_find(sl_conf_section_keys("ports", NULL, NULL),
			"list");

	return list != NULL ? list->sub : NULL;
}

static const struct sl_port *
find(const char *name, struct mgmt_error *e)
{
	const struct sl_port *p = sl_port_by_name(name);

	if (p == NULL)
		mgmt_fail(e, 404, "not_found", "no port '%s'", name);
	return p;
}

json_t *
mgmt_port_get(const char *name, struct mgmt_error *e)
{
	const struct sl_port *p = find(name, e);
	json_t *o;

	if (p == NULL)
		return NULL;
	o = mgmt_view_port(p);
	if (o != NULL)
		json_object_set_new(o, "config", sl_conf_json_encode(port_keys(),
				&sl_ports_conf.list[p->index]));
	return o;
}

/* The first setting that differs, other than those a port takes live. */
static const char *
restart_field(const struct sl_port_conf *a, const struct sl_port_conf *b)
{
	struct sl_port_conf x = *a, y = *b;

	x.reorder_pct = y.reorder_pct = 0;
	x.rx_drop_pct = y.rx_drop_pct = 0;
	if (memcmp(&x, &y, sizeof(x)) == 0)
		return NULL;
	if (strcmp(x.name, y.name) != 0)
		return "name";
	if (x.mtu != y.mtu)
		return "mtu";
	if (x.address.addr != y.address.addr || x.address.depth != y.address.depth)
		return "address";
	return "profile, iface, pci, devargs or descriptors";
}

int
mgmt_port_patch(const char *name, const json_t *value, struct mgmt_error *e)
{
	const struct sl_port *p = find(name, e);
	struct sl_port_conf next, old;
	struct sl_conf_error err;
	const char *field;

	if (p == NULL)
		return -1;
	if (!json_is_object(value))
		return mgmt_fail(e, 400, "not_an_object", "the body must be a JSON object");
	old = sl_ports_conf.list[p->index];
	next = old;
	memset(&err, 0, sizeof(err));
	if (sl_conf_json_decode(port_keys(), value, &next, sizeof(next), true, &err) < 0) {
		mgmt_fail(e, 400, "invalid_field", "%s", err.msg);
		snprintf(e->path, sizeof(e->path), "%s", err.path);
		return -1;
	}
	field = restart_field(&old, &next);
	if (field != NULL)
		return mgmt_fail(e, 409, "restart_required", "port %s: %s is set up with the "
				"device; change it in the file and restart (live: reorder_pct, "
				"rx_drop_pct)", name, field);
	sl_port_set_impairment(p->index, (uint32_t)next.reorder_pct, (uint32_t)next.rx_drop_pct);
	if (mgmt_config_persist(e) < 0) {
		sl_port_set_impairment(p->index, (uint32_t)old.reorder_pct,
				(uint32_t)old.rx_drop_pct);
		return -1;
	}
	MGMT_LOG(INFO, "port %s: reorder_pct %u, rx_drop_pct %u", name,
			(unsigned int)next.reorder_pct, (unsigned int)next.rx_drop_pct);
	return 0;
}
