/* SPDX-License-Identifier: BSD-3-Clause */
/* core/counters: see sl_counters.h. */
#include <inttypes.h>

#include "sl_counters.h"

static uint64_t
load(const void *block, unsigned int i)
{
	return __atomic_load_n((const uint64_t *)block + i, __ATOMIC_RELAXED);
}

void
sl_counters_add(uint64_t *sum, const void *block, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sum[i] += load(block, i);
}

void
sl_counters_print(FILE *f, const char *prefix, const char *const *names, const void *block,
		unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (load(block, i) != 0)
			fprintf(f, "%s %s %" PRIu64 "\n", prefix, names[i], load(block, i));
}

void
sl_counters_tel(struct rte_tel_data *d, const char *const *names, const void *block,
		unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_tel_data_add_dict_u64(d, names[i], load(block, i));
}
