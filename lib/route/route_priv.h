/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route: private layout of the compiled route table, shared by the two
 * halves of the module: route_build.c writes it (management lcore) and
 * route_match.c reads it per request (worker lcores, read-only).
 *
 * One open-addressing hash (linear probing, load <= 1/2, own code so that
 * the module needs no EAL) maps (scope, kind, string) to a value:
 *   (0, ROUTE_K_HOST, "api.example.com") -> host bucket
 *   (0, ROUTE_K_WILD, "example.com")     -> host bucket of "*.example.com"
 *   (0, ROUTE_K_NAME, name)              -> route (duplicate detection at build)
 *   (bucket, ROUTE_K_EXACT, path)        -> group of routes with that exact path
 *   (bucket, ROUTE_K_PREFIX, prefix)     -> group of routes with that prefix
 * Bucket 0 is the any-host bucket. A group lists its routes in rank order,
 * as does a bucket's regex list and any-path group, so that a scan stops at
 * the first route that matches or cannot beat the best found so far.
 *
 * Regexes use POSIX regcomp/regexec (REG_EXTENDED | REG_NOSUB, compiled
 * once at build; glibc's regexec is thread-safe on a shared regex_t).
 * Hyperscan will replace them in the WAF step (one multi-pattern database
 * per host bucket instead of one regexec per regex).
 */
#ifndef ROUTE_PRIV_H
#define ROUTE_PRIV_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "sl_route.h"

#define ROUTE_NONE UINT32_MAX

enum route_key_kind { ROUTE_K_HOST = 1, ROUTE_K_WILD, ROUTE_K_NAME, ROUTE_K_EXACT, ROUTE_K_PREFIX };

struct route_hent {
	char *key; /* NULL: empty slot */
	uint64_t h;
	uint32_t klen;
	uint32_t scope;
	uint32_t kind;
	uint32_t val;
};

struct route_htab {
	struct route_hent *e;
	uint32_t mask; /* capacity - 1 */
	uint32_t n;
};

struct route_ids {
	uint32_t *v;
	uint32_t n, cap;
};

struct route_group {
	struct route_ids r; /* routes in rank order */
};

struct route_bucket {
	int32_t host_spec;
	struct route_ids plen; /* distinct prefix lengths, descending */
	struct route_ids rx;   /* regex routes in rank order */
	uint32_t any;	       /* group of any-path routes, ROUTE_NONE if none */
};

struct route_cond {
	char *name;
	char *value; /* NULL: presence */
	size_t nlen, vlen;
};

struct route {
	struct sl_route pub;
	char *name;
	int32_t host_spec; /* specificities, larger is more specific: */
	int32_t path_spec; /* HOST_* and PATH_* of route_build.c */
	uint64_t methods;
	enum sl_route_path_kind kind;
	bool has_rx;
	regex_t rx;
	unsigned int n_conds;
	struct route_cond conds[SL_ROUTE_MAX_HDRS];
};

struct sl_route_table {
	struct route *routes;
	uint32_t n_routes;
	struct route_bucket *buckets;
	uint32_t n_buckets, cap_buckets;
	struct route_group *groups;
	uint32_t n_groups, cap_groups;
	struct route_htab h;
	uint32_t dflt; /* default route or ROUTE_NONE */
	uint32_t max_wild_labels;
};

/* ---- hash ---- */

/* Here, not exported: the hash and lookup run per request and at build alike. */
static inline uint64_t
route_hash_key(uint32_t scope, uint32_t kind, const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ ((uint64_t)scope << 8) ^ kind;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 0x100000001b3ull;
	}
	/* finalizer (splitmix64) so that the low bits are well mixed */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/*
 * static, not inline, as it was in the single route.c: gcc keeps it out of
 * line then; "inline" gets it inlined into the match loop (8% fewer
 * instructions per match, more code): a change to measure on its own.
 */
static __rte_unused uint32_t
route_htab_get(const struct route_htab *t, uint32_t scope, uint32_t kind, const char *s, size_t len,
	struct sl_route_stats *st)
{
	uint64_t h = route_hash_key(scope, kind, s, len);
	uint32_t i = (uint32_t)h & t->mask;

	if (st != NULL)
		st->lookups++;
	for (;; i = (i + 1) & t->mask) {
		const struct route_hent *e = &t->e[i];

		if (st != NULL)
			st->probes++;
		if (e->key == NULL)
			return ROUTE_NONE;
		if (e->h == h && e->scope == scope && e->kind == kind && e->klen == len &&
			memcmp(e->key, s, len) == 0)
			return e->val;
	}
}

/* ---- ranking ---- */

/* > 0 if a ranks before b (the selection rule of sl_route.h). */
/* Inline here: per candidate in a match scan, and the build sort key. */
static inline int
route_rank_cmp(const struct route *a, const struct route *b)
{
	if (a->pub.priority != b->pub.priority)
		return a->pub.priority > b->pub.priority ? 1 : -1;
	if (a->host_spec != b->host_spec)
		return a->host_spec > b->host_spec ? 1 : -1;
	if (a->path_spec != b->path_spec)
		return a->path_spec > b->path_spec ? 1 : -1;
	if (a->pub.index != b->pub.index)
		return a->pub.index < b->pub.index ? 1 : -1;
	return 0;
}

#endif /* ROUTE_PRIV_H */
