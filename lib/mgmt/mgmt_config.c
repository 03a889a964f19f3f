/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/config: the proxy configuration as objects. An operation edits a
 * candidate copy of the applied configuration, decoded and checked field
 * by field through the configuration schema (lib/conf); a commit validates
 * the whole candidate exactly as a load would, persists it atomically,
 * publishes it as a new generation and records it in the history. Any
 * refusal leaves the applied configuration, the file and the workers as
 * they were.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_random.h>

#include "mgmt_priv.h"
#include "sl_proxy.h"

#define HISTORY_MAX 1000
#define PATH_SEGS 4

struct mgmt_txn {
	struct sl_proxy_conf conf;
};

struct history_entry {
	uint64_t generation;
	time_t when;
	char source[160];
	json_t *conf; /* the proxy section as JSON */
};

static struct history_entry *history; /* ring, history[0] newest */
static unsigned int n_history;
static const char *config_file;
static uint32_t boot_id;
static char etag[48];
static bool txn_open;
/* The candidate sl_conf_save writes instead of the applied section. */
static const struct sl_proxy_conf *saving;

void
sl_mgmt_set_config_file(const char *path)
{
	config_file = path;
}

const char *
mgmt_config_file(void)
{
	return config_file;
}

/* ---- locating an object ---- */

static const struct sl_conf_key *
proxy_keys(void)
{
	void *dst;
	size_t size;

	return sl_conf_section_keys("proxy", &dst, &size);
}

enum target_kind { T_CONFIG, T_SETTINGS, T_LIST, T_ITEM };

struct target {
	enum target_kind kind;
	const struct sl_conf_key *list; /* T_LIST, T_ITEM */
	void *base;			/* the struct holding the list */
	int index;			/* T_ITEM: -1 when absent */
	char id[160];			/* T_ITEM: as requested */
};

static unsigned int *
list_count(const struct sl_conf_key *k, void *base)
{
	return (unsigned int *)((char *)base + k->count_offset);
}

static void *
list_elem(const struct sl_conf_key *k, void *base, unsigned int i)
{
	return (char *)base + k->offset + i * k->size;
}

static bool
is_members(const struct sl_conf_key *k)
{
	return strcmp(k->name, "members") == 0;
}

/* Members are known by address:port, everything else by name. */
static void
elem_id(const struct sl_conf_key *k, const void *elem, char *buf, size_t size)
{
	if (is_members(k)) {
		const struct sl_proxy_member_conf *m = elem;
		const uint8_t *a = (const uint8_t *)&m->address;

		snprintf(buf, size, "%u.%u.%u.%u:%" PRId64, a[0], a[1], a[2], a[3], m->port);
	} else {
		const struct sl_conf_key *name = sl_conf_key_find(k->sub, "name");

		snprintf(buf, size, "%s", (const char *)elem + name->offset);
	}
}

static int
list_find(const struct sl_conf_key *k, void *base, const char *id)
{
	char cur[160];
	unsigned int i;

	for (i = 0; i < *list_count(k, base); i++) {
		elem_id(k, list_elem(k, base, i), cur, sizeof(cur));
		if (strcmp(cur, id) == 0)
			return (int)i;
	}
	return -1;
}

static const char *
singular(const struct sl_conf_key *k)
{
	return strcmp(k->name, "listeners") == 0 ? "listener"
	       : strcmp(k->name, "pools") == 0	 ? "pool"
	       : strcmp(k->name, "routes") == 0	 ? "route"
						 : "member";
}

