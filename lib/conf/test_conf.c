/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the configuration model: a schema of every key type bound to
 * a test struct; defaults, values, every error with its FILE:LINE, atomic
 * loads, later errors at a setting's line, and the daemon's default config.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>

#include "sl_conf.h"
#include "sl_eal.h"
#include "sl_idle.h"
#include "sl_mgmt.h"
#include "sl_net.h"
#include "sl_tcp.h"
#include "sl_port.h"
#include "sl_proxy.h"
#include "sl_test.h"

struct t_inner {
	int64_t a;
	bool b;
};

struct t_item {
	char name[8];
	uint32_t ip;
	int64_t weight;
};

struct t_conf {
	int64_t count;
	int64_t neg;
	bool enabled;
	char label[8];
	uint32_t addr;
	struct sl_conf_prefix net;
	struct t_inner inner;
	struct t_item items[3];
	unsigned int n_items;
	char tags[4][8];
	unsigned int n_tags;
	char mode[8];
	char kinds[2][8];
	unsigned int n_kinds;
};

struct u_conf {
	int64_t x;
};

struct r_conf {
	char id[16];
};

static const char *const modes[] = { "fast", "slow", NULL };
static const char *const kinds[] = { "red", "green", "blue", NULL };

static const struct sl_conf_key inner_keys[] = {
	SL_KEY_INT(struct t_inner, a, 0, 9, 3, "a digit"),
	SL_KEY_BOOL(struct t_inner, b, false, "a flag"),
	SL_KEY_END,
};

static const struct sl_conf_key item_keys[] = {
	SL_KEY_STR(struct t_item, name, SL_CONF_REQUIRED, NULL, "item name"),
	SL_KEY_IPV4(struct t_item, ip, SL_CONF_REQUIRED, NULL, "item address"),
	SL_KEY_INT(struct t_item, weight, 1, 10, 5, "item weight"),
	SL_KEY_END,
};

static const struct sl_conf_key t_keys[] = {
	SL_KEY_INT(struct t_conf, count, 1, 100, 10, "a count"),
	SL_KEY_INT(struct t_conf, neg, -5, 5, -1, "a signed value"),
	SL_KEY_BOOL(struct t_conf, enabled, true, "a switch"),
	SL_KEY_STR(struct t_conf, label, 0, "dflt", "a short string"),
	SL_KEY_IPV4(struct t_conf, addr, 0, "198.18.0.9", "an address"),
	SL_KEY_PREFIX(struct t_conf, net, 0, "198.19.0.0/16", "a prefix"),
	SL_KEY_GROUP(struct t_conf, inner, inner_keys, "a group"),
	SL_KEY_LIST(struct t_conf, items, n_items, item_keys, 0, "a list of groups"),
	SL_KEY_STRINGS(struct t_conf, tags, n_tags, "a string array"),
	SL_KEY_CHOICE(struct t_conf, mode, 0, "fast", modes, "a choice"),
	SL_KEY_CHOICES(struct t_conf, kinds, n_kinds, kinds, "an array of choices"),
	SL_KEY_END,
};

static const struct sl_conf_key u_keys[] = {
	SL_KEY_INT(struct u_conf, x, 0, 10, 7, "a value of a second section"),
	SL_KEY_END,
};

static const struct sl_conf_key r_keys[] = {
	SL_KEY_STR(struct r_conf, id, SL_CONF_REQUIRED, NULL, "a required key"),
	SL_KEY_END,
};

static struct t_conf tc;
static struct u_conf uc;
static struct r_conf rc_conf;

static uint32_t
ip(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1 ? a.s_addr : 0xdeadbeef;
}

/* Register the test schema ("t" and "u") on an empty registry. */
static int
setup(void)
{
	sl_conf_reset();
	memset(&tc, 0, sizeof(tc));
	memset(&uc, 0, sizeof(uc));
	if (sl_conf_register("t", t_keys, &tc, sizeof(tc)) != 0)
		return -1;
	return sl_conf_register("u", u_keys, &uc, sizeof(uc));
}


