/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/response: a session's response side, upstream to client, on the
 * worker lcore that owns the session.
 *
 * The response pump reads what the member sent and parses it; interim
 * heads go to HTTP/1.1 clients, the final head is rewritten and sent to
 * the client, the body follows it (dechunked for an HTTP/1.0 client). The
 * member's EOF ends a body read until close or fails the exchange, which
 * may then be resent (proxy_request_retry). The upstream connection's
 * events (proxy_upstream.c forwards them) enter the session here. The
 * request side is in proxy_request.c, the session's life cycle, ending
 * and client events in proxy_session.c.
 */
#include "proxy_priv.h"

static const uint8_t no_bytes[1];

/* ---- the response: parse, pump ---- */

static void
on_response_head(struct session *s)
{
	const struct sl_http_msg *m = &s->resp.msg;
	struct sl_http_wbuf wb;
	struct proxy_pool_lcore *pl;
	struct sl_balance_member *bm;
	struct proxy_member_lcore *ml;
	uint64_t us;

	sl_http_wbuf_init(&wb, s->w->scratch, sizeof(s->w->scratch));
	if (m->status < 200) {
		if (m->status == 101) {
			proxy_stats(s)->err_upstream_response++;
			proxy_fail_exchange(s, 502, "unexpected 101 Switching Protocols");
			return;
		}
		/* Interim responses (100 Continue) go to HTTP/1.1 clients only. */
		if (s->req.msg.minor >= 1) {
			sl_http_w_status_line(&wb, m->status, NULL, 0, 1);
			sl_http_w_end(&wb);
			proxy_emit(s, &s->to_client, &wb);
		}
		s->resp_phase = RS_BODY;
		return;
	}
	s->status = m->status;
	proxy_upstream_answered(s);
	us = sl_clock_to_us(proxy_now(s) - s->t_head);
	pl = proxy_pool_lcore(s->w, s->gen, s->act->pool);
	bm = &pl->bal.members[s->member];
	sl_balance_latency_update(bm, (uint32_t)RTE_MIN(us, UINT32_MAX),
			sl_clock_to_us(proxy_now(s)), 1000000);
	/* Kept with the member too, for the next generation's balancer. */
	ml = &proxy_pool_of(s)->members[s->member].slot->lc[s->w->wid];
	ml->lat_ewma_us = bm->lat_ewma_us;
	ml->lat_last_us = bm->lat_last_us;
	if (!(s->req.msg.flags & SL_HTTP_F_KEEP_ALIVE) || m->body == SL_HTTP_BODY_CLOSE ||
			s->client_eof || proxy_last_request(s))
		s->close_after = true;
	if (s->req.msg.minor == 0 && m->body == SL_HTTP_BODY_CHUNKED) {
		s->dechunk = true;
		s->close_after = true;
	}
	if (proxy_head_response(&wb, s) < 0 || proxy_emit(s, &s->to_client, &wb) < 0) {
		proxy_stats(s)->err_upstream_response++;
		proxy_fail_exchange(s, 502, "response head could not be rewritten");
		return;
	}
	proxy_stats(s)->responses++;
	s->resp_head_sent = true;
	s->resp_phase = RS_BODY;
}

static void
on_response_end(struct session *s)
{
	if (s->resp.msg.status < 200) {
		sl_http_parser_reset(&s->resp); /* the final response follows */
		s->resp_phase = RS_HEAD;
		return;
	}
	s->resp_phase = RS_DONE;
	proxy_disarm(s, &s->up_timer);
	if (s->req_phase == RQ_DONE) {
		proxy_exchange_end(s);
		return;
	}
	/* Answered before the request ended: the rest of it is not sent. */
	proxy_account(s);
	proxy_upstream_release(s, false);
	proxy_outq_free(&s->to_up);
	proxy_begin_close(s);
}

static void
on_response_error(struct session *s)
{
	proxy_stats(s)->err_upstream_response++;
	proxy_fail_exchange(s, 502, "invalid response from upstream");
}

static void
parse_response(struct session *s)
{
	struct proxy_inq *q = &s->uin;
	struct rte_mbuf *seg = q->head;
	uint32_t avail = seg->data_len - q->off, consumed;
	struct sl_http_span body;
	uint8_t phase = s->resp_phase;
	enum sl_http_event ev;
	int rc = 0;

	if (avail == 0) {
		proxy_inq_take(s->w, q, 0, NULL);
		return;
	}
	ev = sl_http_parse(&s->resp, rte_pktmbuf_mtod_offset(seg, uint8_t *, q->off), avail,
			&consumed, &body);
	if (phase == RS_BODY && s->dechunk) {
		uint32_t n = ev == SL_HTTP_EV_BODY ? body.len : 0;

		rc = proxy_inq_take_range(s->w, q, body.off, n, consumed, &s->to_client);
		s->body_out += n;
		proxy_stats(s)->bytes_out += n;
	} else if (phase == RS_BODY) {
		rc = proxy_inq_take(s->w, q, consumed, &s->to_client);
		s->body_out += consumed;
		proxy_stats(s)->bytes_out += consumed;
	} else {
		proxy_inq_take(s->w, q, consumed, NULL);
	}
	if (rc < 0) {
		proxy_fail_exchange(s, 503, "no memory");
		return;
	}
	switch (ev) {
	case SL_HTTP_EV_HEADERS:
		on_response_head(s);
		break;
	case SL_HTTP_EV_MESSAGE_END:
		on_response_end(s);
		break;
	case SL_HTTP_EV_ERROR:
		on_response_error(s);
		break;
	default:
		break;
	}
}

