/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * White-box tests of the windows: the peer's window bounds what is in
 * flight (RFC 9293 3.8.6), also below one MSS and from an unscaled SYN
 * (RFC 7323 2.2), in first transmissions and retransmissions alike; a window
 * update restarts sending at once (RFC 9293 3.8.6.1); our receive window is
 * the one we advertised, for data (3.10.7.4) and for RSTs (RFC 5961 3.2).
 * (the peer and the checks: app/test/tcp_peer.h).
 */
#include "sl_test_frame.h"
#include "tcp_peer.h"

/* A peer's SYN without window scaling (MSS, SACK-permitted, TS): its window
 * field, `wnd`, is taken as it is, then and on every later segment. */
static int
handshake_opts(struct peer *p, uint16_t lport, uint16_t rport, uint32_t isn, uint16_t wnd,
		bool sack_ts)
{
	/* MSS, SACK-permitted, NOP NOP TS, NOP NOP */
	uint8_t o[20] = { 2, 4, MSS_SYN >> 8, MSS_SYN & 0xff, 4, 2, 1, 1, 8, 10, [18] = 1, 1 };
	unsigned int olen = sack_ts ? sizeof(o) : 4;

	memset(p, 0, sizeof(*p));
	p->lport = lport;
	p->rport = rport;
	p->isn = p->seq = isn;
	p->tsval = 100000 + rport;
	p->wnd = wnd;
	sl_test_put32(o + 10, p->tsval);
	advance_ms(10);
	snap_take();
	inject_raw(p, SYN, p->seq, 0, wnd, o, olen, NULL, 0, false, 0);
	p->seq++;
	OUT(1);
	p->iss = out[0].seq;
	p->ack = p->iss + 1;
	SEG(0, SYN | ACK, p->iss, p->seq, 0);
	SL_CHECK_EQ(out[0].wscale, -1); /* none offered, none sent */
	p->ts = sack_ts;
	inject_seq(p, ACK, p->seq, NULL, 0);
	OUT(0);
	EXPECT(.rx_segments = 2, .rx_listen = 1, .rx_conn = 1, .syn_rcvd = 1, .accepted = 1,
			.segs_out = 1);
	STATE(TCP_ESTABLISHED);
	SL_CHECK_EQ(conn_of(p)->snd_wscale, 0);
	SL_CHECK_EQ(conn_of(p)->snd_wnd, wnd);
	return 0;
}

static int
handshake_unscaled(struct peer *p, uint16_t lport, uint16_t rport, uint32_t isn, uint16_t wnd)
{
	return handshake_opts(p, lport, rport, isn, wnd, true);
}

/* Bytes [from, to) of the stream in flight: what the stack may send. */
static uint32_t
in_flight(const struct peer *p)
{
	const struct tcp_conn *c = conn_of(p);

	return c->snd_max - c->snd_una;
}

/*
 * A window of 1,000 bytes, below one MSS, never scaled: 3,000 bytes to echo
 * go out 1,000 at a time, first transmissions and retransmissions after an
 * RTO alike, for as long as the peer withholds its ACKs.
 */
