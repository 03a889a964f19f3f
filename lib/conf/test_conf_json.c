/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the JSON codec and the libconfig writer: a schema of every
 * key type round-trips through write/load and encode/decode to the same
 * bytes; every decode error names its field path and leaves the struct
 * alone; merge patches; atomic saves.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_common.h>

#include "sl_conf.h"
#include "sl_test.h"

struct j_port {
	char name[8];
	int64_t port;
};

struct j_member {
	char host[16];
	uint32_t ip;
	int64_t port;
	bool backup;
	struct j_port ports[2];
	unsigned int n_ports;
	char labels[3][12];
	unsigned int n_labels;
};

struct j_limits {
	int64_t rate;
	bool strict;
};

struct j_conf {
	int64_t big;
	int64_t small;
	bool on;
	char text[48];
	uint32_t addr;
	struct sl_conf_prefix net;
	struct j_limits limits;
	struct j_member members[3];
	unsigned int n_members;
	char mode[8];
	char kinds[3][8];
	unsigned int n_kinds;
	char name[8];
};

struct k_conf {
	int64_t x;
	char s[8];
};

static const char *const modes[] = { "fast", "slow", NULL };
static const char *const kinds[] = { "red", "green", "blue", NULL };

static const struct sl_conf_key port_keys[] = {
	SL_KEY_STR(struct j_port, name, SL_CONF_REQUIRED, NULL, "port name"),
	SL_KEY_INT(struct j_port, port, 1, 65535, 443, "port number"),
	SL_KEY_END,
};

static const struct sl_conf_key member_keys[] = {
	SL_KEY_STR(struct j_member, host, SL_CONF_REQUIRED, NULL, "member host"),
	SL_KEY_IPV4(struct j_member, ip, 0, "198.18.0.9", "member address"),
	SL_KEY_INT(struct j_member, port, 1, 65535, 80, "member port"),
	SL_KEY_BOOL(struct j_member, backup, false, "a backup"),
	SL_KEY_LIST(struct j_member, ports, n_ports, port_keys, 0, "nested list"),
	SL_KEY_STRINGS(struct j_member, labels, n_labels, "labels"),
	SL_KEY_END,
};

static const struct sl_conf_key limits_keys[] = {
	SL_KEY_INT(struct j_limits, rate, 0, 1000, 10, "a rate"),
	SL_KEY_BOOL(struct j_limits, strict, true, "strictness"),
	SL_KEY_END,
};

static const struct sl_conf_key j_keys[] = {
	SL_KEY_INT(struct j_conf, big, 0, INT64_MAX, 1, "a big value"),
	SL_KEY_INT(struct j_conf, small, -100, 100, -7, "a signed value"),
	SL_KEY_BOOL(struct j_conf, on, true, "a switch"),
	SL_KEY_STR(struct j_conf, text, 0, "dflt", "free text"),
	SL_KEY_IPV4(struct j_conf, addr, 0, "198.18.0.9", "an address"),
	SL_KEY_PREFIX(struct j_conf, net, 0, "198.19.0.0/16", "a prefix"),
	SL_KEY_GROUP(struct j_conf, limits, limits_keys, "a group"),
	SL_KEY_LIST(struct j_conf, members, n_members, member_keys, 0, "a list"),
	SL_KEY_CHOICE(struct j_conf, mode, 0, "fast", modes, "a choice"),
	SL_KEY_CHOICES(struct j_conf, kinds, n_kinds, kinds, "choices"),
	SL_KEY_STR(struct j_conf, name, SL_CONF_REQUIRED, NULL, "required"),
	SL_KEY_END,
};

static const struct sl_conf_key k_keys[] = {
	SL_KEY_INT(struct k_conf, x, -10, 10, 3, "a value of a second section"),
	SL_KEY_STR(struct k_conf, s, 0, "k", "a string"),
	SL_KEY_END,
};

static struct j_conf jc;
static struct k_conf kc;

