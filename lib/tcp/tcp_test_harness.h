/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/test harness: what the white-box state-machine tests share (test_tcp.c,
 * test_tcp_close.c, test_tcp_time_wait.c) — a stack driven from the main
 * lcore with injected segments.
 *
 * Real mbufs, two ring PMD ports, no hugepages; workers are not launched:
 * the test plays worker 0 (sl_net_input on its context) and the peer
 * 198.18.0.2, and reads what the stack sends from worker 0's transmit
 * buffers (and the ring, should a buffer have been flushed). Time is a fake
 * TSC: tcp_input does not read the clock, so the test sets lc->now
 * before each segment and runs the timer wheel itself (never
 * sl_tcp_worker_poll, which reads rte_rdtsc). Every case checks the exact
 * segments sent and the exact change of every TCP counter.
 */
#ifndef TCP_TEST_HARNESS_H
#define TCP_TEST_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "sl_idle.h"
#include "sl_lcore.h"
#include "sl_net.h"
#include "sl_port.h"
#include "sl_test.h"
#include "tcp_priv.h"

/* RTE_IPV4 of DPDK 22.11 shifts an int left by 24: undefined for a >= 128. */
#define IP(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		((uint32_t)(c) << 8) | (uint32_t)(d))
#define LADDR IP(198, 18, 0, 1)
#define RADDR IP(198, 18, 0, 2)

#define FIN RTE_TCP_FIN_FLAG
#define SYN RTE_TCP_SYN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG
#define ACK RTE_TCP_ACK_FLAG

#define P_ECHO 7
#define P_DISCARD 9
#define P_SOURCE 19

#define RCVBUF 131072    /* our window: scale 2, 32768 << 2 */
#define OUR_WSCALE 2
#define MSS_SYN 1460     /* 1500 - 40 */
#define MSS_TS 1448      /* with timestamps */
#define PEER_WSCALE 7
#define PEER_WND 65535   /* unscaled field the peer sends */
#define RTO_INITIAL_MS 1000
#define RTO_MIN_MS 200
#define RETRIES 3
#define DELACK_MS 40
#define TIME_WAIT_MS 1000
#define BACKLOG 4
/* tcp.time_wait_max for sl_tcp_init: a test file may define it before the
 * include (test_tcp_time_wait.c makes it exceed max_conns / 2). */
#ifndef TCP_TEST_TIME_WAIT_MAX
#define TCP_TEST_TIME_WAIT_MAX 16
#endif

static const struct rte_ether_addr peer_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0x18, 0x02 } };

static struct sl_lcore *wlc; /* worker 0's context, driven from the main lcore */
static const struct sl_port *p0, *p1;
static uint64_t tnow;        /* the fake TSC */

/* ---- time ---- */

static inline uint64_t
us_to_tsc(uint64_t us)
{
	return sl_clock_from_us(us);
}

/* Move the clock on by us microseconds and run the timers due. */
static inline unsigned int
advance_us(uint64_t us)
{
	tnow += us_to_tsc(us);
	wlc->now = tnow;
	return sl_lcore_timers_run(wlc);
}

static inline unsigned int
advance_ms(uint64_t ms)
{
	return advance_us(ms * 1000);
}

/* The TSval the stack sends now (milliseconds of its clock). */
static inline uint32_t
gw_ts(void)
{
	return (uint32_t)(tnow / (rte_get_tsc_hz() / 1000000) / 1000);
}

/* ---- counters ---- */

static struct sl_tcp_stats snap;

static inline void
snap_take(void)
{
	snap = wlc->tcp.stats;
}

