/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * White-box tests of loss recovery with SACK (tcp_recovery.c): a lost
 * retransmission is sent again as soon as data sent after it is SACKed
 * (RFC 8985 6.2), not after an RTO; a tail loss is probed for after two
 * round trips (RFC 8985 7) and the probe's SACK starts recovery; in
 * recovery, proportional rate reduction (RFC 6937) paces what is sent by
 * what is delivered. The source service (port 19) sends; the peer is
 * app/test/tcp_peer.h's.
 */
#include <rte_ethdev.h>

#include "sl_port.h"
#include "sl_test_frame.h"
#include "tcp_peer.h"

#define M MSS_TS
#define PTO_MIN_MS 10

/* Ask the source service for `bytes`; returns how many data segments it
 * sent at once (a whole first window), all full, from s. */
static unsigned int
request(struct peer *p, unsigned int bytes)
{
	char req[16];
	int n = snprintf(req, sizeof(req), "%u\n", bytes);
	unsigned int i, got, segs = 0;

	inject_seq(p, ACK | PSH, p->seq, (const uint8_t *)req, (unsigned int)n);
	p->seq += (uint32_t)n;
	got = RTE_MIN(take_output(), (unsigned int)RTE_DIM(out)); /* 1000: unparsable */
	for (i = 0; i < got; i++)
		if (out[i].len == M && out[i].seq == p->iss + 1 + segs * M &&
				source_data_is(i, (uint64_t)segs * M, M) == 0)
			segs++;
	return segs;
}

/* A connection to the source service that has sent its first window, ten
 * full segments of the `bytes` asked for. */
static int
first_window(struct peer *p, uint16_t rport, uint32_t isn, unsigned int bytes)
{
	HANDSHAKE(p, P_SOURCE, rport, isn);
	SL_CHECK_EQ(request(p, bytes), 10);
	return 0;
}

/* Was data at `seq` among the n segments just taken? */
static bool
sent_seq(uint32_t seq, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (out[i].seq == seq && out[i].len != 0)
			return true;
	return false;
}

static uint64_t
delta(uint64_t now, uint64_t then)
{
	return now - then;
}

/*
 * A segment is lost, and so is its fast retransmission; the peer goes on
 * SACKing everything else. With no reordering seen, the first SACK of data
 * sent after that retransmission shows it lost, and it goes again at once
 * (RFC 8985 6.2, reordering window zero in recovery) — no RTO. Once a
 * D-SACK has shown reordering on the path, more than two such segments
 * must be SACKed first.
 */
static int
lost_retransmission(uint16_t rport, uint32_t isn, bool reordered)
{
	struct peer pp, *p = &pp;
	uint32_t s, base, fence, blk[1][2];
	unsigned int n, round;
	bool again = false;

	SL_CHECK(first_window(p, rport, isn, 200 * M) == 0);
	s = p->iss + 1;
	base = s;
	if (reordered) {
		/* segment 0 acknowledged, and reported twice: a D-SACK */
		blk[0][0] = s;
		blk[0][1] = s + M;
		inject_sack(p, s + M, blk, 1);
		take_output();
		SL_CHECK(conn_of(p)->flags & TCP_F_REORDERED);
		base = s + M;
	}
	snap_take();
	/* the three segments after `base` SACKed: recovery, `base` resent */
	blk[0][0] = base + M;
	blk[0][1] = base + 4 * M;
	inject_sack(p, base, blk, 1);
	n = take_output();
	SL_CHECK(sent_seq(base, n));
	SL_CHECK(conn_of(p)->flags & TCP_F_IN_RECOVERY);
	fence = conn_of(p)->rxt_fence;
	SL_CHECK_EQ(delta(wlc->tcp.stats.recoveries, snap.recoveries), 1);
	/* that retransmission is lost: SACK one more segment at a time, all
	 * that was sent but `base` */
	for (round = 0; round < 40 && !again; round++) {
		blk[0][1] = RTE_MIN(blk[0][1] + M, conn_of(p)->snd_max);
		inject_sack(p, base, blk, 1);
		n = take_output();
		again = sent_seq(base, n);
	}
	SL_CHECK(again);
	SL_CHECK_EQ(blk[0][1] - fence, (reordered ? 3 : 1) * M);
	SL_CHECK_EQ(delta(wlc->tcp.stats.lost_retransmits, snap.lost_retransmits), 1);
	SL_CHECK_EQ(delta(wlc->tcp.stats.rto, snap.rto), 0);
	SL_CHECK_EQ(delta(wlc->tcp.stats.recoveries, snap.recoveries), 1);
	snap_take();
	RESET(p);
	return 0;
}

static int
test_lost_retransmission(void)
{
	return lost_retransmission(42010, 62000, false);
}

static int
test_lost_retransmission_reordered(void)
{
	return lost_retransmission(42011, 62500, true);
}

/*
 * The last two segments and the FIN are lost. After two round trips (at
 * least 10 ms) the last segment goes again as a probe; its SACK shows the
 * hole, and recovery resends it — all well before the RTO (200 ms).
 */