static void
print_err(const char *what, int rc, const struct sl_conf_error *err)
{
	fprintf(stderr, "%s: rc %d, %s:%d: %s\n", what, rc, err->file, err->line, err->msg);
}

/* A section twice is refused; reset forgets every section. */
static int
test_register(void)
{
	struct sl_conf_error err;

	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_register("t", t_keys, &tc, sizeof(tc)), -EEXIST);
	sl_conf_reset();
	SL_CHECK_EQ(sl_conf_load(NULL, "t = { count = 2; };", &err), -EINVAL);
	SL_CHECK(strstr(err.msg, "unknown section 't'") != NULL);
	return 0;
}

/* Keys absent from the file (and whole absent sections) get their defaults. */
static int
test_defaults(void)
{
	struct sl_conf_error err;

	SL_CHECK_EQ(setup(), 0);
	memset(&tc, 0x5a, sizeof(tc));
	uc.x = 99;
	SL_CHECK_EQ(sl_conf_load(NULL, "t = { };", &err), 0);
	SL_CHECK_EQ(tc.count, 10);
	SL_CHECK_EQ(tc.neg, -1);
	SL_CHECK(tc.enabled);
	SL_CHECK_STR(tc.label, "dflt");
	SL_CHECK_EQ(tc.addr, ip("198.18.0.9"));
	SL_CHECK_EQ(tc.net.addr, ip("198.19.0.0"));
	SL_CHECK_EQ(tc.net.depth, 16);
	SL_CHECK_EQ(tc.inner.a, 3);
	SL_CHECK(!tc.inner.b);
	SL_CHECK_EQ(tc.n_items, 0);
	SL_CHECK_EQ(tc.n_tags, 0);
	SL_CHECK_STR(tc.mode, "fast");
	SL_CHECK_EQ(tc.n_kinds, 0);
	SL_CHECK_EQ(uc.x, 7);
	/* an empty text is a valid, all-default configuration */
	tc.count = 55;
	SL_CHECK_EQ(sl_conf_load(NULL, "", &err), 0);
	SL_CHECK_EQ(tc.count, 10);
	return 0;
}

static const char values_text[] =
	"# every key type set\n"                            /* 1 */
	"t = {\n"                                           /* 2 */
	"  count = 100;\n"                                  /* 3 */
	"  neg = -5;\n"                                     /* 4 */
	"  enabled = false;\n"                              /* 5 */
	"  label = \"1234567\";\n"                          /* 6 */
	"  addr = \"192.0.2.7\";\n"                         /* 7 */
	"  net = \"203.0.113.0/24\";\n"                     /* 8 */
	"  inner = { a = 9; b = true; };\n"                 /* 9 */
	"  items = (\n"                                     /* 10 */
	"    { name = \"one\"; ip = \"198.18.1.1\"; },\n"     /* 11 */
	"    { name = \"two\"; ip = \"198.18.1.2\";\n"        /* 12 */
	"      weight = 10; }\n"                            /* 13 */
	"  );\n"                                            /* 14 */
	"  tags = [ \"a\", \"bb\", \"ccc\" ];\n"            /* 15 */
	"  mode = \"slow\";\n"                              /* 16 */
	"  kinds = [ \"blue\", \"red\" ]\n"                 /* 17: no ';' is fine */
	"};\n"                                              /* 18 */
	"u = { x = 0; };\n";                                /* 19 */

