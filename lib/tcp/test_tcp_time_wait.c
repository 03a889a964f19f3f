/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * White-box tests of TIME_WAIT against the connection-object limit (e32e63e):
 * the per-worker cap min(time_wait_max, max_conns / (2 * workers)), the
 * recycling of the oldest TIME_WAIT entry when no object is left (passive
 * and active opens), its limits, and a flow table with extendable buckets.
 * (the peer: app/test/tcp_peer.h; max_conns 128, one worker; time_wait_max
 * 1000, above max_conns / 2 = 64: the object share, not time_wait_max, caps.)
 */
#include <rte_errno.h>
#include <rte_hash.h>

#include "sl_test_frame.h"
#include "tcp_peer.h"

#define TW_CAP 64        /* 128 / (2 * 1 worker) */
#define N_LIVE_MAX 128
#define N_TW_MAX (TW_CAP + 2)

static struct peer live[N_LIVE_MAX], tw[N_TW_MAX];

static unsigned int app_closes;
static enum sl_tcp_close_reason app_why;

static void
app_closed(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	RTE_SET_USED(c);
	app_closes++;
	app_why = why;
}

static const struct sl_tcp_ops app_ops = { .closed = app_closed };

static uint32_t
objects_in_use(void)
{
	return (uint32_t)rte_mempool_in_use_count(tcp_conn_pool);
}

/* An echo connection that stays ESTABLISHED: a live connection. */
static int
make_live(struct peer *p, uint16_t rport)
{
	HANDSHAKE(p, P_ECHO, rport, 1000000u + rport * 7u);
	return 0;
}

/*
 * A connection we closed first, taken to TIME_WAIT by the peer's ACK and
 * FIN; `recycled` TIME_WAIT entries (0 or 1) are recycled as it enters.
 */
static int
make_time_wait(struct peer *p, uint16_t rport, uint64_t recycled)
{
	static const uint8_t req[3] = { '1', '0', '\n' };

	HANDSHAKE(p, P_SOURCE, rport, 2000000u + rport * 11u);
	inject_seq(p, ACK | PSH, p->seq, req, 3);
	p->seq += 3;
	OUT(2);
	SEG(0, ACK | PSH, p->iss + 1, p->seq, 10);
	SEG(1, ACK | FIN, p->iss + 11, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .bytes_in = 3, .bytes_out = 10, .segs_out = 2);
	inject_ack(p, p->iss + 12);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1);
	STATE(TCP_FIN_WAIT_2);
	inject_seq(p, ACK | FIN, p->seq, NULL, 0);
	p->seq++;
	OUT(1);
	SEG(0, ACK, p->iss + 12, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .time_wait = 1, .segs_out = 1,
			.time_wait_recycled = recycled, .closed = recycled);
	STATE(TCP_TIME_WAIT);
	SL_CHECK(conn_of(p)->ops == NULL);
	return 0;
}

#define LIVE(p, rport) SL_CHECK(make_live((p), (rport)) == 0)
#define TIME_WAIT(p, rport, recycled) SL_CHECK(make_time_wait((p), (rport), (recycled)) == 0)

/* The TIME_WAIT FIFO, oldest first, is exactly tw[first .. first + n). */
static int
fifo_is(unsigned int first, unsigned int n, int line)
{
	const struct tcp_conn *c = wlc->tcp.tw_oldest;
	unsigned int i;

	for (i = 0; i < n; i++, c = c->tw_next)
		if (c == NULL || c != conn_of(&tw[first + i]) || c->state != TCP_TIME_WAIT) {
			fprintf(stderr, "line %d: TIME_WAIT entry %u is not tw[%u] (port %u)\n",
					line, i, first + i, tw[first + i].rport);
			return -1;
		}
	if (c != NULL || wlc->tcp.tw_newest != (n ? conn_of(&tw[first + n - 1]) : NULL) ||
			wlc->tcp.gauges.time_wait != n) {
		fprintf(stderr, "line %d: %" PRIu64 " TIME_WAIT entries, want %u\n", line,
				wlc->tcp.gauges.time_wait, n);
		return -1;
	}
	return 0;
}

#define FIFO(first, n) SL_CHECK(fifo_is((first), (n), __LINE__) == 0)

/* Close every live connection (exact RSTs) and let the TIME_WAIT entries
 * tw[first .. first + n_tw) expire; nothing is left. */
static int
clean_up(unsigned int n_live, unsigned int first, unsigned int n_tw)
{
	unsigned int i;

	for (i = 0; i < n_live; i++)
		RESET(&live[i]);
	snap_take();
	advance_ms(TIME_WAIT_MS + 1);
	OUT(0);
	EXPECT(.closed = n_tw);
	for (i = 0; i < n_tw; i++)
		SL_CHECK(conn_of(&tw[first + i]) == NULL);
	SL_CHECK_EQ(wlc->tcp.gauges.open, 0);
	SL_CHECK_EQ(wlc->tcp.gauges.time_wait, 0);
	SL_CHECK(wlc->tcp.tw_oldest == NULL && wlc->tcp.tw_newest == NULL);
	SL_CHECK_EQ(objects_in_use(), 0);
	return 0;
}

