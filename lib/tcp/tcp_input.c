/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/input: segment arrival (RFC 9293 3.10.7) with the protections of
 * RFC 5961, PAWS (RFC 7323) and TIME_WAIT reuse (RFC 6191); segments to a
 * listener go to tcp_listen.c, loss detection and recovery are in
 * tcp_recovery.c. Nothing in a segment is trusted before it is checked;
 * every segment ends in exactly one leaf counter.
 */
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_ring.h>

#include "sl_net.h"
#include "tcp_priv.h"
#include "tcp_seg.h"

/* Options sit at any offset (2 mod 4 after Ethernet): no 32-bit loads. */
static uint32_t
get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* NOP, NOP, timestamps: what nearly every segment of a connection carries
 * (RFC 7323 appendix A), read at once. */
#define TS_ONLY_LEN 12
#define TS_ONLY_LEAD 0x0101080au

static bool
parse_options(const uint8_t *p, unsigned int n, struct tcp_opts *o)
{
	unsigned int i = 0;

	if (n == TS_ONLY_LEN && get_be32(p) == TS_ONLY_LEAD) {
		*o = (struct tcp_opts){ .wscale = -1, .ts_present = true,
			.ts_val = get_be32(p + 4), .ts_ecr = get_be32(p + 8) };
		return true;
	}
	memset(o, 0, sizeof(*o));
	o->wscale = -1;
	while (i < n) {
		uint8_t kind = p[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || (len = p[i + 1]) < 2 || i + len > n)
			return false; /* malformed: stop, keep what was read */
		switch (kind) {
		case 2:
			if (len == 4)
				o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			break;
		case 3:
			if (len == 3)
				o->wscale = (int8_t)RTE_MIN(p[i + 2], 14); /* RFC 7323 2.3 */
			break;
		case 4:
			o->sack_ok = len == 2;
			break;
		case 5:
			if (len >= 10 && (len - 2) % 8 == 0) {
				unsigned int b;

				o->n_sack = (uint8_t)RTE_MIN((len - 2) / 8, TCP_SACK_MAX_BLOCKS);
				for (b = 0; b < o->n_sack; b++) {
					const uint8_t *q = p + i + 2 + 8 * b;

					o->sack[b].start = get_be32(q);
					o->sack[b].end = get_be32(q + 4);
				}
			}
			break;
		case 8:
			if (len == 10) {
				o->ts_present = true;
				o->ts_val = get_be32(p + i + 2);
				o->ts_ecr = get_be32(p + i + 6);
			}
			break;
		default:
			break;
		}
		i += len;
	}
	return true;
}

/* Check and parse; false if the segment must be dropped (counted). */
static bool
parse(struct sl_lcore *lc, struct rte_mbuf *m, uint16_t ihl, struct seg *s)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t l4_len = m->pkt_len - ihl;
	uint16_t doff;

	if (m->data_len < ihl + sizeof(struct rte_tcp_hdr)) {
		lc->tcp.stats.rx_bad_header++;
		return false;
	}
	s->th = (const struct rte_tcp_hdr *)((const char *)ip + ihl);
	doff = (uint16_t)((s->th->data_off >> 4) * 4);
	if (doff < sizeof(struct rte_tcp_hdr) || doff > l4_len || ihl + doff > m->data_len) {
		lc->tcp.stats.rx_bad_header++;
		return false;
	}
	/* The port's verdict when it has one (GOOD, or NONE: valid, never summed). */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
			(!(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_GOOD) &&
			 !sl_net_tcp_verify(m, ip, ihl, doff))) {
		lc->tcp.stats.rx_bad_cksum++;
		return false;
	}
	s->m = m;
	s->hdr_len = (uint16_t)(ihl + doff);
	s->len = l4_len - doff;
	s->seq = rte_be_to_cpu_32(s->th->sent_seq);
	s->ack = rte_be_to_cpu_32(s->th->recv_ack);
	s->wnd = rte_be_to_cpu_16(s->th->rx_win);
	s->flags = s->th->tcp_flags;
	s->key = (struct tcp_key){ .laddr = ip->dst_addr, .raddr = ip->src_addr,
		.lport = s->th->dst_port, .rport = s->th->src_port };
	if (!parse_options((const uint8_t *)(s->th + 1), doff - sizeof(*s->th), &s->opts))
		lc->tcp.stats.rx_bad_options++;
	return true;
}

