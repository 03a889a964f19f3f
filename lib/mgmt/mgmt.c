/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt: life cycle, the management loop's poll, telemetry and the report. */
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
	int rc = mgmt_token_load();

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
	work += mgmt_acl_poll();
	sl_proxy_mgmt_poll();
	return work;
}

/* The counters are in the registry's report; this is the one state. */
void
sl_mgmt_report(FILE *f)
{
	fprintf(f, "mgmt generation %" PRIu64 "\n", sl_proxy_generation());
}