static int
test_small_window(void)
{
	struct peer pp, *p = &pp;
	uint32_t s, rto, i, got = 0;

	SL_CHECK(handshake_unscaled(p, P_ECHO, 41001, 51000, 1000) == 0);
	s = p->iss + 1;
	inject_data(p, ACK | PSH, 0, 1000);
	inject_data(p, ACK | PSH, 1000, 1000);
	inject_data(p, ACK | PSH, 2000, 1000);
	p->seq += 3000;
	/* the echo of the first segment, and an ACK of the other two */
	OUT(2);
	SEG_ANY(0, ACK, PSH, s, p->seq - 2000, 1000);
	SL_CHECK(data_is(0, 0, 1000) == 0);
	SEG(1, ACK, s + 1000, p->seq, 0);
	SL_CHECK_EQ(in_flight(p), 1000);
	EXPECT(.rx_segments = 3, .rx_conn = 3, .bytes_in = 3000, .bytes_out = 1000,
			.segs_out = 2);
	/* no ACK: each RTO (doubling) resends the first 1,000 bytes, not a
	 * full MSS */
	for (i = 0; i < 2; i++) {
		rto = rto_ms(p) << i;
		advance_ms(rto + 1);
		OUT(1);
		SEG_ANY(0, ACK, PSH, s, p->seq, 1000);
		SL_CHECK(data_is(0, 0, 1000) == 0);
		SL_CHECK_EQ(in_flight(p), 1000);
		EXPECT(.rto = 1, .retransmits = 1, .segs_out = 1);
	}
	/* each ACK opens room for the next 1,000 */
	while (got < 3000) {
		got += 1000;
		inject_ack(p, s + got);
		if (got == 3000) {
			OUT(0);
			break;
		}
		OUT(1);
		SEG_ANY(0, ACK, PSH, s + got, p->seq, 1000);
		SL_CHECK(data_is(0, got, 1000) == 0);
		SL_CHECK(in_flight(p) <= 1000);
	}
	SL_CHECK_EQ(in_flight(p), 0);
	snap_take();
	RESET(p);
	return 0;
}

/*
 * The window closed and data waiting; the peer opens it with an ACK of the
 * same SND.UNA: sending restarts at once from SND.UNA — the probe byte the
 * peer did not take first, so that a receiver keeping no out-of-order data
 * has nothing to wait for — whether a probe went out before or not, with
 * Linux's options or with the MSS alone; the probes' back-off is over.
 */
static int
test_window_update_restarts(void)
{
	struct peer pp, *p = &pp;
	uint32_t s, rto, mss, off;
	unsigned int v, n;

	for (v = 0; v < 4; v++) {
		bool probe = v & 1, minimal = v >= 2;

		if (minimal)
			SL_CHECK(handshake_opts(p, P_ECHO, (uint16_t)(41010 + v), 52000, PEER_WND,
					false) == 0);
		else
			HANDSHAKE(p, P_ECHO, (uint16_t)(41010 + v), 52000);
		mss = minimal ? MSS_SYN : MSS_TS;
		s = p->iss + 1;
		p->wnd = 0;
		inject_data(p, ACK | PSH, 0, 1448);
		inject_data(p, ACK | PSH, 1448, 1448);
		inject_data(p, ACK | PSH, 2896, 104);
		p->seq += 3000;
		/* ACKs (the second segment's at once, the third's delayed), nothing
		 * echoed into the closed window */
		OUT(1);
		SEG(0, ACK, s, p->seq - 104, 0);
		advance_ms(DELACK_MS + 1);
		OUT(1);
		SEG(0, ACK, s, p->seq, 0);
		SL_CHECK_EQ(conn_of(p)->sndq_len, 3000);
		snap_take();
		if (probe) {
			rto = rto_ms(p);
			advance_ms(rto - DELACK_MS);
			OUT(1);
			SEG_ANY(0, ACK, PSH, s, p->seq, 1);
			EXPECT(.zero_window_probes = 1, .bytes_out = 1, .segs_out = 1);
		}
		/* the window opens, the probe byte (if any) not acknowledged:
		 * everything follows at once, from that byte */
		p->wnd = PEER_WND;
		inject_ack(p, s);
		n = take_output();
		SL_CHECK_EQ(conn_of(p)->backoff, 0);
		SL_CHECK_EQ(n, (3000 + mss - 1) / mss);
		for (off = 0; off < 3000; off += mss) {
			unsigned int i = off / mss;

			SEG_ANY(i, ACK, PSH, s + off, p->seq, RTE_MIN(mss, 3000 - off));
			SL_CHECK(data_is(i, off, RTE_MIN(mss, 3000 - off)) == 0);
		}
		inject_ack(p, s + 3000);
		OUT(0);
		SL_CHECK_EQ(in_flight(p), 0);
		snap_take();
		RESET(p);
	}
	return 0;
}

