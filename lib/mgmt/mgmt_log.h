/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt/log: the access log writer (management lcore). */
#ifndef MGMT_LOG_H
#define MGMT_LOG_H

#include <stdint.h>

/* Open the access log and turn the workers' rings on; 0 if off. */
int mgmt_log_init(void);
/* Write what the workers queued; >0 if something was. */
int mgmt_log_poll(void);
/* Open the file again (rotation). 0, -ENOENT if the log is off, -errno. */
int mgmt_log_reopen(void);
void mgmt_log_term(void);

#endif /* MGMT_LOG_H */
