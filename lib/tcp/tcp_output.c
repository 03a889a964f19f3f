/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/output: building and sending segments. Payload is never copied: a
 * segment's data are indirect mbufs attached to the send queue's, so a
 * retransmission sends the same buffers again.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "sl_net.h"
#include "sl_port.h"
#include "tcp_priv.h"

#define F(x) RTE_TCP_##x##_FLAG
#define IP_TCP_HDRS (sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr))
#define OPTS_MAX 40
/* The payload of one TSO send: the IPv4 length field bounds it. */
#define TSO_PAYLOAD_MAX (UINT16_MAX - IP_TCP_HDRS - OPTS_MAX)

static struct rte_mempool *clone_pool;
static uint16_t ip_id;

uint16_t
tcp_mss_for(uint32_t raddr)
{
	uint16_t mtu = sl_net_route_mtu(raddr);

	return mtu > IP_TCP_HDRS + 64 ? (uint16_t)(mtu - IP_TCP_HDRS) : 536;
}

/* Write our options; returns their length (a multiple of 4). */
static unsigned int
write_options(uint8_t *p, const struct tcp_conn *c, const struct sl_lcore *lc, bool syn)
{
	unsigned int n = 0;

	if (syn) {
		p[n++] = 2, p[n++] = 4;
		*(unaligned_uint16_t *)(p + n) = rte_cpu_to_be_16(tcp_mss_for(c->key.raddr));
		n += 2;
		if (sl_tcp_conf.window_scaling && (c->state == TCP_SYN_SENT || (c->flags & TCP_F_WS)))
			p[n++] = 1, p[n++] = 3, p[n++] = 3, p[n++] = c->rcv_wscale;
		if (sl_tcp_conf.sack && (c->state == TCP_SYN_SENT || (c->flags & TCP_F_SACK)))
			p[n++] = 1, p[n++] = 1, p[n++] = 4, p[n++] = 2;
	}
	if ((c->flags & TCP_F_TS) || (syn && c->state == TCP_SYN_SENT && sl_tcp_conf.timestamps)) {
		p[n++] = 1, p[n++] = 1, p[n++] = 8, p[n++] = 10;
		*(unaligned_uint32_t *)(p + n) = rte_cpu_to_be_32(tcp_now_ms(lc));
		*(unaligned_uint32_t *)(p + n + 4) = rte_cpu_to_be_32(c->ts_recent);
		n += 8;
	}
	if (!syn && (c->flags & TCP_F_SACK) && (c->reass.n != 0 || (c->flags & TCP_F_DSACK))) {
		struct tcp_sack_block b[TCP_SACK_MAX_BLOCKS];
		unsigned int i, nb = 0, max = (OPTS_MAX - n - 4) / 8;

		if ((c->flags & TCP_F_DSACK) && max != 0)
			b[nb++] = (struct tcp_sack_block){ c->dsack_start, c->dsack_end };
		nb += tcp_reass_sack(&c->reass, b + nb, max - nb);

		if (nb != 0) {
			p[n++] = 1, p[n++] = 1, p[n++] = 5, p[n++] = (uint8_t)(2 + 8 * nb);
			for (i = 0; i < nb; i++, n += 8) {
				*(unaligned_uint32_t *)(p + n) = rte_cpu_to_be_32(b[i].start);
				*(unaligned_uint32_t *)(p + n + 4) = rte_cpu_to_be_32(b[i].end);
			}
		}
	}
	return n;
}

/* Indirect mbufs for [off, off + len) of the send queue, at most max_segs
 * of them, ending at the first of odd length if end_at_odd (fewer bytes
 * then). */
