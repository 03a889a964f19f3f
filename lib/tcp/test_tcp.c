/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * White-box tests of the TCP state machine: opening, data, resets, retransmission.
 * (the peer and the checks: app/test/tcp_peer.h).
 */
#include "sl_test_frame.h"
#include "tcp_peer.h"

/* ---- cases ---- */

/* SYN with MSS, WS, SACK-permitted and TS; the SYN-ACK answers with ours;
 * the final ACK establishes it with everything negotiated. */
static int
test_handshake(void)
{
	struct peer pp, *p = &pp;

	HANDSHAKE(p, P_ECHO, 40001, 0x12345678);
	SL_CHECK_EQ(wlc->tcp.half_open[0], 0);
	/* A retransmitted SYN in SYN_RECEIVED gets the SYN-ACK again. */
	{
		struct peer qq, *q = &qq;
		uint8_t o[4] = { 2, 4, MSS_SYN >> 8, MSS_SYN & 0xff };

		memset(q, 0, sizeof(*q));
		q->lport = P_ECHO;
		q->rport = 40002;
		q->isn = q->seq = 777;
		q->wnd = PEER_WND;
		snap_take();
		inject_raw(q, SYN, 777, 0, PEER_WND, o, 4, NULL, 0, false, 0);
		OUT(1);
		/* no WS, SACK or TS offered: we send only the MSS */
		SL_CHECK(seg_ok(&out[0], q, SYN | ACK, 0, out[0].seq, 778, 0, __LINE__) == 0);
		SL_CHECK_EQ(out[0].opt_len, 4);
		SL_CHECK_EQ(out[0].mss, MSS_SYN);
		q->iss = out[0].seq;
		SL_CHECK_EQ(wlc->tcp.half_open[0], 1);
		inject_raw(q, SYN, 777, 0, PEER_WND, o, 4, NULL, 0, false, 0);
		OUT(1);
		SL_CHECK(seg_ok(&out[0], q, SYN | ACK, 0, q->iss, 778, 0, __LINE__) == 0);
		EXPECT(.rx_segments = 2, .rx_listen = 1, .rx_conn = 1, .syn_rcvd = 1, .segs_out = 2);
		/* An ACK that does not acknowledge our SYN: RST (RFC 9293 3.10.7.4). */
		inject_raw(q, ACK, 778, q->iss + 5, PEER_WND, NULL, 0, NULL, 0, false, 0);
		OUT(1);
		SL_CHECK(seg_ok(&out[0], q, RST, 0, q->iss + 5, 0, 0, __LINE__) == 0);
		EXPECT(.rx_segments = 1, .rx_conn = 1, .ack_too_new = 0, .rst_sent = 1,
				.segs_out = 1);
		/* an RST with the right sequence number ends the half-open one */
		inject_raw(q, RST, 778, 0, 0, NULL, 0, NULL, 0, false, 0);
		OUT(0);
		EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
		SL_CHECK(conn_of(q) == NULL);
		SL_CHECK_EQ(wlc->tcp.half_open[0], 0);
	}
	RESET(p);
	return 0;
}

/* In-order data to echo comes back with the right seq/ack; the peer's ACK of
 * it is taken silently. */
static int
test_echo_in_order(void)
{
	struct peer pp, *p = &pp;
	const struct tcp_conn *c;

	HANDSHAKE(p, P_ECHO, 40010, 1000);
	inject_data(p, ACK | PSH, 0, 12);
	p->seq += 12;
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, p->seq, 12);
	SL_CHECK(data_is(0, 0, 12) == 0);
	SL_CHECK_EQ(out[0].wnd, RCVBUF >> OUR_WSCALE);
	SL_CHECK_EQ(out[0].tsecr, p->tsval);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 12, .bytes_out = 12, .segs_out = 1);
	/* a second one, after the first is acknowledged */
	advance_ms(5);
	inject_ack(p, p->iss + 13);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	c = conn_of(p);
	SL_CHECK_EQ(c->snd_una, p->iss + 13);
	SL_CHECK_EQ(c->sndq_len, 0);
	SL_CHECK(!sl_timer_pending(&c->rtx_timer));
	inject_data(p, ACK | PSH, 12, 1448);
	p->seq += 1448;
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 13, p->seq, 1448);
	SL_CHECK(data_is(0, 12, 1448) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 1448, .bytes_out = 1448,
			.segs_out = 1);
	inject_ack(p, p->iss + 13 + 1448);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	RESET(p);
	return 0;
}