static int
resolve(struct sl_proxy_conf *c, const char *path, struct target *t, struct mgmt_error *e)
{
	char buf[256], *seg[PATH_SEGS + 1], *save = NULL, *p;
	unsigned int n = 0;

	memset(t, 0, sizeof(*t));
	t->index = -1;
	if (path == NULL || path[0] != '/' || strlen(path) >= sizeof(buf))
		return mgmt_fail(e, 404, "not_found", "no object at '%s'", path ? path : "");
	snprintf(buf, sizeof(buf), "%s", path);
	for (p = strtok_r(buf, "/", &save); p != NULL; p = strtok_r(NULL, "/", &save)) {
		if (n == PATH_SEGS)
			return mgmt_fail(e, 404, "not_found", "no object at '%s'", path);
		seg[n++] = p;
	}
	if (n == 1 && strcmp(seg[0], "config") == 0) {
		t->kind = T_CONFIG;
		return 0;
	}
	if (n == 1 && strcmp(seg[0], "settings") == 0) {
		t->kind = T_SETTINGS;
		return 0;
	}
	if (n >= 1 && (strcmp(seg[0], "listeners") == 0 || strcmp(seg[0], "pools") == 0 ||
			      strcmp(seg[0], "routes") == 0)) {
		t->list = sl_conf_key_find(proxy_keys(), seg[0]);
		t->base = c;
		if (n >= 3 && strcmp(seg[0], "pools") == 0 && strcmp(seg[2], "members") == 0) {
			int pool = list_find(t->list, c, seg[1]);

			if (pool < 0)
				return mgmt_fail(e, 404, "not_found", "no pool named '%s'", seg[1]);
			t->base = list_elem(t->list, c, (unsigned int)pool);
			t->list = sl_conf_key_find(t->list->sub, "members");
			seg[1] = n == 4 ? seg[3] : NULL;
			n -= 2;
		}
		if (n == 1) {
			t->kind = T_LIST;
			return 0;
		}
		if (n == 2) {
			t->kind = T_ITEM;
			snprintf(t->id, sizeof(t->id), "%s", seg[1]);
			t->index = list_find(t->list, t->base, seg[1]);
			return 0;
		}
	}
	return mgmt_fail(e, 404, "not_found",
		"no object at '%s': see GET /api/v1 for the "
		"collections",
		path);
}

/* ---- reading ---- */

static json_t *
encode_settings(const struct sl_proxy_conf *c)
{
	const struct sl_conf_key *k;
	json_t *o = sl_conf_json_encode(proxy_keys(), c);

	for (k = proxy_keys(); o != NULL && k->type != SL_CONF_END; k++)
		if (k->type == SL_CONF_LIST)
			json_object_del(o, k->name);
	return o;
}

static json_t *
encode_target(const struct target *t, struct mgmt_error *e)
{
	json_t *a;
	unsigned int i;

	switch (t->kind) {
	case T_CONFIG:
		return sl_conf_json_encode(
			proxy_keys(), t->base != NULL ? t->base : &sl_proxy_conf);
	case T_SETTINGS:
		return encode_settings(&sl_proxy_conf);
	case T_LIST:
		a = json_array();
		for (i = 0; a != NULL && i < *list_count(t->list, t->base); i++)
			json_array_append_new(a,
				sl_conf_json_encode(t->list->sub, list_elem(t->list, t->base, i)));
		return a;
	case T_ITEM:
		if (t->index < 0)
			break;
		return sl_conf_json_encode(
			t->list->sub, list_elem(t->list, t->base, (unsigned int)t->index));
	}
	mgmt_fail(e, 404, "not_found", "no %s '%s'", singular(t->list), t->id);
	return NULL;
}

json_t *
mgmt_config_get(const char *path, struct mgmt_error *e)
{
	struct target t;
	json_t *o;

	if (resolve(&sl_proxy_conf, path, &t, e) < 0)
		return NULL;
	o = encode_target(&t, e);
	if (o == NULL && e->status == 0)
		mgmt_fail(e, 500, "no_memory", "out of memory");
	return o;
}

/* ---- editing a candidate ---- */

static int
decode_fail(const struct sl_conf_error *err, int rc, struct mgmt_error *e)
{
	if (rc == -ENOMEM)
		return mgmt_fail(e, 500, "no_memory", "out of memory");
	mgmt_fail(e, 400, "invalid_field", "%s", err->msg);
	snprintf(e->path, sizeof(e->path), "%s", err->path);
	return -1;
}

