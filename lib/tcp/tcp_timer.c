/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/timer: the three timers of a connection on the worker's wheel —
 * retransmission (RTO per RFC 6298, SYN retries, zero-window probes),
 * delayed ACK (RFC 1122 4.2.3.2), and a life timer (keepalive, idle and
 * user timeouts, FIN_WAIT_2 and TIME_WAIT).
 */
#include <stddef.h>

#include "tcp_priv.h"

#define CONN_OF(t, field) ((struct tcp_conn *)((char *)(t) - offsetof(struct tcp_conn, field)))

static struct sl_lcore *
owner_of(const struct tcp_conn *c)
{
	return sl_lcore_get(c->owner);
}

static uint64_t
rto_tsc(const struct tcp_conn *c)
{
	uint64_t us = (uint64_t)c->rto_us << RTE_MIN(c->backoff, 16);

	us = RTE_MIN(us, (uint64_t)sl_tcp_conf.rto_max_ms * 1000);
	return sl_clock_from_us(us);
}

void
tcp_rtt_sample(struct tcp_conn *c, uint32_t rtt_us)
{
	uint32_t rto;

	if (rtt_us == 0)
		rtt_us = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = rtt_us;
		c->rttvar_us = rtt_us / 2;
	} else {
		uint32_t err = c->srtt_us > rtt_us ? c->srtt_us - rtt_us : rtt_us - c->srtt_us;

		c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + err / 4;
		c->srtt_us = c->srtt_us - c->srtt_us / 8 + rtt_us / 8;
	}
	rto = c->srtt_us + RTE_MAX(4 * c->rttvar_us, 1000u);
	rto = RTE_MIN(rto, (uint32_t)sl_tcp_conf.rto_max_ms * 1000);
	c->rto_us = RTE_MAX(rto, (uint32_t)sl_tcp_conf.rto_min_ms * 1000);
}

static void
give_up(struct sl_lcore *lc, struct tcp_conn *c)
{
	lc->tcp.stats.timeouts++;
	if (c->state == TCP_SYN_SENT)
		lc->tcp.stats.connect_failed++;
	if (c->state >= TCP_SYN_RECEIVED)
		tcp_send_raw(lc, &c->key, c->snd_nxt, c->rcv_nxt, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG,
				0, NULL, 0);
	tcp_conn_close(lc, c, SL_TCP_TIMEOUT);
}

static void
on_rtx(struct sl_timer *t)
{
	struct tcp_conn *c = CONN_OF(t, rtx_timer);
	struct sl_lcore *lc = owner_of(c);
	uint32_t flight = c->snd_max - c->snd_una;
	uint32_t len;

	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		if (c->backoff >= sl_tcp_conf.syn_retries) {
			give_up(lc, c);
			return;
		}
		c->backoff++;
		lc->tcp.stats.retransmits++;
		tcp_send_syn(lc, c);
		sl_timer_arm(lc->wheel, &c->rtx_timer, lc->now + rto_tsc(c));
		return;
	}
	if (c->flags & TCP_F_PTO) {
		c->flags &= ~TCP_F_PTO;
		if (flight != 0 && c->snd_wnd != 0)
			tcp_tlp_fire(lc, c);
		else
			tcp_arm_rtx(lc, c, TCP_RTX_SENT);
		return;
	}
	/* Zero window with data waiting: probe it with one byte (RFC 9293
	 * 3.8.6.1), the interval doubling, for as long as the peer answers
	 * (RFC 1122 4.2.2.17): not the RTO path, which would send a full
	 * segment into the closed window and give up after `retries`. */
	if (c->snd_wnd == 0 && c->sndq_len != 0 && flight <= 1) {
		/* A peer that stopped answering is given up like any other. */
		if (c->probes >= sl_tcp_conf.retries) {
			give_up(lc, c);
			return;
		}
		c->probes++;
		lc->tcp.stats.zero_window_probes++;
		c->backoff = (uint8_t)RTE_MIN(c->backoff + 1, 16);
		c->snd_nxt = c->snd_una;
		c->snd_wnd = 1; /* let one byte out; tcp_output re-arms the timer */
		tcp_output(lc, c);
		c->snd_wnd = 0;
		return;
	}
	if (flight == 0)
		return;
	if (c->backoff >= sl_tcp_conf.retries || (sl_tcp_conf.user_timeout_ms != 0 &&
			lc->now - c->last_rx >
			sl_clock_from_ms((uint64_t)sl_tcp_conf.user_timeout_ms))) {
		give_up(lc, c);
		return;
	}
	/* RFC 6298 5.4-5.7 and RFC 5681 3.1: back off, restart from snd_una. */
	lc->tcp.stats.rto++;
	tcp_cc_on_rto(&c->cc, flight, tcp_now_us(lc));
	c->flags &= ~TCP_F_RTT_TIMING;
	len = tcp_recovery_on_rto(c);
	c->backoff++;
	c->snd_nxt = c->snd_una + tcp_retransmit(lc, c, c->snd_una, len);
	if (c->sndq_len == 0 && (c->flags & TCP_F_FIN_SENT))
		c->snd_nxt = c->snd_max;
	sl_timer_arm(lc->wheel, &c->rtx_timer, lc->now + rto_tsc(c));
}

