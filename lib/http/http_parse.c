/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x message parser: see sl_http.h.
 *
 * A state machine over bytes, resumable at any byte: nothing is ever parsed
 * twice, and splitting the input anywhere gives the same events. The head
 * (start line, fields, later trailers) is copied verbatim into the header
 * buffer as it is accepted; the field array grows down from the end of the
 * same buffer, so that one bound covers both. Runs of target and value bytes
 * are found 16 bytes at a time (http_scan.h) and copied with one memcpy.
 *
 * Special fields (Content-Length, Transfer-Encoding, Host, Connection,
 * Upgrade, Expect) are checked when their line completes, so that a bad one
 * is refused before the rest of the head arrives.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "http_priv.h"
#include "http_scan.h"
#include "sl_http.h"

#define MAX_METHOD_LEN 13 /* GET_PARAMETER */

/* ---- character classes ---- */

/* tchar (RFC 9110 5.6.2) */
/* clang-format off */
const uint8_t http_tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1,
	['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,
	['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};
/* clang-format on */

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

/* ---- errors ---- */

static const struct {
	const char *name;
	const char *str;
	uint16_t status;
} errors[SL_HTTP_ERR_COUNT] = {
#define E_ENTRY(e, st, s) [SL_HTTP_ERR_##e] = {#e, s, st},
	SL_HTTP_ERRORS(E_ENTRY)
#undef E_ENTRY
};

uint16_t
sl_http_err_status(enum sl_http_err e, enum sl_http_kind kind)
{
	if ((unsigned int)e >= SL_HTTP_ERR_COUNT || e == SL_HTTP_ERR_NONE)
		return 0;
	/* whatever is wrong with a response, the client gets a bad gateway */
	return kind == SL_HTTP_RESPONSE ? 502 : errors[e].status;
}

const char *
sl_http_err_str(enum sl_http_err e)
{
	return (unsigned int)e < SL_HTTP_ERR_COUNT ? errors[e].str : "?";
}

const char *
sl_http_err_name(enum sl_http_err e)
{
	return (unsigned int)e < SL_HTTP_ERR_COUNT ? errors[e].name : "?";
}

/* ---- life cycle ---- */

void
sl_http_limits_default(struct sl_http_limits *lim, enum sl_http_kind kind)
{
	lim->max_line = SL_HTTP_HDR_BUF_DEFAULT;
	lim->max_fields = 100;
	lim->max_chunk_ext = 1024;
	lim->max_body = kind == SL_HTTP_REQUEST ? 1u << 20 : UINT64_MAX;
	lim->allow_unknown_methods = false;
}

static void
begin_message(struct sl_http_parser *p)
{
	memset(&p->msg, 0, sizeof(p->msg));
	p->state = ST_START;
	p->sub = 0;
	p->pflags = 0;
	p->pos = 0;
	p->fields_lim = p->fields_end;
	p->avail_end = p->fields_end;
	p->count = 0;
	p->remaining = 0;
}

int
sl_http_parser_init(struct sl_http_parser *p, enum sl_http_kind kind,
	const struct sl_http_limits *lim, uint8_t *hdr_buf, uint32_t hdr_buf_size)
{
	uintptr_t end;

	if (p == NULL || hdr_buf == NULL || hdr_buf_size < SL_HTTP_HDR_BUF_MIN ||
		(kind != SL_HTTP_REQUEST && kind != SL_HTTP_RESPONSE))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	if (lim != NULL)
		p->lim = *lim;
	else
		sl_http_limits_default(&p->lim, kind);
	if (p->lim.max_fields == 0 || p->lim.max_line == 0)
		return -EINVAL;
	if (hdr_buf_size > SL_HTTP_HDR_BUF_MAX)
		hdr_buf_size = SL_HTTP_HDR_BUF_MAX;
	p->kind = (uint8_t)kind;
	p->buf = hdr_buf;
	/* the field array ends on an 8-byte boundary */
	end = (uintptr_t)hdr_buf + hdr_buf_size;
	p->fields_end = hdr_buf_size - (uint32_t)(end & 7);
	p->req_method = SL_HTTP_M_UNKNOWN;
	begin_message(p);
	return 0;
}

void
sl_http_parser_reset(struct sl_http_parser *p)
{
	/* a 1xx is followed by the final response to the same request */
	if (!(p->kind == SL_HTTP_RESPONSE && p->msg.status >= 100 && p->msg.status < 200 &&
		    p->msg.status != 101))
		p->req_method = SL_HTTP_M_UNKNOWN;
	p->err = SL_HTTP_ERR_NONE;
	p->err_status = 0;
	begin_message(p);
}

void
sl_http_parser_set_method(struct sl_http_parser *p, enum sl_http_method m)
{
	p->req_method = m;
}

bool
sl_http_parser_done(const struct sl_http_parser *p)
{
	return p->state == ST_DONE || p->state == ST_END_PENDING;
}

enum sl_http_event
sl_http_parser_finish(struct sl_http_parser *p)
{
	switch (p->state) {
	case ST_START:
		if (p->sub == 0)
			return SL_HTTP_EV_NEED_MORE;
		break;
	case ST_BODY_CLOSE:
	case ST_END_PENDING:
	case ST_DONE:
		p->state = ST_DONE;
		return SL_HTTP_EV_MESSAGE_END;
	case ST_ERROR:
		return SL_HTTP_EV_ERROR;
	default:
		break;
	}
	return http_set_error(p, SL_HTTP_ERR_TRUNCATED);
}

/* ---- field access ---- */

static inline struct sl_http_field *
field_at(const struct sl_http_parser *p, uint32_t i)
{
	return (struct sl_http_field *)(void *)(p->buf + p->fields_end - (i + 1) * FIELD_SZ);
}

const struct sl_http_field *
sl_http_field(const struct sl_http_parser *p, uint32_t i)
{
	if (i >= (uint32_t)p->msg.n_fields + p->msg.n_trailers)
		return NULL;
	return field_at(p, i);
}

int
sl_http_find(const struct sl_http_parser *p, const char *name, size_t name_len, uint32_t from)
{
	uint32_t i;

	for (i = from; i < p->msg.n_fields; i++) {
		const struct sl_http_field *f = field_at(p, i);

		if (f->name_len == name_len &&
			strncasecmp((const char *)p->buf + f->name_off, name, name_len) == 0)
			return (int)i;
	}
	return -1;
}

/* ---- start line ---- */

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

/* ---- the parser ---- */

enum sl_http_event
sl_http_parse(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t *consumed,
	struct sl_http_span *body)
{
	enum sl_http_event ev;
	uint32_t i = 0, s0;
	enum sl_http_err e;
	uint8_t c;
	int r;

	body->off = 0;
	body->len = 0;
	if (unlikely(p->buf == NULL)) {
		*consumed = 0;
		return http_set_error(p, SL_HTTP_ERR_STATE);
	}
	for (;;) {
		/* states that need no input */
		switch (p->state) {
		case ST_ERROR:
			*consumed = i;
			return SL_HTTP_EV_ERROR;
		case ST_END_PENDING:
			p->state = ST_DONE;
			/* fall through */
		case ST_DONE:
			*consumed = i;
			return SL_HTTP_EV_MESSAGE_END;
		default:
			break;
		}
		if (i >= len) {
			*consumed = i;
			return SL_HTTP_EV_NEED_MORE;
		}
		c = data[i];
		switch (p->state) {
		case ST_START:
			if (p->sub) {
				if (c != '\n')
					FAIL(SL_HTTP_ERR_BARE_CR);
				p->sub = 0;
				i++;
				break;
			}
			if (c == '\r') {
				/* RFC 9112 2.2: empty lines before a message, bounded */
				if (++p->count * 2 > p->lim.max_line)
					FAIL(SL_HTTP_ERR_LINE_TOO_LONG);
				p->sub = 1;
				i++;
				break;
			}
			if (c == '\n')
				FAIL(SL_HTTP_ERR_BARE_LF);
			p->count = 0;
			p->value_start = 0;
			p->pflags |= PF_START_LINE;
			p->avail_end = RTE_MIN(p->fields_lim, p->lim.max_line);
			p->state = p->kind == SL_HTTP_REQUEST ? ST_RL_METHOD : ST_SL_VERSION;
			break;

		case ST_RL_METHOD:
			s0 = i;
			while (i < len && http_tchar[data[i]])
				i++;
			PUT_RUN(s0);
			p->count += i - s0;
			if (!p->lim.allow_unknown_methods && p->count > MAX_METHOD_LEN)
				FAIL(SL_HTTP_ERR_METHOD_UNKNOWN);
			if (i >= len)
				break;
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
			break;

		case ST_RL_TARGET:
			s0 = i;
			i += http_scan_target(data + i, len - i);
			PUT_RUN(s0);
			p->count += i - s0;
			if (i >= len)
				break;
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
			break;

		case ST_RL_VERSION:
		case ST_SL_VERSION:
			if (p->sub == 0 && p->pos == p->value_start && len - i >= 8 &&
					memcmp(data + i, "HTTP/1.", 7) == 0 &&
					(data[i + 7] == '1' || data[i + 7] == '0')) {
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
				p->sub = 1;
				break;
			}
			if (p->sub == 0) {
				/* version not complete yet: one byte at a time, 8 at most */
				PUT1(c);
				i++;
				r = version_check(
					p->buf + p->value_start, p->pos - p->value_start, &p->msg);
				if (r < 0)
					FAIL(SL_HTTP_ERR_VERSION);
				if (r == 1) {
					e = version_done(p);
					if (e != SL_HTTP_ERR_NONE)
						FAIL(e);
					p->sub = 1;
				}
				break;
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
			break;

		case ST_SL_STATUS:
			if (p->count < 3) {
				if (!http_is_digit(c))
					FAIL(SL_HTTP_ERR_STATUS);
				PUT1(c);
				i++;
				p->msg.status = (uint16_t)(p->msg.status * 10 + (c - '0'));
				if (++p->count == 3 && (p->msg.status < 100 || p->msg.status > 599))
					FAIL(SL_HTTP_ERR_STATUS);
				break;
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
			break;

		case ST_SL_REASON:
			s0 = i;
			i += http_scan_value(data + i, len - i);
			PUT_RUN(s0);
			p->msg.reason.len += i - s0;
			if (i >= len)
				break;
			c = data[i];
			if (c != '\r')
				FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_REASON);
			PUT1('\r');
			i++;
			p->state = ST_LINE_LF;
			break;

		case ST_LINE_LF:
			if (c != '\n')
				FAIL(SL_HTTP_ERR_BARE_CR);
			PUT1('\n');
			i++;
			if (p->msg.flags & SL_HTTP_F_HTTP09) {
				/* the framing and the body follow (http_body.c) */
				e = http_head_done(p);
				if (e != SL_HTTP_ERR_NONE)
					FAIL(e);
				*consumed = i;
				return SL_HTTP_EV_HEADERS;
			}
			/* the field section follows (http_fields.c) */
			http_fields_phase(p);
			p->state = ST_FIELD_START;
			break;

		default:
			/* the field section (http_fields.c), the body (http_body.c) */
			if (p->state < ST_BODY_LEN)
				ev = http_fields_step(p, data, len, &i);
			else
				ev = http_body_step(p, data, len, &i, body);
			if (ev != SL_HTTP_EV_NEED_MORE) {
				*consumed = i;
				return ev;
			}
			break;
		}
	}
}
