/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proxy: the fake TCP peers — clients of the listener and the upstream
 * members — with correct sequence numbers: the segments they send, what
 * they make of the stack's segments (observe()), and settle(), which plays
 * worker turns and lets them answer until nothing moves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "sl_net.h"
#include "fuzz_proxy.h"

#define MEMBER_PORT 80
#define PEER_WINDOW 65535 /* no window scaling: the most a peer advertises */
#define SETTLE_MAX 512	  /* rounds of answers before it is a livelock */

#define ETH_IP_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
#define TCP_HDR_LEN sizeof(struct rte_tcp_hdr)
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)

struct peer clients[PEERS_MAX], upstreams[PEERS_MAX];
unsigned int n_clients, n_upstreams;
unsigned int refuse_rst, refuse_drop; /* next SYNs to members */
/* The receive buffer new connections start with (0xffff: they read). */
uint32_t client_cap = 0xffff, upstream_cap = 0xffff;
static uint8_t frame[ETH_IP_LEN + TCP_HDR_LEN + 8 + 2048] __rte_aligned(8);

/* ---- helpers ---- */

static void
trace_seg(const char *dir, const struct peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	uint16_t win, const uint8_t *data, uint32_t len)
{
	uint32_t i;

	fprintf(stderr, "%s %s%ld %s%s%s%s%s seq %u ack %u win %u len %u", dir,
		p == NULL     ? "?"
		: p->upstream ? "up"
			      : "client",
		p == NULL ? -1L : (long)(p - (p->upstream ? upstreams : clients)),
		flags & F(SYN) ? "S" : "", flags & F(ACK) ? "A" : "", flags & F(FIN) ? "F" : "",
		flags & F(RST) ? "R" : "", flags & F(PSH) ? "P" : "", seq, ack, win, len);
	if (data != NULL && len != 0) {
		fputs(" |", stderr);
		for (i = 0; i < len && i < 400; i++) {
			if (data[i] == '\n')
				fputs("\\n", stderr);
			else if (data[i] == '\r')
				fputs("\\r", stderr);
			else if (data[i] >= 32 && data[i] < 127)
				fputc(data[i], stderr);
			else
				fprintf(stderr, "\\x%02x", data[i]);
		}
		fputs(i < len ? "...|" : "|", stderr);
	}
	fputc('\n', stderr);
}

/* ---- segments from the peers ---- */

static uint32_t
peer_window(const struct peer *p)
{
	if (p->reading)
		return PEER_WINDOW;
	return p->rcv_cap > p->rcv_used ? p->rcv_cap - p->rcv_used : 0;
}

/* A segment from p (or, p NULL, an RST for an unknown tuple given by hand). */
static void
emit_raw(const struct sl_port *via, const struct rte_ether_addr *smac, uint32_t saddr,
	uint32_t daddr, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
	uint16_t win, bool syn_opts, const uint8_t *data, uint32_t len, bool split)
{
	uint8_t *th = frame + ETH_IP_LEN;
	uint32_t olen = syn_opts ? 4 : 0, tlen = (uint32_t)TCP_HDR_LEN + olen + len;
	uint32_t splits[2], n_splits = 0, hdr_end = (uint32_t)ETH_IP_LEN + TCP_HDR_LEN + olen;
	struct rte_mbuf *m;

	sl_test_eth_ipv4(frame, via == fz_front ? &sl_test_front_mac : &sl_test_back_mac, smac,
		saddr, daddr, IPPROTO_TCP, tlen);
	sl_test_put16(th, sport);
	sl_test_put16(th + 2, dport);
	sl_test_put32(th + 4, seq);
	sl_test_put32(th + 8, ack);
	th[12] = (uint8_t)(((TCP_HDR_LEN + olen) / 4) << 4);
	th[13] = flags;
	sl_test_put16(th + 14, win);
	sl_test_put16(th + 16, 0);
	sl_test_put16(th + 18, 0);
	if (syn_opts) { /* MSS 1460 only: no window scaling, no timestamps, no SACK */
		th[20] = 2, th[21] = 4;
		sl_test_put16(th + 22, 1460);
	}
	if (len != 0)
		memcpy(th + TCP_HDR_LEN + olen, data, len);
	*(unaligned_uint16_t *)(th + 16) = sl_test_l4_cksum(saddr, daddr, IPPROTO_TCP, th, tlen);
	if (split && len != 0) {
		splits[n_splits++] = hdr_end;
		if (len > 1)
			splits[n_splits++] = hdr_end + len / 2;
	}
	m = sl_test_frame_from(frame, ETH_IP_LEN + tlen, splits, n_splits);
	sl_net_input(fz_lc, via, &m, 1);
	oracle_assigned_all();
}

