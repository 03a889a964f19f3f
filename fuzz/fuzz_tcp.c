/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_tcp: TCP segments from 198.18.0.2 to 198.18.0.1 (port "front"), each
 * behind a valid Ethernet and IPv4 header built here, with the TCP checksum
 * computed here, so the fuzzer's bytes reach the state machine.
 *
 * Input (make_seeds.py writes seeds in this form):
 *   byte 0      scenario (mod SC_COUNT): the harness first drives a
 *               connection into a known state with correct segments (see
 *               scenarios[] below), e.g. "ESTABLISHED with the echo service"
 *   then records, up to RECORDS_MAX:
 *     ctl       bit 0 REBASE_SEQ: seq field += the connection's rcv_nxt
 *               bit 1 REBASE_ACK: ack field += its snd_una
 *                     (with no connection: the ack / the end of the last
 *                     segment the stack sent, e.g. a SYN cookie)
 *               bit 2 PORTS: ports := the scenario's (40000 -> its port)
 *               bit 3 RAW_CKSUM: keep the input's checksum (no fix-up)
 *               bits 5-7 split mode 0-6: deliver the frame as an mbuf chain
 *               cut at headers/payload (SPLIT_*); 7: not a segment but a
 *               clock jump of len * 4 ms (tcp timers fire as if it passed)
 *     len       16 bits, big endian
 *     bytes     len bytes (fewer if the input ends): TCP header + payload
 *
 * After each segment the harness plays a worker loop turn (timers, net
 * polls, flush) and reads back what the stack sent. Each input ends with
 * every connection aborted and a check that every mbuf, clone and
 * connection object is back (abort() with the counts otherwise), so inputs
 * are independent and a leak is reported by the input that caused it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "sl_net.h"
#include "sl_tcp.h"
#include "tcp_priv.h"
#include "fuzz_common.h"

#define CPORT 40000	       /* the client's port in the scenarios */
#define CLIENT_ISS 0xfffff000u /* near the wrap on purpose */
#define RECORDS_MAX 64

#define CTL_REBASE_SEQ 0x01
#define CTL_REBASE_ACK 0x02
#define CTL_PORTS 0x04
#define CTL_RAW_CKSUM 0x08
#define CTL_MODE_SHIFT 5
#define MODE_WARP 7

enum split_mode {
	SPLIT_NONE,
	SPLIT_AFTER_TCP_HDR, /* headers | payload */
	SPLIT_MID_PAYLOAD,
	SPLIT_AFTER_IP_HDR, /* the TCP header is not in the first segment */
	SPLIT_THREE,	    /* headers | half the payload | the rest */
	SPLIT_ONE_BYTE_IN,  /* headers + 1 byte | the rest */
	SPLIT_IN_TCP_HDR,
};

#define F(x) RTE_TCP_##x##_FLAG
#define ETH_IP_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
#define TCP_MAX (UINT16_MAX - sizeof(struct rte_ipv4_hdr))

enum scenario {
	SC_NONE,	   /* no connection: listeners, RSTs, SYN cookies off the backlog */
	SC_SYN_RCVD,	   /* our SYN to echo :7 answered, not yet ACKed */
	SC_EST_ECHO,	   /* ESTABLISHED with echo, timestamps, SACK, window scaling */
	SC_EST_ECHO_PLAIN, /* ESTABLISHED with echo, no options but MSS */
	SC_EST_DISCARD,
	SC_EST_SOURCE,	   /* source :19, no request yet */
	SC_SOURCE_SENDING, /* source sending 100000 bytes: data in flight */
	SC_LAST_ACK,	   /* we sent FIN to echo, which closed too */
	SC_FIN_WAIT_1,	   /* source asked for 0 bytes: it closed first */
	SC_FIN_WAIT_2,
	SC_TIME_WAIT,
	SC_CLOSING,	   /* FINs crossed */
	SC_SYN_SENT,	   /* the stack's active open to 198.18.0.2:40000 */
	SC_EST_ACTIVE,	   /* ... completed */
	SC_BACKLOG_FULL,   /* echo's backlog (4) full of half-open connections */
	SC_ECHO_IN_FLIGHT, /* echo sending back 2800 bytes not yet ACKed */
	SC_COUNT
};

