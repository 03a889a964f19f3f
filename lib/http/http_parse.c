/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x message parser: see sl_http.h. This file holds its core: the
 * life cycle (init, reset, finish), the errors, the dispatch of
 * sl_http_parse() to the step of each phase, field access, and the
 * character classes the phases share.
 *
 * A state machine over bytes, resumable at any byte: nothing is ever parsed
 * twice, and splitting the input anywhere gives the same events. The head
 * (start line, fields, later trailers) is copied verbatim into the header
 * buffer as it is accepted; the field array grows down from the end of the
 * same buffer, so that one bound covers both. Runs of target and value bytes
 * are found 16 bytes at a time (http_scan.h) and copied with one memcpy.
 *
 * The phases: the start line (http_start.c), the field section and the
 * trailers (http_fields.c), the body framing (http_body.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <rte_branch_prediction.h>

#include "http_priv.h"
#include "sl_http.h"

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


int
sl_http_find(const struct sl_http_parser *p, const char *name, size_t name_len, uint32_t from)
{
	uint32_t i;

	for (i = from; i < p->msg.n_fields; i++) {
		const struct sl_http_field *f = sl_http_field(p, i);

		if (f->name_len == name_len &&
			strncasecmp((const char *)p->buf + f->name_off, name, name_len) == 0)
			return (int)i;
	}
	return -1;
}

/* ---- the parser ---- */

enum sl_http_event
sl_http_parse(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t *consumed,
	struct sl_http_span *body)
{
	body->off = 0;
	body->len = 0;
	if (unlikely(p->buf == NULL)) {
		*consumed = 0;
		return http_set_error(p, SL_HTTP_ERR_STATE);
	}
	/* from here the steps hand over to each other (http_priv.h) */
	return http_next(p, data, len, 0, consumed, body);
}
