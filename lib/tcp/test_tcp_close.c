/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * White-box tests of the TCP state machine: closing, TIME_WAIT, cookies, PAWS, bad input.
 * (the peer and the checks: app/test/tcp_peer.h).
 */
#include "sl_test_frame.h"
#include "tcp_peer.h"

/* Passive close: the peer's FIN (with data) in ESTABLISHED: echo sends the
 * data and closes, our FIN ACKs theirs (LAST_ACK); the ACK of our FIN ends
 * the connection. */
static int
test_fin_passive(void)
{
	struct peer pp, *p = &pp;
	uint32_t s;

	HANDSHAKE(p, P_ECHO, 40140, 13000);
	s = p->iss + 1;
	inject_data(p, ACK | PSH | FIN, 0, 3);
	p->seq += 3 + 1;
	OUT(2);
	SEG(0, ACK | PSH, s, p->seq, 3);
	SL_CHECK(data_is(0, 0, 3) == 0);
	SEG(1, ACK | FIN, s + 3, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 3, .bytes_out = 3, .segs_out = 2);
	STATE(TCP_LAST_ACK);
	SL_CHECK(sl_timer_pending(&conn_of(p)->rtx_timer));
	/* a FIN without data, on a second connection */
	{
		struct peer qq, *q = &qq;

		HANDSHAKE(q, P_ECHO, 40141, 13500);
		inject_seq(q, ACK | FIN, q->seq, NULL, 0);
		q->seq++;
		OUT(1);
		SL_CHECK(seg_ok(&out[0], q, ACK | FIN, 0, q->iss + 1, q->seq, 0, __LINE__) == 0);
		EXPECT(.rx_segments = 1, .rx_conn = 1, .segs_out = 1);
		SL_CHECK(state_is(q, TCP_LAST_ACK, __LINE__) == 0);
		inject_ack(q, q->iss + 2);
		OUT(0);
		EXPECT(.rx_segments = 1, .rx_conn = 1, .closed = 1);
		SL_CHECK(conn_of(q) == NULL);
	}
	/* the ACK of data only: still LAST_ACK */
	inject_ack(p, s + 3);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	STATE(TCP_LAST_ACK);
	inject_ack(p, s + 4);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .closed = 1);
	GONE();
	return 0;
}

/* Ask the source service for 10 bytes: it sends them and its FIN. */
static int
source_ten(struct peer *p, uint16_t rport, uint32_t isn)
{
	static const uint8_t req[3] = { '1', '0', '\n' };

	HANDSHAKE(p, P_SOURCE, rport, isn);
	inject_seq(p, ACK | PSH, p->seq, req, 3);
	p->seq += 3;
	OUT(2);
	SEG(0, ACK | PSH, p->iss + 1, p->seq, 10);
	SL_CHECK(source_data_is(0, 0, 10) == 0);
	SEG(1, ACK | FIN, p->iss + 11, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 3, .bytes_out = 10, .segs_out = 2);
	STATE(TCP_FIN_WAIT_1);
	return 0;
}

/* Active close: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT -> gone after
 * time_wait_ms; a retransmitted FIN in TIME_WAIT is ACKed and restarts it. */
static int
test_active_close(void)
{
	struct peer pp, *p = &pp;
	uint64_t open;

	SL_CHECK(source_ten(p, 40150, 14000) == 0);
	inject_ack(p, p->iss + 12);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	STATE(TCP_FIN_WAIT_2);
	inject_seq(p, ACK | FIN, p->seq, NULL, 0);
	p->seq++;
	OUT(1);
	SEG(0, ACK, p->iss + 12, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .time_wait = 1, .segs_out = 1);
	STATE(TCP_TIME_WAIT);
	SL_CHECK_EQ(wlc->tcp.gauges.time_wait, 1);
	open = wlc->tcp.gauges.open;
	advance_ms(TIME_WAIT_MS / 2);
	OUT(0);
	/* the FIN again (our ACK was lost): ACK it, restart the 2 MSL */
	inject_seq(p, ACK | FIN, p->seq - 1, NULL, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 12, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .segs_out = 1);
	advance_ms(TIME_WAIT_MS - 2);
	OUT(0);
	STATE(TCP_TIME_WAIT);
	advance_ms(3);
	OUT(0);
	EXPECT(.closed = 1);
	GONE();
	SL_CHECK_EQ(wlc->tcp.gauges.time_wait, 0);
	SL_CHECK_EQ(wlc->tcp.gauges.open, open - 1);
	return 0;
}

/* Simultaneous close: their FIN crosses ours (acknowledging our data, not
 * our FIN): CLOSING; the ACK of our FIN: TIME_WAIT; then gone. */
