/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-lcore contexts and roles: see sl_lcore.h. */
#include <errno.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_core.h"
#include "sl_lcore.h"

static struct sl_lcore lcores[RTE_MAX_LCORE];
static unsigned int worker_lcores[RTE_MAX_LCORE];
static unsigned int n_workers;
static struct rte_rcu_qsbr *rcu;

struct sl_lcore *
sl_lcore_get(unsigned int lcore_id)
{
	return lcore_id < RTE_MAX_LCORE ? &lcores[lcore_id] : NULL;
}

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

int
sl_lcore_setup(void)
{
	unsigned int id;
	size_t sz;

	n_workers = 0;
	RTE_LCORE_FOREACH(id) {
		struct sl_lcore *lc = &lcores[id];

		lc->lcore_id = id;
		if (id == rte_get_main_lcore()) {
			lc->role = SL_LCORE_MGMT;
			continue;
		}
		lc->role = SL_LCORE_WORKER;
		lc->worker_id = (uint16_t)n_workers;
		worker_lcores[n_workers++] = id;
	}
	if (n_workers == 0)
		return -EINVAL; /* the lcore list in the configuration is too short */

	/* Workers register with their lcore id as QSBR thread id. */
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	rcu = rte_zmalloc("sl_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (rcu == NULL)
		return -ENOMEM;
	return rte_rcu_qsbr_init(rcu, RTE_MAX_LCORE);
}
