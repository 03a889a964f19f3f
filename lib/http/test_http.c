/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the HTTP/1.x parser and writer, no EAL.
 *
 * - The shared llhttp corpus (../shared/corpus, never copied here): every
 *   plain `ok` case is accepted, every `error` case rejected, `closed` cases
 *   stop after the message; `*-lenient-*` cases must not be accepted as
 *   their lenient result; `*-finish` cases check sl_http_parser_finish().
 * - Every input, corpus or not, is also fed byte by byte and in random
 *   splits (fixed seed): the events, body bytes, fields and outcome must be
 *   identical to feeding it whole.
 * - A hostile corpus of smuggling, injection and oversize cases, each with
 *   its error reason and status.
 * - Framing rules, limits, the SIMD scanners against the scalar ones,
 *   writer round trips, and a mutation smoke test (must not crash, must stay
 *   split-invariant).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_scan.h"
#include "sl_http.h"
#include "sl_test.h"
#include "sl_test_http.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ull; /* fixed seed: reproducible runs */
#define rnd(n) sl_test_rand(&rng, (n))


/* ---- a driver that records everything observable ---- */

enum outcome { OUT_MORE, OUT_STOP_CLOSE, OUT_STOP_TUNNEL, OUT_ERROR };

enum feed { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

#define TRACE_MAX 8192
#define BODY_MAX (1u << 21)

struct run {
	char trace[TRACE_MAX];
	size_t tlen;
	uint8_t *body;
	uint32_t blen;
	enum outcome out;
	enum sl_http_err err;
	uint16_t status;
	uint32_t stop_at;  /* input bytes consumed when the driver stopped */
	int finish;	   /* sl_http_parser_finish() after OUT_MORE */
	unsigned int msgs; /* MESSAGE_END events */
	unsigned int heads;
	uint32_t last_flags;
	enum sl_http_body last_body;
	int bad_api; /* a contract of sl_http_parse() was broken */
};

static void
tr(struct run *r, const char *s, size_t n)
{
	if (r->tlen + n >= TRACE_MAX)
		n = TRACE_MAX - 1 - r->tlen;
	memcpy(r->trace + r->tlen, s, n);
	r->tlen += n;
	r->trace[r->tlen] = '\0';
}

static void
tr_num(struct run *r, char tag, uint64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%c%llx", tag, (unsigned long long)v);

	tr(r, tmp, (size_t)n);
}

static uint64_t
fnv(uint64_t h, const void *s, size_t n)
{
	const uint8_t *b = s;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static void
trace_fields(struct run *r, const struct sl_http_parser *p, uint32_t from, uint32_t to)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t i;

	for (i = from; i < to; i++) {
		const struct sl_http_field *f = sl_http_field(p, i);

		h = fnv(h, sl_http_field_name(p, f), f->name_len);
		h = fnv(h, ":", 1);
		h = fnv(h, sl_http_field_value(p, f), f->value_len);
		h = fnv(h, "\n", 1);
	}
	tr_num(r, 'f', h);
}

static void
trace_head(struct run *r, const struct sl_http_parser *p)
{
	const struct sl_http_msg *m = &p->msg;

	tr(r, "H", 1);
	tr_num(r, 'm', m->method);
	tr_num(r, 's', m->status);
	tr_num(r, 'v', (uint64_t)m->major * 16 + m->minor);
	tr_num(r, 'F', m->flags);
	tr_num(r, 'b', m->body);
	tr_num(r, 'l', m->content_length);
	tr_num(r, 'n', m->n_fields);
	tr_num(r, 'h', fnv(0xcbf29ce484222325ull, p->buf + m->head.off, m->head.len));
	trace_fields(r, p, 0, m->n_fields);
}


/*
 * Feed raw to a fresh parser in chunks (mode), following the connection
 * rules a proxy would: after MESSAGE_END, a tunnel stops, a 1xx or a
 * keep-alive message resets for the next one, anything else stops (close).
 */
static void
run_feed(enum sl_http_kind kind, const uint8_t *raw, uint32_t len, enum feed mode,
	const struct sl_http_limits *lim, enum sl_http_method req_method, struct run *r)
{
	static uint8_t hbuf[SL_HTTP_HDR_BUF_DEFAULT + 8];
	struct sl_http_parser p;
	uint32_t off = 0;
	int last_body = 0, done = 0;

	r->tlen = 0;
	r->trace[0] = '\0';
	r->blen = 0;
	r->out = OUT_MORE;
	r->err = SL_HTTP_ERR_NONE;
	r->status = 0;
	r->stop_at = 0;
	r->finish = -1;
	r->msgs = 0;
	r->heads = 0;
	r->last_flags = 0;
	r->last_body = SL_HTTP_BODY_NONE;
	r->bad_api = 0;
	/* an odd buffer address: the field array must align itself */
	if (sl_http_parser_init(&p, kind, lim, hbuf + 3, SL_HTTP_HDR_BUF_DEFAULT) != 0) {
		r->bad_api = 1;
		return;
	}
	sl_http_parser_set_method(&p, req_method);
	while (!done) {
		uint32_t clen, coff = 0;

		if (mode == FEED_WHOLE)
			clen = len - off;
		else if (mode == FEED_BYTES)
			clen = off < len ? 1 : 0;
		else
			clen = len - off < 2 ? len - off : 1 + rnd(len - off < 40 ? len - off : 40);
		for (;;) {
			struct sl_http_span body;
			uint32_t n = UINT32_MAX;
			enum sl_http_event ev =
				sl_http_parse(&p, raw + off + coff, clen - coff, &n, &body);

			if (n > clen - coff) {
				r->bad_api = 1;
				return;
			}
			if (ev == SL_HTTP_EV_BODY) {
				if (body.len == 0 || body.off + body.len > n ||
					r->blen + body.len > BODY_MAX) {
					r->bad_api = 1;
					return;
				}
				memcpy(r->body + r->blen, raw + off + coff + body.off, body.len);
				r->blen += body.len;
				if (!last_body)
					tr(r, "B", 1);
				last_body = 1;
			} else if (ev != SL_HTTP_EV_NEED_MORE) {
				last_body = 0;
			}
			coff += n;
			if (ev == SL_HTTP_EV_NEED_MORE) {
				if (coff != clen)
					r->bad_api = 1;
				break;
			}
			if (ev == SL_HTTP_EV_HEADERS) {
				r->heads++;
				r->last_flags = p.msg.flags;
				r->last_body = p.msg.body;
				trace_head(r, &p);
				if (mode == FEED_WHOLE && sl_test_http_roundtrip(&p) != 0) {
					fprintf(stderr, "head round trip failed: %.*s\n",
						(int)p.msg.head.len, sl_http_str(&p, p.msg.head));
					r->bad_api = 1;
					return;
				}
			} else if (ev == SL_HTTP_EV_TRAILERS) {
				tr(r, "T", 1);
				trace_fields(r, &p, p.msg.n_fields,
					(uint32_t)p.msg.n_fields + p.msg.n_trailers);
			} else if (ev == SL_HTTP_EV_MESSAGE_END) {
				tr(r, "E", 1);
				r->msgs++;
				/* MESSAGE_END is idempotent until reset */
				if (sl_http_parse(&p, raw + off + coff, clen - coff, &n, &body) !=
						SL_HTTP_EV_MESSAGE_END ||
					n != 0)
					r->bad_api = 1;
				if (p.msg.flags & (SL_HTTP_F_TUNNEL | SL_HTTP_F_UPGRADE)) {
					r->out = OUT_STOP_TUNNEL;
				} else if (kind == SL_HTTP_RESPONSE && p.msg.status < 200) {
					sl_http_parser_reset(&p);
					continue;
				} else if (p.msg.flags & SL_HTTP_F_KEEP_ALIVE) {
					sl_http_parser_reset(&p);
					continue;
				} else {
					r->out = OUT_STOP_CLOSE;
				}
				r->stop_at = off + coff;
				tr(r, r->out == OUT_STOP_TUNNEL ? "!tunnel" : "!close", 7);
				return;
			} else if (ev == SL_HTTP_EV_ERROR) {
				r->out = OUT_ERROR;
				r->err = p.err;
				r->status = p.err_status;
				r->stop_at = off + coff;
				tr(r, "X", 1);
				tr(r, sl_http_err_name(p.err), strlen(sl_http_err_name(p.err)));
				/* sticky */
				if (sl_http_parse(&p, raw, len, &n, &body) != SL_HTTP_EV_ERROR)
					r->bad_api = 1;
				return;
			}
		}
		off += coff;
		if (off >= len)
			done = 1;
	}
	r->stop_at = len;
	r->finish = (int)sl_http_parser_finish(&p);
	tr_num(r, '.', (uint64_t)r->finish);
}

static struct run run_a, run_b;

/* Feed whole into run_a, then byte by byte and in random splits: all equal. */
static int
run_all(enum sl_http_kind kind, const uint8_t *raw, uint32_t len, const struct sl_http_limits *lim,
	enum sl_http_method m, unsigned int nrandom)
{
	unsigned int k;