static int
test_simultaneous_close(void)
{
	struct peer pp, *p = &pp;

	SL_CHECK(source_ten(p, 40160, 15000) == 0);
	p->ack = p->iss + 11;
	inject_seq(p, ACK | FIN, p->seq, NULL, 0);
	p->seq++;
	OUT(1);
	SEG(0, ACK, p->iss + 12, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .segs_out = 1);
	STATE(TCP_CLOSING);
	inject_ack(p, p->iss + 12);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .time_wait = 1);
	STATE(TCP_TIME_WAIT);
	advance_ms(TIME_WAIT_MS + 1);
	OUT(0);
	EXPECT(.closed = 1);
	GONE();
	return 0;
}

/* RFC 6191: a SYN with a newer timestamp reuses a TIME_WAIT 4-tuple; an old
 * one is only ACKed. */
static int
test_time_wait_reuse(void)
{
	struct peer pp, *p = &pp;
	uint8_t o[20] = { 2, 4, MSS_SYN >> 8, MSS_SYN & 0xff, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 3, 3, PEER_WSCALE };
	uint32_t new_isn;

	SL_CHECK(source_ten(p, 40170, 16000) == 0);
	inject_ack(p, p->iss + 12);
	inject_seq(p, ACK | FIN, p->seq, NULL, 0);
	p->seq++;
	OUT(1);
	EXPECT(.rx_segments = 2, .rx_conn = 2, .time_wait = 1, .segs_out = 1);
	STATE(TCP_TIME_WAIT);
	/* old: seq below rcv_nxt and an old timestamp */
	sl_test_put32(o + 8, p->tsval - 10);
	inject_raw(p, SYN, p->isn, 0, PEER_WND, o, sizeof(o), NULL, 0, false, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 12, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .segs_out = 1);
	STATE(TCP_TIME_WAIT);
	/* new: higher seq and timestamp */
	advance_ms(100);
	new_isn = p->seq + 100000;
	sl_test_put32(o + 8, p->tsval + 1000);
	inject_raw(p, SYN, new_isn, 0, PEER_WND, o, sizeof(o), NULL, 0, false, 0);
	OUT(1);
	SEG(0, SYN | ACK, out[0].seq, new_isn + 1, 0);
	SL_CHECK_EQ(out[0].tsecr, p->tsval + 1000);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .time_wait_reused = 1, .closed = 1, .syn_rcvd = 1,
			.segs_out = 1);
	STATE(TCP_SYN_RECEIVED);
	SL_CHECK_EQ(wlc->tcp.gauges.time_wait, 0);
	p->iss = out[0].seq;
	p->isn = new_isn;
	p->seq = new_isn + 1;
	p->ack = p->iss + 1;
	p->tsval += 1000;
	inject_seq(p, ACK, p->seq, NULL, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .accepted = 1);
	STATE(TCP_ESTABLISHED);
	RESET(p);
	return 0;
}

/* RFC 4987: with the backlog full, a SYN gets a cookie SYN-ACK with only the
 * MSS; the ACK returning the cookie establishes the connection, a forged
 * one gets an RST. */
