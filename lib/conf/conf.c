/* SPDX-License-Identifier: BSD-3-Clause */
/* Schema-driven libconfig loader: see sl_conf.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <rte_common.h>

#include "conf_priv.h"
#include "sl_conf.h"

#define MAX_SECTIONS 32
#define EMBEDDED_NAME "<embedded>"

struct section {
	const char *name;
	const struct sl_conf_key *keys;
	void *dst;
	size_t size;
	void *scratch; /* filled during a load, copied to dst on success */
};

static struct section sections[MAX_SECTIONS];
static unsigned int n_sections;

/* Where each setting of the last successful load was read, for later errors. */
struct origin {
	char path[96];
	int line;
};
static struct origin *origins, *new_origins;
static unsigned int n_origins, n_new_origins, cap_new_origins;
static char origin_file[256];

/* State of one load: where errors go and which file is being read. */
struct loader {
	struct sl_conf_error *err;
	const char *file;
};

int
sl_conf_register(const char *section, const struct sl_conf_key *keys, void *dst, size_t size)
{
	unsigned int i;

	for (i = 0; i < n_sections; i++)
		if (strcmp(sections[i].name, section) == 0)
			return -EEXIST;
	if (n_sections == MAX_SECTIONS)
		return -ENOSPC;
	sections[n_sections++] = (struct section){
		.name = section, .keys = keys, .dst = dst, .size = size };
	return 0;
}

void
sl_conf_reset(void)
{
	n_sections = 0;
}

const struct sl_conf_key *
sl_conf_section_keys(const char *section, void **dst, size_t *size)
{
	unsigned int i;

	for (i = 0; i < n_sections; i++) {
		if (strcmp(sections[i].name, section) != 0)
			continue;
		if (dst != NULL)
			*dst = sections[i].dst;
		if (size != NULL)
			*size = sections[i].size;
		return sections[i].keys;
	}
	return NULL;
}

const char *
conf_section_name(unsigned int i)
{
	return i < n_sections ? sections[i].name : NULL;
}

/* Add where setting s (NULL: nowhere) was read to an error already described. */
static int
locate(struct loader *ld, const config_setting_t *s)
{
	struct sl_conf_error *err = ld->err;
	const char *file = s != NULL ? config_setting_source_file(s) : NULL;

	snprintf(err->file, sizeof(err->file), "%s", file != NULL ? file : ld->file);
	err->line = s != NULL ? (int)config_setting_source_line(s) : 0;
	return -EINVAL;
}

static int __rte_format_printf(3, 0)
vdescribe(struct sl_conf_error *err, const char *path, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	snprintf(err->path, sizeof(err->path), "%s", path);
	return -EINVAL;
}

int
conf_fail(struct sl_conf_error *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdescribe(err, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int __rte_format_printf(4, 5)
fail(struct loader *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdescribe(ld->err, path, fmt, ap);
	va_end(ap);
	return locate(ld, s);
}

int
sl_conf_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

int
sl_conf_parse_prefix(const char *s, struct sl_conf_prefix *p)
{
	char buf[INET_ADDRSTRLEN + 4];
	char *slash, *end;
	unsigned long depth;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, strlen(s) + 1);
	slash = strchr(buf, '/');
	if (slash == NULL || slash[1] == '\0')
		return -EINVAL;
	*slash = '\0';
	if (!isdigit((unsigned char)slash[1]))
		return -EINVAL;
	errno = 0;
	depth = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || depth > 32)
		return -EINVAL;
	if (sl_conf_parse_ipv4(buf, &p->addr) < 0)
		return -EINVAL;
	p->depth = (uint8_t)depth;
	return 0;
}

static const char *
type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array [ ]";
	case CONFIG_TYPE_LIST: return "a list ( )";
	default: return "an unknown type";
	}
}

static int load_group(struct loader *ld, const config_setting_t *s, const char *path,
		const struct sl_conf_key *keys, void *dst);

