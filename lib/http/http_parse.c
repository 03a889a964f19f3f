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

/* ---- special fields ---- */

/* lc is lower case; most names differ from it in their first byte. */
static inline int
name_is(const struct sl_http_parser *p, const struct sl_http_field *f, const char *lc, uint32_t len)
{
	const char *n = (const char *)p->buf + f->name_off;

	return f->name_len == len && (n[0] | 0x20) == lc[0] && strncasecmp(n, lc, len) == 0;
}

/* Next list element of s[*i..n), trimmed: [*b, *e). Returns 0 at the end. */
static int
list_next(const uint8_t *s, uint32_t n, uint32_t *i, uint32_t *b, uint32_t *e)
{
	uint32_t k = *i, start, end;

	if (k > n)
		return 0;
	while (k < n && s[k] != ',')
		k++;
	start = *i;
	end = k;
	while (start < end && http_is_ows(s[start]))
		start++;
	while (end > start && http_is_ows(s[end - 1]))
		end--;
	*b = start;
	*e = end;
	*i = k + 1;
	return 1;
}

static enum sl_http_err
content_length(struct sl_http_parser *p, const uint8_t *v, uint32_t n)
{
	uint32_t i = 0, b, e, k;
	uint64_t val = 0, first = 0;
	int have = 0;

	if (p->msg.flags & SL_HTTP_F_HAS_TE)
		return SL_HTTP_ERR_CL_AND_TE;
	/* RFC 9110 8.6: a list of identical values may be collapsed */
	while (list_next(v, n, &i, &b, &e)) {
		if (b == e)
			return SL_HTTP_ERR_CL_INVALID;
		val = 0;
		for (k = b; k < e; k++) {
			if (!http_is_digit(v[k]))
				return SL_HTTP_ERR_CL_INVALID;
			if (val > (UINT64_MAX - 9) / 10)
				return SL_HTTP_ERR_CL_INVALID;
			val = val * 10 + (uint64_t)(v[k] - '0');
		}
		if (have && val != first)
			return SL_HTTP_ERR_CL_MISMATCH;
		if (have)
			p->msg.flags |= SL_HTTP_F_CL_COLLAPSED;
		first = val;
		have = 1;
	}
	if (p->msg.flags & SL_HTTP_F_HAS_CL) {
		if (p->msg.content_length != val)
			return SL_HTTP_ERR_CL_MISMATCH;
		p->msg.flags |= SL_HTTP_F_CL_COLLAPSED;
	}
	p->msg.flags |= SL_HTTP_F_HAS_CL;
	p->msg.content_length = val;
	return SL_HTTP_ERR_NONE;
}

static int
coding_known(const uint8_t *s, uint32_t n)
{
	static const char *const known[] = {"gzip", "deflate", "compress", "x-gzip", "x-compress"};
	unsigned int i;

	for (i = 0; i < RTE_DIM(known); i++)
		if (strlen(known[i]) == n && strncasecmp((const char *)s, known[i], n) == 0)
			return 1;
	return 0;
}

static enum sl_http_err
transfer_encoding(struct sl_http_parser *p, const uint8_t *v, uint32_t n)
{
	uint32_t i = 0, b, e, k;

	if (p->msg.flags & SL_HTTP_F_HAS_CL)
		return SL_HTTP_ERR_CL_AND_TE;
	/* RFC 9112 6.1: framing of an HTTP/1.0 message with TE is faulty */
	if (p->msg.major == 0 || (p->msg.major == 1 && p->msg.minor == 0))
		return SL_HTTP_ERR_TE_HTTP10;
	p->msg.flags |= SL_HTTP_F_HAS_TE;
	if (n == 0)
		return SL_HTTP_ERR_TE_INVALID;
	while (list_next(v, n, &i, &b, &e)) {
		/* no empty elements, no parameters: nothing to disagree on */
		if (b == e)
			return SL_HTTP_ERR_TE_INVALID;
		for (k = b; k < e; k++)
			if (!http_tchar[v[k]])
				return SL_HTTP_ERR_TE_INVALID;
		if (e - b == 7 && strncasecmp((const char *)v + b, "chunked", 7) == 0) {
			if (p->pflags & PF_TE_CHUNKED)
				return SL_HTTP_ERR_TE_CHUNKED_TWICE;
			p->pflags |= PF_TE_CHUNKED | PF_TE_LAST_CH;
			continue;
		}
		if (p->kind == SL_HTTP_REQUEST && !coding_known(v + b, e - b))
			return SL_HTTP_ERR_TE_UNKNOWN;
		p->pflags &= (uint8_t)~PF_TE_LAST_CH;
	}
	return SL_HTTP_ERR_NONE;
}

