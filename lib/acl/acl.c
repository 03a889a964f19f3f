/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl: configuration, list files, the prefix table and the SYN verdict;
 * see sl_acl.h.
 *
 * Every prefix of every rule, from the configuration and from the files,
 * is collected into one array, sorted, and checked as a whole: a prefix
 * listed by two rules is an error naming both (which should win is not
 * for the loader to guess), one a rule lists twice is taken once. The
 * sorted array then fills the rte_lpm, whose next hop is the rule's index.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lpm.h>

#include "sl_acl.h"
#include "sl_core.h"
#include "sl_counters.h"
#include "sl_lcore.h"

RTE_LOG_REGISTER(sl_acl_logtype, sluice.acl, INFO);
#define ACL_LOG(level, fmt, ...) SL_LOG(sl_acl_logtype, level, "acl: " fmt, ##__VA_ARGS__)

struct sl_acl_conf sl_acl_conf;

static const char *const actions[] = { "allow", "deny", NULL };
static const char *const denied_choices[] = { "drop", "rst", NULL };

static const struct sl_conf_key rule_keys[] = {
	SL_KEY_STR(struct sl_acl_rule_conf, name, SL_CONF_REQUIRED, NULL,
			"unique name (counters: rule=\"NAME\")"),
	SL_KEY_CHOICE(struct sl_acl_rule_conf, action, SL_CONF_REQUIRED, NULL, actions,
			"what a source this rule's prefixes hold gets: allow or deny"),
	SL_KEY_STRINGS(struct sl_acl_rule_conf, prefixes, n_prefixes,
			"IPv4 prefixes a.b.c.d/len (or addresses a.b.c.d)"),
	SL_KEY_STR(struct sl_acl_rule_conf, file, 0, "",
			"a file of more prefixes, one per line, '#' comments"),
	SL_KEY_END,
};

static const struct sl_conf_key acl_keys[] = {
	SL_KEY_CHOICE(struct sl_acl_conf, default_action, 0, "allow", actions,
			"what a source no prefix holds gets"),
	SL_KEY_CHOICE(struct sl_acl_conf, denied, 0, "drop", denied_choices,
			"a denied SYN is dropped, or answered with RST"),
	SL_KEY_LIST(struct sl_acl_conf, rules, n_rules, rule_keys, 0,
			"rules; the most specific prefix holding the source decides"),
	SL_KEY_INT(struct sl_acl_conf, dynamic_max, 0, 1048576, 4096,
			"entries of the dynamic deny list (REST, console); 0: none"),
	SL_KEY_END,
};

int
sl_acl_conf_register(void)
{
	return sl_conf_register("acl", acl_keys, &sl_acl_conf, sizeof(sl_acl_conf));
}

/* ---- collecting the prefixes ---- */

struct acl_entry {
	uint32_t addr; /* host order */
	uint8_t depth;
	uint8_t rule;
	bool in_file;  /* listed in the rule's file, not its prefixes */
};

struct acl_entries {
	struct acl_entry *v;
	size_t n, cap;
	size_t from_files;
};

static uint32_t
mask_of(uint8_t depth)
{
	return depth == 0 ? 0 : ~0u << (32 - depth);
}

/* "a.b.c.d/len" or "a.b.c.d" (a /32); host bits must be clear. */
static const char *
parse_entry(const char *s, struct acl_entry *e)
{
	struct sl_conf_prefix p;

	if (strchr(s, '/') != NULL) {
		if (sl_conf_parse_prefix(s, &p) < 0)
			return "not a prefix a.b.c.d/len";
	} else {
		if (sl_conf_parse_ipv4(s, &p.addr) < 0)
			return "not an address a.b.c.d or a prefix a.b.c.d/len";
		p.depth = 32;
	}
	e->addr = rte_be_to_cpu_32(p.addr);
	e->depth = p.depth;
	if (e->depth == 0)
		return "a /0 prefix: use default_action";
	if (e->addr & ~mask_of(e->depth))
		return "host bits set beyond the prefix length";
	return NULL;
}

