/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/rest: the REST API (docs/rest-api.md). URLs map onto the object
 * paths of mgmt_config.c under /api/v1; GET reads the applied
 * configuration, POST/PUT/PATCH/DELETE run a one-operation transaction,
 * POST /api/v1/transactions runs several. Every change needs the token
 * (when one is set) and honours If-Match against the configuration's ETag.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_log.h"
#include "mgmt_priv.h"
#include "mgmt_views.h"
#include "sl_proxy.h"

#define API "/api/v1"
#define API_LEN (sizeof(API) - 1)

static void
reply_json(struct mgmt_response *rs, unsigned int status, json_t *body)
{
	char *text;

	rs->status = status;
	if (body == NULL) {
		rs->status = 500;
		mgmt_out_printf(&rs->body, "{\"error\":{\"status\":500,\"code\":\"no_memory\","
				"\"message\":\"out of memory\"}}\n");
		return;
	}
	text = json_dumps(body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(body);
	if (text == NULL) {
		rs->status = 500;
		return;
	}
	mgmt_out_printf(&rs->body, "%s\n", text);
	free(text);
}

static void
reply_error(struct mgmt_response *rs, const struct mgmt_error *e)
{
	reply_json(rs, e->status, mgmt_error_json(e));
}

static void
refuse(struct mgmt_response *rs, unsigned int status, const char *code, const char *msg)
{
	struct mgmt_error e;

	mgmt_fail(&e, status, code, "%s", msg);
	reply_error(rs, &e);
}

static bool
is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* 401 without a credential, 403 with a wrong one. */
static bool
authorized(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	if (!is_write(rq->method) && !sl_mgmt_conf.read_needs_token)
		return true;
	if (mgmt_token_ok(rq->authorization, true))
		return true;
	if (rq->authorization == NULL) {
		/* RFC 6750 3: say which scheme a 401 wants. */
		snprintf(rs->www_authenticate, sizeof(rs->www_authenticate),
				"Bearer realm=\"sluice\"");
		refuse(rs, 401, "unauthorized", "this needs the API token: "
				"Authorization: Bearer TOKEN");
	}
	else
		refuse(rs, 403, "forbidden", "the API token does not match");
	return false;
}

/* If-Match: the client's view must be the current generation. */
static bool
precondition_ok(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	char quoted[64];
	struct mgmt_error e;

	if (rq->if_match == NULL || strcmp(rq->if_match, "*") == 0)
		return true;
	snprintf(quoted, sizeof(quoted), "\"%s\"", mgmt_config_etag());
	if (strstr(rq->if_match, quoted) != NULL)
		return true;
	mgmt_fail(&e, 412, "stale", "the configuration changed: it is now %s, the request "
			"expected %s; read it again", quoted, rq->if_match);
	reply_error(rs, &e);
	return false;
}

static json_t *
parse_body(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	json_error_t jerr;
	json_t *v;
	struct mgmt_error e;

	if (rq->body == NULL || rq->body_len == 0) {
		refuse(rs, 400, "no_body", "a JSON body is required");
		return NULL;
	}
	v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		mgmt_fail(&e, 400, "malformed_json", "line %d, column %d: %s", jerr.line,
				jerr.column, jerr.text);
		reply_error(rs, &e);
	}
	return v;
}

static enum mgmt_op
op_of(const char *method)
{
	return strcmp(method, "POST") == 0 ? MGMT_OP_CREATE :
		strcmp(method, "PUT") == 0 ? MGMT_OP_REPLACE :
		strcmp(method, "PATCH") == 0 ? MGMT_OP_PATCH : MGMT_OP_DELETE;
}

static void
set_allow(struct mgmt_response *rs, const char *path)
{
	const char *last = strrchr(path, '/');
	bool collection = strcmp(path, "/listeners") == 0 || strcmp(path, "/pools") == 0 ||
		strcmp(path, "/routes") == 0 || (last != NULL && strcmp(last, "/members") == 0);

	snprintf(rs->allow, sizeof(rs->allow), "%s", collection ? "GET, POST" :
			strcmp(path, "/config") == 0 || strcmp(path, "/settings") == 0 ?
			"GET, PUT, PATCH" : "GET, PUT, PATCH, DELETE");
}

