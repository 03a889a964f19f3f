/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/out: growable output buffer (see mgmt_out.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt_out.h"

/* Make room for need more bytes plus the NUL; false (and oom) if not possible. */
static bool
reserve(struct mgmt_out *o, size_t need)
{
	size_t cap;
	char *p;

	if (o->oom)
		return false;
	if (need < SIZE_MAX - o->len && o->len + need < o->cap)
		return true;
	if (need >= SIZE_MAX / 2 - o->len) {
		o->oom = true;
		return false;
	}
	cap = o->cap != 0 ? o->cap : 256;
	while (cap <= o->len + need)
		cap *= 2;
	p = realloc(o->buf, cap);
	if (p == NULL) {
		o->oom = true;
		return false;
	}
	o->buf = p;
	o->cap = cap;
	return true;
}

void
mgmt_out_write(struct mgmt_out *o, const void *data, size_t len)
{
	if (!reserve(o, len))
		return;
	if (len != 0)
		memcpy(o->buf + o->len, data, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

void
mgmt_out_printf(struct mgmt_out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	/* one try in the space already there, a second with the exact size */
	if (!reserve(o, 0))
		return;
	room = o->cap - o->len;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->buf[o->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		if (!reserve(o, (size_t)n)) {
			o->buf[o->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
	}
	o->len += (size_t)n;
}

void
mgmt_out_reset(struct mgmt_out *o)
{
	o->len = 0;
	o->oom = false;
	if (o->buf != NULL)
		o->buf[0] = '\0';
}

void
mgmt_out_free(struct mgmt_out *o)
{
	if (o == NULL)
		return;
	free(o->buf);
	o->buf = NULL;
	o->len = 0;
	o->cap = 0;
	o->oom = false;
}

char *
mgmt_out_take(struct mgmt_out *o, size_t *len)
{
	char *b = o->buf;

	if (len != NULL)
		*len = o->len;
	o->buf = NULL;
	o->len = 0;
	o->cap = 0;
	o->oom = false;
	return b;
}
