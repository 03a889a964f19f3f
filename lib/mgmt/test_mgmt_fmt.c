/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the pure formats of the management plane: Prometheus
 * label and help escaping, access log lines in both formats. No EAL.
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_common.h>

#include "mgmt_fmt.h"
#include "sl_test.h"

static int
test_prom_escape(void)
{
	char b[64];

	SL_CHECK_EQ(mgmt_fmt_prom_label(b, sizeof(b), "plain-name_1"), 12);
	SL_CHECK_STR(b, "plain-name_1");
	mgmt_fmt_prom_label(b, sizeof(b), "a\\b\"c\nd");
	SL_CHECK_STR(b, "a\\\\b\\\"c\\nd");
	/* HELP keeps quotes. */
	mgmt_fmt_prom_help(b, sizeof(b), "say \"hi\"\\\n");
	SL_CHECK_STR(b, "say \"hi\"\\\\\\n");
	/* Truncated, never inside an escape. */
	SL_CHECK_EQ(mgmt_fmt_prom_label(b, 4, "ab\"c"), 2);
	SL_CHECK_STR(b, "ab");
	SL_CHECK_EQ(mgmt_fmt_prom_label(b, 5, "ab\"c"), 4);
	SL_CHECK_STR(b, "ab\\\"");
	SL_CHECK_EQ(mgmt_fmt_prom_label(b, 1, "abc"), 0);
	return 0;
}

static void
record(struct sl_proxy_log_record *r)
{
	memset(r, 0, sizeof(*r));
	r->duration_us = 1234;
	r->bytes_in = 7;
	r->bytes_out = 612;
	r->client_addr = htonl(0xc6120002); /* 198.18.0.2 */
	r->client_port = 40000;
	r->member_addr = htonl(0xc6130002); /* 198.19.0.2 */
	r->member_port = 80;
	r->status = 200;
	r->worker = 1;
	r->minor = 1;
	memcpy(r->method, "GET", 3);
	r->method_len = 3;
	memcpy(r->target, "/a?q=\"x\"\\\x01\xff", 11);
	r->target_len = 11;
	memcpy(r->host, "example.com", 11);
	r->host_len = 11;
	snprintf(r->route, sizeof(r->route), "site");
}

/* 2026-11-27 02:40:00 UTC */
#define T0 ((time_t)1795747200)

static int
test_combined(void)
{
	struct sl_proxy_log_record r;
	char b[1024];

	record(&r);
	SL_CHECK(mgmt_fmt_access(b, sizeof(b), &r, MGMT_LOG_COMBINED, T0, 5) > 0);
	SL_CHECK_STR(b, "198.18.0.2 - - [27/Nov/2026:02:40:00 +0000] "
			"\"GET /a?q=\\\"x\\\"\\\\\\x01\\xff HTTP/1.1\" 200 612 \"-\" \"-\" "
			"route=site upstream=198.19.0.2:80 rt=0.001234\n");
	/* Refused before a head was parsed, no route, no member. */
	r.method_len = 0;
	r.route[0] = '\0';
	r.member_addr = 0;
	r.status = 400;
	r.bytes_out = 0;
	r.duration_us = 2000000;
	r.minor = 0;
	SL_CHECK(mgmt_fmt_access(b, sizeof(b), &r, MGMT_LOG_COMBINED, T0, 0) > 0);
	SL_CHECK_STR(b, "198.18.0.2 - - [27/Nov/2026:02:40:00 +0000] \"-\" 400 0 \"-\" \"-\" "
			"route=- upstream=- rt=2.000000\n");
	/* Too small a buffer: nothing, not half a line. */
	SL_CHECK_EQ(mgmt_fmt_access(b, 40, &r, MGMT_LOG_COMBINED, T0, 0), 0);
	return 0;
}

static int
test_json(void)
{
	struct sl_proxy_log_record r;
	char b[1024];

	record(&r);
	r.request_id[0] = 0x0123456789abcdefull;
	r.request_id[1] = 1;
	SL_CHECK(mgmt_fmt_access(b, sizeof(b), &r, MGMT_LOG_JSON, T0, 5) > 0);
	SL_CHECK_STR(b, "{\"time\":\"2026-11-27T02:40:00.000005Z\",\"client\":\"198.18.0.2\","
			"\"client_port\":40000,\"method\":\"GET\","
			"\"target\":\"/a?q=\\\"x\\\"\\\\\\u0001\\u00ff\",\"protocol\":\"HTTP/1.1\","
			"\"host\":\"example.com\",\"status\":200,\"bytes_in\":7,\"bytes_out\":612,"
			"\"duration\":0.001234,\"route\":\"site\",\"upstream\":\"198.19.0.2:80\","
			"\"request_id\":\"fedcba98765432101000000000000000\",\"worker\":1}\n");
	r.method_len = 0;
	r.host_len = 0;
	r.route[0] = '\0';
	r.member_addr = 0;
	r.request_id[0] = r.request_id[1] = 0;
	SL_CHECK(mgmt_fmt_access(b, sizeof(b), &r, MGMT_LOG_JSON, T0, 0) > 0);
	SL_CHECK(strstr(b, "\"method\":null,\"target\":null,\"protocol\":null,\"host\":null")
			!= NULL);
	SL_CHECK(strstr(b, "\"route\":null,\"upstream\":null,\"request_id\":null") != NULL);
	return 0;
}

static int
test_log_format_names(void)
{
	enum mgmt_log_format f;

	SL_CHECK(mgmt_fmt_log_format("combined", &f) == 0 && f == MGMT_LOG_COMBINED);
	SL_CHECK(mgmt_fmt_log_format("json", &f) == 0 && f == MGMT_LOG_JSON);
	SL_CHECK(mgmt_fmt_log_format("common", &f) < 0);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{"prom_escape", test_prom_escape},
		{"combined", test_combined},
		{"json", test_json},
		{"log_format_names", test_log_format_names},
	};

	return sl_test_run("mgmt_fmt", cases, RTE_DIM(cases));
}
