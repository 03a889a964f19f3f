/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http: HTTP/1.x message parser and writer (RFC 9110, RFC 9112).
 *
 * The parser is incremental and resumable: it is fed the bytes of one
 * direction of a connection chunk by chunk (one mbuf segment at a time) and
 * never looks at a byte twice. It returns one event per call (head complete,
 * a piece of body, trailers, end of message, error). The start line and the
 * header section are copied into a bounded buffer owned by the caller and
 * handed to the parser at init, so that fields are available contiguously as
 * (offset, length) pairs; bodies are never copied: a BODY event names a range
 * of the caller's input, de-chunked, so that data can be forwarded zero-copy.
 *
 * It is strict wherever leniency lets two implementations disagree about
 * where a message ends (request smuggling, response splitting): ambiguous
 * framing, bare CR or LF, obs-fold, malformed lengths and chunk sizes,
 * unknown transfer codings in requests are errors, never "fixed up". Every
 * error carries the status a gateway answers with (requests: 400, 413, 414,
 * 431, 501, 505; responses: always 502) and a reason for counters. After an
 * error the connection must be closed.
 *
 * The writer emits request and response heads, header fields and chunked
 * framing into a bounded buffer, refusing field text that would inject a
 * line.
 *
 * Callers: any lcore; a parser is used by one thread at a time (the worker
 * owning the connection). No global state, no allocation, no logging.
 * Owns: nothing; the parser struct and its header buffer belong to the caller.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sl_http_kind {
	SL_HTTP_REQUEST,
	SL_HTTP_RESPONSE,
};

/*
 * Methods the parser knows (the IANA registry's HTTP methods plus the RTSP
 * and ICE ones it accepts for those protocols). Anything else is
 * SL_HTTP_M_OTHER, accepted only with sl_http_limits.allow_unknown_methods.
 */
/* clang-format off */
#define SL_HTTP_METHODS(X) \
	X(GET, "GET") X(HEAD, "HEAD") X(POST, "POST") X(PUT, "PUT") \
	X(DELETE, "DELETE") X(CONNECT, "CONNECT") X(OPTIONS, "OPTIONS") \
	X(TRACE, "TRACE") X(PATCH, "PATCH") X(QUERY, "QUERY") \
	X(COPY, "COPY") X(LOCK, "LOCK") X(MKCOL, "MKCOL") X(MOVE, "MOVE") \
	X(PROPFIND, "PROPFIND") X(PROPPATCH, "PROPPATCH") X(SEARCH, "SEARCH") \
	X(UNLOCK, "UNLOCK") X(BIND, "BIND") X(REBIND, "REBIND") X(UNBIND, "UNBIND") \
	X(ACL, "ACL") X(REPORT, "REPORT") X(MKACTIVITY, "MKACTIVITY") \
	X(CHECKOUT, "CHECKOUT") X(MERGE, "MERGE") X(MSEARCH, "M-SEARCH") \
	X(NOTIFY, "NOTIFY") X(SUBSCRIBE, "SUBSCRIBE") X(UNSUBSCRIBE, "UNSUBSCRIBE") \
	X(PURGE, "PURGE") X(MKCALENDAR, "MKCALENDAR") X(LINK, "LINK") \
	X(UNLINK, "UNLINK") X(SOURCE, "SOURCE") \
	X(DESCRIBE, "DESCRIBE") X(ANNOUNCE, "ANNOUNCE") X(SETUP, "SETUP") \
	X(PLAY, "PLAY") X(PAUSE, "PAUSE") X(TEARDOWN, "TEARDOWN") \
	X(GET_PARAMETER, "GET_PARAMETER") X(SET_PARAMETER, "SET_PARAMETER") \
	X(REDIRECT, "REDIRECT") X(RECORD, "RECORD") X(FLUSH, "FLUSH")
/* clang-format on */

/* clang-format off */
enum sl_http_method {
	SL_HTTP_M_UNKNOWN = 0, /* not parsed yet / not given */
#define SL_HTTP_M_ENUM(e, s) SL_HTTP_M_##e,
	SL_HTTP_METHODS(SL_HTTP_M_ENUM)
#undef SL_HTTP_M_ENUM
	SL_HTTP_M_OTHER, /* a valid token outside the table */
	SL_HTTP_M_COUNT
};
/* clang-format on */

/* The protocol name of the start line. Only HTTP is proxied; the others are
 * parsed (llhttp compatibility) so that the caller can refuse them cleanly. */
