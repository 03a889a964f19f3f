/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x parser, the start line (RFC 9112 3 and 4): the request line
 * (method, target, version) or the status line (version, status, reason),
 * copied into the header buffer as it is accepted, and the method table.
 * The target and the reason are consumed in runs (http_scan.h), the common
 * versions whole; an HTTP/0.9 request ends its head here.
 */
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "http_priv.h"
#include "http_scan.h"
#include "sl_http.h"

#define MAX_METHOD_LEN 13 /* GET_PARAMETER */

/* ---- methods ---- */

#define P_HTTP 1u
#define P_RTSP 2u
#define P_ICE 4u

/* clang-format off */
static const struct {
	const char *name;
	uint8_t len;
} methods[SL_HTTP_M_COUNT] = {
	[SL_HTTP_M_UNKNOWN] = {"", 0},
#define M_ENTRY(e, s) [SL_HTTP_M_##e] = {s, sizeof(s) - 1},
	SL_HTTP_METHODS(M_ENTRY)
#undef M_ENTRY
	[SL_HTTP_M_OTHER] = {"", 0},
};
/* clang-format on */

/* Protocols a method is valid for: llhttp's RTSP and ICE sets; every other
 * method (OTHER included, when allowed) is HTTP only. */
static uint8_t
method_protos(enum sl_http_method m)
{
	switch (m) {
	case SL_HTTP_M_GET:
	case SL_HTTP_M_POST:
	case SL_HTTP_M_OPTIONS:
		return P_HTTP | P_RTSP;
	case SL_HTTP_M_SOURCE:
		return P_HTTP | P_ICE;
	case SL_HTTP_M_DESCRIBE:
	case SL_HTTP_M_ANNOUNCE:
	case SL_HTTP_M_SETUP:
	case SL_HTTP_M_PLAY:
	case SL_HTTP_M_PAUSE:
	case SL_HTTP_M_TEARDOWN:
	case SL_HTTP_M_GET_PARAMETER:
	case SL_HTTP_M_SET_PARAMETER:
	case SL_HTTP_M_REDIRECT:
	case SL_HTTP_M_RECORD:
	case SL_HTTP_M_FLUSH:
		return P_RTSP;
	case SL_HTTP_M_UNKNOWN:
		return 0;
	default:
		return P_HTTP;
	}
}

enum sl_http_method
sl_http_method_lookup(const char *s, size_t len)
{
	unsigned int m;

	for (m = SL_HTTP_M_UNKNOWN + 1; m < SL_HTTP_M_OTHER; m++)
		if (methods[m].len == len && memcmp(methods[m].name, s, len) == 0)
			return (enum sl_http_method)m;
	return SL_HTTP_M_OTHER;
}

/* ---- version ---- */

/*
 * The version in s[0..n): 0 a valid prefix, 1 complete (proto, digits
 * set), -1 invalid. Names: HTTP, RTSP, ICE; then DIGIT "." DIGIT.
 */
static int
version_check(const uint8_t *s, uint32_t n, struct sl_http_msg *m)
{
	static const char *const names[] = {"HTTP/", "RTSP/", "ICE/"};
	static const enum sl_http_proto protos[] = {
		SL_HTTP_PROTO_HTTP, SL_HTTP_PROTO_RTSP, SL_HTTP_PROTO_ICE};
	unsigned int k;

	for (k = 0; k < RTE_DIM(names); k++) {
		uint32_t nl = (uint32_t)strlen(names[k]);

		if (memcmp(s, names[k], RTE_MIN(n, nl)) != 0)
			continue;
		if (n <= nl)
			return 0;
		if (!http_is_digit(s[nl]))
			return -1;
		if (n == nl + 1)
			return 0;
		if (s[nl + 1] != '.')
			return -1;
		if (n == nl + 2)
			return 0;
		if (n > nl + 3 || !http_is_digit(s[nl + 2]))
			return -1;
		m->proto = protos[k];
		m->major = (uint8_t)(s[nl] - '0');
		m->minor = (uint8_t)(s[nl + 2] - '0');
		return 1;
	}
	return -1;
}

/* The version is complete: is it one we handle? */
static enum sl_http_err
version_done(struct sl_http_parser *p)
{
	struct sl_http_msg *m = &p->msg;

	if (m->major == 1) {
		/* RFC 9110 6.2: a higher minor version is handled as the highest known */
		if (m->minor > 1) {
			m->minor = 1;
			m->flags |= SL_HTTP_F_VERSION_HIGH;
		}
	} else if (!(m->major == 0 && m->minor == 9)) {
		return SL_HTTP_ERR_VERSION_UNSUPPORTED;
	}
	if (p->kind == SL_HTTP_REQUEST && !(method_protos(m->method) & (1u << m->proto)))
		return m->proto == SL_HTTP_PROTO_HTTP ? SL_HTTP_ERR_METHOD_UNKNOWN
						      : SL_HTTP_ERR_METHOD_PROTO;
	return SL_HTTP_ERR_NONE;
}