static int
test_syncookies(void)
{
	struct peer half[BACKLOG], cc, *p = &cc;
	uint8_t o[20] = { 2, 4, MSS_SYN >> 8, MSS_SYN & 0xff, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 3, 3, PEER_WSCALE };
	const struct tcp_conn *c;
	uint32_t cookie;
	unsigned int i;
	int l = tcp_find_listener(LADDR, rte_cpu_to_be_16(P_DISCARD));

	SL_CHECK(l >= 0);
	SL_CHECK_EQ(wlc->tcp.half_open[l], 0);
	advance_ms(10);
	snap_take();
	for (i = 0; i < BACKLOG; i++) {
		memset(&half[i], 0, sizeof(half[i]));
		half[i].lport = P_DISCARD;
		half[i].rport = (uint16_t)(40180 + i);
		half[i].isn = 17000 + i;
		half[i].seq = half[i].isn + 1;
		inject_raw(&half[i], SYN, half[i].isn, 0, PEER_WND, o, sizeof(o), NULL, 0, false, 0);
		OUT(1);
		SL_CHECK(seg_ok(&out[0], &half[i], SYN | ACK, 0, out[0].seq, half[i].seq, 0,
				__LINE__) == 0);
		SL_CHECK_EQ(out[0].opt_len, 24);
	}
	EXPECT(.rx_segments = BACKLOG, .rx_listen = BACKLOG, .syn_rcvd = BACKLOG,
			.segs_out = BACKLOG);
	SL_CHECK_EQ(wlc->tcp.half_open[l], BACKLOG);
	/* the next SYN: a cookie */
	memset(p, 0, sizeof(*p));
	p->lport = P_DISCARD;
	p->rport = 40190;
	p->isn = 18000;
	p->seq = p->isn + 1;
	p->wnd = PEER_WND;
	inject_raw(p, SYN, p->isn, 0, PEER_WND, o, sizeof(o), NULL, 0, false, 0);
	OUT(1);
	cookie = out[0].seq;
	SEG(0, SYN | ACK, cookie, p->seq, 0);
	SL_CHECK_EQ(out[0].opt_len, 4);
	SL_CHECK_EQ(out[0].mss, MSS_SYN);
	SL_CHECK_EQ(out[0].wnd, 65535);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .syn_backlog_full = 1,
			.syncookies_sent = 1, .segs_out = 1);
	GONE();
	/* a forged ACK (cookie + 1 off by one): RST */
	{
		struct peer f = *p;

		f.rport = 40191;
		inject_raw(&f, ACK, f.seq, cookie + 1, PEER_WND, NULL, 0, NULL, 0, false, 0);
		OUT(1);
		SL_CHECK(seg_ok(&out[0], &f, RST, 0, cookie + 1, 0, 0, __LINE__) == 0);
		inject_raw(p, ACK, p->seq, cookie + 2, PEER_WND, NULL, 0, NULL, 0, false, 0);
		OUT(1);
		SEG(0, RST, cookie + 2, 0, 0);
		EXPECT(.rx_segments = 2, .rx_listen = 2, .syncookies_bad = 2, .rst_sent = 2,
				.segs_out = 2);
		SL_CHECK(conn_of(&f) == NULL);
		GONE();
	}
	/* the right one: established, no options but the MSS */
	p->iss = cookie;
	p->ack = cookie + 1;
	inject_raw(p, ACK, p->seq, p->ack, PEER_WND, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syncookies_ok = 1, .accepted = 1);
	STATE(TCP_ESTABLISHED);
	c = conn_of(p);
	SL_CHECK_EQ(c->mss, MSS_SYN);
	SL_CHECK_EQ(c->flags & (TCP_F_TS | TCP_F_SACK | TCP_F_WS), 0);
	SL_CHECK_EQ(c->snd_wnd, PEER_WND);
	/* it works: a small segment and the delayed ACK */
	{
		uint8_t d[5] = "hello";

		inject_raw(p, ACK | PSH, p->seq, p->ack, PEER_WND, NULL, 0, d, 5, false, 0);
		p->seq += 5;
		OUT(0);
		advance_ms(DELACK_MS + 1);
		OUT(1);
		SEG(0, ACK, cookie + 1, p->seq, 0);
		SL_CHECK_EQ(out[0].opt_len, 0);
		SL_CHECK_EQ(out[0].wnd, 65535); /* no window scaling: clamped */
		EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 5, .delayed_acks = 1,
				.segs_out = 1);
	}
	RESET(p);
	/* the half-open ones: RST each */
	for (i = 0; i < BACKLOG; i++) {
		inject_raw(&half[i], RST, half[i].seq, 0, 0, NULL, 0, NULL, 0, false, 0);
		SL_CHECK(conn_of(&half[i]) == NULL);
	}
	OUT(0);
	EXPECT(.rx_segments = BACKLOG, .rx_conn = BACKLOG, .rst_rcvd = BACKLOG,
			.closed = BACKLOG);
	SL_CHECK_EQ(wlc->tcp.half_open[l], 0);
	return 0;
}

/* RFC 7323 5.3: a segment with a timestamp older than ts_recent is dropped
 * and ACKed. */
static int
test_paws(void)
{
	struct peer pp, *p = &pp;
	uint8_t o[12], d[10] = "0123456789";
	unsigned int n;
	uint32_t recent;

	HANDSHAKE(p, P_ECHO, 40200, 19000);
	recent = conn_of(p)->ts_recent;
	SL_CHECK_EQ(recent, p->tsval);
	n = ts_opts(o, p->tsval - 1, gw_ts());
	inject_raw(p, ACK | PSH, p->seq, p->ack, p->wnd, o, n, d, 10, false, 0);
	OUT(1);
	SEG(0, ACK, p->iss + 1, p->seq, 0);
	SL_CHECK_EQ(out[0].tsecr, recent);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .paws_drops = 1, .segs_out = 1);
	SL_CHECK_EQ(conn_of(p)->rcv_nxt, p->seq);
	SL_CHECK_EQ(conn_of(p)->ts_recent, recent);
	/* the same timestamp is not older: accepted */
	n = ts_opts(o, p->tsval, gw_ts());
	inject_raw(p, ACK | PSH, p->seq, p->ack, p->wnd, o, n, d, 10, false, 0);
	p->seq += 10;
	OUT(1);
	SEG(0, ACK | PSH, p->iss + 1, p->seq, 10);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 10, .bytes_out = 10, .segs_out = 1);
	p->ack = p->iss + 11;
	RESET(p);
	return 0;
}