enum sl_http_proto {
	SL_HTTP_PROTO_HTTP,
	SL_HTTP_PROTO_RTSP,
	SL_HTTP_PROTO_ICE,
};

/* How the body of the current message is delimited. */
enum sl_http_body {
	SL_HTTP_BODY_NONE,    /* no body (no CL/TE in a request, HEAD, 1xx, 204, 304...) */
	SL_HTTP_BODY_LENGTH,  /* Content-Length bytes */
	SL_HTTP_BODY_CHUNKED, /* chunked transfer coding */
	SL_HTTP_BODY_CLOSE,   /* response read until the connection closes */
};

/* Flags of a parsed message (sl_http_msg.flags). */
/* clang-format off */
#define SL_HTTP_F_KEEP_ALIVE   (1u << 0)  /* the connection may carry another message */
#define SL_HTTP_F_CONN_CLOSE   (1u << 1)  /* Connection: close */
#define SL_HTTP_F_CONN_KA      (1u << 2)  /* Connection: keep-alive */
#define SL_HTTP_F_CONN_UPGRADE (1u << 3)  /* Connection: upgrade */
#define SL_HTTP_F_UPGRADE      (1u << 4)  /* request asks for an upgrade (token + Upgrade:) */
#define SL_HTTP_F_TUNNEL       (1u << 5)  /* HTTP stops after this message (CONNECT, 101) */
#define SL_HTTP_F_EXPECT_100   (1u << 6)  /* Expect: 100-continue */
#define SL_HTTP_F_HAS_CL       (1u << 7)  /* a Content-Length field was present */
#define SL_HTTP_F_CL_COLLAPSED (1u << 8)  /* identical duplicate Content-Length collapsed */
#define SL_HTTP_F_HAS_TE       (1u << 9)  /* a Transfer-Encoding field was present */
#define SL_HTTP_F_HTTP09       (1u << 10) /* HTTP/0.9 simple request (no version) */
#define SL_HTTP_F_VERSION_HIGH (1u << 11) /* HTTP/1.x with x > 1, handled as 1.1 */
#define SL_HTTP_F_HAS_HOST     (1u << 12) /* a Host field was present */
/* clang-format on */

/* Error reasons, for counters: X(name, status for a request, text). A
 * response error is always answered with 502. */
/* clang-format off */
#define SL_HTTP_ERRORS(X) \
	X(NONE, 0, "no error") \
	X(STATE, 400, "parser used after an error or without a buffer") \
	X(BARE_CR, 400, "CR not followed by LF") \
	X(BARE_LF, 400, "LF without CR") \
	X(METHOD, 400, "invalid method token") \
	X(METHOD_UNKNOWN, 501, "method not implemented") \
	X(METHOD_PROTO, 400, "method not allowed for the protocol") \
	X(TARGET, 400, "invalid character in the request target") \
	X(TARGET_FORM, 400, "request target not of a form its method takes, or with a fragment") \
	X(TARGET_USERINFO, 400, "userinfo in an absolute-form request target") \
	X(VERSION, 400, "malformed protocol version") \
	X(VERSION_UNSUPPORTED, 505, "protocol version not supported") \
	X(STATUS, 400, "malformed status code") \
	X(REASON, 400, "invalid character in the reason phrase") \
	X(LINE_TOO_LONG, 414, "start line too long") \
	X(WS_AFTER_START, 400, "whitespace before the first field") \
	X(OBS_FOLD, 400, "obsolete line folding") \
	X(NAME, 400, "invalid field name") \
	X(WS_BEFORE_COLON, 400, "whitespace between field name and colon") \
	X(VALUE, 400, "invalid character in field value") \
	X(HEAD_TOO_LARGE, 431, "header section too large") \
	X(TOO_MANY_FIELDS, 431, "too many header fields") \
	X(CL_INVALID, 400, "invalid Content-Length") \
	X(CL_MISMATCH, 400, "differing Content-Length values") \
	X(CL_AND_TE, 400, "both Content-Length and Transfer-Encoding") \
	X(TE_INVALID, 400, "invalid Transfer-Encoding") \
	X(TE_UNKNOWN, 501, "unknown transfer coding") \
	X(TE_NOT_CHUNKED, 400, "chunked is not the final transfer coding") \
	X(TE_CHUNKED_TWICE, 400, "chunked applied twice") \
	X(TE_HTTP10, 400, "Transfer-Encoding in an HTTP/1.0 message") \
	X(HOST_DUP, 400, "more than one Host field") \
	X(BODY_TOO_LARGE, 413, "body too large") \
	X(CHUNK_SIZE, 400, "invalid chunk size") \
	X(CHUNK_EXT, 400, "invalid chunk extension") \
	X(CHUNK_EXT_TOO_LONG, 400, "chunk extension too long") \
	X(CHUNK_DATA_CRLF, 400, "chunk data not followed by CRLF") \
	X(TRUNCATED, 400, "connection closed inside a message")
