/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt: the management plane (docs/rest-api.md, docs/console.md). A REST API over
 * HTTP/JSON and a telnet console on the management address, both served
 * from the management lcore's loop without threads; Prometheus metrics;
 * the configuration as objects (listeners, pools, members, routes,
 * settings) that are changed in transactions, validated in full, published
 * to the workers as a new generation, persisted atomically to the
 * configuration file, and kept in a history for rollback.
 *
 * Callers: the management lcore only. Owns: the servers and their
 * sessions, the change history, the API token, the persisted file.
 */
#ifndef SL_MGMT_H
#define SL_MGMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_conf.h"

struct sl_mgmt_conf {
	uint32_t address;     /* network order */
	int64_t http_port;    /* 0: no REST API */
	int64_t console_port; /* 0: no console */
	char token[128];
	char token_file[256];
	bool read_needs_token;
	int64_t max_body_bytes;
	int64_t max_conns;
	int64_t history;
	int64_t console_sessions;
	int64_t console_idle_timeout_s;
	char access_log[256];        /* "": off; read at start */
	char access_log_format[16];  /* combined | json */
};

extern struct sl_mgmt_conf sl_mgmt_conf;

int sl_mgmt_conf_register(void);
int sl_mgmt_validate(struct sl_conf_error *err);
/* The file changes are persisted to (NULL: the embedded default, changes
 * are live only). Before init. */
void sl_mgmt_set_config_file(const char *path);
/* Load the token, start the servers, record generation 1. */
int sl_mgmt_init(void);
void sl_mgmt_term(void);
/* Management loop: serve what is ready, reclaim retired state. >0 if work
 * was done. Never blocks. */
int sl_mgmt_poll(void);
void sl_mgmt_report(FILE *f);
/* Async-signal-safe (SIGHUP): the loop reopens the access log soon. */
void sl_mgmt_log_reopen_async(void);

#endif /* SL_MGMT_H */