void
tcp_reply_rst(struct sl_lcore *lc, const struct seg *s)
{
	if (s->flags & F(RST))
		return;
	tcp_send_rst_for(lc, &s->key, s->th, seg_space(s));
}

/* Negotiate options from a SYN (ours were all offered). */
void
tcp_take_syn_options(struct tcp_conn *c, const struct seg *s)
{
	const struct tcp_opts *o = &s->opts;
	uint16_t mss = o->mss != 0 ? o->mss : 536; /* RFC 9293 3.7.1 */

	if (o->wscale >= 0 && sl_tcp_conf.window_scaling) {
		c->flags |= TCP_F_WS;
		c->snd_wscale = (uint8_t)o->wscale;
	} else {
		c->rcv_wscale = 0;
	}
	if (o->sack_ok && sl_tcp_conf.sack)
		c->flags |= TCP_F_SACK;
	if (o->ts_present && sl_tcp_conf.timestamps) {
		c->flags |= TCP_F_TS;
		c->ts_recent = o->ts_val;
	}
	mss = RTE_MAX(mss, 64);
	c->mss = (uint16_t)RTE_MIN(mss, tcp_mss_for(c->key.raddr));
	if (c->flags & TCP_F_TS)
		c->mss -= 12;
}

uint8_t
tcp_our_wscale(void)
{
	uint8_t ws = 0;

	while (ws < 14 && ((uint64_t)sl_tcp_conf.rcvbuf >> ws) > 65535)
		ws++;
	return ws;
}

/*
 * RFC 9293 3.10.7.4 first check: does the segment fall in the window? The
 * window is the one we advertised (its right edge, rcv_adv), not what the
 * buffer could take: the peer may send only into what it was told, and a
 * segment beyond it is not acceptable even if it would fit.
 *
 * A segment without data may sit on the right edge itself, as Linux and
 * the BSDs take it: a peer that filled our window (and whose data we had
 * to drop for want of memory) sends its ACKs and window updates from
 * there, and refusing them leaves both sides waiting on each other's
 * window for good.
 */
static bool
acceptable(const struct tcp_conn *c, const struct seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;
	uint32_t len = seg_space(s);

	if (len == 0)
		return SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LEQ(s->seq, c->rcv_nxt + wnd);
	/* A bare FIN at RCV.NXT takes no buffer: taken even in a zero window,
	 * as Linux does, or a peer closing while our window is shut sends it
	 * again and again (RFC 9293 3.10.7.4 would refuse it). */
	if (wnd == 0)
		return s->len == 0 && (s->flags & F(FIN)) && s->seq == c->rcv_nxt;
	return (SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd)) ||
		(SEQ_GEQ(s->seq + len - 1, c->rcv_nxt) &&
		 SEQ_LT(s->seq + len - 1, c->rcv_nxt + wnd));
}

static bool
rst_in_window(const struct tcp_conn *c, const struct seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt;

	return wnd == 0 ? s->seq == c->rcv_nxt :
		SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd);
}

static void
ack_now(struct tcp_conn *c)
{
	c->flags |= TCP_F_ACK_NOW;
}

/* The part of s below RCV.NXT came again: the next ACK reports it in its
 * first SACK block (a D-SACK, RFC 2883), so that the sender sees a spurious
 * retransmission (a tail-loss probe sent too soon) and undoes what it did
 * about it (RFC 8985 7.4, RFC 3708). */