static int
test_tail_loss_probe(void)
{
	struct peer pp, *p = &pp;
	uint32_t s, blk[1][2];
	unsigned int n;

	SL_CHECK(first_window(p, 42020, 63000, 10 * M) == 0);
	s = p->iss + 1;
	SL_CHECK(conn_of(p)->flags & TCP_F_FIN_SENT);
	inject_ack(p, s + 8 * M);
	OUT(0);
	snap_take();
	SL_CHECK(conn_of(p)->flags & TCP_F_PTO);
	advance_ms(PTO_MIN_MS - 1);
	OUT(0);
	advance_ms(2);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s + 9 * M, p->seq, M);
	SL_CHECK(source_data_is(0, 9 * M, M) == 0);
	EXPECT(.tlp_probes = 1, .retransmits = 1, .segs_out = 1);
	/* the probe got there: SACKed, the hole below it resent */
	blk[0][0] = s + 9 * M;
	blk[0][1] = s + 10 * M;
	inject_sack(p, s + 8 * M, blk, 1);
	n = take_output();
	SL_CHECK(n >= 1);
	SEG_ANY(0, ACK, PSH, s + 8 * M, p->seq, M);
	SL_CHECK(source_data_is(0, 8 * M, M) == 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .tlp_recoveries = 1, .recoveries = 1,
			.fast_retransmits = 1, .retransmits = n, .segs_out = n);
	/* then the FIN (the RTO, the hole above all SACKs has no evidence) */
	inject_ack(p, s + 10 * M);
	advance_ms(RTO_MIN_MS + 1);
	n = take_output();
	SL_CHECK(n >= 1);
	SEG_ANY(n - 1, ACK | FIN, PSH, s + 10 * M, p->seq, 0);
	inject_ack(p, s + 10 * M + 1);
	STATE(TCP_FIN_WAIT_2);
	snap_take();
	RESET(p);
	return 0;
}

/*
 * RFC 6937: recovery entered with twenty segments out and three SACKed, a
 * pipe of seventeen against CUBIC's ssthresh of fourteen. While the pipe is
 * above ssthresh, what goes out follows what the peer reports delivered,
 * times 14/20, in whole segments (as Linux counts): sending goes on from
 * the ACK that started recovery (setting cwnd to ssthresh at once would
 * send nothing until three more were delivered, and then one per ACK).
 * Once the pipe is down to ssthresh it is held there.
 * At the end of recovery cwnd is ssthresh.
 */
static int
test_proportional_rate_reduction(void)
{
	struct peer pp, *p = &pp;
	const struct tcp_conn *c;
	uint32_t s, blk[1][2];
	unsigned int i, k;

	SL_CHECK(first_window(p, 42030, 64000, 400 * M) == 0);
	s = p->iss + 1;
	c = conn_of(p);
	/* slow start: one ACK per segment, twenty out after ten */
	for (i = 1; i <= 10; i++) {
		inject_ack(p, s + i * M);
		take_output();
	}
	s += 10 * M;
	SL_CHECK_EQ(c->snd_una, s);
	SL_CHECK_EQ(c->snd_max - c->snd_una, 20 * M);
	blk[0][0] = s + M;
	blk[0][1] = s + 4 * M;
	inject_sack(p, s, blk, 1);
	take_output();
	SL_CHECK(c->flags & TCP_F_IN_RECOVERY);
	SL_CHECK_EQ(c->recover_fs, 20 * M);
	SL_CHECK_EQ(c->cc.ssthresh, 14 * M);
	/* the three SACKed count as delivered: ceil(3 x 14/20) = 3 segments,
	 * the fast retransmission and two new ones */
	SL_CHECK_EQ(c->prr_delivered, 3 * M);
	SL_CHECK_EQ(c->prr_out, 3 * M);
	SL_CHECK_EQ(tcp_recovery_pipe(c), 19 * M);
	for (k = 4; k <= 19; k++) {
		bool above = tcp_recovery_pipe(c) > c->cc.ssthresh;

		blk[0][1] += M;
		inject_sack(p, s, blk, 1);
		take_output();
		SL_CHECK_EQ(c->prr_delivered, k * M);
		if (above)
			SL_CHECK(c->prr_out <= (k * 14 + 19) / 20 * M);
		else
			SL_CHECK_EQ(tcp_recovery_pipe(c), c->cc.ssthresh);
	}
	/* the retransmission arrives: everything sent is acknowledged */
	inject_ack(p, c->snd_max);
	take_output();
	SL_CHECK(!(c->flags & TCP_F_IN_RECOVERY));
	SL_CHECK_EQ(c->cc.cwnd, c->cc.ssthresh);
	snap_take();
	RESET(p);
	return 0;
}

/*
 * An RTO keeps the scoreboard (the first time): what is sent again after it
 * skips what the peer SACKed. Segments 0 and 1 lost, 2-4 SACKed, the fast
 * retransmission of 0 and what followed lost too: the RTO resends 0; once
 * it is acknowledged, 1 goes again, then 5 — not 2, 3 and 4. A second RTO
 * in a row clears the scoreboard, in case the peer reneged.
 */
