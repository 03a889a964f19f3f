/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz: what the libFuzzer harnesses share — a one-time bring-up of EAL
 * (no hugepages), two ring PMD ports, net and tcp; the worker loop turn the
 * harness plays from the main thread (workers are never launched); and the
 * resets and the mbuf accounting that make a leak found by the fuzzer an
 * abort() with a message, not a slow exhaustion.
 *
 * White-box: includes the private headers of net and tcp.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sl_lcore.h"
#include "sl_port.h"

/* libFuzzer's entry points and its mutator, for the custom mutator. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* RTE_IPV4 of DPDK 22.11 shifts an int left by 24: undefined for a >= 128. */
#define FZ_IP(a, b, c, d)                                                               \
	RTE_BE32(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | \
		 (uint32_t)(d))

/* The addresses the seeds and harnesses use (see make_seeds.py). */
#define FZ_FRONT_ADDR FZ_IP(198, 18, 0, 1) /* port 0 "front", 198.18.0.0/24 */
#define FZ_BACK_ADDR FZ_IP(198, 19, 0, 1)  /* port 1 "back", 198.19.0.0/24 */
#define FZ_HOST_A FZ_IP(198, 18, 0, 2)	   /* a host on front, resolved */
#define FZ_HOST_B FZ_IP(198, 19, 0, 2)	   /* a host on back, resolved */
#define FZ_HOST_C FZ_IP(198, 19, 0, 3)	   /* on back, resolved only by fz_learn_host() */
extern const struct rte_ether_addr fz_front_mac, fz_back_mac; /* 02:51:00:00:00:18/19 */
extern const struct rte_ether_addr fz_host_a_mac, fz_host_b_mac;
extern const struct rte_ether_addr fz_host_c_mac; /* 02:00:00:00:19:03 */

extern struct sl_lcore *fz_lc; /* worker 0, driven from the main thread */
extern const struct sl_port *fz_front, *fz_back;

/* Bring everything up once; aborts on failure. `name` makes the file prefix. */
void fz_setup(const char *name);

/* Resolve one more host (a static neighbour entry), now and again after
 * every fz_net_reset(), like hosts A and B. At most 8; aborts beyond. */
void fz_learn_host(const struct sl_port *port, uint32_t addr, const struct rte_ether_addr *mac);

/* One frame as a PMD would deliver it: data copied into an mbuf chain whose
 * segments end at the offsets in splits[] (ascending, 0 < s < len) and
 * wherever a buffer is full. Aborts if the pool is empty (that is a leak). */
struct rte_mbuf *fz_frame(
	const uint8_t *data, size_t len, const uint32_t *splits, unsigned int n_splits);

/* Called for each frame the stack sends, before it is freed. */
typedef void (*fz_frame_cb)(uint16_t port_index, const struct rte_mbuf *m);

/*
 * Worker loop turns until nothing moves: tcp timers, management (ARP,
 * resolution), net worker poll, then flush every port's transmit buffer
 * through the ring PMD and read the frames back, showing them to cb and
 * freeing them. `warp_tsc` > 0 runs tcp's clock that far ahead of the TSC
 * (timers fire as if that much time had passed).
 */
void fz_pump(fz_frame_cb cb, uint64_t warp_tsc);

/* Abort every TCP connection (RSTs are sent and drained), then restart the
 * timer wheel at the real clock (nothing is armed any more). */
void fz_tcp_reset(void);

/* Drop all reassembly state, expire every neighbour on a fake clock (the
 * real-time neighbour timers never run afterwards), and re-learn hosts A and
 * B. Also resets tcp. */
void fz_net_reset(void);

/* After a reset: abort() if any mbuf or connection is still out. */
void fz_check_pools(const char *when);

/* Internet checksum helpers on plain buffers (for the harness's own frames). */
uint16_t fz_ipv4_cksum(const uint8_t *ip, unsigned int ihl);

/* Write the Ethernet and IPv4 headers (no options, DF, TTL 64, checksum
 * set) of a TCP datagram of l4_len bytes at frame; returns where L4 starts. */
uint8_t *fz_eth_ipv4_tcp(uint8_t *frame, const struct rte_ether_addr *dmac,
	const struct rte_ether_addr *smac, uint32_t saddr, uint32_t daddr, uint32_t l4_len);
/* TCP/UDP checksum over pseudo header + l4 (l4's checksum field must be 0). */
uint16_t fz_l4_cksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4, uint32_t len);

/* Network-order fields at any alignment, in fuzzed or built frames. */
static inline uint16_t
fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
fz_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
fz_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
fz_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* FUZZ_COMMON_H */