/*
 * The states of the start line that are not runs of bytes, as helpers of
 * http_start_step() (inlined there, each has one caller). They take the
 * step's position as *consumed, as FAIL() expects, and return NEED_MORE to
 * go on, or ERROR.
 */

/* ST_START: empty lines before a message, then the first byte of its line. */
static inline enum sl_http_event
message_start(struct sl_http_parser *p, const uint8_t *data, uint32_t *consumed)
{
	uint32_t i = *consumed;
	uint8_t c = data[i];

	if (p->sub) {
		if (c != '\n')
			FAIL(SL_HTTP_ERR_BARE_CR);
		p->sub = 0;
		*consumed = i + 1;
		return SL_HTTP_EV_NEED_MORE;
	}
	if (c == '\r') {
		/* RFC 9112 2.2: empty lines before a message, bounded */
		if (++p->count * 2 > p->lim.max_line)
			FAIL(SL_HTTP_ERR_LINE_TOO_LONG);
		p->sub = 1;
		*consumed = i + 1;
		return SL_HTTP_EV_NEED_MORE;
	}
	if (c == '\n')
		FAIL(SL_HTTP_ERR_BARE_LF);
	p->count = 0;
	p->value_start = 0;
	p->pflags |= PF_START_LINE;
	p->avail_end = RTE_MIN(p->fields_lim, p->lim.max_line);
	p->state = p->kind == SL_HTTP_REQUEST ? ST_RL_METHOD : ST_SL_VERSION;
	return SL_HTTP_EV_NEED_MORE;
}

/*
 * After a whole common version, what follows it on the usual line: a
 * request's CR, or a response's SP, status and SP before the reason. Taken
 * at once when it is all in the input, valid and fits; else returns i, and
 * version() and status() go on byte by byte (and report any error at its
 * byte).
 */
static inline uint32_t
after_version_whole(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t i)
{
	const uint8_t *d = data + i;
	uint16_t st;

	if (p->state == ST_RL_VERSION) {
		if (i >= len || d[0] != '\r' || http_put1(p, '\r') != 0)
			return i;
		p->state = ST_LINE_LF;
		return i + 1;
	}
	if (len - i < 5 || d[0] != ' ' || !http_is_digit(d[1]) || !http_is_digit(d[2]) ||
		!http_is_digit(d[3]) || d[4] != ' ')
		return i;
	st = (uint16_t)((d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0'));
	if (st < 100 || st > 599 || http_put(p, d, 5) != 0)
		return i;
	p->msg.status = st;
	p->msg.reason.off = p->pos;
	p->state = ST_SL_REASON;
	return i + 5;
}

/* ST_RL_VERSION, ST_SL_VERSION: the version (sub 0), then the byte after it
 * (sub 1: CR in a request, SP in a response). */
static inline enum sl_http_event
version(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t *consumed)
{
	uint32_t i = *consumed, s0;
	enum sl_http_err e;
	uint8_t c = data[i];
	int r;

	if (p->sub == 0 && p->pos == p->value_start && len - i >= 8 &&
		memcmp(data + i, "HTTP/1.", 7) == 0 && (data[i + 7] == '1' || data[i + 7] == '0')) {
		/* the common versions whole: the same checks, at once */
		s0 = i;
		i += 8;
		PUT_RUN(s0);
		p->msg.proto = SL_HTTP_PROTO_HTTP;
		p->msg.major = 1;
		p->msg.minor = (uint8_t)(data[i - 1] - '0');
		e = version_done(p);
		if (e != SL_HTTP_ERR_NONE)
			FAIL(e);
		s0 = i;
		i = after_version_whole(p, data, len, i);
		p->sub = i == s0;
		*consumed = i;
		return SL_HTTP_EV_NEED_MORE;
	}
	if (p->sub == 0) {
		/* version not complete yet: one byte at a time, 8 at most */
		PUT1(c);
		i++;
		r = version_check(p->buf + p->value_start, p->pos - p->value_start, &p->msg);
		if (r < 0)
			FAIL(SL_HTTP_ERR_VERSION);
		if (r == 1) {
			e = version_done(p);
			if (e != SL_HTTP_ERR_NONE)
				FAIL(e);
			p->sub = 1;
		}
		*consumed = i;
		return SL_HTTP_EV_NEED_MORE;
	}
	p->sub = 0;
	if (p->state == ST_RL_VERSION) {
		if (c != '\r')
			FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_VERSION);
		PUT1('\r');
		i++;
		p->state = ST_LINE_LF;
	} else {
		if (c != ' ')
			FAIL(c == '\r'	    ? SL_HTTP_ERR_BARE_CR
				: c == '\n' ? SL_HTTP_ERR_BARE_LF
					    : SL_HTTP_ERR_VERSION);
		PUT1(' ');
		i++;
		p->count = 0;
		p->state = ST_SL_STATUS;
	}
	*consumed = i;
	return SL_HTTP_EV_NEED_MORE;
}

/* ST_SL_STATUS: three digits, then SP or the CR of a line without reason. */
static inline enum sl_http_event
status(struct sl_http_parser *p, const uint8_t *data, uint32_t *consumed)
{
	uint32_t i = *consumed;
	uint8_t c = data[i];

	if (p->count < 3) {
		if (!http_is_digit(c))
			FAIL(SL_HTTP_ERR_STATUS);
		PUT1(c);
		i++;
		p->msg.status = (uint16_t)(p->msg.status * 10 + (c - '0'));
		if (++p->count == 3 && (p->msg.status < 100 || p->msg.status > 599))
			FAIL(SL_HTTP_ERR_STATUS);
		*consumed = i;
		return SL_HTTP_EV_NEED_MORE;
	}
	if (c == ' ') {
		PUT1(' ');
		i++;
		p->msg.reason.off = p->pos;
		p->state = ST_SL_REASON;
	} else if (c == '\r') {
		/* no SP, no reason (llhttp and most peers accept it) */
		p->msg.reason.off = p->pos;
		PUT1('\r');
		i++;
		p->state = ST_LINE_LF;
	} else {
		FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_STATUS);
	}
	*consumed = i;
	return SL_HTTP_EV_NEED_MORE;
}

