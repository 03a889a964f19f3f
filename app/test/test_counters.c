/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The counter registry reaches all four outputs: Prometheus /metrics, the
 * console's `show counters`, DPDK telemetry (over its real socket) and the
 * shutdown report.
 *
 * A module of this test's own registers a block here, and nothing in
 * lib/mgmt or anywhere else knows of it: it must appear everywhere. Every
 * block the library's modules registered is then filled with distinct
 * values through the registry, and each value must appear in each output,
 * so that a counter added to any module's list is checked with nothing else
 * to change.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>

#include "mgmt_priv.h"
#include "sl_counters.h"
#include "sl_test.h"
#include "sl_test_stack.h"

/* ---- the test's module ---- */

#define TESTMOD_COUNTERS(X) \
	X(hits, 0, "things the test module did") \
	X(refused, SL_CTR_DROP, "refused: the test module said no")
#define TESTMOD_GAUGES(X) X(queue_depth, 0, "a gauge of the test module")

static struct {
	TESTMOD_COUNTERS(SL_COUNTER_FIELD)
	TESTMOD_GAUGES(SL_COUNTER_FIELD)
} testmod;

SL_COUNTERS_DEFINE(testmod_counters, TESTMOD_COUNTERS, .module = "testmod", .global = &testmod);
SL_COUNTERS_DEFINE(testmod_gauges, TESTMOD_GAUGES, .module = "testmod",
		.kind = SL_COUNTER_KIND_GAUGE, .global = &testmod.queue_depth);

static struct sl_test_stack stack;

/* ---- the four outputs ---- */

static char *
metrics(void)
{
	struct mgmt_out o = { 0 };

	mgmt_metrics_render(&o);
	return mgmt_out_take(&o, NULL);
}

static char *
console(bool all)
{
	struct mgmt_out o = { 0 };

	mgmt_cli_show_counters(&o, all);
	return mgmt_out_take(&o, NULL);
}

static char *
report(void)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	sl_counters_report(f);
	fclose(f);
	return text;
}

/* One command over DPDK telemetry's socket, as dpdk-telemetry.py sends it;
 * the reply's value (new reference) or NULL. */
static json_t *
telemetry(const char *cmd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char buf[1 << 16];
	json_t *reply = NULL, *v;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dpdk_telemetry.v2",
			rte_eal_get_runtime_dir());
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	if (read(fd, buf, sizeof(buf)) <= 0 || write(fd, cmd, strlen(cmd)) < 0)
		goto out;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		goto out;
	buf[n] = '\0';
	reply = json_loads(buf, 0, NULL);
out:
	if (fd >= 0)
		close(fd);
	if (reply == NULL)
		return NULL;
	v = json_object_get(reply, strchr(cmd, ',') ? "/sluice/counters" : cmd);
	json_incref(v);
	json_decref(reply);
	return v;
}

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (p != NULL && (p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\r'))
			return true;
		p += n;
	}
	return false;
}

/* ---- the cases ---- */

/* A block nothing else knows of reaches every output. */
static int
test_new_module(void)
{
	char *m = NULL, *c = NULL, *r = NULL;
	json_t *t = NULL;
	int rc = -1;

	testmod.hits = 7;
	testmod.refused = 2;
	testmod.queue_depth = 3;
	m = metrics();
	c = console(false);
	r = report();
	t = telemetry("/sluice/counters,testmod");
	SL_CHECK(m != NULL && c != NULL && r != NULL);
	if (!has_line(m, "# TYPE sluice_testmod_hits_total counter") ||
			!has_line(m, "sluice_testmod_hits_total 7") ||
			!has_line(m, "# TYPE sluice_testmod_queue_depth gauge") ||
			!has_line(m, "sluice_testmod_queue_depth 3") ||
			!has_line(m, "sluice_testmod_drops_total{reason=\"refused\"} 2")) {
		fprintf(stderr, "/metrics lacks the test module:\n%s\n", m);
		goto out;
	}
	if (strstr(c, "testmod hits") == NULL || strstr(c, "testmod queue_depth") == NULL) {
		fprintf(stderr, "show counters lacks the test module:\n%s\n", c);
		goto out;
	}
	if (!has_line(r, "testmod hits 7") || !has_line(r, "testmod refused 2") ||
			!has_line(r, "testmod queue_depth 3")) {
		fprintf(stderr, "the report lacks the test module:\n%s\n", r);
		goto out;
	}
	if (t == NULL || json_integer_value(json_object_get(t, "hits")) != 7 ||
			json_integer_value(json_object_get(t, "refused")) != 2 ||
			json_integer_value(json_object_get(t, "queue_depth")) != 3) {
		fprintf(stderr, "telemetry lacks the test module\n");
		goto out;
	}
	/* Zero: gone from the report and from `show counters`, not from `all`. */
	testmod.hits = 0;
	free(c);
	free(r);
	c = console(false);
	r = report();
	if (strstr(c, "testmod hits") != NULL || strstr(r, "testmod hits") != NULL) {
		fprintf(stderr, "a zero counter shown\n");
		goto out;
	}
	free(c);
	c = console(true);
	if (strstr(c, "testmod hits") == NULL) {
		fprintf(stderr, "show counters all lacks a zero counter\n");
		goto out;
	}
	rc = 0;
out:
	free(m);
	free(c);
	free(r);
	json_decref(t);
	return rc;
}