/* clang-format on */

/* clang-format off */
enum sl_http_err {
#define SL_HTTP_ERR_ENUM(e, st, s) SL_HTTP_ERR_##e,
	SL_HTTP_ERRORS(SL_HTTP_ERR_ENUM)
#undef SL_HTTP_ERR_ENUM
	SL_HTTP_ERR_COUNT
};
/* clang-format on */

enum sl_http_event {
	SL_HTTP_EV_NEED_MORE,	/* all input consumed, feed more */
	SL_HTTP_EV_HEADERS,	/* message head complete: see p->msg and the fields */
	SL_HTTP_EV_BODY,	/* body data: *body is a range of this call's input */
	SL_HTTP_EV_TRAILERS,	/* trailer fields parsed (only if there were any) */
	SL_HTTP_EV_MESSAGE_END, /* message complete; sl_http_parser_reset() for the next */
	SL_HTTP_EV_ERROR,	/* p->err, p->err_status; close the connection */
};

struct sl_http_limits {
	uint32_t max_line;	    /* start line bytes (414 / 502) */
	uint32_t max_fields;	    /* header + trailer fields (431) */
	uint32_t max_chunk_ext;	    /* chunk extension bytes per chunk line */
	uint64_t max_body;	    /* body bytes (413); UINT64_MAX: none */
	bool allow_unknown_methods; /* accept any token as a method (SL_HTTP_M_OTHER) */
};

#define SL_HTTP_HDR_BUF_DEFAULT 8192u
#define SL_HTTP_HDR_BUF_MIN 256u
#define SL_HTTP_HDR_BUF_MAX 65535u /* offsets are 16-bit */

/* A range: of the header buffer (fields) or of the input (body). */
struct sl_http_span {
	uint32_t off;
	uint32_t len;
};

/* The forms of a request target (RFC 9112 3.2). */
enum sl_http_target_form {
	SL_HTTP_TARGET_ORIGIN,    /* /path?query */
	SL_HTTP_TARGET_ABSOLUTE,  /* http://authority/path?query (http or https) */
	SL_HTTP_TARGET_AUTHORITY, /* host:port, CONNECT only */
	SL_HTTP_TARGET_ASTERISK,  /* *, OPTIONS only */
};

/* A request target's parts, as offsets into the target. */
struct sl_http_target {
	enum sl_http_target_form form;
	struct sl_http_span authority; /* absolute and authority forms: host[:port] */
	struct sl_http_span path;      /* empty in an absolute form without one: "/" */
	struct sl_http_span query;     /* after the '?' (has_query: there was one) */
	bool has_query;
};

/* One header or trailer field, offsets into the header buffer. The value is
 * trimmed of surrounding whitespace. */
struct sl_http_field {
	uint16_t name_off;
	uint16_t name_len;
	uint16_t value_off;
	uint16_t value_len;
};

/* The message being parsed; valid from HEADERS until reset. */
struct sl_http_msg {
	enum sl_http_method method; /* request: its method; response: the request's */
	enum sl_http_proto proto;
	enum sl_http_body body;
	uint8_t major, minor;			      /* as handled (1.x with x > 1 reads 1.1) */
	uint16_t status;			      /* response */
	uint32_t flags;				      /* SL_HTTP_F_* */
	struct sl_http_span method_s, target, reason; /* in the header buffer */
	struct sl_http_span head;		      /* the raw head, start line to final CRLF */
	uint64_t content_length;		      /* SL_HTTP_BODY_LENGTH */
	uint64_t body_bytes;			      /* body bytes reported so far */
	uint16_t n_fields;			      /* header fields */
	uint16_t n_trailers;			      /* trailer fields (after the header fields) */
};

