/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/cli: the console's commands (docs/console.md). Changes take the
 * REST API's object paths and JSON bodies and run through the same
 * transactions; `show` renders the same views as tables.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_log.h"
#include "mgmt_priv.h"
#include "mgmt_views.h"
#include "sl_counters.h"
#include "sl_http.h"
#include "sl_proxy.h"
#include "sl_tcp.h"

#define WORDS_MAX 4

struct cli_cmd {
	const char *name;
	const char *usage;
	const char *help;
	bool change;                 /* needs the token when one is set */
	int (*run)(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
			struct mgmt_out *out);
};

static const struct cli_cmd commands[];

static void
print_error(struct mgmt_out *out, const struct mgmt_error *e)
{
	mgmt_out_printf(out, "error %u %s: %s", e->status, e->code, e->message);
	if (e->path[0] != '\0')
		mgmt_out_printf(out, " (field %s)", e->path);
	mgmt_out_printf(out, "\r\n");
}

/* JSON as the console shows it: indented, lines ending in CRLF. */
static void
print_json(struct mgmt_out *out, json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	const char *p;

	json_decref(v);
	if (text == NULL) {
		mgmt_out_printf(out, "error: out of memory\r\n");
		return;
	}
	for (p = text; *p != '\0'; p++) {
		if (*p == '\n')
			mgmt_out_write(out, "\r", 1);
		mgmt_out_write(out, p, 1);
	}
	mgmt_out_printf(out, "\r\n");
	free(text);
}

/* "routes/x" and "/routes/x" name the same object. */
static void
object_path(const char *word, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", word[0] == '/' ? "" : "/", word);
}

/* ---- show ---- */

