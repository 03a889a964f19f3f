/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/acl: the ACL's dynamic deny list as objects, for the REST API
 * (/api/v1/acl/deny[/PREFIX]) and the console (`acl`), and its expiry on
 * the management loop. The entries are state, not configuration: they are
 * not persisted and a restart forgets them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "mgmt_priv.h"
#include "sl_acl.h"
#include "sl_counters.h"

#define EXPIRE_EVERY_MS 100

/* "a.b.c.d/len", or "a.b.c.d" for a /32, host bits clear. */
static int
parse_prefix(const char *s, uint32_t *addr, uint8_t *depth, struct mgmt_error *e)
{
	struct sl_conf_prefix p = { .addr = 0, .depth = 32 };
	int rc;

	*addr = 0;
	*depth = 0;
	if (s == NULL || s[0] == '\0')
		return mgmt_fail(e, 400, "invalid_prefix", "a prefix a.b.c.d/len is needed");
	if (strchr(s, '/') != NULL)
		rc = sl_conf_parse_prefix(s, &p);
	else
		rc = sl_conf_parse_ipv4(s, &p.addr);
	if (rc < 0)
		return mgmt_fail(e, 400, "invalid_prefix", "'%s' is not a prefix a.b.c.d/len", s);
	*addr = p.addr;
	*depth = p.depth;
	return 0;
}

static json_t *
entry_json(const struct sl_acl_deny *d, uint64_t now_ms)
{
	char ip[INET_ADDRSTRLEN], prefix[INET_ADDRSTRLEN + 4];
	json_t *o;

	inet_ntop(AF_INET, &d->addr, ip, sizeof(ip));
	snprintf(prefix, sizeof(prefix), "%s/%u", ip, d->depth);
	o = json_pack("{s:s,s:I,s:s}", "prefix", prefix, "ttl_s", (json_int_t)d->ttl_s,
			"reason", d->reason);
	if (o != NULL && d->expires_ms != 0)
		json_object_set_new(o, "expires_in_s", json_integer((json_int_t)
				((d->expires_ms > now_ms ? d->expires_ms - now_ms : 0) + 999) / 1000));
	return o;
}

/* The entries, oldest first; NULL with e on failure. */
static struct sl_acl_deny *
entries(unsigned int *n, struct mgmt_error *e)
{
	unsigned int max = (unsigned int)sl_acl_conf.dynamic_max;
	struct sl_acl_deny *v = calloc(max > 0 ? max : 1, sizeof(*v));

	if (v == NULL) {
		mgmt_fail(e, 500, "no_memory", "out of memory");
		return NULL;
	}
	*n = RTE_MIN(sl_acl_deny_list(v, max), max);
	return v;
}

json_t *
mgmt_acl_deny_list(struct mgmt_error *e)
{
	uint64_t now = sl_acl_now_ms();
	unsigned int n, i;
	struct sl_acl_deny *v = entries(&n, e);
	json_t *a;

	if (v == NULL)
		return NULL;
	a = json_array();
	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, entry_json(&v[i], now));
	free(v);
	return a;
}

json_t *
mgmt_acl_deny_get(const char *prefix, struct mgmt_error *e)
{
	uint32_t addr;
	uint8_t depth;
	unsigned int n, i;
	struct sl_acl_deny *v;
	json_t *o = NULL;

	if (parse_prefix(prefix, &addr, &depth, e) < 0 || (v = entries(&n, e)) == NULL)
		return NULL;
	for (i = 0; i < n && o == NULL; i++)
		if (v[i].addr == addr && v[i].depth == depth)
			o = entry_json(&v[i], sl_acl_now_ms());
	free(v);
	if (o == NULL)
		mgmt_fail(e, 404, "not_found", "%s is not in the dynamic deny list", prefix);
	return o;
}

int
mgmt_acl_deny_add(const char *prefix, int64_t ttl_s, const char *reason, char *id,
		size_t id_size, struct mgmt_error *e)
{
	char why[160], ip[INET_ADDRSTRLEN];
	uint32_t addr;
	uint8_t depth;
	int rc;

	if (parse_prefix(prefix, &addr, &depth, e) < 0)
		return -1;
	if (ttl_s < 0 || ttl_s > UINT32_MAX)
		return mgmt_fail(e, 400, "invalid_ttl", "ttl_s is 0 (until removed) to %" PRIu32
				" seconds", UINT32_MAX);
	if (reason != NULL && strlen(reason) >= SL_ACL_REASON_MAX)
		return mgmt_fail(e, 400, "invalid_reason", "the reason takes at most %d bytes",
				SL_ACL_REASON_MAX - 1);
	if (sl_acl_conf.dynamic_max == 0)
		return mgmt_fail(e, 409, "dynamic_off", "the dynamic deny list is off "
				"(acl.dynamic_max = 0)");
	rc = sl_acl_deny_add(addr, depth, (uint32_t)ttl_s, reason, why, sizeof(why));
	if (rc == -EINVAL)
		return mgmt_fail(e, 400, "invalid_prefix", "%s: %s", prefix, why);
	if (rc == -EEXIST)
		return mgmt_fail(e, 409, "in_a_rule", "%s: %s", prefix, why);
	if (rc == -ENOSPC)
		return mgmt_fail(e, 409, "list_full", "%s", why);
	if (rc < 0)
		return mgmt_fail(e, 500, "not_added", "%s", why);
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	snprintf(id, id_size, "%s/%u", ip, depth);
	MGMT_LOG(INFO, "acl: deny %s, ttl %" PRId64 " s (0: until removed)%s%s", id, ttl_s,
			reason != NULL && reason[0] != '\0' ? ": " : "", reason != NULL ? reason : "");
	return 0;
}

int
mgmt_acl_deny_remove(const char *prefix, struct mgmt_error *e)
{
	uint32_t addr;
	uint8_t depth;

	if (parse_prefix(prefix, &addr, &depth, e) < 0)
		return -1;
	if (sl_acl_deny_remove(addr, depth) < 0)
		return mgmt_fail(e, 404, "not_found", "%s is not in the dynamic deny list", prefix);
	MGMT_LOG(INFO, "acl: %s removed from the dynamic deny list", prefix);
	return 0;
}

int
mgmt_acl_poll(void)
{
	static uint64_t next;
	uint64_t now = sl_acl_now_ms();
	unsigned int gone;

	if (now < next)
		return 0;
	next = now + EXPIRE_EVERY_MS;
	gone = sl_acl_deny_expire();
	if (gone > 0)
		MGMT_LOG(INFO, "acl: %u dynamic deny entries expired", gone);
	return (int)gone;
}
