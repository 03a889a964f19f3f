/* SPDX-License-Identifier: BSD-3-Clause */
/* ---- fuzz_proxy: HTTP seen by the peers (the wire oracle) ----
 *
 * The peers parse what they receive with lib/http's parser, as an origin
 * server and a client would, and abort() when the proxy's output is not
 * valid HTTP or frames messages differently from what the proxy meant:
 *   - the bytes an upstream receives are requests (no parse error), and no
 *     more request heads than the proxy assigned requests to the connection
 *     (more is request smuggling);
 *   - the bytes a client receives are responses (no parse error), one per
 *     request it sent (the methods come from parsing its own bytes with the
 *     proxy's limits), except one error response with Connection: close for
 *     a request that never completed; nothing after a response that said
 *     close; and a response read until close only if the proxy closes.
 * An oracle stops watching a connection whose own bytes stop parsing.
 */

#include <stdio.h>
#include <stdlib.h>

#include "sl_tcp.h"
#include "tcp_priv.h"
#include "fuzz_proxy.h"

#define ORACLE_BUF 16384
static struct sl_http_parser cl_in[PEERS_MAX], cl_own[PEERS_MAX], up_in[PEERS_MAX];
static uint8_t cl_in_buf[PEERS_MAX][ORACLE_BUF], cl_own_buf[PEERS_MAX][ORACLE_BUF],
	up_in_buf[PEERS_MAX][ORACLE_BUF];

/* The proxy's request limits (every variant keeps them), for the clients'
 * parsers of their own bytes. */
struct sl_http_limits client_limits;
uint32_t client_hdr_buf;

static void
oracle_fail(struct peer *p, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s %ld: %s", p->upstream ? "upstream" : "client",
		(long)(p - (p->upstream ? upstreams : clients)), what);
	if (ignored(msg)) {
		p->in_off = p->own_off = true; /* stop watching this connection */
		return;
	}
	fail(msg);
}

void
oracle_init(struct peer *p, unsigned int i)
{
	struct sl_http_limits lim;

	if (p->upstream) {
		sl_http_limits_default(&lim, SL_HTTP_REQUEST);
		lim.max_line = ORACLE_BUF;
		lim.max_fields = 1000;
		lim.max_body = UINT64_MAX;
		lim.allow_unknown_methods = true;
		p->in = &up_in[i];
		if (sl_http_parser_init(p->in, SL_HTTP_REQUEST, &lim, up_in_buf[i], ORACLE_BUF) < 0)
			abort();
		return;
	}
	p->in = &cl_in[i];
	p->own = &cl_own[i];
	if (sl_http_parser_init(p->in, SL_HTTP_RESPONSE, NULL, cl_in_buf[i], ORACLE_BUF) < 0 ||
		sl_http_parser_init(
			p->own, SL_HTTP_REQUEST, &client_limits, cl_own_buf[i], client_hdr_buf) < 0)
		abort();
}

/* The requests the proxy assigned to the upstream connection of p so far. */
void
oracle_assigned(struct peer *p)
{
	const struct upconn *u;

	for (u = fz_lc->proxy.w->upconns; u != NULL; u = u->next) {
		const struct tcp_conn *c = (const struct tcp_conn *)u->conn;

		if (c != NULL && c->key.raddr == p->addr &&
			c->key.lport == rte_cpu_to_be_16(p->sport) &&
			c->key.rport == rte_cpu_to_be_16(p->port))
			p->assigned = RTE_MAX(p->assigned, u->requests);
	}
}

void
oracle_assigned_all(void)
{
	unsigned int i;

	for (i = 0; i < n_upstreams; i++)
		if (upstreams[i].state != P_FREE)
			oracle_assigned(&upstreams[i]);
}

/* A client sends data: note the methods of its requests. */
void
oracle_own(struct peer *p, const uint8_t *data, uint32_t len)
{
	while (!p->own_off && len > 0) {
		struct sl_http_span body;
		uint32_t consumed = 0;
		enum sl_http_event ev = sl_http_parse(p->own, data, len, &consumed, &body);

		data += consumed;
		len -= consumed;
		if (ev == SL_HTTP_EV_NEED_MORE && consumed > 0 && !p->own_head_done)
			p->own_partial = true;
		if (ev == SL_HTTP_EV_HEADERS || ev == SL_HTTP_EV_MESSAGE_END) {
			p->own_head_done = ev == SL_HTTP_EV_HEADERS;
			p->own_partial = false;
		}
		if (ev == SL_HTTP_EV_HEADERS || ev == SL_HTTP_EV_ERROR) {
			if (p->m_tail - p->m_head == RTE_DIM(p->methods)) {
				p->own_off = p->in_off = true; /* too many to follow */
				return;
			}
			p->methods[p->m_tail++ % RTE_DIM(p->methods)] =
				(uint8_t)(ev == SL_HTTP_EV_HEADERS ? p->own->msg.method
								   : SL_HTTP_M_UNKNOWN);
			if (p->m_tail - p->m_head == 1 && sl_http_parser_done(p->in) == false &&
				p->in->msg.status == 0)
				sl_http_parser_set_method(
					p->in, (enum sl_http_method)
						       p->methods[p->m_head % RTE_DIM(p->methods)]);
		}
		if (ev == SL_HTTP_EV_ERROR ||
			(ev == SL_HTTP_EV_HEADERS && (p->own->msg.flags & SL_HTTP_F_TUNNEL))) {
			p->own_off = true; /* the proxy answers it and closes */
			p->own_off_error = true;
			return;
		}
		if (ev == SL_HTTP_EV_MESSAGE_END)
			sl_http_parser_reset(p->own);
		if (ev == SL_HTTP_EV_NEED_MORE && consumed == 0)
			return;
	}
}