static int
check_values(void)
{
	SL_CHECK_EQ(tc.count, 100);
	SL_CHECK_EQ(tc.neg, -5);
	SL_CHECK(!tc.enabled);
	SL_CHECK_STR(tc.label, "1234567");
	SL_CHECK_EQ(tc.addr, ip("192.0.2.7"));
	SL_CHECK_EQ(tc.net.addr, ip("203.0.113.0"));
	SL_CHECK_EQ(tc.net.depth, 24);
	SL_CHECK_EQ(tc.inner.a, 9);
	SL_CHECK(tc.inner.b);
	SL_CHECK_EQ(tc.n_items, 2);
	SL_CHECK_STR(tc.items[0].name, "one");
	SL_CHECK_EQ(tc.items[0].ip, ip("198.18.1.1"));
	SL_CHECK_EQ(tc.items[0].weight, 5);
	SL_CHECK_STR(tc.items[1].name, "two");
	SL_CHECK_EQ(tc.items[1].ip, ip("198.18.1.2"));
	SL_CHECK_EQ(tc.items[1].weight, 10);
	SL_CHECK_EQ(tc.n_tags, 3);
	SL_CHECK_STR(tc.tags[0], "a");
	SL_CHECK_STR(tc.tags[1], "bb");
	SL_CHECK_STR(tc.tags[2], "ccc");
	SL_CHECK_STR(tc.mode, "slow");
	SL_CHECK_EQ(tc.n_kinds, 2);
	SL_CHECK_STR(tc.kinds[0], "blue");
	SL_CHECK_STR(tc.kinds[1], "red");
	SL_CHECK_EQ(uc.x, 0);
	return 0;
}

/* Every key type is read, with the limits of each range accepted. */
static int
test_values(void)
{
	struct sl_conf_error err;
	int rc;

	SL_CHECK_EQ(setup(), 0);
	rc = sl_conf_load(NULL, values_text, &err);
	if (rc != 0)
		print_err("values", rc, &err);
	SL_CHECK_EQ(rc, 0);
	return check_values();
}

/* The same text read from a file gives the same values. */
static int
test_values_file(void)
{
	char path[] = "/tmp/sl-conf-XXXXXX";
	struct sl_conf_error err;
	int fd, rc;

	SL_CHECK_EQ(setup(), 0);
	fd = mkstemp(path);
	SL_CHECK(fd >= 0);
	close(fd);
	SL_CHECK_EQ(sl_test_write_file(path, values_text), 0);
	rc = sl_conf_load(path, NULL, &err);
	remove(path);
	if (rc != 0)
		print_err("values file", rc, &err);
	SL_CHECK_EQ(rc, 0);
	return check_values();
}