static const char *const scenario_names[SC_COUNT] = {
	"none",
	"syn_rcvd",
	"est_echo",
	"est_echo_plain",
	"est_discard",
	"est_source",
	"source_sending",
	"last_ack",
	"fin_wait_1",
	"fin_wait_2",
	"time_wait",
	"closing",
	"syn_sent",
	"est_active",
	"backlog_full",
	"echo_in_flight",
};

static enum scenario scenario;
static uint16_t sc_lport;	  /* the stack's port of the scenario (host order) */
static uint32_t cseq;		  /* the client's next sequence number in set-ups */
static uint32_t cts = 1000;	  /* the client's timestamp clock */
static bool client_ts;		  /* the scenario's client uses timestamps */
static uint64_t warp;		  /* tcp's clock lead over the TSC */
static uint32_t out_ack, out_end; /* the last segment the stack sent: ack, seq end */
static uint8_t frame[ETH_IP_LEN + TCP_MAX + 2] __rte_aligned(8);

/* ---- what the stack sends ---- */

static void
observe(uint16_t port_index, const struct rte_mbuf *m)
{
	uint8_t buf[ETH_IP_LEN + 60];
	const uint8_t *p;
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t ihl, doff, total;

	if (port_index != 0 || m->pkt_len < ETH_IP_LEN + sizeof(*th))
		return;
	p = rte_pktmbuf_read(m, 0, RTE_MIN(m->pkt_len, (uint32_t)sizeof(buf)), buf);
	ip = (const struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
	if (ip->next_proto_id != IPPROTO_TCP || ip->src_addr != SL_TEST_FRONT_ADDR)
		return;
	ihl = rte_ipv4_hdr_len(ip);
	if (RTE_ETHER_HDR_LEN + ihl + sizeof(*th) > RTE_MIN(m->pkt_len, (uint32_t)sizeof(buf)))
		return;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	doff = (th->data_off >> 4) * 4u;
	total = rte_be_to_cpu_16(ip->total_length);
	out_ack = rte_be_to_cpu_32(th->recv_ack);
	out_end = rte_be_to_cpu_32(th->sent_seq) + (total > ihl + doff ? total - ihl - doff : 0) +
		  !!(th->tcp_flags & F(SYN)) + !!(th->tcp_flags & F(FIN));
}

/* ---- segments in ---- */

static struct tcp_conn *
conn_of(uint16_t rport_be, uint16_t lport_be)
{
	struct tcp_key k;

	memset(&k, 0, sizeof(k));
	k.laddr = SL_TEST_FRONT_ADDR;
	k.raddr = FZ_HOST_A;
	k.lport = lport_be;
	k.rport = rport_be;
	return tcp_conn_lookup(fz_lc, &k);
}

/* Frame `len` bytes of TCP (already at frame + ETH_IP_LEN), fix them up as
 * ctl says, and deliver. */
static void
deliver(size_t len, uint8_t ctl)
{
	uint8_t *l4 = frame + ETH_IP_LEN;
	struct tcp_conn *c = NULL;
	uint32_t splits[2], hdr_end, flen = (uint32_t)(ETH_IP_LEN + len);
	unsigned int n_splits = 0;
	struct rte_mbuf *m;

	sl_test_eth_ipv4(frame, &sl_test_front_mac, &fz_host_a_mac, FZ_HOST_A, SL_TEST_FRONT_ADDR,
		IPPROTO_TCP, (uint32_t)len);

	if ((ctl & CTL_PORTS) && len >= 4) {
		sl_test_put16(l4, CPORT);
		sl_test_put16(l4 + 2, sc_lport);
	}
	if (len >= 4)
		c = conn_of(*(const unaligned_uint16_t *)l4, *(const unaligned_uint16_t *)(l4 + 2));
	if ((ctl & CTL_REBASE_SEQ) && len >= 8)
		sl_test_put32(l4 + 4, sl_test_get32(l4 + 4) + (c != NULL ? c->rcv_nxt : out_ack));
	if ((ctl & CTL_REBASE_ACK) && len >= 12)
		sl_test_put32(l4 + 8, sl_test_get32(l4 + 8) + (c != NULL ? c->snd_una : out_end));
	if (!(ctl & CTL_RAW_CKSUM) && len >= 18) {
		sl_test_put16(l4 + 16, 0);
		*(unaligned_uint16_t *)(l4 + 16) =
			sl_test_l4_cksum(FZ_HOST_A, SL_TEST_FRONT_ADDR, IPPROTO_TCP, l4,
				(uint32_t)len);
	}

	hdr_end = (uint32_t)ETH_IP_LEN + (len >= 13 ? (l4[12] >> 4) * 4u : 20u);
	switch ((enum split_mode)(ctl >> CTL_MODE_SHIFT)) {
	case SPLIT_AFTER_TCP_HDR:
		splits[n_splits++] = hdr_end;
		break;
	case SPLIT_MID_PAYLOAD:
		splits[n_splits++] = hdr_end + (flen > hdr_end ? (flen - hdr_end) / 2 : 0);
		break;
	case SPLIT_AFTER_IP_HDR:
		splits[n_splits++] = (uint32_t)ETH_IP_LEN;
		break;
	case SPLIT_THREE:
		splits[n_splits++] = hdr_end;
		splits[n_splits++] = hdr_end + (flen > hdr_end ? (flen - hdr_end) / 2 : 0);
		break;
	case SPLIT_ONE_BYTE_IN:
		splits[n_splits++] = hdr_end + 1;
		break;
	case SPLIT_IN_TCP_HDR:
		splits[n_splits++] = (uint32_t)ETH_IP_LEN + 10;
		break;
	default:
		break;
	}
	m = sl_test_frame_from(frame, flen, splits, n_splits);
	sl_net_input(fz_lc, fz_front, &m, 1);
	fz_pump(observe, warp);
}

/* A segment from the client, as the scenarios' set-ups send it. */
static void
client_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
	bool syn_opts, const void *data, size_t dlen)
{
	uint8_t *th = frame + ETH_IP_LEN, *o = th + sizeof(struct rte_tcp_hdr);
	size_t olen = 0;

	if (syn_opts) {
		/* MSS 1460, SACK permitted, timestamps (if the scenario's client
		 * uses them), window scale 7 */
		o[olen++] = 2, o[olen++] = 4, o[olen++] = 0x05, o[olen++] = 0xb4;
		o[olen++] = 4, o[olen++] = 2;
		if (client_ts) {
			o[olen++] = 8, o[olen++] = 10;
			sl_test_put32(o + olen, cts++);
			sl_test_put32(o + olen + 4, 0);
			olen += 8;
		} else {
			o[olen++] = 1, o[olen++] = 1;
		}
		o[olen++] = 1, o[olen++] = 3, o[olen++] = 3, o[olen++] = 7;
	} else if (client_ts) {
		o[olen++] = 1, o[olen++] = 1, o[olen++] = 8, o[olen++] = 10;
		sl_test_put32(o + olen, cts++);
		sl_test_put32(o + olen + 4, 0);
		olen += 8;
	}
	sl_test_put16(th, sport);
	sl_test_put16(th + 2, dport);
	sl_test_put32(th + 4, seq);
	sl_test_put32(th + 8, ack);
	th[12] = (uint8_t)(((sizeof(struct rte_tcp_hdr) + olen) / 4) << 4);
	th[13] = flags;
	sl_test_put16(th + 14, win);
	sl_test_put16(th + 16, 0);
	sl_test_put16(th + 18, 0);
	if (dlen != 0)
		memcpy(o + olen, data, dlen);
	deliver(sizeof(struct rte_tcp_hdr) + olen + dlen, 0);
}