#define CLEAN_UP(n_live, first, n_tw) SL_CHECK(clean_up((n_live), (first), (n_tw)) == 0)

/*
 * (a) time_wait_max (1000) above max_conns / (2 * workers) (64): the table
 * holds 64 entries; the 65th and 66th each recycle the oldest, in order.
 */
static int
test_cap(void)
{
	unsigned int i;

	SL_CHECK_EQ(sl_tcp_conf.time_wait_max, 1000);
	SL_CHECK_EQ(tcp_time_wait_cap, TW_CAP);
	/* 64 entries within 640 ms of fake time: none expires (TIME_WAIT_MS 1000) */
	for (i = 0; i < TW_CAP; i++)
		TIME_WAIT(&tw[i], (uint16_t)(30000 + i), 0);
	FIFO(0, TW_CAP);
	SL_CHECK_EQ(objects_in_use(), TW_CAP);
	/* the 65th: tw[0], the oldest, goes */
	TIME_WAIT(&tw[TW_CAP], 30000 + TW_CAP, 1);
	SL_CHECK(conn_of(&tw[0]) == NULL);
	FIFO(1, TW_CAP);
	/* the 66th: tw[1] */
	TIME_WAIT(&tw[TW_CAP + 1], 30000 + TW_CAP + 1, 1);
	SL_CHECK(conn_of(&tw[1]) == NULL);
	FIFO(2, TW_CAP);
	SL_CHECK_EQ(wlc->tcp.gauges.open, TW_CAP);
	SL_CHECK_EQ(objects_in_use(), TW_CAP);
	CLEAN_UP(0, 2, TW_CAP);
	return 0;
}

/* 120 live connections and 8 TIME_WAIT entries: all 128 objects in use. */
#define FULL_LIVE 120
#define FULL_TW 8

static int
fill_pool(void)
{
	unsigned int i;

	for (i = 0; i < FULL_LIVE; i++)
		LIVE(&live[i], (uint16_t)(20000 + i));
	for (i = 0; i < FULL_TW; i++)
		TIME_WAIT(&tw[i], (uint16_t)(30000 + i), 0);
	FIFO(0, FULL_TW);
	SL_CHECK_EQ(objects_in_use(), FULL_LIVE + FULL_TW);
	SL_CHECK_EQ(rte_mempool_avail_count(tcp_conn_pool), 0);
	SL_CHECK_EQ(wlc->tcp.gauges.open, FULL_LIVE + FULL_TW);
	return 0;
}

#define FILL_POOL() SL_CHECK(fill_pool() == 0)

/*
 * (b) passive: no object left, a SYN still gets its SYN-ACK: the oldest
 * TIME_WAIT (tw[0]) is recycled, the next ones stay; the connection
 * establishes. A second SYN recycles tw[1].
 */
