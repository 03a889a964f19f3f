/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/relay: the relay service, an L4 proxy. Each accepted connection opens
 * one to the listener's upstream on the same worker and bytes flow both
 * ways without copies (mbufs move from one connection's receive queue to
 * the other's send queue). Back-pressure: when one side's send buffer is
 * full, the relay stops reading the other, whose window then closes. A FIN
 * is passed on once what preceded it has been queued; a reset or timeout
 * on one side aborts the other.
 */
#include <stdlib.h>

#include <rte_mbuf.h>

#include "tcp_priv.h"

/* One direction of the relay. */
struct half {
	struct sl_tcp_conn *conn;   /* where data comes from */
	struct rte_mbuf *held;      /* read but not accepted by the other side */
	bool fin_passed;            /* its FIN was passed on */
	bool closed;                /* its connection is gone */
};

struct relay {
	struct half side[2];        /* 0: client, 1: upstream */
	bool connected;
};

static struct relay *
relay_of(struct sl_tcp_conn *c)
{
	return sl_tcp_ctx(c);
}

static int
side_of(const struct relay *r, const struct sl_tcp_conn *c)
{
	return r->side[1].conn == c;
}

static void
maybe_free(struct relay *r)
{
	if (r->side[0].closed && r->side[1].closed) {
		rte_pktmbuf_free(r->side[0].held);
		rte_pktmbuf_free(r->side[1].held);
		free(r);
	}
}

/* Move what side `from` has received to the other side, until its queue is
 * empty or the other side refuses more (then stop reading `from`). */
static void
pump(struct relay *r, int from)
{
	struct half *in = &r->side[from], *out = &r->side[!from];
	uint32_t len;

	if (!r->connected || out->closed)
		return;
	for (;;) {
		if (in->held == NULL && !in->closed)
			in->held = sl_tcp_recv(in->conn, &len);
		if (in->held == NULL)
			break;
		if (sl_tcp_send(out->conn, in->held) != 0) {
			if (!in->closed)
				sl_tcp_pause_reading(in->conn, true);
			return;
		}
		in->held = NULL;
	}
	if (!in->closed)
		sl_tcp_pause_reading(in->conn, false);
	if (!in->fin_passed && (in->closed || sl_tcp_peer_finished(in->conn))) {
		in->fin_passed = true;
		sl_tcp_close(out->conn);
	}
}

static void
relay_readable(struct sl_tcp_conn *c)
{
	struct relay *r = relay_of(c);

	if (r == NULL)
		return;

	pump(r, side_of(r, c));
}

static void
relay_writable(struct sl_tcp_conn *c)
{
	struct relay *r = relay_of(c);

	if (r == NULL)
		return;

	/* Room on this side: move what the other side holds. */
	pump(r, !side_of(r, c));
}

static void
relay_peer_closed(struct sl_tcp_conn *c)
{
	struct relay *r = relay_of(c);

	if (r == NULL)
		return;

	pump(r, side_of(r, c));
}

static void
relay_connected(struct sl_tcp_conn *c)
{
	struct relay *r = relay_of(c);

	if (r == NULL)
		return;

	r->connected = true;
	pump(r, 0);
}

static void
relay_closed(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	struct relay *r = relay_of(c);
	int s;
	struct half *other;

	if (r == NULL)
		return; /* its partner aborted it and kept the relay */
	s = side_of(r, c);
	other = &r->side[!s];
	r->side[s].closed = true;
	if (!other->closed) {
		if (why == SL_TCP_CLOSED && r->connected) {
			pump(r, s); /* pass on the FIN (and anything held) */
		} else {
			/* Detach the partner first: its own `closed` event, run
			 * inside the abort, must not free the relay under us. */
			other->closed = true;
			sl_tcp_set_ctx(other->conn, NULL);
			sl_tcp_abort(other->conn);
		}
	}
	maybe_free(r);
}

static int
relay_accepted(struct sl_tcp_conn *c, void *arg)
{
	const struct sl_tcp_listener_conf *l = arg;
	struct sl_lcore *lc = sl_tcp_lcore(c);
	struct relay *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -1;
	r->side[0].conn = c;
	sl_tcp_set_ctx(c, r);
	/* Nothing is read from the client until the upstream answers. */
	sl_tcp_pause_reading(c, true);
	r->side[1].conn = sl_tcp_connect(lc, 0, l->upstream,
			rte_cpu_to_be_16((uint16_t)l->upstream_port), &tcp_relay_ops, r);
	if (r->side[1].conn == NULL) {
		sl_tcp_set_ctx(c, NULL);
		free(r);
		return -1;
	}
	return 0;
}

const struct sl_tcp_ops tcp_relay_ops = {
	.accepted = relay_accepted,
	.connected = relay_connected,
	.readable = relay_readable,
	.writable = relay_writable,
	.peer_closed = relay_peer_closed,
	.closed = relay_closed,
};
