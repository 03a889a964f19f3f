/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the IP ACL: the most specific prefix decides, files load
 * with their comments and report bad lines at FILE:LINE, a prefix in two
 * rules is refused, every verdict is counted once, and 100,000 prefixes
 * load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl_acl.h"
#include "sl_conf.h"
#include "sl_test.h"
#include "sl_test_stack.h"

#include <rte_common.h>

#define IP(a, b, c, d) SL_TEST_IP(a, b, c, d)

static char list_path[64];

/* A SYN to 198.18.0.1:80. */
static enum sl_acl_verdict
verdict(struct sl_lcore *lc, uint32_t src)
{
	return sl_acl_syn_verdict(lc, src, SL_TEST_FRONT_ADDR, RTE_BE16(80));
}

/* Run body on worker 0's context with the stack up to the ACL, `acl` as
 * its section; the stack is stopped whatever body finds. The counters
 * body sees start at zero. */
static int
with_acl(const char *acl, int (*body)(struct sl_lcore *lc))
{
	struct sl_test_stack ts;
	char conf[4096];
	int rc;

	snprintf(conf, sizeof(conf), "ports = { %s }; acl = { %s };",
			SL_TEST_PORTS_CONF("", ""), acl);
	if (sl_test_stack_start(SL_TEST_ACL, conf, &ts) < 0)
		return -1;
	memset(&ts.lc->acl, 0, sizeof(ts.lc->acl));
	rc = body(ts.lc);
	if (sl_test_stack_stop(&ts) < 0)
		rc = -1;
	return rc;
}

static int
write_list(const char *text)
{
	FILE *f = fopen(list_path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The error sl_acl_validate() gives for `acl`, after a clean load. */
static int
validate_error(const char *acl, struct sl_conf_error *err)
{
	char conf[4096];

	snprintf(conf, sizeof(conf), "acl = { %s };", acl);
	memset(err, 0, sizeof(*err));
	sl_conf_reset();
	if (sl_acl_conf_register() < 0 || sl_conf_load(NULL, conf, err) < 0)
		return -2; /* refused by the loader itself */
	return sl_acl_validate(err);
}

/* An allowed range inside a denied one and the reverse; the default. */
static int
most_specific(struct sl_lcore *lc)
{
	struct sl_acl_stats st;

	SL_CHECK_EQ(verdict(lc, IP(198, 19, 9, 9)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 200)), SL_ACL_ALLOW);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 3)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 4)), SL_ACL_ALLOW);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 113, 7)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 113, 8)), SL_ACL_ALLOW);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 0, 2)), SL_ACL_ALLOW);
	st = lc->acl.stats;
	SL_CHECK_EQ(st.syn_checked, 7);
	SL_CHECK_EQ(st.syn_allowed, 4);
	SL_CHECK_EQ(st.syn_denied, 3);
	SL_CHECK_EQ(st.syn_denied_rst, 0);
	SL_CHECK_EQ(st.syn_default, 2);
	SL_CHECK_EQ(lc->acl.rules[0].syns, 2); /* nets */
	SL_CHECK_EQ(lc->acl.rules[1].syns, 2); /* office */
	SL_CHECK_EQ(lc->acl.rules[2].syns, 1); /* printer */
	return 0;
}

static int
test_most_specific_wins(void)
{
	return with_acl("default_action = \"allow\"; rules = ("
		" { name = \"nets\"; action = \"deny\"; prefixes = [ \"198.19.0.0/16\", \"198.18.113.7\" ]; },"
		" { name = \"office\"; action = \"allow\"; prefixes = [ \"198.19.1.0/24\" ]; },"
		" { name = \"printer\"; action = \"deny\"; prefixes = [ \"198.19.1.3/32\" ]; } );",
		most_specific);
}

