/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x writer: see sl_http.h. Bounded appends only (memcpy into a
 * buffer whose size is checked first); numbers are formatted by hand.
 * Everything written is validated against the grammar the parser enforces,
 * so that what Sluice sends would pass its own parser: no text can end a
 * line or inject a field.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "http_scan.h"
#include "sl_http.h"

static int
w_put(struct sl_http_wbuf *w, const void *s, size_t n)
{
	if (w->overflow || n > (size_t)(w->size - w->len)) {
		w->overflow = true;
		return -ENOSPC;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += (uint32_t)n;
	return 0;
}

/* Decimal (base 10) or hex (base 16, lower case) into tmp; returns length. */
static uint32_t
fmt_u64(char tmp[24], uint64_t v, unsigned int base)
{
	static const char digits[] = "0123456789abcdef";
	char rev[24];
	uint32_t n = 0, k;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	for (k = 0; k < n; k++)
		tmp[k] = rev[n - 1 - k];
	return n;
}

static int
is_token(const char *s, size_t n)
{
	return n != 0 && n <= UINT32_MAX &&
		http_scan_tchar((const uint8_t *)s, (uint32_t)n) == n;
}

static int
values_ok(const char *s, size_t n)
{
	return n <= UINT32_MAX && http_scan_value((const uint8_t *)s, (uint32_t)n) == n;
}

const char *
sl_http_reason(uint16_t status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 103:
		return "Early Hints";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 203:
		return "Non-Authoritative Information";
	case 204:
		return "No Content";
	case 205:
		return "Reset Content";
	case 206:
		return "Partial Content";
	case 300:
		return "Multiple Choices";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 417:
		return "Expectation Failed";
	case 421:
		return "Misdirected Request";
	case 426:
		return "Upgrade Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "";
	}
}

int
sl_http_w_request_line(struct sl_http_wbuf *w, const char *method, size_t mlen, const char *target,
	size_t tlen, uint8_t minor)
{
	if (tlen == 0)
		return -EINVAL;
	return sl_http_w_request_line_origin(w, method, mlen, target, tlen, NULL, 0, false, minor);
}

int
sl_http_w_request_line_origin(struct sl_http_wbuf *w, const char *method, size_t mlen,
	const char *path, size_t plen, const char *query, size_t qlen, bool has_query,
	uint8_t minor)
{
	char ver[] = "HTTP/1.1\r\n";
	int rc;

	if (plen == 0) {
		path = "/";
		plen = 1;
	}
	if (!is_token(method, mlen) ||
		http_scan_target((const uint8_t *)path, (uint32_t)plen) != plen ||
		(has_query && http_scan_target((const uint8_t *)query, (uint32_t)qlen) != qlen) ||
		minor > 1)
		return -EINVAL;
	ver[7] = (char)('0' + minor);
	if ((rc = w_put(w, method, mlen)) != 0 || (rc = w_put(w, " ", 1)) != 0 ||
		(rc = w_put(w, path, plen)) != 0 ||
		(has_query && ((rc = w_put(w, "?", 1)) != 0 || (rc = w_put(w, query, qlen)) != 0)) ||
		(rc = w_put(w, " ", 1)) != 0 || (rc = w_put(w, ver, sizeof(ver) - 1)) != 0)
		return rc;
	return 0;
}

int
sl_http_w_status_line(
	struct sl_http_wbuf *w, uint16_t status, const char *reason, size_t rlen, uint8_t minor)
{
	char line[] = "HTTP/1.1 000 ";
	int rc;

	if (status < 100 || status > 999 || minor > 1)
		return -EINVAL;
	if (reason == NULL) {
		reason = sl_http_reason(status);
		rlen = strlen(reason);
	}
	if (!values_ok(reason, rlen))
		return -EINVAL;
	line[7] = (char)('0' + minor);
	line[9] = (char)('0' + status / 100);
	line[10] = (char)('0' + status / 10 % 10);
	line[11] = (char)('0' + status % 10);
	if ((rc = w_put(w, line, sizeof(line) - 1)) != 0 || (rc = w_put(w, reason, rlen)) != 0 ||
		(rc = w_put(w, "\r\n", 2)) != 0)
		return rc;
	return 0;
}

int
sl_http_w_field(
	struct sl_http_wbuf *w, const char *name, size_t nlen, const char *value, size_t vlen)
{
	int rc;

	/* no leading/trailing whitespace either: it would not round-trip */
	if (!is_token(name, nlen) || !values_ok(value, vlen) ||
		(vlen != 0 && (value[0] == ' ' || value[0] == '\t' || value[vlen - 1] == ' ' ||
				      value[vlen - 1] == '\t')))
		return -EINVAL;
	if ((rc = w_put(w, name, nlen)) != 0 || (rc = w_put(w, ": ", 2)) != 0 ||
		(rc = w_put(w, value, vlen)) != 0 || (rc = w_put(w, "\r\n", 2)) != 0)
		return rc;
	return 0;
}

int
sl_http_w_raw(struct sl_http_wbuf *w, const void *data, size_t len)
{
	return w_put(w, data, len);
}

int
sl_http_w_field_u64(struct sl_http_wbuf *w, const char *name, size_t nlen, uint64_t v)
{
	char tmp[24];
	uint32_t n = fmt_u64(tmp, v, 10);

	return sl_http_w_field(w, name, nlen, tmp, n);
}

int
sl_http_w_end(struct sl_http_wbuf *w)
{
	return w_put(w, "\r\n", 2);
}

int
sl_http_w_chunk_begin(struct sl_http_wbuf *w, uint64_t size)
{
	char tmp[24];
	uint32_t n;

	if (size == 0)
		return -EINVAL;
	n = fmt_u64(tmp, size, 16);
	tmp[n++] = '\r';
	tmp[n++] = '\n';
	return w_put(w, tmp, n);
}

int
sl_http_w_chunk_end(struct sl_http_wbuf *w)
{
	return w_put(w, "\r\n", 2);
}

int
sl_http_w_last_chunk(struct sl_http_wbuf *w)
{
	return w_put(w, "0\r\n", 3);
}
