/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/connect: active opens. The source port is chosen so that the return
 * traffic reaches the worker that owns the connection: by the NIC's RSS
 * (software Toeplitz over the port's key and table) where the port steers,
 * and always with port % workers == worker, the rule a worker uses to hand
 * a segment it received for someone else's flow to its owner.
 */
#include <errno.h>

#include <rte_errno.h>

#include "sl_net.h"
#include "tcp_priv.h"

/*
 * Is the 4-tuple free? A TIME_WAIT entry of it may be taken over, as
 * Linux's tcp_tw_reuse does, when timestamps were on (PAWS tells the old
 * incarnation's segments from the new one's) and it is a second old: a
 * proxy that closes its upstream connections would otherwise run out of
 * ports for 2 MSL.
 */
static bool
tuple_free(struct sl_lcore *lc, const struct tcp_key *k)
{
	struct tcp_conn *c = tcp_conn_lookup(lc, k);

	if (c == NULL)
		return true;
	/* (c->ops: the application has not heard of the close yet.) */
	if (c->state != TCP_TIME_WAIT || !(c->flags & TCP_F_TS) || c->ops != NULL ||
			lc->now - c->last_rx < sl_clock_base.hz)
		return false;
	lc->tcp.stats.time_wait_reused++;
	tcp_conn_close(lc, c, SL_TCP_CLOSED);
	return true;
}

static bool
port_fits(struct sl_lcore *lc, const struct sl_port *out, struct tcp_key *k, uint16_t port)
{
	unsigned int n = sl_lcore_worker_count();
	int q;

	if (port % n != lc->worker_id)
		return false;
	k->lport = rte_cpu_to_be_16(port);
	/* The NIC hashes the reply, so the tuple is seen from the peer. */
	q = sl_port_rss_queue(out, k->raddr, k->laddr, k->rport, k->lport);
	if (q >= 0 && q != lc->worker_id)
		return false;
	if (tcp_find_listener(k->laddr, k->lport) >= 0)
		return false;
	return tuple_free(lc, k);
}

static int
pick_port(struct sl_lcore *lc, const struct sl_port *out, struct tcp_key *k)
{
	uint32_t lo = (uint32_t)sl_tcp_conf.ephemeral_min, hi = (uint32_t)sl_tcp_conf.ephemeral_max;
	uint32_t span = hi - lo + 1, i;

	for (i = 0; i < span; i++) {
		uint16_t port = (uint16_t)(lo + (lc->tcp.next_port - lo + i) % span);

		if (port_fits(lc, out, k, port)) {
			lc->tcp.next_port = (uint16_t)(lo + (port - lo + 1) % span);
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

struct sl_tcp_conn *
sl_tcp_connect(struct sl_lcore *lc, uint32_t saddr, uint32_t daddr, uint16_t dport,
		const struct sl_tcp_ops *ops, void *arg)
{
	const struct sl_port *out = sl_net_route_port(daddr);
	struct tcp_key k = { .laddr = saddr, .raddr = daddr, .rport = dport };
	struct tcp_4tuple t;
	struct tcp_conn *c;

	lc->tcp.stats.connects++;
	if (out == NULL) {
		lc->tcp.stats.connect_failed++;
		rte_errno = EHOSTUNREACH;
		return NULL;
	}
	if (k.laddr == 0)
		k.laddr = out->addr;
	if (pick_port(lc, out, &k) < 0) {
		lc->tcp.stats.connect_failed++;
		rte_errno = EADDRNOTAVAIL;
		return NULL;
	}
	c = tcp_conn_create(lc, &k);
	if (c == NULL) {
		lc->tcp.stats.connect_failed++;
		rte_errno = ENOBUFS;
		return NULL;
	}
	t = (struct tcp_4tuple){ .saddr = k.raddr, .daddr = k.laddr, .sport = k.rport,
		.dport = k.lport };
	c->ops = ops;
	c->ctx = arg;
	c->iss = tcp_isn_make(&t, tcp_now_us(lc));
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->rcv_wscale = sl_tcp_conf.window_scaling ? tcp_our_wscale() : 0;
	c->mss = tcp_mss_for(daddr);
	tcp_cc_init(&c->cc, (enum tcp_cc_algo)tcp_cc_parse(sl_tcp_conf.congestion), c->mss);
	tcp_set_state(lc, c, TCP_SYN_SENT);
	tcp_send_syn(lc, c);
	tcp_arm_rtx(lc, c, TCP_RTX_SENT);
	return (struct sl_tcp_conn *)c;
}