/* Delayed ACK (discard): one small segment is ACKed by the timer only; two
 * full segments are ACKed at once. */
static int
test_delayed_ack(void)
{
	struct peer pp, *p = &pp;

	HANDSHAKE(p, P_DISCARD, 40020, 2000);
	inject_data(p, ACK | PSH, 0, 100);
	p->seq += 100;
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 100);
	advance_ms(DELACK_MS - 1);
	OUT(0);
	EXPECT_NONE();
	advance_ms(2);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	SL_CHECK_EQ(out[0].wnd, RCVBUF >> OUR_WSCALE);
	EXPECT(.delayed_acks = 1, .segs_out = 1);
	/* two full-sized segments: the second is ACKed at once */
	inject_data(p, ACK, 100, MSS_TS);
	p->seq += MSS_TS;
	OUT(0);
	inject_data(p, ACK | PSH, 100 + MSS_TS, MSS_TS);
	p->seq += MSS_TS;
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 2, .rx_conn = 2, .bytes_in = 2 * MSS_TS, .segs_out = 1);
	/* and the delayed-ACK timer was stopped */
	advance_ms(2 * DELACK_MS);
	OUT(0);
	EXPECT_NONE();
	RESET(p);
	return 0;
}

/* Out of order: an immediate duplicate ACK with a SACK block; filling the
 * hole: one cumulative ACK (on the echoed data) and the data in order. Near
 * the wrap of the sequence space. */
static int
test_out_of_order(void)
{
	struct peer pp, *p = &pp;
	uint32_t base;

	HANDSHAKE(p, P_ECHO, 40030, 0xffffff00);
	base = p->isn + 1;
	inject_data(p, ACK | PSH, 200, 100);     /* [200, 300): hole [0, 200) */
	OUT(1);
	SEG(0, ACK, p->iss + 1, base, 0);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], base + 200);
	SL_CHECK_EQ(out[0].sack[0][1], base + 300);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .ooo_queued = 1, .segs_out = 1);
	inject_data(p, ACK | PSH, 400, 100);     /* [400, 500): two blocks, newest first */
	OUT(1);
	SEG(0, ACK, p->iss + 1, base, 0);
	SL_CHECK_EQ(out[0].n_sack, 2);
	SL_CHECK_EQ(out[0].sack[0][0], base + 400);
	SL_CHECK_EQ(out[0].sack[0][1], base + 500);
	SL_CHECK_EQ(out[0].sack[1][0], base + 200);
	SL_CHECK_EQ(out[0].sack[1][1], base + 300);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .ooo_queued = 1, .segs_out = 1);
	inject_data(p, ACK, 0, 200);             /* fills [0, 200): 300 bytes in order */
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, base + 300, 300);
	SL_CHECK(data_is(0, 0, 300) == 0);
	SL_CHECK_EQ(out[0].n_sack, 1);           /* [400, 500) still held */
	SL_CHECK_EQ(out[0].sack[0][0], base + 400);
	SL_CHECK_EQ(out[0].sack[0][1], base + 500);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 300, .bytes_out = 300, .segs_out = 1);
	inject_data(p, ACK, 300, 100);           /* the last hole */
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 301, base + 500, 200);
	SL_CHECK(data_is(0, 300, 200) == 0);
	SL_CHECK_EQ(out[0].n_sack, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 200, .bytes_out = 200, .segs_out = 1);
	p->seq = base + 500;
	inject_ack(p, p->iss + 501);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	SL_CHECK_EQ(conn_of(p)->reass.n, 0);
	RESET(p);
	return 0;
}

