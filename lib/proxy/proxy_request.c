/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/request: a session's request side, client to upstream, on the
 * worker lcore that owns the session.
 *
 * The request pump reads what the client sent and parses it; a head is
 * routed, answered here (fixed, redirect, 404, errors) or rewritten and
 * sent to a member of the route's pool, which starts the upstream exchange;
 * body bytes follow it. What went upstream is kept while the request may
 * be resent to another member (retry). The client's FIN ends the request
 * side here too. The response side is in proxy_response.c, the session's
 * life cycle, ending and events in proxy_session.c.
 */
#include <errno.h>
#include <string.h>

#include <rte_random.h>

#include "proxy_priv.h"

static const uint8_t no_bytes[1];

/* ---- the upstream exchange: start, resend ---- */

static bool
idempotent(enum sl_http_method m)
{
	return m == SL_HTTP_M_GET || m == SL_HTTP_M_HEAD || m == SL_HTTP_M_PUT ||
		m == SL_HTTP_M_DELETE || m == SL_HTTP_M_OPTIONS || m == SL_HTTP_M_TRACE;
}

/* Ready the response side for the exchange on a fresh or retried member. */
static void
expect_response(struct session *s)
{
	sl_http_parser_reset(&s->resp);
	sl_http_parser_set_method(&s->resp, s->req.msg.method);
	proxy_inq_free(&s->uin);
	s->resp_phase = RS_HEAD;
	s->resp_started = false;
	proxy_member_stats(s)->requests++;
	proxy_arm_up_timer(s);
}

/*
 * Send the request again, to another member when there is one. Allowed
 * when nothing reached the member (a failed connect: to_up still holds it
 * all) or when the request is idempotent and fully kept in `replay`.
 * Returns true if the exchange was taken care of (resent or failed).
 */
bool
proxy_request_retry(struct session *s, bool nothing_sent)
{
	int status;

	if (s->act == NULL || s->tries >= proxy_pool_of(s)->conf->retries)
		return false;
	if (!nothing_sent && (!s->replayable || s->replay.head == NULL))
		return false;
	s->tries++;
	proxy_stats(s)->retries++;
	s->failed_member = s->member;
	if (!nothing_sent) {
		proxy_outq_free(&s->to_up);
		if (proxy_outq_clone(s->w, &s->to_up, s->replay.head) < 0)
			return false;
	}
	status = proxy_upstream_attach(s);
	if (status != 0) {
		proxy_fail_exchange(s, (uint16_t)status, "no other member to retry on");
		return true;
	}
	expect_response(s);
	proxy_request_pump(s);
	return true;
}

/* Keep a copy of what goes upstream while the request may be resent. */
static void
keep_replay(struct session *s, struct rte_mbuf *piece)
{
	if (!s->replayable)
		return;
	if (s->replay_len + piece->pkt_len > PROXY_REPLAY_MAX) {
		proxy_stats(s)->replay_overflow++;
		goto drop;
	}
	if (proxy_outq_clone(s->w, &s->replay, piece) < 0)
		goto drop;
	s->replay_len += piece->pkt_len;
	return;
drop:
	proxy_outq_free(&s->replay);
	s->replay_len = 0;
	s->replayable = false;
}

static void
send_up(struct session *s, struct rte_mbuf *piece)
{
	keep_replay(s, piece);
	proxy_outq_append(&s->to_up, piece);
}

/* ---- the request: route, parse, pump ---- */

/* The host an absolute-form target names wins over the Host field (RFC
 * 9112 3.2.2); an asterisk-form target routes as the path "*". */
static const struct sl_route *
route(struct session *s)
{
	const struct sl_http_parser *p = &s->req;
	const struct sl_http_target *t = &s->target;
	const char *target = sl_http_str(p, p->msg.target);
	const char *host = NULL, *path = target + t->path.off;
	size_t host_len = 0, path_len = t->path.len;
	struct sl_route_hdrs hdrs = { sl_route_http_has, p };
	int i;

	if (t->form == SL_HTTP_TARGET_ASTERISK) {
		path = "*";
		path_len = 1;
	} else if (path_len == 0) {
		path = "/";
		path_len = 1;
	}
	if (t->form == SL_HTTP_TARGET_ABSOLUTE) {
		host = target + t->authority.off;
		host_len = t->authority.len;
	} else if ((i = sl_http_find(p, "host", 4, 0)) >= 0) {
		const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);

		host = sl_http_field_value(p, f);
		host_len = f->value_len;
	}
	return sl_route_match(s->lis->routes, host, host_len, path, path_len, p->msg.method,
			&hdrs, NULL);
}