static void
on_delack(struct sl_timer *t)
{
	struct tcp_conn *c = CONN_OF(t, ack_timer);
	struct sl_lcore *lc = owner_of(c);

	if (c->state == TCP_TIME_WAIT) {
		if ((c->flags & TCP_F_CLOSE_PENDING) && c->rcvq_len == 0)
			tcp_notify_closed(c);
		return;
	}
	if (!(c->flags & TCP_F_DELACK))
		return;
	lc->tcp.stats.delayed_acks++;
	tcp_send_ack(lc, c);
}

static void
on_life(struct sl_timer *t)
{
	struct tcp_conn *c = CONN_OF(t, life_timer);
	struct sl_lcore *lc = owner_of(c);
	const struct sl_tcp_keepalive_conf *ka = &sl_tcp_conf.keepalive;
	uint64_t idle = lc->now - c->last_rx;

	if (c->state == TCP_TIME_WAIT || c->state == TCP_FIN_WAIT_2) {
		if (c->state == TCP_FIN_WAIT_2)
			lc->tcp.stats.timeouts++;
		tcp_conn_close(lc, c, SL_TCP_CLOSED);
		return;
	}
	if (sl_tcp_conf.idle_timeout_s != 0 &&
			idle >= sl_clock_from_ms((uint64_t)sl_tcp_conf.idle_timeout_s * 1000)) {
		give_up(lc, c);
		return;
	}
	if (ka->enabled && c->state == TCP_ESTABLISHED &&
			idle >= sl_clock_from_ms((uint64_t)ka->idle_s * 1000)) {
		if (c->probes >= ka->probes) {
			give_up(lc, c);
			return;
		}
		/* A segment the peer must ACK: one byte below snd_una. */
		c->probes++;
		lc->tcp.stats.keepalives++;
		tcp_send_raw(lc, &c->key, c->snd_una - 1, c->rcv_nxt, RTE_TCP_ACK_FLAG,
				(uint16_t)RTE_MIN(tcp_rcv_window(c) >> c->rcv_wscale, 65535u), NULL, 0);
		sl_timer_arm(lc->wheel, &c->life_timer, lc->now +
				sl_clock_from_ms((uint64_t)ka->interval_s * 1000));
		return;
	}
	tcp_arm_life(lc, c);
}

void
tcp_timers_init(struct tcp_conn *c)
{
	sl_timer_init(&c->rtx_timer, on_rtx);
	sl_timer_init(&c->ack_timer, on_delack);
	sl_timer_init(&c->life_timer, on_life);
}

void
tcp_timers_stop(struct sl_lcore *lc, struct tcp_conn *c)
{
	sl_timer_cancel(lc->wheel, &c->rtx_timer);
	sl_timer_cancel(lc->wheel, &c->ack_timer);
	sl_timer_cancel(lc->wheel, &c->life_timer);
}

void
tcp_arm_rtx(struct sl_lcore *lc, struct tcp_conn *c, enum tcp_rtx_event ev)
{
	bool outstanding = c->snd_una != c->snd_max;
	bool zero_window = c->snd_wnd == 0 && c->sndq_len > c->snd_max - c->snd_una;
	bool pending = sl_timer_pending(&c->rtx_timer);
	uint64_t pto_us;

	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		if (!pending)
			sl_timer_arm(lc->wheel, &c->rtx_timer, lc->now + rto_tsc(c));
		return;
	}
	if (!outstanding && !zero_window) {
		sl_timer_cancel(lc->wheel, &c->rtx_timer);
		c->flags &= ~TCP_F_PTO;
		return;
	}
	pto_us = tcp_tlp_timeout_us(c);
	if (pto_us != 0) {
		/* RFC 8985 7.2: after new data is sent or acknowledged */
		if (ev != TCP_RTX_SENT || !pending || !(c->flags & TCP_F_PTO)) {
			c->flags |= TCP_F_PTO;
			sl_timer_arm(lc->wheel, &c->rtx_timer, lc->now + sl_clock_from_us(pto_us));
		}
		return;
	}
	/* RFC 6298 5.1, 5.3: start it if it is not running (or was a probe
	 * timeout); restart it when new data is acknowledged, only then. */
	if (ev == TCP_RTX_ACKED || !pending || (c->flags & TCP_F_PTO)) {
		c->flags &= ~TCP_F_PTO;
		sl_timer_arm(lc->wheel, &c->rtx_timer, lc->now + rto_tsc(c));
	}
}

