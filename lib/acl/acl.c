/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acl: configuration, list files, the prefix table and the SYN verdict;
 * see sl_acl.h.
 *
 * Every prefix of every rule, from the configuration and from the files,
 * is collected into one array, sorted, and checked as a whole: a prefix
 * listed by two rules is an error naming both (which should win is not
 * for the loader to guess), one a rule lists twice is taken once. The
 * sorted array then fills the rte_lpm, whose next hop holds the rule's
 * index and the prefix's length (a scoped rule's match is compared with
 * it). Scoped rules' prefixes go to a short array instead, longest first.
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
	SL_KEY_STRINGS(struct sl_acl_rule_conf, listeners, n_listeners,
			"judge only SYNs to these: \"a.b.c.d:port\" or \"*:port\"; none: all"),
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
	bool scoped;   /* of a rule scoped to listeners */
};

struct acl_entries {
	struct acl_entry *v;
	size_t n, cap;
	size_t from_files;
	size_t n_scoped;   /* entries of scoped rules, left out of the table */
};

/* A listener a scoped rule judges: address (0: any) and port, network order. */
struct acl_scope {
	uint32_t addr;
	uint16_t port;
};

/* "a.b.c.d:port" or "*:port". */
static int
parse_scope(const char *s, struct acl_scope *sc)
{
	const char *colon = strrchr(s, ':');
	char addr[20], *end;
	unsigned long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port == 0 || port > 65535)
		return -EINVAL;
	sc->port = rte_cpu_to_be_16((uint16_t)port);
	if (strcmp(addr, "*") == 0) {
		sc->addr = 0;
		return 0;
	}
	return sl_conf_parse_ipv4(addr, &sc->addr);
}

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

static bool
scoped(const struct sl_acl_conf *c, const struct acl_entry *e)
{
	return c->rules[e->rule].n_listeners > 0;
}

/* For qsort: the table's entries by address, then the scoped rules'
 * (flagged by collect) longest first, in rule order. */
