/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/out: a small growable text buffer, the output side of the REST and
 * console transports (handlers and commands print into it).
 *
 * Callers: management lcore only. Each buffer is owned by whoever embeds it.
 * On allocation failure the buffer sets oom and drops further output rather
 * than failing the caller: a truncated answer is reported, never a crash.
 */
#ifndef MGMT_OUT_H
#define MGMT_OUT_H

#include <stdbool.h>
#include <stddef.h>

struct mgmt_out {
	char *buf; /* NUL-terminated when non-NULL */
	size_t len, cap;
	bool oom;
};

void mgmt_out_printf(struct mgmt_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mgmt_out_write(struct mgmt_out *o, const void *data, size_t len);
/* len = 0 and oom cleared; keeps the memory. */
void mgmt_out_reset(struct mgmt_out *o);
void mgmt_out_free(struct mgmt_out *o);
/* Hand the buffer over (caller frees with free()); o is empty afterwards. */
char *mgmt_out_take(struct mgmt_out *o, size_t *len);

#endif /* MGMT_OUT_H */
