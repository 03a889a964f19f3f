/* SPDX-License-Identifier: BSD-3-Clause */
/* core/counters: the counter registry and its two outputs of its own; see sl_counters.h. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "sl_counters.h"
#include "sl_lcore.h"

#define BLOCKS_MAX 128

static const struct sl_counter_block *blocks[BLOCKS_MAX];
static unsigned int n_blocks;

static const char *
prefix_of(const struct sl_counter_block *b)
{
	return b->prefix != NULL ? b->prefix : "";
}

/* Module, then prefix, then first name: the outputs' order, stable
 * whatever order the constructors ran in. */
static int
block_cmp(const struct sl_counter_block *a, const struct sl_counter_block *b)
{
	int c = strcmp(a->module, b->module);

	if (c == 0)
		c = strcmp(prefix_of(a), prefix_of(b));
	if (c == 0)
		c = strcmp(a->names[0], b->names[0]);
	return c;
}

void
sl_counters_register(const struct sl_counter_block *b)
{
	unsigned int i;

	/* A constructor: too early for a log type; a full registry is a
	 * programming error that every test run would show. */
	if (n_blocks == BLOCKS_MAX || b->n == 0) {
		fprintf(stderr, "sluice: counter block %s/%s not registered\n", b->module,
				prefix_of(b));
		abort();
	}
	for (i = n_blocks; i > 0 && block_cmp(blocks[i - 1], b) > 0; i--)
		blocks[i] = blocks[i - 1];
	blocks[i] = b;
	n_blocks++;
}

const struct sl_counter_block *
sl_counters_block(unsigned int i)
{
	return i < n_blocks ? blocks[i] : NULL;
}

unsigned int
sl_counters_instances(const struct sl_counter_block *b)
{
	return b->instance_label != NULL ? b->instance_count() : 1;
}

const char *
sl_counters_instance_name(const struct sl_counter_block *b, unsigned int i)
{
	return b->instance_label != NULL ? b->instance_name(i) : NULL;
}

static const uint64_t *
values(const struct sl_counter_block *b, const struct sl_lcore *lc, unsigned int inst)
{
	const char *base = b->global != NULL ? (const char *)b->global :
		(const char *)lc + b->lcore_offset;

	return (const uint64_t *)(base + inst * b->instance_stride);
}

uint64_t
sl_counters_get(const struct sl_counter_block *b, const struct sl_lcore *lc, unsigned int inst,
		unsigned int i)
{
	return __atomic_load_n(values(b, lc, inst) + i, __ATOMIC_RELAXED);
}

uint64_t
sl_counters_total(const struct sl_counter_block *b, unsigned int inst, unsigned int i)
{
	struct sl_lcore *lc;
	uint64_t sum = 0;

	if (b->global != NULL)
		return sl_counters_get(b, NULL, inst, i);
	SL_WORKER_FOREACH(lc)
		sum += sl_counters_get(b, lc, inst, i);
	return sum;
}

const char *
sl_counters_name(const struct sl_counter_block *b, unsigned int i, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", prefix_of(b), b->names[i]);
	return buf;
}

int
sl_counters_check_partitions(const struct sl_counter_block *b, const uint64_t *v, char *why,
		size_t size)
{
	unsigned int g, i;

	if (b->marks == NULL)
		return 0;
	for (g = 1; g <= 7; g++) {
		uint64_t leaves = 0;
		int root = -1;

		for (i = 0; i < b->n; i++) {
			if (SL_CTR_ROOT_OF(b->marks[i]) == g)
				root = (int)i;
			if (SL_CTR_LEAF_OF(b->marks[i]) == g)
				leaves += v[i];
		}
		if (root >= 0 && leaves != v[root]) {
			snprintf(why, size, "%s %s%s %" PRIu64 " != %" PRIu64
					", the sum of its leaves", b->module, prefix_of(b),
					b->names[root], v[root], leaves);
			return -1;
		}
	}
	return 0;
}

void
sl_counters_foreach(const char *module, void (*fn)(const struct sl_counter_ref *c, void *arg),
		void *arg)
{
	struct sl_counter_ref c;
	char name[128];
	unsigned int k;

	for (k = 0; (c.block = sl_counters_block(k)) != NULL; k++) {
		if (module != NULL && strcmp(c.block->module, module) != 0)
			continue;
		for (c.instance = 0; c.instance < sl_counters_instances(c.block); c.instance++) {
			c.instance_name = sl_counters_instance_name(c.block, c.instance);
			for (c.index = 0; c.index < c.block->n; c.index++) {
				c.name = sl_counters_name(c.block, c.index, name, sizeof(name));
				c.total = sl_counters_total(c.block, c.instance, c.index);
				fn(&c, arg);
			}
		}
	}
}