void
peer_seg(struct peer *p, uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len)
{
	if (trace)
		trace_seg("  ->", p, flags, seq, p->rcv_nxt, (uint16_t)peer_window(p), data, len);
	emit_raw(p->via, p->mac, p->addr,
		p->via == fz_front ? SL_TEST_FRONT_ADDR : SL_TEST_BACK_ADDR, p->port, p->sport, seq,
		(flags & F(ACK)) ? p->rcv_nxt : 0, flags,
		(uint16_t)peer_window(p), (flags & F(SYN)) != 0, data, len, p->split);
	p->need_ack = false;
}

void
peer_queue(struct peer *p, const uint8_t *data, uint32_t len)
{
	if (len == 0)
		return;
	if (p->out_len + len > p->out_cap) {
		uint32_t cap = RTE_MAX(p->out_cap * 2, p->out_len + len);
		uint8_t *n = realloc(p->out, cap);

		if (n == NULL)
			abort();
		p->out = n;
		p->out_cap = cap;
	}
	memcpy(p->out + p->out_len, data, len);
	p->out_len += len;
}

/* Send what the window allows, a FIN after the last byte, or an ACK owed. */
static bool
peer_output(struct peer *p)
{
	bool sent = false;

	if (p->state != P_EST)
		return false;
	for (;;) {
		uint32_t off = p->snd_nxt - p->snd_una, len;

		if (off >= p->out_len || !SEQ_LT(p->snd_nxt, p->snd_edge))
			break;
		len = RTE_MIN(p->out_len - off, p->snd_edge - p->snd_nxt);
		len = RTE_MIN(len, (uint32_t)p->mss);
		len = RTE_MIN(len, (uint32_t)(sizeof(frame) - ETH_IP_LEN - TCP_HDR_LEN - 8));
		peer_seg(p, p->snd_nxt, F(ACK) | F(PSH), p->out + off, len);
		p->snd_nxt += len;
		sent = true;
	}
	if (p->fin_pending && !p->fin_sent && p->snd_nxt - p->snd_una == p->out_len) {
		peer_seg(p, p->snd_nxt, F(ACK) | F(FIN), NULL, 0);
		p->snd_nxt++;
		p->fin_sent = true;
		sent = true;
	}
	if (p->need_ack) {
		peer_seg(p, p->snd_nxt, F(ACK), NULL, 0);
		sent = true;
	}
	return sent;
}

/*
 * Data waits for the window. With bytes not ACKed yet, a delayed ACK may be
 * holding it back: send the last byte again to get an ACK now. With
 * everything ACKed, the window is closed: probe it with the next byte (RFC
 * 9293 3.8.6.1), again after every step of a clock jump (peers_timeout()).
 */
static bool
peer_poke(struct peer *p)
{
	uint32_t off = p->snd_nxt - p->snd_una;

	if (p->state != P_EST || p->poked || off >= p->out_len || SEQ_LT(p->snd_nxt, p->snd_edge))
		return false;
	p->poked = true;
	if (off > 0) {
		peer_seg(p, p->snd_nxt - 1, F(ACK), p->out + off - 1, 1);
	} else {
		peer_seg(p, p->snd_nxt, F(ACK), p->out, 1);
		p->snd_nxt++;
	}
	return true;
}