static struct rte_mbuf *
clone_range(struct tcp_conn *c, uint32_t off, uint32_t len, uint16_t max_segs, bool end_at_odd)
{
	struct rte_mbuf *seg = c->sndq, *head = NULL, *tail = NULL;
	uint16_t nb = 0;

	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	while (seg != NULL && len > 0 && nb < max_segs) {
		struct rte_mbuf *ind = rte_pktmbuf_alloc(clone_pool);
		uint16_t take = (uint16_t)RTE_MIN((uint32_t)(seg->data_len - off), len);

		if (ind == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		rte_pktmbuf_attach(ind, seg);
		ind->data_off = (uint16_t)(ind->data_off + off);
		ind->data_len = take;
		ind->pkt_len = take;
		ind->next = NULL;
		ind->nb_segs = 1;
		if (head == NULL)
			head = ind;
		else
			tail->next = ind;
		tail = ind;
		nb++;
		head->pkt_len = (head == ind ? 0 : head->pkt_len) + take;
		len -= take;
		off = 0;
		seg = seg->next;
		if (end_at_odd && (take & 1))
			break;
	}
	if (head != NULL)
		head->nb_segs = nb;
	return head;
}

/* Send m, checksums left to the port (or to net output where the port
 * cannot); tso_segsz > 0 has the port cut the payload into segments. */
static void
finish_and_send(struct sl_lcore *lc, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
		struct rte_tcp_hdr *th, uint16_t tso_segsz)
{
	uint16_t hdr_len = (uint16_t)((th->data_off >> 4) * 4);

	ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
	sl_net_tcp_tx_offload(m, ip, hdr_len, tso_segsz);
	if (tso_segsz != 0) {
		uint32_t payload = m->pkt_len - sizeof(*ip) - hdr_len;

		lc->tcp.stats.tso_sends++;
		lc->tcp.stats.segs_out += (payload + tso_segsz - 1) / tso_segsz;
	} else {
		lc->tcp.stats.segs_out++;
	}
	sl_net_output(lc, m);
}

/* A header mbuf with IPv4 and TCP headers for key k; NULL if no mbuf. */
static struct rte_mbuf *
new_header(struct sl_lcore *lc, const struct tcp_key *k, unsigned int opt_len,
		struct rte_ipv4_hdr **ipp, struct rte_tcp_hdr **thp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_ctl_pool());
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL) {
		lc->tcp.stats.no_mbuf++;
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m, (uint16_t)(IP_TCP_HDRS + opt_len));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		lc->tcp.stats.no_mbuf++;
		return NULL;
	}
	th = (struct rte_tcp_hdr *)(ip + 1);
	memset(ip, 0, IP_TCP_HDRS);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->packet_id = rte_cpu_to_be_16(ip_id++);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = k->laddr;
	ip->dst_addr = k->raddr;
	th->src_port = k->lport;
	th->dst_port = k->rport;
	th->data_off = (uint8_t)(((sizeof(*th) + opt_len) / 4) << 4);
	*ipp = ip;
	*thp = th;
	return m;
}

