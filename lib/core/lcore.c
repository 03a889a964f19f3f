/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-lcore contexts and roles: see sl_lcore.h. */
#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_clock.h"
#include "sl_core.h"
#include "sl_lcore.h"

struct sl_lcore sl_lcores[RTE_MAX_LCORE];
static unsigned int worker_lcores[RTE_MAX_LCORE];
static unsigned int n_workers;
static struct rte_rcu_qsbr *rcu;

unsigned int
sl_lcore_worker_count(void)
{
	return n_workers;
}

unsigned int
sl_lcore_worker_lcore(uint16_t worker_id)
{
	return worker_lcores[worker_id];
}

struct rte_rcu_qsbr *
sl_lcore_rcu(void)
{
	return rcu;
}

/* One slot per 100 us: RTOs and delayed ACKs are milliseconds. */
#define TIMER_TICKS_PER_S 10000

static int
start_clock(struct sl_lcore *lc)
{
	lc->wheel = rte_zmalloc_socket("sl_timer_wheel", sizeof(*lc->wheel), RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(lc->lcore_id));
	if (lc->wheel == NULL)
		return -ENOMEM;
	sl_lcore_clock_update(lc);
	sl_timer_wheel_init(lc->wheel, lc->now, sl_clock_base.hz / TIMER_TICKS_PER_S);
	return 0;
}

int
sl_lcore_setup(void)
{
	unsigned int id;
	size_t sz;
	int rc;

	sl_clock_init();
	n_workers = 0;
	RTE_LCORE_FOREACH(id) {
		struct sl_lcore *lc = &sl_lcores[id];

		lc->lcore_id = id;
		if (id == rte_get_main_lcore()) {
			lc->role = SL_LCORE_MGMT;
			continue;
		}
		lc->role = SL_LCORE_WORKER;
		lc->worker_id = (uint16_t)n_workers;
		worker_lcores[n_workers++] = id;
		rc = start_clock(lc);
		if (rc < 0)
			goto fail;
	}
	if (n_workers == 0)
		return -EINVAL; /* the lcore list in the configuration is too short */

	/* Workers register with their lcore id as QSBR thread id. */
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	rcu = rte_zmalloc("sl_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (rcu == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (rte_rcu_qsbr_init(rcu, RTE_MAX_LCORE) == 0)
		return 0;
	rc = -rte_errno;
fail:
	sl_lcore_term();
	return rc;
}

void
sl_lcore_term(void)
{
	unsigned int id;

	for (id = 0; id < RTE_MAX_LCORE; id++) {
		rte_free(sl_lcores[id].wheel);
		sl_lcores[id].wheel = NULL;
	}
	rte_free(rcu);
	rcu = NULL;
}