/* Parser state: opaque to callers apart from msg, err and err_status. */
struct sl_http_parser {
	struct sl_http_msg msg;
	enum sl_http_err err;
	uint16_t err_status; /* the status to answer with, 0 if no error */
	/* private */
	uint8_t kind; /* enum sl_http_kind */
	uint8_t state;
	uint8_t sub;			/* sub-state: chunk extension, CR seen */
	uint8_t pflags;			/* private flags */
	enum sl_http_method req_method; /* response: the request's method */
	uint32_t pos;			/* bytes of text in the header buffer */
	uint32_t avail_end;		/* text may grow up to here */
	uint32_t fields_lim;		/* lowest byte of the field array */
	uint32_t fields_end;		/* end of the field array (8-byte aligned) */
	uint32_t line_start;		/* current field line */
	uint32_t name_end;		/* its colon */
	uint32_t value_start;		/* its value */
	uint32_t count;			/* bytes or digits of the current token */
	uint64_t remaining;		/* body bytes left (length, chunk) */
	uint8_t *buf;
	struct sl_http_limits lim;
};

/* Fill lim with the defaults for kind (a request body is bounded at 1 MiB, a
 * response body is not). */
void sl_http_limits_default(struct sl_http_limits *lim, enum sl_http_kind kind);

/*
 * Prepare p for a first message. lim NULL: the defaults for kind. hdr_buf
 * holds the head and the field array: hdr_buf_size bytes, at least
 * SL_HTTP_HDR_BUF_MIN, at most SL_HTTP_HDR_BUF_MAX (larger is clamped).
 * Returns 0 or -EINVAL.
 */
int sl_http_parser_init(struct sl_http_parser *p, enum sl_http_kind kind,
	const struct sl_http_limits *lim, uint8_t *hdr_buf, uint32_t hdr_buf_size);

/*
 * Start the next message on the same connection (keep-alive, pipelining,
 * or the final response after a 1xx). Keeps limits and buffer; the fields
 * of the previous message are gone. A response parser keeps the request
 * method after a 1xx response and forgets it otherwise.
 */
void sl_http_parser_reset(struct sl_http_parser *p);

/* Response parser: the method of the request this response answers (HEAD
 * and CONNECT change the framing). Call before its head is parsed. */
void sl_http_parser_set_method(struct sl_http_parser *p, enum sl_http_method m);

/*
 * Parse from data[0..len). Sets *consumed to the bytes used (always; input
 * after them belongs to the next call) and returns one event:
 *  NEED_MORE    everything consumed, nothing to report;
 *  HEADERS      head complete (p->msg, the fields);
 *  BODY         *body = {off, len}: body bytes at data + off (de-chunked);
 *  TRAILERS     trailer fields were parsed;
 *  MESSAGE_END  the message is complete; until sl_http_parser_reset() every
 *               call returns MESSAGE_END again, consuming nothing;
 *  ERROR        p->err, p->err_status; sticky.
 * An event that needs no input (MESSAGE_END after a head without body) is
 * returned even when len is 0.
 */
enum sl_http_event sl_http_parse(struct sl_http_parser *p, const uint8_t *data, uint32_t len,
	uint32_t *consumed, struct sl_http_span *body);

/*
 * The peer closed its side. Returns MESSAGE_END when that completes a
 * message read until close, NEED_MORE when no message was started (clean
 * end between messages), MESSAGE_END if the message already ended, else
 * ERROR (TRUNCATED).
 */
enum sl_http_event sl_http_parser_finish(struct sl_http_parser *p);

/* True once the parser has returned MESSAGE_END (idle until reset). */
bool sl_http_parser_done(const struct sl_http_parser *p);

/* Status for an error reason, its text, its counter name. */
uint16_t sl_http_err_status(enum sl_http_err e, enum sl_http_kind kind);
const char *sl_http_err_str(enum sl_http_err e);
const char *sl_http_err_name(enum sl_http_err e);
/* Method by name (exact, case-sensitive as methods are); M_OTHER if unknown. */
enum sl_http_method sl_http_method_lookup(const char *s, size_t len);

/*
 * Split a request target of `len` bytes into its parts, checking its form
 * against the method (RFC 9112 3.2): origin form; absolute form with the
 * http or https scheme (any case) and no userinfo; authority form for
 * CONNECT only; "*" for OPTIONS only; never a fragment. The parser only
 * checks the target's characters, as llhttp does; a server that acts on
 * the target calls this and answers 400 on an error. Returns SL_HTTP_ERR_NONE, or
 * SL_HTTP_ERR_TARGET_FORM or SL_HTTP_ERR_TARGET_USERINFO.
 */
enum sl_http_err sl_http_target_parse(const char *s, uint32_t len, enum sl_http_method method,
	struct sl_http_target *t);

/* ---- field access (valid from HEADERS until reset) ---- */

static inline const char *
sl_http_str(const struct sl_http_parser *p, struct sl_http_span s)
{
	return (const char *)p->buf + s.off;
}

/* Field i: 0 .. n_fields-1 are header fields, then the trailer fields;
 * NULL beyond. The array grows down from the end of the header buffer. */
