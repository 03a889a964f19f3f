/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http: what the files of the parser share: its states, private flags, the
 * character classes, the header buffer appends and the per-phase steps.
 *
 * sl_http_parse() (http_parse.c) dispatches on the state to one step per
 * phase: the start line (http_start.c), the field section and trailers
 * (http_fields.c), the body framing (http_body.c). A step runs its own loop
 * over as many bytes of its phase as the input holds, so that the calls
 * between files happen once per phase change, never once per byte; the
 * helpers used inside those loops are inline here. The parser is on the
 * path of every proxied request: a change here is measured in instructions
 * per parse (callgrind), whole and split inputs alike.
 */
#ifndef HTTP_PRIV_H
#define HTTP_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>

#include "http_scan.h"
#include "sl_http.h"

/* The order matters: the phases are ranges (http_next() dispatches on them). */
enum {
	ST_START, /* before a message: skips empty lines */
	ST_RL_METHOD,
	ST_RL_TARGET,
	ST_RL_VERSION, /* request version, then CR */
	ST_SL_VERSION, /* response version, then SP */
	ST_SL_STATUS,
	ST_SL_REASON,
	ST_LINE_LF, /* CR seen at the end of the start line */
	ST_FIELD_START,
	ST_FIELD_NAME,
	ST_FIELD_OWS,
	ST_FIELD_VALUE,
	ST_FIELD_LF,
	ST_HEAD_LF, /* CR of the empty line ending a field section */
	ST_BODY_LEN,
	ST_BODY_CLOSE,
	ST_CHUNK_SIZE,
	ST_CHUNK_EXT,
	ST_CHUNK_LF,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_CR,
	ST_CHUNK_DATA_LF,
	ST_END_PENDING,
	ST_DONE,
	ST_ERROR,
};

/* private flags */
#define PF_TRAILERS 0x01    /* parsing the trailer section */
#define PF_UPGRADE_HDR 0x02 /* an Upgrade field was present */
#define PF_TE_CHUNKED 0x04  /* chunked seen in Transfer-Encoding */
#define PF_TE_LAST_CH 0x08  /* ... and it is the last coding so far */
#define PF_START_LINE 0x10  /* text appended belongs to the start line */

#define FIELD_SZ ((uint32_t)sizeof(struct sl_http_field))

/* ---- character classes ---- */

static inline int
http_is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline int
http_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* ---- errors ---- */

static inline enum sl_http_event
http_set_error(struct sl_http_parser *p, enum sl_http_err e)
{
	p->err = e;
	p->err_status = sl_http_err_status(e, (enum sl_http_kind)p->kind);
	p->state = ST_ERROR;
	return SL_HTTP_EV_ERROR;
}

/* ---- header buffer ---- */

static inline int
http_put(struct sl_http_parser *p, const uint8_t *s, uint32_t n)
{
	if (unlikely((uint64_t)p->pos + n > p->avail_end))
		return -1;
	memcpy(p->buf + p->pos, s, n);
	p->pos += n;
	return 0;
}

static inline int
http_put1(struct sl_http_parser *p, uint8_t c)
{
	if (unlikely(p->pos >= p->avail_end))
		return -1;
	p->buf[p->pos++] = c;
	return 0;
}

static inline enum sl_http_err
http_overflow_err(const struct sl_http_parser *p)
{
	return (p->pflags & PF_START_LINE) ? SL_HTTP_ERR_LINE_TOO_LONG : SL_HTTP_ERR_HEAD_TOO_LARGE;
}

/* Room for field text keeps one entry free for the line being read. */
static inline void
http_fields_phase(struct sl_http_parser *p)
{
	p->pflags &= (uint8_t)~PF_START_LINE;
	p->avail_end = p->fields_lim >= FIELD_SZ ? p->fields_lim - FIELD_SZ : 0;
}

/*
 * The steps' shorthands. They expect p, data, the position i and consumed,
 * where the step stores the position it stopped at.
 */
#define FAIL(e)                                \
	do {                                   \
		*consumed = i;                 \
		return http_set_error(p, (e)); \
	} while (0)

/* The run data[s0..i) did not fit: fail at its first byte that did not. */
#define PUT_RUN(s0)                                                                     \
	do {                                                                            \
		if (unlikely(http_put(p, data + (s0), i - (s0)) != 0)) {                \
			i = (s0) + (p->avail_end > p->pos ? p->avail_end - p->pos : 0); \
			FAIL(http_overflow_err(p));                                     \
		}                                                                       \
	} while (0)

#define PUT1(c)                                       \
	do {                                          \
		if (unlikely(http_put1(p, (c)) != 0)) \
			FAIL(http_overflow_err(p));   \
	} while (0)

/*
 * ---- the steps ----
 *
 * Each parses data[i..len) (i < len) while the state stays in its phase. It
 * returns an event with *consumed set to the bytes consumed (NEED_MORE when
 * the input ran out), or, when its phase ends without an event, goes on
 * through http_next() from the byte where it stopped.
 */

/* http_start.c: ST_START .. ST_LINE_LF */
enum sl_http_event http_start_step(struct sl_http_parser *p, const uint8_t *data, uint32_t len,
	uint32_t i, uint32_t *consumed, struct sl_http_span *body);
/* http_fields.c: ST_FIELD_START .. ST_HEAD_LF, header fields and trailers */
enum sl_http_event http_fields_step(struct sl_http_parser *p, const uint8_t *data, uint32_t len,
	uint32_t i, uint32_t *consumed, struct sl_http_span *body);
/* http_body.c: ST_BODY_LEN .. ST_CHUNK_DATA_LF */
enum sl_http_event http_body_step(struct sl_http_parser *p, const uint8_t *data, uint32_t len,
	uint32_t i, uint32_t *consumed, struct sl_http_span *body);

/* http_body.c: the head is complete; decide the framing and enter the body. */
enum sl_http_err http_head_done(struct sl_http_parser *p);

/*
 * Parse on from data[i]: the events that need no input, the end of the
 * input, or the step of the phase the state is in. sl_http_parse() starts
 * here and a step whose phase ended goes on here, so that the steps follow
 * each other as tail calls: one frame at a time, as when the parser was one
 * function, and at most a few hand-overs per call (start line, fields,
 * body, trailers), each of which consumes input or ends in an event.
 */
static inline enum sl_http_event
http_next(struct sl_http_parser *p, const uint8_t *data, uint32_t len, uint32_t i,
	uint32_t *consumed, struct sl_http_span *body)
{
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
	if (p->state < ST_FIELD_START)
		return http_start_step(p, data, len, i, consumed, body);
	if (p->state < ST_BODY_LEN)
		return http_fields_step(p, data, len, i, consumed, body);
	return http_body_step(p, data, len, i, consumed, body);
}

#endif /* HTTP_PRIV_H */
