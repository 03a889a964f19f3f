/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/base: what every file of the management plane uses, and which uses
 * none of them — the `mgmt` configuration section, the API token, the log
 * type and the error model (mgmt_fail). The bottom of the module's files:
 * mgmt.c, mgmt_config.c, mgmt_log.c, mgmt_rest.c and mgmt_cli.c build on
 * it, never the reverse.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include "mgmt_priv.h"

RTE_LOG_REGISTER(sl_mgmt_logtype, sluice.mgmt, INFO);

struct sl_mgmt_conf sl_mgmt_conf;

static char token[128];

static const char *const log_formats[] = { "combined", "json", NULL };

static const struct sl_conf_key mgmt_keys[] = {
	SL_KEY_IPV4(struct sl_mgmt_conf, address, 0, "127.0.0.1",
		"address of the REST API and the console (kernel stack)"),
	SL_KEY_INT(struct sl_mgmt_conf, http_port, 0, 65535, 9180, "REST API port; 0: off"),
	SL_KEY_INT(struct sl_mgmt_conf, console_port, 0, 65535, 9123, "console port; 0: off"),
	SL_KEY_STR(struct sl_mgmt_conf, token, 0, "",
		"API token required for changes; \"\": changes need none"),
	SL_KEY_STR(struct sl_mgmt_conf, token_file, 0, "",
		"file holding the API token (first line); overrides token"),
	SL_KEY_BOOL(struct sl_mgmt_conf, read_needs_token, false,
		"reads (GET, show) need the token too"),
	SL_KEY_INT(struct sl_mgmt_conf, max_body_bytes, 1024, 64 << 20, 4 << 20,
		"largest request body (413)"),
	SL_KEY_INT(struct sl_mgmt_conf, max_conns, 1, 1024, 64, "REST connections at once"),
	SL_KEY_INT(struct sl_mgmt_conf, history, 1, 1000, 32, "generations kept for rollback"),
	SL_KEY_INT(struct sl_mgmt_conf, console_sessions, 1, 256, 16, "console sessions at once"),
	SL_KEY_INT(struct sl_mgmt_conf, console_idle_timeout_s, 1, 86400, 900,
		"an idle console session is closed after this"),
	SL_KEY_STR(struct sl_mgmt_conf, access_log, 0, "",
		"access log file, one line per exchange; \"\": off (read at start; "
		"SIGHUP or 'log reopen' reopens it)"),
	SL_KEY_CHOICE(struct sl_mgmt_conf, access_log_format, 0, "combined", log_formats,
		"access log lines: combined or json"),
	SL_KEY_END,
};

int
sl_mgmt_conf_register(void)
{
	return sl_conf_register("mgmt", mgmt_keys, &sl_mgmt_conf, sizeof(sl_mgmt_conf));
}

int
sl_mgmt_validate(struct sl_conf_error *err)
{
	const struct sl_mgmt_conf *c = &sl_mgmt_conf;

	if (c->http_port != 0 && c->http_port == c->console_port)
		return sl_conf_error_at(err, "mgmt.console_port",
			"%" PRId64 " is also the "
			"REST API port",
			c->console_port);
	if (c->token_file[0] != '\0') {
		FILE *f = fopen(c->token_file, "r");

		if (f == NULL)
			return sl_conf_error_at(
				err, "mgmt.token_file", "%s: %s", c->token_file, strerror(errno));
		fclose(f);
	}
	return 0;
}

int
mgmt_token_load(void)
{
	FILE *f;
	size_t n;

	snprintf(token, sizeof(token), "%s", sl_mgmt_conf.token);
	if (sl_mgmt_conf.token_file[0] == '\0')
		return 0;
	f = fopen(sl_mgmt_conf.token_file, "r");
	if (f == NULL || fgets(token, sizeof(token), f) == NULL) {
		MGMT_LOG(ERR, "token_file %s: %s", sl_mgmt_conf.token_file,
			f == NULL ? strerror(errno) : "empty");
		if (f != NULL)
			fclose(f);
		return -EINVAL;
	}
	fclose(f);
	n = strcspn(token, "\r\n");
	token[n] = '\0';
	if (n == 0) {
		MGMT_LOG(ERR, "token_file %s: the first line is empty", sl_mgmt_conf.token_file);
		return -EINVAL;
	}
	return 0;
}

bool
mgmt_token_set(void)
{
	return token[0] != '\0';
}

/* Length-independent comparison, so that timing does not reveal a prefix. */
static bool
same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la; i++)
		diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return diff == 0;
}

bool
mgmt_token_ok(const char *credential, bool bearer)
{
	if (!mgmt_token_set())
		return true;
	if (credential == NULL)
		return false;
	if (bearer) {
		if (strncasecmp(credential, "Bearer ", 7) != 0)
			return false;
		credential += 7;
	}
	return same_secret(credential, token);
}

int
mgmt_fail(struct mgmt_error *e, unsigned int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->code = code;
	e->path[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

json_t *
mgmt_error_json(const struct mgmt_error *e)
{
	json_t *o = json_pack(
		"{s:i,s:s,s:s}", "status", (int)e->status, "code", e->code, "message", e->message);

	if (o != NULL && e->path[0] != '\0')
		json_object_set_new(o, "field", json_string(e->path));
	return json_pack("{s:o*}", "error", o);
}
