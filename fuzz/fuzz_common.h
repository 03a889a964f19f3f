/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz: what the libFuzzer harnesses share on top of the test stack
 * (app/test/sl_test_stack.h): a one-time bring-up of net and tcp on the
 * two ring ports with the settings the seeds were made for, hosts A, B and
 * C resolved, the worker loop turns the harness plays from the main thread
 * (workers are never launched), and the resets and the mbuf accounting that
 * make a leak found by the fuzzer an abort() with a message, not a slow
 * exhaustion. Frames are built with sl_test_frame.h.
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
#include "sl_test_frame.h"
#include "sl_test_stack.h"

/* libFuzzer's entry points and its mutator, for the custom mutator. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

/* The hosts the seeds and harnesses use (see make_seeds.py); the ports are
 * the test stack's: front 198.18.0.1/24, back 198.19.0.1/24 (MTU 1000). */
#define FZ_HOST_A SL_TEST_IP(198, 18, 0, 2) /* a host on front, resolved */
#define FZ_HOST_B SL_TEST_IP(198, 19, 0, 2) /* a host on back, resolved */
#define FZ_HOST_C SL_TEST_IP(198, 19, 0, 3) /* on back, resolved only by fz_learn_host() */
extern const struct rte_ether_addr fz_host_a_mac, fz_host_b_mac;
extern const struct rte_ether_addr fz_host_c_mac; /* 02:00:00:00:19:03 */

extern struct sl_lcore *fz_lc; /* worker 0, driven from the main thread */
extern const struct sl_port *fz_front, *fz_back;

/*
 * Bring the stack up once; aborts on failure. `name` makes the file prefix;
 * tcp_buf is tcp's rcvbuf and sndbuf; proxy_conf, if not NULL, is the
 * libconfig text of a proxy section, and the proxy starts with it.
 */
void fz_setup(const char *name, int64_t tcp_buf, const char *proxy_conf);

/* Resolve one more host (a static neighbour entry), now and again after
 * every fz_net_reset(), like hosts A and B. At most 8; aborts beyond. */
void fz_learn_host(const struct sl_port *port, uint32_t addr, const struct rte_ether_addr *mac);

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

#endif /* FUZZ_COMMON_H */
