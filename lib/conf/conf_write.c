/* SPDX-License-Identifier: BSD-3-Clause */
/* Schema-driven libconfig writer and atomic save: see sl_conf.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libconfig.h>

#include "conf_priv.h"
#include "sl_conf.h"

static int write_group(config_setting_t *parent, const struct sl_conf_key *keys,
		const char *src);

/* The NUL-terminated string in the char[size] at s, NULL if unterminated. */
static const char *
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL ? s : NULL;
}

static int
write_array(config_setting_t *parent, const struct sl_conf_key *k, const char *field)
{
	unsigned int n = *conf_count(k, (void *)(uintptr_t)field), i;
	config_setting_t *a, *e;
	const char *s;

	if (n > k->max)
		return -EINVAL;
	/* STRINGS as an array [ ]: libconfig arrays hold scalars of one type */
	a = config_setting_add(parent, k->name,
			k->type == SL_CONF_LIST ? CONFIG_TYPE_LIST : CONFIG_TYPE_ARRAY);
	if (a == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const char *elem = field + (size_t)i * k->size;

		if (k->type == SL_CONF_LIST) {
			e = config_setting_add(a, NULL, CONFIG_TYPE_GROUP);
			if (e == NULL || write_group(e, k->sub, elem) < 0)
				return -EINVAL;
			continue;
		}
		s = terminated(elem, k->size);
		if (s == NULL || config_setting_set_string_elem(a, -1, s) == NULL)
			return -EINVAL;
	}
	return 0;
}

static int
write_key(config_setting_t *parent, const struct sl_conf_key *k, const char *field)
{
	char text[INET_ADDRSTRLEN + 4];
	const struct sl_conf_prefix *p;
	config_setting_t *s;
	int64_t v;
	int ok;

	switch (k->type) {
	case SL_CONF_INT:
		v = *(const int64_t *)field;
		/* beyond int, libconfig needs INT64 and writes an L suffix */
		if (v < INT_MIN || v > INT_MAX) {
			s = config_setting_add(parent, k->name, CONFIG_TYPE_INT64);
			ok = s != NULL && config_setting_set_int64(s, v);
		} else {
			s = config_setting_add(parent, k->name, CONFIG_TYPE_INT);
			ok = s != NULL && config_setting_set_int(s, (int)v);
		}
		return ok ? 0 : -EINVAL;
	case SL_CONF_BOOL:
		s = config_setting_add(parent, k->name, CONFIG_TYPE_BOOL);
		return s != NULL && config_setting_set_bool(s, *(const bool *)field) ? 0 : -EINVAL;
	case SL_CONF_STRING:
		s = config_setting_add(parent, k->name, CONFIG_TYPE_STRING);
		return s != NULL && terminated(field, k->size) != NULL &&
				config_setting_set_string(s, field) ? 0 : -EINVAL;
	case SL_CONF_IPV4:
	case SL_CONF_PREFIX:
		inet_ntop(AF_INET, field, text, INET_ADDRSTRLEN);
		if (k->type == SL_CONF_PREFIX) {
			p = (const struct sl_conf_prefix *)field;
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%u", p->depth);
		}
		s = config_setting_add(parent, k->name, CONFIG_TYPE_STRING);
		return s != NULL && config_setting_set_string(s, text) ? 0 : -EINVAL;
	case SL_CONF_GROUP:
		s = config_setting_add(parent, k->name, CONFIG_TYPE_GROUP);
		return s != NULL ? write_group(s, k->sub, field) : -EINVAL;
	case SL_CONF_LIST:
	case SL_CONF_STRINGS:
		return write_array(parent, k, field);
	case SL_CONF_END:
		break;
	}
	return -EINVAL;
}

static int
write_group(config_setting_t *parent, const struct sl_conf_key *keys, const char *src)
{
	const struct sl_conf_key *k;
	int rc;

	for (k = keys; k->type != SL_CONF_END; k++) {
		rc = write_key(parent, k, src + k->offset);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* "# header": one line, whatever the caller passed. */
static void
write_header(FILE *f, const char *header)
{
	const char *c;

	fputs("# ", f);
	for (c = header; *c != '\0'; c++)
		fputc((unsigned char)*c < ' ' ? ' ' : *c, f);
	fputc('\n', f);
}

int
sl_conf_write(FILE *f, const char *header, const void *(*override)(const char *section))
{
	const struct sl_conf_key *keys;
	config_setting_t *s;
	const char *name;
	const void *src;
	unsigned int i;
	config_t cfg;
	void *dst;
	int rc = 0;

	/* Built as a libconfig tree so that libconfig escapes the strings. */
	config_init(&cfg);
	/* "name = { ... };" like the hand-written files */
	config_set_options(&cfg, CONFIG_OPTION_SEMICOLON_SEPARATORS);
	for (i = 0; rc == 0 && (name = conf_section_name(i)) != NULL; i++) {
		keys = sl_conf_section_keys(name, &dst, NULL);
		src = override != NULL ? override(name) : NULL;
		s = config_setting_add(config_root_setting(&cfg), name, CONFIG_TYPE_GROUP);
		rc = s != NULL ? write_group(s, keys, src != NULL ? src : dst) : -EINVAL;
	}
	if (rc == 0) {
		if (header != NULL)
			write_header(f, header);
		errno = 0;
		config_write(&cfg, f);
		if (ferror(f))
			rc = errno != 0 ? -errno : -EIO;
	}
	config_destroy(&cfg);
	return rc;
}

static int __attribute__((format(printf, 3, 4)))
save_fail(struct sl_conf_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* fsync the directory holding path, so that the rename itself is durable. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd, rc = 0;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* some file systems cannot sync a directory: nothing more to do there */
	if (fsync(fd) < 0 && errno != EINVAL)
		rc = -errno;
	close(fd);
	return rc;
}

int
sl_conf_save(const char *path, const char *header,
		const void *(*override)(const char *section), struct sl_conf_error *err)
{
	char tmp[PATH_MAX];
	struct stat st;
	FILE *f = NULL;
	int fd, rc;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	/* One name, not one per process: a save cut short by a crash leaves
	 * at most this file, which the next save truncates and reuses. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return save_fail(err, -ENAMETOOLONG, "cannot save: path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		return save_fail(err, rc, "cannot create %s: %s", tmp, strerror(-rc));
	}
	/* the new file keeps the permissions of the one it replaces */
	if (stat(path, &st) == 0 && fchmod(fd, st.st_mode & 07777) < 0) {
		rc = -errno;
		save_fail(err, rc, "cannot set the mode of %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		save_fail(err, rc, "cannot open %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	fd = -1;
	errno = 0;
	rc = sl_conf_write(f, header, override);
	if (rc < 0) {
		save_fail(err, rc, "cannot write %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		rc = -errno;
		save_fail(err, rc, "cannot write %s to disk: %s", tmp, strerror(-rc));
		goto fail;
	}
	rc = fclose(f);
	f = NULL;
	if (rc != 0) {
		rc = -errno;
		save_fail(err, rc, "cannot close %s: %s", tmp, strerror(-rc));
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		save_fail(err, rc, "cannot rename %s to %s: %s", tmp, path, strerror(-rc));
		goto fail;
	}
	rc = sync_dir(path);
	if (rc < 0)
		return save_fail(err, rc, "saved, but cannot sync its directory: %s",
				strerror(-rc));
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}