/* Every counter moved by exactly `want` since the last check; then re-snap. */
static inline int
deltas_ok(const struct sl_tcp_stats *want, int line)
{
	int bad = 0;

#define CMP(name, marks, desc) \
	if (wlc->tcp.stats.name - snap.name != want->name) { \
		fprintf(stderr, "line %d: tcp %s moved by %" PRIu64 ", want %" PRIu64 "\n", \
				line, #name, wlc->tcp.stats.name - snap.name, want->name); \
		bad = 1; \
	}
	SL_TCP_COUNTERS(CMP)
#undef CMP
	snap_take();
	return bad ? -1 : 0;
}

#define EXPECT(...) SL_CHECK(deltas_ok(&(struct sl_tcp_stats){ __VA_ARGS__ }, __LINE__) == 0)
#define EXPECT_NONE() EXPECT(.rx_segments = 0)

/* ---- what the stack sent ---- */

struct oseg {
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd;
	unsigned int opt_len;
	uint16_t mss;       /* 0: absent */
	int wscale;         /* -1: absent */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
	unsigned int n_sack;
	uint32_t sack[4][2];
	uint32_t len;
	uint8_t data[2048];
};

static struct oseg out[64];

static inline void
dump_seg(const char *why, const struct oseg *o)
{
	unsigned int i;

	fprintf(stderr, "  %s: %u->%u [%s%s%s%s%s] seq %u ack %u wnd %u len %u opts %u",
			why, o->sport, o->dport, o->flags & SYN ? "S" : "", o->flags & FIN ? "F" : "",
			o->flags & RST ? "R" : "", o->flags & PSH ? "P" : "",
			o->flags & ACK ? "." : "", o->seq, o->ack, o->wnd, o->len, o->opt_len);
	if (o->mss)
		fprintf(stderr, " mss %u", o->mss);
	if (o->wscale >= 0)
		fprintf(stderr, " ws %d", o->wscale);
	if (o->sack_ok)
		fprintf(stderr, " sackOK");
	if (o->ts)
		fprintf(stderr, " ts %u/%u", o->tsval, o->tsecr);
	for (i = 0; i < o->n_sack; i++)
		fprintf(stderr, " sack %u-%u", o->sack[i][0], o->sack[i][1]);
	fprintf(stderr, "\n");
}

static inline uint32_t
sum16(const uint8_t *p, unsigned int len, uint32_t sum)
{
	unsigned int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static inline uint32_t
get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Parse a frame the stack sent; checks every header and both checksums. */
static inline int
parse_frame(struct rte_mbuf *m, struct oseg *o)
{
	static uint8_t buf[4096];
	const uint8_t *f;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	const uint8_t *opt;
	unsigned int doff, ip_len, tcp_len, i;
	uint8_t pseudo[12];

	memset(o, 0, sizeof(*o));
	o->wscale = -1;
	if (m->pkt_len > sizeof(buf) || m->pkt_len < sizeof(*eth) + 40) {
		fprintf(stderr, "frame of %u bytes\n", m->pkt_len);
		return -1;
	}
	f = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
	eth = (const struct rte_ether_hdr *)f;
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &peer_mac) ||
			!rte_is_same_ether_addr(&eth->src_addr, &p0->mac) ||
			eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		fprintf(stderr, "bad Ethernet header\n");
		return -1;
	}
	ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ip->version_ihl != 0x45 || ip_len != m->pkt_len - sizeof(*eth) ||
			ip->next_proto_id != IPPROTO_TCP || ip->src_addr != LADDR ||
			ip->dst_addr != RADDR || fold(sum16((const uint8_t *)ip, 20, 0)) != 0xffff) {
		fprintf(stderr, "bad IPv4 header\n");
		return -1;
	}
	th = (const struct rte_tcp_hdr *)(ip + 1);
	tcp_len = ip_len - 20;
	memcpy(pseudo, &ip->src_addr, 4);
	memcpy(pseudo + 4, &ip->dst_addr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = (uint8_t)(tcp_len >> 8);
	pseudo[11] = (uint8_t)tcp_len;
	if (fold(sum16((const uint8_t *)th, tcp_len, sum16(pseudo, 12, 0))) != 0xffff) {
		fprintf(stderr, "bad TCP checksum\n");
		return -1;
	}
	doff = (th->data_off >> 4) * 4u;
	if (doff < 20 || doff > tcp_len) {
		fprintf(stderr, "bad data offset\n");
		return -1;
	}
	o->sport = rte_be_to_cpu_16(th->src_port);
	o->dport = rte_be_to_cpu_16(th->dst_port);
	o->flags = th->tcp_flags;
	o->seq = rte_be_to_cpu_32(th->sent_seq);
	o->ack = rte_be_to_cpu_32(th->recv_ack);
	o->wnd = rte_be_to_cpu_16(th->rx_win);
	o->opt_len = doff - 20;
	opt = (const uint8_t *)(th + 1);
	for (i = 0; i < o->opt_len;) {
		uint8_t kind = opt[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= o->opt_len || (len = opt[i + 1]) < 2 || i + len > o->opt_len) {
			fprintf(stderr, "malformed options sent\n");
			return -1;
		}
		if (kind == 2 && len == 4)
			o->mss = (uint16_t)(opt[i + 2] << 8 | opt[i + 3]);
		else if (kind == 3 && len == 3)
			o->wscale = opt[i + 2];
		else if (kind == 4 && len == 2)
			o->sack_ok = true;
		else if (kind == 8 && len == 10) {
			o->ts = true;
			o->tsval = get_be32(opt + i + 2);
			o->tsecr = get_be32(opt + i + 6);
		} else if (kind == 5 && len >= 10 && (len - 2) % 8 == 0 && (len - 2) / 8 <= 4) {
			unsigned int b;

			o->n_sack = (len - 2) / 8u;
			for (b = 0; b < o->n_sack; b++) {
				o->sack[b][0] = get_be32(opt + i + 2 + 8 * b);
				o->sack[b][1] = get_be32(opt + i + 6 + 8 * b);
			}
		} else {
			fprintf(stderr, "unexpected option %u/%u sent\n", kind, len);
			return -1;
		}
		i += len;
	}
	o->len = tcp_len - doff;
	memcpy(o->data, (const uint8_t *)th + doff, o->len);
	return 0;
}