static int
test_exhausted_passive(void)
{
	struct peer pp, *p = &pp, qq, *q = &qq;

	FILL_POOL();
	advance_ms(10);
	snap_take();
	peer_syn(p, P_ECHO, 40000, 7000000);
	OUT(1);
	p->iss = out[0].seq;
	p->ack = p->iss + 1;
	SEG(0, SYN | ACK, p->iss, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .segs_out = 1,
			.time_wait_recycled = 1, .closed = 1);
	STATE(TCP_SYN_RECEIVED);
	SL_CHECK(conn_of(&tw[0]) == NULL);
	FIFO(1, FULL_TW - 1);
	SL_CHECK_EQ(objects_in_use(), FULL_LIVE + FULL_TW);
	p->ts = true;
	inject_seq(p, ACK, p->seq, NULL, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .accepted = 1);
	STATE(TCP_ESTABLISHED);
	/* again: the next oldest */
	peer_syn(q, P_DISCARD, 40001, 7100000);
	OUT(1);
	SL_CHECK(seg_ok(&out[0], q, SYN | ACK, 0, out[0].seq, q->seq, 0, __LINE__) == 0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .segs_out = 1,
			.time_wait_recycled = 1, .closed = 1);
	SL_CHECK(state_is(q, TCP_SYN_RECEIVED, __LINE__) == 0);
	SL_CHECK(conn_of(&tw[1]) == NULL);
	FIFO(2, FULL_TW - 2);
	SL_CHECK_EQ(wlc->tcp.gauges.open, FULL_LIVE + FULL_TW);
	RESET(p);
	inject_raw(q, RST, q->seq, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
	SL_CHECK(conn_of(q) == NULL);
	SL_CHECK_EQ(wlc->tcp.half_open[0] + wlc->tcp.half_open[1], 0);
	CLEAN_UP(FULL_LIVE, 2, FULL_TW - 2);
	return 0;
}

/*
 * (b) active: no object left, sl_tcp_connect still opens (its SYN goes
 * out) by recycling the oldest TIME_WAIT (tw[0]).
 */
static int
test_exhausted_active(void)
{
	struct sl_tcp_conn *sc;
	struct tcp_conn *c;

	FILL_POOL();
	snap_take();
	app_closes = 0;
	sc = sl_tcp_connect(wlc, 0, RADDR, RTE_BE16(8080), &app_ops, NULL);
	SL_CHECK(sc != NULL);
	c = (struct tcp_conn *)sc;
	SL_CHECK_EQ(c->state, TCP_SYN_SENT);
	OUT(1);
	SL_CHECK_EQ(out[0].flags, SYN);
	SL_CHECK_EQ(out[0].dport, 8080);
	SL_CHECK_EQ(out[0].sport, rte_be_to_cpu_16(c->key.lport));
	SL_CHECK_EQ(out[0].seq, c->iss);
	EXPECT(.connects = 1, .segs_out = 1, .time_wait_recycled = 1, .closed = 1);
	SL_CHECK(conn_of(&tw[0]) == NULL);
	FIFO(1, FULL_TW - 1);
	SL_CHECK_EQ(objects_in_use(), FULL_LIVE + FULL_TW);
	SL_CHECK_EQ(app_closes, 0);
	sl_tcp_abort(sc); /* SYN_SENT: no RST */
	OUT(0);
	EXPECT(.closed = 1);
	SL_CHECK_EQ(app_closes, 1);
	SL_CHECK_EQ(app_why, SL_TCP_ABORTED);
	SL_CHECK_EQ(objects_in_use(), FULL_LIVE + FULL_TW - 1);
	CLEAN_UP(FULL_LIVE, 1, FULL_TW - 1);
	return 0;
}

/*
 * (b) no object and no TIME_WAIT entry: a SYN is dropped (no SYN-ACK, no
 * cookie), sl_tcp_connect fails with ENOBUFS; conn_alloc_fail counts each,
 * nothing else changes, nothing leaks.
 */
static int
test_exhausted_no_time_wait(void)
{
	struct peer pp, *p = &pp;
	unsigned int i;

	for (i = 0; i < N_LIVE_MAX; i++)
		LIVE(&live[i], (uint16_t)(20000 + i));
	SL_CHECK_EQ(objects_in_use(), N_LIVE_MAX);
	FIFO(0, 0);
	snap_take();
	peer_syn(p, P_ECHO, 40010, 7200000);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .listen_drops = 1,
			.conn_alloc_fail = 1);
	GONE();
	SL_CHECK_EQ(wlc->tcp.half_open[0], 0);
	rte_errno = 0;
	SL_CHECK(sl_tcp_connect(wlc, 0, RADDR, RTE_BE16(8080), &app_ops, NULL) == NULL);
	SL_CHECK_EQ(rte_errno, ENOBUFS);
	OUT(0);
	EXPECT(.connects = 1, .connect_failed = 1, .conn_alloc_fail = 1);
	SL_CHECK_EQ(wlc->tcp.gauges.open, N_LIVE_MAX);
	SL_CHECK_EQ(objects_in_use(), N_LIVE_MAX);
	/* the peer retransmits its SYN: still dropped, still counted */
	peer_syn(p, P_ECHO, 40010, 7200000);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .listen_drops = 1,
			.conn_alloc_fail = 1);
	/* one object back: the SYN now gets its SYN-ACK, nothing recycled */
	RESET(&live[N_LIVE_MAX - 1]);
	peer_syn(p, P_ECHO, 40010, 7200000);
	OUT(1);
	p->iss = out[0].seq;
	SEG(0, SYN | ACK, p->iss, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .segs_out = 1);
	inject_raw(p, RST, p->seq, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
	GONE();
	CLEAN_UP(N_LIVE_MAX - 1, 0, 0);
	return 0;
}

/*
 * (b) the oldest TIME_WAIT entry is kept while the application still has it
 * (ops: it has data to read) or while it is inside an event: then the new
 * connection fails like with no TIME_WAIT at all; once released, it is
 * recycled.
 */
