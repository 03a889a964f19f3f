/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test/stack: the one way unit tests and fuzzers bring Sluice's stack up in
 * a process of their own — EAL without hugepages, the modules a test names
 * configured from libconfig text through the daemon's own loader, two ring
 * PMD ports, worker 0's context driven from the main thread on a clock the
 * test sets, and the checks that everything came back.
 *
 * The ports: "front" 198.18.0.1/24 (MAC 02:51:00:00:00:18) and "back"
 * 198.19.0.1/24 (02:51:00:00:00:19), unless the text says otherwise; a
 * ring port loops what the stack sends back to its own receive queue, where
 * sl_test_port_take() finds it. Workers are never launched: the test plays
 * worker 0 (lcore 1) with sl_net_input() and sl_test_worker_turn().
 *
 * Callers: test and fuzzer main threads only. Owns: the EAL of the process
 * and the modules it started.
 */
#ifndef SL_TEST_STACK_H
#define SL_TEST_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sl_lcore.h"
#include "sl_port.h"

/* RTE_IPV4 of DPDK 22.11 shifts an int left by 24: undefined for a >= 128. */
#define SL_TEST_IP(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		((uint32_t)(c) << 8) | (uint32_t)(d))
#define SL_TEST_FRONT_ADDR SL_TEST_IP(198, 18, 0, 1)
#define SL_TEST_BACK_ADDR SL_TEST_IP(198, 19, 0, 1)

/* The two ports, as the configuration text lists them (ring PMD). */
#define SL_TEST_PORTS_CONF(extra_front, extra_back) \
	"list = ( { name = \"front\"; profile = \"ring\"; address = \"198.18.0.1/24\"; " \
	extra_front " }, { name = \"back\"; profile = \"ring\"; address = \"198.19.0.1/24\"; " \
	extra_back " } );"

extern const struct rte_ether_addr sl_test_front_mac, sl_test_back_mac;

/* What a test starts; each layer includes the ones before it. */
enum sl_test_layer {
	SL_TEST_LCORES = 1, /* lcore contexts, clock, timer wheels (no ports) */
	SL_TEST_PORTS,      /* + ports */
	SL_TEST_NET,        /* + net */
	SL_TEST_ACL,        /* + acl */
	SL_TEST_TCP,        /* + tcp */
	SL_TEST_PROXY,      /* + proxy */
};

struct sl_test_stack {
	struct sl_lcore *lc;                /* worker 0, driven from the main thread */
	const struct sl_port *front, *back; /* NULL below SL_TEST_PORTS */
	enum sl_test_layer top;
};

/*
 * EAL for a test process named `name`: no hugepages, 512 MB (the ACL's
 * prefix table alone takes 64), lcore 0 (the main thread) and lcore 1
 * (worker 0, never launched), no PCI, no shared
 * files (--no-shconf), a file prefix of name and pid. DPDK telemetry only
 * if asked (it listens on a socket in the runtime directory). Logs at
 * "error" unless SL_TEST_LOG names a level. 0, or -1 with a message.
 */
int sl_test_eal_init(const char *name, bool telemetry);
/* rte_eal_cleanup(), and the runtime directory removed. */
void sl_test_eal_cleanup(void);

/*
 * Register the configuration sections of the layers up to `top`, load
 * `conf` (libconfig text; absent sections and keys take their defaults,
 * as for the daemon), run the modules' cross-checks and start the modules
 * in the daemon's order. Ports get the fixed MACs above. 0, or -1 with the
 * configuration error or the module that failed printed.
 */
int sl_test_stack_start(enum sl_test_layer top, const char *conf, struct sl_test_stack *ts);

/* Stop in reverse order. 0, or -1 if an mbuf was still out before the
 * pool went away (printed). */
int sl_test_stack_stop(struct sl_test_stack *ts);

/* Every mbuf of the port pool is back. 0, or -1 with a message naming when. */
int sl_test_pools_full(const char *when);

/*
 * The worker's fake clock: set its `now` and run the timers due then.
 * Returns the timers that fired.
 */
unsigned int sl_test_clock_set(struct sl_lcore *lc, uint64_t tsc);
unsigned int sl_test_clock_advance_us(struct sl_lcore *lc, uint64_t us);

/*
 * One turn of the worker loop without reading the real clock, for the
 * layers started: the timers due at lc->now, tcp's poll, the management
 * lcore's net poll, the worker's net poll, and a flush of its transmit
 * buffers (onto the ring ports). Returns the work done; 0 when nothing
 * moved.
 */
unsigned int sl_test_worker_turn(const struct sl_test_stack *ts);

/*
 * The frames the stack sent on `port`: the worker's buffered ones flushed,
 * then everything on the ring, in order, into out[0..max) (the caller
 * frees them; frames beyond max are freed). Returns how many there were.
 */
unsigned int sl_test_port_take(struct sl_lcore *lc, const struct sl_port *port,
		struct rte_mbuf **out, unsigned int max);

#endif /* SL_TEST_STACK_H */
