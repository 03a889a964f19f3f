/* SPDX-License-Identifier: BSD-3-Clause */
/* sluiced: the `eal` configuration section and EAL start-up. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>

#include "sl_conf.h"
#include "sl_core.h"
#include "sluiced.h"

struct eal_conf eal_conf;

static const char *const log_levels[] = { "emergency", "alert", "critical", "error",
	"warning", "notice", "info", "debug", NULL };

static const struct sl_conf_key eal_keys[] = {
	SL_KEY_STR(struct eal_conf, lcores, 0, "0-1",
			"--lcores list, e.g. \"0-2\" or \"0@0,1@1,2@1\"; the lowest is the management lcore"),
	SL_KEY_STR(struct eal_conf, file_prefix, 0, "sluice",
			"runtime file prefix; unique per instance"),
	SL_KEY_BOOL(struct eal_conf, huge, true, "use hugepages"),
	SL_KEY_INT(struct eal_conf, memory_mb, 64, 1048576, 512, "memory to reserve"),
	SL_KEY_CHOICE(struct eal_conf, log_level, 0, "info", log_levels,
			"log level of EAL and of every sluice.* module"),
	SL_KEY_BOOL(struct eal_conf, telemetry, true, "serve DPDK telemetry"),
	SL_KEY_STRINGS(struct eal_conf, args, n_args, "extra EAL arguments"),
	SL_KEY_END,
};

int
eal_conf_register(void)
{
	return sl_conf_register("eal", eal_keys, &eal_conf, sizeof(eal_conf));
}

int
eal_start(const char *argv0, bool need_pci)
{
	char mem[24], level[64];
	char *argv[16 + EAL_ARGS_MAX];
	int argc = 0;
	unsigned int i;

	argv[argc++] = (char *)(uintptr_t)argv0;
	/* --lcores also takes lcore@cpu maps (more lcores than CPUs). */
	argv[argc++] = (char *)(uintptr_t)"--lcores";
	argv[argc++] = eal_conf.lcores;
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = eal_conf.file_prefix;
	snprintf(mem, sizeof(mem), "%" PRId64, eal_conf.memory_mb);
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = mem;
	/* Unlinked at once: a killed daemon never strands hugepages. */
	argv[argc++] = (char *)(uintptr_t)(eal_conf.huge ? "--huge-unlink" : "--no-huge");
	if (!need_pci)
		argv[argc++] = (char *)(uintptr_t)"--no-pci";
	if (!eal_conf.telemetry)
		argv[argc++] = (char *)(uintptr_t)"--no-telemetry";
	/* One level for every log type, EAL's and sluice.*; RTE_LOG_LEVEL
	 * in the environment is not consulted. */
	snprintf(level, sizeof(level), "%s", eal_conf.log_level);
	argv[argc++] = (char *)(uintptr_t)"--log-level";
	argv[argc++] = level;
	for (i = 0; i < eal_conf.n_args; i++)
		argv[argc++] = eal_conf.args[i];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}