static int
decode(const struct sl_conf_key *keys, const json_t *value, void *dst, size_t size, bool patch,
	struct mgmt_error *e)
{
	struct sl_conf_error err;
	int rc;

	if (!json_is_object(value))
		return mgmt_fail(e, 400, "not_an_object", "the body must be a JSON object");
	memset(&err, 0, sizeof(err));
	rc = sl_conf_json_decode(keys, value, dst, size, patch, &err);
	return rc < 0 ? decode_fail(&err, rc, e) : 0;
}

/* The body of a replace may leave out the id fields the URL gives. */
static json_t *
with_id(const struct target *t, const json_t *value, struct mgmt_error *e)
{
	json_t *o = json_deep_copy(value);
	char addr[160], *colon;

	if (o == NULL) {
		mgmt_fail(e, 500, "no_memory", "out of memory");
		return NULL;
	}
	if (!is_members(t->list)) {
		if (json_object_get(o, "name") == NULL)
			json_object_set_new(o, "name", json_string(t->id));
		return o;
	}
	snprintf(addr, sizeof(addr), "%s", t->id);
	colon = strrchr(addr, ':');
	if (colon != NULL) {
		*colon = '\0';
		if (json_object_get(o, "address") == NULL)
			json_object_set_new(o, "address", json_string(addr));
		if (json_object_get(o, "port") == NULL)
			json_object_set_new(o, "port", json_integer(strtol(colon + 1, NULL, 10)));
	}
	return o;
}

static int
item_write(struct target *t, enum mgmt_op op, const json_t *value, char *id, size_t id_size,
	struct mgmt_error *e)
{
	const struct sl_conf_key *k = t->list;
	unsigned int *count = list_count(k, t->base);
	void *scratch = calloc(1, k->size);
	json_t *body = NULL;
	int rc = -1, other;

	if (scratch == NULL)
		return mgmt_fail(e, 500, "no_memory", "out of memory");
	if (op == MGMT_OP_CREATE) {
		if (*count == (unsigned int)k->max) {
			mgmt_fail(e, 409, "full", "at most %" PRId64 " %s", k->max, k->name);
			goto out;
		}
		if (decode(k->sub, value, scratch, k->size, false, e) < 0)
			goto out;
	} else {
		if (t->index < 0) {
			mgmt_fail(e, 404, "not_found", "no %s '%s'", singular(k), t->id);
			goto out;
		}
		memcpy(scratch, list_elem(k, t->base, (unsigned int)t->index), k->size);
		body = op == MGMT_OP_REPLACE ? with_id(t, value, e) : json_incref((json_t *)value);
		if (body == NULL ||
			decode(k->sub, body, scratch, k->size, op == MGMT_OP_PATCH, e) < 0)
			goto out;
	}
	elem_id(k, scratch, id, id_size);
	if (op == MGMT_OP_REPLACE && strcmp(id, t->id) != 0) {
		mgmt_fail(e, 422, "id_mismatch",
			"the body names %s '%s' but the URL '%s'; rename "
			"with PATCH",
			singular(k), id, t->id);
		goto out;
	}
	other = list_find(k, t->base, id);
	if (other >= 0 && other != t->index) {
		mgmt_fail(e, 409, "exists", "%s '%s' already exists", singular(k), id);
		goto out;
	}
	if (op == MGMT_OP_CREATE)
		t->index = (int)(*count)++;
	memcpy(list_elem(k, t->base, (unsigned int)t->index), scratch, k->size);
	rc = 0;
out:
	json_decref(body);
	free(scratch);
	return rc;
}

static int
item_delete(struct target *t, struct mgmt_error *e)
{
	const struct sl_conf_key *k = t->list;
	unsigned int *count = list_count(k, t->base), i = (unsigned int)t->index;

	if (t->index < 0)
		return mgmt_fail(e, 404, "not_found", "no %s '%s'", singular(k), t->id);
	memmove(list_elem(k, t->base, i), list_elem(k, t->base, i + 1), (*count - i - 1) * k->size);
	(*count)--;
	memset(list_elem(k, t->base, *count), 0, k->size);
	return 0;
}

