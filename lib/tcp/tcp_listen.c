/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/listen: segments to a listener: passive opens (RFC 9293 3.10.7.2) and
 * SYN cookies (RFC 4987) once a listener's half-open count reaches its
 * backlog.
 */
#include <rte_tcp.h>

#include "sl_acl.h"
#include "tcp_priv.h"
#include "tcp_seg.h"

/* The segment's connection as the ISN and cookie functions name it. */
static struct tcp_4tuple
peer_tuple(const struct seg *s)
{
	return (struct tcp_4tuple){ .saddr = s->key.raddr, .daddr = s->key.laddr,
		.sport = s->key.rport, .dport = s->key.lport };
}

static struct tcp_conn *
new_passive(struct sl_lcore *lc, int l, const struct seg *s)
{
	struct tcp_conn *c = tcp_conn_create(lc, &s->key);
	struct tcp_4tuple t = peer_tuple(s);

	if (c == NULL)
		return NULL;
	c->listener = (int8_t)l;
	c->flags |= TCP_F_PASSIVE;
	c->rcv_wscale = sl_tcp_conf.window_scaling ? tcp_our_wscale() : 0;
	c->irs = s->seq;
	c->rcv_nxt = c->rcv_adv = s->seq + 1;
	c->iss = tcp_isn_make(&t, tcp_now_us(lc));
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_wnd = s->wnd;
	c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	tcp_take_syn_options(c, s);
	if (!(c->flags & TCP_F_WS))
		c->rcv_wscale = 0;
	tcp_cc_init(&c->cc, (enum tcp_cc_algo)tcp_cc_parse(sl_tcp_conf.congestion), c->mss);
	return c;
}

/* The window a cookie SYN-ACK advertises: unscaled, as no state is kept. */
static uint16_t
cookie_window(void)
{
	return (uint16_t)RTE_MIN(sl_tcp_conf.rcvbuf, 65535);
}

static void
cookie_syn_ack(struct sl_lcore *lc, const struct seg *s)
{
	struct tcp_4tuple t = peer_tuple(s);
	uint16_t mss = (uint16_t)RTE_MIN(s->opts.mss ? s->opts.mss : 536,
			tcp_mss_for(s->key.raddr));
	uint32_t cookie = tcp_syncookie_make(&t, s->seq, mss, tcp_now_us(lc) / 1000000);
	struct tcp_opts o = { .mss = mss };

	/* No state is kept, so no window scaling, SACK or timestamps. */
	tcp_send_raw(lc, &s->key, cookie, s->seq + 1, F(SYN) | F(ACK), cookie_window(), &o, 0);
	lc->tcp.stats.syncookies_sent++;
}

/* An ACK to a listener that may complete a cookie handshake. */
static struct tcp_conn *
cookie_ack(struct sl_lcore *lc, int l, const struct seg *s)
{
	struct tcp_4tuple t = peer_tuple(s);
	uint16_t mss = tcp_syncookie_check(&t, s->seq - 1, s->ack - 1, tcp_now_us(lc) / 1000000);
	struct tcp_conn *c;

	if (mss == 0) {
		lc->tcp.stats.syncookies_bad++;
		return NULL;
	}
	c = tcp_conn_create(lc, &s->key);
	if (c == NULL) {
		lc->tcp.stats.listen_drops++;
		return NULL;
	}
	c->listener = (int8_t)l;
	c->flags |= TCP_F_PASSIVE;
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->rcv_adv = s->seq + cookie_window(); /* what the SYN-ACK advertised */
	c->iss = s->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->snd_wnd = c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->mss = mss;
	tcp_cc_init(&c->cc, (enum tcp_cc_algo)tcp_cc_parse(sl_tcp_conf.congestion), c->mss);
	c->state = TCP_ESTABLISHED;
	lc->tcp.stats.syncookies_ok++;
	return c;
}

void
tcp_listen_segment(struct sl_lcore *lc, int l, struct seg *s)
{
	struct sl_tcp_lcore *t = &lc->tcp;
	struct tcp_conn *c;

	if (s->flags & F(RST))
		goto drop;
	if ((s->flags & (F(SYN) | F(ACK) | F(FIN))) == F(SYN)) {
		t->stats.syn_rcvd++;
		/* Before any state, cookie or SYN-ACK: the ACL's verdict (it counts). */
		switch (sl_acl_syn_verdict(lc, s->key.raddr, s->key.laddr, s->key.lport)) {
		case SL_ACL_ALLOW:
			break;
		case SL_ACL_RST:
			tcp_reply_rst(lc, s);
			/* fall through */
		case SL_ACL_DROP:
			goto drop;
		}
		if (t->half_open[l] >= tcp_listeners[l].backlog) {
			t->stats.syn_backlog_full++;
			if (sl_tcp_conf.syncookies)
				cookie_syn_ack(lc, s);
			goto drop;
		}
		c = new_passive(lc, l, s);
		if (c == NULL) {
			t->stats.listen_drops++;
			goto drop;
		}
		tcp_set_state(lc, c, TCP_SYN_RECEIVED);
		tcp_send_syn(lc, c);
		tcp_arm_rtx(lc, c, TCP_RTX_SENT);
		goto drop;
	}
	if ((s->flags & (F(SYN) | F(ACK))) == F(ACK) && sl_tcp_conf.syncookies) {
		c = cookie_ack(lc, l, s);
		if (c != NULL) {
			tcp_event_established(lc, c);
			if (!(c->flags & TCP_F_DEAD))
				tcp_conn_segment(lc, c, s);
			return;
		}
	}
	tcp_reply_rst(lc, s);
drop:
	rte_pktmbuf_free(s->m);
}
