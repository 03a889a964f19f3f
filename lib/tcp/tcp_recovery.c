/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/recovery: what the sender does when segments are lost, with SACK.
 *
 * - Loss is detected by SACK (RFC 6675: more than two segments' worth
 *   SACKed above a hole) or by three duplicate ACKs, and recovered hole by
 *   hole from the scoreboard.
 * - During recovery, proportional rate reduction (RFC 6937, with the
 *   slow-start reduction bound) paces what is sent by what the peer reports
 *   delivered, so that the window comes down to ssthresh smoothly, and back
 *   up to it when losses took more than the reduction.
 * - In recovery a hole below SACKed data is lost, and a retransmission that
 *   is lost again is found as RACK finds it (RFC 8985 6.2): data sent after
 *   it has been delivered while its hole is still open. Both with RACK's
 *   reordering window at zero until a D-SACK shows reordering on the path.
 * - A tail loss, with no later data to report it, is probed for after two
 *   round trips (RFC 8985 7, TLP): one segment, new if there is one, else
 *   the last sent again, so that SACK can start recovery instead of the
 *   RTO. A probe timeout that finds SACKed data above a hole starts
 *   recovery itself (what RACK's reordering timer would have done), and one
 *   in recovery resends the first hole (the ACK clock stopped).
 *
 * This is RACK's logic on the scoreboard and one fence per recovery, not
 * with a transmit time per segment. Without SACK the stack keeps NewReno
 * (RFC 6582) in tcp_input.c.
 */
#include "tcp_priv.h"

#define DUPTHRESH 3
#define PTO_MIN_US 10000u   /* as Linux: the clock of a peer's ACKs is coarse */

static uint32_t
flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* RFC 6675 IsLost: more than (DupThresh - 1) segments SACKed above. */
static uint32_t
dupthresh_bytes(const struct tcp_conn *c)
{
	return (DUPTHRESH - 1) * (uint32_t)c->mss;
}

/*
 * SACKed bytes above a hole beyond which it counts as lost. In recovery
 * with no reordering seen on the path, any: RACK's reordering window is
 * zero then (RFC 8985 6.2 step 4), so a hole below delivered data that was
 * sent after it is lost. Otherwise DupThresh's.
 */
static uint32_t
lost_thresh(const struct tcp_conn *c)
{
	if ((c->flags & (TCP_F_IN_RECOVERY | TCP_F_REORDERED)) == TCP_F_IN_RECOVERY)
		return 0;
	return dupthresh_bytes(c);
}

static uint32_t
retransmitted_up_to(const struct tcp_conn *c)
{
	return SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
}

/* What to resend from SND.UNA: its hole, no further (segments need not
 * have been full, and bytes past it the peer may hold); a full segment if
 * nothing is SACKed. */
static uint32_t
first_hole_len(const struct tcp_conn *c)
{
	uint32_t start, len;

	if (!tcp_sack_board_next_hole(&c->sacked, c->snd_una, c->mss, &start, &len))
		len = c->mss;
	return len;
}

/*
 * RFC 6675 SetPipe: what is still in the network. Outstanding bytes minus
 * those SACKed, minus the holes deemed lost that were not sent again yet.
 */
uint32_t
tcp_recovery_pipe(const struct tcp_conn *c)
{
	uint32_t out = flight(c);
	uint32_t sacked = tcp_sack_board_bytes(&c->sacked);
	uint32_t lost = tcp_sack_board_lost_bytes(&c->sacked, c->snd_una,
			retransmitted_up_to(c), lost_thresh(c));

	sacked = RTE_MIN(sacked, out);
	return out - sacked - RTE_MIN(lost, out - sacked);
}

/*
 * RFC 6937: how many bytes may be sent now. Above ssthresh, in proportion
 * to what was delivered (ssthresh / RecoverFS of it); below, catch up to
 * ssthresh no faster than slow start would (what was delivered and not yet
 * matched, or this ACK's delivery, plus one segment).
 */
uint32_t
tcp_recovery_budget(const struct tcp_conn *c)
{
	uint32_t pipe = tcp_recovery_pipe(c), ssthresh = c->cc.ssthresh;
	uint64_t allowed;

	if (pipe > ssthresh) {
		if (c->recover_fs == 0)
			return 0;
		allowed = ((uint64_t)c->prr_delivered * ssthresh + c->recover_fs - 1) /
				c->recover_fs;
	} else {
		uint64_t owed = c->prr_delivered > c->prr_out ? c->prr_delivered - c->prr_out : 0;
		uint64_t limit = RTE_MAX(owed, (uint64_t)c->prr_ack_allow);

		allowed = (uint64_t)c->prr_out + RTE_MIN((uint64_t)(ssthresh - pipe), limit);
	}
	if (allowed <= c->prr_out)
		return 0;
	/* whole segments, as Linux counts PRR: never a sliver of one */
	allowed = (allowed - c->prr_out + c->mss - 1) / c->mss * c->mss;
	return (uint32_t)RTE_MIN(allowed, (uint64_t)UINT32_MAX);
}

void
tcp_recovery_sent(struct tcp_conn *c, uint32_t len)
{
	c->prr_out += len;
	c->prr_ack_allow = c->prr_ack_allow > len ? c->prr_ack_allow - len : 0;
}

/* Resend holes from the scoreboard while the budget lasts (RFC 6675 NextSeg
 * rules 1 and 3: holes below the highest SACK, lowest first). */
static void
resend_holes(struct sl_lcore *lc, struct tcp_conn *c)
{
	uint32_t start, len, from = retransmitted_up_to(c);
	unsigned int sent = 0;

	while (sent < 16 && tcp_recovery_budget(c) != 0 &&
			tcp_sack_board_next_hole(&c->sacked, from, c->mss, &start, &len)) {
		uint32_t n = tcp_retransmit(lc, c, start, len);

		if (n == 0)
			break;
		tcp_recovery_sent(c, n);
		from = start + n;
		c->high_rxt = from;
		c->rxt_fence = c->snd_max;
		c->flags |= TCP_F_RXT_FENCE;
		sent++;
	}
}

/*
 * Holes below HighRxt were all sent again before anything above rxt_fence
 * was sent. Once data above the fence is SACKed while a hole below HighRxt
 * is still open, that retransmission was lost too (RFC 8985 6.2): start
 * over from SND.UNA. RACK's reordering window is zero in recovery until
 * reordering has been seen (6.2 step 4); after a D-SACK showed it, more
 * than DupThresh - 1 segments above the fence are asked for instead.
 */
static void
detect_lost_retransmissions(struct sl_lcore *lc, struct tcp_conn *c)
{
	uint32_t start, len, above, need;

	if (!(c->flags & TCP_F_RXT_FENCE))
		return;
	above = tcp_sack_board_bytes_above(&c->sacked, c->rxt_fence);
	need = lost_thresh(c) + 1;
	if (above < need)
		return;
	c->flags &= ~TCP_F_RXT_FENCE;
	if (!tcp_sack_board_next_hole(&c->sacked, c->snd_una, c->mss, &start, &len) ||
			!SEQ_LT(start, retransmitted_up_to(c)))
		return;
	lc->tcp.stats.lost_retransmits++;
	c->high_rxt = c->snd_una;
}

/*
 * A D-SACK (RFC 2883: a first block below the cumulative ACK, or inside
 * the second) reports data that arrived twice: a retransmission that was
 * not needed, so segments do get reordered (or delayed) on this path.
 */
void
tcp_recovery_note_sack(struct tcp_conn *c, uint32_t ack, const struct tcp_opts *o)
{
	const struct tcp_sack_block *b = o->sack;

	/* after an RTO everything unacknowledged went again: duplicates are
	 * expected then, and show nothing about the path */
	if (o->n_sack == 0 || (c->flags & (TCP_F_REORDERED | TCP_F_AFTER_RTO)))
		return;
	if (!SEQ_LEQ(b[0].end, ack) && !(o->n_sack > 1 && SEQ_GEQ(b[0].start, b[1].start) &&
			SEQ_LEQ(b[0].end, b[1].end)))
		return;
	/* a probe's copy of the last segment is often one too many: the ACK
	 * that was late or lost, not the data (RFC 8985 7.4) */
	if (b[0].end == c->tlp_high_seq)
		return;
	c->flags |= TCP_F_REORDERED;
}

void
tcp_recovery_enter(struct sl_lcore *lc, struct tcp_conn *c)
{
	uint32_t n;

	c->flags |= TCP_F_IN_RECOVERY;
	c->flags &= ~(TCP_F_RTT_TIMING | TCP_F_TLP_OUT); /* Karn: no sample from resent data */
	c->recover = c->snd_max;
	c->recover_fs = flight(c);
	c->prr_delivered = 0;
	c->prr_out = 0;
	c->prr_ack_allow = 0;
	tcp_cc_on_loss(&c->cc, flight(c), tcp_now_us(lc));
	lc->tcp.stats.recoveries++;
	lc->tcp.stats.fast_retransmits++;
	/* The fast retransmission goes whatever the budget (RFC 6675 5 step 3). */
	n = tcp_retransmit(lc, c, c->snd_una, first_hole_len(c));
	tcp_recovery_sent(c, n);
	c->high_rxt = c->snd_una + n;
	c->rxt_fence = c->snd_max;
	c->flags |= TCP_F_RXT_FENCE;
}

/* The ACK of `recover` came: recovery is over (cwnd to ssthresh). */
void
tcp_recovery_exit(struct tcp_conn *c)
{
	c->flags &= ~(TCP_F_IN_RECOVERY | TCP_F_RXT_FENCE | TCP_F_REORDERED);
	tcp_cc_on_recovery_end(&c->cc);
}

/*
 * An RTO (before its back-off is counted): recovery and probes end; until
 * what it resends is acknowledged no fast recovery starts (RFC 6582 4).
 * The scoreboard is kept through a first timeout, so that what the peer
 * holds is not sent again; a second one in a row clears it, in case the
 * peer reneged (RFC 6675 5.1, RFC 2018 8). Returns how much to resend from
 * SND.UNA.
 */
uint32_t
tcp_recovery_on_rto(struct tcp_conn *c)
{
	c->flags &= ~(TCP_F_IN_RECOVERY | TCP_F_TLP_OUT | TCP_F_RXT_FENCE);
	c->flags |= TCP_F_AFTER_RTO;
	c->recover = c->snd_max;
	c->dupacks = 0;
	if (c->backoff != 0)
		tcp_sack_board_init(&c->sacked);
	return first_hole_len(c);
}

/*
 * After an ACK has been applied: `delivered` is what it reported newly
 * delivered (cumulatively or by SACK). Enter recovery, or go on with it.
 */
void
tcp_recovery_on_ack(struct sl_lcore *lc, struct tcp_conn *c, uint32_t delivered)
{
	if ((c->flags & TCP_F_AFTER_RTO) && SEQ_GEQ(c->snd_una, c->recover))
		c->flags &= ~TCP_F_AFTER_RTO;
	if ((c->flags & TCP_F_TLP_OUT) && SEQ_GEQ(c->snd_una, c->tlp_high_seq))
		c->flags &= ~TCP_F_TLP_OUT;
	if (!(c->flags & TCP_F_IN_RECOVERY)) {
		/* DupThresh (RFC 6675 5), or a probe that got through while
		 * something sent before it did not: the probe waited two round
		 * trips, so that is no reordering (RFC 8985 7.4). Not while
		 * what an RTO sent again is still being acknowledged (RFC 6582
		 * 4: not below `recover`). */
		if (flight(c) != 0 && !(c->flags & TCP_F_AFTER_RTO) && (c->dupacks >= DUPTHRESH ||
				tcp_sack_board_bytes(&c->sacked) > dupthresh_bytes(c) ||
				((c->flags & TCP_F_TLP_OUT) && c->sacked.n != 0))) {
			if (c->flags & TCP_F_TLP_OUT)
				lc->tcp.stats.tlp_recoveries++;
			tcp_recovery_enter(lc, c);
		}
		if (!(c->flags & TCP_F_IN_RECOVERY))
			return;
	}
	/* this ACK's delivery counts, the one that started recovery too */
	c->prr_delivered += delivered;
	c->prr_ack_allow = delivered + c->mss;
	detect_lost_retransmissions(lc, c);
	resend_holes(lc, c);
}

/* ---- tail-loss probes (RFC 8985 7) ---- */

/*
 * The probe timeout, 0 if none is due: only with SACK (the probe's SACK is
 * what reveals the loss), not after an RTO, with an RTT measured, before
 * any RTO backed off, and one probe at a time (in recovery: see
 * recovery_probe). With one segment out a delayed
 * ACK could look like a loss, and the RTO is as near: no probe.
 */
uint64_t
tcp_tlp_timeout_us(const struct tcp_conn *c)
{
	uint64_t pto;

	if ((c->flags & (TCP_F_SACK | TCP_F_TLP_OUT | TCP_F_AFTER_RTO)) != TCP_F_SACK ||
			c->srtt_us == 0 || c->backoff != 0 || flight(c) <= c->mss ||
			c->snd_wnd == 0 || (c->state != TCP_ESTABLISHED &&
			c->state != TCP_CLOSE_WAIT && c->state != TCP_FIN_WAIT_1 &&
			c->state != TCP_LAST_ACK))
		return 0;
	pto = RTE_MAX(2 * (uint64_t)c->srtt_us, (uint64_t)PTO_MIN_US);
	return pto < c->rto_us ? pto : 0;
}

/*
 * In recovery the ACK clock can stop with everything delivered: the one
 * cumulative ACK that says so lost, nothing sent after it to say it again
 * (seen on the loss bench: the receiver holds it all, the sender waits out
 * a 200 ms RTO). Beyond RFC 8985, which probes only outside recovery, the
 * probe timeout then resends the first hole: a receiver that has it
 * answers with where it stands (a D-SACK and the cumulative ACK), one
 * that lacks it gets it.
 */
static void
recovery_probe(struct sl_lcore *lc, struct tcp_conn *c)
{
	lc->tcp.stats.recovery_probes++;
	c->flags |= TCP_F_TLP_OUT;
	tcp_retransmit(lc, c, c->snd_una, first_hole_len(c));
	c->tlp_high_seq = c->snd_max;
	tcp_arm_rtx(lc, c, TCP_RTX_SENT);
}

/* The probe timeout fired: one segment, new data if the window has room
 * for it, else the last segment sent again; then the RTO. */
void
tcp_tlp_fire(struct sl_lcore *lc, struct tcp_conn *c)
{
	uint32_t end = c->snd_una + c->sndq_len;

	if (c->flags & TCP_F_IN_RECOVERY) {
		recovery_probe(lc, c);
		return;
	}
	/* SACKed data above a hole two round trips on: what RACK's reordering
	 * timer would have found lost long ago (RFC 8985 6.3). Recover it. */
	if (c->sacked.n != 0) {
		lc->tcp.stats.rack_timeouts++;
		tcp_recovery_enter(lc, c);
		tcp_output(lc, c);
		return;
	}
	lc->tcp.stats.tlp_probes++;
	c->flags |= TCP_F_TLP_OUT; /* before sending: no second probe is armed */
	if (SEQ_LT(c->snd_nxt, end) && c->snd_nxt - c->snd_una < c->snd_wnd) {
		uint32_t cwnd = c->cc.cwnd;

		/* one segment past cwnd, as RFC 8985 7.3 allows */
		c->cc.cwnd = c->snd_nxt - c->snd_una + c->mss;
		tcp_output(lc, c);
		c->cc.cwnd = cwnd;
	} else {
		uint32_t last = c->sndq_len > c->mss ? end - c->mss : c->snd_una;

		tcp_retransmit(lc, c, last, c->mss);
	}
	c->tlp_high_seq = c->snd_max;
	tcp_arm_rtx(lc, c, TCP_RTX_SENT);
}