/*
 * Right after the handshake we have advertised 65,535 bytes (a SYN's
 * window is never scaled), though the buffer holds more: a segment wholly
 * beyond that edge is not acceptable — ACKed with RCV.NXT, nothing kept,
 * nothing reported in SACK blocks — and one across it is trimmed to it.
 */
static int
test_data_beyond_advertised(void)
{
	struct peer pp, *p = &pp;
	uint32_t base, edge;

	HANDSHAKE(p, P_DISCARD, 41020, 53000);
	base = p->isn + 1;
	edge = base + 65535;
	SL_CHECK_EQ(conn_of(p)->rcv_adv, edge);
	inject_data(p, ACK, 65535 + 10, 100);
	OUT(1);
	SEG(0, ACK, p->iss + 1, base, 0);
	SL_CHECK_EQ(out[0].n_sack, 0);
	SL_CHECK_EQ(conn_of(p)->reass.bytes, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	/* that ACK advertised the whole buffer (scaled): the new edge */
	SL_CHECK_EQ(out[0].wnd, RCVBUF >> OUR_WSCALE);
	edge = base + RCVBUF;
	SL_CHECK_EQ(conn_of(p)->rcv_adv, edge);
	/* starting just at the edge: the same */
	inject_data(p, ACK, RCVBUF, 100);
	OUT(1);
	SEG(0, ACK, p->iss + 1, base, 0);
	SL_CHECK_EQ(out[0].n_sack, 0);
	SL_CHECK_EQ(conn_of(p)->reass.bytes, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	/* across it: the part inside is kept and reported */
	inject_data(p, ACK, RCVBUF - 100, 200);
	OUT(1);
	SEG(0, ACK, p->iss + 1, base, 0);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], edge - 100);
	SL_CHECK_EQ(out[0].sack[0][1], edge);
	SL_CHECK_EQ(conn_of(p)->reass.bytes, 100);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_trimmed = 1, .ooo_queued = 1, .segs_out = 1);
	RESET(p);
	return 0;
}

/*
 * A peer that filled our window sends its ACKs from the right edge. A
 * window update from there (data of ours waiting on its closed window) is
 * taken: the echo goes out at once. Refused, as it once was, both sides
 * wait on each other's window for good (seen under memory pressure, where
 * the peer's data had to be dropped).
 */
static int
test_ack_on_right_edge(void)
{
	struct peer pp, *p = &pp;
	uint32_t s, edge;

	HANDSHAKE(p, P_ECHO, 41050, 56000);
	s = p->iss + 1;
	p->wnd = 0;
	inject_data(p, ACK | PSH, 0, 100);
	p->seq += 100;
	advance_ms(DELACK_MS + 1);
	OUT(1);
	SEG(0, ACK, s, p->seq, 0);
	SL_CHECK_EQ(conn_of(p)->sndq_len, 100);
	edge = conn_of(p)->rcv_adv;
	snap_take();
	/* the peer's data up to the edge is lost on the way; its window update
	 * comes from there */
	p->wnd = PEER_WND;
	inject_seq(p, ACK, edge, NULL, 0);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s, p->seq, 100);
	SL_CHECK(data_is(0, 0, 100) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_out = 100, .segs_out = 1);
	/* one byte beyond the edge is still out of the window */
	inject_seq(p, ACK, edge + 1, NULL, 0);
	OUT(1);
	SEG(0, ACK, s + 100, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	RESET(p);
	return 0;
}

/*
 * With our window shut, a bare FIN at RCV.NXT is taken (it takes no
 * buffer; Linux takes it too): refused, a peer that closes while a
 * gateway's windows are shut under load retransmits its FIN. A FIN with
 * data is still out of the window.
 */