void
conf_clear_array(const struct sl_conf_key *k, void *field)
{
	/* Unused elements zeroed: equal settings give equal bytes. */
	memset(field, 0, (size_t)k->max * k->size);
	*conf_count(k, field) = 0;
}

int
conf_set_default(const struct sl_conf_key *k, const char *path, void *field,
		struct sl_conf_error *err)
{
	int rc = 0;

	switch (k->type) {
	case SL_CONF_INT:
		*(int64_t *)field = k->def;
		return 0;
	case SL_CONF_BOOL:
		*(bool *)field = k->def != 0;
		return 0;
	case SL_CONF_STRING:
		memset(field, 0, k->size);
		snprintf(field, k->size, "%s", k->def_str != NULL ? k->def_str : "");
		return 0;
	case SL_CONF_IPV4:
		*(uint32_t *)field = 0;
		rc = k->def_str != NULL ? sl_conf_parse_ipv4(k->def_str, field) : 0;
		break;
	case SL_CONF_PREFIX:
		memset(field, 0, sizeof(struct sl_conf_prefix));
		rc = k->def_str != NULL ? sl_conf_parse_prefix(k->def_str, field) : 0;
		break;
	case SL_CONF_LIST:
	case SL_CONF_STRINGS:
		conf_clear_array(k, field);
		return 0;
	case SL_CONF_GROUP: /* the callers recurse themselves */
	case SL_CONF_END:
		rc = -EINVAL;
		break;
	}
	return rc < 0 ? conf_fail(err, path, "'%s': invalid default", path) : 0;
}

int
conf_set_int(const struct sl_conf_key *k, int64_t v, const char *path, int64_t *out,
		struct sl_conf_error *err)
{
	if (v < k->min || v > k->max)
		return conf_fail(err, path, "'%s' must be between %" PRId64 " and %" PRId64
				" (got %" PRId64 ")", path, k->min, k->max, v);
	*out = v;
	return 0;
}

static int
load_int(struct loader *ld, const struct sl_conf_key *k, const config_setting_t *s,
		const char *path, int64_t *out)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return fail(ld, s, path, "'%s' must be an integer, not %s", path,
				type_name(type));
	if (conf_set_int(k, config_setting_get_int64(s), path, out, ld->err) < 0)
		return locate(ld, s);
	return 0;
}

int
conf_check_choice(const char *const *choices, const char *v, const char *path,
		struct sl_conf_error *err)
{
	char allowed[192] = "";
	size_t used = 0;
	unsigned int i;

	for (i = 0; choices[i] != NULL; i++) {
		if (strcmp(choices[i], v) == 0)
			return 0;
		used += (size_t)snprintf(allowed + used, sizeof(allowed) - RTE_MIN(used,
				sizeof(allowed)), "%s%s", i ? ", " : "", choices[i]);
		used = RTE_MIN(used, sizeof(allowed));
	}
	return conf_fail(err, path, "'%s': \"%s\" is not one of: %s", path, v, allowed);
}

int
conf_set_string(const char *v, const char *path, char *out, size_t size,
		const char *const *choices, struct sl_conf_error *err)
{
	size_t len = strlen(v);

	if (len >= size)
		return conf_fail(err, path, "'%s' is too long (at most %zu characters)", path,
				size - 1);
	if (choices != NULL && conf_check_choice(choices, v, path, err) < 0)
		return -EINVAL;
	memcpy(out, v, len);
	memset(out + len, 0, size - len);
	return 0;
}

int
conf_set_addr(const struct sl_conf_key *k, const char *v, const char *path, void *field,
		struct sl_conf_error *err)
{
	char text[64];