/* Options with bad lengths: counted, parsing stops, the segment is still
 * processed (its data echoed), and nothing crashes. */
static int
test_bad_options(void)
{
	static const struct {
		uint8_t len;
		uint8_t o[8];
	} bad[] = {
		{ 4, { 8, 0, 0, 0 } },         /* length 0 */
		{ 4, { 2, 1, 0, 0 } },         /* length 1 */
		{ 8, { 8, 12, 0, 0, 0, 0, 0, 0 } }, /* beyond the header */
		{ 4, { 1, 1, 1, 3 } },         /* a kind with no length byte */
		{ 4, { 5, 200, 0, 0 } },       /* SACK far beyond */
	};
	struct peer pp, *p = &pp;
	unsigned int i, off = 0;

	HANDSHAKE(p, P_ECHO, 40210, 20000);
	for (i = 0; i < RTE_DIM(bad); i++) {
		uint8_t o[20], d[8];
		unsigned int n = ts_opts(o, ++p->tsval, gw_ts()), k;

		memcpy(o + n, bad[i].o, bad[i].len);
		for (k = 0; k < 8; k++)
			d[k] = pbyte(off + k);
		inject_raw(p, ACK | PSH, p->seq, p->ack, p->wnd, o, n + bad[i].len, d, 8, false, 0);
		p->seq += 8;
		OUT(1);
		SEG(0, ACK | PSH, p->iss + 1 + off, p->seq, 8);
		SL_CHECK(data_is(0, off, 8) == 0);
		SL_CHECK_EQ(out[0].tsecr, p->tsval); /* the timestamp before was kept */
		EXPECT(.rx_segments = 1, .rx_conn = 1, .rx_bad_options = 1, .bytes_in = 8,
				.bytes_out = 8, .segs_out = 1);
		off += 8;
	}
	p->ack = p->iss + 1 + off;
	RESET(p);
	return 0;
}

/* A bad checksum or header: counted and dropped, nothing sent. */
static int
test_bad_checksum(void)
{
	struct peer pp, *p = &pp;
	uint8_t o[12], d[10] = "0123456789";
	unsigned int n;

	HANDSHAKE(p, P_ECHO, 40220, 21000);
	n = ts_opts(o, ++p->tsval, gw_ts());
	inject_raw(p, ACK | PSH, p->seq, p->ack, p->wnd, o, n, d, 10, true, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_bad_cksum = 1);
	/* data offset below 5 words, and beyond the segment */
	inject_raw(p, ACK | PSH, p->seq, p->ack, p->wnd, o, n, d, 10, false, 0x40);
	inject_raw(p, ACK | PSH, p->seq, p->ack, p->wnd, o, n, d, 10, false, 0xf0);
	OUT(0);
	EXPECT(.rx_segments = 2, .rx_bad_header = 2);
	SL_CHECK_EQ(conn_of(p)->rcv_nxt, p->seq);
	/* to a port nobody listens on: RST|ACK for a SYN, RST for an ACK */
	{
		struct peer q = *p;

		advance_ms(10);
		q.lport = 4444;
		inject_raw(&q, SYN, 555, 0, PEER_WND, NULL, 0, NULL, 0, false, 0);
		OUT(1);
		SL_CHECK(seg_ok(&out[0], &(struct peer){ .lport = 4444, .rport = q.rport }, RST | ACK,
				0, 0, 556, 0, __LINE__) == 0);
		inject_raw(&q, ACK, 555, 99999, PEER_WND, NULL, 0, d, 10, false, 0);
		OUT(1);
		SL_CHECK(seg_ok(&out[0], &(struct peer){ .lport = 4444, .rport = q.rport }, RST,
				0, 99999, 0, 0, __LINE__) == 0);
		/* and never for an RST */
		inject_raw(&q, RST, 555, 0, 0, NULL, 0, NULL, 0, false, 0);
		OUT(0);
		EXPECT(.rx_segments = 3, .rx_no_conn = 3, .rst_sent = 2, .segs_out = 2);
	}
	RESET(p);
	return 0;
}


#define CASES(X) X(fin_passive) X(active_close) X(simultaneous_close) X(time_wait_reuse) X(syncookies) X(paws) X(bad_options) X(bad_checksum)
TCP_TEST_MAIN("tcp_close", 16, sweep, CASES)