static void
dsack_old_part(struct tcp_conn *c, const struct seg *s)
{
	if (!(c->flags & TCP_F_SACK) || s->len == 0 || !SEQ_LT(s->seq, c->rcv_nxt))
		return;
	c->dsack_start = s->seq;
	c->dsack_end = SEQ_LT(s->seq + s->len, c->rcv_nxt) ? s->seq + s->len : c->rcv_nxt;
	c->flags |= TCP_F_DSACK;
}

/* A challenge ACK (RFC 5961 3-5), within the rate limit of section 7. */
static void
challenge(struct sl_lcore *lc, struct tcp_conn *c)
{
	if (tcp_challenge_allowed(lc))
		ack_now(c);
}

static void
update_window(struct tcp_conn *c, const struct seg *s)
{
	uint32_t was = c->snd_wnd;

	if (!SEQ_LT(c->snd_wl1, s->seq) && (c->snd_wl1 != s->seq || SEQ_GT(c->snd_wl2, s->ack)))
		return;
	c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
	/* The window opens after being closed (RFC 9293 3.8.6.1): sending
	 * restarts at once from snd_una, the probe byte the peer did not take
	 * at the head of it (a receiver that keeps no out-of-order data would
	 * otherwise wait for the RTO), and the probes' back-off ends. */
	if (was == 0 && c->snd_wnd != 0 && c->sndq_len != 0 && c->snd_max - c->snd_una <= 1) {
		c->snd_nxt = c->snd_una;
		c->backoff = 0;
	}
}

static uint32_t
flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* Account FIN-acked transitions; returns false if the connection is gone. */
static bool
fin_acked(struct sl_lcore *lc, struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(lc, c, TCP_FIN_WAIT_2);
		tcp_arm_life(lc, c);
		return true;
	case TCP_CLOSING:
		tcp_enter_time_wait(lc, c);
		return true;
	case TCP_LAST_ACK:
		tcp_conn_close(lc, c, SL_TCP_CLOSED);
		return false;
	default:
		return true;
	}
}

/* New data acknowledged: free it, time it, grow the window. */
static void
new_ack(struct sl_lcore *lc, struct tcp_conn *c, const struct seg *s)
{
	uint32_t acked = s->ack - c->snd_una;
	bool fin = (c->flags & TCP_F_FIN_SENT) && s->ack == c->snd_max;
	uint32_t data = acked - (fin ? 1 : 0);

	tcp_sndq_drop(c, RTE_MIN(data, c->sndq_len));
	c->snd_una = s->ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	c->backoff = 0;
	c->probes = 0;
	if ((c->flags & TCP_F_TS) && s->opts.ts_present && s->opts.ts_ecr != 0)
		tcp_rtt_sample(c, (tcp_now_ms(lc) - s->opts.ts_ecr) * 1000);
	else if ((c->flags & TCP_F_RTT_TIMING) && SEQ_GT(s->ack, c->rtt_seq)) {
		tcp_rtt_sample(c, (uint32_t)sl_clock_to_us(lc->now - c->rtt_start));
		c->flags &= ~TCP_F_RTT_TIMING;
	}
	if (c->flags & TCP_F_IN_RECOVERY) {
		if (SEQ_GEQ(s->ack, c->recover)) {
			tcp_recovery_exit(c);
		} else if (!(c->flags & TCP_F_SACK)) {
			/* Partial ACK (RFC 6582): the next hole is lost too.
			 * (With SACK, the scoreboard says: tcp_recovery.c.) */
			tcp_retransmit(lc, c, c->snd_una, c->mss);
			c->high_rxt = c->snd_una + RTE_MIN((uint32_t)c->mss, c->sndq_len);
		}
	} else {
		tcp_cc_on_ack(&c->cc, data, tcp_now_us(lc), c->srtt_us);
	}
	c->dupacks = 0;
	tcp_arm_rtx(lc, c, TCP_RTX_ACKED);
	if (fin)
		fin_acked(lc, c);
}