/* Every type, a 64-bit integer, escapes and UTF-8 in a string. */
static const char full_text[] =
	"j = {\n"
	"  big = 5000000000L;\n"
	"  small = -42;\n"
	"  on = false;\n"
	"  text = \"q\\\"uote \\\\ back\\nnl\\ttab \\x01 \xc3\xa9\xe6\x97\xa5\";\n"
	"  addr = \"192.0.2.1\";\n"
	"  net = \"198.18.2.3/15\";\n"
	"  limits = { rate = 999; };\n"
	"  members = (\n"
	"    { host = \"a\"; port = 8080; backup = true;\n"
	"      ports = ( { name = \"p1\"; port = 1; }, { name = \"p2\"; } );\n"
	"      labels = [ \"x\", \"y\\\"z\" ]; },\n"
	"    { host = \"b\"; ip = \"198.19.9.9\"; labels = [ \"only\" ]; }\n"
	"  );\n"
	"  mode = \"slow\";\n"
	"  kinds = [ \"blue\", \"red\" ];\n"
	"  name = \"nm\";\n"
	"};\n"
	"k = { x = -3; s = \"\"; };\n";

static int
setup(void)
{
	sl_conf_reset();
	memset(&jc, 0, sizeof(jc));
	memset(&kc, 0, sizeof(kc));
	if (sl_conf_register("j", j_keys, &jc, sizeof(jc)) != 0)
		return -1;
	return sl_conf_register("k", k_keys, &kc, sizeof(kc));
}

static void
print_err(const char *what, int rc, const struct sl_conf_error *err)
{
	fprintf(stderr, "%s: rc %d, %s:%d: [%s] %s\n", what, rc, err->file, err->line,
			err->path, err->msg);
}

static int
load_full(void)
{
	struct sl_conf_error err;
	int rc;

	if (setup() != 0)
		return -1;
	rc = sl_conf_load(NULL, full_text, &err);
	if (rc != 0)
		print_err("load", rc, &err);
	return rc;
}

/* The loaded values are those of the text (so the round trips mean something). */
static int
test_loaded(void)
{
	SL_CHECK_EQ(load_full(), 0);
	SL_CHECK_EQ(jc.big, 5000000000LL);
	SL_CHECK_STR(jc.text, "q\"uote \\ back\nnl\ttab \x01 \xc3\xa9\xe6\x97\xa5");
	SL_CHECK_EQ(jc.limits.rate, 999);
	SL_CHECK_EQ(jc.limits.strict, true);
	SL_CHECK_EQ(jc.n_members, 2);
	SL_CHECK_EQ(jc.members[0].n_ports, 2);
	SL_CHECK_EQ(jc.members[0].ports[1].port, 443);
	SL_CHECK_STR(jc.members[0].labels[1], "y\"z");
	SL_CHECK_EQ(jc.n_kinds, 2);
	SL_CHECK_EQ(kc.x, -3);
	return 0;
}

/* load(write(x)) == x, byte for byte, for every section. */
static int
test_write_roundtrip(void)
{
	char path[] = "/tmp/sl-conf-json-XXXXXX";
	struct sl_conf_error err;
	struct j_conf j0;
	struct k_conf k0;
	FILE *f;
	int fd, rc;

	SL_CHECK_EQ(load_full(), 0);
	j0 = jc;
	k0 = kc;
	fd = mkstemp(path);
	SL_CHECK(fd >= 0);
	f = fdopen(fd, "w");
	SL_CHECK(f != NULL);
	SL_CHECK_EQ(sl_conf_write(f, "saved by\ntest", NULL), 0);
	SL_CHECK_EQ(fclose(f), 0);
	memset(&jc, 0, sizeof(jc));
	memset(&kc, 0, sizeof(kc));
	rc = sl_conf_load(path, NULL, &err);
	if (rc != 0) {
		print_err("reload", rc, &err);
		SL_CHECK_EQ(system("cat -A /tmp/sl-conf-json-*"), 0);
	}
	remove(path);
	SL_CHECK_EQ(rc, 0);
	SL_CHECK(memcmp(&jc, &j0, sizeof(jc)) == 0);
	SL_CHECK(memcmp(&kc, &k0, sizeof(kc)) == 0);

	/* defaults only: the written file is complete and loads the same */
	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_load(NULL, "j = { name = \"d\"; };\n", &err), 0);
	j0 = jc;
	k0 = kc;
	f = fopen(path, "w");
	SL_CHECK(f != NULL);
	SL_CHECK_EQ(sl_conf_write(f, NULL, NULL), 0);
	SL_CHECK_EQ(fclose(f), 0);
	memset(&jc, 0, sizeof(jc));
	memset(&kc, 0, sizeof(kc));
	rc = sl_conf_load(path, NULL, &err);
	remove(path);
	SL_CHECK_EQ(rc, 0);
	SL_CHECK(memcmp(&jc, &j0, sizeof(jc)) == 0);
	SL_CHECK(memcmp(&kc, &k0, sizeof(kc)) == 0);
	return 0;
}

