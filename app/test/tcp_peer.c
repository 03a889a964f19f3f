/* SPDX-License-Identifier: BSD-3-Clause */
/* test/tcp_peer: the TCP state-machine tests' peer and checks; see tcp_peer.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mempool.h>

#include "sl_clock.h"
#include "sl_counters.h"
#include "sl_net.h"
#include "sl_test_frame.h"
#include "sl_test_stack.h"
#include "tcp_peer.h"

const struct rte_ether_addr peer_mac = { .addr_bytes = { 0x02, 0, 0, 0, 0x18, 0x02 } };

static struct sl_test_stack stack;
struct sl_lcore *wlc;
const struct sl_port *p0, *p1;
uint64_t tnow;

/* ---- time ---- */

/* Move the clock on by us microseconds and run the timers due. */
unsigned int
advance_us(uint64_t us)
{
	tnow += sl_clock_from_us(us);
	return sl_test_clock_set(wlc, tnow);
}

unsigned int
advance_ms(uint64_t ms)
{
	return advance_us(ms * 1000);
}

/* The TSval the stack sends now (milliseconds of its clock). */
uint32_t
gw_ts(void)
{
	return (uint32_t)sl_clock_to_ms(tnow);
}

/* ---- counters ---- */

struct sl_tcp_stats snap;

void
snap_take(void)
{
	snap = wlc->tcp.stats;
}

/* Every counter moved by exactly `want` since the last check; then re-snap. */
int
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

/* ---- what the stack sent ---- */

struct oseg out[64];

void
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

