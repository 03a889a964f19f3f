/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the heads the proxy writes, no EAL: a request is parsed,
 * rewritten for the upstream, and the result parsed again to check what
 * the upstream sees (hop-by-hop fields gone, forwarding fields added or
 * appended, Host rewrites, absolute-form targets, HTTP/1.0 without Host);
 * likewise for response heads (Connection for the client side, de-chunked
 * responses) and local responses (HEAD gets no body).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "proxy_priv.h"
#include "sl_test.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t bufs[4][SL_HTTP_HDR_BUF_DEFAULT];
static uint8_t out[PROXY_SCRATCH];
static struct sl_proxy_listener_conf lis_conf = { .name = "web", .port = 80 };
static struct proxy_listener lis = { .conf = &lis_conf };
static struct sl_proxy_route_conf route_conf = { .name = "r" };
static struct sl_proxy_pool_conf pool_conf = { .name = "p", .keepalive = 32 };
static struct proxy_pool pool = { .conf = &pool_conf };
static struct proxy_action act = { .kind = PROXY_ACT_POOL, .conf = &route_conf };
/* The generation a session reads its settings from. */
static struct proxy_gen test_gen;

static int
parse_all(struct sl_http_parser *p, enum sl_http_kind kind, uint8_t *buf, const char *text,
		size_t len)
{
	uint32_t consumed;
	struct sl_http_span body;

	sl_http_parser_init(p, kind, NULL, buf, SL_HTTP_HDR_BUF_DEFAULT);
	return sl_http_parse(p, (const uint8_t *)text, (uint32_t)len, &consumed, &body) ==
		SL_HTTP_EV_HEADERS ? 0 : -1;
}

/* A session holding a parsed request from 198.18.0.2. */
static int
session_with(struct session *s, const char *request)
{
	memset(s, 0, sizeof(*s));
	s->gen = &test_gen;
	s->lis = &lis;
	s->act = &act;
	s->client_addr = rte_cpu_to_be_32(0xc6120002);
	if (parse_all(&s->req, SL_HTTP_REQUEST, bufs[0], request, strlen(request)) != 0)
		return -1;
	/* As on_request_head splits it before the head is rewritten. */
	return sl_http_target_parse(sl_http_str(&s->req, s->req.msg.target),
			s->req.msg.target.len, s->req.msg.method, &s->target) == SL_HTTP_ERR_NONE ?
		0 : -1;
}

/* Rewrite s's request and parse it as the upstream would, into up. */
static int
rewrite(struct session *s, struct sl_http_parser *up)
{
	struct sl_http_wbuf wb;

	sl_http_wbuf_init(&wb, out, sizeof(out));
	if (proxy_head_request(&wb, s, &pool) < 0)
		return -1;
	return parse_all(up, SL_HTTP_REQUEST, bufs[1], (const char *)out, wb.len);
}

/* The value of the only field named name, or NULL (also when repeated). */
static const char *
field(const struct sl_http_parser *p, const char *name, char *val, size_t size)
{
	int i = sl_http_find(p, name, strlen(name), 0);
	const struct sl_http_field *f;

	if (i < 0 || sl_http_find(p, name, strlen(name), (uint32_t)i + 1) >= 0)
		return NULL;
	f = sl_http_field(p, (uint32_t)i);
	snprintf(val, size, "%.*s", (int)f->value_len, sl_http_field_value(p, f));
	return val;
}

static bool
absent(const struct sl_http_parser *p, const char *name)
{
	return sl_http_find(p, name, strlen(name), 0) < 0;
}

