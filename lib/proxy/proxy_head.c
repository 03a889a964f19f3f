/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/head: the heads the proxy writes. A request head goes upstream with
 * the hop-by-hop fields removed (RFC 9110 7.6.1) and the forwarding fields
 * added; a response head goes to the client the same way with Connection
 * set for the client side; local responses (errors, fixed responses,
 * redirects) are written whole.
 */
#include <string.h>
#include <strings.h>

#include <rte_random.h>

#include "proxy_priv.h"

#define LIT(s) s, sizeof(s) - 1

static bool
name_is(const char *name, size_t len, const char *lit, size_t lit_len)
{
	return len == lit_len && strncasecmp(name, lit, len) == 0;
}

/* Is `name` one of the comma-separated tokens of a Connection field? */
static bool
named_by_connection(const struct sl_http_parser *p, const char *name, size_t len)
{
	int i;

	for (i = sl_http_find(p, LIT("connection"), 0); i >= 0;
			i = sl_http_find(p, LIT("connection"), (uint32_t)i + 1)) {
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);
		const char *v = sl_http_field_value(p, f), *end = v + f->value_len;

		while (v < end) {
			const char *tok;

			while (v < end && (*v == ',' || *v == ' ' || *v == '\t'))
				v++;
			tok = v;
			while (v < end && *v != ',' && *v != ' ' && *v != '\t')
				v++;
			if (v > tok && name_is(name, len, tok, (size_t)(v - tok)))
				return true;
		}
	}
	return false;
}

bool
proxy_hop_by_hop(const struct sl_http_parser *p, const struct sl_http_field *f)
{
	const char *n = sl_http_field_name(p, f);
	size_t len = f->name_len;

	return name_is(n, len, LIT("connection")) || name_is(n, len, LIT("keep-alive")) ||
		name_is(n, len, LIT("proxy-connection")) || name_is(n, len, LIT("te")) ||
		name_is(n, len, LIT("upgrade")) || named_by_connection(p, n, len);
}

/* The authority and path of an absolute-form target (http://host/path). */
static bool
split_absolute(const char *t, size_t len, struct sl_http_span *host, struct sl_http_span *path)
{
	size_t i;

	if (len < 7 || strncasecmp(t, "http://", 7) != 0)
		return false;
	for (i = 7; i < len && t[i] != '/' && t[i] != '?'; i++)
		;
	host->off = 7;
	host->len = (uint32_t)(i - 7);
	path->off = (uint32_t)i;
	path->len = (uint32_t)(len - i);
	return true;
}

static int
write_forwarded(struct sl_http_wbuf *wb, const struct session *s, const char *host,
		size_t host_len)
{
	const struct sl_http_parser *p = &s->req;
	const uint8_t *a = (const uint8_t *)&s->client_addr;
	char xff[512];
	int n = 0, i;

	/* Append the client to what earlier proxies said, in one field. */
	for (i = sl_http_find(p, LIT("x-forwarded-for"), 0); i >= 0;
			i = sl_http_find(p, LIT("x-forwarded-for"), (uint32_t)i + 1)) {
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);

		if ((size_t)n + f->value_len + 2 >= sizeof(xff) - 16)
			break;
		memcpy(xff + n, sl_http_field_value(p, f), f->value_len);
		n += f->value_len;
		xff[n++] = ',';
		xff[n++] = ' ';
	}
	n += snprintf(xff + n, sizeof(xff) - (size_t)n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	sl_http_w_field(wb, LIT("X-Forwarded-For"), xff, (size_t)n);
	sl_http_w_field(wb, LIT("X-Forwarded-Proto"), LIT("http"));
	if (host_len > 0)
		sl_http_w_field(wb, LIT("X-Forwarded-Host"), host, host_len);
	return 0;
}

/* An HTTP/1.0 request without Host: name the address it was sent to. */
static void
write_listener_host(struct sl_http_wbuf *wb, const struct sl_proxy_listener_conf *l)
{
	const uint8_t *a = (const uint8_t *)&l->address;
	char host[24];
	int n = snprintf(host, sizeof(host), "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3],
			(unsigned int)l->port);

	sl_http_w_field(wb, LIT("Host"), host, (size_t)n);
}

static void
write_request_id(struct sl_http_wbuf *wb)
{
	char id[33];

	snprintf(id, sizeof(id), "%016" PRIx64 "%016" PRIx64, rte_rand(), rte_rand());
	sl_http_w_field(wb, LIT("X-Request-Id"), id, 32);
}