/* RFC 9293 3.10.7.4 fifth check; false if the segment is finished with. */
static bool
process_ack(struct sl_lcore *lc, struct tcp_conn *c, struct seg *s)
{
	struct sl_tcp_stats *st = &lc->tcp.stats;
	uint32_t una, sacked;

	/* SYN_RECEIVED: an unacceptable ACK gets an RST (RFC 9293 3.10.7.4). */
	if (c->state == TCP_SYN_RECEIVED &&
			(!SEQ_GT(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max))) {
		tcp_reply_rst(lc, s);
		return false;
	}
	if (SEQ_GT(s->ack, c->snd_max)) {
		st->ack_too_new++;
		ack_now(c);
		return false;
	}
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		st->ack_challenge++;
		challenge(lc, c);
		return false;
	}
	if (c->state == TCP_SYN_RECEIVED) {
		tcp_set_state(lc, c, TCP_ESTABLISHED);
		c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_una++; /* our SYN */
		tcp_event_established(lc, c);
		if (c->flags & TCP_F_DEAD)
			return false;
	}
	una = c->snd_una;
	sacked = tcp_sack_board_bytes(&c->sacked);
	if ((c->flags & TCP_F_SACK) && s->opts.n_sack != 0) {
		tcp_recovery_note_sack(c, s->ack, &s->opts);
		tcp_sack_board_update(&c->sacked, c->snd_una, c->snd_max, s->opts.sack,
				s->opts.n_sack);
	}
	if (SEQ_GT(s->ack, c->snd_una)) {
		new_ack(lc, c, s);
		if (c->flags & TCP_F_DEAD)
			return false;
		tcp_sack_board_update(&c->sacked, c->snd_una, c->snd_max, NULL, 0);
	} else if (s->ack == c->snd_una && s->len == 0 && flight(c) != 0 && c->snd_wnd != 0 &&
			!(s->flags & (F(SYN) | F(FIN))) && (s->opts.n_sack != 0 ||
			((uint32_t)s->wnd << c->snd_wscale) == c->snd_wnd)) {
		/* Duplicate ACK (RFC 5681 2; a SACK block makes it one even
		 * if the window moved, as the data it reports shows). */
		c->dupacks++;
		if (!(c->flags & (TCP_F_IN_RECOVERY | TCP_F_SACK)) && c->dupacks >= 3)
			tcp_recovery_enter(lc, c);
	}
	/* Loss detection and recovery have nothing to do on the common ACK:
	 * nothing SACKed, nothing lost, nothing probed. */
	if ((c->flags & TCP_F_SACK) && (sacked != 0 || c->sacked.n != 0 || c->dupacks >= 3 ||
			(c->flags & (TCP_F_IN_RECOVERY | TCP_F_TLP_OUT | TCP_F_AFTER_RTO)))) {
		/* newly delivered: cumulatively (less what had been SACKed) and
		 * by SACK; a peer that reneged delivered nothing */
		int64_t delivered = (int64_t)(c->snd_una - una) +
				tcp_sack_board_bytes(&c->sacked) - sacked;

		tcp_recovery_on_ack(lc, c, (uint32_t)RTE_MAX(delivered, (int64_t)0));
	}
	update_window(c, s);
	tcp_event_writable(lc, c);
	return !(c->flags & TCP_F_DEAD);
}

/* Append in-order payload (m already stripped of headers) to the rcvq. */
static void
rcvq_append(struct tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	if (c->rcvq == NULL) {
		c->rcvq = m;
	} else if (rte_pktmbuf_chain(c->rcvq, m) != 0) {
		/* Too many segments in one chain: linearise is too costly; the
		 * receive window bounds the chain, so this is a hard limit. */
		struct rte_mbuf *last = rte_pktmbuf_lastseg(c->rcvq);

		last->next = m;
		c->rcvq->pkt_len += m->pkt_len;
	}
	c->rcvq_len += len;
}