/* Duplicates and overlaps: old data is ACKed at once and not delivered again;
 * overlapping data delivers only its new part, in and out of order. */
static int
test_overlap_duplicate(void)
{
	struct peer pp, *p = &pp;
	uint32_t base;

	HANDSHAKE(p, P_ECHO, 40040, 3000);
	base = p->isn + 1;
	inject_data(p, ACK | PSH, 0, 100);
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, base + 100, 100);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 100, .bytes_out = 100, .segs_out = 1);
	p->seq = base + 100;
	inject_ack(p, p->iss + 101);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	/* a full duplicate: ACK at once, nothing delivered (not acceptable:
	 * counted out of window, not dup_data), reported in a D-SACK block */
	inject_data(p, ACK | PSH, 0, 100);
	OUT(1);
	SEG(0, ACK, p->iss + 101, base + 100, 0);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], base);
	SL_CHECK_EQ(out[0].sack[0][1], base + 100);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	/* [50, 150): 50 new bytes, the old 50 in a D-SACK block, once */
	inject_data(p, ACK | PSH, 50, 100);
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 101, base + 150, 50);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], base + 50);
	SL_CHECK_EQ(out[0].sack[0][1], base + 100);
	SL_CHECK(data_is(0, 100, 50) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 50, .bytes_out = 50, .segs_out = 1);
	/* out of order [200, 300), then [190, 310) over it, then [150, 200) */
	inject_data(p, ACK, 200, 100);
	OUT(1);
	SEG(0, ACK, p->iss + 151, base + 150, 0);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], base + 200);
	SL_CHECK_EQ(out[0].sack[0][1], base + 300);
	inject_data(p, ACK, 190, 120);
	OUT(1);
	SEG(0, ACK, p->iss + 151, base + 150, 0);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], base + 190);
	SL_CHECK_EQ(out[0].sack[0][1], base + 310);
	EXPECT(.rx_segments = 2, .rx_conn = 2, .ooo_queued = 2, .segs_out = 2);
	inject_data(p, ACK, 150, 50);
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 151, base + 310, 160);
	SL_CHECK(data_is(0, 150, 160) == 0);
	SL_CHECK_EQ(out[0].n_sack, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 160, .bytes_out = 160, .segs_out = 1);
	p->seq = base + 310;
	inject_ack(p, p->iss + 311);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	RESET(p);
	return 0;
}

/* Data beyond the receive window is trimmed to it; a segment wholly beyond
 * it is not acceptable and answered with an ACK (RFC 9293 3.10.7.4). */
static int
test_window_trim(void)
{
	struct peer pp, *p = &pp;
	uint32_t base, edge;

	HANDSHAKE(p, P_ECHO, 40050, 4000);
	base = p->isn + 1;
	inject_data(p, ACK | PSH, 0, 10); /* an ACK advertising the scaled window */
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, base + 10, 10);
	SL_CHECK_EQ(out[0].wnd, RCVBUF >> OUR_WSCALE);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 10, .bytes_out = 10, .segs_out = 1);
	p->seq = base + 10;
	inject_ack(p, p->iss + 11);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	edge = base + 10 + RCVBUF; /* the right edge advertised */
	SL_CHECK_EQ(conn_of(p)->rcv_adv, edge);
	/* [edge - 100, edge + 100): the first 100 bytes kept */
	inject_data(p, ACK, 10 + RCVBUF - 100, 200);
	OUT(1);
	SEG(0, ACK, p->iss + 11, base + 10, 0);
	SL_CHECK_EQ(out[0].n_sack, 1);
	SL_CHECK_EQ(out[0].sack[0][0], edge - 100);
	SL_CHECK_EQ(out[0].sack[0][1], edge);
	SL_CHECK_EQ(conn_of(p)->reass.bytes, 100);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_trimmed = 1, .ooo_queued = 1, .segs_out = 1);
	/* wholly beyond: not acceptable, ACKed */
	inject_data(p, ACK, 10 + RCVBUF + 10, 100);
	OUT(1);
	SEG(0, ACK, p->iss + 11, base + 10, 0);
	SL_CHECK_EQ(conn_of(p)->reass.bytes, 100);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	RESET(p);
	return 0;
}