/* One change: run it as a transaction of one operation. */
static void
change_object(const struct mgmt_request *rq, const char *path, struct mgmt_response *rs)
{
	enum mgmt_op op = op_of(rq->method);
	json_t *value = NULL, *obj;
	struct mgmt_txn *t;
	struct mgmt_error e;
	char id[160], source[256], where[256];

	/* No body: the transaction says whether one was needed (400) or the
	 * method does not apply here (405). */
	if (op != MGMT_OP_DELETE && rq->body_len > 0 && (value = parse_body(rq, rs)) == NULL)
		return;
	t = mgmt_txn_begin(&e);
	if (t == NULL)
		goto fail;
	snprintf(source, sizeof(source), "%s %s%s", rq->method, API, path);
	if (mgmt_txn_op(t, op, path, value, id, sizeof(id), &e) < 0 ||
			mgmt_txn_commit(t, source, &e) < 0)
		goto fail;
	mgmt_txn_free(t);
	json_decref(value);
	snprintf(rs->etag, sizeof(rs->etag), "\"%s\"", mgmt_config_etag());
	if (op == MGMT_OP_DELETE) {
		snprintf(where, sizeof(where), "%s%s", API, path);
		reply_json(rs, 200, json_pack("{s:s,s:I}", "deleted", where, "generation",
				(json_int_t)mgmt_config_generation()));
		return;
	}
	if (op == MGMT_OP_CREATE) {
		snprintf(where, sizeof(where), "%s/%s", path, id);
		snprintf(rs->location, sizeof(rs->location), "%s%s", API, where);
	} else if (id[0] != '\0') {
		/* A PATCH may have renamed it. */
		snprintf(where, sizeof(where), "%.*s/%s", (int)(strrchr(path, '/') - path), path, id);
	} else {
		snprintf(where, sizeof(where), "%s", path);
	}
	obj = mgmt_config_get(where, &e);
	if (obj == NULL) {
		reply_error(rs, &e);
		return;
	}
	reply_json(rs, op == MGMT_OP_CREATE ? 201 : 200, obj);
	return;
fail:
	if (e.status == 405)
		set_allow(rs, path);
	mgmt_txn_free(t);
	json_decref(value);
	reply_error(rs, &e);
}

/* {"operations": [{"op": "create|replace|patch|delete", "path": P, "value": V}]} */
static void
transaction(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	json_t *body = parse_body(rq, rs), *applied;
	struct mgmt_error e;

	if (body == NULL)
		return;
	applied = mgmt_txn_run(body, "POST " API "/transactions", &e);
	json_decref(body);
	if (applied == NULL) {
		reply_error(rs, &e);
		return;
	}
	snprintf(rs->etag, sizeof(rs->etag), "\"%s\"", mgmt_config_etag());
	reply_json(rs, 200, json_pack("{s:I,s:o}", "generation",
			(json_int_t)mgmt_config_generation(), "applied", applied));
}

static bool
parse_generation(const char *s, uint64_t *g)
{
	char *end;

	errno = 0;
	*g = strtoull(s, &end, 10);
	return s[0] >= '0' && s[0] <= '9' && *end == '\0' && errno == 0;
}

static void
rollback(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	json_t *body = parse_body(rq, rs);
	json_t *g;
	struct mgmt_error e;
	char source[64];

	if (body == NULL)
		return;
	g = json_object_get(body, "generation");
	if (!json_is_integer(g) || json_integer_value(g) < 1 || json_object_size(body) != 1) {
		json_decref(body);
		refuse(rs, 400, "invalid_field", "the body must be {\"generation\": N}");
		return;
	}
	snprintf(source, sizeof(source), "rollback to %" JSON_INTEGER_FORMAT,
			json_integer_value(g));
	if (mgmt_rollback((uint64_t)json_integer_value(g), source, &e) < 0) {
		json_decref(body);
		reply_error(rs, &e);
		return;
	}
	json_decref(body);
	snprintf(rs->etag, sizeof(rs->etag), "\"%s\"", mgmt_config_etag());
	reply_json(rs, 200, json_pack("{s:I}", "generation", (json_int_t)mgmt_config_generation()));
}

/* POST /access-log/reopen: rotation, as SIGHUP. */
static void
reopen_access_log(struct mgmt_response *rs)
{
	int rc = mgmt_log_reopen();

	if (rc == -ENOENT)
		refuse(rs, 409, "access_log_off", "no access log is configured (mgmt.access_log)");
	else if (rc < 0)
		refuse(rs, 500, "reopen_failed", strerror(-rc));
	else
		reply_json(rs, 200, json_pack("{s:b,s:s}", "reopened", 1, "path",
				sl_mgmt_conf.access_log));
}

static json_t *
index_json(void)
{
	return json_pack("{s:s,s:I,s:s,s:[s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s]}", "api",
			"sluice/v1", "generation", (json_int_t)mgmt_config_generation(), "etag",
			mgmt_config_etag(), "resources", API "/status", API "/config",
			API "/settings", API "/listeners", API "/pools",
			API "/pools/{pool}/members", API "/routes", API "/transactions",
			API "/generations", API "/rollback", API "/ports", API "/ports/{port}",
			API "/lcores", API "/stats/routes", API "/stats/members",
			API "/access-log/reopen", API "/acl/deny", API "/acl/deny/{prefix}",
			"/metrics");
}