/* Trim m (at IPv4 header) to payload [seq, seq+len) ∩ [from, to). */
static struct rte_mbuf *
payload(struct seg *s, uint32_t from, uint32_t to, uint32_t *out_len)
{
	struct rte_mbuf *m = s->m;
	uint32_t skip = SEQ_LT(s->seq, from) ? from - s->seq : 0;
	uint32_t end = SEQ_GT(s->seq + s->len, to) ? to - s->seq : s->len;

	rte_pktmbuf_adj(m, s->hdr_len);
	if (skip > 0) {
		/* The first segment may hold fewer bytes than skip (chains). */
		while (skip >= m->data_len && m->next != NULL) {
			struct rte_mbuf *next = m->next;

			skip -= m->data_len;
			next->pkt_len = m->pkt_len - m->data_len;
			next->nb_segs = (uint16_t)(m->nb_segs - 1);
			m->next = NULL;
			rte_pktmbuf_free_seg(m);
			m = next;
		}
		rte_pktmbuf_adj(m, (uint16_t)skip);
	}
	end -= SEQ_LT(s->seq, from) ? from - s->seq : 0;
	if (m->pkt_len > end) {
		/* Trim the tail across segments. */
		struct rte_mbuf *seg = m, *prev = NULL;
		uint32_t keep = end;

		while (seg != NULL && keep >= seg->data_len) {
			keep -= seg->data_len;
			prev = seg;
			seg = seg->next;
		}
		if (seg != NULL) {
			if (keep == 0 && prev != NULL) {
				prev->next = NULL;
				rte_pktmbuf_free(seg);
			} else {
				seg->data_len = (uint16_t)keep;
				rte_pktmbuf_free(seg->next);
				seg->next = NULL;
			}
		}
		m->pkt_len = end;
		m->nb_segs = 0;
		for (seg = m; seg != NULL; seg = seg->next)
			m->nb_segs++;
	}
	s->m = NULL;
	*out_len = end;
	return m;
}

static void
take_fin(struct sl_lcore *lc, struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->flags |= TCP_F_PEER_FIN;
	ack_now(c);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(lc, c, TCP_CLOSE_WAIT);
		tcp_event_peer_closed(lc, c);
		break;
	case TCP_FIN_WAIT_1:
		if (c->snd_una == c->snd_max)
			tcp_enter_time_wait(lc, c);
		else
			tcp_set_state(lc, c, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(lc, c);
		break;
	default:
		break;
	}
}

/*
 * With the mbuf pool nearly empty, memory held out of order cannot be freed
 * without the segments that fill the holes: give it back (reneging SACKed
 * data is allowed, RFC 2018 8) and take only in-order data that the
 * application is keeping up with.
 */
static bool
pressure_admits(struct tcp_conn *c, const struct seg *s)
{
	if (c->reass.n != 0)
		tcp_reass_free(&c->reass);
	return s->seq == c->rcv_nxt && c->rcvq_len == 0;
}