static struct tcp_conn *
expect_state(enum tcp_state want, uint16_t lport)
{
	struct tcp_conn *c = conn_of(rte_cpu_to_be_16(CPORT), rte_cpu_to_be_16(lport));

	if (c == NULL || c->state != want) {
		fprintf(stderr, "fuzz_tcp: scenario %s: want %s on port %u, have %s\n",
			scenario_names[scenario], tcp_state_names[want], lport,
			c == NULL ? "no connection" : tcp_state_names[c->state]);
		abort();
	}
	return c;
}

/* Client data, ACKing everything the stack sent. */
static struct tcp_conn *
client_data(uint16_t lport, uint8_t flags, const void *data, size_t len)
{
	struct tcp_conn *c = conn_of(rte_cpu_to_be_16(CPORT), rte_cpu_to_be_16(lport));

	client_seg(
		CPORT, lport, cseq, c->snd_nxt, (uint8_t)(F(ACK) | flags), 1024, false, data, len);
	cseq += (uint32_t)len + !!(flags & F(FIN));
	return conn_of(rte_cpu_to_be_16(CPORT), rte_cpu_to_be_16(lport));
}

static void
handshake(uint16_t lport)
{
	struct tcp_conn *c;

	cseq = CLIENT_ISS;
	client_seg(CPORT, lport, cseq++, 0, F(SYN), 65535, true, NULL, 0);
	c = expect_state(TCP_SYN_RECEIVED, lport);
	client_seg(CPORT, lport, cseq, c->snd_nxt, F(ACK), 1024, false, NULL, 0);
	expect_state(TCP_ESTABLISHED, lport);
}