static const struct {
	const char *text;
	int line;
	const char *msg;
} bad_cases[] = {
	/* unknown key in a nested group */
	{ "t = {\n  inner = {\n    a = 1;\n    zz = 2;\n  };\n};\n", 4,
		"unknown key 't.inner.zz'" },
	/* unknown key inside a list element */
	{ "t = {\n  items = (\n    { name = \"x\"; ip = \"1.2.3.4\"; },\n"
		"    { name = \"y\"; ip = \"1.2.3.5\";\n      bogus = 1; }\n  );\n};\n", 5,
		"unknown key 't.items[1].bogus'" },
	/* unknown top-level section */
	{ "t = { };\n\nother = {\n  x = 1;\n};\n", 3, "unknown section 'other'" },
	/* a section that is not a group */
	{ "u = 5;\n", 1, "section 'u' must be a group { }" },
	/* wrong types */
	{ "t = {\n  count = \"ten\";\n};\n", 2, "'t.count' must be an integer, not a string" },
	{ "t = {\n\n  count = 1.5;\n};\n", 3, "'t.count' must be an integer, not a float" },
	{ "t = {\n  enabled = 1;\n};\n", 2, "'t.enabled' must be true or false, not an integer" },
	{ "t = {\n  label = 5;\n};\n", 2, "'t.label' must be a string, not an integer" },
	{ "t = {\n  inner = 5;\n};\n", 2, "'t.inner' must be a group { }, not an integer" },
	{ "t = {\n  items = { };\n};\n", 2,
		"'t.items' must be a list ( {...}, ... ), not a group { }" },
	{ "t = {\n  items = ( 1 );\n};\n", 2, "'t.items[0]' must be a group { }, not an integer" },
	{ "t = {\n  tags = \"a\";\n};\n", 2,
		"'t.tags' must be an array [ \"...\", ... ], not a string" },
	{ "t = {\n  tags = [ 1, 2 ];\n};\n", 2, "'t.tags[0]' must be a string, not an integer" },
	/* out of range */
	{ "t = {\n  count = 101;\n};\n", 2, "'t.count' must be between 1 and 100 (got 101)" },
	{ "t = {\n  count = 0;\n};\n", 2, "'t.count' must be between 1 and 100 (got 0)" },
	{ "t = {\n  neg = -6;\n};\n", 2, "'t.neg' must be between -5 and 5 (got -6)" },
	{ "t = {\n  inner = { a = 10; };\n};\n", 2,
		"'t.inner.a' must be between 0 and 9 (got 10)" },
	/* string too long */
	{ "t = {\n  label = \"12345678\";\n};\n", 2,
		"'t.label' is too long (at most 7 characters)" },
	{ "t = {\n  tags = [ \"ok\", \"toolong!\" ];\n};\n", 2,
		"'t.tags[1]' is too long (at most 7 characters)" },
	/* bad IPv4 addresses and prefixes */
	{ "t = {\n  addr = \"1.2.3\";\n};\n", 2,
		"'t.addr' must be an IPv4 address a.b.c.d (got \"1.2.3\")" },
	{ "t = {\n  addr = \"1.2.3.256\";\n};\n", 2,
		"'t.addr' must be an IPv4 address a.b.c.d (got \"1.2.3.256\")" },
	{ "t = {\n  net = \"198.18.0.0/33\";\n};\n", 2,
		"'t.net' must be an IPv4 prefix a.b.c.d/len (got \"198.18.0.0/33\")" },
	{ "t = {\n  net = \"198.18.0.0\";\n};\n", 2,
		"'t.net' must be an IPv4 prefix a.b.c.d/len (got \"198.18.0.0\")" },
	{ "t = {\n  net = \"198.18.0.0/\";\n};\n", 2,
		"'t.net' must be an IPv4 prefix a.b.c.d/len (got \"198.18.0.0/\")" },
	{ "t = {\n  net = \"198.18.0/8\";\n};\n", 2,
		"'t.net' must be an IPv4 prefix a.b.c.d/len (got \"198.18.0/8\")" },
	{ "t = {\n  net = \"198.18.0.0/8x\";\n};\n", 2,
		"'t.net' must be an IPv4 prefix a.b.c.d/len (got \"198.18.0.0/8x\")" },
	/* missing required keys: reported at the enclosing group */
	{ "t = {\n  items = (\n    { name = \"x\";\n      weight = 2; }\n  );\n};\n", 3,
		"missing required key 't.items[0].ip'" },
	/* too many list entries */
	{ "t = {\n  items = (\n    { name = \"a\"; ip = \"1.1.1.1\"; },\n"
		"    { name = \"b\"; ip = \"1.1.1.2\"; },\n"
		"    { name = \"c\"; ip = \"1.1.1.3\"; },\n"
		"    { name = \"d\"; ip = \"1.1.1.4\"; }\n  );\n};\n", 2,
		"'t.items' has 4 entries, at most 3 allowed" },
	{ "t = {\n  tags = [ \"1\", \"2\", \"3\", \"4\", \"5\" ];\n};\n", 2,
		"'t.tags' has 5 entries, at most 4 allowed" },
	/* choice not allowed */
	{ "t = {\n  mode = \"warp\";\n};\n", 2,
		"'t.mode': \"warp\" is not one of: fast, slow" },
	{ "t = {\n  kinds = [ \"red\", \"pink\" ];\n};\n", 2,
		"'t.kinds[1]': \"pink\" is not one of: red, green, blue" },
	/* an error in the second section, after the first loaded fine */
	{ "t = { count = 5; };\nu = {\n  x = 11;\n};\n", 3,
		"'u.x' must be between 0 and 10 (got 11)" },
	/* syntax error (a missing ';' is not one: semicolons are optional) */
	{ "t = {\n  count = 5\n  neg = 1;\n  inner = {\n    a = = 1;\n  };\n};\n", 5,
		"syntax error" },
	{ "t = {\n  count = 5;\n", 3, "syntax error" },
};

