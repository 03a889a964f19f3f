/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/log: the writer of the access log. Workers queue records
 * (proxy_log.c); the management loop drains them, formats one line each
 * and writes them through stdio: flushed when a round emptied the rings or
 * 100 ms after the last flush, so a line appears promptly when traffic is
 * light and writes stay large when it is heavy.
 *
 * `access_log` is read at start; `log reopen` (SIGHUP, REST, console)
 * opens the same path again for rotation.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "sl_clock.h"
#include "sl_counters.h"
#include "mgmt_fmt.h"
#include "mgmt_log.h"
#include "mgmt_priv.h"

#define LOG_RECORDS 4096     /* per worker ring */
#define LOG_ROUND_MAX 8192   /* records per poll: the loop stays responsive */
#define LOG_FLUSH_MS 100
#define LOG_BUF_BYTES (64u * 1024u)

static FILE *log_file;
static enum mgmt_log_format log_format;
static bool log_dirty;                /* written, not flushed */
static uint64_t last_flush_tsc;
#define LOG_COUNTERS(X) \
	X(lines, 0, "access log lines written") \
	X(errors, SL_CTR_DROP, "access log records lost: formatting or write errors")

static struct {
	LOG_COUNTERS(SL_COUNTER_FIELD)
} stats;

SL_COUNTERS_DEFINE(access_log_counters, LOG_COUNTERS, .module = "mgmt",
		.prefix = "access_log_", .global = &stats);
static volatile sig_atomic_t reopen_asked;

static int
open_log(void)
{
	FILE *f = fopen(sl_mgmt_conf.access_log, "a");

	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IOFBF, LOG_BUF_BYTES);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	return 0;
}

int
mgmt_log_init(void)
{
	int rc;

	if (sl_mgmt_conf.access_log[0] == '\0')
		return 0;
	if (mgmt_fmt_log_format(sl_mgmt_conf.access_log_format, &log_format) < 0)
		return -EINVAL;
	rc = open_log();
	if (rc < 0) {
		MGMT_LOG(ERR, "access_log %s: %s", sl_mgmt_conf.access_log, strerror(-rc));
		return rc;
	}
	rc = sl_proxy_log_enable(LOG_RECORDS);
	if (rc < 0) {
		MGMT_LOG(ERR, "access log rings: %s", strerror(-rc));
		fclose(log_file);
		log_file = NULL;
		return rc;
	}
	last_flush_tsc = rte_get_tsc_cycles();
	MGMT_LOG(INFO, "access log %s (%s)", sl_mgmt_conf.access_log,
			sl_mgmt_conf.access_log_format);
	return 0;
}

static void
write_record(void *arg, const struct sl_proxy_log_record *r)
{
	char line[4096];
	uint64_t ns = sl_clock_wall_ns(r->tsc);
	size_t n = mgmt_fmt_access(line, sizeof(line), r, log_format,
			(time_t)(ns / 1000000000u), (uint32_t)(ns % 1000000000u / 1000u));

	RTE_SET_USED(arg);
	if (n == 0 || fwrite(line, 1, n, log_file) != n) {
		stats.errors++;
		return;
	}
	stats.lines++;
	log_dirty = true;
}

static void
flush_log(uint64_t now)
{
	if (log_dirty && fflush(log_file) != 0)
		stats.errors++;
	log_dirty = false;
	last_flush_tsc = now;
}

int
mgmt_log_poll(void)
{
	unsigned int n;
	uint64_t now;

	if (log_file == NULL)
		return 0;
	if (reopen_asked) {
		reopen_asked = 0;
		mgmt_log_reopen();
	}
	n = sl_proxy_log_drain(write_record, NULL, LOG_ROUND_MAX);
	now = rte_get_tsc_cycles();
	if (log_dirty && (n < LOG_ROUND_MAX ||
			now - last_flush_tsc >= sl_clock_from_ms(LOG_FLUSH_MS)))
		flush_log(now);
	return n > 0;
}

int
mgmt_log_reopen(void)
{
	int rc;

	if (log_file == NULL)
		return -ENOENT;
	flush_log(rte_get_tsc_cycles());
	rc = open_log();
	if (rc < 0)
		MGMT_LOG(ERR, "access log reopen %s: %s (still writing the old file)",
				sl_mgmt_conf.access_log, strerror(-rc));
	else
		MGMT_LOG(INFO, "access log %s reopened", sl_mgmt_conf.access_log);
	return rc;
}

void
sl_mgmt_log_reopen_async(void)
{
	reopen_asked = 1;
}

void
mgmt_log_term(void)
{
	if (log_file == NULL)
		return;
	/* The workers have stopped: what they queued is written. */
	while (sl_proxy_log_drain(write_record, NULL, LOG_ROUND_MAX) > 0)
		;
	flush_log(rte_get_tsc_cycles());
	fclose(log_file);
	log_file = NULL;
}