/* Fields the proxy replaces rather than forwards. */
static bool
replaced_field(const struct sl_http_parser *p, const struct sl_http_field *f, bool host_set)
{
	const char *n = sl_http_field_name(p, f);
	size_t len = f->name_len;

	if (host_set && name_is(n, len, LIT("host")))
		return true;
	if (sl_proxy_conf.x_forwarded && (name_is(n, len, LIT("x-forwarded-for")) ||
			name_is(n, len, LIT("x-forwarded-proto")) ||
			name_is(n, len, LIT("x-forwarded-host"))))
		return true;
	return false;
}

int
proxy_head_request(struct sl_http_wbuf *wb, const struct session *s, const struct proxy_pool *pool)
{
	const struct sl_http_parser *p = &s->req;
	const struct sl_http_msg *m = &p->msg;
	const struct sl_proxy_route_conf *rc = s->act->conf;
	const char *target = sl_http_str(p, m->target);
	struct sl_http_span abs_host = { 0, 0 }, path = { 0, m->target.len };
	const char *host = NULL;
	size_t host_len = 0;
	bool absolute = split_absolute(target, m->target.len, &abs_host, &path);
	bool host_set = rc->host_rewrite[0] != '\0' || absolute;
	int i;
	uint32_t k;

	if (absolute) {
		host = target + abs_host.off;
		host_len = abs_host.len;
		if (path.len == 0) {
			target = "/";
			path.len = 1;
		} else {
			target += path.off;
		}
	} else if ((i = sl_http_find(p, LIT("host"), 0)) >= 0) {
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);

		host = sl_http_field_value(p, f);
		host_len = f->value_len;
	}
	sl_http_w_request_line(wb, sl_http_str(p, m->method_s), m->method_s.len, target,
			path.len, 1);
	for (k = 0; k < m->n_fields; k++) {
		const struct sl_http_field *f = sl_http_field(p, k);

		if (proxy_hop_by_hop(p, f) || replaced_field(p, f, host_set))
			continue;
		sl_http_w_field(wb, sl_http_field_name(p, f), f->name_len,
				sl_http_field_value(p, f), f->value_len);
	}
	if (rc->host_rewrite[0] != '\0')
		sl_http_w_field(wb, LIT("Host"), rc->host_rewrite, strlen(rc->host_rewrite));
	else if (absolute)
		sl_http_w_field(wb, LIT("Host"), host, host_len);
	else if (host == NULL)
		write_listener_host(wb, s->lis->conf);
	if (sl_proxy_conf.x_forwarded)
		write_forwarded(wb, s, host, host_len);
	if (sl_proxy_conf.via)
		sl_http_w_field(wb, LIT("Via"), m->minor == 0 ? "1.0 sluice" : "1.1 sluice", 10);
	if (sl_proxy_conf.request_id && sl_http_find(p, LIT("x-request-id"), 0) < 0)
		write_request_id(wb);
	if (pool->conf->keepalive == 0)
		sl_http_w_field(wb, LIT("Connection"), LIT("close"));
	return sl_http_w_end(wb);
}

int
proxy_head_response(struct sl_http_wbuf *wb, const struct session *s)
{
	const struct sl_http_parser *p = &s->resp;
	const struct sl_http_msg *m = &p->msg;
	uint32_t k;

	sl_http_w_status_line(wb, m->status, m->reason.len > 0 ? sl_http_str(p, m->reason) : NULL,
			m->reason.len, 1);
	for (k = 0; k < m->n_fields; k++) {
		const struct sl_http_field *f = sl_http_field(p, k);

		if (proxy_hop_by_hop(p, f))
			continue;
		if (s->dechunk && name_is(sl_http_field_name(p, f), f->name_len,
				LIT("transfer-encoding")))
			continue;
		sl_http_w_field(wb, sl_http_field_name(p, f), f->name_len,
				sl_http_field_value(p, f), f->value_len);
	}
	if (sl_proxy_conf.via)
		sl_http_w_field(wb, LIT("Via"), LIT("1.1 sluice"));
	if (s->close_after)
		sl_http_w_field(wb, LIT("Connection"), LIT("close"));
	else if (s->req.msg.minor == 0)
		sl_http_w_field(wb, LIT("Connection"), LIT("keep-alive"));
	return sl_http_w_end(wb);
}

int
proxy_head_local(struct sl_http_wbuf *wb, uint16_t status, const char *body, const char *ctype,
		const char *location, bool close, uint8_t minor, bool head_only)
{
	size_t body_len = body != NULL ? strlen(body) : 0;

	sl_http_w_status_line(wb, status, NULL, 0, 1);
	if (body_len > 0)
		sl_http_w_field(wb, LIT("Content-Type"), ctype, strlen(ctype));
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