static unsigned int n_out;

/* Collect and parse every frame worker 0 sent (or buffered); frees them. */
static inline unsigned int
take_output(void)
{
	struct rte_mbuf *pkts[SL_PORT_BURST * 4];
	unsigned int n = 0, i, k;
	uint16_t r;

	/* Flushed already (a full buffer): on the ring, first. */
	while ((r = rte_eth_rx_burst(p0->ethdev, 0, pkts + n, (uint16_t)(RTE_DIM(pkts) - n))) > 0)
		n += r;
	for (k = 0; k < 2; k++) {
		const struct sl_port *p = k == 0 ? p0 : p1;
		struct sl_port_txbuf *b = &wlc->port.tx[p->index];

		for (i = 0; i < b->n; i++) {
			if (p != p0 || n == RTE_DIM(pkts)) {
				fprintf(stderr, "unexpected frame on %s\n", p->name);
				rte_pktmbuf_free(b->pkts[i]);
				continue;
			}
			pkts[n++] = b->pkts[i];
		}
		b->n = 0;
	}
	n_out = 0;
	for (i = 0; i < n; i++) {
		if (n_out < RTE_DIM(out) && parse_frame(pkts[i], &out[n_out]) == 0)
			n_out++;
		else
			n_out = 1000; /* make the count check fail */
		rte_pktmbuf_free(pkts[i]);
	}
	return n_out;
}

/* Exactly `want` segments were sent (dumped otherwise). */
static inline int
out_is(unsigned int want, int line)
{
	unsigned int n = take_output(), i;

	if (n == want)
		return 0;
	fprintf(stderr, "line %d: %u segments sent, want %u\n", line, n, want);
	for (i = 0; i < n && i < RTE_DIM(out); i++)
		dump_seg("sent", &out[i]);
	return -1;
}

#define OUT(n) SL_CHECK(out_is((n), __LINE__) == 0)

/* ---- the peer ---- */

/* Byte `off` of a stream (the peer's, or the echo of it). */
static inline uint8_t
pbyte(uint32_t off)
{
	return (uint8_t)(off * 13 + 5 + (off >> 9));
}

struct peer {
	uint16_t lport, rport;   /* host order */
	uint32_t isn;            /* the peer's ISN */
	uint32_t seq;            /* the peer's next sequence number */
	uint32_t iss;            /* the gateway's ISN */
	uint32_t ack;            /* what the peer acknowledges */
	uint32_t tsval;          /* the peer's clock */
	uint16_t wnd;            /* window field the peer sends */
	bool ts;                 /* timestamps negotiated */
};

static inline struct tcp_key
key_of(const struct peer *p)
{
	return (struct tcp_key){ .laddr = LADDR, .raddr = RADDR,
		.lport = rte_cpu_to_be_16(p->lport), .rport = rte_cpu_to_be_16(p->rport) };
}

