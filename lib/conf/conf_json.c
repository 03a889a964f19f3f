/* SPDX-License-Identifier: BSD-3-Clause */
/* Schema-driven JSON codec of configuration objects: see sl_conf.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "conf_priv.h"
#include "sl_conf.h"

/* ---- encoding ---- */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid (RFC 3629). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
			(cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * A JSON string of the char[max] at s. libconfig files may hold any bytes but
 * JSON strings are UTF-8: bad bytes become U+FFFD rather than failing a read.
 */
static json_t *
string_value(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strnlen(s, max), i, o, l;
	json_t *v;
	char *buf;

	for (i = 0; i < len && (l = utf8_len(u + i, len - i)) != 0; i += l)
		;
	if (i == len)
		return json_stringn(s, len);
	buf = malloc(len * 3 + 1);
	if (buf == NULL)
		return NULL;
	for (i = o = 0; i < len;) {
		l = utf8_len(u + i, len - i);
		if (l == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(buf + o, s + i, l);
			o += l;
			i += l;
		}
	}
	v = json_stringn(buf, o);
	free(buf);
	return v;
}

static json_t *encode_group(const struct sl_conf_key *keys, const char *src);

static json_t *
encode_array(const struct sl_conf_key *k, const char *field)
{
	unsigned int n = *conf_count(k, (void *)(uintptr_t)field), i;
	json_t *a = json_array();

	if (a == NULL)
		return NULL;
	if (n > k->max) /* never after a load; do not read past the array */
		n = (unsigned int)k->max;
	for (i = 0; i < n; i++) {
		const char *elem = field + (size_t)i * k->size;
		json_t *v = k->type == SL_CONF_LIST ? encode_group(k->sub, elem)
						    : string_value(elem, k->size);

		if (json_array_append_new(a, v) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
encode_key(const struct sl_conf_key *k, const char *field)
{
	char text[INET_ADDRSTRLEN + 4];
	const struct sl_conf_prefix *p;

	switch (k->type) {
	case SL_CONF_INT:
		return json_integer(*(const int64_t *)field);
	case SL_CONF_BOOL:
		return json_boolean(*(const bool *)field);
	case SL_CONF_STRING:
		return string_value(field, k->size);
	case SL_CONF_IPV4:
		inet_ntop(AF_INET, field, text, sizeof(text));
		return json_string(text);
	case SL_CONF_PREFIX:
		p = (const struct sl_conf_prefix *)field;
		inet_ntop(AF_INET, &p->addr, text, INET_ADDRSTRLEN);
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%u", p->depth);
		return json_string(text);
	case SL_CONF_GROUP:
		return encode_group(k->sub, field);
	case SL_CONF_LIST:
	case SL_CONF_STRINGS:
		return encode_array(k, field);
	case SL_CONF_END:
		break;
	}
	return NULL;
}

static json_t *
encode_group(const struct sl_conf_key *keys, const char *src)
{
	const struct sl_conf_key *k;
	json_t *o = json_object();

	for (k = keys; o != NULL && k->type != SL_CONF_END; k++)
		/* json_object_set_new() takes v, even when it fails */
		if (json_object_set_new(o, k->name, encode_key(k, src + k->offset)) < 0) {
			json_decref(o);
			o = NULL;
		}
	return o;
}

json_t *
sl_conf_json_encode(const struct sl_conf_key *keys, const void *src)
{
	return encode_group(keys, src);
}

/* ---- decoding ---- */

static const char *
json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object { }";
	case JSON_ARRAY: return "an array [ ]";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown type";
}

static int decode_group(const struct sl_conf_key *keys, const json_t *obj, const char *path,
		char *dst, bool patch, struct sl_conf_error *err);

/* The C string of JSON string v; NULL (err filled) if it holds a NUL byte. */
static const char *
string_of(const json_t *v, const char *path, struct sl_conf_error *err)
{
	const char *s = json_string_value(v);

	if (strlen(s) != json_string_length(v)) {
		conf_fail(err, path, "'%s' must not contain a NUL character", path);
		return NULL;
	}
	return s;
}

static int
decode_array(const struct sl_conf_key *k, const json_t *v, const char *path, char *field,
		struct sl_conf_error *err)
{
	char sub_path[sizeof(err->path)];
	const json_t *e;
	const char *s;
	size_t i;

	if (k->type == SL_CONF_LIST && !json_is_array(v))
		return conf_fail(err, path, "'%s' must be an array of objects [ {...}, ... ], not %s",
				path, json_type_name(v));
	if (k->type == SL_CONF_STRINGS && !json_is_array(v))
		return conf_fail(err, path,
				"'%s' must be an array of strings [ \"...\", ... ], not %s", path,
				json_type_name(v));
	if (conf_check_count(k, (long long)json_array_size(v), path, err) < 0)
		return -EINVAL;
	conf_clear_array(k, field);
	json_array_foreach(v, i, e) {
		char *elem = field + i * k->size;

		snprintf(sub_path, sizeof(sub_path), "%s[%zu]", path, i);
		if (k->type == SL_CONF_LIST) {
			if (!json_is_object(e))
				return conf_fail(err, sub_path, "'%s' must be an object { }, not %s",
						sub_path, json_type_name(e));
			/* an element is replaced whole, never merged */
			if (decode_group(k->sub, e, sub_path, elem, false, err) < 0)
				return -EINVAL;
		} else {
			if (!json_is_string(e))
				return conf_fail(err, sub_path, "'%s' must be a string, not %s",
						sub_path, json_type_name(e));
			s = string_of(e, sub_path, err);
			if (s == NULL || conf_set_string(s, sub_path, elem, k->size, k->choices,
						err) < 0)
				return -EINVAL;
		}
	}
	*conf_count(k, field) = (unsigned int)json_array_size(v);
	return 0;
}

static int
decode_key(const struct sl_conf_key *k, const json_t *v, const char *path, char *field,
		bool patch, struct sl_conf_error *err)
{
	const char *s;

	switch (k->type) {
	case SL_CONF_INT:
		if (!json_is_integer(v))
			return conf_fail(err, path, "'%s' must be an integer, not %s", path,
					json_type_name(v));
		return conf_set_int(k, json_integer_value(v), path, (int64_t *)field, err);
	case SL_CONF_BOOL:
		if (!json_is_boolean(v))
			return conf_fail(err, path, "'%s' must be true or false, not %s", path,
					json_type_name(v));
		*(bool *)field = json_is_true(v);
		return 0;
	case SL_CONF_STRING:
	case SL_CONF_IPV4:
	case SL_CONF_PREFIX:
		if (!json_is_string(v))
			return conf_fail(err, path, "'%s' must be a string, not %s", path,
					json_type_name(v));
		s = string_of(v, path, err);
		if (s == NULL)
			return -EINVAL;
		if (k->type == SL_CONF_STRING)
			return conf_set_string(s, path, field, k->size, k->choices, err);
		return conf_set_addr(k, s, path, field, err);
	case SL_CONF_GROUP:
		if (!json_is_object(v))
			return conf_fail(err, path, "'%s' must be an object { }, not %s", path,
					json_type_name(v));
		return decode_group(k->sub, v, path, field, patch, err);
	case SL_CONF_LIST:
	case SL_CONF_STRINGS:
		return decode_array(k, v, path, field, err);
	case SL_CONF_END:
		break;
	}
	return conf_fail(err, path, "'%s': internal schema error", path);
}

/* "unknown field 'p' (valid: a, b, c)", the list only if it fits. */
static int
unknown_field(const struct sl_conf_key *keys, const char *path, struct sl_conf_error *err)
{
	char valid[sizeof(err->msg)] = "";
	const struct sl_conf_key *k;
	size_t used = 0;
	int n;

	for (k = keys; k->type != SL_CONF_END && used < sizeof(valid); k++) {
		n = snprintf(valid + used, sizeof(valid) - used, "%s%s", used ? ", " : "",
				k->name);
		used += n > 0 ? (size_t)n : 0;
	}
	n = snprintf(err->msg, sizeof(err->msg), "unknown field '%s'", path);
	if (used < sizeof(valid) && keys->type != SL_CONF_END && n > 0 &&
			(size_t)n + strlen(" (valid: )") + used < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, " (valid: %s)", valid);
	snprintf(err->path, sizeof(err->path), "%s", path);
	return -EINVAL;
}

/*
 * Apply object obj (NULL: an empty one) to dst. Not patching, every key is
 * set: from obj or from its default.
 */
static int
decode_group(const struct sl_conf_key *keys, const json_t *obj, const char *path, char *dst,
		bool patch, struct sl_conf_error *err)
{
	char sub_path[sizeof(err->path)];
	const struct sl_conf_key *k;
	const char *name;
	const json_t *v;
	int rc;

	if (obj != NULL) {
		json_object_foreach((json_t *)(uintptr_t)obj, name, v) {
			if (sl_conf_key_find(keys, name) == NULL) {
				conf_join_path(sub_path, sizeof(sub_path), path, name);
				return unknown_field(keys, sub_path, err);
			}
		}
	}
	for (k = keys; k->type != SL_CONF_END; k++) {
		char *field = dst + k->offset;

		v = obj != NULL ? json_object_get(obj, k->name) : NULL;
		conf_join_path(sub_path, sizeof(sub_path), path, k->name);
		if (v == NULL && patch)
			continue;
		if (v == NULL || json_is_null(v)) {
			if (k->flags & SL_CONF_REQUIRED)
				return conf_fail(err, sub_path, v == NULL ?
						"missing required field '%s'" :
						"'%s' is required, it cannot be null", sub_path);
			rc = k->type == SL_CONF_GROUP ?
				decode_group(k->sub, NULL, sub_path, field, false, err) :
				conf_set_default(k, sub_path, field, err);
		} else {
			rc = decode_key(k, v, sub_path, field, patch, err);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
sl_conf_json_decode(const struct sl_conf_key *keys, const json_t *obj, void *dst, size_t size,
		bool patch, struct sl_conf_error *err)
{
	char *scratch;
	int rc;

	memset(err, 0, sizeof(*err));
	if (!json_is_object(obj))
		return conf_fail(err, "", "the configuration must be an object { }, not %s",
				obj != NULL ? json_type_name(obj) : "nothing");
	/* dst changes only when the whole object is valid */
	scratch = malloc(size);
	if (scratch == NULL) {
		conf_fail(err, "", "out of memory");
		return -ENOMEM;
	}
	memcpy(scratch, dst, size);
	rc = decode_group(keys, obj, "", scratch, patch, err);
	if (rc == 0)
		memcpy(dst, scratch, size);
	free(scratch);
	return rc;
}