static int64_t
num(json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
show_listeners(struct mgmt_out *out)
{
	struct mgmt_error e;
	json_t *a = mgmt_config_get("/listeners", &e), *l;
	size_t i;

	mgmt_out_printf(out, "%-20s %-16s %6s %8s\r\n", "NAME", "ADDRESS", "PORT", "BACKLOG");
	json_array_foreach(a, i, l)
		mgmt_out_printf(out, "%-20s %-16s %6" PRId64 " %8" PRId64 "\r\n", str(l, "name"),
				str(l, "address"), num(l, "port"), num(l, "backlog"));
	json_decref(a);
}

static void
show_pools(struct mgmt_out *out)
{
	struct mgmt_error e;
	json_t *a = mgmt_config_get("/pools", &e), *p;
	size_t i;

	mgmt_out_printf(out, "%-20s %-10s %8s %9s %8s\r\n", "NAME", "ALGORITHM", "MEMBERS",
			"KEEPALIVE", "RETRIES");
	json_array_foreach(a, i, p)
		mgmt_out_printf(out, "%-20s %-10s %8zu %9" PRId64 " %8" PRId64 "\r\n",
				str(p, "name"), str(p, "algorithm"),
				json_array_size(json_object_get(p, "members")), num(p, "keepalive"),
				num(p, "retries"));
	json_decref(a);
}

static void
route_action(json_t *r, char *buf, size_t size)
{
	if (str(r, "pool")[0] != '\0')
		snprintf(buf, size, "pool %s", str(r, "pool"));
	else if (str(r, "redirect")[0] != '\0')
		snprintf(buf, size, "redirect %" PRId64, num(r, "return_status") ?
				num(r, "return_status") : 302);
	else
		snprintf(buf, size, "return %" PRId64, num(r, "return_status"));
}

static void
show_routes(struct mgmt_out *out)
{
	struct mgmt_error e;
	json_t *conf = mgmt_config_get("/routes", &e), *stats = mgmt_view_routes(), *r, *st;
	size_t i, j;
	char action[96], match[96];

	mgmt_out_printf(out, "%-20s %-28s %-20s %10s %8s %8s %8s\r\n", "NAME", "MATCH",
			"ACTION", "REQUESTS", "2XX", "4XX", "5XX");
	json_array_foreach(conf, i, r) {
		json_t *found = NULL;

		json_array_foreach(stats, j, st)
			if (strcmp(str(st, "route"), str(r, "name")) == 0)
				found = st;
		route_action(r, action, sizeof(action));
		if (json_is_true(json_object_get(r, "default")))
			snprintf(match, sizeof(match), "default");
		else
			snprintf(match, sizeof(match), "%s%s %s", str(r, "host")[0] ? str(r, "host") : "*",
					str(r, "path")[0] ? str(r, "path") : "/", str(r, "path_match"));
		mgmt_out_printf(out, "%-20s %-28s %-20s %10" PRId64 " %8" PRId64 " %8" PRId64 " %8"
				PRId64 "\r\n", str(r, "name"), match, action, num(found, "requests"),
				num(found, "status_2xx"), num(found, "status_4xx"),
				num(found, "status_5xx"));
	}
	json_decref(conf);
	json_decref(stats);
}

static void
show_members(struct mgmt_out *out, const char *pool)
{
	json_t *a = mgmt_view_members(pool), *m;
	size_t i;

	mgmt_out_printf(out, "%-16s %-22s %-4s %6s %5s %10s %10s %6s %9s\r\n", "POOL", "MEMBER",
			"UP", "ACTIVE", "IDLE", "LAT_EWMA", "REQUESTS", "5XX", "EJECTIONS");
	json_array_foreach(a, i, m)
		mgmt_out_printf(out, "%-16s %-22s %-4s %6" PRId64 " %5" PRId64 " %8.2fms %10"
				PRId64 " %6" PRId64 " %9" PRId64 "\r\n", str(m, "pool"), str(m, "member"),
				json_is_true(json_object_get(m, "up")) ? "yes" : "NO", num(m, "active"),
				num(m, "idle"),
				json_real_value(json_object_get(m, "latency_ewma_us")) / 1000.0,
				num(m, "requests"), num(m, "status_5xx"), num(m, "ejections"));
	json_decref(a);
}

static void
show_ports(struct mgmt_out *out)
{
	json_t *a = mgmt_view_ports(), *p;
	size_t i;

	mgmt_out_printf(out, "%-12s %-18s %-17s %5s %12s %12s %8s\r\n", "NAME", "ADDRESS", "MAC",
			"MTU", "RX_PACKETS", "TX_PACKETS", "RX_MISS");
	json_array_foreach(a, i, p)
		mgmt_out_printf(out, "%-12s %-18s %-17s %5" PRId64 " %12" PRId64 " %12" PRId64 " %8"
				PRId64 "\r\n", str(p, "name"), str(p, "address"), str(p, "mac"),
				num(p, "mtu"), num(p, "rx_packets"), num(p, "tx_packets"),
				num(p, "rx_missed"));
	json_decref(a);
}

static void
show_lcores(struct mgmt_out *out)
{
	json_t *a = mgmt_view_lcores(), *l;
	size_t i;

	mgmt_out_printf(out, "%-6s %-11s %7s %12s %14s %14s\r\n", "LCORE", "ROLE", "WORKER",
			"IDLE_SLEEPS", "TCP_ACCEPTED", "HTTP_REQUESTS");
	json_array_foreach(a, i, l) {
		char worker[16] = "-";

		if (strcmp(str(l, "role"), "worker") == 0)
			snprintf(worker, sizeof(worker), "%" PRId64, num(l, "worker"));
		mgmt_out_printf(out, "%-6" PRId64 " %-11s %7s %12" PRId64 " %14" PRId64 " %14" PRId64
				"\r\n", num(l, "lcore"), str(l, "role"), worker,
				num(l, "idle_sleeps"), num(l, "tcp_accepted"), num(l, "http_requests"));
	}
	json_decref(a);
}

struct show_counters {
	struct mgmt_out *out;
	bool all;
};

static void
show_counter(const struct sl_counter_ref *c, void *arg)
{
	const struct show_counters *s = arg;

	if (c->total != 0 || s->all)
		mgmt_out_printf(s->out, "%s%s%s %-32s %" PRIu64 "\r\n", c->block->module,
				c->instance_name ? " " : "",
				c->instance_name ? c->instance_name : "", c->name, c->total);
}

/* Every registered counter summed over workers: "<module>[ <instance>]
 * <name> <value>", the non-zero ones unless `all`. */
void
mgmt_cli_show_counters(struct mgmt_out *out, bool all)
{
	struct show_counters s = { out, all };

	sl_counters_foreach(NULL, show_counter, &s);
}

static void
show_generation(struct mgmt_out *out)
{
	const char *file = mgmt_config_file();

	mgmt_out_printf(out, "generation %" PRIu64 "\r\netag \"%s\"\r\nfile %s\r\n",
			mgmt_config_generation(), mgmt_config_etag(),
			file != NULL ? file : "(embedded default: changes are not persisted)");
}

static void
show_history(struct mgmt_out *out)
{
	json_t *a = mgmt_history_list(), *h;
	size_t i;

	mgmt_out_printf(out, "%-10s %-20s %s\r\n", "GENERATION", "TIME", "SOURCE");
	json_array_foreach(a, i, h) {
		time_t t = (time_t)num(h, "time");
		struct tm tm;
		char when[32];

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		mgmt_out_printf(out, "%-10" PRId64 " %-20s %s\r\n", num(h, "generation"), when,
				str(h, "source"));
	}
	json_decref(a);
}

static int
cmd_show(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	struct mgmt_error e;
	const char *what = n > 1 ? w[1] : "";
	json_t *v;

	if (strcmp(what, "listeners") == 0)
		show_listeners(out);
	else if (strcmp(what, "pools") == 0)
		show_pools(out);
	else if (strcmp(what, "routes") == 0)
		show_routes(out);
	else if (strcmp(what, "members") == 0)
		show_members(out, n > 2 ? w[2] : NULL);
	else if (strcmp(what, "ports") == 0)
		show_ports(out);
	else if (strcmp(what, "lcores") == 0)
		show_lcores(out);
	else if (strcmp(what, "counters") == 0)
		mgmt_cli_show_counters(out, n > 2 && strcmp(w[2], "all") == 0);
	else if (strcmp(what, "generation") == 0)
		show_generation(out);
	else if (strcmp(what, "history") == 0)
		show_history(out);
	else if (strcmp(what, "config") == 0 || strcmp(what, "settings") == 0) {
		v = mgmt_config_get(strcmp(what, "config") == 0 ? "/config" : "/settings", &e);
		if (v == NULL)
			print_error(out, &e);
		else
			print_json(out, v);
	} else {
		mgmt_out_printf(out, "error: show what? %s\r\n", commands[1].usage);
	}
	return 0;
}

/* ---- reading and changing objects ---- */

static int
cmd_get(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	struct mgmt_error e;
	char path[256];
	json_t *v;

	if (n < 2) {
		mgmt_out_printf(out, "error: usage: get PATH (e.g. get routes/site)\r\n");
		return 0;
	}
	object_path(w[1], path, sizeof(path));
	v = strncmp(path, "/ports/", 7) == 0 ? mgmt_port_get(path + 7, &e) :
		strcmp(path, "/ports") == 0 ? mgmt_view_ports() : mgmt_config_get(path, &e);
	if (v == NULL)
		print_error(out, &e);
	else
		print_json(out, v);
	return 0;
}

static void
change(struct mgmt_console_session *s, enum mgmt_op op, const char *path, const json_t *value,
		const char *line, struct mgmt_out *out)
{
	struct mgmt_txn *t;
	struct mgmt_error e;
	char id[160], source[192];

	if (strncmp(path, "/ports/", 7) == 0) {
		if (op != MGMT_OP_PATCH) {
			mgmt_out_printf(out, "error 405 method_not_allowed: ports are set up at start; "
					"patch or set changes their live settings\r\n");
			return;
		}
		if (mgmt_port_patch(path + 7, value, &e) < 0)
			print_error(out, &e);
		else
			mgmt_out_printf(out, "ok\r\n");
		return;
	}
	t = mgmt_txn_begin(&e);
	snprintf(source, sizeof(source), "console %u: %.160s", mgmt_console_session_id(s), line);
	if (t == NULL || mgmt_txn_op(t, op, path, value, id, sizeof(id), &e) < 0 ||
			mgmt_txn_commit(t, source, &e) < 0) {
		print_error(out, &e);
		mgmt_txn_free(t);
		return;
	}
	mgmt_txn_free(t);
	mgmt_out_printf(out, "ok: generation %" PRIu64 "\r\n", mgmt_config_generation());
}

static json_t *
parse_json(const char *text, struct mgmt_out *out)
{
	json_error_t jerr;
	json_t *v;

	if (text == NULL || *text == '\0') {
		mgmt_out_printf(out, "error: a JSON object is expected after the path\r\n");
		return NULL;
	}
	v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL)
		mgmt_out_printf(out, "error 400 malformed_json: column %d: %s\r\n", jerr.column,
				jerr.text);
	return v;
}