/* Split the target; one of a form its method does not take is refused. */
static bool
target_acceptable(struct session *s)
{
	const struct sl_http_msg *m = &s->req.msg;
	enum sl_http_err e = sl_http_target_parse(sl_http_str(&s->req, m->target), m->target.len,
			m->method, &s->target);

	if (e == SL_HTTP_ERR_NONE)
		return true;
	proxy_stats(s)->req_refused++;
	s->w->lc->proxy.req_err[e]++;
	proxy_fail_exchange(s, 400, sl_http_err_str(e));
	return false;
}

static void
start_upstream(struct session *s)
{
	struct sl_http_wbuf wb;
	struct rte_mbuf *head;
	int status;

	s->replayable = idempotent(s->req.msg.method);
	if (s->gen->conf.request_id) {
		/* Drawn here so that the access log can name it. */
		s->request_id[0] = rte_rand();
		s->request_id[1] = rte_rand();
	}
	status = proxy_upstream_attach(s);
	if (status != 0) {
		proxy_fail_exchange(s, (uint16_t)status, status == 502 ? "upstream unreachable" :
				"no upstream connection available");
		return;
	}
	sl_http_wbuf_init(&wb, s->w->scratch, sizeof(s->w->scratch));
	if (proxy_head_request(&wb, s, proxy_pool_of(s)) < 0 || wb.overflow) {
		proxy_fail_exchange(s, 431, "request head too large once rewritten");
		return;
	}
	head = proxy_mbuf_from(s->w, wb.buf, wb.len);
	if (head == NULL) {
		proxy_stats(s)->err_no_memory++;
		proxy_fail_exchange(s, 503, "no memory");
		return;
	}
	send_up(s, head);
	proxy_stats(s)->proxied++;
	expect_response(s);
}

static void
on_request_head(struct session *s)
{
	const struct sl_http_msg *m = &s->req.msg;
	struct proxy_worker *w = s->w;
	const struct sl_proxy_route_conf *rc;
	const struct sl_route *r;

	proxy_stats(s)->requests++;
	w->lc->proxy.listener_requests[s->lis->slot->index]++;
	s->req_phase = RQ_BODY;
	s->head_partial = false;
	s->t_head = proxy_now(s);
	proxy_arm(s, &s->client_timer, s->gen->body_tsc);
	if (m->proto != SL_HTTP_PROTO_HTTP || (m->flags & (SL_HTTP_F_TUNNEL | SL_HTTP_F_HTTP09))) {
		proxy_stats(s)->unsupported++;
		proxy_fail_exchange(s, 501, "not supported by this proxy");
		return;
	}
	if (!target_acceptable(s))
		return;
	r = route(s);
	if (r == NULL) {
		proxy_stats(s)->no_route++;
		s->rstats = &proxy_no_route->lc[w->wid];
		s->rstats->requests++;
		proxy_respond(s, 404, "404 Not Found: no route\n", "text/plain", NULL, false);
		return;
	}
	s->act = &s->gen->actions[r->action];
	s->rstats = &s->act->stats->lc[w->wid];
	s->rstats->requests++;
	rc = s->act->conf;
	switch (s->act->kind) {
	case PROXY_ACT_FIXED:
		proxy_stats(s)->local++;
		proxy_respond(s, s->act->status, rc->return_body, rc->return_content_type, NULL,
				false);
		return;
	case PROXY_ACT_REDIRECT:
		proxy_stats(s)->local++;
		proxy_respond(s, s->act->status, NULL, NULL, rc->redirect, false);
		return;
	case PROXY_ACT_POOL:
		start_upstream(s);
		return;
	}
}

static void
on_request_end(struct session *s)
{
	s->req_phase = RQ_DONE;
	proxy_disarm(s, &s->client_timer);
	if (s->up != NULL && !s->resp_started)
		proxy_arm_up_timer(s);
	if (s->resp_phase == RS_DONE)
		proxy_exchange_end(s);
}

static void
on_request_error(struct session *s)
{
	enum sl_http_err e = s->req.err;

	proxy_stats(s)->req_refused++;
	if ((unsigned int)e < SL_PROXY_REQ_ERRS)
		s->w->lc->proxy.req_err[e]++;
	/* A half-sent request must not complete upstream: reset it. */
	proxy_fail_exchange(s, s->req.err_status, sl_http_err_str(e));
}

/* Parse from the first segment of cin; body bytes go upstream unless the
 * request is answered here. */
