/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/eal: the `eal` configuration section — the settings EAL starts with
 * (lcores, file prefix, hugepages, memory, log level, telemetry, extra
 * arguments). The daemon turns them into EAL's arguments; tests load
 * configurations that carry the section.
 *
 * Callers: management lcore, before EAL starts. Owns: sl_eal_conf.
 */
#ifndef SL_EAL_H
#define SL_EAL_H

#include <stdbool.h>
#include <stdint.h>

#define SL_EAL_ARGS_MAX 16

struct sl_eal_conf {
	char lcores[64];
	char file_prefix[64];
	bool huge;
	int64_t memory_mb;
	char log_level[16];
	bool telemetry;
	char args[SL_EAL_ARGS_MAX][128];
	unsigned int n_args;
};

extern struct sl_eal_conf sl_eal_conf;

int sl_eal_conf_register(void);

#endif /* SL_EAL_H */
