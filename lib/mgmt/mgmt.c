/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt: the `mgmt` section, life cycle, the loop's poll, the API token. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "mgmt_log.h"
#include "mgmt_priv.h"
#include "sl_counters.h"
#include "sl_proxy.h"

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

static int
load_token(void)
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

/* Telemetry thread: the generation and the registry's mgmt counters. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "generation", sl_proxy_generation());
	sl_counters_tel_module(d, "mgmt");
	return 0;
}

int
sl_mgmt_init(void)
{
	const struct sl_mgmt_conf *c = &sl_mgmt_conf;
	int rc = load_token();

	if (rc == 0)
		rc = mgmt_config_init();
	if (rc == 0)
		rc = mgmt_log_init();
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/sluice/mgmt/stats", tel_stats,
				"Management plane: generation, REST and console counters");
	if (rc < 0)
		return rc;
	if (mgmt_config_file() == NULL)
		MGMT_LOG(WARNING, "running the embedded configuration: changes are not persisted "
				  "(start with -c FILE to keep them)");
	if (c->http_port != 0) {
		rc = mgmt_http_start(c->address, (uint16_t)c->http_port, (size_t)c->max_body_bytes,
			(unsigned int)c->max_conns, 60, mgmt_rest_handle);
		if (rc < 0) {
			MGMT_LOG(ERR, "REST API on port %" PRId64 ": %s", c->http_port,
				strerror(-rc));
			return rc;
		}
	}
	if (c->console_port != 0) {
		rc = mgmt_console_start(c->address, (uint16_t)c->console_port,
			(unsigned int)c->console_sessions, (unsigned int)c->console_idle_timeout_s,
			"Sluice console. 'help' lists the commands.\r\n", "sluice> ",
			mgmt_cli_exec);
		if (rc < 0) {
			MGMT_LOG(ERR, "console on port %" PRId64 ": %s", c->console_port,
				strerror(-rc));
			mgmt_http_stop();
			return rc;
		}
	}
	MGMT_LOG(INFO, "REST API on port %u, console on port %u%s", mgmt_http_port(),
		mgmt_console_port(), mgmt_token_set() ? ", token required for changes" : "");
	return 0;
}

void
sl_mgmt_term(void)
{
	mgmt_console_stop();
	mgmt_http_stop();
	mgmt_log_term();
	mgmt_config_term();
}

int
sl_mgmt_poll(void)
{
	int work = mgmt_http_poll();

	work += mgmt_console_poll();
	work += mgmt_log_poll();
	sl_proxy_mgmt_poll();
	return work;
}

/* The counters are in the registry's report; this is the one state. */
void
sl_mgmt_report(FILE *f)
{
	fprintf(f, "mgmt generation %" PRIu64 "\n", sl_proxy_generation());
}