/* A closed list: default deny, denied SYNs answered with RST. */
static int
closed_list(struct sl_lcore *lc)
{
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 0, 2)), SL_ACL_ALLOW);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 1, 2)), SL_ACL_RST);
	SL_CHECK_EQ(lc->acl.stats.syn_denied, 1);
	SL_CHECK_EQ(lc->acl.stats.syn_denied_rst, 1);
	SL_CHECK_EQ(lc->acl.stats.syn_default, 1);
	return 0;
}

static int
test_default_deny_rst(void)
{
	return with_acl("default_action = \"deny\"; denied = \"rst\"; rules = ("
		" { name = \"clients\"; action = \"allow\"; prefixes = [ \"198.18.0.0/24\" ]; } );",
		closed_list);
}

/* No rules: everything allowed, nothing built. */
static int
no_rules(struct sl_lcore *lc)
{
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 3, 4)), SL_ACL_ALLOW);
	SL_CHECK_EQ(lc->acl.stats.syn_default, 1);
	return 0;
}

static int
test_empty(void)
{
	return with_acl("", no_rules);
}

/* A list file: comments, blank lines, addresses and prefixes. */
static int
from_file(struct sl_lcore *lc)
{
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 2, 77)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 100, 9)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 100, 10)), SL_ACL_ALLOW);
	SL_CHECK_EQ(lc->acl.rules[0].syns, 2);
	return 0;
}

static int
test_file(void)
{
	char acl[512];

	SL_CHECK_EQ(write_list("# abusers\n\n198.18.2.0/24   # a whole net\n  198.18.100.9\n"
			"198.18.100.9\n"), 0);
	snprintf(acl, sizeof(acl),
		"rules = ( { name = \"abusers\"; action = \"deny\"; file = \"%s\"; } );", list_path);
	return with_acl(acl, from_file);
}

/* 100,000 /32s from a file, a wide prefix past them and a hole in it. */
static int
large(struct sl_lcore *lc)
{
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 195, 79)), SL_ACL_DROP); /* i = 49999 */
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 195, 80)), SL_ACL_ALLOW);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 195, 79)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 195, 80)), SL_ACL_ALLOW);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 230, 1)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 230, 200)), SL_ACL_ALLOW);
	return 0;
}

static int
test_large(void)
{
	char acl[512];
	FILE *f = fopen(list_path, "w");
	unsigned int i;

	SL_CHECK(f != NULL);
	for (i = 0; i < 50000; i++) {
		fprintf(f, "198.18.%u.%u\n", i / 256, i % 256);
		fprintf(f, "198.19.%u.%u/32\n", i / 256, i % 256);
	}
	SL_CHECK_EQ(fclose(f), 0);
	snprintf(acl, sizeof(acl), "rules = ( { name = \"big\"; action = \"deny\"; file = \"%s\"; },"
		" { name = \"wide\"; action = \"deny\"; prefixes = [ \"198.19.224.0/19\" ]; },"
		" { name = \"hole\"; action = \"allow\"; prefixes = [ \"198.19.230.128/25\" ]; } );",
		list_path);
	return with_acl(acl, large);
}

/* Rules scoped to listeners: the most specific prefix among the table's
 * and the scoped rules' that judge this listener decides; a tie goes to
 * the scoped rule. */
static int
scoped(struct sl_lcore *lc)
{
	const uint32_t us = SL_TEST_FRONT_ADDR, other = IP(198, 18, 0, 9);

	/* 198.19.1/24 allowed on port 80 only: the global /16 decides elsewhere */
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 1, 5), us, RTE_BE16(80)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 1, 5), other, RTE_BE16(80)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 1, 5), us, RTE_BE16(7)), SL_ACL_DROP);
	/* 198.19.1.128/25 denied on us:7 only, inside the /24 allowed on :80 */
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 1, 130), us, RTE_BE16(7)), SL_ACL_DROP);
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 1, 130), us, RTE_BE16(80)), SL_ACL_ALLOW);
	/* the table's /32 is more specific than the scoped /24 */
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 1, 9), us, RTE_BE16(80)), SL_ACL_DROP);
	/* a tie (/16 and /16): the scoped rule */
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 7, 7), us, RTE_BE16(443)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_syn_verdict(lc, IP(198, 19, 7, 7), us, RTE_BE16(80)), SL_ACL_DROP);
	SL_CHECK_EQ(lc->acl.rules[0].syns, 2); /* nets */
	SL_CHECK_EQ(lc->acl.rules[1].syns, 3); /* web */
	SL_CHECK_EQ(lc->acl.rules[2].syns, 1); /* echo */
	SL_CHECK_EQ(lc->acl.rules[3].syns, 1); /* one host */
	SL_CHECK_EQ(lc->acl.rules[4].syns, 1); /* tls */
	return 0;
}