static bool
response_ends_here(struct session *s)
{
	uint32_t consumed;
	struct sl_http_span body;

	if (sl_http_parse(&s->resp, no_bytes, 0, &consumed, &body) != SL_HTTP_EV_MESSAGE_END)
		return false;
	on_response_end(s);
	return true;
}

static bool
receive_upstream(struct session *s)
{
	struct rte_mbuf *m;
	uint32_t len;

	m = sl_tcp_recv(s->up->conn, &len);
	if (m == NULL)
		return false;
	if (!s->resp_started) {
		/* The member answered: the request can no longer be resent. */
		s->resp_started = true;
		proxy_outq_free(&s->replay);
		s->replay_len = 0;
		s->replayable = false;
	}
	proxy_arm(s, &s->up_timer, proxy_pool_of(s)->idle_tsc);
	proxy_inq_append(&s->uin, m);
	return true;
}

/* The connection failed or closed before the response ended: resend the
 * request or fail the exchange. */
static void
upstream_failed(struct session *s, bool connected, enum sl_tcp_close_reason why)
{
	if (s->act == NULL || s->resp_phase == RS_DONE || s->resp_phase == RS_IDLE)
		return;
	if (!s->resp_started)
		proxy_upstream_failed(s);
	if (!connected) {
		bool timeout = why == SL_TCP_TIMEOUT;

		if (timeout)
			proxy_stats(s)->err_connect_timeout++;
		else
			proxy_stats(s)->err_upstream_connect++;
		if (!proxy_request_retry(s, true))
			proxy_fail_exchange(s, timeout ? 504 : 502,
					timeout ? "upstream connect timeout" :
					"upstream refused the connection");
		return;
	}
	if (!s->resp_started) {
		proxy_stats(s)->err_upstream_reset++;
		if (!proxy_request_retry(s, false))
			proxy_fail_exchange(s, 502,
					"upstream closed the connection before responding");
		return;
	}
	proxy_stats(s)->err_upstream_reset++;
	proxy_fail_exchange(s, 502, "upstream closed the connection inside the response");
}

/* The member sent FIN and everything before it was parsed. */
static void
upstream_eof(struct session *s)
{
	if (s->resp_phase == RS_BODY || (s->resp_phase == RS_HEAD && s->resp_started)) {
		if (sl_http_parser_finish(&s->resp) == SL_HTTP_EV_MESSAGE_END) {
			on_response_end(s); /* a body read until close */
			return;
		}
	}
	proxy_upstream_abort(s);
	upstream_failed(s, true, SL_TCP_CLOSED);
}

void
proxy_response_pump(struct session *s)
{
	for (;;) {
		if (s->dead || s->up == NULL)
			return;
		if (proxy_inq_empty(&s->uin)) {
			if (!proxy_flush_client(s)) {
				sl_tcp_pause_reading(s->up->conn, true);
				return;
			}
			if (s->resp_phase == RS_DONE || s->resp_phase == RS_IDLE)
				return;
			if (s->resp_phase == RS_BODY && response_ends_here(s))
				continue;
			if (!receive_upstream(s))
				break;
			continue;
		}
		if (s->resp_phase == RS_DONE)
			return;
		parse_response(s);
	}
	sl_tcp_pause_reading(s->up->conn, false);
	if (sl_tcp_peer_finished(s->up->conn))
		upstream_eof(s);
	proxy_flush_client(s);
}

/* ---- upstream connection events ---- */

void
proxy_session_up_failed(struct session *s, enum sl_tcp_close_reason why, bool connected)
{
	proxy_enter(s);
	upstream_failed(s, connected, why);
	proxy_leave(s);
}

void
proxy_session_up_connected(struct session *s)
{
	proxy_enter(s);
	proxy_arm_up_timer(s);
	proxy_request_pump(s);
	proxy_leave(s);
}

void
proxy_session_up_readable(struct session *s)
{
	proxy_enter(s);
	proxy_response_pump(s);
	proxy_resume_requests(s);
	proxy_leave(s);
}

void
proxy_session_up_writable(struct session *s)
{
	proxy_enter(s);
	proxy_request_pump(s);
	proxy_leave(s);
}
