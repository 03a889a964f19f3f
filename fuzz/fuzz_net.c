/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net: one input is one Ethernet frame received on port 0 ("front",
 * 198.18.0.1/24, MAC 02:51:00:00:00:18) and given to sl_net_input(): eth,
 * ARP and the neighbour table (through the management poll), IPv4 checks,
 * reassembly, forwarding to port 1 ("back", 198.19.0.1/24, MTU 1000, so
 * output fragmentation too), ICMP echo and errors, and TCP (listeners on
 * :7, :9, :19). Frames longer than an mbuf arrive as a chain, as with the
 * "scatter" rx offload.
 *
 * State carried between inputs: fragments being reassembled and neighbours
 * (so a sequence of inputs can complete a datagram). TCP connections are
 * aborted after every input (fuzz_tcp covers connections; and the heap
 * objects the services hang off a connection live in DPDK memory, which
 * LeakSanitizer does not scan). Every 1000 inputs (SL_FUZZ_RESET_EVERY=n
 * sets n), and at exit, everything is dropped and every mbuf must be back
 * in its pool: a leak is an abort() with the counts.
 *
 * The custom mutator recomputes the IPv4 header checksum and (unfragmented)
 * ICMP/TCP/UDP checksums of 7 mutations in 8, so mutations get past the
 * checksum checks; the input stays a plain frame (reproducers replay as is).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>

#include "sl_net.h"
#include "fuzz_common.h"

#define FRAME_MAX 16384

/* Inputs between full resets and leak checks; SL_FUZZ_RESET_EVERY=1 checks
 * after every input, to find which input of a run leaked. */
static uint64_t reset_every = 1000;
static uint64_t inputs;

static void
final_check(void)
{
	fz_net_reset();
	fz_check_pools("the final reset (exit)");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *every = getenv("SL_FUZZ_RESET_EVERY");

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	if (every != NULL && strtoull(every, NULL, 10) > 0)
		reset_every = strtoull(every, NULL, 10);
	fz_setup("fuzz_net", 16384, NULL);
	atexit(final_check);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;

	if (size > FRAME_MAX)
		return -1; /* not added to the corpus */
	m = sl_test_frame_from(data, size, NULL, 0);
	sl_net_input(fz_lc, fz_front, &m, 1);
	fz_pump(NULL, 0);
	fz_tcp_reset();
	if (++inputs % reset_every == 0) {
		fz_net_reset();
		fz_check_pools("a periodic reset");
	}
	return 0;
}

/* Store a checksum computed by fz_*_cksum (already in network order in memory). */
static void
put_cksum(uint8_t *p, uint16_t c)
{
	memcpy(p, &c, sizeof(c));
}

static void
fix_checksums(uint8_t *d, size_t n, unsigned int seed)
{
	uint8_t *ip = d + RTE_ETHER_HDR_LEN, *l4;
	size_t avail;
	unsigned int ihl;
	uint32_t src, dst, len;
	uint16_t total;

	if (n < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) || sl_test_get16(d + 12) != 0x0800)
		return;
	avail = n - RTE_ETHER_HDR_LEN;
	ihl = (ip[0] & 0xf) * 4u;
	if (ihl < sizeof(struct rte_ipv4_hdr) || ihl > avail)
		return;
	if (seed & 8)
		sl_test_put16(ip + 2, (uint16_t)RTE_MIN(avail, (size_t)UINT16_MAX));
	sl_test_put16(ip + 10, 0);
	put_cksum(ip + 10, sl_test_ipv4_cksum(ip, ihl));
	total = sl_test_get16(ip + 2);
	if (total > avail || total < ihl || (sl_test_get16(ip + 6) & 0x3fff) != 0)
		return; /* truncated, or a fragment: L4 sums cover the whole datagram */
	l4 = ip + ihl;
	len = total - ihl;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	switch (ip[9]) {
	case IPPROTO_ICMP:
		if (len >= 4) {
			sl_test_put16(l4 + 2, 0);
			put_cksum(l4 + 2, (uint16_t)~rte_raw_cksum(l4, len));
		}
		break;
	case IPPROTO_TCP:
		if (len >= 20) {
			sl_test_put16(l4 + 16, 0);
			put_cksum(l4 + 16, sl_test_l4_cksum(src, dst, IPPROTO_TCP, l4, len));
		}
		break;
	case IPPROTO_UDP:
		if (len >= 8) {
			sl_test_put16(l4 + 6, 0);
			put_cksum(l4 + 6, sl_test_l4_cksum(src, dst, IPPROTO_UDP, l4, len));
		}
		break;
	default:
		break;
	}
}

size_t
LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max_size);
	if ((seed & 7) != 0)
		fix_checksums(data, size, seed);
	return size;
}