/* Check one error case as read from the embedded text and from a file. */
static int
check_bad(unsigned int i, const char *path)
{
	struct sl_conf_error err;
	int rc;

	if (path != NULL) {
		if (sl_test_write_file(path, bad_cases[i].text) != 0)
			return -1;
		rc = sl_conf_load(path, NULL, &err);
	} else {
		rc = sl_conf_load(NULL, bad_cases[i].text, &err);
	}
	if (rc != -EINVAL || strcmp(err.file, path != NULL ? path : "<embedded>") != 0 ||
			err.line != bad_cases[i].line ||
			strstr(err.msg, bad_cases[i].msg) == NULL) {
		fprintf(stderr, "bad case %u (%s): rc %d, %s:%d: %s\n  want %s:%d: %s\n", i,
				path != NULL ? "file" : "embedded", rc, err.file, err.line,
				err.msg, path != NULL ? path : "<embedded>", bad_cases[i].line,
				bad_cases[i].msg);
		return -1;
	}
	return 0;
}

/* Every error kind is reported with its file, line and message. */
static int
test_errors(void)
{
	char path[] = "/tmp/sl-conf-XXXXXX";
	unsigned int i, failed = 0;
	int fd;

	SL_CHECK_EQ(setup(), 0);
	fd = mkstemp(path);
	SL_CHECK(fd >= 0);
	close(fd);
	for (i = 0; i < RTE_DIM(bad_cases); i++) {
		failed += check_bad(i, NULL) != 0;
		failed += check_bad(i, path) != 0;
	}
	remove(path);
	SL_CHECK_EQ(failed, 0);
	return 0;
}

/* A required key of an absent section is reported without a line. */
static int
test_required(void)
{
	struct sl_conf_error err;

	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_register("r", r_keys, &rc_conf, sizeof(rc_conf)), 0);
	SL_CHECK_EQ(sl_conf_load(NULL, "t = { };\n", &err), -EINVAL);
	SL_CHECK_STR(err.file, "<embedded>");
	SL_CHECK_EQ(err.line, 0);
	SL_CHECK_STR(err.msg, "missing required key 'r.id'");
	SL_CHECK_EQ(sl_conf_load(NULL, "t = { };\n\nr = {\n};\n", &err), -EINVAL);
	SL_CHECK_EQ(err.line, 3);
	SL_CHECK_STR(err.msg, "missing required key 'r.id'");
	SL_CHECK_EQ(sl_conf_load(NULL, "r = { id = \"abc\"; };\n", &err), 0);
	SL_CHECK_STR(rc_conf.id, "abc");
	return 0;
}

/* A missing file is reported as such, at line 0. */
static int
test_missing_file(void)
{
	static const char path[] = "/nonexistent/sluice/nothing.conf";
	struct sl_conf_error err;

	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_load(path, NULL, &err), -EINVAL);
	SL_CHECK_STR(err.file, path);
	SL_CHECK_EQ(err.line, 0);
	SL_CHECK(strncmp(err.msg, "cannot read file", 16) == 0);
	return 0;
}