/* ---- the step ---- */

enum sl_http_event
http_start_step(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t i,
	uint32_t *consumed, struct sl_http_span *body)
{
	enum sl_http_event ev;
	enum sl_http_err e;
	uint32_t s0;
	uint8_t c;

	while (i < len) {
		c = data[i];
		switch (p->state) {
		case ST_START:
			ev = message_start(p, data, &i);
			break;

		case ST_RL_METHOD:
			s0 = i;
			i += http_scan_tchar(data + i, len - i);
			PUT_RUN(s0);
			p->count += i - s0;
			if (!p->lim.allow_unknown_methods && p->count > MAX_METHOD_LEN)
				FAIL(SL_HTTP_ERR_METHOD_UNKNOWN);
			if (i >= len)
				continue;
			if (data[i] != ' ' || p->count == 0)
				FAIL(SL_HTTP_ERR_METHOD);
			p->msg.method = sl_http_method_lookup((const char *)p->buf, p->count);
			if (p->msg.method == SL_HTTP_M_OTHER && !p->lim.allow_unknown_methods)
				FAIL(SL_HTTP_ERR_METHOD_UNKNOWN);
			p->msg.method_s.off = 0;
			p->msg.method_s.len = p->count;
			PUT1(' ');
			i++;
			p->msg.target.off = p->pos;
			p->count = 0;
			p->state = ST_RL_TARGET;
			continue;

		case ST_RL_TARGET:
			s0 = i;
			i += http_scan_target(data + i, len - i);
			PUT_RUN(s0);
			p->count += i - s0;
			if (i >= len)
				continue;
			c = data[i];
			if (p->count == 0)
				FAIL(SL_HTTP_ERR_TARGET);
			p->msg.target.len = p->count;
			if (c == ' ') {
				PUT1(' ');
				i++;
				p->value_start = p->pos;
				p->sub = 0;
				p->state = ST_RL_VERSION;
			} else if (c == '\r') {
				/* HTTP/0.9 simple request: GET only, no fields */
				if (p->msg.method != SL_HTTP_M_GET)
					FAIL(SL_HTTP_ERR_VERSION);
				p->msg.flags |= SL_HTTP_F_HTTP09;
				p->msg.major = 0;
				p->msg.minor = 9;
				PUT1('\r');
				i++;
				p->state = ST_LINE_LF;
			} else {
				FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_TARGET);
			}
			continue;

		case ST_RL_VERSION:
		case ST_SL_VERSION:
			ev = version(p, data, len, &i);
			break;

		case ST_SL_STATUS:
			ev = status(p, data, &i);
			break;

		case ST_SL_REASON:
			s0 = i;
			i += http_scan_value(data + i, len - i);
			PUT_RUN(s0);
			p->msg.reason.len += i - s0;
			if (i >= len)
				continue;
			c = data[i];
			if (c != '\r')
				FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_REASON);
			PUT1('\r');
			i++;
			p->state = ST_LINE_LF;
			continue;

		case ST_LINE_LF:
			if (c != '\n')
				FAIL(SL_HTTP_ERR_BARE_CR);
			PUT1('\n');
			i++;
			if (p->msg.flags & SL_HTTP_F_HTTP09) {
				e = http_head_done(p);
				if (e != SL_HTTP_ERR_NONE)
					FAIL(e);
				*consumed = i;
				return SL_HTTP_EV_HEADERS;
			}
			/* the field section follows (http_fields.c) */
			http_fields_phase(p);
			p->state = ST_FIELD_START;
			return http_next(p, data, len, i, consumed, body);

		default:
			FAIL(SL_HTTP_ERR_STATE);
		}
		/* a helper's verdict */
		if (ev != SL_HTTP_EV_NEED_MORE) {
			*consumed = i;
			return ev;
		}
	}
	*consumed = i;
	return SL_HTTP_EV_NEED_MORE;
}