void
tcp_arm_delack(struct sl_lcore *lc, struct tcp_conn *c)
{
	c->flags |= TCP_F_DELACK;
	if (!sl_timer_pending(&c->ack_timer))
		sl_timer_arm(lc->wheel, &c->ack_timer, lc->now +
				sl_clock_from_ms((uint64_t)sl_tcp_conf.delack_ms));
}

void
tcp_arm_life(struct sl_lcore *lc, struct tcp_conn *c)
{
	const struct sl_tcp_keepalive_conf *ka = &sl_tcp_conf.keepalive;
	uint64_t wait_s = UINT64_MAX;

	if (c->state == TCP_FIN_WAIT_2) {
		sl_timer_arm(lc->wheel, &c->life_timer, lc->now +
				sl_clock_from_ms((uint64_t)sl_tcp_conf.time_wait_ms));
		return;
	}
	if (ka->enabled)
		wait_s = (uint64_t)ka->idle_s;
	if (sl_tcp_conf.idle_timeout_s != 0)
		wait_s = RTE_MIN(wait_s, (uint64_t)sl_tcp_conf.idle_timeout_s);
	if (wait_s == UINT64_MAX)
		return;
	/* Check again when the quietest deadline could pass. */
	sl_timer_arm(lc->wheel, &c->life_timer, c->last_rx + sl_clock_from_us(wait_s * 1000000));
}

/* O(1): connections leave the FIFO from anywhere (reuse, resets). */
void
tcp_time_wait_unlink(struct sl_lcore *lc, struct tcp_conn *c)
{
	struct sl_tcp_lcore *t = &lc->tcp;

	if (c->tw_pprev == NULL)
		return;
	*c->tw_pprev = c->tw_next;
	if (c->tw_next != NULL)
		c->tw_next->tw_pprev = c->tw_pprev;
	else
		t->tw_newest = c->tw_pprev == &t->tw_oldest ? NULL :
			container_of(c->tw_pprev, struct tcp_conn, tw_next);
	c->tw_next = NULL;
	c->tw_pprev = NULL;
	t->gauges.time_wait--;
}

void
tcp_enter_time_wait(struct sl_lcore *lc, struct tcp_conn *c)
{
	struct sl_tcp_lcore *t = &lc->tcp;

	sl_timer_cancel(lc->wheel, &c->rtx_timer);
	sl_timer_cancel(lc->wheel, &c->ack_timer);
	tcp_set_state(lc, c, TCP_TIME_WAIT);
	t->stats.time_wait++;
	if (sl_tcp_conf.time_wait_ms == 0 || sl_tcp_conf.time_wait_max == 0) {
		tcp_conn_close(lc, c, SL_TCP_CLOSED);
		return;
	}
	/* Bounded table: recycle the oldest entry to make room. */
	if (t->gauges.time_wait >= tcp_time_wait_cap && t->tw_oldest != NULL) {
		t->stats.time_wait_recycled++;
		tcp_conn_close(lc, t->tw_oldest, SL_TCP_CLOSED);
	}
	c->tw_next = NULL;
	c->tw_pprev = t->tw_newest != NULL ? &t->tw_newest->tw_next : &t->tw_oldest;
	*c->tw_pprev = c;
	t->tw_newest = c;
	t->gauges.time_wait++;
	sl_timer_arm(lc->wheel, &c->life_timer, lc->now +
			sl_clock_from_ms((uint64_t)sl_tcp_conf.time_wait_ms));
	/* Tell the application now, unless it still has data to read: then
	 * when it has read it (sl_tcp_recv arms the delayed-ACK timer). */
	if (c->rcvq_len != 0)
		c->flags |= TCP_F_CLOSE_PENDING;
	else
		tcp_notify_closed(c);
}

void
tcp_notify_closed(struct tcp_conn *c)
{
	const struct sl_tcp_ops *ops = c->ops;

	c->flags &= ~TCP_F_CLOSE_PENDING;
	if (ops == NULL || ops->closed == NULL)
		return;
	c->ops = NULL;
	c->flags |= TCP_F_IN_EVENT;
	ops->closed((struct sl_tcp_conn *)c, SL_TCP_CLOSED);
	c->flags &= ~TCP_F_IN_EVENT;
}
