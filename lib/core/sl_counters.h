/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * core/counters: the counter registry. Each module registers its counter
 * blocks once (SL_COUNTERS_REGISTER, at program start); every output
 * iterates the registry, so that a counter added to a module's list
 * appears in all of them with nothing else to touch:
 *   - Prometheus /metrics (lib/mgmt): sluice_<module>_<name>_total, per
 *     worker, and <module>_drops_total{reason} for SL_CTR_DROP counters;
 *   - the console's `show counters [all]` (lib/mgmt);
 *   - DPDK telemetry /sluice/counters[,<module>] (here);
 *   - the daemon's shutdown report (sl_counters_report, here).
 *
 * A block is a run of uint64_t counters (or gauges) with a name table from
 * the module's X-macro list (sl_core_types.h). It lives either in every
 * worker's struct sl_lcore, at `lcore_offset` (the usual case: one writer,
 * no atomics), or once, at `global` (counters of the management lcore).
 * A block may repeat per instance (one per port), `instance_stride` apart.
 *
 * Callers: SL_COUNTERS_REGISTER at start-up (constructors, before main);
 * readers on the management lcore and the telemetry thread (relaxed atomic
 * loads of counters that their owners write).
 * Owns: the registry (a list of pointers to the modules' const blocks).
 */
#ifndef SL_COUNTERS_H
#define SL_COUNTERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "sl_core_types.h"

struct rte_tel_data;
struct sl_lcore;

enum sl_counter_kind {
	SL_COUNTER_KIND_COUNTER, /* only grows */
	SL_COUNTER_KIND_GAUGE,   /* goes up and down (connections open) */
};

struct sl_counter_block {
	const char *module;        /* "tcp": sluice_tcp_*, "tcp rx_segments" */
	const char *prefix;        /* of every name in this block ("queue_"), or NULL */
	const char *const *names;  /* n names, from the X-macro list */
	const char *const *descs;  /* n descriptions; "" continues the one above */
	const uint16_t *marks;     /* n marks (SL_CTR_*), or NULL */
	unsigned int n;
	enum sl_counter_kind kind;
	/* Where the values are: per worker, or once. */
	size_t lcore_offset;       /* in struct sl_lcore, when global is NULL */
	const void *global;        /* the one block, or NULL */
	/* Repeated per instance (NULL label: once); count and names are read
	 * by the management lcore and the telemetry thread. */
	const char *instance_label;             /* e.g. "port" */
	unsigned int (*instance_count)(void);
	const char *(*instance_name)(unsigned int i);
	size_t instance_stride;
	/* Exported to Prometheus as one family with a label per counter
	 * (sluice_<module>_<family>_total{<family_label>=NAME}), not a
	 * family per counter. NULL: a family per counter. */
	const char *family, *family_label, *family_help;
};

/* Add a block to the registry (use SL_COUNTERS_REGISTER). */
void sl_counters_register(const struct sl_counter_block *b);

/* Register `block` (a static const struct sl_counter_block) at start-up. */
#define SL_COUNTERS_REGISTER(block) \
	RTE_INIT(sl_counters_register_##block) \
	{ \
		sl_counters_register(&(block)); \
	}

/*
 * Define and register a block `id` from an X-macro list; the designated
 * initialisers that follow say the rest (.module, where the values are):
 *
 *   SL_COUNTERS_DEFINE(tcp_counters, SL_TCP_COUNTERS, .module = "tcp",
 *		.lcore_offset = offsetof(struct sl_lcore, tcp.stats));
 */
#define SL_COUNTERS_DEFINE(id, LIST, ...) \
	static const char *const id##_names[] = { LIST(SL_COUNTER_NAME) }; \
	static const char *const id##_descs[] = { LIST(SL_COUNTER_DESC) }; \
	static const uint16_t id##_marks[] = { LIST(SL_COUNTER_MARKS) }; \
	static const struct sl_counter_block id = { \
		.names = id##_names, \
		.descs = id##_descs, \
		.marks = id##_marks, \
		.n = RTE_DIM(id##_names), \
		__VA_ARGS__ \
	}; \
	SL_COUNTERS_REGISTER(id)

/* The registered blocks, ordered by module, then by prefix: NULL past the end. */
const struct sl_counter_block *sl_counters_block(unsigned int i);

/* Instances of a block (1 unless it repeats). */
unsigned int sl_counters_instances(const struct sl_counter_block *b);
/* The name of instance i, or NULL if the block does not repeat. */
const char *sl_counters_instance_name(const struct sl_counter_block *b, unsigned int i);

/* Counter i of instance inst: on worker lc (ignored for a global block). */
uint64_t sl_counters_get(const struct sl_counter_block *b, const struct sl_lcore *lc,
		unsigned int inst, unsigned int i);
/* ... summed over workers (or the global value). */
uint64_t sl_counters_total(const struct sl_counter_block *b, unsigned int inst, unsigned int i);

/* "prefix" + names[i] into buf; returns buf. */
const char *sl_counters_name(const struct sl_counter_block *b, unsigned int i, char *buf,
		size_t size);

/* One counter, as sl_counters_foreach() shows it. */
struct sl_counter_ref {
	const struct sl_counter_block *block;
	unsigned int instance, index;
	const char *instance_name; /* NULL unless the block repeats */
	const char *name;          /* with the block's prefix */
	uint64_t total;            /* summed over workers */
};

/* Call fn for every counter of every block (of `module` only, unless NULL),
 * in registry order. */
void sl_counters_foreach(const char *module, void (*fn)(const struct sl_counter_ref *c, void *arg),
		void *arg);

/*
 * Check the partitions (SL_CTR_ROOT/LEAF marks) of values v[0..b->n): each
 * root equals the sum of its leaves. 0, or -1 with what differs in why.
 */
int sl_counters_check_partitions(const struct sl_counter_block *b, const uint64_t *v, char *why,
		size_t size);

/* Every non-zero total, "<module>[ <instance>] <name> <value>" a line. */
void sl_counters_report(FILE *f);

/*
 * The catalogue of registered counters, one tab-separated line each:
 * module, name, kind (counter|gauge), scope (worker|global), instance
 * label or "-", labelled Prometheus family "family:label=value" or "-",
 * marks or "-", description.
 * Needs no EAL (sluiced --list-counters).
 */
void sl_counters_catalogue(FILE *f);

/* Add the totals of a module's blocks to a telemetry dict already started
 * (keys "<name>", or "<instance>/<name>"). */
void sl_counters_tel_module(struct rte_tel_data *d, const char *module);

/* Register /sluice/counters with DPDK telemetry (after EAL init). */
int sl_counters_telemetry_init(void);

/* Number of counters in a block struct. */
#define SL_COUNTERS_N(block) (sizeof(block) / sizeof(uint64_t))

/* sum[i] += block[i] for n counters (relaxed atomic loads). */
void sl_counters_add(uint64_t *sum, const void *block, unsigned int n);

#endif /* SL_COUNTERS_H */