/* Settings are the proxy section without its collections. */
static int
settings_write(struct sl_proxy_conf *c, enum mgmt_op op, const json_t *value, struct mgmt_error *e)
{
	const struct sl_conf_key *k;
	json_t *body;
	int rc;

	if (!json_is_object(value))
		return mgmt_fail(e, 400, "not_an_object", "the body must be a JSON object");
	for (k = proxy_keys(); k->type != SL_CONF_END; k++)
		if (k->type == SL_CONF_LIST && json_object_get(value, k->name) != NULL) {
			mgmt_fail(e, 400, "invalid_field",
				"'%s' is a collection: change it under "
				"/%s",
				k->name, k->name);
			snprintf(e->path, sizeof(e->path), "%s", k->name);
			return -1;
		}
	body = json_deep_copy(value);
	if (body == NULL)
		return mgmt_fail(e, 500, "no_memory", "out of memory");
	/* A replace resets the settings, not the collections. */
	for (k = proxy_keys(); op == MGMT_OP_REPLACE && k->type != SL_CONF_END; k++)
		if (k->type == SL_CONF_LIST) {
			json_t *all = sl_conf_json_encode(proxy_keys(), c);

			json_object_set(body, k->name, json_object_get(all, k->name));
			json_decref(all);
		}
	rc = decode(proxy_keys(), body, c, sizeof(*c), op == MGMT_OP_PATCH, e);
	json_decref(body);
	return rc;
}

struct mgmt_txn *
mgmt_txn_begin(struct mgmt_error *e)
{
	struct mgmt_txn *t;

	if (txn_open) {
		mgmt_fail(e, 409, "busy", "another change is being applied");
		return NULL;
	}
	t = malloc(sizeof(*t));
	if (t == NULL) {
		mgmt_fail(e, 500, "no_memory", "out of memory");
		return NULL;
	}
	memcpy(&t->conf, &sl_proxy_conf, sizeof(t->conf));
	txn_open = true;
	return t;
}

void
mgmt_txn_free(struct mgmt_txn *t)
{
	if (t == NULL)
		return;
	free(t);
	txn_open = false;
}

static bool
op_applies(const struct target *t, enum mgmt_op op)
{
	switch (t->kind) {
	case T_CONFIG:
	case T_SETTINGS:
		return op == MGMT_OP_REPLACE || op == MGMT_OP_PATCH;
	case T_LIST:
		return op == MGMT_OP_CREATE;
	case T_ITEM:
		return op != MGMT_OP_CREATE;
	}
	return false;
}

int
mgmt_txn_op(struct mgmt_txn *t, enum mgmt_op op, const char *path, const json_t *value, char *id,
	size_t id_size, struct mgmt_error *e)
{
	struct target tg;

	id[0] = '\0';
	if (resolve(&t->conf, path, &tg, e) < 0)
		return -1;
	/* Whether the operation applies comes before what it carries. */
	if (!op_applies(&tg, op))
		return mgmt_fail(e, 405, "method_not_allowed", "this operation does not apply "
				"to '%s'", path);
	if (op != MGMT_OP_DELETE && value == NULL)
		return mgmt_fail(e, 400, "no_body", "a JSON body is required");
	switch (tg.kind) {
	case T_CONFIG:
		return decode(proxy_keys(), value, &t->conf, sizeof(t->conf),
				op == MGMT_OP_PATCH, e);
	case T_SETTINGS:
		return settings_write(&t->conf, op, value, e);
	case T_ITEM:
		if (op == MGMT_OP_DELETE)
			return item_delete(&tg, e);
		/* fall through */
	case T_LIST:
		return item_write(&tg, op, value, id, id_size, e);
	}
	return mgmt_fail(e, 500, "internal", "unknown object kind");
}

/*
 * A transaction body, {"operations": [{"op", "path", "value"}]}: every
 * operation on one candidate, then one commit. The list of what was
 * applied, or NULL with e naming the operation that was refused.
 */
