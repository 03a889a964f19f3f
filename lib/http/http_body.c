/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x parser, the body framing: how the message is delimited once its
 * head is complete (RFC 9112 6.3) and whether the connection stays open,
 * then the body itself: Content-Length bytes, bytes until the connection
 * closes, or the chunked coding (RFC 9112 7.1: size, extensions, data and
 * its CRLF, the last chunk; its trailer section is a field section, parsed
 * by http_fields.c). Body bytes are never copied: a BODY event names a
 * range of the input.
 */
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "http_priv.h"
#include "sl_http.h"

#define MAX_CHUNK_DIGITS 16

/* chunk extension sub-states */
enum {
	EXT_NAME_START,
	EXT_NAME,
	EXT_VAL_START,
	EXT_TOKEN,
	EXT_QUOTED,
	EXT_QESC,
	EXT_QEND,
};

static inline int
hex_val(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- head complete: framing ---- */

static enum sl_http_err
head_done(struct sl_http_parser *p)
{
	struct sl_http_msg *m = &p->msg;
	bool legacy = m->major == 0 || m->minor == 0;
	bool ka;

	m->head.off = 0;
	m->head.len = p->pos;
	if (p->kind == SL_HTTP_REQUEST) {
		if (m->flags & SL_HTTP_F_HTTP09) {
			m->body = SL_HTTP_BODY_NONE;
			return SL_HTTP_ERR_NONE;
		}
		if (m->flags & SL_HTTP_F_HAS_TE) {
			if (!(p->pflags & PF_TE_LAST_CH))
				return SL_HTTP_ERR_TE_NOT_CHUNKED;
			m->body = SL_HTTP_BODY_CHUNKED;
		} else if (m->flags & SL_HTTP_F_HAS_CL) {
			if (m->content_length > p->lim.max_body)
				return SL_HTTP_ERR_BODY_TOO_LARGE;
			m->body = SL_HTTP_BODY_LENGTH;
		}
		if (!legacy) {
			if ((m->flags & SL_HTTP_F_CONN_UPGRADE) && (p->pflags & PF_UPGRADE_HDR))
				m->flags |= SL_HTTP_F_UPGRADE;
		} else {
			/* RFC 9110 10.1.1: ignore 100-continue from HTTP/1.0 */
			m->flags &= ~SL_HTTP_F_EXPECT_100;
		}
		if (m->method == SL_HTTP_M_CONNECT) {
			/* what follows the head is the tunnel (RFC 9110 9.3.6) */
			m->body = SL_HTTP_BODY_NONE;
			m->flags |= SL_HTTP_F_TUNNEL;
		}
	} else {
		enum sl_http_method rm = p->req_method;

		m->method = rm;
		m->flags &= ~SL_HTTP_F_EXPECT_100;
		if (m->status == 101)
			m->flags |= SL_HTTP_F_TUNNEL;
		if ((m->status >= 100 && m->status < 200) || m->status == 204 || m->status == 304 ||
			rm == SL_HTTP_M_HEAD) {
			m->body = SL_HTTP_BODY_NONE;
		} else if (rm == SL_HTTP_M_CONNECT && m->status >= 200 && m->status < 300) {
			m->body = SL_HTTP_BODY_NONE;
			m->flags |= SL_HTTP_F_TUNNEL;
		} else if (m->flags & SL_HTTP_F_HAS_TE) {
			/* RFC 9112 6.3: chunked not final: read until close */
			m->body = (p->pflags & PF_TE_LAST_CH) ? SL_HTTP_BODY_CHUNKED
							      : SL_HTTP_BODY_CLOSE;
		} else if (m->flags & SL_HTTP_F_HAS_CL) {
			if (m->content_length > p->lim.max_body)
				return SL_HTTP_ERR_BODY_TOO_LARGE;
			m->body = SL_HTTP_BODY_LENGTH;
		} else {
			m->body = SL_HTTP_BODY_CLOSE;
		}
	}
	if (legacy)
		ka = (m->flags & SL_HTTP_F_CONN_KA) && !(m->flags & SL_HTTP_F_CONN_CLOSE);
	else
		ka = !(m->flags & SL_HTTP_F_CONN_CLOSE);
	if (m->body == SL_HTTP_BODY_CLOSE || (m->flags & SL_HTTP_F_TUNNEL))
		ka = false;
	if (ka)
		m->flags |= SL_HTTP_F_KEEP_ALIVE;
	return SL_HTTP_ERR_NONE;
}

/* State after HEADERS. */
static void
body_start(struct sl_http_parser *p)
{
	switch (p->msg.body) {
	case SL_HTTP_BODY_LENGTH:
		p->remaining = p->msg.content_length;
		p->state = p->remaining == 0 ? ST_END_PENDING : ST_BODY_LEN;
		break;
	case SL_HTTP_BODY_CHUNKED:
		p->state = ST_CHUNK_SIZE;
		p->count = 0;
		p->remaining = 0;
		break;
	case SL_HTTP_BODY_CLOSE:
		p->state = ST_BODY_CLOSE;
		break;
	default:
		p->state = ST_END_PENDING;
		break;
	}
}

enum sl_http_err
http_head_done(struct sl_http_parser *p)
{
	enum sl_http_err e = head_done(p);

	if (e == SL_HTTP_ERR_NONE)
		body_start(p);
	return e;
}

/* ---- chunk extensions (RFC 9112 7.1.1), no whitespace allowed ---- */

static inline int
qdtext(uint8_t c)
{
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	       (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

/* One byte of extension: 0 go on, 1 CR ended the line, -1 error. */
static int
chunk_ext(struct sl_http_parser *p, uint8_t c)
{
	switch (p->sub) {
	case EXT_NAME_START:
		if (!http_tchar[c])
			return -1;
		p->sub = EXT_NAME;
		return 0;
	case EXT_NAME:
		if (http_tchar[c])
			return 0;
		if (c == ';')
			p->sub = EXT_NAME_START;
		else if (c == '=')
			p->sub = EXT_VAL_START;
		else if (c == '\r')
			return 1;
		else
			return -1;
		return 0;
	case EXT_VAL_START:
		if (c == '"')
			p->sub = EXT_QUOTED;
		else if (http_tchar[c])
			p->sub = EXT_TOKEN;
		else
			return -1;
		return 0;
	case EXT_TOKEN:
		if (http_tchar[c])
			return 0;
		if (c == ';')
			p->sub = EXT_NAME_START;
		else if (c == '\r')
			return 1;
		else
			return -1;
		return 0;
	case EXT_QUOTED:
		if (c == '"')
			p->sub = EXT_QEND;
		else if (c == '\\')
			p->sub = EXT_QESC;
		else if (!qdtext(c))
			return -1;
		return 0;
	case EXT_QESC:
		if (!(c == '\t' || (c >= 0x20 && c != 0x7f)))
			return -1;
		p->sub = EXT_QUOTED;
		return 0;
	case EXT_QEND:
		if (c == ';')
			p->sub = EXT_NAME_START;
		else if (c == '\r')
			return 1;
		else
			return -1;
		return 0;
	default:
		return -1;
	}
}

/* ---- the step ---- */

enum sl_http_event
http_body_step(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t i,
	uint32_t *consumed, struct sl_http_span *body)
{
	uint32_t n;
	uint8_t c;
	int r;

	while (i < len) {
		c = data[i];
		switch (p->state) {
		case ST_BODY_LEN:
		case ST_CHUNK_DATA:
			n = (uint32_t)RTE_MIN(p->remaining, (uint64_t)(len - i));
			body->off = i;
			body->len = n;
			i += n;
			p->remaining -= n;
			p->msg.body_bytes += n;
			if (p->remaining == 0)
				p->state =
					p->state == ST_BODY_LEN ? ST_END_PENDING : ST_CHUNK_DATA_CR;
			*consumed = i;
			return SL_HTTP_EV_BODY;

		case ST_BODY_CLOSE:
			/* up to the limit, then fail at the first byte beyond it */
			n = (uint32_t)RTE_MIN(
				(uint64_t)(len - i), p->lim.max_body - p->msg.body_bytes);
			if (n == 0)
				FAIL(SL_HTTP_ERR_BODY_TOO_LARGE);
			body->off = i;
			body->len = n;
			i += n;
			p->msg.body_bytes += n;
			*consumed = i;
			return SL_HTTP_EV_BODY;

		case ST_CHUNK_SIZE:
			r = hex_val(c);
			if (r >= 0) {
				if (++p->count > MAX_CHUNK_DIGITS)
					FAIL(SL_HTTP_ERR_CHUNK_SIZE);
				p->remaining = (p->remaining << 4) | (uint64_t)r;
				i++;
				break;
			}
			if (p->count == 0 || (c != ';' && c != '\r'))
				FAIL(SL_HTTP_ERR_CHUNK_SIZE);
			if (p->remaining > p->lim.max_body - p->msg.body_bytes)
				FAIL(SL_HTTP_ERR_BODY_TOO_LARGE);
			i++;
			p->count = 0;
			if (c == ';') {
				p->sub = EXT_NAME_START;
				p->state = ST_CHUNK_EXT;
			} else {
				p->state = ST_CHUNK_LF;
			}
			break;

		case ST_CHUNK_EXT:
			if (++p->count > p->lim.max_chunk_ext)
				FAIL(SL_HTTP_ERR_CHUNK_EXT_TOO_LONG);
			r = chunk_ext(p, c);
			if (r < 0)
				FAIL(SL_HTTP_ERR_CHUNK_EXT);
			i++;
			if (r == 1)
				p->state = ST_CHUNK_LF;
			break;

		case ST_CHUNK_LF:
			if (c != '\n')
				FAIL(SL_HTTP_ERR_BARE_CR);
			i++;
			if (p->remaining != 0) {
				p->state = ST_CHUNK_DATA;
				break;
			}
			/* last chunk: the trailer section follows (http_fields.c) */
			p->pflags |= PF_TRAILERS;
			http_fields_phase(p);
			p->state = ST_FIELD_START;
			return http_next(p, data, len, i, consumed, body);

		case ST_CHUNK_DATA_CR:
			if (c != '\r')
				FAIL(SL_HTTP_ERR_CHUNK_DATA_CRLF);
			i++;
			p->state = ST_CHUNK_DATA_LF;
			break;

		case ST_CHUNK_DATA_LF:
			if (c != '\n')
				FAIL(SL_HTTP_ERR_CHUNK_DATA_CRLF);
			i++;
			p->count = 0;
			p->remaining = 0;
			p->state = ST_CHUNK_SIZE;
			break;

		default:
			FAIL(SL_HTTP_ERR_STATE);
		}
	}
	*consumed = i;
	return SL_HTTP_EV_NEED_MORE;
}