/* RFC 5961 3.2: an RST with exactly rcv_nxt resets. */
static int
test_rst_exact(void)
{
	struct peer pp, *p = &pp;

	HANDSHAKE(p, P_ECHO, 40060, 5000);
	inject_data(p, ACK | PSH, 0, 10);
	p->seq += 10;
	OUT(1);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 10, .bytes_out = 10, .segs_out = 1);
	/* RST|ACK with the exact sequence number (and an old timestamp: PAWS does
	 * not apply to RSTs) */
	{
		uint8_t o[12];
		unsigned int n = ts_opts(o, p->tsval - 50, 0);

		inject_raw(p, RST | ACK, p->seq, p->iss + 1, 0, o, n, NULL, 0, false, 0);
	}
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
	GONE();
	/* anything more on the 4-tuple: no connection, RST */
	advance_ms(10);
	inject_raw(p, ACK, p->seq, p->iss + 11, PEER_WND, NULL, 0, NULL, 0, false, 0);
	OUT(1);
	SEG(0, RST, p->iss + 11, 0, 0);
	EXPECT(.rx_segments = 1, .rx_no_conn = 0, .rx_listen = 1, .syncookies_bad = 1,
			.rst_sent = 1, .segs_out = 1);
	return 0;
}

/* RFC 5961 3.2: an RST in the window but not exact: challenge ACK; out of
 * the window: ignored. */
static int
test_rst_in_window(void)
{
	struct peer pp, *p = &pp;

	HANDSHAKE(p, P_ECHO, 40070, 6000);
	inject_raw(p, RST, p->seq + 1000, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_challenge = 1, .segs_out = 1);
	STATE(TCP_ESTABLISHED);
	inject_raw(p, RST, p->seq + RCVBUF + 1000, 0, 0, NULL, 0, NULL, 0, false, 0);
	inject_raw(p, RST, p->seq - 1, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 2, .rx_conn = 2, .rst_bad = 2);
	STATE(TCP_ESTABLISHED);
	RESET(p);
	return 0;
}

/* RFC 5961 4.2: a SYN on a synchronised connection: challenge ACK, whatever
 * its sequence number; the connection stays. */
static int
test_syn_established(void)
{
	struct peer pp, *p = &pp;
	uint8_t o[16];
	unsigned int n;

	HANDSHAKE(p, P_ECHO, 40080, 7000);
	n = ts_opts(o, ++p->tsval, 0);
	inject_raw(p, SYN, p->seq + 5, 0, PEER_WND, o, n, NULL, 0, false, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .syn_challenge = 1, .segs_out = 1);
	STATE(TCP_ESTABLISHED);
	/* the old SYN again (out of the window): an ACK too */
	n = ts_opts(o, ++p->tsval, 0);
	inject_raw(p, SYN, p->isn, 0, PEER_WND, o, n, NULL, 0, false, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .seg_out_of_window = 1, .segs_out = 1);
	STATE(TCP_ESTABLISHED);
	RESET(p);
	return 0;
}

/* An ACK of data not sent: ACK, and drop the segment with its data (RFC 9293
 * 3.10.7.4); an ACK too old (RFC 5961 5.2): challenge ACK, drop. */