/* Time passed: the peers' retransmission and persist timers. What is not
 * ACKed is sent again (go-back-N), closed windows are probed again. */
void
peers_timeout(void)
{
	unsigned int i;

	for (i = 0; i < 2 * PEERS_MAX; i++) {
		struct peer *p = i < PEERS_MAX ? &clients[i] : &upstreams[i - PEERS_MAX];

		if (p->state != P_EST)
			continue;
		p->poked = false;
		if (p->snd_nxt != p->snd_una) {
			if (p->fin_sent && !p->fin_acked)
				p->fin_sent = false;
			p->snd_nxt = p->snd_una;
		}
	}
}

void
peer_reset(struct peer *p)
{
	if (p->state == P_EST || p->state == P_SYN_RCVD)
		peer_seg(p, p->snd_nxt, F(RST), NULL, 0);
	p->state = P_CLOSED;
}

/* ---- segments from the stack ---- */

static struct peer *
find_peer(struct peer *arr, unsigned int n, uint32_t addr, uint16_t port, uint16_t sport)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (arr[i].state != P_FREE && arr[i].addr == addr && arr[i].port == port &&
			arr[i].sport == sport)
			return &arr[i];
	return NULL;
}

static uint16_t
syn_mss(const uint8_t *opt, uint32_t olen)
{
	uint32_t i = 0;

	while (i < olen) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= olen || opt[i + 1] < 2)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4 && i + 4 <= olen)
			return sl_test_get16(opt + i + 2);
		i += opt[i + 1];
	}
	return 536;
}

/* A SYN to a member: a new upstream connection, answered or refused. */
static void
upstream_syn(uint32_t addr, uint16_t port, uint16_t sport, uint32_t seq, uint16_t mss)
{
	struct peer *p;

	if (refuse_rst > 0) {
		refuse_rst--;
		if (trace)
			fprintf(stderr, "  -> RST refusing the SYN\n");
		emit_raw(fz_back, addr == FZ_HOST_B ? &fz_host_b_mac : &fz_host_c_mac, addr,
			SL_TEST_BACK_ADDR, port, sport, 0, seq + 1, F(RST) | F(ACK), 0, false, NULL,
			0, false);
		return;
	}
	if (n_upstreams == PEERS_MAX) { /* nobody home: let it time out */
		if (trace)
			fprintf(stderr, "  (no upstream slot left: SYN ignored)\n");
		return;
	}
	p = &upstreams[n_upstreams++];
	memset(p, 0, sizeof(*p));
	p->upstream = true;
	p->addr = addr;
	p->port = port;
	p->sport = sport;
	p->via = fz_back;
	p->mac = addr == FZ_HOST_B ? &fz_host_b_mac : &fz_host_c_mac;
	p->iss = 0x7ffff000u + (uint32_t)(n_upstreams << 20);
	p->snd_una = p->snd_nxt = p->iss;
	p->rcv_nxt = seq + 1;
	p->mss = mss;
	p->reading = upstream_cap == 0xffff;
	p->rcv_cap = upstream_cap;
	oracle_init(p, n_upstreams - 1);
	oracle_assigned(p);
	if (refuse_drop > 0) {
		refuse_drop--;
		p->state = P_SILENT;
		return;
	}
	p->state = P_SYN_RCVD;
	p->need_synack = true;
}