static int
test_exhausted_guarded(void)
{
	struct peer pp, *p = &pp;
	struct tcp_conn *oldest;

	FILL_POOL();
	oldest = conn_of(&tw[0]);
	oldest->ops = &app_ops;
	app_closes = 0;
	snap_take();
	peer_syn(p, P_ECHO, 40020, 7300000);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .listen_drops = 1,
			.conn_alloc_fail = 1);
	GONE();
	SL_CHECK(sl_tcp_connect(wlc, 0, RADDR, RTE_BE16(8080), &app_ops, NULL) == NULL);
	SL_CHECK_EQ(rte_errno, ENOBUFS);
	OUT(0);
	EXPECT(.connects = 1, .connect_failed = 1, .conn_alloc_fail = 1);
	SL_CHECK_EQ(app_closes, 0);
	FIFO(0, FULL_TW);
	oldest->ops = NULL;
	oldest->flags |= TCP_F_IN_EVENT;
	peer_syn(p, P_ECHO, 40020, 7300000);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .listen_drops = 1,
			.conn_alloc_fail = 1);
	GONE();
	FIFO(0, FULL_TW);
	oldest->flags &= ~TCP_F_IN_EVENT;
	/* released: the same SYN recycles it */
	peer_syn(p, P_ECHO, 40020, 7300000);
	OUT(1);
	p->iss = out[0].seq;
	SEG(0, SYN | ACK, p->iss, p->seq, 0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .segs_out = 1,
			.time_wait_recycled = 1, .closed = 1);
	SL_CHECK(conn_of(&tw[0]) == NULL);
	FIFO(1, FULL_TW - 1);
	inject_raw(p, RST, p->seq, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
	CLEAN_UP(FULL_LIVE, 1, FULL_TW - 1);
	return 0;
}

/*
 * The flow table takes keys whose two cuckoo buckets are full. DPDK 22.11's
 * layout: primary bucket hash & mask, secondary (primary ^ (hash >> 16)) &
 * mask, 8 keys a bucket, rte_align32pow2(entries) / 8 buckets. 24 keys with
 * the same two buckets: without the extendable table the 17th is refused
 * (-ENOSPC) however empty the rest of the table is.
 */
#define SAME_BUCKETS 24

static int
test_flow_table_ext(void)
{
	/* 8-byte aligned, as the stack's keys: rte_hash_crc loads 8 bytes at a time */
	static struct {
		struct tcp_key k;
	} __rte_aligned(8) keys[SAME_BUCKETS];
	uint32_t entries = (uint32_t)RTE_MAX(sl_tcp_conf.max_conns, 1024); /* as init_worker */
	uint32_t mask = rte_align32pow2(entries) / 8 - 1, want = 0, h;
	unsigned int n = 0, added = 0, x, port;
	struct tcp_key k __rte_aligned(8);
	void *data;
	int rc = 0, r;

	SL_CHECK_EQ(rte_hash_count(wlc->tcp.conns), 0);
	for (x = 1; x < 255 && n < SAME_BUCKETS; x++)
		for (port = 1; port < 65536 && n < SAME_BUCKETS; port++) {
			k = (struct tcp_key){ .laddr = LADDR, .raddr = SL_TEST_IP(203, 0, 113, x),
				.lport = RTE_BE16(P_ECHO),
				.rport = rte_cpu_to_be_16((uint16_t)port) };
			h = rte_hash_hash(wlc->tcp.conns, &k);
			h = (h & mask) | ((h >> 16) & mask) << 16;
			if (n == 0)
				want = h;
			if (h == want)
				keys[n++].k = k;
		}
	SL_CHECK_EQ(n, SAME_BUCKETS);
	for (x = 0; x < n; x++) {
		r = rte_hash_add_key_data(wlc->tcp.conns, &keys[x].k, &keys[x]);
		if (r < 0) {
			fprintf(stderr, "key %u of %u in the same buckets refused: %d\n", x + 1, n, r);
			rc = -1;
			break;
		}
		added++;
	}
	for (x = 0; x < added; x++)
		if (rte_hash_lookup_data(wlc->tcp.conns, &keys[x].k, &data) < 0 || data != &keys[x]) {
			fprintf(stderr, "key %u not found\n", x + 1);
			rc = -1;
		}
	for (x = 0; x < added; x++)
		rte_hash_del_key(wlc->tcp.conns, &keys[x].k);
	SL_CHECK_EQ(rte_hash_count(wlc->tcp.conns), 0);
	return rc;
}

/* What a failed case left (up to all 128 objects, more than sweep() takes):
 * aborted; its TIME_WAIT entries go too. */
static void
sweep_all(void)
{
	unsigned int pass;

	for (pass = 0; pass < 4 && rte_hash_count(wlc->tcp.conns) > 0; pass++)
		sweep();
}

#define CASES(X) X(cap) X(exhausted_passive) X(exhausted_active) X(exhausted_no_time_wait) \
	X(exhausted_guarded) X(flow_table_ext)
TCP_TEST_MAIN("tcp_time_wait", 1000, sweep_all, CASES)