json_t *
mgmt_txn_run(const json_t *body, const char *source, struct mgmt_error *e)
{
	static const char *const ops[] = { "create", "replace", "patch", "delete" };
	const json_t *list = json_object_get(body, "operations"), *item;
	json_t *results = NULL;
	struct mgmt_txn *t = NULL;
	char id[160], msg[sizeof(e->message)];
	size_t i;

	if (!json_is_array(list) || json_array_size(list) == 0 || json_object_size(body) != 1) {
		mgmt_fail(e, 400, "invalid_field", "the body must be {\"operations\": [...]} with "
				"at least one operation");
		return NULL;
	}
	t = mgmt_txn_begin(e);
	results = json_array();
	if (t == NULL || results == NULL)
		goto fail;
	json_array_foreach(list, i, item) {
		const char *op = json_string_value(json_object_get(item, "op"));
		const char *path = json_string_value(json_object_get(item, "path"));
		unsigned int k;

		for (k = 0; op != NULL && k < RTE_DIM(ops) && strcmp(op, ops[k]) != 0; k++)
			;
		if (op == NULL || k == RTE_DIM(ops) || path == NULL) {
			mgmt_fail(e, 400, "invalid_field", "operation %zu: needs \"op\" (create, "
					"replace, patch or delete) and \"path\"", i);
			goto fail;
		}
		if (mgmt_txn_op(t, (enum mgmt_op)k, path, json_object_get(item, "value"), id,
				sizeof(id), e) < 0) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			snprintf(e->message, sizeof(e->message), "operation %zu (%s %s): %s", i, op,
					path, msg);
			goto fail;
		}
		json_array_append_new(results, json_pack("{s:s,s:s}", "op", op, "path", path));
	}
	if (mgmt_txn_commit(t, source, e) < 0)
		goto fail;
	mgmt_txn_free(t);
	return results;
fail:
	if (results == NULL && t != NULL)
		mgmt_fail(e, 500, "no_memory", "out of memory");
	json_decref(results);
	mgmt_txn_free(t);
	return NULL;
}

/* ---- committing ---- */

static const void *
save_override(const char *section)
{
	return strcmp(section, "proxy") == 0 ? saving : NULL;
}

static int
persist(const struct sl_proxy_conf *c, uint64_t generation, struct sl_conf_error *err)
{
	char header[160];

	if (config_file == NULL)
		return 0;
	snprintf(header, sizeof(header),
		"Sluice configuration, generation %" PRIu64
		", written by sluiced; changes through the API or console rewrite it",
		generation);
	saving = c;
	return sl_conf_save(config_file, header, save_override, err);
}

int
mgmt_config_persist(struct mgmt_error *e)
{
	struct sl_conf_error err;

	memset(&err, 0, sizeof(err));
	if (persist(&sl_proxy_conf, sl_proxy_generation(), &err) < 0) {
		MGMT_LOG(ERR, "persisting to %s: %s", config_file, err.msg);
		return mgmt_fail(e, 500, "persist_failed", "%s", err.msg);
	}
	return 0;
}

static void
set_etag(void)
{
	snprintf(etag, sizeof(etag), "%08x-%" PRIu64, boot_id, sl_proxy_generation());
}

static void
history_push(const char *source)
{
	struct history_entry *h;
	unsigned int cap = (unsigned int)RTE_MIN(sl_mgmt_conf.history, HISTORY_MAX);

	if (cap == 0)
		return;
	if (n_history == cap) {
		json_decref(history[cap - 1].conf);
		n_history--;
	}
	memmove(&history[1], &history[0], n_history * sizeof(history[0]));
	h = &history[0];
	h->generation = sl_proxy_generation();
	h->when = time(NULL);
	snprintf(h->source, sizeof(h->source), "%s", source);
	h->conf = sl_conf_json_encode(proxy_keys(), &sl_proxy_conf);
	n_history++;
}

