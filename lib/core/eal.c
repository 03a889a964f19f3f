/* SPDX-License-Identifier: BSD-3-Clause */
/* core/eal: the `eal` configuration section; see sl_eal.h. */
#include <rte_common.h>

#include "sl_conf.h"
#include "sl_eal.h"

struct sl_eal_conf sl_eal_conf;

static const char *const log_levels[] = { "emergency", "alert", "critical", "error",
	"warning", "notice", "info", "debug", NULL };

static const struct sl_conf_key eal_keys[] = {
	SL_KEY_STR(struct sl_eal_conf, lcores, 0, "0-1",
			"--lcores list, e.g. \"0-2\" or \"0@0,1@1,2@1\"; the lowest is the management lcore"),
	SL_KEY_STR(struct sl_eal_conf, file_prefix, 0, "sluice",
			"runtime file prefix; unique per instance"),
	SL_KEY_BOOL(struct sl_eal_conf, huge, true, "use hugepages"),
	SL_KEY_INT(struct sl_eal_conf, memory_mb, 64, 1048576, 512, "memory to reserve"),
	SL_KEY_CHOICE(struct sl_eal_conf, log_level, 0, "info", log_levels,
			"log level of EAL and of every sluice.* module"),
	SL_KEY_BOOL(struct sl_eal_conf, telemetry, true, "serve DPDK telemetry"),
	SL_KEY_STRINGS(struct sl_eal_conf, args, n_args, "extra EAL arguments"),
	SL_KEY_END,
};

int
sl_eal_conf_register(void)
{
	return sl_conf_register("eal", eal_keys, &sl_eal_conf, sizeof(sl_eal_conf));
}