static uint64_t
value_of(unsigned int k, unsigned int inst, unsigned int i)
{
	return 1000000 + 10000 * k + 100 * inst + i;
}

/* The counter's place in worker 0's context (or the global block). */
static uint64_t *
slot(const struct sl_counter_block *b, unsigned int inst, unsigned int i)
{
	char *base = b->global != NULL ? (char *)(uintptr_t)b->global :
		(char *)stack.lc + b->lcore_offset;

	return (uint64_t *)(base + inst * b->instance_stride) + i;
}

/* One counter of a library module, in each output, with its value. */
static int
check_counter(const struct sl_counter_block *b, unsigned int k, unsigned int inst, unsigned int i,
		const char *m, const char *c, const char *r, json_t *tel)
{
	const char *in = sl_counters_instance_name(b, inst);
	uint64_t v = value_of(k, inst, i);
	char name[128], line[512], key[192], labels[256];

	sl_counters_name(b, i, name, sizeof(name));
	snprintf(line, sizeof(line), "%s%s%s %s %" PRIu64, b->module, in ? " " : "", in ? in : "",
			name, v);
	if (!has_line(r, line)) {
		fprintf(stderr, "not in the report: %s\n", line);
		return -1;
	}
	snprintf(line, sizeof(line), "%s%s%s %-32s %" PRIu64, b->module, in ? " " : "",
			in ? in : "", name, v);
	if (!has_line(c, line)) {
		fprintf(stderr, "not in show counters: %s\n", line);
		return -1;
	}
	snprintf(key, sizeof(key), "%s%s%s", in ? in : "", in ? "/" : "", name);
	if (json_integer_value(json_object_get(json_object_get(tel, b->module), key)) !=
			(json_int_t)v) {
		fprintf(stderr, "not in telemetry: %s %s\n", b->module, key);
		return -1;
	}
	/* /metrics: this worker's sample (worker 0 is lcore 1), with the value. */
	labels[0] = '\0';
	if (b->global == NULL)
		snprintf(labels, sizeof(labels), "worker=\"0\",lcore=\"%u\"", stack.lc->lcore_id);
	if (in != NULL)
		snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%s%s=\"%s\"",
				labels[0] ? "," : "", b->instance_label, in);
	if (b->family != NULL) {
		snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%s%s=\"%s\"",
				labels[0] ? "," : "", b->family_label, b->names[i]);
		snprintf(key, sizeof(key), "sluice_%s_%s", b->module, b->family);
	} else {
		snprintf(key, sizeof(key), "sluice_%s_%s", b->module, name);
	}
	snprintf(line, sizeof(line), "%s%s%s%s%s %" PRIu64, key,
			b->kind == SL_COUNTER_KIND_GAUGE ? "" : "_total", labels[0] ? "{" : "",
			labels, labels[0] ? "}" : "", v);
	if (!has_line(m, line)) {
		fprintf(stderr, "not in /metrics: %s\n", line);
		return -1;
	}
	return 0;
}

/* Every counter every module registered reaches every output. */
static int
test_every_module(void)
{
	const struct sl_counter_block *b;
	unsigned int k, inst, i, checked = 0;
	char *m, *c, *r;
	json_t *tel;
	int rc = 0;

	for (k = 0; (b = sl_counters_block(k)) != NULL; k++)
		for (inst = 0; inst < sl_counters_instances(b); inst++)
			for (i = 0; i < b->n; i++)
				*slot(b, inst, i) = value_of(k, inst, i);
	m = metrics();
	c = console(false);
	r = report();
	tel = telemetry("/sluice/counters");
	SL_CHECK(m != NULL && c != NULL && r != NULL && tel != NULL);
	for (k = 0; rc == 0 && (b = sl_counters_block(k)) != NULL; k++)
		for (inst = 0; rc == 0 && inst < sl_counters_instances(b); inst++)
			for (i = 0; rc == 0 && i < b->n; i++, checked++)
				rc = check_counter(b, k, inst, i, m, c, r, tel);
	free(m);
	free(c);
	free(r);
	json_decref(tel);
	for (k = 0; (b = sl_counters_block(k)) != NULL; k++)
		for (inst = 0; inst < sl_counters_instances(b); inst++)
			for (i = 0; i < b->n; i++)
				*slot(b, inst, i) = 0;
	SL_CHECK(rc == 0);
	/* net, tcp, proxy, port, mgmt, worker and the test module at least */
	SL_CHECK(checked > 150);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct sl_test_case cases[] = {
		{ "new_module", test_new_module },
		{ "every_module", test_every_module },
	};
	int rc;

	RTE_SET_USED(argc);
	if (sl_test_eal_init("test_counters", true) < 0)
		return 1;
	if (sl_counters_telemetry_init() < 0 ||
			sl_test_stack_start(SL_TEST_PORTS, "ports = { mbufs = 1023; "
				SL_TEST_PORTS_CONF("", "") " };", &stack) < 0) {
		fprintf(stderr, "%s: set-up failed\n", argv[0]);
		sl_test_eal_cleanup();
		return 1;
	}
	rc = sl_test_run("counters", cases, RTE_DIM(cases));
	if (sl_test_stack_stop(&stack) < 0)
		rc = 1;
	sl_test_eal_cleanup();
	return rc;
}
