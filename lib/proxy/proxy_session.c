/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/session: one client connection and the exchange in progress on it,
 * run by the worker lcore that accepted the connection (the upstream side
 * lives on the same lcore).
 *
 * This file holds the session's life cycle, accounting, ending (local and
 * error answers, the end of an exchange, closing), timers and the client
 * connection's events; the request side is in proxy_request.c, the
 * response side in proxy_response.c, and the small helpers both use are
 * static inline in proxy_priv.h.
 *
 * Two pumps move data. The request pump parses what the client sent: a
 * head is routed and rewritten, body bytes (with their framing, as the
 * parser validated them) move to the upstream's output queue. The response
 * pump does the same from the upstream to the client. A pump stops reading
 * its source while its destination refuses data (back-pressure) and, for
 * requests, while an exchange waits for its response (pipelining: requests
 * are served one at a time, in order).
 *
 * Output goes out once everything received so far has been parsed, so a
 * request refused by the parser is never partly forwarded when it arrived
 * in one piece.
 *
 * Lifetime: a session lives as long as its client connection. Events may
 * nest (an abort runs the other connection's `closed` event at once), so
 * every entry point holds a reference (depth) and the session is freed when
 * the outermost one returns after the client connection closed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_priv.h"

/* ---- life cycle ---- */

void
proxy_session_free(struct session *s)
{
	*s->pprev = s->next;
	if (s->next != NULL)
		s->next->pprev = s->pprev;
	proxy_disarm(s, &s->client_timer);
	proxy_disarm(s, &s->up_timer);
	proxy_inq_free(&s->cin);
	proxy_inq_free(&s->uin);
	proxy_outq_free(&s->to_up);
	proxy_outq_free(&s->to_client);
	proxy_outq_free(&s->replay);
	proxy_gen_unpin(s->w, s->gen);
	free(s);
}

static void repin(struct session *s);

/*
 * The worker adopted a new generation: sessions waiting for their next
 * request move to it now, so that an idle keep-alive connection never
 * holds an old generation; a session whose listener is gone is closed.
 */
void
proxy_session_adopt(struct proxy_worker *w)
{
	struct session *s, *next;

	for (s = w->sessions; s != NULL; s = next) {
		next = s->next;
		if (s->gen == w->gen || s->dead || s->closing || s->req_phase != RQ_HEAD ||
				s->resp_phase != RS_IDLE || s->head_partial || s->up != NULL)
			continue;
		proxy_enter(s);
		repin(s);
		if (s->close_after)
			proxy_begin_close(s);
		proxy_leave(s);
	}
}

void
proxy_session_free_all(struct proxy_worker *w)
{
	while (w->sessions != NULL) {
		struct session *s = w->sessions;

		if (s->client != NULL)
			sl_tcp_set_ctx(s->client, NULL);
		s->up = NULL; /* freed with the worker's upstream connections */
		proxy_session_free(s);
	}
}

/* ---- accounting ---- */

void
proxy_lat_add(struct sl_proxy_hstats *h, uint64_t us)
{
	unsigned int b = 0;

	while (b < SL_PROXY_LAT_BUCKETS - 1 && us >= (UINT64_C(16) << b))
		b++;
	h->lat[b]++;
	h->lat_sum_us += us;
}

/* The exchange's status and latency, once, when it ends. */
void
proxy_account(struct session *s)
{
	uint64_t us = sl_clock_to_us(proxy_now(s) - s->t_head);
	unsigned int cls = s->status / 100;
	uint64_t *global[] = { NULL, &proxy_stats(s)->status_1xx,
		&proxy_stats(s)->status_2xx, &proxy_stats(s)->status_3xx,
		&proxy_stats(s)->status_4xx, &proxy_stats(s)->status_5xx };

	if (cls < 1 || cls > 5)
		return;
	(*global[cls])++;
	if (s->rstats != NULL) {
		s->rstats->status[cls - 1]++;
		s->rstats->bytes_in += s->body_in;
		s->rstats->bytes_out += s->body_out;
		proxy_lat_add(s->rstats, us);
	}
	if (s->act != NULL && s->act->kind == PROXY_ACT_POOL && s->member >= 0) {
		struct sl_proxy_hstats *ms = proxy_member_stats(s);

		ms->status[cls - 1]++;
		ms->bytes_in += s->body_in;
		ms->bytes_out += s->body_out;
		proxy_lat_add(ms, us);
	}
	if (unlikely(s->w->log != NULL))
		proxy_log_exchange(s, us);
}

/* ---- ending ---- */

/* Send what is queued, then FIN; read and drop whatever the client sends. */
void
proxy_begin_close(struct session *s)
{
	s->closing = true;
	s->req_phase = RQ_DONE;
	proxy_inq_free(&s->cin);
	if (s->client == NULL)
		return;
	proxy_arm(s, &s->client_timer, s->gen->header_tsc);
	sl_tcp_pause_reading(s->client, false);
	proxy_flush_client(s);
}

/* A response made here; the request body, if any, is read and dropped. */
void
proxy_respond(struct session *s, uint16_t status, const char *body, const char *ctype,
		const char *location, bool close)
{
	struct sl_http_wbuf wb;

	if (close || !(s->req.msg.flags & SL_HTTP_F_KEEP_ALIVE) || proxy_last_request(s))
		s->close_after = true;
	sl_http_wbuf_init(&wb, s->w->scratch, sizeof(s->w->scratch));
	if (proxy_head_local(&wb, status, body, ctype, location, s->close_after,
			s->req.msg.minor, s->req.msg.method == SL_HTTP_M_HEAD) < 0 ||
			proxy_emit(s, &s->to_client, &wb) < 0) {
		/* No well-formed answer to give: the client sees a reset. */
		proxy_stats(s)->client_aborted_response++;
		if (s->client != NULL)
			sl_tcp_abort(s->client);
	}
	s->status = status;
	s->body_out = body != NULL && s->req.msg.method != SL_HTTP_M_HEAD ? strlen(body) : 0;
	s->local = true;
	s->resp_phase = RS_DONE;
	s->resp_head_sent = true;
}

/*
 * The exchange cannot go on: answer with status and close, or, if a
 * response head already went out, cut the connection (the client sees the
 * response is incomplete).
 */
void
proxy_fail_exchange(struct session *s, uint16_t status, const char *why)
{
	char body[160];

	proxy_upstream_abort(s);
	proxy_outq_free(&s->to_up);
	proxy_outq_free(&s->replay);
	proxy_disarm(s, &s->up_timer);
	if (s->resp_head_sent && s->resp_phase != RS_DONE) {
		proxy_stats(s)->client_aborted_response++;
		if (s->client != NULL)
			sl_tcp_abort(s->client);
		return;
	}
	if (s->resp_head_sent) {
		/* Answered already (a local response, its request body still
		 * coming): one response per request, so just end here. */
		proxy_begin_close(s);
		return;
	}
	snprintf(body, sizeof(body), "%u %s: %s\n", status, sl_http_reason(status), why);
	proxy_respond(s, status, body, "text/plain", NULL, true);
	proxy_account(s);
	proxy_begin_close(s);
}

static void
reset_exchange(struct session *s)
{
	proxy_inq_free(&s->uin);
	proxy_outq_free(&s->replay);
	s->replay_len = 0;
	s->body_in = s->body_out = 0;
	s->request_id[0] = s->request_id[1] = 0;
	s->act = NULL;
	s->rstats = NULL;
	s->member = -1;
	s->failed_member = -1;
	s->tries = 0;
	s->status = 0;
	s->local = false;
	s->replayable = false;
	s->resp_started = false;
	s->resp_head_sent = false;
	s->dechunk = false;
}

/*
 * Between exchanges, move to the worker's newest configuration: the next
 * request is routed by it. If that configuration removed the listener,
 * the connection ends after this exchange.
 */
static void
repin(struct session *s)
{
	struct proxy_gen *g = s->w->gen;
	int li;

	if (likely(g == s->gen))
		return;
	li = g->listener_of_slot[s->lis->slot->index];
	if (li < 0) {
		s->close_after = true;
		return;
	}
	proxy_gen_pin(s->w, g);
	proxy_gen_unpin(s->w, s->gen);
	s->gen = g;
	s->lis = &g->listeners[li];
}

/* Both messages are complete: settle the upstream, wait for the next request. */
void
proxy_exchange_end(struct session *s)
{
	proxy_account(s);
	proxy_disarm(s, &s->up_timer);
	if (s->up != NULL) {
		struct upconn *u = s->up;
		/* A request not all sent (its end still queued behind a full
		 * window when the answer completed) leaves the member waiting
		 * for the rest: the connection cannot carry another request. */
		bool reusable = (s->resp.msg.flags & SL_HTTP_F_KEEP_ALIVE) &&
			proxy_inq_empty(&s->uin) && s->to_up.head == NULL && u->conn != NULL &&
			!sl_tcp_peer_finished(u->conn);

		proxy_upstream_release(s, reusable);
	}
	/* Whatever of this request was not sent dies with the exchange. */
	proxy_outq_free(&s->to_up);
	reset_exchange(s);
	s->requests++;
	repin(s);
	if (s->close_after || (s->client_eof && proxy_inq_empty(&s->cin))) {
		proxy_begin_close(s);
		return;
	}
	sl_http_parser_reset(&s->req);
	s->req_phase = RQ_HEAD;
	s->resp_phase = RS_IDLE;
	s->head_partial = !proxy_inq_empty(&s->cin);
	proxy_arm(s, &s->client_timer,
			s->head_partial ? s->gen->header_tsc : s->gen->keepalive_tsc);
}

/* ---- timers ---- */

static void
client_timer_fired(struct sl_timer *t)
{
	struct session *s = container_of(t, struct session, client_timer);

	proxy_enter(s);
	if (s->closing) {
		if (s->client != NULL)
			sl_tcp_abort(s->client); /* lingered long enough */
	} else if (s->req_phase == RQ_HEAD && s->head_partial) {
		proxy_stats(s)->client_header_timeout++;
		proxy_fail_exchange(s, 408, "request head not received in time");
	} else if (s->req_phase == RQ_BODY) {
		proxy_stats(s)->client_body_timeout++;
		proxy_fail_exchange(s, 408, "request body not received in time");
	} else if (s->req_phase == RQ_HEAD && s->resp_phase == RS_IDLE) {
		if (s->requests == 0)
			proxy_stats(s)->client_header_timeout++;
		else
			proxy_stats(s)->client_keepalive_timeout++;
		proxy_begin_close(s);
	}
	proxy_leave(s);
}

static void
up_timer_fired(struct sl_timer *t)
{
	struct session *s = container_of(t, struct session, up_timer);

	proxy_enter(s);
	if (s->up == NULL) {
		proxy_leave(s);
		return;
	}
	if (!s->up->connected) {
		proxy_stats(s)->err_connect_timeout++;
		proxy_member_stats(s)->connect_failures++;
		proxy_upstream_abort(s);
		proxy_upstream_failed(s);
		if (!proxy_request_retry(s, true))
			proxy_fail_exchange(s, 504, "upstream connect timeout");
	} else if (!s->resp_started && s->req_phase == RQ_DONE) {
		proxy_stats(s)->err_response_timeout++;
		proxy_fail_exchange(s, 504, "upstream response timeout");
	} else {
		proxy_stats(s)->err_idle_timeout++;
		proxy_fail_exchange(s, 504, "upstream idle timeout");
	}
	proxy_leave(s);
}

/* ---- client connection events ---- */

static struct session *
session_of(struct sl_tcp_conn *c)
{
	return sl_tcp_ctx(c);
}

static int
client_accepted(struct sl_tcp_conn *c, void *arg)
{
	struct sl_lcore *lc = sl_tcp_lcore(c);
	struct proxy_worker *w = lc->proxy.w;
	const struct proxy_listener_slot *slot = arg;
	struct proxy_gen *g = w->gen;
	int li = g->listener_of_slot[slot->index];
	uint32_t hb = g->hdr_buf;
	struct session *s;
	uint16_t port;

	if (li < 0) {
		lc->proxy.stats.accept_no_listener++;
		return -ECONNREFUSED;
	}
	s = malloc(sizeof(*s) + 2u * hb);
	if (s == NULL) {
		lc->proxy.stats.accept_no_memory++;
		return -ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->w = w;
	s->gen = g;
	proxy_gen_pin(w, g);
	s->lis = &g->listeners[li];
	s->hdr_buf = hb;
	s->req_limits = g->req_limits;
	s->client = c;
	s->member = -1;
	s->failed_member = -1;
	sl_tcp_peer(c, &s->client_addr, &port);
	sl_http_parser_init(&s->req, SL_HTTP_REQUEST, &s->req_limits, s->bufs, hb);
	sl_http_parser_init(&s->resp, SL_HTTP_RESPONSE, NULL, s->bufs + hb, hb);
	sl_timer_init(&s->client_timer, client_timer_fired);
	sl_timer_init(&s->up_timer, up_timer_fired);
	s->next = w->sessions;
	if (w->sessions != NULL)
		w->sessions->pprev = &s->next;
	w->sessions = s;
	s->pprev = &w->sessions;
	sl_tcp_set_ctx(c, s);
	proxy_arm(s, &s->client_timer, s->gen->header_tsc);
	lc->proxy.stats.accepted++;
	lc->proxy.listener_accepted[slot->index]++;
	return 0;
}

/* Data or FIN from the client: the request pump reads both. */
static void
client_readable(struct sl_tcp_conn *c)
{
	struct session *s = session_of(c);

	if (s == NULL)
		return;
	proxy_enter(s);
	proxy_request_pump(s);
	proxy_leave(s);
}

static void
client_writable(struct sl_tcp_conn *c)
{
	struct session *s = session_of(c);

	if (s == NULL)
		return;
	proxy_enter(s);
	if (proxy_flush_client(s)) {
		if (s->up != NULL) {
			sl_tcp_pause_reading(s->up->conn, false);
			proxy_response_pump(s);
		}
		proxy_resume_requests(s);
	}
	proxy_leave(s);
}

static void
client_closed(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	struct session *s = session_of(c);

	if (s == NULL)
		return;
	proxy_enter(s);
	s->client = NULL;
	if (!s->closing && (s->req_phase != RQ_HEAD || s->head_partial || s->up != NULL))
		proxy_stats(s)->client_aborted++;
	proxy_upstream_abort(s);
	s->dead = true;
	proxy_leave(s);
}

const struct sl_tcp_ops proxy_client_ops = {
	.accepted = client_accepted,
	.readable = client_readable,
	.peer_closed = client_readable,
	.writable = client_writable,
	.closed = client_closed,
};