static int
test_fin_in_zero_window(void)
{
	struct peer pp, *p = &pp;

	HANDSHAKE(p, P_DISCARD, 41060, 57000);
	conn_of(p)->rcv_adv = conn_of(p)->rcv_nxt; /* as if we had advertised 0 */
	inject_seq(p, FIN | ACK, p->seq, (const uint8_t *)"x", 1);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	conn_of(p)->rcv_adv = conn_of(p)->rcv_nxt;
	inject_seq(p, FIN | ACK, p->seq, NULL, 0);
	SL_CHECK_EQ(conn_of(p)->rcv_nxt, p->seq + 1);
	SL_CHECK(take_output() >= 1);
	SL_CHECK_EQ(out[0].ack, p->seq + 1);
	SL_CHECK_EQ(snap.seg_out_of_window, wlc->tcp.stats.seg_out_of_window);
	p->seq++;
	RESET(p);
	return 0;
}

/*
 * RFC 5961 3.2: an RST whose sequence number is outside the window we
 * advertised is dropped without a word — beyond the edge (even within the
 * buffer), before RCV.NXT (even carrying data that reaches into the
 * window); in the window but not exact: a challenge ACK.
 */
static int
test_rst_outside_advertised(void)
{
	struct peer pp, *p = &pp;
	uint8_t junk[64] = { 0 };

	HANDSHAKE(p, P_ECHO, 41030, 54000);
	inject_raw(p, RST, p->seq + 65535 + 10, 0, 0, NULL, 0, NULL, 0, false, 0);
	inject_raw(p, RST, p->seq + 65535, 0, 0, NULL, 0, NULL, 0, false, 0);
	inject_raw(p, RST, p->seq - 1, 0, 0, NULL, 0, NULL, 0, false, 0);
	inject_raw(p, RST, p->seq - 10, 0, 0, NULL, 0, junk, sizeof(junk), false, 0);
	inject_raw(p, RST | ACK, p->seq - 10, p->iss + 1, 0, NULL, 0, junk, sizeof(junk), false,
			0);
	OUT(0);
	EXPECT(.rx_segments = 5, .rx_conn = 5, .rst_bad = 5);
	STATE(TCP_ESTABLISHED);
	inject_raw(p, RST, p->seq + 65534, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_challenge = 1, .segs_out = 1);
	STATE(TCP_ESTABLISHED);
	RESET(p);
	return 0;
}

/*
 * RFC 5961 7: challenge ACKs are rate limited per worker (burst: a tenth of
 * the rate); what the limit holds back is counted, and the bucket refills.
 */
static int
test_challenge_ack_limit(void)
{
	struct peer pp, *p = &pp;
	int64_t saved = sl_tcp_conf.challenge_acks_per_s;
	unsigned int i;
	int rc = -1;

	sl_tcp_conf.challenge_acks_per_s = 20; /* a burst of 2 */
	HANDSHAKE(p, P_ECHO, 41040, 55000);
	advance_ms(1000);
	snap_take();
	for (i = 0; i < 5; i++)
		inject_raw(p, RST, p->seq + 100 + i, 0, 0, NULL, 0, NULL, 0, false, 0);
	if (out_is(2, __LINE__) != 0)
		goto out;
	EXPECT(.rx_segments = 5, .rx_conn = 5, .rst_challenge = 5, .challenge_limited = 3,
			.segs_out = 2);
	/* a SYN too, once the bucket holds a token again */
	advance_ms(100);
	inject_raw(p, SYN, p->seq + 7, 0, PEER_WND, NULL, 0, NULL, 0, false, 0);
	if (out_is(1, __LINE__) != 0)
		goto out;
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .syn_challenge = 1, .segs_out = 1);
	STATE(TCP_ESTABLISHED);
	RESET(p);
	rc = 0;
out:
	sl_tcp_conf.challenge_acks_per_s = saved;
	return rc;
}

#define CASES(X) X(small_window) X(window_update_restarts) X(data_beyond_advertised) \
	X(ack_on_right_edge) X(fin_in_zero_window) X(rst_outside_advertised) X(challenge_ack_limit)
TCP_TEST_MAIN("tcp_window", 16, sweep, CASES)