static uint32_t
sum16(const uint8_t *p, unsigned int len, uint32_t sum)
{
	unsigned int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Parse a frame the stack sent (flat, len bytes); checks every header and
 * both checksums. */
static int
parse_frame(const uint8_t *f, unsigned int frame_len, struct oseg *o)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	const uint8_t *opt;
	unsigned int doff, ip_len, tcp_len, i;
	uint8_t pseudo[12];

	memset(o, 0, sizeof(*o));
	o->wscale = -1;
	if (frame_len > sizeof(struct rte_ether_hdr) + 20 + 60 + sizeof(o->data) ||
			frame_len < sizeof(*eth) + 40) {
		fprintf(stderr, "frame of %u bytes\n", frame_len);
		return -1;
	}
	eth = (const struct rte_ether_hdr *)f;
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (!rte_is_same_ether_addr(&eth->dst_addr, &peer_mac) ||
			!rte_is_same_ether_addr(&eth->src_addr, &p0->mac) ||
			eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		fprintf(stderr, "bad Ethernet header\n");
		return -1;
	}
	ip_len = rte_be_to_cpu_16(ip->total_length);
	if (ip->version_ihl != 0x45 || ip_len != frame_len - sizeof(*eth) ||
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
			o->tsval = sl_test_get32(opt + i + 2);
			o->tsecr = sl_test_get32(opt + i + 6);
		} else if (kind == 5 && len >= 10 && (len - 2) % 8 == 0 && (len - 2) / 8 <= 4) {
			unsigned int b;

			o->n_sack = (len - 2) / 8u;
			for (b = 0; b < o->n_sack; b++) {
				o->sack[b][0] = sl_test_get32(opt + i + 2 + 8 * b);
				o->sack[b][1] = sl_test_get32(opt + i + 6 + 8 * b);
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

/* The stack sent frame f: parse it into out[] (or spoil the count). */
static void
take_frame(const uint8_t *f, unsigned int len)
{
	if (n_out < RTE_DIM(out) && parse_frame(f, len, &out[n_out]) == 0)
		n_out++;
	else
		n_out = 1000; /* make the count check fail */
}

static void
set_cksum(uint8_t *field, uint32_t sum)
{
	sl_test_put16(field, (uint16_t)~fold(sum));
}

/*
 * Do what a NIC does with the offloads the stack asked of it (f, len: the
 * frame of m): checks that the header lengths and the pseudo-header sum it
 * was handed are right, cuts a TSO frame into segments of tso_segsz (PSH and
 * FIN on the last only, IP id counting up), fills in both checksums, and
 * takes each resulting frame.
 */
static void
nic_offload(const struct rte_mbuf *m, uint8_t *f, unsigned int len)
{
	static uint8_t seg[2048 + 128];
	const unsigned int l3 = RTE_ETHER_HDR_LEN;
	const unsigned int doff = (f[l3 + 20 + 12] >> 4) * 4u;
	const unsigned int hdrs = l3 + 20 + doff;
	bool tso = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
	unsigned int size = tso ? m->tso_segsz : len - hdrs;
	uint32_t seq = sl_test_get32(f + l3 + 20 + 4);
	uint16_t id = sl_test_get16(f + l3 + 4);
	unsigned int off = 0;
	uint8_t pseudo[12];

	memcpy(pseudo, f + l3 + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = pseudo[11] = 0;
	if (m->l2_len != l3 || m->l3_len != 20 || m->l4_len != doff || (tso && size == 0) ||
			hdrs + size > sizeof(seg) ||
			!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) ||
			(m->ol_flags & RTE_MBUF_F_TX_L4_MASK) != RTE_MBUF_F_TX_TCP_CKSUM) {
		fprintf(stderr, "offload asked with bad lengths or flags\n");
		n_out = 1000;
		return;
	}
	if (!tso) { /* the pseudo-header sum covers the TCP length */
		pseudo[10] = (uint8_t)((len - l3 - 20) >> 8);
		pseudo[11] = (uint8_t)(len - l3 - 20);
	}
	if (fold(sum16(pseudo, 12, 0)) != sl_test_get16(f + l3 + 20 + 16)) {
		fprintf(stderr, "pseudo-header sum not in the checksum field\n");
		n_out = 1000;
		return;
	}
	do {
		unsigned int n = RTE_MIN(size, len - hdrs - off), tcp_len = doff + n;
		bool last = off + n == len - hdrs;

		memcpy(seg, f, hdrs);
		memcpy(seg + hdrs, f + hdrs + off, n);
		sl_test_put16(seg + l3 + 2, (uint16_t)(20 + tcp_len));
		sl_test_put16(seg + l3 + 4, id++);
		seg[l3 + 10] = seg[l3 + 11] = 0;
		set_cksum(seg + l3 + 10, sum16(seg + l3, 20, 0));
		sl_test_put32(seg + l3 + 20 + 4, seq + off);
		if (!last)
			seg[l3 + 20 + 13] &= (uint8_t)~(RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
		pseudo[10] = (uint8_t)(tcp_len >> 8);
		pseudo[11] = (uint8_t)tcp_len;
		seg[l3 + 20 + 16] = seg[l3 + 20 + 17] = 0;
		set_cksum(seg + l3 + 20 + 16, sum16(seg + l3 + 20, tcp_len, sum16(pseudo, 12, 0)));
		take_frame(seg, hdrs + n);
		off += n;
	} while (off < len - hdrs);
}

/* Collect and parse every frame worker 0 sent (or buffered); frees them. */
unsigned int
take_output(void)
{
	struct rte_mbuf *pkts[SL_PORT_BURST * 4];
	unsigned int n, i;

	n = sl_test_port_take(wlc, p1, pkts, RTE_DIM(pkts));
	for (i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(pkts)); i++)
		rte_pktmbuf_free(pkts[i]);
	if (n != 0)
		fprintf(stderr, "%u unexpected frames on %s\n", n, p1->name);
	n = sl_test_port_take(wlc, p0, pkts, RTE_DIM(pkts));
	if (n > RTE_DIM(pkts))
		fprintf(stderr, "%u frames sent: more than the test takes\n", n);
	n = RTE_MIN(n, (unsigned int)RTE_DIM(pkts));
	n_out = 0;
	for (i = 0; i < n; i++) {
		static uint8_t buf[UINT16_MAX + RTE_ETHER_HDR_LEN];
		uint8_t *f = (uint8_t *)(uintptr_t)rte_pktmbuf_read(pkts[i], 0, pkts[i]->pkt_len, buf);

		if (f != buf) {
			memcpy(buf, f, pkts[i]->pkt_len);
			f = buf;
		}
		if (pkts[i]->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK)
			nic_offload(pkts[i], f, pkts[i]->pkt_len);
		else
			take_frame(f, pkts[i]->pkt_len);
		rte_pktmbuf_free(pkts[i]);
	}
	return n_out;
}

/* Exactly `want` segments were sent (dumped otherwise). */
int
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

/* ---- the peer ---- */

/* Byte `off` of a stream (the peer's, or the echo of it). */
uint8_t
pbyte(uint32_t off)
{
	return (uint8_t)(off * 13 + 5 + (off >> 9));
}

struct tcp_key
key_of(const struct peer *p)
{
	return (struct tcp_key){ .laddr = LADDR, .raddr = RADDR,
		.lport = rte_cpu_to_be_16(p->lport), .rport = rte_cpu_to_be_16(p->rport) };
}

struct tcp_conn *
conn_of(const struct peer *p)
{
	struct tcp_key k = key_of(p);

	return tcp_conn_lookup(wlc, &k);
}

/* Build a frame from the peer and hand it to net (the full input path). */
void
inject_raw(const struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		const uint8_t *opt, unsigned int opt_len, const uint8_t *data, unsigned int len,
		bool bad_cksum, uint8_t doff_override)
{
	unsigned int olen = (opt_len + 3) & ~3u;
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + olen + len);
	uint16_t total = (uint16_t)(sizeof(struct rte_ipv4_hdr) + tcp_len);
	struct rte_mbuf *m = sl_test_frame((uint16_t)(sizeof(struct rte_ether_hdr) + total));
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *o;
	static uint16_t id;

	sl_test_eth(eth, &p0->mac, &peer_mac, RTE_ETHER_TYPE_IPV4);
	sl_test_ipv4(ip, RADDR, LADDR, 64, IPPROTO_TCP, total, id++, RTE_IPV4_HDR_DF_FLAG);
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
	sl_net_input(wlc, p0, &m, 1);
}

/* Options: NOP NOP TS, then `extra`. */
unsigned int
ts_opts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1, o[1] = 1, o[2] = 8, o[3] = 10;
	sl_test_put32(o + 4, val);
	sl_test_put32(o + 8, ecr);
	return 12;
}

/* A segment from the peer at `seq` with the peer's ack, window and (if in
 * use) a fresh timestamp echoing the gateway's clock. */
void
inject_seq(struct peer *p, uint8_t flags, uint32_t seq, const uint8_t *data, unsigned int len)
{
	uint8_t o[40];
	unsigned int n = 0;

	if (p->ts)
		n = ts_opts(o, ++p->tsval, gw_ts());
	inject_raw(p, flags, seq, p->ack, p->wnd, o, n, data, len, false, 0);
}

/* The peer's stream bytes [off, off + len) at their sequence numbers. */
void
inject_data(struct peer *p, uint8_t flags, uint32_t off, unsigned int len)
{
	static uint8_t d[2048];
	unsigned int i;

	for (i = 0; i < len; i++)
		d[i] = pbyte(off + i);
	inject_seq(p, flags, p->isn + 1 + off, d, len);
}

/* A pure ACK from the peer acknowledging `ack`. */
void
inject_ack(struct peer *p, uint32_t ack)
{
	p->ack = ack;
	inject_seq(p, ACK, p->seq, NULL, 0);
}

/* One segment with SACK blocks (pairs of absolute sequence numbers). */
void
inject_sack(struct peer *p, uint32_t ack, const uint32_t (*blk)[2], unsigned int nb)
{
	uint8_t o[40];
	unsigned int n = 0, i;

	if (p->ts)
		n = ts_opts(o, ++p->tsval, gw_ts());
	o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = (uint8_t)(2 + 8 * nb);
	for (i = 0; i < nb; i++, n += 8) {
		sl_test_put32(o + n, blk[i][0]);
		sl_test_put32(o + n + 4, blk[i][1]);
	}
	p->ack = ack;
	inject_raw(p, ACK, p->seq, ack, p->wnd, o, n, NULL, 0, false, 0);
}

/* Check one segment sent; `any` lists flags whose value does not matter. */
int
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

/* Does segment i carry bytes [off, off + len) of the echoed stream? */
int
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
int
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

int
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

/* A new peer at lport:rport sends a SYN with Linux's options (MSS,
 * SACK-permitted, TS, WS); nothing checked. */
void
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
	sl_test_put32(o + 8, p->tsval);
	inject_raw(p, SYN, p->seq, 0, PEER_WND, o, sizeof(o), NULL, 0, false, 0);
	p->seq++;
}

