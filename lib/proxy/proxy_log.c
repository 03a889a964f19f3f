/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * proxy/log: the producer side of the access log. A worker copies what the
 * log line needs out of the session (the session's buffers are reused by
 * the next exchange) into a fixed-size record and enqueues it on its own
 * SP/SC ring; the management lcore dequeues (sl_proxy_log_drain). Nothing
 * here allocates, blocks or formats text on the worker.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "proxy_priv.h"


int
sl_proxy_log_enable(unsigned int records)
{
	struct sl_lcore *lc;
	char name[RTE_RING_NAMESIZE];

	SL_WORKER_FOREACH(lc) {
		struct proxy_worker *w = lc->proxy.w;

		if (w == NULL)
			return -EINVAL;
		if (w->log != NULL)
			continue;
		snprintf(name, sizeof(name), "sl_alog_%u", lc->lcore_id);
		w->log = rte_ring_create_elem(name, sizeof(struct sl_proxy_log_record), records,
				(int)rte_lcore_to_socket_id(lc->lcore_id),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->log == NULL)
			return -rte_errno;
	}
	return 0;
}

unsigned int
sl_proxy_log_drain(void (*fn)(void *arg, const struct sl_proxy_log_record *r), void *arg,
		unsigned int max)
{
	struct sl_proxy_log_record batch[32];
	unsigned int done = 0, n, i;
	struct sl_lcore *lc;

	SL_WORKER_FOREACH(lc) {
		struct rte_ring *r = lc->proxy.w != NULL ? lc->proxy.w->log : NULL;

		while (r != NULL && done < max) {
			n = rte_ring_sc_dequeue_burst_elem(r, batch, sizeof(batch[0]),
					RTE_MIN((unsigned int)RTE_DIM(batch), max - done), NULL);
			for (i = 0; i < n; i++)
				fn(arg, &batch[i]);
			done += n;
			if (n < RTE_DIM(batch))
				break;
		}
	}
	return done;
}

/* Copy at most size bytes of a span; its length. */
static uint16_t
copy_span(char *dst, size_t size, const char *src, size_t len)
{
	if (len > size)
		len = size;
	memcpy(dst, src, len);
	return (uint16_t)len;
}

void
proxy_log_exchange(const struct session *s, uint64_t us)
{
	const struct sl_http_parser *p = &s->req;
	struct proxy_worker *w = s->w;
	struct sl_proxy_log_record r;
	int i;

	r.tsc = w->lc->now;
	r.duration_us = s->req_phase != RQ_HEAD ? us : 0; /* no head: no start time */
	r.bytes_in = s->body_in;
	r.bytes_out = s->body_out;
	r.client_addr = s->client_addr;
	r.client_port = 0;
	if (s->client != NULL) {
		uint32_t a;
		uint16_t port;

		sl_tcp_peer(s->client, &a, &port);
		r.client_port = rte_be_to_cpu_16(port);
	}
	r.status = s->status;
	r.worker = w->wid;
	r.minor = p->msg.minor;
	r.method_len = r.target_len = r.host_len = 0;
	r.request_id[0] = r.request_id[1] = 0;
	/* Refused before its head was complete: no method, target or host. */
	if (s->req_phase != RQ_HEAD) {
		r.method_len = (uint8_t)copy_span(r.method, sizeof(r.method),
				sl_http_str(p, p->msg.method_s), p->msg.method_s.len);
		r.target_len = copy_span(r.target, sizeof(r.target),
				sl_http_str(p, p->msg.target), p->msg.target.len);
		i = sl_http_find(p, "host", 4, 0);
		if (i >= 0) {
			const struct sl_http_field *f = sl_http_field(p, (uint32_t)i);

			r.host_len = copy_span(r.host, sizeof(r.host), sl_http_field_value(p, f),
					f->value_len);
		}
		/* The id the proxy added: the client sent none. */
		if ((s->request_id[0] | s->request_id[1]) != 0 &&
				sl_http_find(p, "x-request-id", 12, 0) < 0) {
			r.request_id[0] = s->request_id[0];
			r.request_id[1] = s->request_id[1];
		}
	}
	r.route[0] = '\0';
	if (s->act != NULL)
		snprintf(r.route, sizeof(r.route), "%s", s->act->conf->name);
	else if (s->rstats != NULL && proxy_no_route != NULL)
		snprintf(r.route, sizeof(r.route), "%s", proxy_no_route->name);
	r.member_addr = 0;
	r.member_port = 0;
	if (s->act != NULL && s->act->kind == PROXY_ACT_POOL && s->member >= 0) {
		const struct proxy_member *m = &s->gen->pools[s->act->pool].members[s->member];

		r.member_addr = m->addr;
		r.member_port = rte_be_to_cpu_16(m->port);
	}
	if (rte_ring_sp_enqueue_elem(w->log, &r, sizeof(r)) != 0)
		w->lc->proxy.stats.access_log_dropped++;
}
