/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf: declarations shared by the files of the module only — the checks of
 * one value against its key, so that the libconfig loader and the JSON
 * decoder accept the same values with the same messages, and the registry
 * walk of the writer.
 */
#ifndef CONF_PRIV_H
#define CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_conf.h"

/*
 * The checks below return 0, or -EINVAL with err->msg (naming `path`) and
 * err->path filled; the caller adds err->file and err->line.
 */
int conf_fail(struct sl_conf_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Store v into *out if within [k->min, k->max]. */
int conf_set_int(const struct sl_conf_key *k, int64_t v, const char *path, int64_t *out,
		struct sl_conf_error *err);

/* Check v against `choices` (a NULL-ended list). */
int conf_check_choice(const char *const *choices, const char *v, const char *path,
		struct sl_conf_error *err);

/*
 * Store string v into out[size] if it fits and is among `choices` (NULL: any).
 * The unused tail of out is zeroed so equal settings give equal bytes.
 */
int conf_set_string(const char *v, const char *path, char *out, size_t size,
		const char *const *choices, struct sl_conf_error *err);

/* Parse v as the IPV4 or PREFIX key k into field. */
int conf_set_addr(const struct sl_conf_key *k, const char *v, const char *path, void *field,
		struct sl_conf_error *err);

/* Check that n elements fit in the LIST or STRINGS key k. */
int conf_check_count(const struct sl_conf_key *k, long long n, const char *path,
		struct sl_conf_error *err);

/* The element count of the LIST or STRINGS key k whose array is at field. */
static inline unsigned int *
conf_count(const struct sl_conf_key *k, void *field)
{
	return (unsigned int *)((char *)field - k->offset + k->count_offset);
}

/* Empty the LIST or STRINGS key k: count 0 and every element zeroed. */
void conf_clear_array(const struct sl_conf_key *k, void *field);

/* Give the non-GROUP key k its default (missing REQUIRED is the caller's check). */
int conf_set_default(const struct sl_conf_key *k, const char *path, void *field,
		struct sl_conf_error *err);

/* "parent.name", or "name" at the root. */
void conf_join_path(char *out, size_t size, const char *parent, const char *name);

/* The name of the i-th registered section in registration order, NULL past the end. */
const char *conf_section_name(unsigned int i);

#endif /* CONF_PRIV_H */