/* decode(encode(x)) == x, byte for byte, also through JSON text. */
static int
test_json_roundtrip(void)
{
	struct sl_conf_error err;
	struct j_conf out;
	json_t *o, *back;
	char *text;
	int rc;

	SL_CHECK_EQ(load_full(), 0);
	o = sl_conf_json_encode(j_keys, &jc);
	SL_CHECK(o != NULL);
	SL_CHECK_EQ(json_integer_value(json_object_get(o, "big")), 5000000000LL);
	SL_CHECK_STR(json_string_value(json_object_get(o, "net")), "198.18.2.3/15");
	SL_CHECK_STR(json_string_value(json_object_get(o, "addr")), "192.0.2.1");
	SL_CHECK(json_is_false(json_object_get(o, "on")));
	SL_CHECK_EQ(json_array_size(json_object_get(o, "members")), 2);
	SL_CHECK_EQ(json_object_size(o), 11);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	SL_CHECK(text != NULL);
	back = json_loads(text, 0, NULL);
	free(text);
	SL_CHECK(back != NULL);
	memset(&out, 0, sizeof(out));
	rc = sl_conf_json_decode(j_keys, back, &out, sizeof(out), false, &err);
	json_decref(back);
	if (rc != 0)
		print_err("decode", rc, &err);
	SL_CHECK_EQ(rc, 0);
	SL_CHECK(memcmp(&out, &jc, sizeof(out)) == 0);

	/* a full object as a patch gives the same too */
	o = sl_conf_json_encode(k_keys, &kc);
	SL_CHECK(o != NULL);
	struct k_conf k1 = { .x = 9 };
	SL_CHECK_EQ(sl_conf_json_decode(k_keys, o, &k1, sizeof(k1), true, &err), 0);
	json_decref(o);
	SL_CHECK(memcmp(&k1, &kc, sizeof(k1)) == 0);
	return 0;
}

/* Bytes that are not UTF-8 still encode (as U+FFFD). */
static int
test_encode_bad_utf8(void)
{
	struct k_conf k = { .x = 1, .s = "a\xff" "b" };
	json_t *o = sl_conf_json_encode(k_keys, &k);

	SL_CHECK(o != NULL);
	SL_CHECK_STR(json_string_value(json_object_get(o, "s")), "a\xef\xbf\xbd" "b");
	json_decref(o);
	return 0;
}