static int
test_ack_unsent(void)
{
	struct peer pp, *p = &pp;
	uint8_t d[10] = "0123456789";

	HANDSHAKE(p, P_ECHO, 40090, 8000);
	p->ack = p->iss + 1 + 1000;
	inject_seq(p, ACK | PSH, p->seq, d, 10);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .ack_too_new = 1, .segs_out = 1);
	SL_CHECK_EQ(conn_of(p)->rcv_nxt, p->seq);
	p->ack = p->iss + 1 - ((uint32_t)PEER_WND << PEER_WSCALE) - 1;
	inject_seq(p, ACK | PSH, p->seq, d, 10);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .ack_challenge = 1, .segs_out = 1);
	SL_CHECK_EQ(conn_of(p)->rcv_nxt, p->seq);
	/* an old ACK within max_snd_wnd is fine: the data goes through */
	p->ack = p->iss + 1 - 1000;
	inject_data(p, ACK | PSH, 0, 10);
	p->seq += 10;
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, p->seq, 10);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 10, .bytes_out = 10, .segs_out = 1);
	p->ack = p->iss + 11;
	RESET(p);
	return 0;
}

/* RFC 6298: unacknowledged data is resent after the RTO, the same bytes at
 * the same sequence number, the RTO doubling each time; after `retries`
 * retransmissions the next timeout resets the connection. */
static int
test_retransmit(void)
{
	struct peer pp, *p = &pp;
	uint32_t rto, i;

	HANDSHAKE(p, P_ECHO, 40100, 9000);
	inject_data(p, ACK | PSH, 0, 100);
	p->seq += 100;
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, p->seq, 100);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 100, .bytes_out = 100, .segs_out = 1);
	rto = rto_ms(p);
	SL_CHECK_EQ(rto, RTO_INITIAL_MS); /* no RTT sample yet */
	for (i = 0; i < RETRIES; i++) {
		advance_ms((rto << i) - 1);
		OUT(0);
		EXPECT_NONE();
		advance_ms(2);
		OUT(1);
		SEG_ANY(0, ACK, PSH, p->iss + 1, p->seq, 100);
		SL_CHECK(data_is(0, 0, 100) == 0);
		EXPECT(.rto = 1, .retransmits = 1, .segs_out = 1);
	}
	advance_ms((rto << RETRIES) - 1);
	OUT(0);
	advance_ms(2);
	OUT(1);
	SEG_ANY(0, RST, ACK, p->iss + 101, p->seq, 0);
	EXPECT(.timeouts = 1, .rst_sent = 1, .closed = 1, .segs_out = 1);
	GONE();
	return 0;
}

/* Echo four full segments (we send them); returns with S = p->iss + 1. */
static int
four_segments(struct peer *p)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		inject_data(p, ACK, i * MSS_TS, MSS_TS);
		p->seq += MSS_TS;
		OUT(1);
		SEG(0, ACK | PSH, p->iss + 1 + i * MSS_TS, p->seq, MSS_TS);
		SL_CHECK(data_is(0, i * MSS_TS, MSS_TS) == 0);
	}
	EXPECT(.rx_segments = 4, .rx_conn = 4, .bytes_in = 4 * MSS_TS, .bytes_out = 4 * MSS_TS,
			.segs_out = 4);
	return 0;
}

/* RFC 5681 3.2: the third duplicate ACK resends the first unacknowledged
 * segment at once, before any RTO. */
static int
test_fast_retransmit(void)
{
	struct peer pp, *p = &pp;
	uint32_t s;

	HANDSHAKE(p, P_ECHO, 40110, 10000);
	s = p->iss + 1;
	SL_CHECK(four_segments(p) == 0);
	inject_ack(p, s);
	inject_ack(p, s);
	OUT(0);
	EXPECT(.rx_segments = 2, .rx_conn = 2);
	inject_ack(p, s);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s, p->seq, MSS_TS);
	SL_CHECK(data_is(0, 0, MSS_TS) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .fast_retransmits = 1, .recoveries = 1,
			.retransmits = 1, .segs_out = 1);
	SL_CHECK(conn_of(p)->flags & TCP_F_IN_RECOVERY);
	/* everything acknowledged: recovery over, nothing to send */
	inject_ack(p, s + 4 * MSS_TS);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	SL_CHECK(!(conn_of(p)->flags & TCP_F_IN_RECOVERY));
	SL_CHECK(!sl_timer_pending(&conn_of(p)->rtx_timer));
	RESET(p);
	return 0;
}

