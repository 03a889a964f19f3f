/* SPDX-License-Identifier: BSD-3-Clause */
/* sluiced: EAL start-up from the `eal` section (lib/core/eal.c), and why it failed. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "sl_core.h"
#include "sl_eal.h"
#include "sluiced.h"

int
eal_start(const char *argv0, bool need_pci)
{
	char mem[24], level[64];
	char *argv[16 + SL_EAL_ARGS_MAX];
	int argc = 0;
	unsigned int i;

	argv[argc++] = (char *)(uintptr_t)argv0;
	/* --lcores also takes lcore@cpu maps (more lcores than CPUs). */
	argv[argc++] = (char *)(uintptr_t)"--lcores";
	argv[argc++] = sl_eal_conf.lcores;
	argv[argc++] = (char *)(uintptr_t)"--file-prefix";
	argv[argc++] = sl_eal_conf.file_prefix;
	snprintf(mem, sizeof(mem), "%" PRId64, sl_eal_conf.memory_mb);
	argv[argc++] = (char *)(uintptr_t)"-m";
	argv[argc++] = mem;
	/* Unlinked at once: a killed daemon never strands hugepages. */
	argv[argc++] = (char *)(uintptr_t)(sl_eal_conf.huge ? "--huge-unlink" : "--no-huge");
	if (!need_pci)
		argv[argc++] = (char *)(uintptr_t)"--no-pci";
	if (!sl_eal_conf.telemetry)
		argv[argc++] = (char *)(uintptr_t)"--no-telemetry";
	/* One level for every log type, EAL's and sluice.*; RTE_LOG_LEVEL
	 * in the environment is not consulted. */
	snprintf(level, sizeof(level), "%s", sl_eal_conf.log_level);
	argv[argc++] = (char *)(uintptr_t)"--log-level";
	argv[argc++] = level;
	for (i = 0; i < sl_eal_conf.n_args; i++)
		argv[argc++] = sl_eal_conf.args[i];
	argv[argc] = NULL;
	return rte_eal_init(argc, argv);
}

/* EAL's runtime directory for a prefix, as EAL 22.11 makes it. */
static void
runtime_dir(char *buf, size_t size, const char *prefix)
{
	const char *base = getenv("XDG_RUNTIME_DIR");

	if (getuid() == 0 || base == NULL)
		base = getuid() == 0 ? "/var/run" : "/tmp";
	snprintf(buf, size, "%s/dpdk/%s", base, prefix);
}

/* The pid holding the lock of a primary process's config file, or 0. */
static pid_t
primary_holding(const char *dir)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &lk) < 0 || lk.l_type == F_UNLCK)
		lk.l_pid = 0;
	close(fd);
	return lk.l_pid;
}

void
eal_explain_failure(void)
{
	char dir[PATH_MAX - 16];
	pid_t pid;

	runtime_dir(dir, sizeof(dir), sl_eal_conf.file_prefix);
	pid = primary_holding(dir);
	if (pid != 0) {
		fprintf(stderr, "sluiced: eal.file_prefix \"%s\" is in use by another DPDK process "
				"(pid %d holds %s/config): stop it, or give this instance a "
				"file_prefix of its own (eal = { file_prefix = \"...\"; })\n",
				sl_eal_conf.file_prefix, (int)pid, dir);
		return;
	}
	/* EAL does not always set rte_errno: then its own messages above say why. */
	if (rte_errno != 0)
		fprintf(stderr, "sluiced: EAL initialisation failed: %s\n",
				rte_strerror(rte_errno));
	else
		fprintf(stderr, "sluiced: EAL initialisation failed (EAL's messages above say "
				"why)\n");
}