/* The application of the active opens: reads and drops, closes when the peer does. */
static void
app_readable(struct sl_tcp_conn *c)
{
	uint32_t len;

	rte_pktmbuf_free(sl_tcp_recv(c, &len));
}

static void
app_peer_closed(struct sl_tcp_conn *c)
{
	sl_tcp_close(c);
}

static const struct sl_tcp_ops app_ops = {
	.readable = app_readable,
	.peer_closed = app_peer_closed,
};

static void
active_open(void)
{
	struct sl_tcp_conn *sc =
		sl_tcp_connect(fz_lc, 0, FZ_HOST_A, RTE_BE16(CPORT), &app_ops, NULL);
	struct tcp_conn *c = (struct tcp_conn *)sc;

	if (c == NULL) {
		fprintf(stderr, "fuzz_tcp: sl_tcp_connect failed: %d\n", rte_errno);
		abort();
	}
	sc_lport = rte_be_to_cpu_16(c->key.lport);
	fz_pump(observe, 0);
	expect_state(TCP_SYN_SENT, sc_lport);
}

static void
setup_scenario(void)
{
	static const char ask_zero[] = "0\n", ask_many[] = "100000\n";
	static uint8_t bulk[1400];
	struct tcp_conn *c;
	unsigned int i;

	sc_lport = 7;
	client_ts = scenario != SC_EST_ECHO_PLAIN;
	switch (scenario) {
	case SC_NONE:
		break;
	case SC_SYN_RCVD:
		cseq = CLIENT_ISS;
		client_seg(CPORT, 7, cseq++, 0, F(SYN), 65535, true, NULL, 0);
		expect_state(TCP_SYN_RECEIVED, 7);
		break;
	case SC_EST_ECHO:
	case SC_EST_ECHO_PLAIN:
		handshake(7);
		break;
	case SC_EST_DISCARD:
		sc_lport = 9;
		handshake(9);
		break;
	case SC_EST_SOURCE:
		sc_lport = 19;
		handshake(19);
		break;
	case SC_SOURCE_SENDING:
		sc_lport = 19;
		handshake(19);
		c = client_data(19, 0, ask_many, sizeof(ask_many) - 1);
		if (c == NULL || c->snd_max == c->snd_una) {
			fprintf(stderr, "fuzz_tcp: scenario source_sending: nothing in flight\n");
			abort();
		}
		break;
	case SC_LAST_ACK:
		handshake(7);
		client_data(7, F(FIN), NULL, 0);
		expect_state(TCP_LAST_ACK, 7);
		break;
	case SC_FIN_WAIT_1:
	case SC_FIN_WAIT_2:
	case SC_TIME_WAIT:
	case SC_CLOSING:
		sc_lport = 19;
		handshake(19);
		/* ACKs the data only: the FIN the answer carries stays unACKed */
		client_data(19, 0, ask_zero, sizeof(ask_zero) - 1);
		c = expect_state(TCP_FIN_WAIT_1, 19);
		if (scenario == SC_CLOSING) {
			client_seg(CPORT, 19, cseq++, c->snd_una, F(ACK) | F(FIN), 1024, false,
				NULL, 0);
			expect_state(TCP_CLOSING, 19);
		} else if (scenario != SC_FIN_WAIT_1) {
			client_data(19, 0, NULL, 0);
			expect_state(TCP_FIN_WAIT_2, 19);
			if (scenario == SC_TIME_WAIT) {
				client_data(19, F(FIN), NULL, 0);
				expect_state(TCP_TIME_WAIT, 19);
			}
		}
		break;
	case SC_SYN_SENT:
		active_open();
		break;
	case SC_EST_ACTIVE:
		active_open();
		c = conn_of(RTE_BE16(CPORT), rte_cpu_to_be_16(sc_lport));
		cseq = CLIENT_ISS;
		client_seg(
			CPORT, sc_lport, cseq++, c->snd_nxt, F(SYN) | F(ACK), 65535, true, NULL, 0);
		expect_state(TCP_ESTABLISHED, sc_lport);
		break;
	case SC_BACKLOG_FULL:
		for (i = 0; i < 4; i++)
			client_seg((uint16_t)(41000 + i), 7, CLIENT_ISS, 0, F(SYN), 65535, true,
				NULL, 0);
		if (fz_lc->tcp.half_open[0] != 4) {
			fprintf(stderr, "fuzz_tcp: scenario backlog_full: %u half open\n",
				fz_lc->tcp.half_open[0]);
			abort();
		}
		break;
	case SC_ECHO_IN_FLIGHT:
		handshake(7);
		for (i = 0; i < sizeof(bulk); i++)
			bulk[i] = (uint8_t)i;
		client_data(7, 0, bulk, sizeof(bulk));
		c = client_data(7, F(PSH), bulk, sizeof(bulk));
		if (c == NULL || c->snd_max == c->snd_una) {
			fprintf(stderr, "fuzz_tcp: scenario echo_in_flight: nothing in flight\n");
			abort();
		}
		break;
	default:
		break;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fz_setup("fuzz_tcp", 16384, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	size_t rem = size;
	unsigned int records = 0;

	if (size == 0)
		return -1;
	scenario = (enum scenario)(p[0] % SC_COUNT);
	p++, rem--;
	out_ack = out_end = 0;
	setup_scenario();
	while (rem >= 3 && records++ < RECORDS_MAX) {
		uint8_t ctl = p[0];
		size_t len = (size_t)p[1] << 8 | p[2];

		p += 3, rem -= 3;
		if ((ctl >> CTL_MODE_SHIFT) == MODE_WARP) {
			warp += rte_get_tsc_hz() / 1000 * 4 * len;
			fz_pump(observe, warp);
			continue;
		}
		len = RTE_MIN(len, rem);
		len = RTE_MIN(len, TCP_MAX);
		memcpy(frame + ETH_IP_LEN, p, len);
		deliver(len, ctl);
		p += len, rem -= len;
	}
	fz_tcp_reset();
	warp = 0;
	fz_check_pools("an input");
	return 0;
}