static void
report_one(const struct sl_counter_ref *c, void *arg)
{
	if (c->total != 0)
		fprintf(arg, "%s%s%s %s %" PRIu64 "\n", c->block->module,
				c->instance_name ? " " : "",
				c->instance_name ? c->instance_name : "", c->name, c->total);
}

void
sl_counters_report(FILE *f)
{
	sl_counters_foreach(NULL, report_one, f);
}

static void
print_marks(FILE *f, uint16_t m)
{
	const char *sep = "";

	if (m == 0) {
		fputc('-', f);
		return;
	}
	if (m & SL_CTR_DROP) {
		fputs("drop", f);
		sep = ",";
	}
	if (SL_CTR_ROOT_OF(m) != 0) {
		fprintf(f, "%sroot%u", sep, SL_CTR_ROOT_OF(m));
		sep = ",";
	}
	if (SL_CTR_LEAF_OF(m) != 0)
		fprintf(f, "%sleaf%u", sep, SL_CTR_LEAF_OF(m));
}

void
sl_counters_catalogue(FILE *f)
{
	const struct sl_counter_block *b;
	const char *desc = "";
	unsigned int k, i;
	char name[128];

	for (k = 0; (b = sl_counters_block(k)) != NULL; k++)
		for (i = 0; i < b->n; i++) {
			if (b->descs[i][0] != '\0')
				desc = b->descs[i];
			fprintf(f, "%s\t%s\t%s\t%s\t%s\t", b->module,
					sl_counters_name(b, i, name, sizeof(name)),
					b->kind == SL_COUNTER_KIND_GAUGE ? "gauge" : "counter",
					b->global != NULL ? "global" : "worker",
					b->instance_label != NULL ? b->instance_label : "-");
			if (b->family != NULL)
				fprintf(f, "%s:%s=%s\t", b->family, b->family_label, b->names[i]);
			else
				fputs("-\t", f);
			print_marks(f, b->marks != NULL ? b->marks[i] : 0);
			fprintf(f, "\t%s\n", desc);
		}
}

/* ---- telemetry ---- */

/* Telemetry keys allow letters, digits, '_' and '/' only. */
static void
tel_key(char *key, size_t size, const char *instance, const char *name)
{
	size_t i;

	snprintf(key, size, "%s%s%s", instance ? instance : "", instance ? "/" : "", name);
	for (i = 0; key[i] != '\0'; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '_' && key[i] != '/')
			key[i] = '_';
}

static void
tel_one(const struct sl_counter_ref *c, void *arg)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	tel_key(key, sizeof(key), c->instance_name, c->name);
	rte_tel_data_add_dict_u64(arg, key, c->total);
}

void
sl_counters_tel_module(struct rte_tel_data *d, const char *module)
{
	sl_counters_foreach(module, tel_one, d);
}

/* With a module name: that module's totals; without: every module's, a
 * dict of dicts. */
static int
tel_counters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct sl_counter_block *b;
	const char *last = "";
	unsigned int k;

	RTE_SET_USED(cmd);
	rte_tel_data_start_dict(d);
	if (params != NULL && params[0] != '\0') {
		for (k = 0; (b = sl_counters_block(k)) != NULL; k++)
			if (strcmp(b->module, params) == 0)
				break;
		if (b == NULL)
			return -EINVAL;
		sl_counters_tel_module(d, params);
		return 0;
	}
	for (k = 0; (b = sl_counters_block(k)) != NULL; k++) {
		struct rte_tel_data *m;

		if (strcmp(b->module, last) == 0)
			continue; /* blocks are ordered by module */
		last = b->module;
		m = rte_tel_data_alloc();
		if (m == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(m);
		sl_counters_tel_module(m, b->module);
		rte_tel_data_add_dict_container(d, b->module, m, 0);
	}
	return 0;
}

int
sl_counters_telemetry_init(void)
{
	return rte_telemetry_register_cmd("/sluice/counters", tel_counters,
			"Counters of every module, summed over workers. Parameter: a module "
			"(tcp, net, ...) for that module's alone");
}

void
sl_counters_add(uint64_t *sum, const void *block, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sum[i] += __atomic_load_n((const uint64_t *)block + i, __ATOMIC_RELAXED);
}