static json_t *
status_json(void)
{
	const char *file = mgmt_config_file();

	return json_pack("{s:s,s:I,s:s,s:s?,s:b,s:b}", "version", SL_VERSION, "generation",
			(json_int_t)mgmt_config_generation(), "etag", mgmt_config_etag(),
			"config_file", file, "persisted", file != NULL, "token_required",
			mgmt_token_set());
}

/* Reads that are not configuration objects; false if path is not one. */
static bool
read_special(const struct mgmt_request *rq, const char *path, struct mgmt_response *rs)
{
	struct mgmt_error e;
	uint64_t g;
	json_t *v;

	if (path[0] == '\0' || strcmp(path, "/") == 0)
		reply_json(rs, 200, index_json());
	else if (strcmp(path, "/status") == 0)
		reply_json(rs, 200, status_json());
	else if (strcmp(path, "/generations") == 0)
		reply_json(rs, 200, mgmt_history_list());
	else if (strncmp(path, "/generations/", 13) == 0) {
		if (!parse_generation(path + 13, &g)) {
			refuse(rs, 404, "not_found", "generations are numbers");
			return true;
		}
		v = mgmt_history_get(g, &e);
		if (v == NULL)
			reply_error(rs, &e);
		else
			reply_json(rs, 200, v);
	} else if (strcmp(path, "/ports") == 0)
		reply_json(rs, 200, mgmt_view_ports());
	else if (strcmp(path, "/lcores") == 0)
		reply_json(rs, 200, mgmt_view_lcores());
	else if (strcmp(path, "/stats/routes") == 0)
		reply_json(rs, 200, mgmt_view_routes());
	else if (strcmp(path, "/stats/members") == 0)
		reply_json(rs, 200, mgmt_view_members(mgmt_request_arg(rq, "pool")));
	else
		return false;
	return true;
}

/* /ports/NAME: read, or patch what a running port takes. */
static void
port_object(const struct mgmt_request *rq, const char *name, struct mgmt_response *rs)
{
	struct mgmt_error e;
	json_t *v;

	if (strcmp(rq->method, "PATCH") == 0) {
		if (!precondition_ok(rq, rs) || (v = parse_body(rq, rs)) == NULL)
			return;
		if (mgmt_port_patch(name, v, &e) < 0) {
			json_decref(v);
			reply_error(rs, &e);
			return;
		}
		json_decref(v);
	} else if (is_write(rq->method)) {
		snprintf(rs->allow, sizeof(rs->allow), "GET, PATCH");
		refuse(rs, 405, "method_not_allowed", "ports are set up at start; PATCH changes "
				"their live settings");
		return;
	}
	v = mgmt_port_get(name, &e);
	if (v == NULL)
		reply_error(rs, &e);
	else
		reply_json(rs, 200, v);
}

/* The body of POST /acl/deny: {"prefix": ..., "ttl_s": 0, "reason": ""}. */
static void
acl_deny_post(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	static const char *const known[] = { "prefix", "ttl_s", "reason" };
	json_t *v = parse_body(rq, rs), *f;
	const char *key;
	struct mgmt_error e;
	char id[32];
	unsigned int i;

	if (v == NULL)
		return;
	json_object_foreach(v, key, f) {
		for (i = 0; i < RTE_DIM(known) && strcmp(key, known[i]) != 0; i++)
			;
		if (i == RTE_DIM(known)) {
			mgmt_fail(&e, 400, "unknown_field", "no field '%s' (prefix, ttl_s, reason)",
					key);
			goto refused;
		}
	}
	if (!json_is_string(json_object_get(v, "prefix")) ||
			((f = json_object_get(v, "ttl_s")) != NULL && !json_is_integer(f)) ||
			((f = json_object_get(v, "reason")) != NULL && !json_is_string(f))) {
		mgmt_fail(&e, 400, "invalid_field", "prefix (a string) is required; ttl_s is an "
				"integer, reason a string");
		goto refused;
	}
	if (mgmt_acl_deny_add(json_string_value(json_object_get(v, "prefix")),
			json_integer_value(json_object_get(v, "ttl_s")),
			json_string_value(json_object_get(v, "reason")), id, sizeof(id), &e) < 0)
		goto refused;
	json_decref(v);
	snprintf(rs->location, sizeof(rs->location), "%s/acl/deny/%s", API, id);
	reply_json(rs, 201, mgmt_acl_deny_get(id, &e));
	return;
refused:
	json_decref(v);
	reply_error(rs, &e);
}

