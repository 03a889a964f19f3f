/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/head: the heads the proxy writes. A request head goes upstream with
 * the hop-by-hop fields removed (RFC 9110 7.6.1) and the forwarding fields
 * added; a response head goes to the client the same way with Connection
 * set for the client side; local responses (errors, fixed responses,
 * redirects) are written whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>


#include "proxy_priv.h"

#define LIT(s) s, sizeof(s) - 1

/* What a header field is to the proxy. */
enum field_kind {
	F_KEEP,         /* forwarded as it is */
	F_HOP,          /* hop-by-hop: dropped (RFC 9110 7.6.1) */
	F_CONNECTION,   /* Connection: dropped, and the fields it names */
	F_HOST,
	F_XFF,          /* X-Forwarded-For */
	F_XF_OTHER,     /* X-Forwarded-Proto, X-Forwarded-Host */
	F_REQUEST_ID,
	F_TE,           /* Transfer-Encoding: kept (bodies keep their framing) */
};

/* By length first: most fields are rejected without comparing a byte. */
static enum field_kind
classify(const char *n, size_t len)
{
	switch (len) {
	case 2:
		return sl_http_token_is(n, len, LIT("te")) ? F_HOP : F_KEEP;
	case 4:
		return sl_http_token_is(n, len, LIT("host")) ? F_HOST : F_KEEP;
	case 7:
		return sl_http_token_is(n, len, LIT("upgrade")) ? F_HOP : F_KEEP;
	case 10:
		if (sl_http_token_is(n, len, LIT("connection")))
			return F_CONNECTION;
		return sl_http_token_is(n, len, LIT("keep-alive")) ? F_HOP : F_KEEP;
	case 12:
		return sl_http_token_is(n, len, LIT("x-request-id")) ? F_REQUEST_ID : F_KEEP;
	case 15:
		return sl_http_token_is(n, len, LIT("x-forwarded-for")) ? F_XFF : F_KEEP;
	case 16:
		if (sl_http_token_is(n, len, LIT("proxy-connection")))
			return F_HOP;
		return sl_http_token_is(n, len, LIT("x-forwarded-host")) ? F_XF_OTHER : F_KEEP;
	case 17:
		if (sl_http_token_is(n, len, LIT("x-forwarded-proto")))
			return F_XF_OTHER;
		return sl_http_token_is(n, len, LIT("transfer-encoding")) ? F_TE : F_KEEP;
	default:
		return F_KEEP;
	}
}

#define CONN_TOKENS_MAX 16

/* The tokens of the Connection fields: names of more hop-by-hop fields. */
struct conn_tokens {
	struct { const char *s; uint32_t len; } t[CONN_TOKENS_MAX];
	unsigned int n;
};

static void
add_tokens(struct conn_tokens *ct, const struct sl_http_parser *p, const struct sl_http_field *f)
{
	const char *v = sl_http_field_value(p, f), *end = v + f->value_len;

	while (v < end && ct->n < CONN_TOKENS_MAX) {
		const char *tok;

		while (v < end && (*v == ',' || *v == ' ' || *v == '\t'))
			v++;
		tok = v;
		while (v < end && *v != ',' && *v != ' ' && *v != '\t')
			v++;
		if (v > tok) {
			ct->t[ct->n].s = tok;
			ct->t[ct->n++].len = (uint32_t)(v - tok);
		}
	}
}

static bool
named_by_connection(const struct conn_tokens *ct, const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < ct->n; i++)
		if (len == ct->t[i].len && strncasecmp(name, ct->t[i].s, len) == 0)
			return true;
	return false;
}

/* Classify every header field of p into kinds[]; the Connection tokens
 * turn the fields they name into F_HOP. */
static void
classify_fields(const struct sl_http_parser *p, uint8_t *kinds)
{
	struct conn_tokens ct; /* not zeroed whole: only its first n count */
	uint32_t k, n = p->msg.n_fields;

	ct.n = 0;
	for (k = 0; k < n; k++) {
		const struct sl_http_field *f = sl_http_field(p, k);

		kinds[k] = (uint8_t)classify(sl_http_field_name(p, f), f->name_len);
		if (kinds[k] == F_CONNECTION)
			add_tokens(&ct, p, f);
	}
	if (ct.n == 0)
		return;
	/* Only end-to-end fields become hop-by-hop: a token naming the
	 * framing (Content-Length, Transfer-Encoding) or Host is ignored,
	 * since the body goes on with the framing the parser found. */
	for (k = 0; k < n; k++) {
		const struct sl_http_field *f = sl_http_field(p, k);

		if (kinds[k] == F_KEEP &&
				!sl_http_token_is(sl_http_field_name(p, f), f->name_len, LIT("content-length")) &&
				named_by_connection(&ct, sl_http_field_name(p, f), f->name_len))
			kinds[k] = F_HOP;
	}
}

/*
 * Copy the header fields that `keep` accepts, as the parser stored them:
 * consecutive kept lines go in one copy (the head text in the parser's
 * buffer is what was received, each line ending in CRLF).
 */