static int
test_hop_by_hop_removed(void)
{
	static struct session s;
	struct sl_http_parser up;
	char v[256];

	SL_CHECK(session_with(&s, "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\n"
			"Connection: keep-alive, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: 5\r\n"
			"TE: trailers\r\nUpgrade: h2c\r\nProxy-Connection: close\r\n"
			"Accept: */*\r\nX-Keep: yes\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_EQ(up.msg.minor, 1);
	SL_CHECK(up.msg.target.len == 6 && memcmp(sl_http_str(&up, up.msg.target), "/a?b=1", 6) == 0);
	SL_CHECK(absent(&up, "connection") && absent(&up, "x-secret") && absent(&up, "keep-alive"));
	SL_CHECK(absent(&up, "te") && absent(&up, "upgrade") && absent(&up, "proxy-connection"));
	SL_CHECK_STR(field(&up, "accept", v, sizeof(v)), "*/*");
	SL_CHECK_STR(field(&up, "x-keep", v, sizeof(v)), "yes");
	SL_CHECK_STR(field(&up, "host", v, sizeof(v)), "example.com");
	return 0;
}

static int response(struct session *s, const char *text, struct sl_http_parser *client);

/* Connection may not strip the framing the body is forwarded with. */
static int
test_connection_spares_framing(void)
{
	static struct session s;
	struct sl_http_parser up, client;
	char v[256];

	SL_CHECK(session_with(&s, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 39\r\n"
			"Connection: content-length, host, x-drop\r\nX-Drop: 1\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_EQ(up.msg.body, SL_HTTP_BODY_LENGTH);
	SL_CHECK_EQ(up.msg.content_length, 39);
	SL_CHECK_STR(field(&up, "host", v, sizeof(v)), "a");
	SL_CHECK(absent(&up, "x-drop"));
	SL_CHECK(session_with(&s, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
			"Connection: Transfer-Encoding\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_EQ(up.msg.body, SL_HTTP_BODY_CHUNKED);

	/* The same for responses. */
	SL_CHECK(session_with(&s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
	SL_CHECK(response(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
			"Connection: content-length\r\n\r\n", &client) == 0);
	SL_CHECK_EQ(client.msg.body, SL_HTTP_BODY_LENGTH);
	SL_CHECK_EQ(client.msg.content_length, 5);
	return 0;
}

static int
test_forwarding_fields(void)
{
	static struct session s;
	struct sl_http_parser up;
	char v[256];

	test_gen.conf.x_forwarded = test_gen.conf.via = test_gen.conf.request_id = true;
	SL_CHECK(session_with(&s, "GET / HTTP/1.1\r\nHost: shop.example\r\n"
			"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n"
			"X-Forwarded-Host: evil\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_STR(field(&up, "x-forwarded-for", v, sizeof(v)), "203.0.113.9, 198.18.0.2");
	SL_CHECK_STR(field(&up, "x-forwarded-proto", v, sizeof(v)), "http");
	SL_CHECK_STR(field(&up, "x-forwarded-host", v, sizeof(v)), "shop.example");
	SL_CHECK_STR(field(&up, "via", v, sizeof(v)), "1.1 sluice");
	SL_CHECK(field(&up, "x-request-id", v, sizeof(v)) != NULL);
	SL_CHECK_EQ(strlen(v), 32);
	SL_CHECK_EQ(strspn(v, "0123456789abcdef"), 32);

	/* A request id the client sent is kept, not doubled. */
	SL_CHECK(session_with(&s, "GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_STR(field(&up, "x-request-id", v, sizeof(v)), "abc");

	/* Switched off: nothing added, nothing replaced. */
	test_gen.conf.x_forwarded = test_gen.conf.via = test_gen.conf.request_id = false;
	SL_CHECK(session_with(&s, "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_STR(field(&up, "x-forwarded-for", v, sizeof(v)), "1.2.3.4");
	SL_CHECK(absent(&up, "via") && absent(&up, "x-request-id"));
	test_gen.conf.x_forwarded = test_gen.conf.via = test_gen.conf.request_id = true;
	return 0;
}

static int
test_host_forms(void)
{
	static struct session s;
	struct sl_http_parser up;
	char v[256];

	snprintf(route_conf.host_rewrite, sizeof(route_conf.host_rewrite), "internal.svc");
	SL_CHECK(session_with(&s, "GET / HTTP/1.1\r\nHost: public.example\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_STR(field(&up, "host", v, sizeof(v)), "internal.svc");
	SL_CHECK_STR(field(&up, "x-forwarded-host", v, sizeof(v)), "public.example");
	route_conf.host_rewrite[0] = '\0';

	/* Absolute form: origin form upstream, Host from the authority. */
	SL_CHECK(session_with(&s, "GET http://abs.example/p/q HTTP/1.1\r\nHost: abs.example\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK(up.msg.target.len == 4 && memcmp(sl_http_str(&up, up.msg.target), "/p/q", 4) == 0);
	SL_CHECK_STR(field(&up, "host", v, sizeof(v)), "abs.example");

	/* Any case of the scheme, a port, no path but a query: "/?query" (RFC
	 * 9112 3.2.2), the authority as it was sent. */
	SL_CHECK(session_with(&s, "GET HTTP://Abs.Example:8080?a=1&b HTTP/1.1\r\n"
			"Host: other\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK(up.msg.target.len == 7 && memcmp(sl_http_str(&up, up.msg.target), "/?a=1&b", 7) == 0);
	SL_CHECK_STR(field(&up, "host", v, sizeof(v)), "Abs.Example:8080");

	/* OPTIONS * stays as it is. */
	SL_CHECK(session_with(&s, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK(up.msg.target.len == 1 && *sl_http_str(&up, up.msg.target) == '*');

	/* Forms the proxy refuses before any rewriting. */
	SL_CHECK(session_with(&s, "GET http://u:p@abs.example/ HTTP/1.1\r\nHost: a\r\n\r\n") != 0);
	SL_CHECK(session_with(&s, "GET * HTTP/1.1\r\nHost: a\r\n\r\n") != 0);
	SL_CHECK(session_with(&s, "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n") != 0);
	SL_CHECK(session_with(&s, "GET ftp://abs.example/ HTTP/1.1\r\nHost: a\r\n\r\n") != 0);

	/* HTTP/1.0 without Host: the upstream gets HTTP/1.1 and a Host. */
	lis_conf.address = rte_cpu_to_be_32(0xc6120001);
	SL_CHECK(session_with(&s, "GET /old HTTP/1.0\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_EQ(up.msg.minor, 1);
	SL_CHECK_STR(field(&up, "host", v, sizeof(v)), "198.18.0.1:80");
	SL_CHECK_STR(field(&up, "via", v, sizeof(v)), "1.0 sluice");
	return 0;
}

static int
test_body_framing_kept(void)
{
	static struct session s;
	struct sl_http_parser up;
	char v[256];

	SL_CHECK(session_with(&s, "POST /u HTTP/1.1\r\nHost: a\r\n"
			"Transfer-Encoding: chunked\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_EQ(up.msg.body, SL_HTTP_BODY_CHUNKED);
	SL_CHECK(session_with(&s, "PUT /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n") == 0);
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_EQ(up.msg.body, SL_HTTP_BODY_LENGTH);
	SL_CHECK_EQ(up.msg.content_length, 5);
	/* A pool without keep-alive asks the member to close. */
	pool_conf.keepalive = 0;
	SL_CHECK(rewrite(&s, &up) == 0);
	SL_CHECK_STR(field(&up, "connection", v, sizeof(v)), "close");
	pool_conf.keepalive = 32;
	return 0;
}

static int
response(struct session *s, const char *text, struct sl_http_parser *client)
{
	struct sl_http_wbuf wb;

	if (parse_all(&s->resp, SL_HTTP_RESPONSE, bufs[2], text, strlen(text)) < 0)
		return -1;
	sl_http_wbuf_init(&wb, out, sizeof(out));
	if (proxy_head_response(&wb, s) < 0)
		return -1;
	return parse_all(client, SL_HTTP_RESPONSE, bufs[3], (const char *)out, wb.len);
}

static int
test_response_heads(void)
{
	static struct session s;
	struct sl_http_parser client;
	char v[256];
	static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		"Connection: keep-alive, X-Internal\r\nX-Internal: 1\r\nKeep-Alive: timeout=5\r\n"
		"Server: up\r\n\r\n";

	SL_CHECK(session_with(&s, "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
	SL_CHECK(response(&s, chunked, &client) == 0);
	SL_CHECK_EQ(client.msg.status, 200);
	SL_CHECK_EQ(client.msg.body, SL_HTTP_BODY_CHUNKED);
	SL_CHECK(absent(&client, "connection") && absent(&client, "x-internal") &&
			absent(&client, "keep-alive"));
	SL_CHECK_STR(field(&client, "server", v, sizeof(v)), "up");
	SL_CHECK_STR(field(&client, "via", v, sizeof(v)), "1.1 sluice");

	/* Closing after this response: the client is told. */
	s.close_after = true;
	SL_CHECK(response(&s, chunked, &client) == 0);
	SL_CHECK_STR(field(&client, "connection", v, sizeof(v)), "close");

	/* HTTP/1.0 client of a chunked response: de-chunked, read to close. */
	SL_CHECK(session_with(&s, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") == 0);
	s.dechunk = s.close_after = true;
	SL_CHECK(response(&s, chunked, &client) == 0);
	SL_CHECK(absent(&client, "transfer-encoding"));
	SL_CHECK_EQ(client.msg.body, SL_HTTP_BODY_CLOSE);

	/* HTTP/1.0 keep-alive client: said explicitly. */
	s.dechunk = s.close_after = false;
	SL_CHECK(response(&s, "HTTP/1.1 204 No Content\r\n\r\n", &client) == 0);
	SL_CHECK_STR(field(&client, "connection", v, sizeof(v)), "keep-alive");
	return 0;
}

static int
test_local_responses(void)
{
	struct sl_http_parser client;
	struct sl_http_wbuf wb;
	char v[256];
	uint32_t consumed;
	struct sl_http_span body;

	sl_http_wbuf_init(&wb, out, sizeof(out));
	SL_CHECK(proxy_head_local(&wb, 302, NULL, NULL, "http://b/", false, 1, false) == 0);
	SL_CHECK(parse_all(&client, SL_HTTP_RESPONSE, bufs[3], (const char *)out, wb.len) == 0);
	SL_CHECK_EQ(client.msg.status, 302);
	SL_CHECK_STR(field(&client, "location", v, sizeof(v)), "http://b/");
	SL_CHECK_STR(field(&client, "content-length", v, sizeof(v)), "0");

	sl_http_wbuf_init(&wb, out, sizeof(out));
	SL_CHECK(proxy_head_local(&wb, 503, "busy\n", "text/plain", NULL, true, 1, false) == 0);
	SL_CHECK(parse_all(&client, SL_HTTP_RESPONSE, bufs[3], (const char *)out, wb.len) == 0);
	SL_CHECK_STR(field(&client, "connection", v, sizeof(v)), "close");
	SL_CHECK_EQ(client.msg.content_length, 5);
	SL_CHECK(memcmp(out + wb.len - 5, "busy\n", 5) == 0);

	/* 204: neither body nor Content-Length (RFC 9110 8.6). */
	sl_http_wbuf_init(&wb, out, sizeof(out));
	SL_CHECK(proxy_head_local(&wb, 204, "ignored", "text/plain", NULL, false, 1, false) == 0);
	SL_CHECK(parse_all(&client, SL_HTTP_RESPONSE, bufs[3], (const char *)out, wb.len) == 0);
	SL_CHECK(absent(&client, "content-length"));
	SL_CHECK(memcmp(out + wb.len - 4, "\r\n\r\n", 4) == 0);
	/* A status no status line can carry is refused, not half written. */
	sl_http_wbuf_init(&wb, out, sizeof(out));
	SL_CHECK(proxy_head_local(&wb, 0, "x", "text/plain", NULL, true, 1, false) < 0);

	/* HEAD: the length of the body it would have, no body. */
	sl_http_wbuf_init(&wb, out, sizeof(out));
	SL_CHECK(proxy_head_local(&wb, 200, "hello\n", "text/plain", NULL, false, 1, true) == 0);
	SL_CHECK(memcmp(out + wb.len - 4, "\r\n\r\n", 4) == 0);
	sl_http_parser_init(&client, SL_HTTP_RESPONSE, NULL, bufs[3], sizeof(bufs[3]));
	sl_http_parser_set_method(&client, SL_HTTP_M_HEAD);
	SL_CHECK_EQ(sl_http_parse(&client, out, wb.len, &consumed, &body), SL_HTTP_EV_HEADERS);
	SL_CHECK_STR(field(&client, "content-length", v, sizeof(v)), "6");
	SL_CHECK_EQ(consumed, wb.len);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "hop_by_hop_removed", test_hop_by_hop_removed },
		{ "connection_spares_framing", test_connection_spares_framing },
		{ "forwarding_fields", test_forwarding_fields },
		{ "host_forms", test_host_forms },
		{ "body_framing_kept", test_body_framing_kept },
		{ "response_heads", test_response_heads },
		{ "local_responses", test_local_responses },
	};

	return sl_test_run("proxy_head", cases, DIM(cases));
}