static int
entry_cmp(const void *a, const void *b)
{
	const struct acl_entry *x = a, *y = b;

	if (x->scoped != y->scoped)
		return x->scoped ? 1 : -1;
	if (x->scoped) {
		if (x->depth != y->depth)
			return x->depth > y->depth ? -1 : 1;
		if (x->rule != y->rule)
			return (int)x->rule - (int)y->rule;
	}
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
		const struct sl_acl_rule_conf *rule = &c->rules[r];
		struct acl_scope sc;

		for (k = 0; k < r; k++)
			if (strcmp(c->rules[k].name, rule->name) == 0) {
				snprintf(path, sizeof(path), "acl.rules[%u].name", r);
				return sl_conf_error_at(err, path, "rule '%s' is named twice",
						rule->name);
			}
		snprintf(path, sizeof(path), "acl.rules[%u].listeners", r);
		for (k = 0; k < rule->n_listeners; k++)
			if (parse_scope(rule->listeners[k], &sc) < 0)
				return sl_conf_error_at(err, path, "'%s' is not a.b.c.d:port or *:port",
						rule->listeners[k]);
		if (rule->n_listeners > 0 && rule->file[0] != '\0')
			return sl_conf_error_at(err, path, "a rule scoped to listeners takes "
					"prefixes, not a file");
		for (i = 0; i < rule->n_prefixes; i++) {
			struct acl_entry e = { .rule = (uint8_t)r };
			const char *why = parse_entry(rule->prefixes[i], &e);

			snprintf(path, sizeof(path), "acl.rules[%u].prefixes", r);
			if (why != NULL)
				return sl_conf_error_at(err, path, "'%s': %s", rule->prefixes[i], why);
			if (push(es, &e) < 0)
				return sl_conf_error_at(err, path, "out of memory");
		}
		if (rule->file[0] != '\0' && (rc = read_file(rule->file, r, es, err)) < 0)
			return rc;
	}
	for (j = 0; j < es->n; j++) {
		es->v[j].scoped = scoped(c, &es->v[j]);
		es->n_scoped += es->v[j].scoped;
	}
	if (es->n > 1)
		qsort(es->v, es->n, sizeof(es->v[0]), entry_cmp);
	for (j = 0, out = 0; j < es->n; j++) {
		const struct acl_entry *e = &es->v[j];

		/* scoped rules may share prefixes: the first rule wins a tie */
		if (out > 0 && !e->scoped && es->v[out - 1].addr == e->addr &&
				es->v[out - 1].depth == e->depth) {
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

/* A next hop: the rule (0..63, or DYNAMIC for the dynamic list) and the
 * prefix's length, which a scoped rule's match is weighed against. */
#define DYNAMIC SL_ACL_RULES_MAX
#define HOP(rule, depth) ((uint32_t)(rule) | (uint32_t)(depth) << 7)
#define HOP_RULE(hop) ((hop) & 0x7f)
#define HOP_DEPTH(hop) ((int)((hop) >> 7))

/* A scoped rule's prefix, host order. */
struct acl_scoped {
	uint32_t addr, mask;
	uint8_t depth;
	uint8_t rule;
};

/*
 * Made before the workers start, freed after they stop; the management
 * lcore adds and deletes dynamic prefixes while they look up (rte_lpm
 * updates one 32-bit entry at a time; a deleted prefix's tbl8 group is
 * reused only after every worker has passed a quiescent state).
 */
static struct {
	struct rte_lpm *lpm;          /* NULL: no prefix yet, the default decides */
	struct acl_scoped *scoped;    /* scoped rules' prefixes, longest first */
	unsigned int n_scoped;
	bool deny[SL_ACL_RULES_MAX];
	struct acl_scope scopes[SL_ACL_RULES_MAX][SL_ACL_RULE_LISTENERS];
	uint8_t n_scopes[SL_ACL_RULES_MAX];
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
	for (j = 0; j < es->n - es->n_scoped; j++) {
		uint32_t g = es->v[j].addr >> 8;

		if (es->v[j].depth > 24 && (!any || g != last)) {
			n++;
			last = g;
			any = true;
		}
	}
	return n;
}

/* The table with es's prefixes (those of unscoped rules, first in es) and
 * room for the dynamic list, published. */
static int
build(const struct acl_entries *es)
{
	uint32_t room = (uint32_t)sl_acl_conf.dynamic_max;
	size_t n = es->n - es->n_scoped;
	struct rte_lpm_config cfg = {
		.max_rules = (uint32_t)n + room,
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
	for (j = 0; rc == 0 && j < n; j++) {
		rc = rte_lpm_add(lpm, es->v[j].addr, es->v[j].depth,
				HOP(es->v[j].rule, es->v[j].depth));
		if (rc < 0)
			ACL_LOG(ERR, "adding prefix %zu of %zu: %s", j + 1, n, rte_strerror(-rc));
	}
	if (rc < 0) {
		rte_lpm_free(lpm);
		return rc;
	}
	__atomic_store_n(&table.lpm, lpm, __ATOMIC_RELEASE);
	return 0;
}

/* The scoped rules' prefixes, the tail of es (longest first). */
static int
keep_scoped(const struct acl_entries *es)
{
	size_t first = es->n - es->n_scoped, j;

	table.scoped = calloc(es->n_scoped, sizeof(*table.scoped));
	if (table.scoped == NULL)
		return -ENOMEM;
	for (j = 0; j < es->n_scoped; j++) {
		const struct acl_entry *e = &es->v[first + j];

		table.scoped[j] = (struct acl_scoped){ .addr = e->addr, .mask = mask_of(e->depth),
			.depth = e->depth, .rule = e->rule };
	}
	table.n_scoped = (unsigned int)es->n_scoped;
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
	for (r = 0; r < sl_acl_conf.n_rules; r++) {
		const struct sl_acl_rule_conf *rule = &sl_acl_conf.rules[r];
		unsigned int k;

		table.deny[r] = strcmp(rule->action, "deny") == 0;
		for (k = 0; k < rule->n_listeners; k++)
			parse_scope(rule->listeners[k], &table.scopes[r][k]); /* checked */
		table.n_scopes[r] = (uint8_t)rule->n_listeners;
	}
	if (es.n_scoped > 0 && (rc = keep_scoped(&es)) < 0)
		goto out;
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
	if (es.n > es.n_scoped && (rc = build(&es)) < 0) {
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
	free(table.scoped);
	memset(&table, 0, sizeof(table));
	free(dyn);
	dyn = NULL;
	n_dyn = 0;
}

/* ---- the verdict ---- */

/* Does rule r judge SYNs to laddr:lport? */
static bool
in_scope(unsigned int r, uint32_t laddr, uint16_t lport)
{
	unsigned int k;

	for (k = 0; k < table.n_scopes[r]; k++)
		if (table.scopes[r][k].port == lport &&
				(table.scopes[r][k].addr == 0 || table.scopes[r][k].addr == laddr))
			return true;
	return false;
}

/* The rule of the most specific prefix holding src for this listener, or
 * -1: the table's match, unless a scoped rule's is at least as long. */
static int
deciding_rule(uint32_t src, uint32_t laddr, uint16_t lport)
{
	struct rte_lpm *lpm = __atomic_load_n(&table.lpm, __ATOMIC_ACQUIRE);
	uint32_t host = rte_be_to_cpu_32(src), hop;
	int rule = -1, depth = -1;
	unsigned int i;

	if (lpm != NULL && rte_lpm_lookup(lpm, host, &hop) == 0) {
		rule = (int)HOP_RULE(hop);
		depth = HOP_DEPTH(hop);
	}
	for (i = 0; i < table.n_scoped && table.scoped[i].depth >= depth; i++) {
		const struct acl_scoped *e = &table.scoped[i];

		if ((host & e->mask) == e->addr && in_scope(e->rule, laddr, lport))
			return e->rule;
	}
	return rule;
}

enum sl_acl_verdict
sl_acl_syn_verdict(struct sl_lcore *lc, uint32_t src, uint32_t laddr, uint16_t lport)
{
	struct sl_acl_lcore *a = &lc->acl;
	int rule = deciding_rule(src, laddr, lport);
	bool deny;

	a->stats.syn_checked++;
	if (rule == DYNAMIC) {
		a->stats.syn_dynamic++;
		deny = true;
	} else if (rule >= 0) {
		a->rules[rule].syns++;
		deny = table.deny[rule];
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
					sl_acl_conf.rules[HOP_RULE(hop)].name);
			return -EEXIST;
		}
		rc = rte_lpm_add(table.lpm, host, depth, HOP(DYNAMIC, depth));
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
	if (n_dyn > 0 && max > 0)
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
