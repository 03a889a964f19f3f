/* SPDX-License-Identifier: BSD-3-Clause */
/* Module life cycle and run state: see sl_core.h. */
#include <errno.h>
#include <stdatomic.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "sl_core.h"

RTE_LOG_REGISTER(sl_core_logtype, sluice.core, INFO);

static atomic_bool stopping;

bool
sl_running(void)
{
	return !atomic_load_explicit(&stopping, memory_order_relaxed);
}

void
sl_stop(void)
{
	atomic_store_explicit(&stopping, true, memory_order_relaxed);
}

int
sl_modules_conf_register(const struct sl_module *mods, unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		if (mods[i].conf_register == NULL)
			continue;
		rc = mods[i].conf_register();
		if (rc < 0) {
			SL_LOG(sl_core_logtype, ERR, "%s: config registration failed: %s",
					mods[i].name, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
sl_modules_term(const struct sl_module *mods, unsigned int n)
{
	while (n-- > 0)
		if (mods[n].term != NULL)
			mods[n].term();
}

int
sl_modules_init(const struct sl_module *mods, unsigned int n)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		if (mods[i].init == NULL)
			continue;
		rc = mods[i].init();
		if (rc < 0) {
			SL_LOG(sl_core_logtype, ERR, "%s: init failed: %s", mods[i].name,
					rte_strerror(-rc));
			sl_modules_term(mods, i);
			return rc;
		}
	}
	return 0;
}