static void
observe(uint16_t port_index, const struct rte_mbuf *m)
{
	uint8_t buf[ETH_IP_LEN + 60 + 2048];
	const uint8_t *pkt, *th, *data;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, doff, total, len, seq, ack, caplen;
	uint16_t sport, dport, win;
	uint8_t flags;
	struct peer *p;

	if (m->pkt_len < ETH_IP_LEN + TCP_HDR_LEN)
		return;
	caplen = RTE_MIN(m->pkt_len, (uint32_t)sizeof(buf));
	pkt = rte_pktmbuf_read(m, 0, caplen, buf);
	if (sl_test_get16(pkt + 12) != RTE_ETHER_TYPE_IPV4)
		return;
	ip = (const struct rte_ipv4_hdr *)(pkt + RTE_ETHER_HDR_LEN);
	if (ip->next_proto_id != IPPROTO_TCP)
		return;
	ihl = rte_ipv4_hdr_len(ip);
	total = rte_be_to_cpu_16(ip->total_length);
	th = (const uint8_t *)ip + ihl;
	doff = (th[12] >> 4) * 4u;
	if (RTE_ETHER_HDR_LEN + ihl + doff > caplen || total < ihl + doff)
		return;
	len = total - ihl - doff;
	data = th + doff;
	if (RTE_ETHER_HDR_LEN + ihl + doff + len > caplen)
		data = NULL; /* too long to show: only the trace uses it */
	sport = sl_test_get16(th);
	dport = sl_test_get16(th + 2);
	seq = sl_test_get32(th + 4);
	ack = sl_test_get32(th + 8);
	flags = th[13];
	win = sl_test_get16(th + 14);

	if (port_index == 0)
		p = find_peer(clients, n_clients, ip->dst_addr, dport, sport);
	else
		p = find_peer(upstreams, n_upstreams, ip->dst_addr, dport, sport);
	if (trace)
		trace_seg("<-  ", p, flags, seq, ack, win, data, len);
	if (p == NULL || p->state == P_CLOSED || p->state == P_FREE) {
		if (port_index == 1 && (flags & (F(SYN) | F(ACK) | F(RST))) == F(SYN) &&
			(ip->dst_addr == FZ_HOST_B || ip->dst_addr == FZ_HOST_C) &&
			dport == MEMBER_PORT && p == NULL) {
			upstream_syn(ip->dst_addr, dport, sport, seq, syn_mss(th + 20, doff - 20));
			return;
		}
		if (flags & F(RST))
			return;
		/* A host that does not know the connection answers RST. */
		if (trace)
			fprintf(stderr, "  -> RST for an unknown connection\n");
		if (flags & F(ACK))
			emit_raw(port_index == 0 ? fz_front : fz_back,
				port_index == 0		    ? &fz_host_a_mac
				: ip->dst_addr == FZ_HOST_B ? &fz_host_b_mac
							    : &fz_host_c_mac,
				ip->dst_addr, ip->src_addr, dport, sport, ack, 0, F(RST), 0, false,
				NULL, 0, false);
		else
			emit_raw(port_index == 0 ? fz_front : fz_back,
				port_index == 0		    ? &fz_host_a_mac
				: ip->dst_addr == FZ_HOST_B ? &fz_host_b_mac
							    : &fz_host_c_mac,
				ip->dst_addr, ip->src_addr, dport, sport, 0,
				seq + len + !!(flags & F(SYN)) + !!(flags & F(FIN)),
				F(RST) | F(ACK), 0, false, NULL, 0, false);
		return;
	}
	if (p->state == P_SILENT)
		return;
	if (flags & F(RST)) {
		p->state = P_CLOSED;
		return;
	}
	if (flags & F(SYN)) {
		if (p->upstream) {
			if (!(flags & F(ACK)) && p->state == P_SYN_RCVD)
				p->need_synack = true; /* retransmitted SYN */
			return;
		}
		if (!(flags & F(ACK)))
			return;
		if (p->state == P_SYN_SENT && ack == p->iss + 1) {
			p->rcv_nxt = seq + 1;
			p->snd_una = p->snd_nxt = ack;
			p->snd_edge = ack + win;
			p->mss = syn_mss(th + 20, doff - 20);
			p->state = P_EST;
		}
		p->need_ack = true;
		return;
	}
	if (!(flags & F(ACK)))
		return;
	if (p->state == P_SYN_RCVD) {
		if (ack != p->iss + 1)
			return;
		p->snd_una = p->snd_nxt = ack;
		p->snd_edge = ack + win;
		p->state = P_EST;
	}
	if (p->state != P_EST)
		return;
	/* ACK */
	if (SEQ_GT(ack, p->snd_una) && SEQ_LEQ(ack, p->snd_nxt)) {
		uint32_t acked = ack - p->snd_una;

		if (p->fin_sent && ack == p->snd_nxt) {
			p->fin_acked = true;
			acked--; /* the FIN */
		}
		acked = RTE_MIN(acked, p->out_len);
		if (acked != 0)
			memmove(p->out, p->out + acked, p->out_len - acked);
		p->out_len -= acked;
		p->snd_una = ack;
		p->poked = false;
	}
	if (SEQ_LEQ(p->snd_una, ack) && SEQ_LEQ(ack, p->snd_nxt)) {
		if (SEQ_GT(ack + win, p->snd_edge))
			p->poked = false;
		p->snd_edge = ack + win;
	}
	/* data and FIN */
	if (len != 0 || (flags & F(FIN)) || seq != p->rcv_nxt)
		p->need_ack = true;
	if (len != 0 && SEQ_LEQ(seq, p->rcv_nxt) && SEQ_GT(seq + len, p->rcv_nxt)) {
		uint32_t fresh = seq + len - p->rcv_nxt, room = peer_window(p);

		if (p->fin_rcvd)
			fresh = 0;
		fresh = RTE_MIN(fresh, room);
		if (data != NULL)
			oracle_in(p, data + (p->rcv_nxt - seq), fresh);
		else
			p->in_off = true;
		p->rcv_nxt += fresh;
		if (!p->reading)
			p->rcv_used += fresh;
	}
	if ((flags & F(FIN)) && !p->fin_rcvd && seq + len == p->rcv_nxt) {
		p->rcv_nxt++;
		p->fin_rcvd = true;
	}
	if (p->fin_rcvd && p->fin_acked)
		p->state = P_CLOSED; /* our last ACK goes out below */
}