static void
copy_fields(struct sl_http_wbuf *wb, const struct sl_http_parser *p, const uint8_t *kinds,
		uint32_t drop_mask)
{
	uint32_t k, n = p->msg.n_fields, run = UINT32_MAX;
	uint32_t head_end = p->msg.head.off + p->msg.head.len - 2; /* before the empty line */

	for (k = 0; k <= n; k++) {
		bool keep = k < n && !(drop_mask & (1u << kinds[k]));

		if (keep && run == UINT32_MAX) {
			run = sl_http_field(p, k)->name_off;
		} else if (!keep && run != UINT32_MAX) {
			uint32_t stop = k < n ? sl_http_field(p, k)->name_off : head_end;

			sl_http_w_raw(wb, p->buf + run, stop - run);
			run = UINT32_MAX;
		}
	}
}

/* Value of the first field of kind `kind`, or NULL. */
static const struct sl_http_field *
first_of(const struct sl_http_parser *p, const uint8_t *kinds, enum field_kind kind)
{
	uint32_t k;

	for (k = 0; k < p->msg.n_fields; k++)
		if (kinds[k] == kind)
			return sl_http_field(p, k);
	return NULL;
}

uint32_t
proxy_format_ipv4(char *buf, uint32_t addr)
{
	const uint8_t *a = (const uint8_t *)&addr;
	uint32_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		uint8_t v = a[i];

		if (v >= 100)
			buf[n++] = (char)('0' + v / 100);
		if (v >= 10)
			buf[n++] = (char)('0' + v / 10 % 10);
		buf[n++] = (char)('0' + v % 10);
		if (i < 3)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	return n;
}

static void
write_forwarded(struct sl_http_wbuf *wb, const struct session *s, const uint8_t *kinds,
		const char *host, size_t host_len)
{
	const struct sl_http_parser *p = &s->req;
	char xff[512] = "X-Forwarded-For: ";
	uint32_t n = sizeof("X-Forwarded-For: ") - 1, k;

	/* Append the client to what earlier proxies said, in one field. */
	for (k = 0; k < p->msg.n_fields; k++) {
		const struct sl_http_field *f = sl_http_field(p, k);

		if (kinds[k] != F_XFF)
			continue;
		if (n + f->value_len + 4u + PROXY_IPV4_TEXT_MAX > sizeof(xff))
			break;
		memcpy(xff + n, sl_http_field_value(p, f), f->value_len);
		n += f->value_len;
		xff[n++] = ',';
		xff[n++] = ' ';
	}
	/* formatted here, not at accept: most listeners add no forwarding fields */
	n += proxy_format_ipv4(xff + n, s->client_addr);
	xff[n++] = '\r';
	xff[n++] = '\n';
	/* Parsed values and our own address: nothing to check again. */
	sl_http_w_raw(wb, xff, n);
	sl_http_w_raw(wb, LIT("X-Forwarded-Proto: http\r\n"));
	if (host_len > 0) {
		sl_http_w_raw(wb, LIT("X-Forwarded-Host: "));
		sl_http_w_raw(wb, host, host_len);
		sl_http_w_raw(wb, LIT("\r\n"));
	}
}

/* An HTTP/1.0 request without Host: name the address it was sent to. */
static void
write_listener_host(struct sl_http_wbuf *wb, const struct sl_proxy_listener_conf *l)
{
	char host[24];
	uint32_t n = proxy_format_ipv4(host, l->address);
	uint32_t port = (uint32_t)l->port, div;

	host[n++] = ':';
	for (div = 10000; div > 1 && port / div == 0; div /= 10)
		;
	for (; div > 0; div /= 10)
		host[n++] = (char)('0' + port / div % 10);
	sl_http_w_field(wb, LIT("Host"), host, n);
}

static void
write_request_id(struct sl_http_wbuf *wb, const uint64_t r[2])
{
	static const char hex[] = "0123456789abcdef";
	char line[sizeof("X-Request-Id: ") - 1 + 32 + 2] = "X-Request-Id: ";
	char *id = line + sizeof("X-Request-Id: ") - 1;
	unsigned int i;

	for (i = 0; i < 32; i++)
		id[i] = hex[(r[i / 16] >> ((i % 16) * 4)) & 0xf];
	id[32] = '\r';
	id[33] = '\n';
	sl_http_w_raw(wb, line, sizeof(line));
}

/* The request line upstream: origin form, whatever form the client used,
 * as origin servers need not take any other (RFC 9112 3.2.2). */
static void
write_request_line(struct sl_http_wbuf *wb, const struct session *s)
{
	const struct sl_http_parser *p = &s->req;
	const struct sl_http_target *t = &s->target;
	const char *target = sl_http_str(p, p->msg.target);

	if (t->form == SL_HTTP_TARGET_ASTERISK)
		sl_http_w_request_line(wb, sl_http_str(p, p->msg.method_s), p->msg.method_s.len,
				"*", 1, 1);
	else
		sl_http_w_request_line_origin(wb, sl_http_str(p, p->msg.method_s),
				p->msg.method_s.len, target + t->path.off, t->path.len,
				target + t->query.off, t->query.len, t->has_query, 1);
}