	if (conf_set_string(v, path, text, sizeof(text), NULL, err) < 0)
		return -EINVAL;
	if (k->type == SL_CONF_IPV4 && sl_conf_parse_ipv4(text, field) < 0)
		return conf_fail(err, path, "'%s' must be an IPv4 address a.b.c.d (got \"%s\")",
				path, text);
	if (k->type == SL_CONF_PREFIX && sl_conf_parse_prefix(text, field) < 0)
		return conf_fail(err, path,
				"'%s' must be an IPv4 prefix a.b.c.d/len (got \"%s\")", path,
				text);
	return 0;
}

int
conf_check_count(const struct sl_conf_key *k, long long n, const char *path,
		struct sl_conf_error *err)
{
	if (n > k->max)
		return conf_fail(err, path, "'%s' has %lld entries, at most %" PRId64 " allowed",
				path, n, k->max);
	return 0;
}

static int
load_string(struct loader *ld, const config_setting_t *s, const char *path, char *out,
		size_t size, const char *const *choices)
{
	int type = config_setting_type(s);

	if (type != CONFIG_TYPE_STRING)
		return fail(ld, s, path, "'%s' must be a string, not %s", path, type_name(type));
	if (conf_set_string(config_setting_get_string(s), path, out, size, choices,
			ld->err) < 0)
		return locate(ld, s);
	return 0;
}

static int
load_array(struct loader *ld, const struct sl_conf_key *k, const config_setting_t *s,
		const char *path, void *field)
{
	int type = config_setting_type(s);
	int n = config_setting_length(s);
	char sub_path[256];
	int i, rc;

	if (k->type == SL_CONF_LIST && type != CONFIG_TYPE_LIST)
		return fail(ld, s, path, "'%s' must be a list ( {...}, ... ), not %s", path,
				type_name(type));
	if (k->type == SL_CONF_STRINGS && type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return fail(ld, s, path, "'%s' must be an array [ \"...\", ... ], not %s",
				path, type_name(type));
	if (conf_check_count(k, n, path, ld->err) < 0)
		return locate(ld, s);
	conf_clear_array(k, field);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		char *elem = (char *)field + (size_t)i * k->size;

		snprintf(sub_path, sizeof(sub_path), "%s[%d]", path, i);
		if (k->type == SL_CONF_LIST) {
			if (config_setting_type(e) != CONFIG_TYPE_GROUP)
				return fail(ld, e, sub_path, "'%s' must be a group { }, not %s",
						sub_path,
						type_name(config_setting_type(e)));
			rc = load_group(ld, e, sub_path, k->sub, elem);
		} else {
			rc = load_string(ld, e, sub_path, elem, k->size, k->choices);
		}
		if (rc < 0)
			return rc;
	}
	*conf_count(k, field) = (unsigned int)n;
	return 0;
}

static int
load_key(struct loader *ld, const struct sl_conf_key *k, const config_setting_t *s,
		const char *path, void *field)
{
	switch (k->type) {
	case SL_CONF_INT:
		return load_int(ld, k, s, path, field);
	case SL_CONF_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fail(ld, s, path, "'%s' must be true or false, not %s", path,
					type_name(config_setting_type(s)));
		*(bool *)field = config_setting_get_bool(s) != 0;
		return 0;
	case SL_CONF_STRING:
		return load_string(ld, s, path, field, k->size, k->choices);
	case SL_CONF_IPV4:
	case SL_CONF_PREFIX:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return fail(ld, s, path, "'%s' must be a string, not %s", path,
					type_name(config_setting_type(s)));
		if (conf_set_addr(k, config_setting_get_string(s), path, field, ld->err) < 0)
			return locate(ld, s);
		return 0;
	case SL_CONF_GROUP:
		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return fail(ld, s, path, "'%s' must be a group { }, not %s", path,
					type_name(config_setting_type(s)));
		return load_group(ld, s, path, k->sub, field);
	case SL_CONF_LIST:
	case SL_CONF_STRINGS:
		return load_array(ld, k, s, path, field);
	case SL_CONF_END:
		break;
	}
	return fail(ld, s, path, "'%s': internal schema error", path);
}

