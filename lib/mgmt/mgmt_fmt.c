/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt/fmt: Prometheus escaping and access log lines (pure functions). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mgmt_fmt.h"

/* Escape src into dst: \ and newline always, " for label values. */
static size_t
prom_escape(char *dst, size_t size, const char *src, bool quote)
{
	size_t n = 0;

	if (size == 0)
		return 0;
	for (; *src != '\0'; src++) {
		const char *esc = *src == '\\' ? "\\\\" : *src == '\n' ? "\\n" :
				quote && *src == '"' ? "\\\"" : NULL;
		size_t len = esc != NULL ? 2 : 1;

		if (n + len >= size)
			break;
		if (esc != NULL)
			memcpy(dst + n, esc, 2);
		else
			dst[n] = *src;
		n += len;
	}
	dst[n] = '\0';
	return n;
}

size_t
mgmt_fmt_prom_label(char *dst, size_t size, const char *src)
{
	return prom_escape(dst, size, src, true);
}

size_t
mgmt_fmt_prom_help(char *dst, size_t size, const char *src)
{
	return prom_escape(dst, size, src, false);
}

int
mgmt_fmt_log_format(const char *name, enum mgmt_log_format *f)
{
	if (strcmp(name, "combined") == 0)
		*f = MGMT_LOG_COMBINED;
	else if (strcmp(name, "json") == 0)
		*f = MGMT_LOG_JSON;
	else
		return -EINVAL;
	return 0;
}

/* ---- access log lines ---- */

/* A line being written; overflow once something did not fit. */
struct line {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void
put(struct line *l, const char *s, size_t n)
{
	if (l->overflow || l->len + n >= l->size) {
		l->overflow = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void __attribute__((format(printf, 2, 3)))
putf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->size - l->len)
		l->overflow = true;
	else
		l->len += (size_t)n;
}

/* Bytes from the client: quotes and backslashes escaped, control and
 * non-ASCII bytes as \xHH (combined) or \u00HH (JSON). */
static void
put_escaped(struct line *l, const char *s, size_t n, bool json)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[6];

		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(l, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			if (json) {
				memcpy(e, "\\u00", 4);
				e[4] = hex[c >> 4];
				e[5] = hex[c & 0xf];
				put(l, e, 6);
			} else {
				e[0] = '\\';
				e[1] = 'x';
				e[2] = hex[c >> 4];
				e[3] = hex[c & 0xf];
				put(l, e, 4);
			}
		} else {
			put(l, s + i, 1);
		}
	}
}

static void
put_ipv4(struct line *l, uint32_t addr)
{
	const uint8_t *b = (const uint8_t *)&addr; /* network order */

	putf(l, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* As the proxy wrote it in X-Request-Id. */
static void
put_request_id(struct line *l, const uint64_t id[2])
{
	static const char hex[] = "0123456789abcdef";
	char s[32];
	unsigned int i;

	for (i = 0; i < 32; i++)
		s[i] = hex[(id[i / 16] >> ((i % 16) * 4)) & 0xf];
	put(l, s, sizeof(s));
}

static void
put_seconds(struct line *l, uint64_t us)
{
	putf(l, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
}

static void
combined(struct line *l, const struct sl_proxy_log_record *r, const struct tm *tm)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };

	put_ipv4(l, r->client_addr);
	putf(l, " - - [%02d/%s/%04d:%02d:%02d:%02d +0000] \"", tm->tm_mday,
			months[tm->tm_mon % 12], tm->tm_year + 1900, tm->tm_hour, tm->tm_min,
			tm->tm_sec);
	if (r->method_len == 0) {
		put(l, "-", 1);
	} else {
		put_escaped(l, r->method, r->method_len, false);
		put(l, " ", 1);
		put_escaped(l, r->target, r->target_len, false);
		putf(l, " HTTP/1.%u", r->minor);
	}
	putf(l, "\" %u %" PRIu64 " \"-\" \"-\" route=", r->status, r->bytes_out);
	if (r->route[0] == '\0')
		put(l, "-", 1);
	else
		put_escaped(l, r->route, strnlen(r->route, sizeof(r->route)), false);
	put(l, " upstream=", 10);
	if (r->member_addr == 0) {
		put(l, "-", 1);
	} else {
		put_ipv4(l, r->member_addr);
		putf(l, ":%u", r->member_port);
	}
	put(l, " rt=", 4);
	put_seconds(l, r->duration_us);
}

/* "key":"escaped", or "key":null. */
static void
json_str(struct line *l, const char *key, const char *s, size_t n, bool null)
{
	putf(l, ",\"%s\":", key);
	if (null) {
		put(l, "null", 4);
		return;
	}
	put(l, "\"", 1);
	put_escaped(l, s, n, true);
	put(l, "\"", 1);
}

static void
json(struct line *l, const struct sl_proxy_log_record *r, const struct tm *tm, uint32_t usec)
{
	bool head = r->method_len != 0;

	putf(l, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06uZ\",\"client\":\"",
			tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday, tm->tm_hour, tm->tm_min,
			tm->tm_sec, usec);
	put_ipv4(l, r->client_addr);
	putf(l, "\",\"client_port\":%u", r->client_port);
	json_str(l, "method", r->method, r->method_len, !head);
	json_str(l, "target", r->target, r->target_len, !head);
	if (head)
		putf(l, ",\"protocol\":\"HTTP/1.%u\"", r->minor);
	else
		put(l, ",\"protocol\":null", 16);
	json_str(l, "host", r->host, r->host_len, r->host_len == 0);
	putf(l, ",\"status\":%u,\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
			",\"duration\":", r->status, r->bytes_in, r->bytes_out);
	put_seconds(l, r->duration_us);
	json_str(l, "route", r->route, strnlen(r->route, sizeof(r->route)), r->route[0] == '\0');
	put(l, ",\"upstream\":", 12);
	if (r->member_addr == 0) {
		put(l, "null", 4);
	} else {
		put(l, "\"", 1);
		put_ipv4(l, r->member_addr);
		putf(l, ":%u\"", r->member_port);
	}
	put(l, ",\"request_id\":", 14);
	if ((r->request_id[0] | r->request_id[1]) == 0) {
		put(l, "null", 4);
	} else {
		put(l, "\"", 1);
		put_request_id(l, r->request_id);
		put(l, "\"", 1);
	}
	putf(l, ",\"worker\":%u}", r->worker);
}

size_t
mgmt_fmt_access(char *buf, size_t size, const struct sl_proxy_log_record *r,
		enum mgmt_log_format f, time_t sec, uint32_t usec)
{
	struct line l = { buf, size, 0, false };
	struct tm tm;

	if (size == 0 || gmtime_r(&sec, &tm) == NULL)
		return 0;
	if (f == MGMT_LOG_JSON)
		json(&l, r, &tm, usec);
	else
		combined(&l, r, &tm);
	put(&l, "\n", 1);
	if (l.overflow)
		return 0;
	buf[l.len] = '\0';
	return l.len;
}