/* Receive payload and FIN; returns false if the connection is gone. */
static bool
process_data(struct sl_lcore *lc, struct tcp_conn *c, struct seg *s)
{
	struct sl_tcp_stats *st = &lc->tcp.stats;
	uint32_t wnd_end = c->rcv_adv; /* what we advertised: beyond it, trimmed */
	bool fin = (s->flags & F(FIN)) != 0;
	struct rte_mbuf *m;
	uint32_t len;

	if (s->len != 0 && c->state >= TCP_ESTABLISHED && c->state <= TCP_FIN_WAIT_2 &&
			!(c->flags & TCP_F_PEER_FIN)) {
		if (lc->tcp.mem_low && !pressure_admits(c, s)) {
			/* The peer retransmits once windows reopen. */
			st->mem_drops++;
			ack_now(c);
			return true;
		}
		if (SEQ_LEQ(s->seq + s->len, c->rcv_nxt)) {
			st->dup_data++;
			dsack_old_part(c, s);
			ack_now(c);
		} else if (SEQ_GT(s->seq, c->rcv_nxt)) {
			if (SEQ_GT(s->seq + s->len, wnd_end))
				st->seg_trimmed++;
			m = payload(s, s->seq, wnd_end, &len);
			if (tcp_reass_insert(&c->reass, c->rcv_nxt, s->seq, m, len,
					(uint32_t)sl_tcp_conf.ooo_max_bytes) == TCP_REASS_FULL)
				st->ooo_dropped++;
			else
				st->ooo_queued++;
			if (fin && SEQ_LEQ(s->seq + s->len, wnd_end))
				c->flags |= TCP_F_FIN_PENDING, c->fin_seq = s->seq + s->len;
			ack_now(c); /* duplicate ACK with SACK blocks (RFC 5681 4.2) */
			return true;
		} else {
			bool filled = c->reass.n != 0;

			dsack_old_part(c, s);
			if (SEQ_GT(s->seq + s->len, wnd_end))
				st->seg_trimmed++;
			m = payload(s, c->rcv_nxt, wnd_end, &len);
			rcvq_append(c, m, len);
			c->rcv_nxt += len;
			st->bytes_in += len;
			while ((m = tcp_reass_pull(&c->reass, c->rcv_nxt, &len)) != NULL) {
				rcvq_append(c, m, len);
				c->rcv_nxt += len;
				st->bytes_in += len;
			}
			/* every second segment (RFC 9293 3.8.6.3); a super-segment
			 * from the port's LRO stands for several */
			if (filled || len > c->mss || ++c->segs_unacked >= 2)
				ack_now(c);
			else
				tcp_arm_delack(lc, c);
		}
		if ((c->flags & TCP_F_FIN_PENDING) && c->rcv_nxt == c->fin_seq) {
			c->flags &= ~TCP_F_FIN_PENDING;
			fin = true;
			s->seq = c->rcv_nxt - s->len; /* make the in-order test below pass */
		}
	}
	tcp_event_readable(lc, c);
	if (c->flags & TCP_F_DEAD)
		return false;
	if (fin && !(c->flags & TCP_F_PEER_FIN) && c->rcv_nxt == s->seq + s->len)
		take_fin(lc, c);
	return !(c->flags & TCP_F_DEAD);
}

static void
time_wait_segment(struct sl_lcore *lc, struct tcp_conn *c, struct seg *s)
{
	int l;

	/* RFC 6191: a new SYN may reuse the 4-tuple if it is clearly newer. */
	if ((s->flags & (F(SYN) | F(ACK) | F(RST))) == F(SYN) &&
			(((c->flags & TCP_F_TS) && s->opts.ts_present &&
			  SEQ_GT(s->opts.ts_val, c->ts_recent)) || SEQ_GT(s->seq, c->rcv_nxt)) &&
			(l = tcp_find_listener(s->key.laddr, s->key.lport)) >= 0) {
		lc->tcp.stats.time_wait_reused++;
		tcp_conn_destroy(lc, c);
		tcp_listen_segment(lc, l, s);
		return;
	}
	if (!(s->flags & F(RST)))
		tcp_send_ack(lc, c); /* a retransmitted FIN: ACK it again */
	if ((s->flags & (F(FIN) | F(RST))) == F(FIN)) /* and restart 2 MSL (RFC 9293 3.10.7.4) */
		sl_timer_arm(lc->wheel, &c->life_timer, lc->now +
				sl_clock_from_ms((uint64_t)sl_tcp_conf.time_wait_ms));
	rte_pktmbuf_free(s->m);
}