static int
test_scoped(void)
{
	return with_acl("rules = ("
		" { name = \"nets\"; action = \"deny\"; prefixes = [ \"198.19.0.0/16\" ]; },"
		" { name = \"web\"; action = \"allow\"; prefixes = [ \"198.19.1.0/24\" ];"
		"   listeners = [ \"*:80\" ]; },"
		" { name = \"echo\"; action = \"deny\"; prefixes = [ \"198.19.1.128/25\" ];"
		"   listeners = [ \"198.18.0.1:7\" ]; },"
		" { name = \"host\"; action = \"deny\"; prefixes = [ \"198.19.1.9\" ]; },"
		" { name = \"tls\"; action = \"allow\"; prefixes = [ \"198.19.0.0/16\" ];"
		"   listeners = [ \"*:443\" ]; } );",
		scoped);
}

/* The dynamic list: most specific still decides, a rule's own prefix is
 * refused, entries renew, go when removed and when their time is up. */
static int
dynamic(struct sl_lcore *lc)
{
	struct sl_acl_deny list[4];
	char why[128];

	/* 198.19.1.128/25 inside the allowed 198.19.1.0/24 */
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 130)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 19, 1, 128), 25, 0, "scanner", why, sizeof(why)), 0);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 130)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 5)), SL_ACL_ALLOW);
	SL_CHECK_EQ(lc->acl.stats.syn_dynamic, 1);
	/* a rule's very prefix, host bits, a full list */
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 19, 1, 0), 24, 0, NULL, why, sizeof(why)), -EEXIST);
	SL_CHECK(strstr(why, "'office'") != NULL);
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 19, 1, 129), 25, 0, NULL, why, sizeof(why)), -EINVAL);
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 18, 200, 1), 32, 1, NULL, why, sizeof(why)), 0);
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 18, 200, 2), 32, 0, NULL, why, sizeof(why)), -ENOSPC);
	/* renewing keeps one entry and takes the new reason */
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 19, 1, 128), 25, 0, "renewed", why, sizeof(why)), 0);
	SL_CHECK_EQ(sl_acl_deny_list(list, RTE_DIM(list)), 2);
	SL_CHECK_STR(list[0].reason, "renewed");
	SL_CHECK_EQ(list[1].depth, 32);
	/* the 1 s entry goes by itself, the other when removed */
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 200, 1)), SL_ACL_DROP);
	SL_CHECK_EQ(sl_acl_deny_expire(), 0);
	usleep(1100 * 1000);
	SL_CHECK_EQ(sl_acl_deny_expire(), 1);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 200, 1)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_deny_remove(IP(198, 19, 1, 128), 25), 0);
	SL_CHECK_EQ(sl_acl_deny_remove(IP(198, 19, 1, 128), 25), -ENOENT);
	SL_CHECK_EQ(verdict(lc, IP(198, 19, 1, 130)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_deny_list(list, RTE_DIM(list)), 0);
	return 0;
}

static int
test_dynamic(void)
{
	return with_acl("dynamic_max = 2; rules = ("
		" { name = \"office\"; action = \"allow\"; prefixes = [ \"198.19.1.0/24\" ]; } );",
		dynamic);
}