/* Play turns and let the peers answer until nothing moves; then the
 * management lcore polls (frees what the worker let go of). */
void
settle(void)
{
	unsigned int round, i;
	bool moved;

	for (round = 0; round < SETTLE_MAX; round++) {
		fz_pump(observe, 0);
		moved = false;
		for (i = 0; i < n_upstreams; i++) {
			struct peer *p = &upstreams[i];

			if (p->need_synack && p->state == P_SYN_RCVD) {
				p->need_synack = false;
				peer_seg(p, p->iss, F(SYN) | F(ACK), NULL, 0);
				moved = true;
			}
		}
		for (i = 0; i < n_clients; i++)
			moved |= peer_output(&clients[i]);
		for (i = 0; i < n_upstreams; i++)
			moved |= peer_output(&upstreams[i]);
		for (i = 0; i < n_clients; i++)
			if (clients[i].need_ack && clients[i].state == P_CLOSED)
				peer_seg(&clients[i], clients[i].snd_nxt, F(ACK), NULL, 0),
					moved = true;
		for (i = 0; i < n_upstreams; i++)
			if (upstreams[i].need_ack && upstreams[i].state == P_CLOSED)
				peer_seg(&upstreams[i], upstreams[i].snd_nxt, F(ACK), NULL, 0),
					moved = true;
		if (moved)
			continue;
		for (i = 0; i < n_clients && !moved; i++)
			moved = peer_poke(&clients[i]);
		for (i = 0; i < n_upstreams && !moved; i++)
			moved = peer_poke(&upstreams[i]);
		if (!moved) {
			mgmt_turn();
			return;
		}
	}
	fprintf(stderr, "fuzz_proxy: no quiescence after %u rounds (a livelock)\n", SETTLE_MAX);
	abort();
}