static const struct {
	bool patch;
	const char *json;
	const char *path;
	const char *msg;
} bad[] = {
	{ true, "{\"nope\": 1}", "nope", "unknown field 'nope' (valid: big, small, on," },
	{ true, "{\"members\": [{\"host\": \"h\", \"bogus\": 1}]}", "members[0].bogus",
		"unknown field 'members[0].bogus' (valid: host, ip, port," },
	{ true, "{\"small\": \"x\"}", "small", "'small' must be an integer, not a string" },
	{ true, "{\"limits\": {\"rate\": 1.5}}", "limits.rate", "not a real number" },
	{ true, "{\"on\": 1}", "on", "'on' must be true or false, not an integer" },
	{ true, "{\"members\": {}}", "members", "'members' must be an array of objects" },
	{ true, "{\"members\": [1]}", "members[0]", "'members[0]' must be an object" },
	{ true, "{\"kinds\": \"red\"}", "kinds", "must be an array of strings" },
	{ true, "{\"members\": [{\"host\": \"h\"}, {\"host\": \"g\", \"port\": 70000}]}",
		"members[1].port", "'members[1].port' must be between 1 and 65535 (got 70000)" },
	{ true, "{\"members\": [{\"host\": \"h\", \"ports\": [{\"name\": \"p\", \"port\": 0}]}]}",
		"members[0].ports[0].port", "must be between 1 and 65535 (got 0)" },
	{ true, "{\"small\": -101}", "small", "between -100 and 100" },
	{ true, "{\"addr\": \"1.2.3\"}", "addr", "'addr' must be an IPv4 address a.b.c.d" },
	{ true, "{\"members\": [{\"host\": \"h\", \"ip\": \"300.1.1.1\"}]}", "members[0].ip",
		"IPv4 address" },
	{ true, "{\"net\": \"1.2.3.4/33\"}", "net", "'net' must be an IPv4 prefix" },
	{ true, "{\"mode\": \"medium\"}", "mode", "'mode': \"medium\" is not one of: fast, slow" },
	{ true, "{\"kinds\": [\"red\", \"pink\"]}", "kinds[1]", "is not one of: red, green, blue" },
	{ true, "{\"text\": \"0123456789012345678901234567890123456789012345678\"}", "text",
		"'text' is too long (at most 47 characters)" },
	{ true, "{\"name\": \"a\\u0000b\"}", "name", "must not contain a NUL" },
	{ true, "{\"members\": [{\"host\": \"1\"}, {\"host\": \"2\"}, {\"host\": \"3\"},"
		" {\"host\": \"4\"}]}", "members", "'members' has 4 entries, at most 3 allowed" },
	{ false, "{\"small\": 1}", "name", "missing required field 'name'" },
	{ true, "{\"members\": [{\"port\": 1}]}", "members[0].host",
		"missing required field 'members[0].host'" },
	{ true, "{\"members\": [{\"host\": \"h\", \"ports\": [{}]}]}",
		"members[0].ports[0].name", "missing required field" },
	{ true, "{\"name\": null}", "name", "'name' is required, it cannot be null" },
	/* a later error: the earlier valid fields must not stick */
	{ true, "{\"small\": 5, \"on\": true, \"members\": [], \"zzz\": 0}", "zzz",
		"unknown field 'zzz'" },
	{ true, "{\"small\": 5, \"members\": [], \"mode\": \"x\"}", "mode", "not one of" },
};

/* Every decode error: its path and message, and dst unchanged. */
static int
test_decode_errors(void)
{
	struct sl_conf_error err;
	unsigned int i, failed = 0;
	struct j_conf before;
	json_error_t jerr;
	json_t *o;
	int rc;

	SL_CHECK_EQ(load_full(), 0);
	before = jc;
	for (i = 0; i < RTE_DIM(bad); i++) {
		o = json_loads(bad[i].json, JSON_ALLOW_NUL, &jerr);
		if (o == NULL) {
			fprintf(stderr, "case %u: bad JSON: %s\n", i, jerr.text);
			failed++;
			continue;
		}
		memset(&err, 0x55, sizeof(err));
		rc = sl_conf_json_decode(j_keys, o, &jc, sizeof(jc), bad[i].patch, &err);
		json_decref(o);
		if (rc != -EINVAL || strcmp(err.path, bad[i].path) != 0 ||
				strstr(err.msg, bad[i].msg) == NULL || err.file[0] != '\0' ||
				err.line != 0 || memcmp(&jc, &before, sizeof(jc)) != 0) {
			print_err(bad[i].json, rc, &err);
			fprintf(stderr, "  expected [%s] ...%s...\n", bad[i].path, bad[i].msg);
			failed++;
		}
	}
	SL_CHECK_EQ(failed, 0);

	/* the root must be an object */
	o = json_array();
	SL_CHECK_EQ(sl_conf_json_decode(j_keys, o, &jc, sizeof(jc), false, &err), -EINVAL);
	json_decref(o);
	SL_CHECK_STR(err.path, "");
	SL_CHECK(strstr(err.msg, "must be an object") != NULL);
	SL_CHECK(memcmp(&jc, &before, sizeof(jc)) == 0);
	return 0;
}