/*
 * Three-way handshake from peer_syn; checks the SYN-ACK and the counters.
 * The peer's stream starts at isn + 1.
 */
int
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

/* An exact RST from the peer: the connection is gone, nothing is sent. */
int
reset_conn(struct peer *p)
{
	snap_take();
	inject_raw(p, RST, p->seq, 0, 0, NULL, 0, NULL, 0, false, 0);
	OUT(0);
	EXPECT(.rx_segments = 1, .rx_conn = 1, .rst_rcvd = 1, .closed = 1);
	GONE();
	return 0;
}

uint32_t
rto_ms(const struct peer *p)
{
	return conn_of(p)->rto_us / 1000;
}

/* Abort what an earlier (failed) case left, so that its timers do not send
 * into the next case; drain what was sent. */
void
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

/* Every segment ended in one leaf counter, as spelled out here and as the
 * registry's marks say; nothing is left open. */
static int
test_invariants(void)
{
	const struct sl_tcp_stats *t = &wlc->tcp.stats;
	const struct sl_counter_block *b;
	char why[160];
	unsigned int k;

	SL_CHECK(t->rx_segments > 0);
	SL_CHECK_EQ(t->rx_segments, t->rx_bad_header + t->rx_bad_cksum + t->rx_no_conn +
			t->rx_listen + t->rx_conn + t->rx_handoff + t->rx_handoff_full);
	for (k = 0; (b = sl_counters_block(k)) != NULL; k++)
		if (b->global == NULL && b->lcore_offset == offsetof(struct sl_lcore, tcp.stats) &&
				sl_counters_check_partitions(b, (const uint64_t *)t, why,
					sizeof(why)) < 0) {
			fprintf(stderr, "%s\n", why);
			return -1;
		}
	SL_CHECK_EQ(wlc->tcp.gauges.open, 0);
	SL_CHECK_EQ(wlc->tcp.gauges.time_wait, 0);
	return 0;
}

