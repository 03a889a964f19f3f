/* SPDX-License-Identifier: BSD-3-Clause */
/* test/http: the HTTP round-trip check; see sl_test_http.h. */
#include <stdint.h>
#include <string.h>

#include "sl_test_http.h"

/* The copy may be longer than the original (": " after each colon). */
int
sl_test_http_roundtrip(const struct sl_http_parser *p)
{
	static uint8_t out[SL_HTTP_HDR_BUF_DEFAULT * 2], hb[SL_HTTP_HDR_BUF_DEFAULT * 2];
	const struct sl_http_msg *m = &p->msg;
	struct sl_http_limits lim = p->lim;
	struct sl_http_parser q;
	struct sl_http_wbuf w;
	struct sl_http_span sp;
	uint32_t i, n;

	if (m->proto != SL_HTTP_PROTO_HTTP || m->major != 1)
		return 0;
	sl_http_wbuf_init(&w, out, sizeof(out));
	if (p->kind == SL_HTTP_REQUEST) {
		if (sl_http_w_request_line(&w, sl_http_str(p, m->method_s), m->method_s.len,
			    sl_http_str(p, m->target), m->target.len, m->minor) != 0)
			return -1;
	} else if (sl_http_w_status_line(&w, m->status, sl_http_str(p, m->reason), m->reason.len,
			   m->minor) != 0) {
		return -1;
	}
	for (i = 0; i < m->n_fields; i++) {
		const struct sl_http_field *f = sl_http_field(p, i);

		if (sl_http_w_field(&w, sl_http_field_name(p, f), f->name_len,
			    sl_http_field_value(p, f), f->value_len) != 0)
			return -1;
	}
	if (sl_http_w_end(&w) != 0)
		return -1;
	/* the copy may be longer than the original (": " after each colon) */
	lim.max_line = UINT32_MAX;
	if (sl_http_parser_init(&q, (enum sl_http_kind)p->kind, &lim, hb, sizeof(hb)) != 0)
		return -1;
	sl_http_parser_set_method(&q, m->method);
	if (sl_http_parse(&q, out, w.len, &n, &sp) != SL_HTTP_EV_HEADERS || n != w.len)
		return -1;
	if (q.msg.n_fields != m->n_fields || q.msg.status != m->status || q.msg.minor != m->minor ||
		q.msg.method != m->method || q.msg.target.len != m->target.len ||
		((q.msg.flags ^ m->flags) & ~SL_HTTP_F_VERSION_HIGH) != 0 ||
		q.msg.body != m->body || q.msg.content_length != m->content_length ||
		memcmp(sl_http_str(&q, q.msg.target), sl_http_str(p, m->target), m->target.len) !=
			0)
		return -1;
	for (i = 0; i < m->n_fields; i++) {
		const struct sl_http_field *a = sl_http_field(p, i), *b = sl_http_field(&q, i);

		if (a->name_len != b->name_len || a->value_len != b->value_len ||
			memcmp(sl_http_field_name(p, a), sl_http_field_name(&q, b), a->name_len) !=
				0 ||
			memcmp(sl_http_field_value(p, a), sl_http_field_value(&q, b),
				a->value_len) != 0)
			return -1;
	}
	return 0;
}