static inline const struct sl_http_field *
sl_http_field(const struct sl_http_parser *p, uint32_t i)
{
	if (i >= (uint32_t)p->msg.n_fields + p->msg.n_trailers)
		return NULL;
	return (const struct sl_http_field *)(const void *)(p->buf + p->fields_end -
		(i + 1) * (uint32_t)sizeof(struct sl_http_field));
}

static inline const char *
sl_http_field_name(const struct sl_http_parser *p, const struct sl_http_field *f)
{
	return (const char *)p->buf + f->name_off;
}

static inline const char *
sl_http_field_value(const struct sl_http_parser *p, const struct sl_http_field *f)
{
	return (const char *)p->buf + f->value_off;
}

/*
 * Does s[0..n) equal lc, ignoring case? lc is lower case and holds only
 * letters, digits and '-', so one OR folds each byte of s: no other byte a
 * field name, a value or a target may hold (no controls but HTAB) folds
 * onto one of lc's. Inline and byte-wise: the names compared are short and
 * most differ in length or in the first byte, where a libc call would cost
 * more than the comparison.
 */
static inline bool
sl_http_token_is(const char *s, size_t n, const char *lc, size_t lc_len)
{
	size_t i;

	if (n != lc_len)
		return false;
	for (i = 0; i < n; i++)
		if (((uint8_t)s[i] | 0x20) != (uint8_t)lc[i])
			return false;
	return true;
}

/*
 * The index of the next header field (not trailer) named name (any case)
 * at or after index from, or -1. Iterate: for (i = find(p, n, l, 0); i >= 0;
 * i = find(p, n, l, i + 1)).
 */
int sl_http_find(const struct sl_http_parser *p, const char *name, size_t name_len, uint32_t from);

/* ---- writer ---- */

/* A bounded output buffer; overflow is sticky and reported by the calls. */
struct sl_http_wbuf {
	uint8_t *buf;
	uint32_t size;
	uint32_t len;
	bool overflow;
};

static inline void
sl_http_wbuf_init(struct sl_http_wbuf *w, uint8_t *buf, uint32_t size)
{
	w->buf = buf;
	w->size = size;
	w->len = 0;
	w->overflow = false;
}

/* Default reason phrase of a status ("" if unknown). */
const char *sl_http_reason(uint16_t status);

/*
 * Each returns 0, -ENOSPC (buffer full: w is marked and later calls fail
 * too) or -EINVAL (text that would break the message: a method that is no
 * token, a target with SP or controls, a field name that is no token, a
 * value with CR, LF, NUL or other controls, a status outside 100..999).
 */
int sl_http_w_request_line(struct sl_http_wbuf *w, const char *method, size_t mlen,
	const char *target, size_t tlen, uint8_t minor);
/* A request line in origin form from a target's parts: the path ("/" when
 * empty, RFC 9112 3.2.2) and, if has_query, "?" and the query. */
int sl_http_w_request_line_origin(struct sl_http_wbuf *w, const char *method, size_t mlen,
	const char *path, size_t plen, const char *query, size_t qlen, bool has_query,
	uint8_t minor);
/* reason NULL: the default phrase of status. */
int sl_http_w_status_line(
	struct sl_http_wbuf *w, uint16_t status, const char *reason, size_t rlen, uint8_t minor);
int sl_http_w_field(
	struct sl_http_wbuf *w, const char *name, size_t nlen, const char *value, size_t vlen);
int sl_http_w_field_u64(struct sl_http_wbuf *w, const char *name, size_t nlen, uint64_t v);
/*
 * Bytes copied as they are, unchecked: only for text that is already known
 * to be well formed, such as whole field lines of a head the parser
 * accepted (a gateway forwarding fields copies them in runs).
 */
int sl_http_w_raw(struct sl_http_wbuf *w, const void *data, size_t len);
/* The CRLF ending the head (or the trailer section). */
int sl_http_w_end(struct sl_http_wbuf *w);

/* Chunked framing: "<hex size>CRLF" before size bytes of data, CRLF after
 * them, and "0CRLF" + optional trailer fields + w_end() to finish. A size of
 * 0 is refused by w_chunk_begin (-EINVAL): use w_last_chunk. */
int sl_http_w_chunk_begin(struct sl_http_wbuf *w, uint64_t size);
int sl_http_w_chunk_end(struct sl_http_wbuf *w);
int sl_http_w_last_chunk(struct sl_http_wbuf *w);

#endif /* SL_HTTP_H */