static int
patch(const char *text, bool is_patch)
{
	struct sl_conf_error err;
	json_t *o = json_loads(text, 0, NULL);
	int rc;

	if (o == NULL)
		return -1;
	rc = sl_conf_json_decode(j_keys, o, &jc, sizeof(jc), is_patch, &err);
	json_decref(o);
	if (rc != 0)
		print_err(text, rc, &err);
	return rc;
}

/* Merge patch: absent keeps, null resets, groups merge, arrays replace. */
static int
test_patch(void)
{
	struct j_conf want;

	SL_CHECK_EQ(load_full(), 0);
	want = jc;

	SL_CHECK_EQ(patch("{}", true), 0);
	SL_CHECK(memcmp(&jc, &want, sizeof(jc)) == 0);

	SL_CHECK_EQ(patch("{\"on\": true, \"big\": 9223372036854775807}", true), 0);
	want.on = true;
	want.big = INT64_MAX;
	SL_CHECK(memcmp(&jc, &want, sizeof(jc)) == 0);

	SL_CHECK_EQ(patch("{\"small\": null, \"addr\": null, \"mode\": null}", true), 0);
	want.small = -7;
	want.addr = htonl(0xc6120009); /* 198.18.0.9 */
	snprintf(want.mode, sizeof(want.mode), "fast");
	SL_CHECK(memcmp(&jc, &want, sizeof(jc)) == 0);

	/* nested group: only rate changes, strict is kept */
	jc.limits.strict = false;
	want.limits.strict = false;
	SL_CHECK_EQ(patch("{\"limits\": {\"rate\": 7}}", true), 0);
	want.limits.rate = 7;
	SL_CHECK(memcmp(&jc, &want, sizeof(jc)) == 0);
	SL_CHECK_EQ(patch("{\"limits\": null}", true), 0);
	want.limits.rate = 10;
	want.limits.strict = true;
	SL_CHECK(memcmp(&jc, &want, sizeof(jc)) == 0);

	/* a list is replaced whole; its element is whole too (defaults) */
	SL_CHECK_EQ(patch("{\"members\": [{\"host\": \"only\"}], \"kinds\": []}", true), 0);
	memset(want.members, 0, sizeof(want.members));
	want.n_members = 1;
	snprintf(want.members[0].host, sizeof(want.members[0].host), "only");
	want.members[0].ip = htonl(0xc6120009);
	want.members[0].port = 80;
	memset(want.kinds, 0, sizeof(want.kinds));
	want.n_kinds = 0;
	SL_CHECK(memcmp(&jc, &want, sizeof(jc)) == 0);

	/* a replace resets what is absent to the defaults */
	SL_CHECK_EQ(patch("{\"name\": \"r\"}", false), 0);
	SL_CHECK_EQ(jc.big, 1);
	SL_CHECK_EQ(jc.on, true);
	SL_CHECK_EQ(jc.n_members, 0);
	SL_CHECK_STR(jc.text, "dflt");
	SL_CHECK_STR(jc.name, "r");
	SL_CHECK_EQ(jc.limits.rate, 10);
	return 0;
}

/* The key and section look-ups. */
static int
test_lookups(void)
{
	const struct sl_conf_key *k;
	size_t size = 0;
	void *dst = NULL;

	SL_CHECK_EQ(setup(), 0);
	k = sl_conf_key_find(j_keys, "members");
	SL_CHECK(k != NULL && k->type == SL_CONF_LIST);
	SL_CHECK(sl_conf_key_find(k->sub, "ports") != NULL);
	SL_CHECK(sl_conf_key_find(j_keys, "port") == NULL);
	SL_CHECK(sl_conf_section_keys("j", &dst, &size) == j_keys);
	SL_CHECK(dst == &jc);
	SL_CHECK_EQ(size, sizeof(jc));
	SL_CHECK(sl_conf_section_keys("nope", NULL, NULL) == NULL);
	return 0;
}

static struct k_conf k_other = { .x = 10, .s = "over" };

static const void *
override_k(const char *section)
{
	return strcmp(section, "k") == 0 ? &k_other : NULL;
}

