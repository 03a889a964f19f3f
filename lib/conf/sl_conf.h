/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf: the configuration model. Modules describe their settings as a schema
 * (struct sl_conf_key tables) bound to their own C structs; conf reads a
 * libconfig file, checks it against every registered schema — unknown keys,
 * wrong types, out-of-range values, missing required keys — and fills the
 * structs. Every error names FILE:LINE. The same schemas drive a JSON codec
 * (for the REST API) and a writer that saves the applied configuration.
 *
 * Callers: management lcore only (before workers start, and later when a
 * change is applied). Owns: the registry of top-level sections.
 */
#ifndef SL_CONF_H
#define SL_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

enum sl_conf_type {
	SL_CONF_END = 0,  /* terminates a key table */
	SL_CONF_INT,      /* int64_t, range [min, max] */
	SL_CONF_BOOL,     /* bool */
	SL_CONF_STRING,   /* char[size] */
	SL_CONF_IPV4,     /* uint32_t, network byte order, "a.b.c.d" */
	SL_CONF_PREFIX,   /* struct sl_conf_prefix, "a.b.c.d/len" */
	SL_CONF_GROUP,    /* struct at offset, keys in sub */
	SL_CONF_LIST,     /* array of structs: ( {..}, {..} ), see below */
	SL_CONF_STRINGS,  /* array of char[size]: [ "a", "b" ], see below */
};

#define SL_CONF_REQUIRED 0x1u

struct sl_conf_prefix {
	uint32_t addr; /* network byte order */
	uint8_t depth;
};

/*
 * One setting. For LIST and STRINGS, `offset` is where the array starts,
 * `size` the size of one element, `max` the element capacity and
 * `count_offset` where the element count (unsigned int) is stored.
 */
struct sl_conf_key {
	const char *name;
	enum sl_conf_type type;
	unsigned int flags;
	size_t offset;
	size_t size;
	int64_t min, max;
	int64_t def;           /* default for INT and BOOL */
	const char *def_str;   /* default for STRING, IPV4, PREFIX */
	const struct sl_conf_key *sub;
	size_t count_offset;
	const char *const *choices; /* STRING(S): allowed values, NULL-ended */
	const char *help;
};

/*
 * Where a conf error is reported: "FILE:LINE: message". `path` is the setting
 * at fault ("proxy.routes[2].pool"; for JSON, the field path inside the
 * object, "members[1].port"), "" when none.
 */
struct sl_conf_error {
	char file[256];
	int line;
	char msg[256];
	char path[128];
};

/*
 * Register a top-level section bound to the struct at `dst` (of `size`
 * bytes). A load fills scratch copies first and changes `dst` only when the
 * whole file is valid.
 */
int sl_conf_register(const char *section, const struct sl_conf_key *keys, void *dst,
		size_t size);

/* Forget every registered section (tests). */
void sl_conf_reset(void);

/*
 * Read `path` (or, if NULL, the text `embedded`, reported under the name
 * "<embedded>") and fill every registered section. Sections absent from the
 * file get their defaults. Returns 0, or -EINVAL with *err filled.
 */
int sl_conf_load(const char *path, const char *embedded, struct sl_conf_error *err);

/*
 * Fill one struct from a standalone file whose root holds `keys` under
 * `section` (used for drivers-conf profiles). Same error contract.
 */
int sl_conf_load_file(const char *path, const char *section,
		const struct sl_conf_key *keys, void *dst, struct sl_conf_error *err);

/*
 * Report a semantic error found after a successful load (a cross-reference,
 * a conflict) at the file and line where the setting `path` (for example
 * "net.routes[1].via") was read. Always returns -EINVAL.
 */