static inline struct tcp_conn *
conn_of(const struct peer *p)
{
	struct tcp_key k = key_of(p);

	return tcp_conn_lookup(wlc, &k);
}

/* Build a frame from the peer and hand it to net (the full input path). */
static inline void
inject_raw(const struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		const uint8_t *opt, unsigned int opt_len, const uint8_t *data, unsigned int len,
		bool bad_cksum, uint8_t doff_override)
{
	unsigned int olen = (opt_len + 3) & ~3u;
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + olen + len);
	uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + tcp_len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *o;
	static uint16_t id;

	if (m == NULL || (eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
			(uint16_t)(sizeof(*eth) + total))) == NULL) {
		fprintf(stderr, "no mbuf for a test frame\n");
		abort();
	}
	memset(eth, 0, sizeof(*eth) + total);
	rte_ether_addr_copy(&p0->mac, &eth->dst_addr);
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(id++);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = RADDR;
	ip->dst_addr = LADDR;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(p->rport);
	th->dst_port = rte_cpu_to_be_16(p->lport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = doff_override ? doff_override : (uint8_t)(((20 + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	o = (uint8_t *)(th + 1);
	if (opt_len)
		memcpy(o, opt, opt_len);
	if (len)
		memcpy(o + olen, data, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (bad_cksum)
		th->cksum ^= 0x0101;
	wlc->now = tnow;
	sl_net_input(wlc, p0, &m, 1);
}

/* Options: NOP NOP TS, then `extra`. */
static inline unsigned int
ts_opts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
	put_be32(o + 4, val);
	put_be32(o + 8, ecr);
	return 12;
}

/* A segment from the peer at `seq` with the peer's ack, window and (if in
 * use) a fresh timestamp echoing the gateway's clock. */
static inline void
inject_seq(struct peer *p, uint8_t flags, uint32_t seq, const uint8_t *data, unsigned int len)
{
	uint8_t o[40];
	unsigned int n = 0;

	if (p->ts)
		n = ts_opts(o, ++p->tsval, gw_ts());
	inject_raw(p, flags, seq, p->ack, p->wnd, o, n, data, len, false, 0);
}

/* The peer's stream bytes [off, off + len) at their sequence numbers. */
static inline void
inject_data(struct peer *p, uint8_t flags, uint32_t off, unsigned int len)
{
	static uint8_t d[2048];
	unsigned int i;

	for (i = 0; i < len; i++)
		d[i] = pbyte(off + i);
	inject_seq(p, flags, p->isn + 1 + off, d, len);
}

/* A pure ACK from the peer acknowledging `ack`. */
static inline void
inject_ack(struct peer *p, uint32_t ack)
{
	p->ack = ack;
	inject_seq(p, ACK, p->seq, NULL, 0);
}

/* One segment with SACK blocks (pairs of absolute sequence numbers). */
static inline void
inject_sack(struct peer *p, uint32_t ack, const uint32_t (*blk)[2], unsigned int nb)
{
	uint8_t o[40];
	unsigned int n = 0, i;

	if (p->ts)
		n = ts_opts(o, ++p->tsval, gw_ts());
	o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = (uint8_t)(2 + 8 * nb);
	for (i = 0; i < nb; i++, n += 8) {
		put_be32(o + n, blk[i][0]);
		put_be32(o + n + 4, blk[i][1]);
	}
	p->ack = ack;
	inject_raw(p, ACK, p->seq, ack, p->wnd, o, n, NULL, 0, false, 0);
}

/* Check one segment sent; `any` lists flags whose value does not matter. */
static inline int
seg_ok(const struct oseg *o, const struct peer *p, uint8_t flags, uint8_t any, uint32_t seq,
		uint32_t ack, uint32_t len, int line)
{
	if (o->sport != p->lport || o->dport != p->rport || (o->flags & ~any) != (flags & ~any) ||
			o->seq != seq || (o->flags & ACK ? o->ack != ack : o->ack != 0) ||
			o->len != len || (p->ts && !(o->flags & RST) && !o->ts)) {
		fprintf(stderr, "line %d: want %u->%u flags %#x seq %u ack %u len %u%s\n", line,
				p->lport, p->rport, flags, seq, ack, len, p->ts ? " ts" : "");
		dump_seg("got", o);
		return -1;
	}
	if (o->ts && o->tsval != gw_ts()) {
		fprintf(stderr, "line %d: TSval %u, want %u\n", line, o->tsval, gw_ts());
		return -1;
	}
	return 0;
}

#define SEG(i, flags, seq, ack, len) \
	SL_CHECK(seg_ok(&out[i], p, (flags), 0, (seq), (ack), (len), __LINE__) == 0)
#define SEG_ANY(i, flags, any, seq, ack, len) \
	SL_CHECK(seg_ok(&out[i], p, (flags), (any), (seq), (ack), (len), __LINE__) == 0)

/* Does segment i carry bytes [off, off + len) of the echoed stream? */
static inline int
data_is(unsigned int i, uint32_t off, uint32_t len)
{
	uint32_t k;

	if (out[i].len != len)
		return -1;
	for (k = 0; k < len; k++)
		if (out[i].data[k] != pbyte(off + k)) {
			fprintf(stderr, "byte %u: %#x, want %#x\n", k, out[i].data[k], pbyte(off + k));
			return -1;
		}
	return 0;
}

/* Source service pattern: each 8-byte word holds its index, little endian. */
static inline int
source_data_is(unsigned int i, uint64_t off, uint32_t len)
{
	uint32_t k;

	if (out[i].len != len)
		return -1;
	for (k = 0; k < len; k++)
		if (out[i].data[k] != (uint8_t)(((off + k) / 8) >> (8 * ((off + k) % 8))))
			return -1;
	return 0;
}

static inline int
state_is(const struct peer *p, enum tcp_state s, int line)
{
	const struct tcp_conn *c = conn_of(p);

	if (c == NULL || c->state != s) {
		fprintf(stderr, "line %d: state %s, want %s\n", line,
				c == NULL ? "(none)" : tcp_state_names[c->state], tcp_state_names[s]);
		return -1;
	}
	return 0;
}

#define STATE(s) SL_CHECK(state_is(p, (s), __LINE__) == 0)
#define GONE() SL_CHECK(conn_of(p) == NULL)

/* A new peer at lport:rport sends a SYN with Linux's options (MSS,
 * SACK-permitted, TS, WS); nothing checked. */
static inline void
peer_syn(struct peer *p, uint16_t lport, uint16_t rport, uint32_t isn)
{
	uint8_t o[20] = { 2, 4, MSS_SYN >> 8, MSS_SYN & 0xff, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0,
		0, 1, 3, 3, PEER_WSCALE };

	memset(p, 0, sizeof(*p));
	p->lport = lport;
	p->rport = rport;
	p->isn = isn;
	p->seq = isn;
	p->tsval = 100000 + rport;
	p->wnd = PEER_WND;
	put_be32(o + 8, p->tsval);
	inject_raw(p, SYN, p->seq, 0, PEER_WND, o, sizeof(o), NULL, 0, false, 0);
	p->seq++;
}

/*
 * Three-way handshake from peer_syn; checks the SYN-ACK and the counters.
 * The peer's stream starts at isn + 1.
 */
static inline int
handshake(struct peer *p, uint16_t lport, uint16_t rport, uint32_t isn)
{
	const struct tcp_conn *c;

	advance_ms(10);
	snap_take();
	peer_syn(p, lport, rport, isn);
	OUT(1);
	p->iss = out[0].seq;
	p->ack = p->iss + 1;
	SEG(0, SYN | ACK, p->iss, p->seq, 0);
	/* Our options: all four, in SYN-ACK form, window unscaled (RFC 7323 2.2). */
	SL_CHECK_EQ(out[0].mss, MSS_SYN);
	SL_CHECK_EQ(out[0].wscale, OUR_WSCALE);
	SL_CHECK(out[0].sack_ok);
	SL_CHECK(out[0].ts);
	SL_CHECK_EQ(out[0].tsecr, p->tsval);
	SL_CHECK_EQ(out[0].wnd, 65535);
	SL_CHECK_EQ(out[0].n_sack, 0);
	EXPECT(.rx_segments = 1, .rx_listen = 1, .syn_rcvd = 1, .segs_out = 1);
	STATE(TCP_SYN_RECEIVED);
	p->ts = true;
	inject_seq(p, ACK, p->seq, NULL, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .accepted = 1);
	STATE(TCP_ESTABLISHED);
	c = conn_of(p);
	SL_CHECK_EQ(c->flags & (TCP_F_TS | TCP_F_SACK | TCP_F_WS), TCP_F_TS | TCP_F_SACK | TCP_F_WS);
	SL_CHECK_EQ(c->snd_wscale, PEER_WSCALE);
	SL_CHECK_EQ(c->rcv_wscale, OUR_WSCALE);
	SL_CHECK_EQ(c->mss, MSS_TS);
	SL_CHECK_EQ(c->snd_wnd, (uint32_t)PEER_WND << PEER_WSCALE);
	SL_CHECK_EQ(c->snd_una, p->iss + 1);
	SL_CHECK_EQ(c->rcv_nxt, p->isn + 1);
	return 0;
}

#define HANDSHAKE(p, lport, rport, isn) SL_CHECK(handshake((p), (lport), (rport), (isn)) == 0)

/* An exact RST from the peer: the connection is gone, nothing is sent. */
static inline int
reset_conn(struct peer *p)
{
	snap_take();
	inject_raw(p, RST, p->seq, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
	GONE();
	return 0;
}

#define RESET(p) SL_CHECK(reset_conn(p) == 0)

static inline uint32_t
rto_ms(const struct peer *p)
{
	return conn_of(p)->rto_us / 1000;
}

/* Abort what an earlier (failed) case left, so that its timers do not send
 * into the next case; drain what was sent. */
static inline void
sweep(void)
{
	struct tcp_conn *left[64];
	unsigned int n = 0, i;
	const void *key;
	void *data;
	uint32_t iter = 0;

	while (n < RTE_DIM(left) && rte_hash_iterate(wlc->tcp.conns, &key, &data, &iter) >= 0)
		left[n++] = data;
	if (n != 0)
		fprintf(stderr, "(%u connections left by the case before: aborted)\n", n);
	for (i = 0; i < n; i++)
		sl_tcp_abort((struct sl_tcp_conn *)left[i]);
	n_out = 0;
	take_output();
}

/* Every segment ended in one leaf counter. */
static inline int
test_invariants(void)
{
	const struct sl_tcp_stats *t = &wlc->tcp.stats;

	SL_CHECK(t->rx_segments > 0);
	SL_CHECK_EQ(t->rx_segments, t->rx_bad_header + t->rx_bad_cksum + t->rx_no_conn +
			t->rx_listen + t->rx_conn + t->rx_handoff + t->rx_handoff_full);
	SL_CHECK_EQ(wlc->tcp.gauges.open, 0);
	SL_CHECK_EQ(wlc->tcp.gauges.time_wait, 0);
	return 0;
}

/* ---- set-up ---- */

static inline void
set_port(struct sl_port_conf *pc, const char *name, uint32_t addr)
{
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", name);
	snprintf(pc->profile, sizeof(pc->profile), "ring");
	pc->address.addr = addr;
	pc->address.depth = 24;
	pc->mtu = 1500;
}

static inline void
set_listener(struct sl_tcp_listener_conf *l, uint16_t port, const char *service)
{
	memset(l, 0, sizeof(*l));
	l->address = LADDR;
	l->port = port;
	snprintf(l->service, sizeof(l->service), "%s", service);
	l->backlog = BACKLOG;
	l->upstream = 0;
	l->upstream_port = 0;
}

static inline int
set_mac(const struct sl_port *port, uint8_t last)
{
	struct rte_ether_addr mac = { .addr_bytes = { 0x02, 0x51, 0, 0, 0, last } };
	int rc = rte_eth_dev_default_mac_addr_set(port->ethdev, &mac);

	if (rc < 0 && rc != -ENOTSUP)
		return rc;
	((struct sl_port *)(uintptr_t)port)->mac = mac;
	return 0;
}

/* Resolve the peer: its ARP request teaches us its MAC; drain our reply. */
static inline int
resolve_peer(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sl_port_pool());
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return -1;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp) + 18);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memset(eth, 0, sizeof(*eth) + sizeof(*arp) + 18);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&peer_mac, &eth->src_addr);
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&peer_mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = RADDR;
	arp->arp_data.arp_tip = LADDR;
	sl_net_input(wlc, p0, &m, 1);
	if (sl_net_mgmt_poll() == 0)
		return -1;
	sl_net_worker_poll(wlc);
	sl_port_flush(wlc);
	{
		struct rte_mbuf *pkts[8];
		uint16_t n = rte_eth_rx_burst(p0->ethdev, 0, pkts, RTE_DIM(pkts)), i;

		for (i = 0; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		if (n != 1)
			return -1;
	}
	return 0;
}

static inline int
setup(void)
{
	int rc;

	sl_idle_conf = (struct sl_idle_conf){ .spin_polls = 1024, .pause_polls = 4096,
		.sleep_max_us = 200 };
	memset(&sl_ports_conf, 0, sizeof(sl_ports_conf));
	snprintf(sl_ports_conf.profiles_dir, sizeof(sl_ports_conf.profiles_dir),
			"%s/drivers-conf", sl_test_source_root());
	sl_ports_conf.mbufs = 2047;
	sl_ports_conf.mbuf_cache = 32;
	set_port(&sl_ports_conf.list[0], "front", LADDR);
	set_port(&sl_ports_conf.list[1], "back", IP(198, 19, 0, 1));
	sl_ports_conf.n_ports = 2;

	memset(&sl_net_conf, 0, sizeof(sl_net_conf));
	sl_net_conf.ip_forward = false;
	sl_net_conf.icmp_echo = true;
	sl_net_conf.icmp_errors = false;
	sl_net_conf.icmp_errors_per_s = 100;
	sl_net_conf.default_gateway = 0;
	sl_net_conf.n_routes = 0;
	sl_net_conf.arp = (struct sl_net_arp_conf){ .reachable_ms = 3600000, .retrans_ms = 100,
		.probes = 2, .pending_max = 4, .entries_max = 64, .gratuitous = false };
	sl_net_conf.frag = (struct sl_net_frag_conf){ .reassemble = false, .flows_max = 64,
		.timeout_ms = 1000 };
	sl_net_conf.ring_size = 1024;

	memset(&sl_tcp_conf, 0, sizeof(sl_tcp_conf));
	set_listener(&sl_tcp_conf.listeners[0], P_ECHO, "echo");
	set_listener(&sl_tcp_conf.listeners[1], P_DISCARD, "discard");
	set_listener(&sl_tcp_conf.listeners[2], P_SOURCE, "source");
	sl_tcp_conf.n_listeners = 3;
	sl_tcp_conf.max_conns = 128; /* 64 (the minimum) fails: see the report */
	sl_tcp_conf.rcvbuf = RCVBUF;
	sl_tcp_conf.sndbuf = 262144;
	sl_tcp_conf.rto_initial_ms = RTO_INITIAL_MS;
	sl_tcp_conf.rto_min_ms = RTO_MIN_MS;
	sl_tcp_conf.rto_max_ms = 60000;
	sl_tcp_conf.retries = RETRIES;
	sl_tcp_conf.syn_retries = 3;
	sl_tcp_conf.delack_ms = DELACK_MS;
	sl_tcp_conf.keepalive = (struct sl_tcp_keepalive_conf){ .enabled = false, .idle_s = 7200,
		.interval_s = 75, .probes = 9 };
	sl_tcp_conf.idle_timeout_s = 0;
	sl_tcp_conf.user_timeout_ms = 0;
	sl_tcp_conf.time_wait_ms = TIME_WAIT_MS;
	sl_tcp_conf.time_wait_max = TCP_TEST_TIME_WAIT_MAX;
	sl_tcp_conf.syncookies = true;
	sl_tcp_conf.timestamps = true;
	sl_tcp_conf.sack = true;
	sl_tcp_conf.window_scaling = true;
	snprintf(sl_tcp_conf.congestion, sizeof(sl_tcp_conf.congestion), "cubic");
	sl_tcp_conf.rst_per_s = 1000;
	sl_tcp_conf.ephemeral_min = 32768;
	sl_tcp_conf.ephemeral_max = 60999;
	sl_tcp_conf.ooo_max_bytes = 262144;

	rc = sl_lcore_setup();
	if (rc < 0 || sl_lcore_worker_count() != 1) {
		fprintf(stderr, "lcore setup: %d, %u workers\n", rc, sl_lcore_worker_count());
		return -1;
	}
	rc = sl_port_init();
	if (rc < 0) {
		fprintf(stderr, "port init: %d\n", rc);
		return -1;
	}
	rc = sl_net_init();
	if (rc < 0) {
		fprintf(stderr, "net init: %d\n", rc);
		return -1;
	}
	rc = sl_tcp_init();
	if (rc < 0) {
		fprintf(stderr, "tcp init: %d\n", rc);
		return -1;
	}
	wlc = sl_lcore_get(sl_lcore_worker_lcore(0));
	p0 = sl_port_get(0);
	p1 = sl_port_get(1);
	if (wlc == NULL || p0 == NULL || p1 == NULL || sl_port_count() != 2)
		return -1;
	if (set_mac(p0, 0x18) < 0 || set_mac(p1, 0x19) < 0)
		return -1;
	if (resolve_peer() < 0) {
		fprintf(stderr, "cannot resolve the peer\n");
		return -1;
	}
	/* The fake clock starts a second after the real one (and the wheel). */
	tnow = rte_rdtsc() + rte_get_tsc_hz();
	advance_ms(0);
	return 0;
}

/* Abort what a failed case left behind, drain, and count the mbufs. */
static inline int
teardown(void)
{
	struct tcp_conn *left[64];
	unsigned int n = 0, i;
	const void *key;
	void *data;
	uint32_t iter = 0;
	int rc = 0;

	while (n < RTE_DIM(left) && rte_hash_iterate(wlc->tcp.conns, &key, &data, &iter) >= 0)
		left[n++] = data;
	if (n != 0) {
		fprintf(stderr, "%u connections left; aborting them\n", n);
		rc = -1;
	}
	for (i = 0; i < n; i++)
		sl_tcp_abort((struct sl_tcp_conn *)left[i]);
	advance_ms(100000);
	take_output();
	if (tcp_clones_in_use() != 0) {
		fprintf(stderr, "%u clones in use\n", tcp_clones_in_use());
		rc = -1;
	}
	if (rte_mempool_in_use_count(tcp_conn_pool) != 0) {
		fprintf(stderr, "%u connection objects in use\n",
				rte_mempool_in_use_count(tcp_conn_pool));
		rc = -1;
	}
	if (rte_mempool_avail_count(sl_port_pool()) != sl_port_pool()->size) {
		fprintf(stderr, "leak: %u of %u mbufs in the pool\n",
				rte_mempool_avail_count(sl_port_pool()), sl_port_pool()->size);
		rc = -1;
	}
	return rc;
}

static inline int
tcp_test_main(int argc, char **argv, const char *suite, const struct sl_test_case *cases,
		unsigned int n_cases)
{
	char prefix[64];
	char *eal_argv[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-telemetry",
		"--lcores", "0,1", "--file-prefix", prefix, "--log-level", "lib.*:error",
		"--log-level", "sluice.*:error", NULL };
	int rc;

	RTE_SET_USED(argc);
	snprintf(prefix, sizeof(prefix), "%s_%d", suite, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "cannot init EAL\n");
		return 1;
	}
	if (setup() < 0) {
		fprintf(stderr, "set-up failed\n");
		rte_eal_cleanup();
		return 1;
	}
	rc = sl_test_run(suite, cases, n_cases);
	/* after the cases, whatever they left: the invariants, then teardown */
	if (test_invariants() != 0) {
		printf("FAIL %s.invariants\n", suite);
		rc = 1;
	}
	if (teardown() != 0) {
		printf("FAIL %s.teardown\n", suite);
		rc = 1;
	}
	sl_tcp_term();
	sl_net_term();
	if (rte_mempool_avail_count(sl_port_pool()) != sl_port_pool()->size) {
		fprintf(stderr, "leak after term: %u of %u mbufs\n",
				rte_mempool_avail_count(sl_port_pool()), sl_port_pool()->size);
		rc = 1;
	}
	sl_port_term();
	rte_eal_cleanup();
	return rc;
}

#endif /* TCP_TEST_HARNESS_H */