/* Remember where `path` was read; failure to remember only loses a line number. */
static void
remember(const config_setting_t *s, const char *path)
{
	if (n_new_origins == cap_new_origins) {
		unsigned int cap = cap_new_origins ? cap_new_origins * 2 : 64;
		struct origin *o = realloc(new_origins, cap * sizeof(*o));

		if (o == NULL)
			return;
		new_origins = o;
		cap_new_origins = cap;
	}
	snprintf(new_origins[n_new_origins].path, sizeof(new_origins[0].path), "%s", path);
	new_origins[n_new_origins++].line = (int)config_setting_source_line(s);
}

/* Adopt the origins of a load that succeeded; drop those of one that failed. */
static void
commit_origins(bool ok, const char *file)
{
	if (ok) {
		free(origins);
		origins = new_origins;
		n_origins = n_new_origins;
		snprintf(origin_file, sizeof(origin_file), "%s", file);
	} else {
		free(new_origins);
	}
	new_origins = NULL;
	n_new_origins = cap_new_origins = 0;
}

int
sl_conf_error_at(struct sl_conf_error *err, const char *path, const char *fmt, ...)
{
	unsigned int i;
	va_list ap;
	int n;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", origin_file);
	for (i = 0; i < n_origins; i++)
		if (strcmp(origins[i].path, path) == 0)
			err->line = origins[i].line;
	snprintf(err->path, sizeof(err->path), "%s", path);
	n = snprintf(err->msg, sizeof(err->msg), "'%s': ", path);
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const struct sl_conf_key *
sl_conf_key_find(const struct sl_conf_key *keys, const char *name)
{
	for (; keys->type != SL_CONF_END; keys++)
		if (strcmp(keys->name, name) == 0)
			return keys;
	return NULL;
}

void
conf_join_path(char *out, size_t size, const char *parent, const char *name)
{
	if (parent[0] == '\0')
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%s.%s", parent, name);
}

/* Fill dst from group s (NULL: all defaults); reject keys not in `keys`. */
static int
load_group(struct loader *ld, const config_setting_t *s, const char *path,
		const struct sl_conf_key *keys, void *dst)
{
	const struct sl_conf_key *k;
	char sub_path[256];
	int i, rc;

	for (i = 0; s != NULL && i < config_setting_length(s); i++) {
		const config_setting_t *c = config_setting_get_elem(s, (unsigned int)i);

		if (sl_conf_key_find(keys, config_setting_name(c)) == NULL) {
			conf_join_path(sub_path, sizeof(sub_path), path, config_setting_name(c));
			return fail(ld, c, sub_path, "unknown key '%s'", sub_path);
		}
	}
	for (k = keys; k->type != SL_CONF_END; k++) {
		const config_setting_t *c = s != NULL ? config_setting_get_member(s, k->name) : NULL;
		void *field = (char *)dst + k->offset;

		conf_join_path(sub_path, sizeof(sub_path), path, k->name);
		if (c == NULL && (k->flags & SL_CONF_REQUIRED))
			return fail(ld, s, sub_path, "missing required key '%s'", sub_path);
		if (c != NULL)
			rc = load_key(ld, k, c, sub_path, field);
		else if (k->type == SL_CONF_GROUP)
			rc = load_group(ld, NULL, sub_path, k->sub, field);
		else if (conf_set_default(k, sub_path, field, ld->err) < 0)
			rc = locate(ld, s);
		else
			rc = 0;
		if (rc < 0)
			return rc;
		if (c != NULL)
			remember(c, sub_path);
	}
	return 0;
}

static int
read_config(config_t *cfg, const char *path, const char *embedded, struct loader *ld)
{
	int ok = path != NULL ? config_read_file(cfg, path) : config_read_string(cfg, embedded);

	if (ok == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
		snprintf(ld->err->file, sizeof(ld->err->file), "%s", ld->file);
		ld->err->line = 0;
		snprintf(ld->err->msg, sizeof(ld->err->msg), "cannot read file: %s",
				strerror(errno != 0 ? errno : ENOENT));
		return -EINVAL;
	}
	snprintf(ld->err->file, sizeof(ld->err->file), "%s",
			config_error_file(cfg) != NULL ? config_error_file(cfg) : ld->file);
	ld->err->line = config_error_line(cfg);
	snprintf(ld->err->msg, sizeof(ld->err->msg), "syntax error: %s", config_error_text(cfg));
	return -EINVAL;
}

static void
free_scratch(void)
{
	unsigned int i;

	for (i = 0; i < n_sections; i++) {
		free(sections[i].scratch);
		sections[i].scratch = NULL;
	}
}

static int
load_sections(struct loader *ld, const config_setting_t *root)
{
	unsigned int i;
	int rc;

	for (i = 0; i < (unsigned int)config_setting_length(root); i++) {
		const config_setting_t *c = config_setting_get_elem(root, i);
		unsigned int j;

		for (j = 0; j < n_sections; j++)
			if (strcmp(sections[j].name, config_setting_name(c)) == 0)
				break;
		if (j == n_sections)
			return fail(ld, c, config_setting_name(c), "unknown section '%s'",
					config_setting_name(c));
		if (config_setting_type(c) != CONFIG_TYPE_GROUP)
			return fail(ld, c, config_setting_name(c), "section '%s' must be a group { }",
					config_setting_name(c));
	}
	for (i = 0; i < n_sections; i++) {
		struct section *sec = &sections[i];

		sec->scratch = calloc(1, sec->size);
		if (sec->scratch == NULL)
			return fail(ld, NULL, "", "out of memory");
		memcpy(sec->scratch, sec->dst, sec->size);
		rc = load_group(ld, config_setting_get_member(root, sec->name), sec->name,
				sec->keys, sec->scratch);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
sl_conf_load(const char *path, const char *embedded, struct sl_conf_error *err)
{
	struct loader ld = { .err = err, .file = path != NULL ? path : EMBEDDED_NAME };
	config_t cfg;
	unsigned int i;
	int rc;

	memset(err, 0, sizeof(*err));
	config_init(&cfg);
	rc = read_config(&cfg, path, embedded, &ld);
	if (rc == 0)
		rc = load_sections(&ld, config_root_setting(&cfg));
	if (rc == 0)
		for (i = 0; i < n_sections; i++)
			memcpy(sections[i].dst, sections[i].scratch, sections[i].size);
	commit_origins(rc == 0, ld.file);
	free_scratch();
	config_destroy(&cfg);
	return rc;
}

int
sl_conf_load_file(const char *path, const char *section, const struct sl_conf_key *keys,
		void *dst, struct sl_conf_error *err)
{
	struct loader ld = { .err = err, .file = path };
	const config_setting_t *root, *s;
	config_t cfg;
	int i, rc;

	memset(err, 0, sizeof(*err));
	config_init(&cfg);
	rc = read_config(&cfg, path, NULL, &ld);
	if (rc < 0)
		goto out;
	root = config_root_setting(&cfg);
	for (i = 0; i < config_setting_length(root); i++) {
		s = config_setting_get_elem(root, (unsigned int)i);
		if (strcmp(config_setting_name(s), section) != 0) {
			rc = fail(&ld, s, config_setting_name(s), "unknown section '%s'",
					config_setting_name(s));
			goto out;
		}
	}
	s = config_setting_get_member(root, section);
	if (s == NULL) {
		rc = fail(&ld, root, section, "missing section '%s'", section);
		goto out;
	}
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		rc = fail(&ld, s, section, "section '%s' must be a group { }", section);
		goto out;
	}
	rc = load_group(&ld, s, section, keys, dst);
out:
	/* A standalone file keeps the main file's origins. */
	free(new_origins);
	new_origins = NULL;
	n_new_origins = cap_new_origins = 0;
	config_destroy(&cfg);
	return rc;
}