static int
cmd_write(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	const char *verb = w[0];
	enum mgmt_op op = strcmp(verb, "create") == 0 ? MGMT_OP_CREATE :
		strcmp(verb, "replace") == 0 ? MGMT_OP_REPLACE :
		strcmp(verb, "patch") == 0 ? MGMT_OP_PATCH : MGMT_OP_DELETE;
	char path[256], line[512];
	json_t *value = NULL;

	if (n < 2) {
		mgmt_out_printf(out, "error: usage: %s PATH%s\r\n", verb,
				op == MGMT_OP_DELETE ? "" : " JSON");
		return 0;
	}
	object_path(w[1], path, sizeof(path));
	if (op != MGMT_OP_DELETE && (value = parse_json(rest, out)) == NULL)
		return 0;
	snprintf(line, sizeof(line), "%s %s", verb, path);
	change(s, op, path, value, line, out);
	json_decref(value);
	return 0;
}

/* set PATH FIELD VALUE: a patch of one field; VALUE is JSON, or else text. */
static int
cmd_set(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	char path[256], line[512];
	json_t *value, *patch;

	if (n < 3 || rest == NULL || *rest == '\0') {
		mgmt_out_printf(out, "error: usage: set PATH FIELD VALUE (e.g. set routes/site pool "
				"blue)\r\n");
		return 0;
	}
	object_path(w[1], path, sizeof(path));
	value = json_loads(rest, JSON_DECODE_ANY, NULL);
	if (value == NULL)
		value = json_string(rest);
	patch = json_object();
	json_object_set_new(patch, w[2], value);
	snprintf(line, sizeof(line), "set %s %s", path, w[2]);
	change(s, MGMT_OP_PATCH, path, patch, line, out);
	json_decref(patch);
	return 0;
}

