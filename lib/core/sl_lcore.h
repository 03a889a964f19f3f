/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/lcore: the per-lcore context. One cache-aligned struct per lcore holds
 * every module's per-lcore state as a sub-struct, so a worker touches only
 * its own lines.
 *
 * Every module on a worker reads one clock and arms one timer wheel, both
 * here: `now` is the TSC read once at the top of the loop turn
 * (sl_lcore_clock_update), and `wheel` runs retransmissions, delayed ACKs,
 * request timeouts and whatever a later module times (sl_lcore_timers_run).
 *
 * Callers: a worker uses its own context only; the management lcore reads
 * workers' counters (summed on read) and owns the role assignment.
 * Owns: the context array, the workers' timer wheels and the RCU QSBR
 * variable workers report to.
 */
#ifndef SL_LCORE_H
#define SL_LCORE_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "sl_timer.h"

#include "sl_idle_types.h"
#include "sl_port_types.h"
#include "sl_net_types.h"
#include "sl_acl_types.h"
#include "sl_tcp_types.h"
#include "sl_proxy_types.h"

enum sl_lcore_role {
	SL_LCORE_UNUSED = 0,
	SL_LCORE_MGMT,   /* the main lcore: console, API, control plane */
	SL_LCORE_WORKER, /* poll mode, run to completion */
};

struct sl_lcore {
	unsigned int lcore_id;
	enum sl_lcore_role role;
	uint16_t worker_id; /* 0..n-1; also its queue index on every port */
	uint64_t now;       /* TSC at the top of this loop turn: the lcore's clock */
	struct sl_timer_wheel *wheel; /* the lcore's timers (workers only) */
	struct sl_idle idle;
	struct sl_port_lcore port;
	struct sl_net_lcore net;
	struct sl_acl_lcore acl;
	struct sl_tcp_lcore tcp;
	struct sl_proxy_lcore proxy;
} __rte_cache_aligned;

/*
 * Assign roles (the main lcore manages, every other enabled lcore works),
 * take the clock's factors and start each worker's clock and timer wheel.
 * After EAL init. Returns -EINVAL without a worker lcore.
 */
int sl_lcore_setup(void);

/* Free what sl_lcore_setup made (workers stopped, their timers disarmed). */
void sl_lcore_term(void);

/* Every lcore's context, by lcore id: lcore.c owns them; each worker writes
 * only its own. Reached through sl_lcore_get(), inline as the data path
 * asks for a connection's owner several times per request. */
extern struct sl_lcore sl_lcores[RTE_MAX_LCORE];

/* The context of the calling lcore (or of lcore_id). */
static inline struct sl_lcore *
sl_lcore_get(unsigned int lcore_id)
{
	return lcore_id < RTE_MAX_LCORE ? &sl_lcores[lcore_id] : NULL;
}
static inline struct sl_lcore *
sl_lcore_self(void)
{
	return sl_lcore_get(rte_lcore_id());
}

unsigned int sl_lcore_worker_count(void);
/* The lcore id of worker number worker_id. */
unsigned int sl_lcore_worker_lcore(uint16_t worker_id);

/* The QSBR variable that every worker reports quiescence to. */
struct rte_rcu_qsbr *sl_lcore_rcu(void);

/* Worker, top of each loop turn: read the clock once for every module. */
static inline void
sl_lcore_clock_update(struct sl_lcore *lc)
{
	lc->now = rte_rdtsc();
}

/* Run the lcore's timers due at lc->now; returns how many fired. */
static inline unsigned int
sl_lcore_timers_run(struct sl_lcore *lc)
{
	return sl_timer_run(lc->wheel, lc->now);
}

#define SL_WORKER_FOREACH(lc) \
	for (unsigned int sl_wi__ = 0; sl_wi__ < sl_lcore_worker_count() && \
		((lc) = sl_lcore_get(sl_lcore_worker_lcore(sl_wi__))) != NULL; sl_wi__++)

#endif /* SL_LCORE_H */