static int
test_rto_keeps_scoreboard(void)
{
	struct peer pp, *p = &pp;
	const struct tcp_conn *c;
	uint32_t s, blk[1][2];
	unsigned int n, i;

	SL_CHECK(first_window(p, 42040, 65000, 200 * M) == 0);
	s = p->iss + 1;
	c = conn_of(p);
	blk[0][0] = s + 2 * M;
	blk[0][1] = s + 5 * M;
	inject_sack(p, s, blk, 1);
	n = take_output();
	SL_CHECK(sent_seq(s, n));
	SL_CHECK(c->flags & TCP_F_IN_RECOVERY);
	snap_take();
	/* silence: the RTO resends segment 0 alone, the scoreboard kept */
	advance_ms(rto_ms(p) + 1);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s, p->seq, M);
	SL_CHECK(source_data_is(0, 0, M) == 0);
	SL_CHECK(!(c->flags & TCP_F_IN_RECOVERY));
	SL_CHECK_EQ(c->sacked.n, 1);
	EXPECT(.rto = 1, .retransmits = 1, .segs_out = 1);
	/* it arrives: slow start from one segment sends 1 again, then 5 */
	inject_sack(p, s + M, blk, 1);
	n = take_output();
	SL_CHECK_EQ(n, 2);
	for (i = 0; i < n; i++)
		SL_CHECK(out[i].seq != s + 2 * M && out[i].seq != s + 3 * M &&
				out[i].seq != s + 4 * M);
	SL_CHECK(sent_seq(s + M, n));
	SL_CHECK(sent_seq(s + 5 * M, n));
	/* two RTOs in a row: the second forgets what was SACKed */
	advance_ms(rto_ms(p) + 1);
	take_output();
	SL_CHECK_EQ(c->sacked.n, 1);
	advance_ms((rto_ms(p) << 1) + 1);
	take_output();
	SL_CHECK_EQ(c->sacked.n, 0);
	snap_take();
	RESET(p);
	return 0;
}

/*
 * In recovery the ACK clock stops: the fast retransmission went, and the
 * one ACK that would have said everything arrived is lost. After a probe
 * timeout (2 SRTT, at least 10 ms), not the RTO (200 ms), the first hole
 * goes again; the answer (a D-SACK and the cumulative ACK) ends recovery.
 */
static int
test_recovery_probe(void)
{
	struct peer pp, *p = &pp;
	const struct tcp_conn *c;
	uint32_t s, blk[1][2];
	unsigned int n;

	SL_CHECK(first_window(p, 42050, 66000, 200 * M) == 0);
	s = p->iss + 1;
	c = conn_of(p);
	/* an ACK of new data: an RTT measured, more sent */
	inject_ack(p, s + M);
	take_output();
	SL_CHECK(c->srtt_us != 0);
	s += M;
	blk[0][0] = s + M;
	blk[0][1] = s + 4 * M;
	inject_sack(p, s, blk, 1);
	n = take_output();
	SL_CHECK(sent_seq(s, n));
	SL_CHECK(c->flags & TCP_F_IN_RECOVERY);
	snap_take();
	/* silence */
	advance_ms(PTO_MIN_MS - 1);
	OUT(0);
	advance_ms(2);
	OUT(1);
	SEG_ANY(0, ACK, PSH, s, p->seq, M);
	SL_CHECK(source_data_is(0, M, M) == 0);
	EXPECT(.recovery_probes = 1, .retransmits = 1, .segs_out = 1);
	/* the answer: everything sent had arrived */
	inject_ack(p, c->snd_max);
	take_output();
	SL_CHECK(!(c->flags & TCP_F_IN_RECOVERY));
	SL_CHECK(!(c->flags & TCP_F_TLP_OUT));
	SL_CHECK_EQ(wlc->tcp.stats.rto, snap.rto);
	snap_take();
	RESET(p);
	return 0;
}

/*
 * The port cuts segments and sums them itself (TSO, checksum offload): the
 * first window goes as one send, which the port (tcp_peer's NIC) cuts into
 * the same ten segments, and recovery from a lost retransmission goes as
 * it goes without.
 */
static int
tso_cases(void)
{
	struct peer pp, *p = &pp;

	snap_take();
	SL_CHECK(first_window(p, 42030, 64000, 200 * M) == 0);
	SL_CHECK_EQ(delta(wlc->tcp.stats.tso_sends, snap.tso_sends), 1);
	RESET(p);
	return lost_retransmission(42031, 64500, false);
}

static int
test_tso(void)
{
	const uint64_t offloads = RTE_ETH_TX_OFFLOAD_TCP_TSO | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	struct sl_port *port = (struct sl_port *)(uintptr_t)p0; /* white-box */
	int rc;

	port->tx_offloads |= offloads;
	rc = tso_cases();
	port->tx_offloads &= ~offloads;
	return rc;
}

#define CASES(X) X(lost_retransmission) X(lost_retransmission_reordered) X(tail_loss_probe) X(proportional_rate_reduction) \
	X(rto_keeps_scoreboard) X(recovery_probe) X(tso)
TCP_TEST_MAIN("tcp_recovery", 16, sweep, CASES)
