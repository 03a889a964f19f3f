/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/services: built-in test services on configured listeners, so the
 * stack can be exercised and measured without HTTP:
 *   echo    — sends back what it receives (back-pressure: stops reading
 *             while the send buffer is full)
 *   discard — reads and drops
 *   source  — reads a decimal byte count and "\n", sends that many bytes
 *             of a pattern (each 8-byte word holds its own index, little
 *             endian), then closes
 *   relay   — an L4 proxy to a fixed upstream (tcp_relay.c), the stack's
 *             active opens at work
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp_priv.h"

/* Per-connection state of the services (jemalloc: small, short-lived). */
struct svc {
	struct rte_mbuf *pending; /* echo: data the send buffer refused */
	uint64_t remaining;       /* source: bytes still to send */
	uint64_t offset;          /* source: bytes sent */
	char line[24];            /* source: the request so far */
	uint8_t line_len;
	bool started;
};

static struct svc *
svc_of(struct sl_tcp_conn *c)
{
	return sl_tcp_ctx(c);
}

static int
svc_accepted(struct sl_tcp_conn *c, void *arg)
{
	struct svc *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	sl_tcp_set_ctx(c, s);
	return 0;
}

static void
svc_closed(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	struct svc *s = svc_of(c);

	if (s == NULL)
		return;
	rte_pktmbuf_free(s->pending);
	free(s);
	sl_tcp_set_ctx(c, NULL);
}

static void
svc_peer_closed(struct sl_tcp_conn *c)
{
	struct svc *s = svc_of(c);

	/* echo and discard finish once nothing is pending; source when done. */
	if (s->pending == NULL && !(s->started && s->remaining > 0))
		sl_tcp_close(c);
}

/* echo */

static void
echo_flush(struct sl_tcp_conn *c, struct svc *s)
{
	if (s->pending == NULL)
		return;
	if (sl_tcp_send(c, s->pending) == 0) {
		s->pending = NULL;
		sl_tcp_pause_reading(c, false);
	}
}

static void
echo_readable(struct sl_tcp_conn *c)
{
	struct svc *s = svc_of(c);
	uint32_t len;
	struct rte_mbuf *m;

	if (s->pending != NULL)
		return;
	m = sl_tcp_recv(c, &len);
	if (m == NULL)
		return;
	if (sl_tcp_send(c, m) != 0) {
		/* Hold it and stop reading: the peer's window closes. */
		s->pending = m;
		sl_tcp_pause_reading(c, true);
	}
}

static void
echo_writable(struct sl_tcp_conn *c)
{
	struct tcp_conn *tc = (struct tcp_conn *)c;
	struct svc *s = svc_of(c);

	echo_flush(c, s);
	if (s->pending == NULL) {
		echo_readable(c);
		if (s->pending == NULL && (tc->flags & TCP_F_PEER_FIN))
			sl_tcp_close(c);
	}
}

/* discard */

static void
discard_readable(struct sl_tcp_conn *c)
{
	uint32_t len;

	rte_pktmbuf_free(sl_tcp_recv(c, &len));
}

/* source */

static void
pattern_fill(uint8_t *p, uint64_t offset, uint32_t len)
{
	uint32_t i = 0;

	/* Byte by byte up to a word boundary, then whole words. */
	for (; i < len && (offset + i) % 8 != 0; i++)
		p[i] = (uint8_t)(((offset + i) / 8) >> (8 * ((offset + i) % 8)));
	for (; i + 8 <= len; i += 8) {
		uint64_t word = rte_cpu_to_le_64((offset + i) / 8);

		memcpy(p + i, &word, 8);
	}
	for (; i < len; i++)
		p[i] = (uint8_t)(((offset + i) / 8) >> (8 * ((offset + i) % 8)));
}

static void
source_send(struct sl_tcp_conn *c, struct svc *s)
{
	struct rte_mempool *pool = sl_port_pool();
	uint32_t room = sl_tcp_send_space(c);

	while (s->remaining > 0 && room > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint32_t len;
		uint8_t *p;

		if (m == NULL) {
			/* Retried when the send buffer drains (writable). */
			((struct tcp_conn *)c)->flags |= TCP_F_WANT_WRITE;
			return;
		}
		len = RTE_MIN(room, (uint32_t)rte_pktmbuf_tailroom(m));
		len = (uint32_t)RTE_MIN(s->remaining, (uint64_t)len);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
		pattern_fill(p, s->offset, len);
		if (sl_tcp_send(c, m) != 0) {
			rte_pktmbuf_free(m);
			return;
		}
		s->offset += len;
		s->remaining -= len;
		room -= len;
	}
	if (s->remaining == 0)
		sl_tcp_close(c);
	else
		/* Ask to be told when the buffer drains. */
		((struct tcp_conn *)c)->flags |= TCP_F_WANT_WRITE;
}

static void
source_readable(struct sl_tcp_conn *c)
{
	struct svc *s = svc_of(c);
	struct rte_mbuf *m, *seg;
	uint32_t len;

	m = sl_tcp_recv(c, &len);
	for (seg = m; seg != NULL && !s->started; seg = seg->next) {
		const char *p = rte_pktmbuf_mtod(seg, const char *);
		uint16_t i;

		for (i = 0; i < seg->data_len && !s->started; i++) {
			if (p[i] == '\n') {
				char *end;

				s->line[s->line_len] = '\0';
				s->remaining = strtoull(s->line, &end, 10);
				s->started = true;
				if (end == s->line || *end != '\0') {
					sl_tcp_abort(c); /* not a number: refuse */
					rte_pktmbuf_free(m);
					return;
				}
			} else if (s->line_len + 1u >= sizeof(s->line)) {
				sl_tcp_abort(c);
				rte_pktmbuf_free(m);
				return;
			} else {
				s->line[s->line_len++] = p[i];
			}
		}
	}
	rte_pktmbuf_free(m);
	if (s->started)
		source_send(c, s);
}

static void
source_writable(struct sl_tcp_conn *c)
{
	struct svc *s = svc_of(c);

	if (s->started)
		source_send(c, s);
}

static const struct sl_tcp_ops echo_ops = {
	.accepted = svc_accepted, .readable = echo_readable, .writable = echo_writable,
	.peer_closed = svc_peer_closed, .closed = svc_closed,
};
static const struct sl_tcp_ops discard_ops = {
	.accepted = svc_accepted, .readable = discard_readable,
	.peer_closed = svc_peer_closed, .closed = svc_closed,
};
static const struct sl_tcp_ops source_ops = {
	.accepted = svc_accepted, .readable = source_readable, .writable = source_writable,
	.peer_closed = svc_peer_closed, .closed = svc_closed,
};

int
tcp_services_init(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < sl_tcp_conf.n_listeners; i++) {
		const struct sl_tcp_listener_conf *l = &sl_tcp_conf.listeners[i];
		const struct sl_tcp_ops *ops;

		if (strcmp(l->service, "echo") == 0)
			ops = &echo_ops;
		else if (strcmp(l->service, "discard") == 0)
			ops = &discard_ops;
		else if (strcmp(l->service, "source") == 0)
			ops = &source_ops;
		else if (strcmp(l->service, "relay") == 0)
			ops = &tcp_relay_ops;
		else
			continue;
		rc = sl_tcp_listen(l->address, rte_cpu_to_be_16((uint16_t)l->port), ops,
				(void *)(uintptr_t)l, (uint32_t)l->backlog);
		if (rc < 0)
			return rc;
	}
	return 0;
}