/* RFC 6675: SACK blocks covering 3 MSS above snd_una start recovery with the
 * first duplicate ACK: the first segment (only it) is resent. */
static int
test_sack_retransmit(void)
{
	struct peer pp, *p = &pp;
	uint32_t s, blk[1][2];

	HANDSHAKE(p, P_ECHO, 40120, 11000);
	s = p->iss + 1;
	SL_CHECK(four_segments(p) == 0);
	blk[0][0] = s + MSS_TS;
	blk[0][1] = s + 4 * MSS_TS;
	inject_sack(p, s, blk, 1);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s, p->seq, MSS_TS);
	SL_CHECK(data_is(0, 0, MSS_TS) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .fast_retransmits = 1, .recoveries = 1,
			.retransmits = 1, .segs_out = 1);
	/* a further duplicate ACK reporting nothing new: nothing is resent again */
	inject_sack(p, s, blk, 1);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	inject_ack(p, s + 4 * MSS_TS);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	SL_CHECK(!(conn_of(p)->flags & TCP_F_IN_RECOVERY));
	RESET(p);
	return 0;
}

/*
 * RFC 9293 3.8.6.1: a zero window from the peer stops the data; after the
 * RTO a one-byte probe goes out, then probes with exponential back-off for
 * as long as the peer answers them (RFC 1122 4.2.2.17: MUST NOT give up);
 * a window update resumes the transfer.
 */
static int
test_zero_window(void)
{
	struct peer pp, *p = &pp;
	uint32_t s, i, rto;

	HANDSHAKE(p, P_ECHO, 40130, 12000);
	s = p->iss + 1;
	p->wnd = 0;
	inject_data(p, ACK | PSH, 0, 100);
	p->seq += 100;
	OUT(0); /* echo data held: window 0 */
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 100);
	SL_CHECK_EQ(conn_of(p)->sndq_len, 100);
	advance_ms(DELACK_MS + 1);
	OUT(1);
	SEG(0, ACK, s, p->seq, 0);
	EXPECT(.delayed_acks = 1, .segs_out = 1);
	rto = rto_ms(p);
	advance_ms(rto - DELACK_MS - 3);
	OUT(0);
	advance_ms(3);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s, p->seq, 1);
	SL_CHECK(data_is(0, 0, 1) == 0);
	EXPECT(.zero_window_probes = 1, .bytes_out = 1, .segs_out = 1);
	/* probes answered with the window still closed, more than `retries` */
	for (i = 1; i <= RETRIES + 2; i++) {
		inject_ack(p, s);
		OUT(0);
		EXPECT(.rx_segments = 1, .rx_conn = 1);
		advance_ms((rto << i) - 2);
		OUT(0);
		advance_ms(3);
		OUT(1);
		SEG_ANY(0, ACK, PSH, s, p->seq, 1);
		SL_CHECK(data_is(0, 0, 1) == 0);
		EXPECT(.zero_window_probes = 1, .retransmits = 1, .segs_out = 1);
		STATE(TCP_ESTABLISHED);
	}
	/* the window opens, taking the probe byte: the other 99 follow */
	p->wnd = PEER_WND;
	inject_ack(p, s + 1);
	OUT(1);
	SEG_ANY(0, ACK | PSH, 0, s + 1, p->seq, 99);
	SL_CHECK(data_is(0, 1, 99) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_out = 99, .segs_out = 1);
	inject_ack(p, s + 100);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	SL_CHECK(!sl_timer_pending(&conn_of(p)->rtx_timer));
	RESET(p);
	return 0;
}


#define CASES(X) X(handshake) X(echo_in_order) X(delayed_ack) X(out_of_order) X(overlap_duplicate) X(window_trim) X(rst_exact) X(rst_in_window) X(syn_established) X(ack_unsent) X(retransmit) X(fast_retransmit) X(sack_retransmit) X(zero_window)
TCP_TEST_MAIN("tcp", 16, sweep, CASES)