/* The window we advertise, scaled, and remember its right edge. */
static uint16_t
advertise(struct tcp_conn *c, bool syn)
{
	uint32_t wnd = tcp_rcv_window(c);
	uint8_t shift = syn ? 0 : c->rcv_wscale;

	/* Never shrink what we advertised (RFC 9293 3.8.6.2.2). */
	if (SEQ_LT(c->rcv_nxt + wnd, c->rcv_adv))
		wnd = c->rcv_adv - c->rcv_nxt;
	wnd = RTE_MIN(wnd >> shift, 65535u);
	if (SEQ_GT(c->rcv_nxt + (wnd << shift), c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + (wnd << shift);
	return (uint16_t)wnd;
}

/*
 * Build and send what the connection has from seq, up to `len` bytes: one
 * segment, or through tso (a port that cuts segments itself) a burst of
 * them in one send, within the port's limits. SACK blocks may leave room
 * for fewer bytes per segment. Returns the payload bytes sent, or -ENOMEM.
 */
static int
send_span(struct sl_lcore *lc, struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags,
		const struct sl_port *tso)
{
	uint8_t opts[OPTS_MAX];
	bool syn = (flags & F(SYN)) != 0;
	unsigned int opt_len = write_options(opts, c, lc, syn);
	unsigned int base_opts = (c->flags & TCP_F_TS) ? 12 : 0;
	/* c->mss already leaves room for timestamps; SACK blocks take more. */
	uint32_t seg_room = syn ? c->mss : c->mss - (opt_len - base_opts);
	uint16_t tso_segsz = 0;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m, *data = NULL;

	c->flags &= ~TCP_F_DSACK; /* reported once */
	if (len > seg_room && tso == NULL) {
		len = seg_room;
		flags &= (uint8_t)~F(FIN);
	}
	if (tso != NULL)
		seg_room = RTE_MIN(seg_room, sl_port_tso_ip_max(tso) - IP_TCP_HDRS - opt_len);
	if (len != 0) {
		/* the data, and the header mbuf */
		uint16_t max_segs = tso != NULL ? tso->tx_seg_max - 1 : UINT16_MAX;

		data = clone_range(c, seq - c->snd_una, len, max_segs,
				tso != NULL && tso->profile.tx_cksum_even_segs);
		if (data == NULL) {
			lc->tcp.stats.no_mbuf++;
			return -ENOMEM;
		}
		if (data->pkt_len < len) /* cut short: more follows */
			flags &= (uint8_t)~(F(PSH) | F(FIN));
		len = data->pkt_len;
		if (len > seg_room)
			tso_segsz = (uint16_t)seg_room;
	}
	m = new_header(lc, &c->key, opt_len, &ip, &th);
	if (m == NULL) {
		rte_pktmbuf_free(data);
		return -ENOMEM;
	}
	memcpy(th + 1, opts, opt_len);
	th->sent_seq = rte_cpu_to_be_32(seq);
	if (c->state != TCP_SYN_SENT) {
		flags |= F(ACK);
		th->recv_ack = rte_cpu_to_be_32(c->rcv_nxt);
	}
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(advertise(c, syn));
	if (data != NULL && rte_pktmbuf_chain(m, data) != 0) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(data);
		lc->tcp.stats.no_mbuf++;
		return -ENOMEM;
	}
	/* This segment carries our ACK: nothing more is owed. */
	c->flags &= ~(TCP_F_ACK_NOW | TCP_F_DELACK);
	c->segs_unacked = 0;
	sl_timer_cancel(lc->wheel, &c->ack_timer);
	finish_and_send(lc, m, ip, th, tso_segsz);
	return (int)len;
}

/* One segment from seq of up to len bytes (see send_span). */
static int
send_segment(struct sl_lcore *lc, struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	return send_span(lc, c, seq, len, flags, NULL);
}

void
tcp_send_ack(struct sl_lcore *lc, struct tcp_conn *c)
{
	send_segment(lc, c, c->snd_nxt, 0, 0);
}

void
tcp_send_syn(struct sl_lcore *lc, struct tcp_conn *c)
{
	send_segment(lc, c, c->iss, 0, F(SYN));
	if (c->snd_max == c->iss)
		c->snd_nxt = c->snd_max = c->iss + 1;
}

void
tcp_send_raw(struct sl_lcore *lc, const struct tcp_key *k, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t win, const struct tcp_opts *opts, uint32_t tsval)
{
	unsigned int opt_len = opts != NULL && opts->mss != 0 ? 4 : 0;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m = new_header(lc, k, opt_len, &ip, &th);

	if (m == NULL)
		return;
	if (opt_len != 0) {
		uint8_t *p = (uint8_t *)(th + 1);

		p[0] = 2, p[1] = 4;
		*(unaligned_uint16_t *)(p + 2) = rte_cpu_to_be_16(opts->mss);
	}
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	if (flags & F(RST))
		lc->tcp.stats.rst_sent++;
	finish_and_send(lc, m, ip, th, 0);
	(void)tsval;
}

void
tcp_send_rst_for(struct sl_lcore *lc, const struct tcp_key *k, const struct rte_tcp_hdr *th,
		uint32_t seg_len)
{
	if (!tcp_rst_allowed(lc))
		return;
	/* RFC 9293 3.10.7.1. */
	if (th->tcp_flags & F(ACK))
		tcp_send_raw(lc, k, rte_be_to_cpu_32(th->recv_ack), 0, F(RST), 0, NULL, 0);
	else
		tcp_send_raw(lc, k, 0, rte_be_to_cpu_32(th->sent_seq) + seg_len,
				F(RST) | F(ACK), 0, NULL, 0);
}

void
tcp_sndq_drop(struct tcp_conn *c, uint32_t acked)
{
	c->sndq_len -= acked;
	while (acked > 0 && c->sndq != NULL) {
		struct rte_mbuf *seg = c->sndq;

		if (acked < seg->data_len) {
			seg->data_off = (uint16_t)(seg->data_off + acked);
			seg->data_len = (uint16_t)(seg->data_len - acked);
			break;
		}
		acked -= seg->data_len;
		c->sndq = seg->next;
		seg->next = NULL;
		rte_pktmbuf_free_seg(seg);
	}
	if (c->sndq == NULL)
		c->sndq_tail = NULL;
}

uint32_t
tcp_retransmit(struct sl_lcore *lc, struct tcp_conn *c, uint32_t seq, uint32_t max)
{
	uint32_t end = c->snd_una + c->sndq_len;
	uint32_t len, off;
	int sent;

	if (SEQ_LT(seq, c->snd_una))
		seq = c->snd_una;
	if (SEQ_GEQ(seq, end)) {
		/* Only the FIN is outstanding. */
		if ((c->flags & TCP_F_FIN_SENT) && SEQ_LT(seq, c->snd_max))
			send_segment(lc, c, end, 0, F(FIN));
		return 0;
	}
	/* The peer's window bounds retransmissions too (RFC 9293 3.8.6): a
	 * full MSS would overrun a window smaller than one. At snd_una with
	 * no room left (the window shrank or closed) one byte goes, as a
	 * probe does. */
	off = seq - c->snd_una;
	if (off >= c->snd_wnd) {
		if (off != 0)
			return 0;
		max = 1;
	} else {
		max = RTE_MIN(max, c->snd_wnd - off);
	}
	len = RTE_MIN(max, (uint32_t)c->mss);
	len = RTE_MIN(len, end - seq);
	sent = send_segment(lc, c, seq, len, 0);
	if (sent <= 0)
		return 0;
	lc->tcp.stats.retransmits++;
	return (uint32_t)sent;
}

/* SACKed bytes below seq: sent, and known to be held by the peer. */
static uint32_t
sacked_below(const struct tcp_conn *c, uint32_t seq)
{
	if (c->sacked.n == 0)
		return 0;
	return tcp_sack_board_bytes(&c->sacked) - tcp_sack_board_bytes_above(&c->sacked, seq);
}

/*
 * Sending again after an RTO (snd_nxt pulled back below snd_max): go past
 * what the peer SACKed; returns how much may go from there before its next
 * SACKed range.
 */
static uint32_t
skip_sacked(struct tcp_conn *c)
{
	uint32_t start, hole, top;

	if (c->sacked.n == 0 || !SEQ_LT(c->snd_nxt, c->snd_max))
		return UINT32_MAX;
	if (tcp_sack_board_next_hole(&c->sacked, c->snd_nxt, UINT32_MAX, &start, &hole)) {
		c->snd_nxt = start;
		return hole;
	}
	top = tcp_sack_board_highest(&c->sacked, c->snd_una);
	if (SEQ_LT(c->snd_nxt, top))
		c->snd_nxt = top;
	return UINT32_MAX;
}

/* Send new data (or data again after an RTO pulled snd_nxt back); returns
 * true if new data went out. */
static bool
send_data(struct sl_lcore *lc, struct tcp_conn *c)
{
	bool prr = (c->flags & (TCP_F_IN_RECOVERY | TCP_F_SACK)) ==
			(TCP_F_IN_RECOVERY | TCP_F_SACK);
	uint32_t end = c->snd_una + c->sndq_len;
	uint32_t cwnd = c->cc.cwnd;
	const struct sl_port *tso = c->tso_out;
	uint32_t span_max = tso ? TSO_PAYLOAD_MAX / c->mss * c->mss : c->mss;
	unsigned int burst = 0;
	bool new_data = false;

	/* In recovery with SACK, PRR decides how much goes (tcp_recovery.c). */
	if (prr)
		cwnd = c->snd_nxt - c->snd_una - sacked_below(c, c->snd_nxt) +
				tcp_recovery_budget(c);
	while (SEQ_LT(c->snd_nxt, end) && burst < 64) {
		uint32_t room = skip_sacked(c);
		uint32_t len, out, pipe;
		uint8_t flags = 0;
		int sent;

		if (!SEQ_LT(c->snd_nxt, end))
			break;
		len = RTE_MIN(end - c->snd_nxt, span_max);
		len = RTE_MIN(len, room);
		/* the peer's window bounds the sequence space, cwnd what is in
		 * the network (SACKed bytes are not) */
		out = c->snd_nxt - c->snd_una;
		pipe = out - sacked_below(c, c->snd_nxt);
		if (out >= c->snd_wnd || pipe >= cwnd)
			break;
		len = RTE_MIN(len, c->snd_wnd - out);
		len = RTE_MIN(len, cwnd - pipe);
		if (c->snd_nxt + len == end)
			flags |= F(PSH);
		sent = send_span(lc, c, c->snd_nxt, len, flags, tso);
		if (sent <= 0)
			break;
		len = (uint32_t)sent;
		if (prr)
			tcp_recovery_sent(c, len);
		if (SEQ_LT(c->snd_nxt, c->snd_max)) {
			lc->tcp.stats.retransmits++;
		} else {
			new_data = true;
			lc->tcp.stats.bytes_out += len;
			if (!(c->flags & (TCP_F_TS | TCP_F_RTT_TIMING))) {
				c->flags |= TCP_F_RTT_TIMING;
				c->rtt_seq = c->snd_nxt;
				c->rtt_start = lc->now;
			}
		}
		c->snd_nxt += len;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		burst++;
	}
	return new_data;
}

static void
send_fin(struct sl_lcore *lc, struct tcp_conn *c)
{
	uint32_t end = c->snd_una + c->sndq_len;

	if (!(c->flags & TCP_F_FIN_QUEUED) || c->snd_nxt != end)
		return;
	if (c->flags & TCP_F_FIN_SENT) {
		if (c->snd_nxt != c->snd_max && /* resend after an RTO */
				send_segment(lc, c, c->snd_nxt, 0, F(FIN)) == 0)
			c->snd_nxt++;
		return;
	}
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return;
	if (send_segment(lc, c, c->snd_nxt, 0, F(FIN)) < 0)
		return;
	c->flags |= TCP_F_FIN_SENT;
	c->snd_nxt++;
	c->snd_max = c->snd_nxt;
	tcp_set_state(lc, c, c->state == TCP_ESTABLISHED ? TCP_FIN_WAIT_1 : TCP_LAST_ACK);
}

void
tcp_output(struct sl_lcore *lc, struct tcp_conn *c)
{
	bool new_data = false;

	if (c->flags & TCP_F_DEAD)
		return;
	if (c->state >= TCP_ESTABLISHED && c->state != TCP_TIME_WAIT) {
		new_data = send_data(lc, c);
		send_fin(lc, c);
	}
	if (c->flags & TCP_F_ACK_NOW)
		tcp_send_ack(lc, c);
	tcp_arm_rtx(lc, c, new_data ? TCP_RTX_SENT_NEW : TCP_RTX_SENT);
}

int
tcp_output_init(void)
{
	if (clone_pool != NULL)
		return 0;
	clone_pool = rte_pktmbuf_pool_create("sl_tcp_clones", sl_port_pool()->size * 2, 256, 0,
			0, (int)rte_socket_id());
	return clone_pool == NULL ? -rte_errno : 0;
}

void
tcp_output_term(void)
{
	rte_mempool_free(clone_pool);
	clone_pool = NULL;
}

unsigned int
tcp_clones_in_use(void)
{
	return clone_pool == NULL ? 0 : rte_mempool_in_use_count(clone_pool);
}
