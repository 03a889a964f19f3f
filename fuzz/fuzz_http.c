/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_http: libFuzzer target for the HTTP/1.x parser and writer. Needs no
 * EAL and no other module: lib/http and the test library's round-trip
 * check (app/test/sl_test_http.h), with -fsanitize=fuzzer.
 *
 * Input: byte 0 selects the kind (bit 0: response), the request method a
 * response answers (bits 1-2: GET, HEAD, CONNECT, unknown) and a seed for
 * the split points (bits 3-7); the rest is the byte stream of one direction
 * of a connection. Each input is parsed whole and again in pieces; the
 * proxy's connection rules are followed (reset after a keep-alive message
 * or a 1xx, stop at a tunnel or close). Checked, abort() on failure:
 * - the API contracts (consumed within the input, body ranges within what
 *   was consumed, NEED_MORE consumes everything, ERROR is sticky);
 * - the same events, fields and body bytes whatever the split;
 * - every head parsed can be written back with the writer and parses again
 *   to the same fields (parse -> write -> parse).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_http.h"
#include "sl_test_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_INPUT (1u << 16)

struct fz_trace {
	uint64_t h; /* digest of events, heads, fields and body bytes */
	uint32_t events;
	int error;
};

static void
fz_mix(struct fz_trace *t, const void *s, size_t n)
{
	const uint8_t *b = s;
	size_t i;

	for (i = 0; i < n; i++)
		t->h = (t->h ^ b[i]) * 0x100000001b3ull;
}

static void
fz_fail(const char *what)
{
	fprintf(stderr, "fuzz_http: %s\n", what);
	abort();
}


static void
fz_run(enum sl_http_kind kind, enum sl_http_method m, const uint8_t *d, uint32_t len, uint32_t seed,
	struct fz_trace *t)
{
	static uint8_t hbuf[SL_HTTP_HDR_BUF_DEFAULT];
	struct sl_http_parser p;
	uint32_t off = 0;

	memset(t, 0, sizeof(*t));
	t->h = 0xcbf29ce484222325ull;
	if (sl_http_parser_init(&p, kind, NULL, hbuf, sizeof(hbuf)) != 0)
		fz_fail("init");
	sl_http_parser_set_method(&p, m);
	while (off < len) {
		uint32_t clen = len - off, coff = 0;

		if (seed != 0) {
			seed = seed * 1103515245u + 12345u;
			clen = 1 + (seed >> 16) % (clen < 64 ? clen : 64);
		}
		for (;;) {
			struct sl_http_span b;
			uint32_t n = UINT32_MAX;
			enum sl_http_event ev =
				sl_http_parse(&p, d + off + coff, clen - coff, &n, &b);

			if (n > clen - coff)
				fz_fail("consumed beyond the input");
			if (ev == SL_HTTP_EV_BODY) {
				if (b.len == 0 || b.off + b.len > n)
					fz_fail("body range outside the consumed input");
				/* body bytes are digested, not the event count */
				fz_mix(t, d + off + coff + b.off, b.len);
				coff += n;
				continue;
			}
			coff += n;
			if (ev == SL_HTTP_EV_NEED_MORE) {
				if (coff != clen)
					fz_fail("NEED_MORE left input");
				break;
			}
			t->events++;
			fz_mix(t, &ev, sizeof(ev));
			if (ev == SL_HTTP_EV_HEADERS) {
				fz_mix(t, p.buf + p.msg.head.off, p.msg.head.len);
				fz_mix(t, &p.msg.flags, sizeof(p.msg.flags));
				fz_mix(t, &p.msg.body, sizeof(p.msg.body));
				if (seed == 0)
					if (sl_test_http_roundtrip(&p) != 0)
						fz_fail("a head written back parses "
							"differently");
			} else if (ev == SL_HTTP_EV_ERROR) {
				t->error = p.err;
				fz_mix(t, &p.err, sizeof(p.err));
				if (sl_http_parse(&p, d, len, &n, &b) != SL_HTTP_EV_ERROR)
					fz_fail("ERROR is not sticky");
				return;
			} else if (ev == SL_HTTP_EV_MESSAGE_END) {
				if ((p.msg.flags & (SL_HTTP_F_TUNNEL | SL_HTTP_F_UPGRADE)) ||
					!((kind == SL_HTTP_RESPONSE && p.msg.status < 200) ||
						(p.msg.flags & SL_HTTP_F_KEEP_ALIVE))) {
					uint32_t stop = off + coff;

					fz_mix(t, &stop, sizeof(stop));
					return;
				}
				sl_http_parser_reset(&p);
			}
		}
		off += coff;
	}
	t->events++;
	{
		enum sl_http_event fin = sl_http_parser_finish(&p);

		fz_mix(t, &fin, sizeof(fin));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sl_http_method methods[] = {
		SL_HTTP_M_GET, SL_HTTP_M_HEAD, SL_HTTP_M_CONNECT, SL_HTTP_M_UNKNOWN};
	struct fz_trace whole, split;
	enum sl_http_kind kind;
	enum sl_http_method m;
	uint32_t seed;

	if (size < 1 || size > FZ_MAX_INPUT)
		return 0;
	kind = (data[0] & 1) ? SL_HTTP_RESPONSE : SL_HTTP_REQUEST;
	m = methods[(data[0] >> 1) & 3];
	seed = 1u + (data[0] >> 3);
	fz_run(kind, m, data + 1, (uint32_t)(size - 1), 0, &whole);
	fz_run(kind, m, data + 1, (uint32_t)(size - 1), seed, &split);
	if (whole.h != split.h || whole.error != split.error)
		fz_fail("split feeding differs from whole feeding");
	return 0;
}
