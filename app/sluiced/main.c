/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: the Sluice daemon. Reads the configuration (a file, or the
 * embedded default), starts EAL, brings the modules up in table order,
 * runs the workers and the management loop, and shuts down cleanly on
 * SIGINT/SIGTERM.
 *
 * Exit codes: 0 clean stop or valid --check; 1 start-up failure after the
 * configuration was accepted (EAL, memory, a port that will not come up);
 * 2 invalid configuration or usage, including an lcore list without workers.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "sl_acl.h"
#include "sl_clock.h"
#include "sl_conf.h"
#include "sl_core.h"
#include "sl_counters.h"
#include "sl_eal.h"
#include "sl_idle.h"
#include "sl_lcore.h"
#include "sl_mgmt.h"
#include "sl_net.h"
#include "sl_port.h"
#include "sl_proxy.h"
#include "sl_tcp.h"
#include "sluiced.h"

#define EXIT_CONFIG 2

RTE_LOG_REGISTER(sluiced_logtype, sluice.daemon, INFO);
#define LOG(level, fmt, ...) SL_LOG(sluiced_logtype, level, fmt, ##__VA_ARGS__)

/* Init order is dependency order; term runs in reverse. */
static const struct sl_module modules[] = {
	{ "eal", sl_eal_conf_register, NULL, NULL },
	{ "counters", NULL, sl_counters_telemetry_init, NULL },
	{ "idle", sl_idle_conf_register, NULL, NULL },
	{ "port", sl_port_conf_register, sl_port_init, sl_port_term },
	{ "net", sl_net_conf_register, sl_net_init, sl_net_term },
	{ "acl", sl_acl_conf_register, sl_acl_init, sl_acl_term },
	{ "tcp", sl_tcp_conf_register, sl_tcp_init, sl_tcp_term },
	{ "proxy", sl_proxy_conf_register, sl_proxy_init, sl_proxy_term },
	{ "mgmt", sl_mgmt_conf_register, sl_mgmt_init, sl_mgmt_term },
};

struct options {
	const char *conf_file; /* NULL: the embedded default */
	bool check_only;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: sluiced [-c FILE] [--check]\n"
		"Sluice traffic-scheduling gateway.\n\n"
		"  -c, --config FILE   configuration (libconfig); default: the embedded\n"
		"                      testbed configuration (see --dump-config)\n"
		"      --check         validate the configuration and exit (0 valid, 2 not)\n"
		"      --dump-config   print the embedded default configuration\n"
		"      --list-counters print every counter: module, name, kind, scope,\n"
		"                      instance, Prometheus family, marks, description\n"
		"  -v, --version       print the version\n"
		"  -h, --help          this help\n");
}

/* Returns -1 to go on, or an exit code. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "list-counters", no_argument, NULL, 'L' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->conf_file = optarg;
			break;
		case 'C':
			o->check_only = true;
			break;
		case 'D':
			fputs(sl_default_conf, stdout);
			return EXIT_SUCCESS;
		case 'L':
			sl_counters_catalogue(stdout);
			return EXIT_SUCCESS;
		case 'v':
			printf("sluiced %s\n", SL_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluiced: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}
	return -1;
}

static void
print_conf_error(const struct sl_conf_error *err)
{
	if (err->file[0] != '\0' && err->line > 0)
		fprintf(stderr, "%s:%d: %s\n", err->file, err->line, err->msg);
	else if (err->file[0] != '\0')
		fprintf(stderr, "%s: %s\n", err->file, err->msg);
	else
		fprintf(stderr, "sluiced: %s\n", err->msg);
}

/* Load and cross-check the configuration; exit code or -1 if valid. */
static int
load_config(const struct options *o)
{
	struct sl_conf_error err;

	if (sl_modules_conf_register(modules, RTE_DIM(modules)) < 0)
		return EXIT_FAILURE;
	if (sl_conf_load(o->conf_file, sl_default_conf, &err) < 0 ||
			sl_port_validate(&err) < 0 || sl_net_validate(&err) < 0 ||
			sl_acl_validate(&err) < 0 || sl_tcp_validate(&err) < 0 ||
			sl_proxy_validate(&err) < 0 || sl_mgmt_validate(&err) < 0) {
		print_conf_error(&err);
		return EXIT_CONFIG;
	}
	return -1;
}

static void
on_signal(int sig)
{
	sl_stop();
}

/* Log rotation: the management loop reopens the access log. */
static void
on_sighup(int sig)
{
	sl_mgmt_log_reopen_async();
}

static void
install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction hup = { .sa_handler = on_sighup };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&hup.sa_mask);
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static bool
config_needs_pci(void)
{
	unsigned int i;

	for (i = 0; i < sl_ports_conf.n_ports; i++)
		if (sl_ports_conf.list[i].pci[0] != '\0')
			return true;
	return false;
}

static void
management_loop(void)
{
	struct rte_mempool *pool = sl_port_pool();
	struct rte_mempool_cache *cache = rte_mempool_default_cache(pool, rte_lcore_id());

	while (sl_running()) {
		sl_clock_wall_poll();
		if (sl_net_mgmt_poll() + sl_mgmt_poll() == 0) {
			/* What management frees must not sit in its cache while
			 * workers run short of mbufs. */
			if (cache != NULL)
				rte_mempool_cache_flush(cache, pool);
			usleep(500);
		}
	}
}

/* Every non-zero counter of the registry, then what modules add of their own. */
static void
final_report(void)
{
	printf("sluiced: final counters\n");
	sl_counters_report(stdout);
	sl_port_report(stdout);
	sl_mgmt_report(stdout);
	fflush(stdout);
}

static int
run(const char *argv0)
{
	int rc;

	if (eal_start(argv0, config_needs_pci()) < 0) {
		eal_explain_failure();
		return EXIT_FAILURE;
	}
	install_signals();
	rc = sl_lcore_setup();
	if (rc == -EINVAL) {
		LOG(ERR, "eal.lcores '%s': need at least two lcores (management + a worker)",
				sl_eal_conf.lcores);
		rte_eal_cleanup();
		return EXIT_CONFIG;
	} else if (rc < 0) {
		LOG(ERR, "lcore set-up failed: %s", rte_strerror(-rc));
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	rc = sl_modules_init(modules, RTE_DIM(modules));
	if (rc < 0) {
		rte_eal_cleanup();
		return EXIT_FAILURE;
	}
	rte_eal_mp_remote_launch(worker_main, NULL, SKIP_MAIN);
	sl_net_mgmt_announce();
	printf("sluiced: ready, %u worker(s), %u port(s)\n", sl_lcore_worker_count(),
			sl_port_count());
	fflush(stdout);

	management_loop();

	LOG(INFO, "stopping: draining workers");
	workers_stop();
	rte_eal_mp_wait_lcore();
	final_report();
	sl_modules_term(modules, RTE_DIM(modules));
	rte_eal_cleanup();
	printf("sluiced: stopped\n");
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	rc = load_config(&o);
	if (rc >= 0)
		return rc;
	sl_mgmt_set_config_file(o.conf_file);
	if (o.check_only) {
		printf("%s: configuration is valid\n", o.conf_file ? o.conf_file : "<embedded>");
		return EXIT_SUCCESS;
	}
	return run(argv[0]);
}