static void
syn_sent_segment(struct sl_lcore *lc, struct tcp_conn *c, struct seg *s)
{
	bool ack_ok = (s->flags & F(ACK)) && SEQ_GT(s->ack, c->iss) && SEQ_LEQ(s->ack, c->snd_max);

	if ((s->flags & F(ACK)) && !ack_ok) {
		tcp_reply_rst(lc, s);
		goto drop;
	}
	if (s->flags & F(RST)) {
		if (ack_ok) {
			lc->tcp.stats.connect_failed++;
			tcp_conn_close(lc, c, SL_TCP_REFUSED);
		}
		goto drop;
	}
	if (!(s->flags & F(SYN)))
		goto drop;
	c->irs = s->seq;
	c->rcv_nxt = c->rcv_adv = s->seq + 1;
	tcp_take_syn_options(c, s);
	if (!(c->flags & TCP_F_WS))
		c->rcv_wscale = 0;
	tcp_cc_init(&c->cc, (enum tcp_cc_algo)tcp_cc_parse(sl_tcp_conf.congestion), c->mss);
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->max_snd_wnd = c->snd_wnd;
	if (ack_ok) {
		c->snd_una = s->ack;
		c->backoff = 0;
		tcp_set_state(lc, c, TCP_ESTABLISHED);
		tcp_arm_rtx(lc, c, TCP_RTX_ACKED);
		ack_now(c);
		tcp_event_established(lc, c);
	} else {
		/* Simultaneous open. */
		tcp_set_state(lc, c, TCP_SYN_RECEIVED);
		tcp_send_syn(lc, c);
	}
	if (!(c->flags & TCP_F_DEAD))
		tcp_output(lc, c);
drop:
	rte_pktmbuf_free(s->m);
}

void
tcp_conn_segment(struct sl_lcore *lc, struct tcp_conn *c, struct seg *s)
{
	struct sl_tcp_stats *st = &lc->tcp.stats;

	c->last_rx = lc->now;
	c->probes = 0; /* any segment answers keepalive and window probes */
	if (c->state == TCP_SYN_SENT) {
		syn_sent_segment(lc, c, s);
		return;
	}
	if (c->state == TCP_TIME_WAIT) {
		time_wait_segment(lc, c, s);
		return;
	}
	/* A retransmitted SYN in SYN_RECEIVED: our SYN-ACK was lost. */
	if (c->state == TCP_SYN_RECEIVED && (s->flags & (F(SYN) | F(ACK))) == F(SYN) &&
			s->seq == c->irs) {
		tcp_send_syn(lc, c);
		goto drop;
	}
	/* PAWS (RFC 7323 5). */
	if ((c->flags & TCP_F_TS) && s->opts.ts_present && !(s->flags & F(RST)) &&
			SEQ_LT(s->opts.ts_val, c->ts_recent)) {
		st->paws_drops++;
		ack_now(c);
		goto out;
	}
	/* RFC 5961 3.2: an RST's sequence number alone must fall in the
	 * window, whatever data it carries; outside, it is dropped unanswered. */
	if ((s->flags & F(RST)) && !rst_in_window(c, s)) {
		st->rst_bad++;
		goto drop;
	}
	if (!(s->flags & F(RST)) && !acceptable(c, s)) {
		st->seg_out_of_window++;
		dsack_old_part(c, s);
		ack_now(c);
		goto out;
	}
	if (s->flags & F(RST)) {
		/* RFC 5961 3.2: only an exact match resets; else challenge. */
		if (s->seq == c->rcv_nxt) {
			st->rst_rcvd++;
			if (c->state == TCP_SYN_SENT)
				st->connect_failed++;
			tcp_conn_close(lc, c, SL_TCP_RESET);
			goto drop;
		}
		st->rst_challenge++;
		challenge(lc, c);
		goto out;
	}
	if (s->flags & F(SYN)) {
		/* RFC 5961 4.2: never reset on a SYN; challenge instead. */
		st->syn_challenge++;
		challenge(lc, c);
		goto out;
	}
	if (!(s->flags & F(ACK)))
		goto drop;
	/* RFC 7323 4.3: remember the timestamp of an in-order segment. */
	if ((c->flags & TCP_F_TS) && s->opts.ts_present && SEQ_LEQ(s->seq, c->rcv_nxt))
		c->ts_recent = s->opts.ts_val;
	if (!process_ack(lc, c, s))
		goto out;
	if (!process_data(lc, c, s))
		goto drop;
out:
	if (!(c->flags & TCP_F_DEAD))
		tcp_output(lc, c);
drop:
	rte_pktmbuf_free(s->m);
}