static void
parse_request(struct session *s)
{
	struct proxy_inq *q = &s->cin;
	struct rte_mbuf *seg = q->head;
	uint32_t avail = seg->data_len - q->off, consumed;
	struct sl_http_span body;
	uint8_t phase = s->req_phase;
	enum sl_http_event ev;
	struct proxy_outq piece = { 0 };

	if (avail == 0) {
		proxy_inq_take(s->w, q, 0, NULL);
		return;
	}
	ev = sl_http_parse(&s->req, rte_pktmbuf_mtod_offset(seg, uint8_t *, q->off), avail,
			&consumed, &body);
	if (phase == RQ_BODY && !s->local && consumed > 0) {
		if (proxy_inq_take(s->w, q, consumed, &piece) < 0) {
			proxy_outq_free(&piece);
			proxy_stats(s)->err_no_memory++;
			proxy_fail_exchange(s, 503, "no memory");
			return;
		}
		s->body_in += consumed;
		send_up(s, piece.head);
	} else {
		proxy_inq_take(s->w, q, consumed, NULL);
	}
	switch (ev) {
	case SL_HTTP_EV_HEADERS:
		on_request_head(s);
		break;
	case SL_HTTP_EV_MESSAGE_END:
		on_request_end(s);
		break;
	case SL_HTTP_EV_ERROR:
		on_request_error(s);
		break;
	default:
		break;
	}
}

/* A message may end without more input (no body, or a zero length). */
static bool
request_ends_here(struct session *s)
{
	uint32_t consumed;
	struct sl_http_span body;

	if (sl_http_parse(&s->req, no_bytes, 0, &consumed, &body) != SL_HTTP_EV_MESSAGE_END)
		return false;
	on_request_end(s);
	return true;
}

static void client_eof(struct session *s);

static bool
receive_client(struct session *s)
{
	struct rte_mbuf *m;
	uint32_t len;

	m = sl_tcp_recv(s->client, &len);
	if (m == NULL)
		return false;
	proxy_stats(s)->bytes_in += len;
	proxy_inq_append(&s->cin, m);
	if (s->req_phase == RQ_HEAD && !s->head_partial) {
		s->head_partial = true;
		proxy_arm(s, &s->client_timer, s->gen->header_tsc);
	} else if (s->req_phase == RQ_BODY) {
		proxy_arm(s, &s->client_timer, s->gen->body_tsc);
	}
	return true;
}

/* Send what is queued for the member: false until it is connected, or
 * while it takes no more (back-pressure). */
static bool
flush_up(struct session *s)
{
	struct upconn *u = s->up;

	if (s->to_up.head == NULL)
		return true;
	if (u == NULL || u->conn == NULL || !u->connected)
		return false;
	if (!proxy_outq_send(u->conn, &s->to_up))
		return false;
	if (s->req_phase == RQ_BODY)
		proxy_arm(s, &s->client_timer, s->gen->body_tsc); /* the body moved */
	return true;
}

/* Closing: what the client still sends is read and dropped. */
static void
drain_client(struct session *s)
{
	struct proxy_inq junk = { 0 };
	struct rte_mbuf *m;
	uint32_t len;

	while (s->client != NULL && (m = sl_tcp_recv(s->client, &len)) != NULL) {
		proxy_inq_append(&junk, m);
		proxy_inq_free(&junk);
	}
}

void
proxy_request_pump(struct session *s)
{
	for (;;) {
		if (s->dead || s->client == NULL)
			return;
		if (s->closing) {
			drain_client(s);
			return;
		}
		if (proxy_inq_empty(&s->cin)) {
			if (!flush_up(s)) {
				sl_tcp_pause_reading(s->client, true);
				return;
			}
			if (s->req_phase == RQ_DONE)
				return;
			if (s->req_phase == RQ_BODY && request_ends_here(s))
				continue;
			if (s->req_phase == RQ_HEAD && !proxy_flush_client(s))
				return; /* answers must drain before more requests are read */
			if (!receive_client(s))
				break;
			continue;
		}
		if (s->req_phase == RQ_DONE) {
			flush_up(s);
			return; /* pipelined: the next request waits for this response */
		}
		parse_request(s);
	}
	sl_tcp_pause_reading(s->client, false);
	proxy_flush_client(s);
	if (sl_tcp_peer_finished(s->client))
		client_eof(s);
}

/* The client sent FIN and everything before it was parsed. */
static void
client_eof(struct session *s)
{
	if (s->closing || s->client_eof)
		return;
	s->client_eof = true;
	switch (s->req_phase) {
	case RQ_HEAD:
		/* Bytes without a request (empty lines) end like an idle connection. */
		if (s->head_partial && sl_http_parser_finish(&s->req) == SL_HTTP_EV_ERROR)
			on_request_error(s);
		else if (s->resp_phase == RS_IDLE)
			proxy_begin_close(s);
		break;
	case RQ_BODY:
		if (sl_http_parser_finish(&s->req) == SL_HTTP_EV_MESSAGE_END)
			on_request_end(s);
		else
			on_request_error(s);
		break;
	case RQ_DONE:
		s->close_after = true;
		break;
	}
}