static int
count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Atomic saves: they load back, fail cleanly, replace files in place. */
static int
test_save(void)
{
	char dir[] = "/tmp/sl-conf-save-XXXXXX";
	char path[128], bad_path[160], line[128];
	struct sl_conf_error err;
	struct j_conf j0;
	struct stat st;
	FILE *f;
	int rc;

	SL_CHECK_EQ(load_full(), 0);
	j0 = jc;
	SL_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sluice.conf", dir);

	/* a new file, with an override for one section */
	SL_CHECK_EQ(sl_conf_save(path, "applied\nconfig", override_k, &err), 0);
	SL_CHECK_EQ(count_entries(dir), 1);
	f = fopen(path, "r");
	SL_CHECK(f != NULL);
	SL_CHECK(fgets(line, sizeof(line), f) != NULL);
	fclose(f);
	SL_CHECK_STR(line, "# applied config\n");
	memset(&jc, 0, sizeof(jc));
	rc = sl_conf_load(path, NULL, &err);
	if (rc != 0)
		print_err("load saved", rc, &err);
	SL_CHECK_EQ(rc, 0);
	SL_CHECK(memcmp(&jc, &j0, sizeof(jc)) == 0);
	SL_CHECK(memcmp(&kc, &k_other, sizeof(kc)) == 0);

	/* an existing file is replaced, keeps its mode, no temporary is left */
	SL_CHECK_EQ(sl_test_write_file(path, "old = 1;\n"), 0);
	SL_CHECK_EQ(chmod(path, 0600), 0);
	kc.x = -1;
	SL_CHECK_EQ(sl_conf_save(path, NULL, NULL, &err), 0);
	SL_CHECK_EQ(count_entries(dir), 1);
	SL_CHECK_EQ(stat(path, &st), 0);
	SL_CHECK_EQ(st.st_mode & 0777, 0600);
	kc.x = 5;
	SL_CHECK_EQ(sl_conf_load(path, NULL, &err), 0);
	SL_CHECK_EQ(kc.x, -1);

	/* a missing directory: -ENOENT, the step named, nothing created */
	snprintf(bad_path, sizeof(bad_path), "%s/missing/sluice.conf", dir);
	SL_CHECK_EQ(sl_conf_save(bad_path, NULL, NULL, &err), -ENOENT);
	SL_CHECK_STR(err.file, bad_path);
	SL_CHECK(strstr(err.msg, "cannot create") != NULL);
	SL_CHECK_EQ(count_entries(dir), 1);
	SL_CHECK_EQ(sl_conf_load(path, NULL, &err), 0);
	SL_CHECK_EQ(kc.x, -1);

	SL_CHECK_EQ(remove(path), 0);
	SL_CHECK_EQ(rmdir(dir), 0);
	return 0;
}

/* The loader fills err->path too. */
static int
test_loader_path(void)
{
	struct sl_conf_error err;

	SL_CHECK_EQ(setup(), 0);
	SL_CHECK_EQ(sl_conf_load(NULL, "j = { name = \"n\"; members = ( { host = \"h\"; },"
			" { host = \"h\"; ports = ( { name = \"p\"; port = 0; } ); } ); };\n",
			&err), -EINVAL);
	SL_CHECK_STR(err.path, "j.members[1].ports[0].port");
	SL_CHECK_EQ(sl_conf_load(NULL, "j = { name = \"n\"; x = 1; };\n", &err), -EINVAL);
	SL_CHECK_STR(err.path, "j.x");
	SL_CHECK_EQ(sl_conf_error_at(&err, "j.small", "bad"), -EINVAL);
	SL_CHECK_STR(err.path, "j.small");
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{ "loaded", test_loaded },
		{ "write_roundtrip", test_write_roundtrip },
		{ "json_roundtrip", test_json_roundtrip },
		{ "encode_bad_utf8", test_encode_bad_utf8 },
		{ "decode_errors", test_decode_errors },
		{ "patch", test_patch },
		{ "lookups", test_lookups },
		{ "save", test_save },
		{ "loader_path", test_loader_path },
	};
	int rc = sl_test_run("conf_json", cases, RTE_DIM(cases));

	sl_conf_reset();
	return rc;
}