/* A failed load leaves every bound struct as it was, even sections read before the error. */
static int
test_atomic(void)
{
	struct sl_conf_error err;
	struct t_conf t_before;
	struct u_conf u_before;
	unsigned int i;

	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_load(NULL, values_text, &err), 0);
	memcpy(&t_before, &tc, sizeof(tc));
	memcpy(&u_before, &uc, sizeof(uc));
	for (i = 0; i < RTE_DIM(bad_cases); i++) {
		SL_CHECK_EQ(sl_conf_load(NULL, bad_cases[i].text, &err), -EINVAL);
		SL_CHECK(memcmp(&t_before, &tc, sizeof(tc)) == 0);
		SL_CHECK(memcmp(&u_before, &uc, sizeof(uc)) == 0);
	}
	/* t would change (count, items) before u fails */
	SL_CHECK_EQ(sl_conf_load(NULL, "t = { count = 1; items = (); tags = []; };\n"
			"u = { x = -1; };\n", &err), -EINVAL);
	SL_CHECK(memcmp(&t_before, &tc, sizeof(tc)) == 0);
	SL_CHECK(memcmp(&u_before, &uc, sizeof(uc)) == 0);
	SL_CHECK_EQ(sl_conf_load(NULL, "t = { count = 1; };\n", &err), 0);
	SL_CHECK_EQ(tc.count, 1);
	SL_CHECK_EQ(uc.x, 7);
	return 0;
}

/* sl_conf_error_at names the line where a setting of the last good load was read. */
static int
test_error_at(void)
{
	char path[] = "/tmp/sl-conf-XXXXXX";
	struct sl_conf_error err;
	int fd;

	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_load(NULL, values_text, &err), 0);
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.items[1].weight", "too heavy (%d)", 10), -EINVAL);
	SL_CHECK_STR(err.file, "<embedded>");
	SL_CHECK_EQ(err.line, 13);
	SL_CHECK_STR(err.msg, "'t.items[1].weight': too heavy (10)");
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.addr", "x"), -EINVAL);
	SL_CHECK_EQ(err.line, 7);
	SL_CHECK_EQ(sl_conf_error_at(&err, "u.x", "x"), -EINVAL);
	SL_CHECK_EQ(err.line, 19);
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.kinds", "x"), -EINVAL);
	SL_CHECK_EQ(err.line, 17);
	/* a setting that took its default has no line */
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.items[0].weight", "x"), -EINVAL);
	SL_CHECK_EQ(err.line, 0);
	SL_CHECK_STR(err.msg, "'t.items[0].weight': x");

	/* a failed load keeps the origins of the last good one */
	SL_CHECK_EQ(sl_conf_load(NULL, "t = {\n  count = 0;\n};\n", &err), -EINVAL);
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.count", "x"), -EINVAL);
	SL_CHECK_STR(err.file, "<embedded>");
	SL_CHECK_EQ(err.line, 3);

	/* a good load from a file replaces them, with the file's name */
	fd = mkstemp(path);
	SL_CHECK(fd >= 0);
	close(fd);
	SL_CHECK_EQ(sl_test_write_file(path, "\n\nt = {\n  label = \"x\";\n  count = 4;\n};\n"), 0);
	SL_CHECK_EQ(sl_conf_load(path, NULL, &err), 0);
	remove(path);
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.count", "x"), -EINVAL);
	SL_CHECK_STR(err.file, path);
	SL_CHECK_EQ(err.line, 5);
	SL_CHECK_EQ(sl_conf_error_at(&err, "t.items[1].weight", "x"), -EINVAL);
	SL_CHECK_EQ(err.line, 0);
	return 0;
}