/* ---- set-up ---- */

/* The configuration the cases are written for (the constants above). */
static const char conf_fmt[] =
	"ports = { mbufs = 2047; mbuf_cache = 32; "
	SL_TEST_PORTS_CONF("", "") " };"
	"net = { ip_forward = false; icmp_errors = false; "
	"  arp = { reachable_ms = 3600000; retrans_ms = 100; probes = 2; gratuitous = false; };"
	"  frag = { reassemble = false; }; };"
	"tcp = {"
	"  listeners = ( { address = \"198.18.0.1\"; port = 7; service = \"echo\"; backlog = 4; },"
	"    { address = \"198.18.0.1\"; port = 9; service = \"discard\"; backlog = 4; },"
	"    { address = \"198.18.0.1\"; port = 19; service = \"source\"; backlog = 4; } );"
	"  max_conns = 128; rcvbuf = 131072; sndbuf = 262144;"
	"  rto_initial_ms = 1000; rto_min_ms = 200; rto_max_ms = 60000; retries = 3;"
	"  syn_retries = 3; delack_ms = 40; time_wait_ms = 1000; time_wait_max = %u;"
	"  rst_per_s = 1000; };";

/* Resolve the peer: its ARP request teaches us its MAC; drain our reply. */
static int
resolve_peer(void)
{
	static const struct rte_ether_addr zero, bcast = { .addr_bytes = { 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff } };
	struct rte_mbuf *m = sl_test_arp(&bcast, &peer_mac, RTE_ARP_OP_REQUEST, RADDR, &zero,
			LADDR, 18);
	struct rte_mbuf *reply[8];
	unsigned int n, i;

	sl_net_input(wlc, p0, &m, 1);
	if (sl_net_mgmt_poll() == 0)
		return -1;
	sl_net_worker_poll(wlc);
	n = sl_test_port_take(wlc, p0, reply, RTE_DIM(reply));
	for (i = 0; i < RTE_MIN(n, (unsigned int)RTE_DIM(reply)); i++)
		rte_pktmbuf_free(reply[i]);
	return n == 1 ? 0 : -1;
}

static int
setup(unsigned int time_wait_max)
{
	char conf[sizeof(conf_fmt) + 16];

	snprintf(conf, sizeof(conf), conf_fmt, time_wait_max);
	if (sl_test_stack_start(SL_TEST_TCP, conf, &stack) < 0)
		return -1;
	wlc = stack.lc;
	p0 = stack.front;
	p1 = stack.back;
	if (resolve_peer() < 0) {
		fprintf(stderr, "cannot resolve the peer\n");
		return -1;
	}
	/* The fake clock starts a second after the real one (and the wheel). */
	tnow = rte_rdtsc() + rte_get_tsc_hz();
	advance_ms(0);
	return 0;
}

/* Abort what a failed case left behind, drain, and count the objects. */
static int
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
	if (sl_test_pools_full("after the cases") < 0)
		rc = -1;
	return rc;
}

int
tcp_test_main(const char *suite, const struct sl_test_case *cases, unsigned int n_cases,
		unsigned int time_wait_max)
{
	int rc;

	if (sl_test_eal_init(suite, false) < 0)
		return 1;
	if (setup(time_wait_max) < 0) {
		fprintf(stderr, "set-up failed\n");
		sl_test_eal_cleanup();
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
	if (sl_test_stack_stop(&stack) < 0)
		rc = 1;
	sl_test_eal_cleanup();
	return rc;
}