/* /acl/deny (GET the list, POST an entry) and /acl/deny/PREFIX (GET,
 * DELETE): state, not configuration, so no generation and no ETag. */
static void
acl_deny(const struct mgmt_request *rq, const char *prefix, struct mgmt_response *rs)
{
	struct mgmt_error e;
	json_t *v;

	rs->etag[0] = '\0';
	if (prefix == NULL && strcmp(rq->method, "POST") == 0) {
		acl_deny_post(rq, rs);
		return;
	}
	if (prefix != NULL && strcmp(rq->method, "DELETE") == 0) {
		if (mgmt_acl_deny_remove(prefix, &e) < 0)
			reply_error(rs, &e);
		else
			rs->status = 204;
		return;
	}
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
		snprintf(rs->allow, sizeof(rs->allow), prefix == NULL ? "GET, POST" : "GET, DELETE");
		refuse(rs, 405, "method_not_allowed", prefix == NULL ?
				"the list takes GET and POST" : "an entry takes GET and DELETE");
		return;
	}
	v = prefix == NULL ? mgmt_acl_deny_list(&e) : mgmt_acl_deny_get(prefix, &e);
	if (v == NULL)
		reply_error(rs, &e);
	else
		reply_json(rs, 200, v);
}

static void
serve_metrics(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
		snprintf(rs->allow, sizeof(rs->allow), "GET");
		refuse(rs, 405, "method_not_allowed", "/metrics is read-only");
		return;
	}
	if (!authorized(rq, rs))
		return;
	rs->status = 200;
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	mgmt_metrics_render(&rs->body);
}

static bool
is_action(const char *path)
{
	return strcmp(path, "/transactions") == 0 || strcmp(path, "/rollback") == 0 ||
		strcmp(path, "/access-log/reopen") == 0;
}

/* State, not configuration: GET only. */
static bool
is_read_only(const char *path)
{
	static const char *const exact[] = { "", "/", "/status", "/generations", "/ports",
		"/lcores" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(exact); i++)
		if (strcmp(path, exact[i]) == 0)
			return true;
	return strncmp(path, "/generations/", 13) == 0 || strncmp(path, "/stats/", 7) == 0;
}

void
mgmt_rest_handle(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	const char *path;
	struct mgmt_error e;
	json_t *v;

	if (strcmp(rq->path, "/metrics") == 0) {
		serve_metrics(rq, rs);
		return;
	}
	if (strncmp(rq->path, API, API_LEN) != 0 || (rq->path[API_LEN] != '\0' &&
			rq->path[API_LEN] != '/')) {
		refuse(rs, 404, "not_found", "the API is under " API " and metrics at /metrics");
		return;
	}
	path = rq->path + API_LEN;
	if (!authorized(rq, rs))
		return;
	snprintf(rs->etag, sizeof(rs->etag), "\"%s\"", mgmt_config_etag());
	if (strncmp(path, "/ports/", 7) == 0) {
		port_object(rq, path + 7, rs);
		return;
	}
	if (strcmp(path, "/acl/deny") == 0 || strncmp(path, "/acl/deny/", 10) == 0) {
		acl_deny(rq, path[9] == '/' ? path + 10 : NULL, rs);
		return;
	}
	if (!is_write(rq->method)) {
		if (read_special(rq, path, rs))
			return;
		v = mgmt_config_get(path, &e);
		if (v == NULL)
			reply_error(rs, &e);
		else
			reply_json(rs, 200, v);
		return;
	}
	if (strcmp(rq->method, "POST") != 0 && strcmp(rq->method, "PUT") != 0 &&
			strcmp(rq->method, "PATCH") != 0 && strcmp(rq->method, "DELETE") != 0) {
		snprintf(rs->allow, sizeof(rs->allow), "GET, POST, PUT, PATCH, DELETE");
		refuse(rs, 405, "method_not_allowed", "unsupported method");
		return;
	}
	if (!precondition_ok(rq, rs))
		return;
	if (is_action(path)) {
		if (strcmp(rq->method, "POST") != 0) {
			snprintf(rs->allow, sizeof(rs->allow), "POST");
			refuse(rs, 405, "method_not_allowed", "this resource takes POST only");
		} else if (strcmp(path, "/transactions") == 0) {
			transaction(rq, rs);
		} else if (strcmp(path, "/rollback") == 0) {
			rollback(rq, rs);
		} else {
			reopen_access_log(rs);
		}
	} else if (is_read_only(path)) {
		snprintf(rs->allow, sizeof(rs->allow), "GET");
		refuse(rs, 405, "method_not_allowed", "this resource is read-only");
	} else {
		change_object(rq, path, rs);
	}
}