	run_feed(kind, raw, len, FEED_WHOLE, lim, m, &run_a);
	if (run_a.bad_api)
		return -1;
	for (k = 0; k < 1 + nrandom; k++) {
		run_feed(kind, raw, len, k == 0 ? FEED_BYTES : FEED_RANDOM, lim, m, &run_b);
		if (run_b.bad_api || strcmp(run_a.trace, run_b.trace) != 0 ||
			run_a.blen != run_b.blen || run_a.stop_at != run_b.stop_at ||
			memcmp(run_a.body, run_b.body, run_a.blen) != 0) {
			fprintf(stderr, "split mismatch (mode %u):\n  whole: %s\n  split: %s\n", k,
				run_a.trace, run_b.trace);
			return -1;
		}
	}
	return 0;
}

static int
run_str(enum sl_http_kind kind, const char *s, enum sl_http_method m)
{
	return run_all(kind, (const uint8_t *)s, (uint32_t)strlen(s), NULL, m, 4);
}

/* ---- the shared llhttp corpus ---- */

static int
b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 s[0..n) into out; returns the length or -1. */
static long
b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0, v;

	for (i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		v = b64_val((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}

/* The string value of "key" in a one-line JSON object (no nesting needed:
 * the first occurrence is the top-level one). Escapes are kept as is. */
static int
json_str(const char *line, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *s, *e;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	s = strstr(line, pat);
	if (s == NULL)
		return -1;
	s += strlen(pat);
	for (e = s; *e != '\0' && *e != '"'; e++)
		if (*e == '\\' && e[1] != '\0')
			e++;
	if (*e != '"')
		return -1;
	n = (size_t)(e - s);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static FILE *
corpus_open(const char *name)
{
	const char *root = getenv("SL_SOURCE_ROOT");
	char path[1024];
	FILE *f = NULL;

	if (root != NULL) {
		snprintf(path, sizeof(path), "%s/../shared/corpus/%s", root, name);
		f = fopen(path, "r");
	}
	if (f == NULL) {
		snprintf(path, sizeof(path), "/work/shared/corpus/%s", name);
		f = fopen(path, "r");
	}
	if (f == NULL)
		fprintf(stderr, "corpus %s not found (SL_SOURCE_ROOT/../shared/corpus)\n", name);
	return f;
}

struct corpus_stats {
	unsigned int ok, ok_pass, err, err_pass, closed, closed_pass;
	unsigned int finish, finish_pass;
	unsigned int lenient, lenient_rejected, lenient_stopped, lenient_accepted;
	unsigned int split_fail;
};

static int
corpus_file(const char *name, enum sl_http_kind kind, struct corpus_stats *st)
{
	static char line[1 << 16], type[128], verdict[32], title[512], b64[1 << 16];
	static uint8_t raw[1 << 16];
	FILE *f = corpus_open(name);
	int failed = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		long len;
		bool lenient, finish, rejected;

		if (json_str(line, "type", type, sizeof(type)) != 0 ||
			json_str(line, "verdict", verdict, sizeof(verdict)) != 0 ||
			json_str(line, "raw", b64, sizeof(b64)) != 0) {
			fprintf(stderr, "%s: unparsable line\n", name);
			failed = 1;
			continue;
		}
		json_str(line, "title", title, sizeof(title));
		len = b64_decode(b64, strlen(b64), raw, sizeof(raw));
		if (len < 0) {
			fprintf(stderr, "%s: bad base64 (%s)\n", name, title);
			failed = 1;
			continue;
		}
		lenient = strstr(type, "lenient") != NULL;
		finish = strstr(type, "-finish") != NULL;
		if (run_all(kind, raw, (uint32_t)len, NULL, SL_HTTP_M_UNKNOWN, 8) != 0) {
			fprintf(stderr, "  split-invariance failed: %s [%s]\n", title, type);
			st->split_fail++;
			failed = 1;
		}
		rejected = run_a.out == OUT_ERROR;
		if (getenv("SL_HTTP_TEST_VERBOSE") != NULL)
			printf("    [%s] %s: %s -> %s\n", type, verdict, title,
				rejected		       ? sl_http_err_name(run_a.err)
				: run_a.out == OUT_STOP_CLOSE  ? "stop(close)"
				: run_a.out == OUT_STOP_TUNNEL ? "stop(tunnel)"
							       : "more");
		if (lenient) {
			st->lenient++;
			if (rejected)
				st->lenient_rejected++;
			else if (run_a.stop_at < (uint32_t)len)
				st->lenient_stopped++;
			else
				st->lenient_accepted++;
			/* an error even in lenient mode must be one here too */
			if (strcmp(verdict, "error") == 0 && !rejected) {
				fprintf(stderr, "  lenient error accepted: %s\n", title);
				failed = 1;
			}
			if (!rejected && run_a.stop_at >= (uint32_t)len &&
				strcmp(verdict, "error") != 0) {
				fprintf(stderr, "  lenient case accepted as lenient: %s [%s] %s\n",
					title, type, run_a.trace);
				failed = 1;
			}
			continue;
		}
		if (finish) {
			/* "safe"/"unsafe to finish": finish() ends cleanly or not */
			bool unsafe = strstr(title, "unsafe") != NULL;
			bool clean = run_a.out == OUT_MORE && run_a.finish != SL_HTTP_EV_ERROR;

			st->finish++;
			if (!rejected && unsafe != clean)
				st->finish_pass++;
			else {
				fprintf(stderr, "  finish: %s -> %s\n", title, run_a.trace);
				failed = 1;
			}
			continue;
		}
		if (strcmp(verdict, "ok") == 0) {
			st->ok++;
			if (!rejected)
				st->ok_pass++;
			else {
				fprintf(stderr, "  ok case rejected: %s -> %s\n", title,
					run_a.trace);
				failed = 1;
			}
		} else if (strcmp(verdict, "error") == 0) {
			st->err++;
			if (rejected)
				st->err_pass++;
			else {
				fprintf(stderr, "  error case accepted: %s -> %s\n", title,
					run_a.trace);
				failed = 1;
			}
		} else if (strcmp(verdict, "closed") == 0) {
			st->closed++;
			if (run_a.out == OUT_STOP_CLOSE && run_a.stop_at < (uint32_t)len)
				st->closed_pass++;
			else {
				fprintf(stderr, "  closed case: %s -> %s\n", title, run_a.trace);
				failed = 1;
			}
		} else {
			fprintf(stderr, "  unknown verdict %s\n", verdict);
			failed = 1;
		}
	}
	fclose(f);
	return failed ? -1 : 0;
}

static void
corpus_print(const char *what, const struct corpus_stats *st)
{
	printf("  %s: ok %u/%u accepted, error %u/%u rejected, closed %u/%u stopped, "
	       "finish %u/%u, lenient %u: %u rejected, %u stopped at close, %u accepted; "
	       "split mismatches %u\n",
		what, st->ok_pass, st->ok, st->err_pass, st->err, st->closed_pass, st->closed,
		st->finish_pass, st->finish, st->lenient, st->lenient_rejected, st->lenient_stopped,
		st->lenient_accepted, st->split_fail);
}

static int
test_corpus_request(void)
{
	struct corpus_stats st = {0};
	int rc = corpus_file("llhttp-request.jsonl", SL_HTTP_REQUEST, &st);

	corpus_print("request", &st);
	SL_CHECK(st.ok > 50 && st.err > 30);
	return rc;
}

static int
test_corpus_response(void)
{
	struct corpus_stats st = {0};
	int rc = corpus_file("llhttp-response.jsonl", SL_HTTP_RESPONSE, &st);

	corpus_print("response", &st);
	SL_CHECK(st.ok > 30 && st.err > 10);
	return rc;
}

/* ---- hostile corpus ---- */

struct hostile {
	enum sl_http_kind kind;
	const char *raw;
	enum sl_http_err err;
	uint16_t status;
};

#define RQ SL_HTTP_REQUEST
#define RS SL_HTTP_RESPONSE
#define E(x) SL_HTTP_ERR_##x
#define POST "POST / HTTP/1.1\r\nHost: a\r\n"
#define CHK POST "Transfer-Encoding: chunked\r\n\r\n"

/* clang-format off */
static const struct hostile hostile[] = {
	/* CL.TE / TE.CL */
	{ RQ, POST "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
		E(CL_AND_TE), 400 },
	{ RQ, POST "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
		E(CL_AND_TE), 400 },
	{ RQ, POST "Content-Length: 0\r\nTransfer-Encoding: identity\r\n\r\n", E(CL_AND_TE), 400 },
	/* TE.TE obfuscations */
	{ RQ, POST "Transfer-Encoding: xchunked\r\n\r\n", E(TE_UNKNOWN), 501 },
	{ RQ, POST "Transfer-Encoding : chunked\r\n\r\n", E(WS_BEFORE_COLON), 400 },
	{ RQ, POST "Transfer-Encoding\t: chunked\r\n\r\n", E(WS_BEFORE_COLON), 400 },
	{ RQ, POST "Transfer-Encoding: chunked, identity\r\n\r\n", E(TE_UNKNOWN), 501 },
	{ RQ, POST "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n", E(TE_UNKNOWN), 501 },
	{ RQ, POST "Transfer-Encoding: chunked, chunked\r\n\r\n", E(TE_CHUNKED_TWICE), 400 },
	{ RQ, POST "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		E(TE_CHUNKED_TWICE), 400 },
	{ RQ, POST "Transfer-Encoding: gzip\r\n\r\n", E(TE_NOT_CHUNKED), 400 },
	{ RQ, POST "Transfer-Encoding: chunked, gzip\r\n\r\n", E(TE_NOT_CHUNKED), 400 },
	{ RQ, POST "Transfer-Encoding: chunked;q=1\r\n\r\n", E(TE_INVALID), 400 },
	{ RQ, POST "Transfer-Encoding: , chunked\r\n\r\n", E(TE_INVALID), 400 },
	{ RQ, POST "Transfer-Encoding: \"chunked\"\r\n\r\n", E(TE_INVALID), 400 },
	{ RQ, POST "Transfer-Encoding:\r\n\r\n", E(TE_INVALID), 400 },
	{ RQ, POST "Transfer-Encoding: \x0b" "chunked\r\n\r\n", E(VALUE), 400 },
	{ RQ, "POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\n\r\n", E(WS_AFTER_START), 400 },
	{ RQ, POST "X: y\r\n Transfer-Encoding: chunked\r\n\r\n", E(OBS_FOLD), 400 },
	{ RQ, POST "X: y\r\n\tchunked\r\n\r\n", E(OBS_FOLD), 400 },
	{ RQ, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", E(TE_HTTP10), 400 },
	/* Content-Length */
	{ RQ, POST "Content-Length: 1\r\nContent-Length: 2\r\n\r\n", E(CL_MISMATCH), 400 },
	{ RQ, POST "Content-Length: 5, 6\r\n\r\n", E(CL_MISMATCH), 400 },
	{ RQ, POST "Content-Length: +5\r\n\r\n", E(CL_INVALID), 400 },
	{ RQ, POST "Content-Length: -1\r\n\r\n", E(CL_INVALID), 400 },
	{ RQ, POST "Content-Length: 0x10\r\n\r\n", E(CL_INVALID), 400 },
	{ RQ, POST "Content-Length: 99999999999999999999\r\n\r\n", E(CL_INVALID), 400 },
	{ RQ, POST "Content-Length: 1 2\r\n\r\n", E(CL_INVALID), 400 },
	{ RQ, POST "Content-Length: 5,,5\r\n\r\n", E(CL_INVALID), 400 },
	{ RQ, POST "Content-Length: 1048577\r\n\r\n", E(BODY_TOO_LARGE), 413 },
	/* chunked framing */
	{ RQ, CHK "ffffffffffffffffff\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK "fffffffffffffff\r\n", E(BODY_TOO_LARGE), 413 },
	{ RQ, CHK "-1\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK "0x5\r\nhello\r\n0\r\n\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK " 5\r\nhello\r\n0\r\n\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK "5 ;a\r\nhello\r\n0\r\n\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK "5\nhello\r\n0\r\n\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK "\r\n", E(CHUNK_SIZE), 400 },
	{ RQ, CHK "5\r\nhello0\r\n\r\n", E(CHUNK_DATA_CRLF), 400 },
	{ RQ, CHK "5\r\nhello\n0\r\n\r\n", E(CHUNK_DATA_CRLF), 400 },
	{ RQ, CHK "5;a=\"b\r\nhello\r\n0\r\n\r\n", E(CHUNK_EXT), 400 },
	{ RQ, CHK "5;a b\r\nhello\r\n0\r\n\r\n", E(CHUNK_EXT), 400 },
	{ RQ, CHK "5\r\nhello\r\n0\r\nX: a\r\n b\r\n\r\n", E(OBS_FOLD), 400 },
	/* injection through CR, LF, NUL */
	{ RQ, POST "X: a\rTransfer-Encoding: chunked\r\n\r\n", E(BARE_CR), 400 },
	{ RQ, POST "X: a\nContent-Length: 5\r\n\r\n", E(BARE_LF), 400 },
	{ RQ, "GET / HTTP/1.1\nHost: a\r\n\r\n", E(BARE_LF), 400 },
	{ RQ, "GET / HTTP/1.1\r\r\n\r\n", E(BARE_CR), 400 },
	{ RQ, "\nGET / HTTP/1.1\r\n\r\n", E(BARE_LF), 400 },
	{ RQ, POST "\r\r\n", E(BARE_CR), 400 },
	{ RQ, "GET /a\tb HTTP/1.1\r\n\r\n", E(TARGET), 400 },
	{ RQ, "GET /a b HTTP/1.1\r\n\r\n", E(VERSION), 400 },
	{ RQ, "GET  / HTTP/1.1\r\n\r\n", E(TARGET), 400 },
	{ RQ, "GET /\xff HTTP/1.1\r\n\r\n", E(TARGET), 400 },
	{ RQ, POST "X/Y: z\r\n\r\n", E(NAME), 400 },
	{ RQ, POST ":authority: x\r\n\r\n", E(NAME), 400 },
	{ RQ, POST "X: \x7f\r\n\r\n", E(VALUE), 400 },
	/* start line */
	{ RQ, "G@T / HTTP/1.1\r\n\r\n", E(METHOD), 400 },
	{ RQ, "get / HTTP/1.1\r\n\r\n", E(METHOD_UNKNOWN), 501 },
	{ RQ, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", E(METHOD_UNKNOWN), 501 },
	{ RQ, "GET / HTTP/2.0\r\n\r\n", E(VERSION_UNSUPPORTED), 505 },
	{ RQ, "GET / HTTP/1.1x\r\n\r\n", E(VERSION), 400 },
	{ RQ, "GET / http/1.1\r\n\r\n", E(VERSION), 400 },
	{ RQ, "POST /\r\n\r\n", E(VERSION), 400 },
	{ RQ, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", E(HOST_DUP), 400 },
	/* responses: always 502 */
	{ RS, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		E(CL_AND_TE), 502 },
	{ RS, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", E(TE_CHUNKED_TWICE), 502 },
	{ RS, "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", E(TE_HTTP10), 502 },
	{ RS, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", E(OBS_FOLD), 502 },
	{ RS, "HTTP/1.1 099 X\r\n\r\n", E(STATUS), 502 },
	{ RS, "HTTP/1.1 600 X\r\n\r\n", E(STATUS), 502 },
	{ RS, "HTTP/1.1 20x OK\r\n\r\n", E(STATUS), 502 },
	{ RS, "HTTP/2 200\r\n\r\n", E(VERSION), 502 },
	{ RS, "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n", E(CL_MISMATCH), 502 },
	{ RS, "HTTP/1.1 200 OK\r\nSet-Cookie: a\rHTTP/1.1 200 OK\r\n\r\n", E(BARE_CR), 502 },
	{ RS, "HTTP/1.1 200 O\x01K\r\n\r\n", E(REASON), 502 },
	{ RS, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX",
		E(CHUNK_DATA_CRLF), 502 },
};
/* clang-format on */

/* Cases built at run time: oversize and NUL bytes. */
static int
hostile_built(void)
{
	static uint8_t big[40000];
	struct sl_http_limits lim;
	uint32_t n, k;
	char hdr[32];

#define CHECK_ERR(kind, len, e, st)                                                      \
	do {                                                                             \
		SL_CHECK_EQ(run_all((kind), big, (len), NULL, SL_HTTP_M_UNKNOWN, 2), 0); \
		SL_CHECK_EQ(run_a.out, OUT_ERROR);                                       \
		SL_CHECK_EQ(run_a.err, (e));                                             \
		SL_CHECK_EQ(run_a.status, (st));                                         \
	} while (0)

	/* NUL in value, name, target */
	n = (uint32_t)snprintf((char *)big, sizeof(big), POST "X: a@b\r\n\r\n");
	big[n - 6] = 0;
	CHECK_ERR(RQ, n, E(VALUE), 400);
	n = (uint32_t)snprintf((char *)big, sizeof(big), POST "X@: b\r\n\r\n");
	big[n - 8] = 0;
	CHECK_ERR(RQ, n, E(NAME), 400);
	n = (uint32_t)snprintf((char *)big, sizeof(big), "GET /@ HTTP/1.1\r\n\r\n");
	big[5] = 0;
	CHECK_ERR(RQ, n, E(TARGET), 400);
	n = (uint32_t)snprintf((char *)big, sizeof(big), POST "Content-Length: 5@\r\n\r\n");
	big[n - 5] = 0;
	CHECK_ERR(RQ, n, E(VALUE), 400);

	/* request line of 9000 bytes: 414 */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 9000);
	memcpy(big + 9005, " HTTP/1.1\r\n\r\n", 13);
	CHECK_ERR(RQ, 9018, E(LINE_TOO_LONG), 414);
	/* response status line too long: 502 */
	memcpy(big, "HTTP/1.1 200 ", 13);
	memset(big + 13, 'a', 9000);
	memcpy(big + 9013, "\r\n\r\n", 4);
	CHECK_ERR(RS, 9017, E(LINE_TOO_LONG), 502);
	/* one field of 9000 bytes: 431 */
	n = (uint32_t)snprintf((char *)big, sizeof(big), POST "X: ");
	memset(big + n, 'v', 9000);
	memcpy(big + n + 9000, "\r\n\r\n", 4);
	CHECK_ERR(RQ, n + 9004, E(HEAD_TOO_LARGE), 431);
	/* 101 fields: 431 */
	n = (uint32_t)snprintf((char *)big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (k = 0; k < 101; k++) {
		int w = snprintf(hdr, sizeof(hdr), "X%u: %u\r\n", k, k);

		memcpy(big + n, hdr, (size_t)w);
		n += (uint32_t)w;
	}
	memcpy(big + n, "\r\n", 2);
	CHECK_ERR(RQ, n + 2, E(TOO_MANY_FIELDS), 431);
	/* 100 fields are fine */
	n = (uint32_t)snprintf((char *)big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (k = 0; k < 100; k++) {
		int w = snprintf(hdr, sizeof(hdr), "X%u: %u\r\n", k, k);

		memcpy(big + n, hdr, (size_t)w);
		n += (uint32_t)w;
	}
	memcpy(big + n, "\r\n", 2);
	SL_CHECK_EQ(run_all(RQ, big, n + 2, NULL, SL_HTTP_M_UNKNOWN, 2), 0);
	SL_CHECK_EQ(run_a.out, OUT_MORE);
	SL_CHECK_EQ(run_a.msgs, 1);
	/* many small fields exhausting the buffer (text + field array): 431 */
	n = (uint32_t)snprintf((char *)big, sizeof(big), "GET / HTTP/1.1\r\n");
	for (k = 0; k < 500; k++) {
		int w = snprintf(hdr, sizeof(hdr), "X-Long-Name-%u: %u\r\n", k, k);

		memcpy(big + n, hdr, (size_t)w);
		n += (uint32_t)w;
	}
	memcpy(big + n, "\r\n", 2);
	sl_http_limits_default(&lim, RQ);
	lim.max_fields = 10000;
	SL_CHECK_EQ(run_all(RQ, big, n + 2, &lim, SL_HTTP_M_UNKNOWN, 2), 0);
	SL_CHECK_EQ(run_a.err, E(HEAD_TOO_LARGE));
	/* 5000 empty lines before a request */
	for (k = 0; k < 5000; k++)
		memcpy(big + 2 * k, "\r\n", 2);
	memcpy(big + 10000, "GET / HTTP/1.1\r\n\r\n", 18);
	CHECK_ERR(RQ, 10018, E(LINE_TOO_LONG), 414);
	/* chunk extension of 2000 bytes */
	n = (uint32_t)snprintf((char *)big, sizeof(big), CHK "5;");
	memset(big + n, 'e', 2000);
	memcpy(big + n + 2000, "\r\nhello\r\n0\r\n\r\n", 15);
	CHECK_ERR(RQ, n + 2015, E(CHUNK_EXT_TOO_LONG), 400);
	/* chunked body beyond the limit, in small chunks */
	lim.max_body = 1000;
	n = (uint32_t)snprintf((char *)big, sizeof(big), CHK);
	for (k = 0; k < 11; k++) {
		memcpy(big + n, "64\r\n", 4);
		memset(big + n + 4, 'x', 100);
		memcpy(big + n + 104, "\r\n", 2);
		n += 106;
	}
	SL_CHECK_EQ(run_all(RQ, big, n, &lim, SL_HTTP_M_UNKNOWN, 2), 0);
	SL_CHECK_EQ(run_a.err, E(BODY_TOO_LARGE));
	SL_CHECK_EQ(run_a.status, 413);
	SL_CHECK_EQ(run_a.blen, 1000);
	/* response read until close beyond the limit */
	n = (uint32_t)snprintf((char *)big, sizeof(big), "HTTP/1.1 200 OK\r\n\r\n");
	memset(big + n, 'x', 1001);
	SL_CHECK_EQ(run_all(RS, big, n + 1001, &lim, SL_HTTP_M_GET, 2), 0);
	SL_CHECK_EQ(run_a.err, E(BODY_TOO_LARGE));
	SL_CHECK_EQ(run_a.status, 502);
	return 0;
#undef CHECK_ERR
}

static int
test_hostile(void)
{
	unsigned int i, bad = 0;

	for (i = 0; i < DIM(hostile); i++) {
		const struct hostile *h = &hostile[i];

		if (run_all(h->kind, (const uint8_t *)h->raw, (uint32_t)strlen(h->raw), NULL,
			    SL_HTTP_M_GET, 8) != 0 ||
			run_a.out != OUT_ERROR || run_a.err != h->err ||
			run_a.status != h->status) {
			fprintf(stderr, "hostile #%u: want %s/%u, got %s\n  %s\n", i,
				sl_http_err_name(h->err), h->status, run_a.trace, h->raw);
			bad++;
		}
	}
	printf("  hostile: %zu table cases + 18 built, %u failed\n", DIM(hostile), bad);
	SL_CHECK_EQ(bad, 0);
	SL_CHECK(DIM(hostile) >= 40);
	return hostile_built();
}

/* ---- framing rules and field access ---- */

/* Parse one whole message s with a fresh parser; events until NEED_MORE or
 * MESSAGE_END; returns the last event. */
static uint8_t sbuf[SL_HTTP_HDR_BUF_DEFAULT];

static enum sl_http_event
parse_one(struct sl_http_parser *p, const char *s, uint32_t *used, char *body, size_t *blen)
{
	uint32_t off = 0, len = (uint32_t)strlen(s), n;
	struct sl_http_span sp;
	enum sl_http_event ev;

	*blen = 0;
	do {
		ev = sl_http_parse(p, (const uint8_t *)s + off, len - off, &n, &sp);
		if (ev == SL_HTTP_EV_BODY) {
			memcpy(body + *blen, s + off + sp.off, sp.len);
			*blen += sp.len;
		}
		off += n;
	} while (ev != SL_HTTP_EV_NEED_MORE && ev != SL_HTTP_EV_MESSAGE_END &&
		 ev != SL_HTTP_EV_ERROR);
	*used = off;
	body[*blen] = '\0';
	return ev;
}

static int
field_is(const struct sl_http_parser *p, const char *name, const char *value)
{
	int i = sl_http_find(p, name, strlen(name), 0);
	const struct sl_http_field *f;

	if (i < 0)
		return 0;
	f = sl_http_field(p, (uint32_t)i);
	return f->value_len == strlen(value) &&
	       memcmp(sl_http_field_value(p, f), value, f->value_len) == 0;
}

static int
test_request_fields(void)
{
	static const char req[] =
		"\r\nGET /a?b=c HTTP/1.1\r\nHost: example.com\r\n"
		"X-Empty:\r\nX-Sp:  \t v a l \t \r\ncOnNeCtIoN: keep-alive, Upgrade\r\n"
		"Upgrade: websocket\r\nExpect: 100-Continue\r\nX-Sp: second\r\n\r\n";
	struct sl_http_parser p;
	char body[64];
	size_t blen;
	uint32_t used;
	int i;

	SL_CHECK_EQ(sl_http_parser_init(&p, RQ, NULL, sbuf, sizeof(sbuf)), 0);
	SL_CHECK_EQ(parse_one(&p, req, &used, body, &blen), SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(used, strlen(req));
	SL_CHECK_EQ(p.msg.method, SL_HTTP_M_GET);
	SL_CHECK(memcmp(sl_http_str(&p, p.msg.target), "/a?b=c", 6) == 0);
	SL_CHECK_EQ(p.msg.target.len, 6);
	SL_CHECK_EQ(p.msg.major, 1);
	SL_CHECK_EQ(p.msg.minor, 1);
	SL_CHECK_EQ(p.msg.n_fields, 7);
	SL_CHECK(field_is(&p, "host", "example.com"));
	SL_CHECK(field_is(&p, "X-EMPTY", ""));
	SL_CHECK(field_is(&p, "x-sp", "v a l"));
	i = sl_http_find(&p, "x-sp", 4, 0);
	i = sl_http_find(&p, "x-sp", 4, (uint32_t)i + 1);
	SL_CHECK_EQ(i, 6);
	SL_CHECK_EQ(sl_http_find(&p, "x-sp", 4, (uint32_t)i + 1), -1);
	SL_CHECK_EQ(sl_http_find(&p, "nope", 4, 0), -1);
	SL_CHECK(p.msg.flags & SL_HTTP_F_KEEP_ALIVE);
	SL_CHECK(p.msg.flags & SL_HTTP_F_UPGRADE);
	SL_CHECK(p.msg.flags & SL_HTTP_F_EXPECT_100);
	SL_CHECK(p.msg.flags & SL_HTTP_F_HAS_HOST);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_NONE);
	/* the raw head, leading empty line excluded */
	SL_CHECK_EQ(p.msg.head.len, strlen(req) - 2);
	SL_CHECK(memcmp(sl_http_str(&p, p.msg.head), req + 2, p.msg.head.len) == 0);
	SL_CHECK(sl_http_parser_done(&p));
	SL_CHECK(sl_http_field(&p, 7) == NULL);

	/* HTTP/1.0: keep-alive only when asked; 100-continue ignored */
	SL_CHECK_EQ(sl_http_parser_init(&p, RQ, NULL, sbuf, sizeof(sbuf)), 0);
	SL_CHECK_EQ(
		parse_one(&p, "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.flags & (SL_HTTP_F_KEEP_ALIVE | SL_HTTP_F_EXPECT_100), 0);
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &used, body,
			    &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK(p.msg.flags & SL_HTTP_F_KEEP_ALIVE);
	/* HTTP/1.1: close */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(
		parse_one(&p, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.flags & SL_HTTP_F_KEEP_ALIVE, 0);
	/* HTTP/1.2 reads as 1.1 */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "GET / HTTP/1.2\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.minor, 1);
	SL_CHECK(p.msg.flags & SL_HTTP_F_VERSION_HIGH);
	/* HTTP/0.9 simple request */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "GET /x\r\n", &used, body, &blen), SL_HTTP_EV_MESSAGE_END);
	SL_CHECK(p.msg.flags & SL_HTTP_F_HTTP09);
	SL_CHECK_EQ(p.msg.flags & SL_HTTP_F_KEEP_ALIVE, 0);
	/* CONNECT: tunnel, no body even with a Content-Length */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(
		parse_one(&p, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nContent-Length: 3\r\n\r\n",
			&used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK(p.msg.flags & SL_HTTP_F_TUNNEL);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_NONE);
	/* unknown methods only when allowed */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "FROB / HTTP/1.1\r\n\r\n", &used, body, &blen), SL_HTTP_EV_ERROR);
	SL_CHECK_EQ(p.err_status, 501);
	{
		struct sl_http_limits lim;

		sl_http_limits_default(&lim, RQ);
		lim.allow_unknown_methods = true;
		SL_CHECK_EQ(sl_http_parser_init(&p, RQ, &lim, sbuf, sizeof(sbuf)), 0);
		SL_CHECK_EQ(parse_one(&p, "FROB-IT_2 / HTTP/1.1\r\n\r\n", &used, body, &blen),
			SL_HTTP_EV_MESSAGE_END);
		SL_CHECK_EQ(p.msg.method, SL_HTTP_M_OTHER);
		SL_CHECK_EQ(p.msg.method_s.len, 9);
	}
	/* init refuses nonsense */
	SL_CHECK_EQ(sl_http_parser_init(&p, RQ, NULL, sbuf, 16), -EINVAL);
	SL_CHECK_EQ(sl_http_parser_init(&p, RQ, NULL, NULL, 4096), -EINVAL);
	return 0;
}

static int
test_bodies(void)
{
	struct sl_http_parser p;
	char body[256];
	size_t blen;
	uint32_t used;

	SL_CHECK_EQ(sl_http_parser_init(&p, RQ, NULL, sbuf, sizeof(sbuf)), 0);
	/* Content-Length, identical duplicates collapsed */
	SL_CHECK_EQ(parse_one(&p, POST "Content-Length: 5\r\ncontent-length: 5, 5\r\n\r\nhelloGET",
			    &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_STR(body, "hello");
	SL_CHECK(p.msg.flags & SL_HTTP_F_CL_COLLAPSED);
	SL_CHECK_EQ(p.msg.content_length, 5);
	SL_CHECK_EQ(used, strlen(POST "Content-Length: 5\r\ncontent-length: 5, 5\r\n\r\nhello"));
	/* chunked with extensions and trailers */
	sl_http_parser_reset(&p);
	{
		static const char s[] = CHK "5;a=b;c=\"d;\\\"e\"\r\nhello\r\n6\r\n world\r\n"
					    "000;x\r\nTrailer-A: 1\r\nTrailer-B:  two \r\n\r\n";
		uint32_t off = 0, n, len = (uint32_t)strlen(s);
		struct sl_http_span sp;
		enum sl_http_event ev;
		const struct sl_http_field *f;
		int trailers = 0;

		blen = 0;
		do {
			ev = sl_http_parse(&p, (const uint8_t *)s + off, len - off, &n, &sp);
			if (ev == SL_HTTP_EV_BODY) {
				memcpy(body + blen, s + off + sp.off, sp.len);
				blen += sp.len;
			}
			trailers += ev == SL_HTTP_EV_TRAILERS;
			off += n;
		} while (ev != SL_HTTP_EV_MESSAGE_END && ev != SL_HTTP_EV_ERROR);
		body[blen] = '\0';
		SL_CHECK_EQ(ev, SL_HTTP_EV_MESSAGE_END);
		SL_CHECK_EQ(off, len);
		SL_CHECK_STR(body, "hello world");
		SL_CHECK_EQ(trailers, 1);
		SL_CHECK_EQ(p.msg.n_trailers, 2);
		SL_CHECK_EQ(p.msg.body_bytes, 11);
		f = sl_http_field(&p, p.msg.n_fields + 1);
		SL_CHECK(f != NULL && f->value_len == 3 &&
			 memcmp(sl_http_field_value(&p, f), "two", 3) == 0);
		/* trailers are not header fields */
		SL_CHECK_EQ(sl_http_find(&p, "trailer-a", 9, 0), -1);
	}
	/* TE variants that are fine */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, POST "Transfer-Encoding:\tgzip ,\tCHUNKED\t\r\n\r\n0\r\n\r\n",
			    &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_CHUNKED);
	/* body limit: exactly max_body is fine */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, POST "Content-Length: 1048576\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_NEED_MORE);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_LENGTH);
	SL_CHECK_EQ(sl_http_parser_finish(&p), SL_HTTP_EV_ERROR);
	SL_CHECK_EQ(p.err, SL_HTTP_ERR_TRUNCATED);
	return 0;
}

static int
test_responses(void)
{
	struct sl_http_parser p;
	char body[256];
	size_t blen;
	uint32_t used;

	SL_CHECK_EQ(sl_http_parser_init(&p, RS, NULL, sbuf, sizeof(sbuf)), 0);
	/* HEAD: no body whatever the fields say */
	sl_http_parser_set_method(&p, SL_HTTP_M_HEAD);
	SL_CHECK_EQ(
		parse_one(&p, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_NONE);
	SL_CHECK_EQ(p.msg.method, SL_HTTP_M_HEAD);
	SL_CHECK(p.msg.flags & SL_HTTP_F_KEEP_ALIVE);
	/* the method is forgotten after a final response */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(
		parse_one(&p, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_STR(body, "ok");
	/* 100-continue, then the final response to the same (HEAD) request */
	sl_http_parser_reset(&p);
	sl_http_parser_set_method(&p, SL_HTTP_M_HEAD);
	SL_CHECK_EQ(parse_one(&p, "HTTP/1.1 100 Continue\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.status, 100);
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(
		parse_one(&p, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_NONE);
	/* 204 and 304 */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", &used,
			    body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
			    &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	/* CONNECT 200: tunnel */
	sl_http_parser_reset(&p);
	sl_http_parser_set_method(&p, SL_HTTP_M_CONNECT);
	SL_CHECK_EQ(
		parse_one(&p, "HTTP/1.1 200 Connection established\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK(p.msg.flags & SL_HTTP_F_TUNNEL);
	/* 101: tunnel */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: ws\r\n\r\n", &used,
			    body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK(p.msg.flags & SL_HTTP_F_TUNNEL);
	/* until close; finish() ends it */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(
		parse_one(&p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked, x\r\n\r\nab",
			&used, body, &blen),
		SL_HTTP_EV_NEED_MORE);
	SL_CHECK_EQ(p.msg.body, SL_HTTP_BODY_CLOSE);
	SL_CHECK_EQ(p.msg.flags & SL_HTTP_F_KEEP_ALIVE, 0);
	SL_CHECK_STR(body, "ab");
	SL_CHECK_EQ(sl_http_parser_finish(&p), SL_HTTP_EV_MESSAGE_END);
	/* reason phrase and no reason */
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "HTTP/1.1 404 Not  Found\r\nContent-Length: 0\r\n\r\n", &used,
			    body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.reason.len, 10);
	SL_CHECK(memcmp(sl_http_str(&p, p.msg.reason), "Not  Found", 10) == 0);
	sl_http_parser_reset(&p);
	SL_CHECK_EQ(parse_one(&p, "HTTP/1.1 301\r\nContent-Length: 0\r\n\r\n", &used, body, &blen),
		SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(p.msg.status, 301);
	SL_CHECK_EQ(p.msg.reason.len, 0);
	return 0;
}

/* Pipelined requests in every split give the same events (run_all). */
static int
test_pipeline_splits(void)
{
	static const char *const reqs[] = {
		"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: "
		"3\r\n\r\n"
		"abc\r\nPUT /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3;x=\"y\"\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\nGET /4 HTTP/1.1\r\n"
		"Host: a\r\nConnection: close\r\n\r\nGET /5 HTTP/1.1\r\n\r\n",
	};
	static const char *const resps[] = {
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n"
		"Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\nrest",
	};
	unsigned int i;

	for (i = 0; i < DIM(reqs); i++) {
		SL_CHECK_EQ(run_str(RQ, reqs[i], SL_HTTP_M_UNKNOWN), 0);
		SL_CHECK_EQ(run_a.msgs, 4);
		SL_CHECK_EQ(run_a.out, OUT_STOP_CLOSE);
		SL_CHECK_EQ(run_a.blen, 3 + 3 + 16);
	}
	for (i = 0; i < DIM(resps); i++) {
		SL_CHECK_EQ(run_str(RS, resps[i], SL_HTTP_M_GET), 0);
		SL_CHECK_EQ(run_a.msgs, 4);
		SL_CHECK_EQ(run_a.out, OUT_MORE);
		SL_CHECK_EQ(run_a.finish, SL_HTTP_EV_MESSAGE_END);
		SL_CHECK_EQ(run_a.blen, 3 + 1 + 4);
	}
	return 0;
}

/* ---- scanners: SIMD and scalar agree ---- */

static int
test_scan(void)
{
	static uint8_t b[300];
	unsigned int it, k;

	for (it = 0; it < 20000; it++) {
		uint32_t n = rnd(sizeof(b));

		for (k = 0; k < n; k++) {
			/* mostly valid bytes, sometimes anything */
			b[k] = rnd(8) == 0 ? (uint8_t)rnd(256) : (uint8_t)(0x21 + rnd(0x5e));
		}
		SL_CHECK_EQ(http_scan_target(b, n), http_scan_target_scalar(b, n));
		SL_CHECK_EQ(http_scan_value(b, n), http_scan_value_scalar(b, n));
		SL_CHECK_EQ(http_scan_tchar(b, n), http_scan_tchar_scalar(b, n));
	}
	/* every byte value at every position of a 16-byte block */
	for (k = 0; k < 256; k++) {
		unsigned int pos;

		for (pos = 0; pos < 40; pos++) {
			memset(b, 'a', 48);
			b[pos] = (uint8_t)k;
			SL_CHECK_EQ(http_scan_target(b, 48), http_scan_target_scalar(b, 48));
			SL_CHECK_EQ(http_scan_value(b, 48), http_scan_value_scalar(b, 48));
			SL_CHECK_EQ(http_scan_tchar(b, 48), http_scan_tchar_scalar(b, 48));
		}
	}
	return 0;
}

/* ---- request target forms (RFC 9112 3.2) ---- */

static int
test_targets(void)
{
	static const struct {
		const char *target;
		enum sl_http_method method;
		enum sl_http_err err;
		enum sl_http_target_form form;
		const char *authority, *path, *query; /* query NULL: none */
	} cases[] = {
		{"/a/b?c=1", SL_HTTP_M_GET, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_ORIGIN, "", "/a/b", "c=1"},
		{"/?", SL_HTTP_M_GET, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_ORIGIN, "", "/", ""},
		{"http://h.example/p", SL_HTTP_M_GET, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_ABSOLUTE,
		 "h.example", "/p", NULL},
		{"HTTPS://h:8443?q", SL_HTTP_M_POST, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_ABSOLUTE,
		 "h:8443", "", "q"},
		{"http://h", SL_HTTP_M_GET, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_ABSOLUTE, "h", "", NULL},
		{"*", SL_HTTP_M_OPTIONS, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_ASTERISK, "", "", NULL},
		{"h.example:443", SL_HTTP_M_CONNECT, SL_HTTP_ERR_NONE, SL_HTTP_TARGET_AUTHORITY,
		 "h.example:443", "", NULL},
		{"*", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"/a#f", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"http://", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"http:/h/", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"ftp://h/", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"httpx://h/", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"h.example", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"http://u:p@h/", SL_HTTP_M_GET, SL_HTTP_ERR_TARGET_USERINFO, 0, NULL, NULL, NULL},
		{"/p", SL_HTTP_M_CONNECT, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"h.example", SL_HTTP_M_CONNECT, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"h:44x", SL_HTTP_M_CONNECT, SL_HTTP_ERR_TARGET_FORM, 0, NULL, NULL, NULL},
		{"u@h:443", SL_HTTP_M_CONNECT, SL_HTTP_ERR_TARGET_USERINFO, 0, NULL, NULL, NULL},
	};
	unsigned int i;

	for (i = 0; i < DIM(cases); i++) {
		const char *s = cases[i].target;
		struct sl_http_target t;
		enum sl_http_err e = sl_http_target_parse(s, (uint32_t)strlen(s), cases[i].method, &t);

		if (e != cases[i].err)
			fprintf(stderr, "target %s: %s\n", s, sl_http_err_name(e));
		SL_CHECK_EQ(e, cases[i].err);
		if (e != SL_HTTP_ERR_NONE)
			continue;
		SL_CHECK_EQ(t.form, cases[i].form);
		SL_CHECK_EQ(t.authority.len, strlen(cases[i].authority));
		SL_CHECK(memcmp(s + t.authority.off, cases[i].authority, t.authority.len) == 0);
		SL_CHECK_EQ(t.path.len, strlen(cases[i].path));
		SL_CHECK(memcmp(s + t.path.off, cases[i].path, t.path.len) == 0);
		SL_CHECK_EQ(t.has_query, cases[i].query != NULL);
		if (cases[i].query != NULL)
			SL_CHECK(t.query.len == strlen(cases[i].query) &&
					memcmp(s + t.query.off, cases[i].query, t.query.len) == 0);
	}
	return 0;
}

/* ---- writer ---- */

static int
test_writer(void)
{
	static uint8_t out[4096];
	static const char val[] = "some value; with=\"quotes\"";
	struct sl_http_wbuf w;
	struct sl_http_parser p;
	struct sl_http_span sp;
	enum sl_http_event ev;
	uint32_t off = 0, n;
	char body[64];
	size_t blen = 0;
	uint8_t tiny[8];

	/* request head */
	sl_http_wbuf_init(&w, out, sizeof(out));
	SL_CHECK_EQ(sl_http_w_request_line(&w, "POST", 4, "/up?x=1", 7, 1), 0);
	SL_CHECK_EQ(sl_http_w_field(&w, "Host", 4, "example.com", 11), 0);
	SL_CHECK_EQ(sl_http_w_field(&w, "X-Val", 5, val, strlen(val)), 0);
	SL_CHECK_EQ(sl_http_w_field(&w, "Transfer-Encoding", 17, "chunked", 7), 0);
	SL_CHECK_EQ(sl_http_w_end(&w), 0);
	/* chunked body: "hello" + 300 bytes + last chunk + a trailer */
	SL_CHECK_EQ(sl_http_w_chunk_begin(&w, 5), 0);
	SL_CHECK_EQ(w.len + 5 <= w.size, 1);
	memcpy(out + w.len, "hello", 5);
	w.len += 5;
	SL_CHECK_EQ(sl_http_w_chunk_end(&w), 0);
	SL_CHECK_EQ(sl_http_w_chunk_begin(&w, 300), 0);
	SL_CHECK(memcmp(out + w.len - 5, "12c\r\n", 5) == 0);
	memset(out + w.len, 'z', 300);
	w.len += 300;
	SL_CHECK_EQ(sl_http_w_chunk_end(&w), 0);
	SL_CHECK_EQ(sl_http_w_last_chunk(&w), 0);
	SL_CHECK_EQ(sl_http_w_field_u64(&w, "X-Count", 7, 18446744073709551615ull), 0);
	SL_CHECK_EQ(sl_http_w_end(&w), 0);

	SL_CHECK_EQ(sl_http_parser_init(&p, RQ, NULL, sbuf, sizeof(sbuf)), 0);
	do {
		ev = sl_http_parse(&p, out + off, w.len - off, &n, &sp);
		if (ev == SL_HTTP_EV_BODY) {
			if (blen + sp.len <= 5)
				memcpy(body + blen, out + off + sp.off, sp.len);
			blen += sp.len;
		}
		off += n;
	} while (ev != SL_HTTP_EV_MESSAGE_END && ev != SL_HTTP_EV_ERROR);
	SL_CHECK_EQ(ev, SL_HTTP_EV_MESSAGE_END);
	SL_CHECK_EQ(off, w.len);
	SL_CHECK_EQ(blen, 305);
	SL_CHECK(memcmp(body, "hello", 5) == 0);
	SL_CHECK_EQ(p.msg.method, SL_HTTP_M_POST);
	SL_CHECK(field_is(&p, "x-val", val));
	SL_CHECK(field_is(&p, "host", "example.com"));
	SL_CHECK_EQ(p.msg.n_trailers, 1);
	{
		const struct sl_http_field *f = sl_http_field(&p, p.msg.n_fields);

		SL_CHECK(f->value_len == 20 &&
			 memcmp(sl_http_field_value(&p, f), "18446744073709551615", 20) == 0);
	}

	/* response head, default and given reason */
	sl_http_wbuf_init(&w, out, sizeof(out));
	SL_CHECK_EQ(sl_http_w_status_line(&w, 404, NULL, 0, 1), 0);
	SL_CHECK_EQ(sl_http_w_field_u64(&w, "Content-Length", 14, 0), 0);
	SL_CHECK_EQ(sl_http_w_end(&w), 0);
	SL_CHECK_EQ(sl_http_w_status_line(&w, 200, "Fine", 4, 0), 0);
	SL_CHECK_EQ(sl_http_w_field_u64(&w, "Content-Length", 14, 2), 0);
	SL_CHECK_EQ(sl_http_w_field(&w, "Connection", 10, "keep-alive", 10), 0);
	SL_CHECK_EQ(sl_http_w_end(&w), 0);
	memcpy(out + w.len, "ok", 2);
	SL_CHECK_EQ(run_all(RS, out, w.len + 2, NULL, SL_HTTP_M_GET, 4), 0);
	SL_CHECK_EQ(run_a.msgs, 2);
	SL_CHECK_EQ(run_a.blen, 2);
	{
		static const char want[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
					   "HTTP/1.0 200 Fine\r\n";

		SL_CHECK(memcmp(out, want, sizeof(want) - 1) == 0);
	}

	/* injection and garbage refused */
	sl_http_wbuf_init(&w, out, sizeof(out));
	SL_CHECK_EQ(sl_http_w_field(&w, "X", 1, "a\r\nB: c", 7), -EINVAL);
	SL_CHECK_EQ(sl_http_w_field(&w, "X", 1, "a\nb", 3), -EINVAL);
	SL_CHECK_EQ(sl_http_w_field(&w, "X", 1, "a\0b", 3), -EINVAL);
	SL_CHECK_EQ(sl_http_w_field(&w, "X", 1, " a", 2), -EINVAL);
	SL_CHECK_EQ(sl_http_w_field(&w, "X Y", 3, "a", 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_field(&w, "X:", 2, "a", 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_field(&w, "", 0, "a", 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_request_line(&w, "GET", 3, "/a b", 4, 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_request_line(&w, "GET", 3, "", 0, 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_request_line(&w, "G T", 3, "/", 1, 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_request_line(&w, "GET", 3, "/", 1, 2), -EINVAL);
	SL_CHECK_EQ(sl_http_w_status_line(&w, 99, NULL, 0, 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_status_line(&w, 200, "a\rb", 3, 1), -EINVAL);
	SL_CHECK_EQ(sl_http_w_chunk_begin(&w, 0), -EINVAL);
	SL_CHECK_EQ(w.len, 0);
	/* bounded: overflow is reported and sticky */
	sl_http_wbuf_init(&w, tiny, sizeof(tiny));
	SL_CHECK_EQ(sl_http_w_field(&w, "Name", 4, "value", 5), -ENOSPC);
	SL_CHECK(w.overflow);
	SL_CHECK_EQ(sl_http_w_end(&w), -ENOSPC);
	SL_CHECK(w.len <= sizeof(tiny));
	sl_http_wbuf_init(&w, tiny, sizeof(tiny));
	SL_CHECK_EQ(sl_http_w_chunk_begin(&w, 0xabcdef), 0);
	SL_CHECK(memcmp(tiny, "abcdef\r\n", 8) == 0);
	SL_CHECK_EQ(sl_http_w_chunk_end(&w), -ENOSPC);
	SL_CHECK_STR(sl_http_reason(503), "Service Unavailable");
	return 0;
}

/* ---- mutation smoke test: no crash, split-invariant ---- */

static int
test_mutations(void)
{
	static const char *const seeds[] = {
		CHK "5;a=b\r\nhello\r\n0\r\nT: 1\r\n\r\n",
		POST "Content-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
		 "Content-Length: 1\r\n\r\nx"),
	};
	static const char alphabet[] = "\r\n :;,\t\"\\0aF-";
	static uint8_t b[512];
	unsigned int it, errors = 0;

	for (it = 0; it < 3000; it++) {
		const char *s = seeds[it % DIM(seeds)];
		uint32_t n = (uint32_t)strlen(s), k, muts = 1 + rnd(4);
		enum sl_http_kind kind = s[0] == 'H' ? RS : RQ;

		memcpy(b, s, n);
		for (k = 0; k < muts; k++) {
			uint32_t at = rnd(n);

			switch (rnd(3)) {
			case 0:
				b[at] = (uint8_t)alphabet[rnd(sizeof(alphabet) - 1)];
				break;
			case 1:
				b[at] = (uint8_t)rnd(256);
				break;
			default:
				if (n + 1 < sizeof(b)) {
					memmove(b + at + 1, b + at, n - at);
					b[at] = (uint8_t)alphabet[rnd(sizeof(alphabet) - 1)];
					n++;
				}
				break;
			}
		}
		SL_CHECK_EQ(run_all(kind, b, n, NULL, SL_HTTP_M_GET, 2), 0);
		errors += run_a.out == OUT_ERROR;
	}
	printf("  mutations: 3000 inputs, %u rejected\n", errors);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{"corpus_request", test_corpus_request},
		{"corpus_response", test_corpus_response},
		{"hostile", test_hostile},
		{"request_fields", test_request_fields},
		{"bodies", test_bodies},
		{"responses", test_responses},
		{"pipeline_splits", test_pipeline_splits},
		{"scan", test_scan},
		{"targets", test_targets},
		{"writer", test_writer},
		{"mutations", test_mutations},
	};
	int rc;

	run_a.body = malloc(BODY_MAX);
	run_b.body = malloc(BODY_MAX);
	if (run_a.body == NULL || run_b.body == NULL) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	rc = sl_test_run("http", cases, DIM(cases));
	free(run_a.body);
	free(run_b.body);
	return rc;
}
