/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core: what every module shares — logging helpers, the module life cycle,
 * counter declaration helpers and the daemon's run state.
 *
 * Callers: any lcore. Owns: the module table order is owned by the daemon;
 * this header only defines its shape.
 */
#ifndef SL_CORE_H
#define SL_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "sl_core_types.h"

/* Log a line with a module's log type; fmt gets the newline. */
#define SL_LOG(type, level, fmt, ...) \
	rte_log(RTE_LOG_##level, type, "sluice: " fmt "\n", ##__VA_ARGS__)

/* Fast-path log, compiled out unless RTE_LOG_DP_LEVEL allows the level. */
#define SL_LOG_DP(type, level, fmt, ...) do { \
	if (RTE_LOG_##level <= RTE_LOG_DP_LEVEL) \
		SL_LOG(type, level, fmt, ##__VA_ARGS__); \
} while (0)


/*
 * One module of the daemon. The daemon keeps an ordered table of these:
 * conf_register runs before the configuration is read, init after EAL init
 * in table order, term in reverse order. Any hook may be NULL.
 */
struct sl_module {
	const char *name;
	int (*conf_register)(void);
	int (*init)(void);
	void (*term)(void);
};

/*
 * Run the init hooks of mods[0..n) in order. On failure, terminates the
 * modules already initialised (reverse order) and returns the -errno.
 */
int sl_modules_init(const struct sl_module *mods, unsigned int n);

/* Run the term hooks of mods[0..n) in reverse order. */
void sl_modules_term(const struct sl_module *mods, unsigned int n);

/* Run the conf_register hooks of mods[0..n) in order. */
int sl_modules_conf_register(const struct sl_module *mods, unsigned int n);

/* True while the daemon runs; cleared by the signal handler. */
bool sl_running(void);
void sl_stop(void);

#endif /* SL_CORE_H */