/*
 * The worker that owns a flow, computable from any segment of it so that a
 * worker receiving someone else's segment can hand it over: active opens
 * encode their owner in the local port; passive flows belong to the queue
 * the NIC's RSS picks where the port steers, else to a hash of the tuple
 * (af_packet's kernel fanout may roll a flow over to another queue).
 */
static unsigned int
flow_owner(const struct tcp_key *k, const struct sl_port *port)
{
	uint16_t lport = rte_be_to_cpu_16(k->lport);
	unsigned int n = sl_lcore_worker_count();
	int q;

	if (n == 1)
		return 0;
	if (lport >= sl_tcp_conf.ephemeral_min && lport <= sl_tcp_conf.ephemeral_max &&
			tcp_find_listener(k->laddr, k->lport) < 0)
		return lport % n;
	q = port != NULL ? sl_port_rss_queue(port, k->raddr, k->laddr, k->rport, k->lport) : -1;
	if (q >= 0 && (unsigned int)q < n)
		return (unsigned int)q;
	return rte_hash_crc(k, sizeof(*k), 0) % n;
}

static void
dispatch(struct sl_lcore *lc, const struct sl_port *port, struct seg *s, bool handed)
{
	struct tcp_conn *c = tcp_conn_lookup(lc, &s->key);
	unsigned int owner;
	int l;

	/* Leaf counters count a segment once, where it was received. */
	if (c != NULL) {
		if (!handed)
			lc->tcp.stats.rx_conn++;
		tcp_conn_segment(lc, c, s);
		return;
	}
	owner = flow_owner(&s->key, port);
	if (!handed && owner != lc->worker_id) {
		struct sl_lcore *o = sl_lcore_get(sl_lcore_worker_lcore((uint16_t)owner));

		if (rte_ring_mp_enqueue(o->tcp.handoff, s->m) != 0) {
			lc->tcp.stats.rx_handoff_full++;
			rte_pktmbuf_free(s->m);
		} else {
			lc->tcp.stats.rx_handoff++;
		}
		return;
	}
	l = tcp_find_listener(s->key.laddr, s->key.lport);
	if (l >= 0) {
		if (!handed)
			lc->tcp.stats.rx_listen++;
		tcp_listen_segment(lc, l, s);
		return;
	}
	if (!handed)
		lc->tcp.stats.rx_no_conn++;
	tcp_reply_rst(lc, s);
	rte_pktmbuf_free(s->m);
}

void
tcp_input(struct sl_lcore *lc, const struct sl_port *port, struct rte_mbuf *m, uint16_t ihl)
{
	struct seg s;

	lc->tcp.in_burst = true; /* until tcp_burst_end() */
	lc->tcp.stats.rx_segments++;
	if (!parse(lc, m, ihl, &s)) {
		rte_pktmbuf_free(m);
		return;
	}
	dispatch(lc, port, &s, false);
}

void
tcp_segment(struct sl_lcore *lc, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct seg s;

	/* Checked by the receiving worker already; parse again (cheap). */
	if (!parse(lc, m, rte_ipv4_hdr_len(ip), &s)) {
		rte_pktmbuf_free(m);
		return;
	}
	dispatch(lc, NULL, &s, true);
}