static int
token_eq(const uint8_t *s, uint32_t n, const char *lc)
{
	return strlen(lc) == n && strncasecmp((const char *)s, lc, n) == 0;
}

static void
connection(struct sl_http_parser *p, const uint8_t *v, uint32_t n)
{
	uint32_t i = 0, b, e;

	while (list_next(v, n, &i, &b, &e)) {
		if (token_eq(v + b, e - b, "close"))
			p->msg.flags |= SL_HTTP_F_CONN_CLOSE;
		else if (token_eq(v + b, e - b, "keep-alive"))
			p->msg.flags |= SL_HTTP_F_CONN_KA;
		else if (token_eq(v + b, e - b, "upgrade"))
			p->msg.flags |= SL_HTTP_F_CONN_UPGRADE;
	}
}

static enum sl_http_err
special_field(struct sl_http_parser *p, const struct sl_http_field *f)
{
	const uint8_t *v = p->buf + f->value_off;

	switch (f->name_len) {
	case 4:
		if (name_is(p, f, "host", 4)) {
			/* RFC 9112 3.2: more than one Host is a bad request */
			if (p->msg.flags & SL_HTTP_F_HAS_HOST)
				return SL_HTTP_ERR_HOST_DUP;
			p->msg.flags |= SL_HTTP_F_HAS_HOST;
		}
		break;
	case 6:
		if (name_is(p, f, "expect", 6) && token_eq(v, f->value_len, "100-continue"))
			p->msg.flags |= SL_HTTP_F_EXPECT_100;
		break;
	case 7:
		if (name_is(p, f, "upgrade", 7))
			p->pflags |= PF_UPGRADE_HDR;
		break;
	case 10:
		if (name_is(p, f, "connection", 10))
			connection(p, v, f->value_len);
		break;
	case 14:
		if (name_is(p, f, "content-length", 14))
			return content_length(p, v, f->value_len);
		break;
	case 17:
		if (name_is(p, f, "transfer-encoding", 17))
			return transfer_encoding(p, v, f->value_len);
		break;
	default:
		break;
	}
	return SL_HTTP_ERR_NONE;
}