int
mgmt_txn_commit(struct mgmt_txn *t, const char *source, struct mgmt_error *e)
{
	struct sl_conf_error err;
	const char *path;

	memset(&err, 0, sizeof(err));
	if (sl_proxy_check(&t->conf, &err) < 0) {
		/* Paths as the API names them: routes[3].pool, not proxy.routes[3].pool. */
		if (strncmp(err.msg, "'proxy.", 7) == 0)
			mgmt_fail(e, 422, "invalid_config", "'%s", err.msg + 7);
		else
			mgmt_fail(e, 422, "invalid_config", "%s", err.msg);
		path = strncmp(err.path, "proxy.", 6) == 0 ? err.path + 6 : err.path;
		snprintf(e->path, sizeof(e->path), "%s", path);
		return -1;
	}
	if (persist(&t->conf, sl_proxy_generation() + 1, &err) < 0) {
		MGMT_LOG(ERR, "persisting to %s: %s", config_file, err.msg);
		return mgmt_fail(
			e, 500, "persist_failed", "the change was not applied: %s", err.msg);
	}
	if (sl_proxy_apply(&t->conf, &err) < 0) {
		struct sl_conf_error again;

		/* Put the file back to what runs. */
		if (persist(&sl_proxy_conf, sl_proxy_generation(), &again) < 0)
			MGMT_LOG(ERR, "restoring %s: %s", config_file, again.msg);
		return mgmt_fail(e, 422, "not_applied", "%s", err.msg);
	}
	set_etag();
	history_push(source);
	MGMT_LOG(INFO, "generation %" PRIu64 ": %s", sl_proxy_generation(), source);
	return 0;
}

/* ---- generations and history ---- */

const char *
mgmt_config_etag(void)
{
	return etag;
}

uint64_t
mgmt_config_generation(void)
{
	return sl_proxy_generation();
}

json_t *
mgmt_history_list(void)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; a != NULL && i < n_history; i++)
		json_array_append_new(a,
			json_pack("{s:I,s:I,s:s}", "generation", (json_int_t)history[i].generation,
				"time", (json_int_t)history[i].when, "source", history[i].source));
	return a;
}

static const struct history_entry *
history_find(uint64_t generation, struct mgmt_error *e)
{
	unsigned int i;

	for (i = 0; i < n_history; i++)
		if (history[i].generation == generation)
			return &history[i];
	mgmt_fail(e, 404, "not_found",
		"generation %" PRIu64 " is not in the history (the last "
		"%" PRId64 " are kept)",
		generation, sl_mgmt_conf.history);
	return NULL;
}

json_t *
mgmt_history_get(uint64_t generation, struct mgmt_error *e)
{
	const struct history_entry *h = history_find(generation, e);

	return h != NULL ? json_pack("{s:I,s:I,s:s,s:O}", "generation", (json_int_t)h->generation,
				   "time", (json_int_t)h->when, "source", h->source, "config",
				   h->conf)
			 : NULL;
}

int
mgmt_rollback(uint64_t generation, const char *source, struct mgmt_error *e)
{
	const struct history_entry *h = history_find(generation, e);
	struct mgmt_txn *t;
	int rc;

	if (h == NULL)
		return -1;
	t = mgmt_txn_begin(e);
	if (t == NULL)
		return -1;
	rc = decode(proxy_keys(), h->conf, &t->conf, sizeof(t->conf), false, e);
	if (rc == 0)
		rc = mgmt_txn_commit(t, source, e);
	mgmt_txn_free(t);
	return rc;
}

int
mgmt_config_init(void)
{
	history = calloc(HISTORY_MAX, sizeof(*history));
	if (history == NULL)
		return -ENOMEM;
	boot_id = (uint32_t)rte_rand();
	set_etag();
	history_push("startup");
	return 0;
}

void
mgmt_config_term(void)
{
	unsigned int i;

	for (i = 0; i < n_history; i++)
		json_decref(history[i].conf);
	free(history);
	history = NULL;
	n_history = 0;
}