int
proxy_head_request(struct sl_http_wbuf *wb, const struct session *s, const struct proxy_pool *pool)
{
	const struct sl_http_parser *p = &s->req;
	const struct sl_http_msg *m = &p->msg;
	const struct sl_proxy_route_conf *rc = s->act->conf;
	const struct sl_http_field *hf;
	const char *host = NULL;
	size_t host_len = 0;
	bool absolute = s->target.form == SL_HTTP_TARGET_ABSOLUTE;
	uint32_t drop = 1u << F_HOP | 1u << F_CONNECTION;
	uint8_t kinds[SL_HTTP_HDR_BUF_MAX / sizeof(struct sl_http_field) + 1];

	classify_fields(p, kinds);
	if (rc->host_rewrite[0] != '\0' || absolute)
		drop |= 1u << F_HOST;
	if (s->gen->conf.x_forwarded)
		drop |= 1u << F_XFF | 1u << F_XF_OTHER;
	hf = first_of(p, kinds, F_HOST);
	if (absolute) {
		host = sl_http_str(p, m->target) + s->target.authority.off;
		host_len = s->target.authority.len;
	} else if (hf != NULL) {
		host = sl_http_field_value(p, hf);
		host_len = hf->value_len;
	}
	write_request_line(wb, s);
	copy_fields(wb, p, kinds, drop);
	if (rc->host_rewrite[0] != '\0')
		sl_http_w_field(wb, LIT("Host"), rc->host_rewrite, strlen(rc->host_rewrite));
	else if (absolute)
		sl_http_w_field(wb, LIT("Host"), host, host_len);
	else if (hf == NULL)
		write_listener_host(wb, s->lis->conf);
	if (s->gen->conf.x_forwarded)
		write_forwarded(wb, s, kinds, host, host_len);
	if (s->gen->conf.via)
		sl_http_w_raw(wb, m->minor == 0 ? "Via: 1.0 sluice\r\n" : "Via: 1.1 sluice\r\n", 17);
	if (s->gen->conf.request_id && first_of(p, kinds, F_REQUEST_ID) == NULL)
		write_request_id(wb, s->request_id);
	if (pool->conf->keepalive == 0)
		sl_http_w_raw(wb, LIT("Connection: close\r\n"));
	return sl_http_w_end(wb);
}

int
proxy_head_response(struct sl_http_wbuf *wb, const struct session *s)
{
	const struct sl_http_parser *p = &s->resp;
	const struct sl_http_msg *m = &p->msg;
	uint32_t drop = 1u << F_HOP | 1u << F_CONNECTION;
	uint8_t kinds[SL_HTTP_HDR_BUF_MAX / sizeof(struct sl_http_field) + 1];

	classify_fields(p, kinds);
	if (s->dechunk)
		drop |= 1u << F_TE;
	if (sl_http_w_status_line(wb, m->status,
			m->reason.len > 0 ? sl_http_str(p, m->reason) : NULL, m->reason.len, 1) < 0)
		return -EINVAL;
	copy_fields(wb, p, kinds, drop);
	if (s->gen->conf.via)
		sl_http_w_raw(wb, LIT("Via: 1.1 sluice\r\n"));
	if (s->close_after)
		sl_http_w_raw(wb, LIT("Connection: close\r\n"));
	else if (s->req.msg.minor == 0)
		sl_http_w_raw(wb, LIT("Connection: keep-alive\r\n"));
	return sl_http_w_end(wb);
}

int
proxy_head_local(struct sl_http_wbuf *wb, uint16_t status, const char *body, const char *ctype,
		const char *location, bool close, uint8_t minor, bool head_only)
{
	/* 1xx and 204 have neither body nor Content-Length (RFC 9110 8.6). */
	bool bodiless = status < 200 || status == 204;
	size_t body_len = body != NULL && !bodiless ? strlen(body) : 0;

	if (sl_http_w_status_line(wb, status, NULL, 0, 1) < 0)
		return -EINVAL;
	if (body_len > 0)
		sl_http_w_field(wb, LIT("Content-Type"), ctype, strlen(ctype));
	if (!bodiless)
		sl_http_w_field_u64(wb, LIT("Content-Length"), body_len);
	if (location != NULL)
		sl_http_w_field(wb, LIT("Location"), location, strlen(location));
	if (close)
		sl_http_w_field(wb, LIT("Connection"), LIT("close"));
	else if (minor == 0)
		sl_http_w_field(wb, LIT("Connection"), LIT("keep-alive"));
	if (sl_http_w_end(wb) < 0)
		return -ENOSPC;
	if (head_only || body_len == 0)
		return 0;
	if (wb->len + body_len > wb->size) {
		wb->overflow = true;
		return -ENOSPC;
	}
	memcpy(wb->buf + wb->len, body, body_len);
	wb->len += (uint32_t)body_len;
	return 0;
}