int sl_conf_error_at(struct sl_conf_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse "a.b.c.d" / "a.b.c.d/len"; 0 or -EINVAL. */
int sl_conf_parse_ipv4(const char *s, uint32_t *addr);
int sl_conf_parse_prefix(const char *s, struct sl_conf_prefix *p);

/* Helpers for key tables. */
#define SL_KEY_INT(st, fld, lo, hi, dflt, h) \
	{ .name = #fld, .type = SL_CONF_INT, .offset = offsetof(st, fld), \
	  .min = (lo), .max = (hi), .def = (dflt), .help = (h) }
#define SL_KEY_BOOL(st, fld, dflt, h) \
	{ .name = #fld, .type = SL_CONF_BOOL, .offset = offsetof(st, fld), \
	  .def = (dflt), .help = (h) }
#define SL_KEY_STR(st, fld, fl, dflt, h) \
	{ .name = #fld, .type = SL_CONF_STRING, .flags = (fl), \
	  .offset = offsetof(st, fld), .size = sizeof(((st *)0)->fld), \
	  .def_str = (dflt), .help = (h) }
#define SL_KEY_IPV4(st, fld, fl, dflt, h) \
	{ .name = #fld, .type = SL_CONF_IPV4, .flags = (fl), \
	  .offset = offsetof(st, fld), .def_str = (dflt), .help = (h) }
#define SL_KEY_PREFIX(st, fld, fl, dflt, h) \
	{ .name = #fld, .type = SL_CONF_PREFIX, .flags = (fl), \
	  .offset = offsetof(st, fld), .def_str = (dflt), .help = (h) }
#define SL_KEY_GROUP(st, fld, keys, h) \
	{ .name = #fld, .type = SL_CONF_GROUP, .offset = offsetof(st, fld), \
	  .sub = (keys), .help = (h) }
#define SL_KEY_LIST(st, fld, cnt, keys, fl, h) \
	{ .name = #fld, .type = SL_CONF_LIST, .flags = (fl), \
	  .offset = offsetof(st, fld), .size = sizeof(((st *)0)->fld[0]), \
	  .max = RTE_DIM(((st *)0)->fld), .count_offset = offsetof(st, cnt), \
	  .sub = (keys), .help = (h) }
#define SL_KEY_STRINGS(st, fld, cnt, h) \
	{ .name = #fld, .type = SL_CONF_STRINGS, .offset = offsetof(st, fld), \
	  .size = sizeof(((st *)0)->fld[0]), .max = RTE_DIM(((st *)0)->fld), \
	  .count_offset = offsetof(st, cnt), .help = (h) }
#define SL_KEY_CHOICE(st, fld, fl, dflt, ch, h) \
	{ .name = #fld, .type = SL_CONF_STRING, .flags = (fl), \
	  .offset = offsetof(st, fld), .size = sizeof(((st *)0)->fld), \
	  .def_str = (dflt), .choices = (ch), .help = (h) }
#define SL_KEY_CHOICES(st, fld, cnt, ch, h) \
	{ .name = #fld, .type = SL_CONF_STRINGS, .offset = offsetof(st, fld), \
	  .size = sizeof(((st *)0)->fld[0]), .max = RTE_DIM(((st *)0)->fld), \
	  .count_offset = offsetof(st, cnt), .choices = (ch), .help = (h) }
#define SL_KEY_END { .name = NULL, .type = SL_CONF_END }

/*
 * ---- JSON codec and libconfig writer ----
 *
 * Both are driven by the same key tables as the loader and apply the same
 * checks with the same messages. The management plane reads and writes
 * configuration objects as JSON and persists the applied configuration.
 */

/* The key named `name` in a key table, NULL if absent (e.g. to reach ->sub of a list). */
const struct sl_conf_key *sl_conf_key_find(const struct sl_conf_key *keys, const char *name);

/* The keys, bound struct and its size of a registered section; NULL if none. */
const struct sl_conf_key *sl_conf_section_keys(const char *section, void **dst, size_t *size);

/*
 * A new JSON object holding every key of the struct at `src` (defaults
 * included): INT integer, BOOL true/false, STRING string, IPV4 "a.b.c.d",
 * PREFIX "a.b.c.d/len", GROUP object, LIST array of objects, STRINGS array of
 * strings. Bytes that are not UTF-8 are encoded as U+FFFD. NULL on ENOMEM.
 */
json_t *sl_conf_json_encode(const struct sl_conf_key *keys, const void *src);

/*
 * Decode the JSON object `obj` into `dst`, a struct of `size` bytes described
 * by `keys`.
 * patch false (create/replace): dst is reset to the defaults first, as by
 *   the load of an empty group, then the fields of obj apply; a missing
 *   SL_CONF_REQUIRED field is an error.
 * patch true (RFC 7396 merge patch): absent fields keep their value, null
 *   resets a field to its default (an error if required), objects of GROUP
 *   keys merge recursively, LIST and STRINGS values replace the whole array.
 * In both modes null means "the default" and elements of lists are whole.
 * Checks are those of the loader (unknown field, type, range, length,
 * address, choices, list capacity). Returns 0, or -EINVAL with err->msg
 * naming the field, err->path its path inside obj ("members[1].port"),
 * err->file "" and err->line 0; dst is then unchanged. -ENOMEM likewise.
 */
int sl_conf_json_decode(const struct sl_conf_key *keys, const json_t *obj, void *dst,
		size_t size, bool patch, struct sl_conf_error *err);

/*
 * Write every registered section in registration order as libconfig text to
 * f, after a one-line comment `header` (NULL: none). A section is written
 * from `override(section)` when override is not NULL and returns non-NULL,
 * else from its bound struct. Every key is written, defaults included, so
 * the file is complete and loads back to the same structs. 0 or -errno.
 */
int sl_conf_write(FILE *f, const char *header, const void *(*override)(const char *section));

/*
 * Atomically replace `path` with the output of sl_conf_write: write
 * path.tmp in the same directory, flush, fsync, rename over path and
 * fsync the directory. 0, or -errno with err->msg naming the failed step
 * (err->file = path); the old file is then untouched and no temporary file
 * remains — except when only the final fsync of the directory failed: the
 * new file is in place but may not be durable yet.
 */
int sl_conf_save(const char *path, const char *header,
		const void *(*override)(const char *section), struct sl_conf_error *err);

#endif /* SL_CONF_H */
