/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x parser, the field section (RFC 9112 5) and the trailer section
 * (RFC 9112 7.1.2): field lines copied into the header buffer, their
 * (offset, length) entries in the field array that grows down from its end,
 * and the special fields.
 *
 * Special fields (Content-Length, Transfer-Encoding, Host, Connection,
 * Upgrade, Expect) are checked when their line completes, so that a bad one
 * is refused before the rest of the head arrives. A field line that is
 * whole in the input is stored with one scan and one copy.
 */
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "http_priv.h"
#include "http_scan.h"
#include "sl_http.h"

/* ---- special fields ---- */

static inline bool
name_is(const struct sl_http_parser *p, const struct sl_http_field *f, const char *lc, uint32_t len)
{
	return sl_http_token_is((const char *)p->buf + f->name_off, f->name_len, lc, len);
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
		if (sl_http_token_is((const char *)s, n, known[i], strlen(known[i])))
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
		if (sl_http_token_is((const char *)v + b, e - b, "chunked", 7)) {
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

static inline bool
token_eq(const uint8_t *s, uint32_t n, const char *lc)
{
	return sl_http_token_is((const char *)s, n, lc, strlen(lc));
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

/* ---- field lines ---- */

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

/*
 * A field line whose name data[s0..*i) is followed by ':' and which is all
 * in the input, valid up to its CRLF: stored in one copy, with the same
 * offsets the state-by-state path records. Anything else (a line cut by the
 * input's end, an invalid byte, no room) returns false and is parsed state
 * by state, which reports the error at its exact byte.
 */
static inline bool
field_line_whole(
	struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t s0, uint32_t *i)
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

/* ---- the step ---- */

enum sl_http_event
http_fields_step(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t i,
	uint32_t *consumed, struct sl_http_span *body)
{
	enum sl_http_err e;
	uint32_t n, s0;
	uint8_t c;

	while (i < len) {
		c = data[i];
		switch (p->state) {
		case ST_FIELD_START:
		field_start:
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
			/* the name starts at this byte */
			/* fall through */
		case ST_FIELD_NAME:
			s0 = i;
			i += http_scan_tchar(data + i, len - i);
			if (i < len && data[i] == ':' && field_line_whole(p, data, len, s0, &i)) {
				e = field_done(p);
				if (e != SL_HTTP_ERR_NONE)
					FAIL(e);
				p->state = ST_FIELD_START;
				/* the next line at once, not through the switch */
				if (i < len) {
					c = data[i];
					goto field_start;
				}
				break;
			}
			PUT_RUN(s0);
			if (i >= len)
				break;
			c = data[i];
			if (c != ':')
				FAIL(http_is_ows(c) ? SL_HTTP_ERR_WS_BEFORE_COLON
						    : SL_HTTP_ERR_NAME);
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
				/* MESSAGE_END follows, at once if there were no trailers */
				p->state = ST_END_PENDING;
				if (p->msg.n_trailers == 0)
					return http_next(p, data, len, i, consumed, body);
				*consumed = i;
				return SL_HTTP_EV_TRAILERS;
			}
			/* the framing and the body follow (http_body.c) */
			e = http_head_done(p);
			if (e != SL_HTTP_ERR_NONE)
				FAIL(e);
			*consumed = i;
			return SL_HTTP_EV_HEADERS;

		default:
			FAIL(SL_HTTP_ERR_STATE);
		}
	}
	*consumed = i;
	return SL_HTTP_EV_NEED_MORE;
}