static int
cmd_rollback(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	struct mgmt_error e;
	char source[64], *end;
	unsigned long long g;

	if (n != 2 || (g = strtoull(w[1], &end, 10)) == 0 || *end != '\0') {
		mgmt_out_printf(out, "error: usage: rollback GENERATION (see show history)\r\n");
		return 0;
	}
	snprintf(source, sizeof(source), "console %u: rollback to %llu",
			mgmt_console_session_id(s), g);
	if (mgmt_rollback(g, source, &e) < 0)
		print_error(out, &e);
	else
		mgmt_out_printf(out, "ok: generation %" PRIu64 "\r\n", mgmt_config_generation());
	return 0;
}

static int
cmd_transaction(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	struct mgmt_error e;
	json_t *body, *applied;
	char source[64];

	/* The whole line after the command is the body. */
	if ((body = parse_json(rest, out)) == NULL)
		return 0;
	snprintf(source, sizeof(source), "console %u: transaction", mgmt_console_session_id(s));
	applied = mgmt_txn_run(body, source, &e);
	json_decref(body);
	if (applied == NULL) {
		print_error(out, &e);
		return 0;
	}
	json_decref(applied);
	mgmt_out_printf(out, "ok: generation %" PRIu64 "\r\n", mgmt_config_generation());
	return 0;
}

static int
cmd_auth(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	if (n != 2) {
		mgmt_out_printf(out, "error: usage: auth TOKEN\r\n");
		return 0;
	}
	if (!mgmt_token_ok(w[1], false)) {
		mgmt_console_session_set_authorized(s, false);
		mgmt_out_printf(out, "error 403 forbidden: the token does not match\r\n");
		return 0;
	}
	mgmt_console_session_set_authorized(s, true);
	mgmt_out_printf(out, "ok: authorized\r\n");
	return 0;
}