/* The parsers accept exactly a.b.c.d and a.b.c.d/0..32. */
static int
test_parsers(void)
{
	struct sl_conf_prefix p;
	uint32_t a;

	SL_CHECK_EQ(sl_conf_parse_ipv4("198.18.0.1", &a), 0);
	SL_CHECK_EQ(a, ip("198.18.0.1"));
	SL_CHECK_EQ(sl_conf_parse_ipv4("198.18.0", &a), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_ipv4("", &a), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_prefix("0.0.0.0/0", &p), 0);
	SL_CHECK_EQ(p.depth, 0);
	SL_CHECK_EQ(sl_conf_parse_prefix("198.18.0.0/32", &p), 0);
	SL_CHECK_EQ(p.addr, ip("198.18.0.0"));
	SL_CHECK_EQ(p.depth, 32);
	SL_CHECK_EQ(sl_conf_parse_prefix("198.18.0.0/33", &p), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_prefix("198.18.0.0", &p), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_prefix("198.18.0.0/", &p), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_prefix("/24", &p), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_prefix("198.18.0.0/24/1", &p), -EINVAL);
	SL_CHECK_EQ(sl_conf_parse_prefix("255.255.255.255/32xxxxxxxxxxxxxx", &p), -EINVAL);
	return 0;
}