/* Without a rule, the first entry makes the table. */
static int
dynamic_only(struct sl_lcore *lc)
{
	char why[128];

	SL_CHECK_EQ(verdict(lc, IP(198, 18, 100, 7)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_deny_add(IP(198, 18, 100, 7), 32, 0, NULL, why, sizeof(why)), 0);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 100, 7)), SL_ACL_DROP);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 100, 8)), SL_ACL_ALLOW);
	SL_CHECK_EQ(sl_acl_deny_remove(IP(198, 18, 100, 7), 32), 0);
	SL_CHECK_EQ(verdict(lc, IP(198, 18, 100, 7)), SL_ACL_ALLOW);
	return 0;
}

static int
test_dynamic_only(void)
{
	return with_acl("", dynamic_only);
}

/* Bad rules are refused with the place and the reason. */
static int
test_errors(void)
{
	static const struct {
		const char *acl, *msg;
	} cases[] = {
		{ "rules = ( { name = \"a\"; action = \"deny\"; prefixes = [ \"198.18.0.1/15\" ]; } );",
		  "host bits" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; prefixes = [ \"198.18.0.0/33\" ]; } );",
		  "not a prefix" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; prefixes = [ \"0.0.0.0/0\" ]; } );",
		  "default_action" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; prefixes = [ \"198.18.0.0/15\" ]; },"
		  " { name = \"b\"; action = \"allow\"; prefixes = [ \"198.18.0.0/15\" ]; } );",
		  "in rules 'a' and 'b'" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; },"
		  " { name = \"a\"; action = \"deny\"; } );", "named twice" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; file = \"/nonexistent/list\"; } );",
		  "cannot read" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; listeners = [ \"80\" ]; } );",
		  "not a.b.c.d:port" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; listeners = [ \"*:0\" ]; } );",
		  "not a.b.c.d:port" },
		{ "rules = ( { name = \"a\"; action = \"deny\"; listeners = [ \"*:80\" ];"
		  " file = \"/etc/hosts\"; } );", "not a file" },
	};
	struct sl_conf_error err;
	char acl[512];
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		SL_CHECK_EQ(validate_error(cases[i].acl, &err), -EINVAL);
		if (strstr(err.msg, cases[i].msg) == NULL) {
			fprintf(stderr, "case %u: '%s' lacks '%s'\n", i, err.msg, cases[i].msg);
			return -1;
		}
	}
	/* the loader's own checks */
	SL_CHECK_EQ(validate_error("rules = ( { name = \"a\"; action = \"block\"; } );", &err), -2);
	/* a bad line in a file: its file and line */
	SL_CHECK_EQ(write_list("198.18.0.0/15\n# fine\n198.18.0.300\n"), 0);
	snprintf(acl, sizeof(acl), "rules = ( { name = \"a\"; action = \"deny\"; file = \"%s\"; } );",
			list_path);
	SL_CHECK_EQ(validate_error(acl, &err), -EINVAL);
	SL_CHECK_STR(err.file, list_path);
	SL_CHECK_EQ(err.line, 3);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct sl_test_case cases[] = {
		{ "errors", test_errors },
		{ "most_specific_wins", test_most_specific_wins },
		{ "default_deny_rst", test_default_deny_rst },
		{ "empty", test_empty },
		{ "file", test_file },
		{ "large", test_large },
		{ "scoped", test_scoped },
		{ "dynamic", test_dynamic },
		{ "dynamic_only", test_dynamic_only },
	};
	int rc;

	RTE_SET_USED(argc);
	snprintf(list_path, sizeof(list_path), "/tmp/sl_test_acl.%d", (int)getpid());
	if (sl_test_eal_init("test_acl", false) < 0) {
		fprintf(stderr, "%s: EAL init failed\n", argv[0]);
		return 1;
	}
	rc = sl_test_run("acl", cases, RTE_DIM(cases));
	unlink(list_path);
	sl_test_eal_cleanup();
	return rc;
}