static int
push(struct acl_entries *es, const struct acl_entry *e)
{
	if (es->n == es->cap) {
		size_t cap = es->cap == 0 ? 1024 : es->cap * 2;
		struct acl_entry *v = realloc(es->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		es->v = v;
		es->cap = cap;
	}
	es->v[es->n++] = *e;
	return 0;
}

/* Trim s in place: leading and trailing blanks, and a '#' comment. */
static char *
trim_line(char *s)
{
	char *end;

	s[strcspn(s, "#\r\n")] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static int
read_file(const char *path, unsigned int rule, struct acl_entries *es, struct sl_conf_error *err)
{
	char line[128], *s;
	struct acl_entry e = { .rule = (uint8_t)rule, .in_file = true };
	const char *why;
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = 0;

	if (f == NULL) {
		char at[64];

		snprintf(at, sizeof(at), "acl.rules[%u].file", rule);
		return sl_conf_error_at(err, at, "cannot read '%s': %s", path, strerror(errno));
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			why = "line too long";
		} else {
			s = trim_line(line);
			if (*s == '\0')
				continue;
			why = parse_entry(s, &e);
		}
		if (why != NULL) {
			snprintf(err->file, sizeof(err->file), "%s", path);
			err->line = lineno;
			snprintf(err->msg, sizeof(err->msg), "%s", why);
			snprintf(err->path, sizeof(err->path), "acl.rules[%u].file", rule);
			rc = -EINVAL;
		} else if (push(es, &e) < 0) {
			rc = sl_conf_error_at(err, "acl", "out of memory reading '%s'", path);
		} else {
			es->from_files++;
		}
	}
	fclose(f);
	return rc;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct acl_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return (int)x->rule - (int)y->rule;
}

/* Names unique; a prefix in two rules is an error, twice in one is one. */
static int
collect(const struct sl_acl_conf *c, struct acl_entries *es, struct sl_conf_error *err)
{
	char path[64];
	unsigned int r, i, k;
	size_t j, out;
	int rc;

	for (r = 0; r < c->n_rules; r++) {
		const struct sl_acl_rule_conf *rc_ = &c->rules[r];

		for (k = 0; k < r; k++)
			if (strcmp(c->rules[k].name, rc_->name) == 0) {
				snprintf(path, sizeof(path), "acl.rules[%u].name", r);
				return sl_conf_error_at(err, path, "rule '%s' is named twice",
						rc_->name);
			}
		for (i = 0; i < rc_->n_prefixes; i++) {
			struct acl_entry e = { .rule = (uint8_t)r };
			const char *why = parse_entry(rc_->prefixes[i], &e);

			snprintf(path, sizeof(path), "acl.rules[%u].prefixes", r);
			if (why != NULL)
				return sl_conf_error_at(err, path, "'%s': %s", rc_->prefixes[i], why);
			if (push(es, &e) < 0)
				return sl_conf_error_at(err, path, "out of memory");
		}
		if (rc_->file[0] != '\0' && (rc = read_file(rc_->file, r, es, err)) < 0)
			return rc;
	}
	if (es->n > 1)
		qsort(es->v, es->n, sizeof(es->v[0]), entry_cmp);
	for (j = 0, out = 0; j < es->n; j++) {
		const struct acl_entry *e = &es->v[j];

		if (out > 0 && es->v[out - 1].addr == e->addr && es->v[out - 1].depth == e->depth) {
			if (es->v[out - 1].rule == e->rule)
				continue;
			snprintf(path, sizeof(path), "acl.rules[%u].%s", e->rule,
					e->in_file ? "file" : "prefixes");
			return sl_conf_error_at(err, path,
					"%u.%u.%u.%u/%u is in rules '%s' and '%s'",
					e->addr >> 24, (e->addr >> 16) & 0xff, (e->addr >> 8) & 0xff,
					e->addr & 0xff, e->depth, c->rules[es->v[out - 1].rule].name,
					c->rules[e->rule].name);
		}
		es->v[out++] = *e;
	}
	es->n = out;
	return 0;
}

int
sl_acl_validate(struct sl_conf_error *err)
{
	struct acl_entries es = { 0 };
	int rc = collect(&sl_acl_conf, &es, err);

	free(es.v);
	return rc;
}

/* ---- the table ---- */

/* The next hop of a dynamic entry's prefix (rules have 0..63). */
#define DYNAMIC SL_ACL_RULES_MAX

/*
 * Made before the workers start, freed after they stop; the management
 * lcore adds and deletes dynamic prefixes while they look up (rte_lpm
 * updates one 32-bit entry at a time; a deleted prefix's tbl8 group is
 * reused only after every worker has passed a quiescent state).
 */
static struct {
	struct rte_lpm *lpm;          /* NULL: no prefix yet, the default decides */
	bool deny[SL_ACL_RULES_MAX];
	bool default_deny;
	bool rst;
} table;

/* The dynamic deny list, oldest first (management lcore only). */
static struct sl_acl_deny *dyn;
static unsigned int n_dyn;

/* tbl8 groups the entries need: one per /24 holding longer prefixes. */
static uint32_t
tbl8_groups(const struct acl_entries *es)
{
	uint32_t n = 0, last = 0;
	bool any = false;
	size_t j;

	/* sorted by address: each /24 is one run */
	for (j = 0; j < es->n; j++) {
		uint32_t g = es->v[j].addr >> 8;

		if (es->v[j].depth > 24 && (!any || g != last)) {
			n++;
			last = g;
			any = true;
		}
	}
	return n;
}

/* The table with es's prefixes and room for the dynamic list, published. */
static int
build(const struct acl_entries *es)
{
	uint32_t room = (uint32_t)sl_acl_conf.dynamic_max;
	struct rte_lpm_config cfg = {
		.max_rules = (uint32_t)es->n + room,
		.number_tbl8s = tbl8_groups(es) + room + 1,
	};
	struct rte_lpm_rcu_config rcu = { .v = sl_lcore_rcu(), .mode = RTE_LPM_QSBR_MODE_DQ };
	struct rte_lpm *lpm = rte_lpm_create("sl_acl", (int)rte_socket_id(), &cfg);
	size_t j;
	int rc;

	if (lpm == NULL) {
		ACL_LOG(ERR, "cannot create the prefix table (%zu prefixes, %u dynamic): %s",
				es->n, room, rte_strerror(rte_errno));
		return -rte_errno;
	}
	rc = rcu.v != NULL ? rte_lpm_rcu_qsbr_add(lpm, &rcu) : 0;
	for (j = 0; rc == 0 && j < es->n; j++) {
		rc = rte_lpm_add(lpm, es->v[j].addr, es->v[j].depth, es->v[j].rule);
		if (rc < 0)
			ACL_LOG(ERR, "adding prefix %zu of %zu: %s", j + 1, es->n, rte_strerror(-rc));
	}
	if (rc < 0) {
		rte_lpm_free(lpm);
		return rc;
	}
	__atomic_store_n(&table.lpm, lpm, __ATOMIC_RELEASE);
	return 0;
}

int
sl_acl_init(void)
{
	struct sl_conf_error err = { 0 };
	struct acl_entries es = { 0 };
	uint64_t t0 = rte_get_tsc_cycles();
	unsigned int r;
	int rc;

	rc = collect(&sl_acl_conf, &es, &err);
	if (rc < 0) {
		ACL_LOG(ERR, "%s:%d: %s", err.file, err.line, err.msg);
		goto out;
	}
	for (r = 0; r < sl_acl_conf.n_rules; r++)
		table.deny[r] = strcmp(sl_acl_conf.rules[r].action, "deny") == 0;
	table.default_deny = strcmp(sl_acl_conf.default_action, "deny") == 0;
	table.rst = strcmp(sl_acl_conf.denied, "rst") == 0;
	if (sl_acl_conf.dynamic_max > 0) {
		dyn = calloc((size_t)sl_acl_conf.dynamic_max, sizeof(*dyn));
		if (dyn == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	/* without static prefixes, the first dynamic entry makes the table */
	if (es.n > 0 && (rc = build(&es)) < 0) {
		sl_acl_term();
		goto out;
	}
	if (sl_acl_conf.n_rules > 0 || table.default_deny)
		ACL_LOG(INFO, "%u rules, %zu prefixes (%zu lines of files) in %" PRIu64
				" ms; default %s; denied SYNs %s",
				sl_acl_conf.n_rules, es.n, es.from_files,
				(rte_get_tsc_cycles() - t0) * 1000 / rte_get_tsc_hz(),
				sl_acl_conf.default_action, table.rst ? "answered with RST" : "dropped");
out:
	free(es.v);
	return rc;
}

void
sl_acl_term(void)
{
	rte_lpm_free(table.lpm);
	memset(&table, 0, sizeof(table));
	free(dyn);
	dyn = NULL;
	n_dyn = 0;
}

/* ---- the verdict ---- */

enum sl_acl_verdict
sl_acl_syn_verdict(struct sl_lcore *lc, uint32_t src)
{
	struct sl_acl_lcore *a = &lc->acl;
	uint32_t rule;
	bool deny;
	struct rte_lpm *lpm = __atomic_load_n(&table.lpm, __ATOMIC_ACQUIRE);

	a->stats.syn_checked++;
	if (lpm != NULL && rte_lpm_lookup(lpm, rte_be_to_cpu_32(src), &rule) == 0) {
		if (rule == DYNAMIC) {
			a->stats.syn_dynamic++;
			deny = true;
		} else {
			a->rules[rule].syns++;
			deny = table.deny[rule];
		}
	} else {
		a->stats.syn_default++;
		deny = table.default_deny;
	}
	if (!deny) {
		a->stats.syn_allowed++;
		return SL_ACL_ALLOW;
	}
	a->stats.syn_denied++;
	if (!table.rst)
		return SL_ACL_DROP;
	a->stats.syn_denied_rst++;
	return SL_ACL_RST;
}

/* ---- the dynamic deny list ---- */

uint64_t
sl_acl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
dyn_find(uint32_t addr, uint8_t depth)
{
	unsigned int i;

	for (i = 0; i < n_dyn; i++)
		if (dyn[i].addr == addr && dyn[i].depth == depth)
			return (int)i;
	return -1;
}

static void
set_why(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
}

int
sl_acl_deny_add(uint32_t addr, uint8_t depth, uint32_t ttl_s, const char *reason,
		char *why, size_t why_size)
{
	uint32_t host = rte_be_to_cpu_32(addr), hop;
	struct sl_acl_deny *d;
	int i = dyn_find(addr, depth), rc;

	if (depth < 1 || depth > 32 || (host & ~mask_of(depth)) != 0) {
		set_why(why, why_size, "a prefix a.b.c.d/len (1-32) without host bits");
		return -EINVAL;
	}
	if (i < 0) {
		struct acl_entries none = { 0 };

		if (n_dyn >= (unsigned int)sl_acl_conf.dynamic_max) {
			set_why(why, why_size, "the dynamic deny list is full (acl.dynamic_max %u)",
					(unsigned int)sl_acl_conf.dynamic_max);
			return -ENOSPC;
		}
		if (table.lpm == NULL && (rc = build(&none)) < 0) {
			set_why(why, why_size, "cannot make the prefix table: %s", rte_strerror(-rc));
			return rc;
		}
		if (rte_lpm_is_rule_present(table.lpm, host, depth, &hop) == 1) {
			set_why(why, why_size, "rule '%s' lists that prefix; add a longer one",
					sl_acl_conf.rules[hop].name);
			return -EEXIST;
		}
		rc = rte_lpm_add(table.lpm, host, depth, DYNAMIC);
		if (rc < 0) {
			set_why(why, why_size, "the prefix table is full: %s", rte_strerror(-rc));
			return rc;
		}
		i = (int)n_dyn++;
		dyn[i] = (struct sl_acl_deny){ .addr = addr, .depth = depth };
	}
	d = &dyn[i];
	d->ttl_s = ttl_s;
	d->expires_ms = ttl_s == 0 ? 0 : sl_acl_now_ms() + (uint64_t)ttl_s * 1000;
	snprintf(d->reason, sizeof(d->reason), "%s", reason != NULL ? reason : "");
	return 0;
}

static void
dyn_delete(unsigned int i)
{
	rte_lpm_delete(table.lpm, rte_be_to_cpu_32(dyn[i].addr), dyn[i].depth);
	memmove(&dyn[i], &dyn[i + 1], (n_dyn - i - 1) * sizeof(dyn[0]));
	n_dyn--;
}

int
sl_acl_deny_remove(uint32_t addr, uint8_t depth)
{
	int i = dyn_find(addr, depth);

	if (i < 0)
		return -ENOENT;
	dyn_delete((unsigned int)i);
	return 0;
}

unsigned int
sl_acl_deny_list(struct sl_acl_deny *out, unsigned int max)
{
	memcpy(out, dyn, RTE_MIN(max, n_dyn) * sizeof(dyn[0]));
	return n_dyn;
}

unsigned int
sl_acl_deny_expire(void)
{
	uint64_t now = sl_acl_now_ms();
	unsigned int i = n_dyn, gone = 0;

	while (i-- > 0)
		if (dyn[i].expires_ms != 0 && now >= dyn[i].expires_ms) {
			dyn_delete(i);
			gone++;
		}
	return gone;
}

/* ---- counters ---- */

static unsigned int
rule_count(void)
{
	return sl_acl_conf.n_rules;
}

static const char *
rule_name(unsigned int i)
{
	return sl_acl_conf.rules[i].name;
}

SL_COUNTERS_DEFINE(acl_counters, SL_ACL_COUNTERS, .module = "acl",
		.lcore_offset = offsetof(struct sl_lcore, acl.stats));
SL_COUNTERS_DEFINE(acl_rule_counters, SL_ACL_RULE_COUNTERS, .module = "acl",
		.prefix = "rule_", .lcore_offset = offsetof(struct sl_lcore, acl.rules),
		.instance_label = "rule", .instance_count = rule_count,
		.instance_name = rule_name, .instance_stride = sizeof(struct sl_acl_rule_stats));
