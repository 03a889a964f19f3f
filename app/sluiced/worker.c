/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: the worker loop. Read the clock once for every module, adopt
 * the newest configuration, run the timers due, poll every port's rx queue
 * of this lcore and run each burst to completion through the stack, send
 * what the management lcore queued, flush, report quiescence, back off when
 * idle.
 */
#include <stdatomic.h>

#include <rte_rcu_qsbr.h>

#include "sl_idle.h"
#include "sl_lcore.h"
#include "sl_net.h"
#include "sl_port.h"
#include "sl_proxy.h"
#include "sl_tcp.h"
#include "sluiced.h"

static atomic_bool stop_requested;

void
workers_stop(void)
{
	atomic_store_explicit(&stop_requested, true, memory_order_release);
}

static unsigned int
poll_ports(struct sl_lcore *lc)
{
	struct rte_mbuf *pkts[SL_PORT_BURST];
	unsigned int i, work = 0;

	for (i = 0; i < sl_port_count(); i++) {
		const struct sl_port *port = sl_port_get((uint16_t)i);
		uint16_t n = sl_port_rx(lc, port, pkts, SL_PORT_BURST);

		if (n == 0)
			continue;
		sl_net_input(lc, port, pkts, n);
		work += n;
	}
	return work;
}

int
worker_main(void *arg)
{
	struct sl_lcore *lc = sl_lcore_self();
	struct rte_rcu_qsbr *rcu = sl_lcore_rcu();
	unsigned int work;

	rte_rcu_qsbr_thread_register(rcu, lc->lcore_id);
	rte_rcu_qsbr_thread_online(rcu, lc->lcore_id);
	while (!atomic_load_explicit(&stop_requested, memory_order_acquire)) {
		sl_lcore_clock_update(lc);
		sl_proxy_worker_sync(lc);
		work = sl_lcore_timers_run(lc);
		work += sl_tcp_worker_poll(lc);
		work += poll_ports(lc);
		work += sl_net_worker_poll(lc);
		sl_port_flush(lc);
		rte_rcu_qsbr_quiescent(rcu, lc->lcore_id);
		sl_idle_poll(&lc->idle, work);
	}
	/* Drain: no more rx; send what is already queued. */
	sl_lcore_clock_update(lc);
	while (sl_net_worker_poll(lc) != 0)
		sl_port_flush(lc);
	sl_port_flush(lc);
	rte_rcu_qsbr_thread_offline(rcu, lc->lcore_id);
	rte_rcu_qsbr_thread_unregister(rcu, lc->lcore_id);
	return 0;
}
