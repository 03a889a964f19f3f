/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker idle back-off: see sl_idle.h. */
#include <time.h>

#include <rte_common.h>
#include <rte_pause.h>

#include "sl_conf.h"
#include "sl_counters.h"
#include "sl_idle.h"
#include "sl_lcore.h"

struct sl_idle_conf sl_idle_conf;

static const struct sl_conf_key idle_keys[] = {
	SL_KEY_INT(struct sl_idle_conf, spin_polls, 0, 100000000, 1024,
			"empty polls at full speed before backing off"),
	SL_KEY_INT(struct sl_idle_conf, pause_polls, 0, 100000000, 4096,
			"then polls with a CPU pause between them"),
	SL_KEY_INT(struct sl_idle_conf, sleep_max_us, 0, 100000, 200,
			"then sleeps doubling from 1 us to this; 0 never sleeps"),
	SL_KEY_END,
};

#define IDLE_COUNTERS(X) X(idle_sleeps, 0, "times the worker slept when idle")
SL_COUNTERS_DEFINE(idle_counters, IDLE_COUNTERS, .module = "worker",
		.lcore_offset = offsetof(struct sl_lcore, idle.sleeps));

int
sl_idle_conf_register(void)
{
	return sl_conf_register("idle", idle_keys, &sl_idle_conf, sizeof(sl_idle_conf));
}

unsigned int
sl_idle_poll(struct sl_idle *idle, unsigned int work)
{
	const struct sl_idle_conf *c = &sl_idle_conf;
	struct timespec ts;
	unsigned int slept;

	if (work != 0) {
		idle->empty_polls = 0;
		idle->sleep_us = 0;
		return 0;
	}
	if (idle->empty_polls < UINT32_MAX)
		idle->empty_polls++;
	if (idle->empty_polls <= c->spin_polls)
		return 0;
	if (idle->empty_polls <= c->spin_polls + c->pause_polls || c->sleep_max_us == 0) {
		rte_pause();
		return 0;
	}
	idle->sleep_us = idle->sleep_us == 0 ? 1 :
		RTE_MIN(idle->sleep_us * 2, (uint32_t)c->sleep_max_us);
	slept = idle->sleep_us;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)slept * 1000;
	nanosleep(&ts, NULL);
	idle->sleeps++;
	return slept;
}