/* A field line ended (CRLF appended): record it and check it. */
static enum sl_http_err
field_done(struct sl_http_parser *p)
{
	struct sl_http_field *f;
	uint32_t vb = p->value_start, ve = p->pos - 2;

	while (ve > vb && http_is_ows(p->buf[ve - 1]))
		ve--;
	/* http_fields_phase() kept room for this entry */
	p->fields_lim -= FIELD_SZ;
	f = (struct sl_http_field *)(void *)(p->buf + p->fields_lim);
	f->name_off = (uint16_t)p->line_start;
	f->name_len = (uint16_t)(p->name_end - p->line_start);
	f->value_off = (uint16_t)vb;
	f->value_len = (uint16_t)(ve - vb);
	http_fields_phase(p);
	if (p->pflags & PF_TRAILERS) {
		p->msg.n_trailers++;
		return SL_HTTP_ERR_NONE;
	}
	p->msg.n_fields++;
	return special_field(p, f);
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

/*
 * A field line whose name data[s0..*i) is followed by ':' and which is all
 * in the input, valid up to its CRLF: stored in one copy, with the same
 * offsets the state-by-state path records. Anything else (a line cut by the
 * input's end, an invalid byte, no room) returns false and is parsed state
 * by state, which reports the error at its exact byte.
 */
static inline bool
field_line_whole(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t s0,
	uint32_t *i)
{
	uint32_t colon = *i, v = colon + 1, end;

	while (v < len && http_is_ows(data[v]))
		v++;
	end = v + http_scan_value(data + v, len - v);
	if (end + 1 >= len || data[end] != '\r' || data[end + 1] != '\n' ||
		(uint64_t)p->pos + (end + 2 - s0) > p->avail_end)
		return false;
	memcpy(p->buf + p->pos, data + s0, end + 2 - s0);
	p->name_end = p->pos + (colon - s0);
	p->value_start = p->pos + (v - s0);
	p->pos += end + 2 - s0;
	*i = end + 2;
	return true;
}

enum sl_http_event
sl_http_parse(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t *consumed,
	struct sl_http_span *body)
{
	enum sl_http_event ev;
	uint32_t i = 0, n, s0;
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
			if (p->msg.flags & SL_HTTP_F_HTTP09)
				goto head_complete;
			http_fields_phase(p);
			p->state = ST_FIELD_START;
			break;

		case ST_FIELD_START:
			if (c == '\r') {
				PUT1('\r');
				i++;
				p->state = ST_HEAD_LF;
				break;
			}
			if (http_is_ows(c)) {
				/* RFC 9112 2.2 and 5.2: rejected, never unfolded */
				n = (p->pflags & PF_TRAILERS) ? p->msg.n_trailers : p->msg.n_fields;
				FAIL(n == 0 ? SL_HTTP_ERR_WS_AFTER_START : SL_HTTP_ERR_OBS_FOLD);
			}
			if (!http_tchar[c])
				FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_NAME);
			if ((uint32_t)p->msg.n_fields + p->msg.n_trailers >= p->lim.max_fields)
				FAIL(SL_HTTP_ERR_TOO_MANY_FIELDS);
			p->line_start = p->pos;
			p->state = ST_FIELD_NAME;
			break;

		case ST_FIELD_NAME:
			s0 = i;
			while (i < len && http_tchar[data[i]])
				i++;
			if (i < len && data[i] == ':' && field_line_whole(p, data, len, s0, &i)) {
				e = field_done(p);
				if (e != SL_HTTP_ERR_NONE)
					FAIL(e);
				p->state = ST_FIELD_START;
				break;
			}
			PUT_RUN(s0);
			if (i >= len)
				break;
			c = data[i];
			if (c != ':')
				FAIL(http_is_ows(c) ? SL_HTTP_ERR_WS_BEFORE_COLON : SL_HTTP_ERR_NAME);
			p->name_end = p->pos;
			PUT1(':');
			i++;
			p->state = ST_FIELD_OWS;
			break;

		case ST_FIELD_OWS:
			s0 = i;
			while (i < len && http_is_ows(data[i]))
				i++;
			PUT_RUN(s0);
			if (i >= len)
				break;
			p->value_start = p->pos;
			p->state = ST_FIELD_VALUE;
			break;

		case ST_FIELD_VALUE:
			s0 = i;
			i += http_scan_value(data + i, len - i);
			PUT_RUN(s0);
			if (i >= len)
				break;
			c = data[i];
			if (c != '\r')
				FAIL(c == '\n' ? SL_HTTP_ERR_BARE_LF : SL_HTTP_ERR_VALUE);
			PUT1('\r');
			i++;
			p->state = ST_FIELD_LF;
			break;

		case ST_FIELD_LF:
			if (c != '\n')
				FAIL(SL_HTTP_ERR_BARE_CR);
			PUT1('\n');
			i++;
			e = field_done(p);
			if (e != SL_HTTP_ERR_NONE)
				FAIL(e);
			p->state = ST_FIELD_START;
			break;

		case ST_HEAD_LF:
			if (c != '\n')
				FAIL(SL_HTTP_ERR_BARE_CR);
			PUT1('\n');
			i++;
			if (p->pflags & PF_TRAILERS) {
				p->state = ST_END_PENDING;
				if (p->msg.n_trailers == 0)
					break;
				*consumed = i;
				return SL_HTTP_EV_TRAILERS;
			}
		head_complete:
			/* the framing and the body follow (http_body.c) */
			e = http_head_done(p);
			if (e != SL_HTTP_ERR_NONE)
				FAIL(e);
			*consumed = i;
			return SL_HTTP_EV_HEADERS;

		default:
			/* the body (http_body.c) */
			ev = http_body_step(p, data, len, &i, body);
			if (ev != SL_HTTP_EV_NEED_MORE) {
				*consumed = i;
				return ev;
			}
			break;
		}
	}
}