static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	text = calloc(1, (size_t)len + 1);
	if (text != NULL && fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* The daemon's default configuration loads against the real module schemas
 * and passes the modules' own validation. */
static int
test_default_conf(void)
{
	struct sl_conf_error err;
	char path[512];
	char *text;
	int rc;

	snprintf(path, sizeof(path), "%s/app/sluiced/default.conf", sl_test_source_root());
	text = read_text(path);
	SL_CHECK(text != NULL);
	sl_conf_reset();
	SL_CHECK_EQ(sl_eal_conf_register(), 0);
	SL_CHECK_EQ(sl_idle_conf_register(), 0);
	SL_CHECK_EQ(sl_port_conf_register(), 0);
	SL_CHECK_EQ(sl_net_conf_register(), 0);
	SL_CHECK_EQ(sl_tcp_conf_register(), 0);
	SL_CHECK_EQ(sl_proxy_conf_register(), 0);
	SL_CHECK_EQ(sl_mgmt_conf_register(), 0);
	rc = sl_conf_load(NULL, text, &err);
	free(text);
	if (rc != 0)
		print_err("default.conf", rc, &err);
	SL_CHECK_EQ(rc, 0);

	SL_CHECK_STR(sl_eal_conf.lcores, "0-1");
	SL_CHECK(sl_eal_conf.huge);
	SL_CHECK_EQ(sl_eal_conf.memory_mb, 512);
	SL_CHECK_EQ(sl_idle_conf.spin_polls, 1024);
	SL_CHECK_EQ(sl_idle_conf.pause_polls, 4096);
	SL_CHECK_EQ(sl_idle_conf.sleep_max_us, 200);
	SL_CHECK_EQ(sl_ports_conf.mbufs, 16383);
	SL_CHECK_EQ(sl_ports_conf.mbuf_cache, 256);
	SL_CHECK_EQ(sl_ports_conf.n_ports, 2);
	SL_CHECK_STR(sl_ports_conf.list[0].name, "front");
	SL_CHECK_STR(sl_ports_conf.list[0].profile, "af_packet");
	SL_CHECK_STR(sl_ports_conf.list[0].iface, "sl-front");
	SL_CHECK_EQ(sl_ports_conf.list[0].address.addr, ip("198.18.0.1"));
	SL_CHECK_EQ(sl_ports_conf.list[0].address.depth, 24);
	SL_CHECK_EQ(sl_ports_conf.list[0].mtu, 1500);
	SL_CHECK_STR(sl_ports_conf.list[1].name, "back");
	SL_CHECK_EQ(sl_ports_conf.list[1].address.addr, ip("198.19.0.1"));
	SL_CHECK(sl_net_conf.ip_forward);
	SL_CHECK(sl_net_conf.icmp_echo);
	SL_CHECK_EQ(sl_net_conf.default_gateway, 0);
	SL_CHECK_EQ(sl_net_conf.n_routes, 0);
	SL_CHECK_EQ(sl_net_conf.arp.reachable_ms, 30000);
	SL_CHECK_EQ(sl_net_conf.arp.retrans_ms, 1000);
	SL_CHECK_EQ(sl_net_conf.arp.probes, 3);
	SL_CHECK_EQ(sl_net_conf.arp.pending_max, 16);
	SL_CHECK(sl_net_conf.arp.gratuitous);
	SL_CHECK(sl_net_conf.frag.reassemble);
	SL_CHECK_EQ(sl_net_conf.ring_size, 4096);
	/* the sample proxy: one listener, a pool of the testbed's upstreams */
	SL_CHECK_EQ(sl_proxy_conf.n_listeners, 1);
	SL_CHECK_EQ(sl_proxy_conf.listeners[0].port, 80);
	SL_CHECK_EQ(sl_proxy_conf.n_pools, 1);
	SL_CHECK_EQ(sl_proxy_conf.pools[0].n_members, 3);
	SL_CHECK_EQ(sl_proxy_conf.pools[0].members[2].address, ip("198.19.0.4"));
	SL_CHECK_EQ(sl_proxy_conf.n_routes, 2);
	SL_CHECK(sl_proxy_conf.routes[1].is_default);
	/* the management plane on loopback, its documented ports */
	SL_CHECK_EQ(sl_mgmt_conf.address, ip("127.0.0.1"));
	SL_CHECK_EQ(sl_mgmt_conf.http_port, 9180);
	SL_CHECK_EQ(sl_mgmt_conf.console_port, 9123);
	SL_CHECK_STR(sl_mgmt_conf.token, "");

	/* the modules' cross-checks accept it too (profiles from the source tree) */
	snprintf(sl_ports_conf.profiles_dir, sizeof(sl_ports_conf.profiles_dir),
			"%s/drivers-conf", sl_test_source_root());
	rc = sl_port_validate(&err);
	if (rc != 0)
		print_err("port validate", rc, &err);
	SL_CHECK_EQ(rc, 0);
	rc = sl_net_validate(&err);
	if (rc != 0)
		print_err("net validate", rc, &err);
	SL_CHECK_EQ(rc, 0);
	return 0;
}

/* Module cross-checks report the line of the offending setting. */
static int
test_module_error_at(void)
{
	static const char text[] =
		"ports = {\n"
		"  list = ( { name = \"a\"; profile = \"ring\"; address = \"198.18.0.1/24\"; } );\n"
		"};\n"
		"net = {\n"
		"  routes = (\n"
		"    { prefix = \"198.18.128.0/17\"; via = \"198.18.0.254\"; },\n"
		"    { prefix = \"198.19.128.0/17\";\n"
		"      via = \"198.19.9.254\"; }\n"
		"  );\n"
		"  ring_size = 1000;\n"
		"};\n";
	struct sl_conf_error err;

	sl_conf_reset();
	SL_CHECK_EQ(sl_port_conf_register(), 0);
	SL_CHECK_EQ(sl_net_conf_register(), 0);
	SL_CHECK_EQ(sl_conf_load(NULL, text, &err), 0);
	SL_CHECK_EQ(sl_net_validate(&err), -EINVAL);
	SL_CHECK_STR(err.file, "<embedded>");
	SL_CHECK_EQ(err.line, 10);
	SL_CHECK_STR(err.msg, "'net.ring_size': must be a power of 2");
	sl_net_conf.ring_size = 1024;
	SL_CHECK_EQ(sl_net_validate(&err), -EINVAL);
	SL_CHECK_EQ(err.line, 8);
	SL_CHECK_STR(err.msg, "'net.routes[1].via': not on the subnet of any port");
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "register", test_register },
		{ "defaults", test_defaults },
		{ "values", test_values },
		{ "values_file", test_values_file },
		{ "errors", test_errors },
		{ "required", test_required },
		{ "missing_file", test_missing_file },
		{ "atomic", test_atomic },
		{ "error_at", test_error_at },
		{ "parsers", test_parsers },
		{ "default_conf", test_default_conf },
		{ "module_error_at", test_module_error_at },
	};
	int rc = sl_test_run("conf", cases, RTE_DIM(cases));

	sl_conf_reset();
	return rc;
}
