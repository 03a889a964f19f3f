/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the worker idle back-off policy. */
#include <rte_common.h>

#include "sl_idle.h"
#include "sl_test.h"

static void
set_conf(int64_t spin, int64_t pause, int64_t sleep_max)
{
	sl_idle_conf.spin_polls = spin;
	sl_idle_conf.pause_polls = pause;
	sl_idle_conf.sleep_max_us = sleep_max;
}

/* Spins, then pauses, then sleeps doubling up to the cap. */
static int
test_backoff_sequence(void)
{
	struct sl_idle idle = { 0 };
	unsigned int i;

	set_conf(3, 2, 8);
	for (i = 0; i < 5; i++)
		SL_CHECK_EQ(sl_idle_poll(&idle, 0), 0);
	SL_CHECK_EQ(sl_idle_poll(&idle, 0), 1);
	SL_CHECK_EQ(sl_idle_poll(&idle, 0), 2);
	SL_CHECK_EQ(sl_idle_poll(&idle, 0), 4);
	SL_CHECK_EQ(sl_idle_poll(&idle, 0), 8);
	SL_CHECK_EQ(sl_idle_poll(&idle, 0), 8);
	SL_CHECK_EQ(idle.sleeps, 5);
	return 0;
}

/* Any work resets the back-off to full speed at once. */
static int
test_work_resets(void)
{
	struct sl_idle idle = { 0 };
	unsigned int i;

	set_conf(1, 0, 100);
	for (i = 0; i < 4; i++)
		sl_idle_poll(&idle, 0);
	SL_CHECK(idle.sleep_us > 0);
	SL_CHECK_EQ(sl_idle_poll(&idle, 7), 0);
	SL_CHECK_EQ(idle.empty_polls, 0);
	SL_CHECK_EQ(sl_idle_poll(&idle, 0), 0);
	return 0;
}

/* sleep_max_us = 0 never sleeps: pure polling for benchmarks. */
static int
test_never_sleep(void)
{
	struct sl_idle idle = { 0 };
	unsigned int i;

	set_conf(0, 0, 0);
	for (i = 0; i < 1000; i++)
		SL_CHECK_EQ(sl_idle_poll(&idle, 0), 0);
	SL_CHECK_EQ(idle.sleeps, 0);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "backoff_sequence", test_backoff_sequence },
		{ "work_resets", test_work_resets },
		{ "never_sleep", test_never_sleep },
	};
	return sl_test_run("idle", cases, RTE_DIM(cases));
}