static int
cmd_log(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	int rc;

	if (n != 2 || strcmp(w[1], "reopen") != 0) {
		mgmt_out_printf(out, "error: usage: log reopen\r\n");
		return 0;
	}
	rc = mgmt_log_reopen();
	if (rc == -ENOENT)
		mgmt_out_printf(out, "error 409 access_log_off: no access log is configured\r\n");
	else if (rc < 0)
		mgmt_out_printf(out, "error 500 reopen_failed: %s\r\n", strerror(-rc));
	else
		mgmt_out_printf(out, "ok: %s reopened\r\n", sl_mgmt_conf.access_log);
	return 0;
}

/* acl | acl deny PREFIX [TTL_S [REASON]] | acl remove PREFIX */
static int
cmd_acl(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	struct mgmt_error e;
	char id[32], *end;
	long long ttl = 0;

	if (n == 1) {
		json_t *v = mgmt_acl_deny_list(&e);

		if (v == NULL)
			print_error(out, &e);
		else
			print_json(out, v);
		return 0;
	}
	/* listing reads; deny and remove change, as `change` commands do */
	if (!mgmt_console_session_authorized(s) && mgmt_token_set()) {
		mgmt_out_printf(out, "error 401 unauthorized: 'acl %s' needs the API token: "
				"auth TOKEN\r\n", w[1]);
		return 0;
	}
	if (n >= 3 && strcmp(w[1], "deny") == 0) {
		if (n == 4) {
			errno = 0;
			ttl = strtoll(w[3], &end, 10);
			if (errno != 0 || *end != '\0' || end == w[3]) {
				mgmt_out_printf(out, "error: TTL_S is a number of seconds, "
						"0 until removed\r\n");
				return 0;
			}
		}
		if (mgmt_acl_deny_add(w[2], ttl, rest, id, sizeof(id), &e) < 0)
			print_error(out, &e);
		else
			mgmt_out_printf(out, "ok: %s denied\r\n", id);
		return 0;
	}
	if (n == 3 && strcmp(w[1], "remove") == 0) {
		if (mgmt_acl_deny_remove(w[2], &e) < 0)
			print_error(out, &e);
		else
			mgmt_out_printf(out, "ok: %s removed\r\n", w[2]);
		return 0;
	}
	mgmt_out_printf(out, "error: usage: acl | acl deny PREFIX [TTL_S [REASON]] | "
			"acl remove PREFIX\r\n");
	return 0;
}

static int
cmd_quit(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	mgmt_out_printf(out, "bye\r\n");
	return MGMT_CONSOLE_QUIT;
}

static int cmd_help(struct mgmt_console_session *s, char **w, unsigned int n,
		const char *rest, struct mgmt_out *out);

static const struct cli_cmd commands[] = {
	{ "help", "help [COMMAND]", "list the commands, or explain one", false, cmd_help },
	{ "show", "show listeners|pools|members [POOL]|routes|ports|lcores|counters [all]|"
	  "generation|history|config|settings",
	  "tables of the configuration with live counters, member health and latency", false,
	  cmd_show },
	{ "get", "get PATH", "one object, or a collection, as JSON: get routes/site, "
	  "get pools/sample/members", false, cmd_get },
	{ "create", "create COLLECTION JSON", "add an object: create routes {\"name\": \"a\", "
	  "\"path\": \"/a\", \"pool\": \"sample\"}", true, cmd_write },
	{ "replace", "replace PATH JSON", "replace an object (fields left out take their "
	  "defaults)", true, cmd_write },
	{ "patch", "patch PATH JSON", "change some fields of an object (null: back to the "
	  "default)", true, cmd_write },
	{ "set", "set PATH FIELD VALUE", "change one field: set pools/sample algorithm rr",
	  true, cmd_set },
	{ "delete", "delete PATH", "remove an object: delete pools/sample/members/"
	  "198.19.0.4:80", true, cmd_write },
	{ "transaction", "transaction {\"operations\": [{\"op\": ..., \"path\": ..., "
	  "\"value\": ...}]}", "several changes applied together, or none", true,
	  cmd_transaction },
	{ "rollback", "rollback GENERATION", "apply an earlier generation again (as a new one)",
	  true, cmd_rollback },
	{ "log", "log reopen", "reopen the access log (after moving it away), as SIGHUP",
	  true, cmd_log },
	{ "acl", "acl | acl deny PREFIX [TTL_S [REASON]] | acl remove PREFIX",
	  "the dynamic deny list: show it, deny a source for TTL_S seconds (0: until "
	  "removed), remove an entry (deny and remove need auth)", false, cmd_acl },
	{ "auth", "auth TOKEN", "present the API token (needed for changes when one is set)",
	  false, cmd_auth },
	{ "quit", "quit", "close this session (also: exit, Ctrl-D)", false, cmd_quit },
	{ "exit", "exit", "close this session", false, cmd_quit },
	{ NULL, NULL, NULL, false, NULL },
};

