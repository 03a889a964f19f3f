/* SPDX-License-Identifier: BSD-3-Clause */
/* sluiced: the daemon's own pieces — EAL settings and the lcore loops. */
#ifndef SLUICED_H
#define SLUICED_H

#include <stdbool.h>
#include <stdint.h>

extern int sluiced_logtype;
extern const char sl_default_conf[];

/* Start EAL from the eal section; `need_pci`: some port is a PCI device. */
int eal_start(const char *argv0, bool need_pci);
/* After eal_start failed: say why on stderr, naming the file_prefix in use
 * and the process holding it when that is the cause. */
void eal_explain_failure(void);

/* The worker poll loop (lcore_function_t). */
int worker_main(void *arg);
/* Tell workers to drain and leave their loops. */
void workers_stop(void);

#endif /* SLUICED_H */