/* The client's FIN: a request cut inside its head becomes an error the
 * proxy may answer (one response); one cut inside its body already has its
 * place in the queue. */
void
oracle_own_fin(struct peer *p)
{
	if (!p->own_off && p->own_partial && sl_http_parser_finish(p->own) == SL_HTTP_EV_ERROR &&
		p->m_tail - p->m_head < RTE_DIM(p->methods))
		p->methods[p->m_tail++ % RTE_DIM(p->methods)] = SL_HTTP_M_UNKNOWN;
	p->own_off = true;
}

void
oracle_in(struct peer *p, const uint8_t *data, uint32_t len)
{
	while (!p->in_off && len > 0) {
		struct sl_http_span body;
		uint32_t consumed = 0;
		enum sl_http_event ev;

		if (!p->upstream && p->closed_response) {
			oracle_fail(p, "bytes after a response that closed the connection");
			return;
		}
		ev = sl_http_parse(p->in, data, len, &consumed, &body);
		data += consumed;
		len -= consumed;
		switch (ev) {
		case SL_HTTP_EV_ERROR: {
			char msg[160];

			snprintf(msg, sizeof(msg), "the proxy sent bytes that are not HTTP %s: %s",
				p->upstream ? "requests" : "responses",
				sl_http_err_str(p->in->err));
			oracle_fail(p, msg);
			break;
		}
		case SL_HTTP_EV_HEADERS:
			if (p->upstream) {
				p->heads++;
				oracle_assigned(p);
				if (p->heads > p->assigned)
					oracle_fail(p,
						"more request heads than the proxy sent requests "
						"on the connection (request smuggling)");
			} else if (p->in->msg.status >= 200) {
				/* With no request waiting, only an error for a head that
				 * never completed (408, 400) may come, and it closes. */
				if (p->m_tail != p->m_head)
					p->m_head++;
				else if (p->in->msg.flags & SL_HTTP_F_KEEP_ALIVE)
					oracle_fail(p, "a keep-alive response to no request "
						       "(responses out of step with requests)");
				else if (!p->own_partial && !p->own_off_error)
					oracle_fail(p, "a second response to a request (or a "
						       "response to none)");
			}
			break;
		case SL_HTTP_EV_MESSAGE_END:
			if (!p->upstream && p->in->msg.status >= 200 &&
				!(p->in->msg.flags & SL_HTTP_F_KEEP_ALIVE))
				p->closed_response = true;
			sl_http_parser_reset(p->in);
			if (!p->upstream && p->m_tail != p->m_head)
				sl_http_parser_set_method(
					p->in, (enum sl_http_method)
						       p->methods[p->m_head % RTE_DIM(p->methods)]);
			break;
		default:
			break;
		}
		if (ev == SL_HTTP_EV_NEED_MORE && consumed == 0)
			return;
	}
}

/* Between records: a response read until close needs the proxy to close. */
void
oracle_check_sessions(void)
{
	const struct session *s;
	unsigned int i;

	for (s = fz_lc->proxy.w->sessions; s != NULL; s = s->next) {
		uint32_t a;
		uint16_t port;

		sl_tcp_peer(s->client, &a, &port);
		for (i = 0; i < n_clients; i++) {
			struct peer *p = &clients[i];

			if (p->port != rte_be_to_cpu_16(port) || p->in_off || p->state == P_FREE ||
				p->in == NULL)
				continue;
			if (p->in->msg.body == SL_HTTP_BODY_CLOSE && !sl_http_parser_done(p->in) &&
				p->in->msg.status >= 200 && s->resp_phase != RS_BODY &&
				s->resp_phase != RS_HEAD && !s->close_after && !s->closing)
				oracle_fail(p, "a response without length on a connection the "
					       "proxy keeps open (the client cannot find its end)");
		}
	}
}
