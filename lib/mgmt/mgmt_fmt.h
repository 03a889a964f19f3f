/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/fmt: text formats with no state — Prometheus escaping and access
 * log lines — kept apart so that unit tests reach them without EAL.
 *
 * Callers: management lcore (any thread: pure functions).
 */
#ifndef MGMT_FMT_H
#define MGMT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sl_proxy.h"

/* A label value with \, " and newline escaped, into dst (NUL-terminated,
 * truncated to size, never inside an escape). Returns the length. */
size_t mgmt_fmt_prom_label(char *dst, size_t size, const char *src);
/* HELP text: \ and newline escaped (quotes stay). */
size_t mgmt_fmt_prom_help(char *dst, size_t size, const char *src);

enum mgmt_log_format {
	MGMT_LOG_COMBINED,
	MGMT_LOG_JSON,
};

/* Parse "combined" or "json"; -EINVAL otherwise. */
int mgmt_fmt_log_format(const char *name, enum mgmt_log_format *f);

/*
 * One access log line, '\n'-terminated, for record r that ended at wall
 * clock time sec + usec (UTC). Bytes of the target and host that could
 * break the line (quotes, backslashes, control and non-ASCII bytes) are
 * escaped. Returns the length, or 0 if the line does not fit in size.
 */
size_t mgmt_fmt_access(char *buf, size_t size, const struct sl_proxy_log_record *r,
		enum mgmt_log_format f, time_t sec, uint32_t usec);

#endif /* MGMT_FMT_H */
