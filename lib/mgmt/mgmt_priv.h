/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt: private interfaces between the management plane's files. */
#ifndef MGMT_PRIV_H
#define MGMT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_log.h>

#include "mgmt_console.h"
#include "mgmt_http.h"
#include "mgmt_out.h"
#include "sl_core.h"
#include "sl_mgmt.h"

/* ---- mgmt_base.c: the bottom of the module, used by every other file ---- */

extern int sl_mgmt_logtype;
#define MGMT_LOG(level, fmt, ...) SL_LOG(sl_mgmt_logtype, level, fmt, ##__VA_ARGS__)

/* Why a management request was refused: an HTTP status, a stable code
 * and a message naming what is wrong. */
struct mgmt_error {
	unsigned int status;
	const char *code;
	char message[384];
	char path[160]; /* the offending field, "" if none */
};

int mgmt_fail(struct mgmt_error *e, unsigned int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* {"error": {...}} */
json_t *mgmt_error_json(const struct mgmt_error *e);

/* Read the API token (mgmt.token, or the first line of mgmt.token_file). */
int mgmt_token_load(void);
/* Is this credential ("Bearer TOKEN" for REST, TOKEN for the console)
 * the API token? True when no token is configured. */
bool mgmt_token_ok(const char *credential, bool bearer);
bool mgmt_token_set(void);

/* ---- mgmt_acl.c: the ACL's dynamic deny list ---- */

/* [{"prefix", "ttl_s", "expires_in_s"?, "reason"}], oldest first. */
json_t *mgmt_acl_deny_list(struct mgmt_error *e);
/* One entry, or NULL with e (400, 404). */
json_t *mgmt_acl_deny_get(const char *prefix, struct mgmt_error *e);
/* Add (or renew) prefix for ttl_s seconds (0: until removed); *id gets the
 * prefix as the list names it. 0, or -1 with e. */
int mgmt_acl_deny_add(const char *prefix, int64_t ttl_s, const char *reason, char *id,
	size_t id_size, struct mgmt_error *e);
int mgmt_acl_deny_remove(const char *prefix, struct mgmt_error *e);
/* Expire entries (every 100 ms); returns how many went. */
int mgmt_acl_poll(void);

/* ---- mgmt_config.c: the configuration as objects ---- */

enum mgmt_op {
	MGMT_OP_CREATE, /* path is a collection */
	MGMT_OP_REPLACE,
	MGMT_OP_PATCH,
	MGMT_OP_DELETE,
};

/*
 * Object paths, shared by the REST API (/api/v1<path>), the console and
 * transactions: /config, /settings, /listeners[/NAME], /pools[/NAME],
 * /pools/NAME/members[/ADDRESS:PORT], /routes[/NAME].
 */

/* A candidate configuration: a copy of the applied one, edited by
 * operations, then committed (validated, persisted, published) or
 * dropped. At most one exists at a time. */
struct mgmt_txn;

struct mgmt_txn *mgmt_txn_begin(struct mgmt_error *e);
/* Apply one operation to the candidate; value is the JSON body (NULL for
 * DELETE). On error the candidate is unchanged. *id receives the id of
 * the object created or changed (for Location). */
int mgmt_txn_op(struct mgmt_txn *t, enum mgmt_op op, const char *path, const json_t *value,
	char *id, size_t id_size, struct mgmt_error *e);
/* Validate in full, persist, publish, record in the history. `source`
 * says who changed what (history). 0, or -1 with e (nothing changed). */
int mgmt_txn_commit(struct mgmt_txn *t, const char *source, struct mgmt_error *e);
void mgmt_txn_free(struct mgmt_txn *t);
/* A transaction body {"operations": [{"op", "path", "value"}, ...]} run as
 * one transaction: the operations applied, or NULL with e. */
json_t *mgmt_txn_run(const json_t *body, const char *source, struct mgmt_error *e);

/* The object at path in the applied configuration (new reference), or
 * NULL with e (404). */
json_t *mgmt_config_get(const char *path, struct mgmt_error *e);
/* "bootid-generation": changes with every applied generation. */
const char *mgmt_config_etag(void);
uint64_t mgmt_config_generation(void);
/* The history, newest first: [{generation, time, source}], and one entry's
 * configuration. */
json_t *mgmt_history_list(void);
json_t *mgmt_history_get(uint64_t generation, struct mgmt_error *e);
/* Apply the configuration of an earlier generation as a new one. */
int mgmt_rollback(uint64_t generation, const char *source, struct mgmt_error *e);
/* Write the applied state (every section) to the file, if there is one. */
int mgmt_config_persist(struct mgmt_error *e);
/* The persisted file, NULL if none. */
const char *mgmt_config_file(void);

int mgmt_config_init(void);
void mgmt_config_term(void);

/* ---- mgmt_ports.c: ports are read-only but for what they take live ---- */

json_t *mgmt_port_get(const char *name, struct mgmt_error *e);
/* Patch a port's live settings (reorder_pct, rx_drop_pct) and persist. */
int mgmt_port_patch(const char *name, const json_t *value, struct mgmt_error *e);

/* ---- mgmt_rest.c, mgmt_cli.c, mgmt_metrics.c ---- */

void mgmt_rest_handle(const struct mgmt_request *rq, struct mgmt_response *rs);
int mgmt_cli_exec(struct mgmt_console_session *s, const char *line, struct mgmt_out *out);
/* `show counters [all]`: the counter registry, summed over workers. */
void mgmt_cli_show_counters(struct mgmt_out *out, bool all);
/* Prometheus text exposition of every counter. */
void mgmt_metrics_render(struct mgmt_out *out);
/* ... of the counter registry's blocks alone. */
void mgmt_metrics_render_counters(struct mgmt_out *out);

#endif /* MGMT_PRIV_H */