static int
cmd_help(struct mgmt_console_session *s, char **w, unsigned int n, const char *rest,
		struct mgmt_out *out)
{
	const struct cli_cmd *c;

	for (c = commands; c->name != NULL; c++) {
		if (n > 1 && strcmp(w[1], c->name) != 0)
			continue;
		mgmt_out_printf(out, "  %s\r\n      %s%s\r\n", c->usage, c->help,
				c->change && mgmt_token_set() ? " (needs auth)" : "");
		if (n > 1)
			return 0;
	}
	if (n > 1)
		mgmt_out_printf(out, "error: no command '%s'; 'help' lists them\r\n", w[1]);
	else
		mgmt_out_printf(out, "Paths are those of the REST API without /api/v1: config, "
				"settings, listeners/NAME,\r\npools/NAME, pools/NAME/members/ADDRESS:PORT, "
				"routes/NAME.\r\n");
	return 0;
}

/* Split up to WORDS_MAX words; *rest is what follows the last one taken
 * by the command (the JSON body). */
static unsigned int
split(char *line, char **w, const char **rest_after, unsigned int keep)
{
	unsigned int n = 0;
	char *p = line;

	while (n < WORDS_MAX) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		w[n++] = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (n == keep) {
			if (*p != '\0')
				*p++ = '\0';
			while (isspace((unsigned char)*p))
				p++;
			*rest_after = p;
			return n;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
	*rest_after = p;
	return n;
}

/* Words before the body: "create PATH {..}", "set PATH FIELD VALUE". */
static unsigned int
words_before_body(const char *line)
{
	size_t cmd = strcspn(line, " \t");

	if (cmd == 3 && strncmp(line, "set", cmd) == 0)
		return 3;
	if (cmd == 11 && strncmp(line, "transaction", cmd) == 0)
		return 1;
	if (cmd == 3 && strncmp(line, "acl", cmd) == 0)
		return 4; /* acl deny PREFIX TTL_S, then the reason */
	if ((cmd == 6 && strncmp(line, "create", cmd) == 0) ||
			(cmd == 7 && strncmp(line, "replace", cmd) == 0) ||
			(cmd == 5 && strncmp(line, "patch", cmd) == 0))
		return 2;
	return WORDS_MAX;
}

int
mgmt_cli_exec(struct mgmt_console_session *s, const char *line, struct mgmt_out *out)
{
	char buf[MGMT_CONSOLE_LINE_MAX + 1], *w[WORDS_MAX];
	const struct cli_cmd *c;
	const char *rest = NULL;
	unsigned int n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = split(buf, w, &rest, words_before_body(line));
	if (n == 0)
		return 0;
	if (rest != NULL && *rest == '\0')
		rest = NULL;
	for (c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, w[0]) != 0)
			continue;
		if ((c->change || (sl_mgmt_conf.read_needs_token && c->run != cmd_auth &&
				c->run != cmd_quit && c->run != cmd_help)) &&
				!mgmt_console_session_authorized(s) && mgmt_token_set()) {
			mgmt_out_printf(out, "error 401 unauthorized: '%s' needs the API token: "
					"auth TOKEN\r\n", c->name);
			return 0;
		}
		return c->run(s, w, n, rest, out);
	}
	mgmt_out_printf(out, "error: unknown command '%s'; 'help' lists the commands\r\n", w[0]);
	return 0;
}
