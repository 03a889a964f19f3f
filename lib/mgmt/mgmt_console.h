/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/console: the line console of the management plane, for telnet, nc
 * and scripts, over kernel TCP on the management address. It owns the
 * listening socket and the sessions: their input line, telnet state and
 * pending output. Each complete line is one call of the exec callback;
 * its output is sent, then the prompt.
 *
 * Callers: management lcore (main thread) only; nothing blocks, nothing
 * happens unless mgmt_console_poll() is called.
 *
 * Input: lines end in LF, CRLF, CR NUL or CR; telnet IAC sequences are
 * stripped (requests to enable an option are refused); empty lines only
 * re-prompt; a line over MGMT_CONSOLE_LINE_MAX bytes is dropped with an
 * error; Ctrl-D on an empty line or EOF ends the session (after its output
 * is sent). Output is sent verbatim (use "\n"); a session whose unsent
 * output exceeds MGMT_CONSOLE_PENDING_MAX is closed. Sessions start
 * unauthorized.
 */
#ifndef MGMT_CONSOLE_H
#define MGMT_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mgmt_out.h"
#include "sl_core_types.h"

#define MGMT_CONSOLE_LINE_MAX 4096
#define MGMT_CONSOLE_PENDING_MAX (4u << 20)

struct mgmt_console_session; /* opaque to command code except via these: */
unsigned int mgmt_console_session_id(const struct mgmt_console_session *s);
bool mgmt_console_session_authorized(const struct mgmt_console_session *s);
void mgmt_console_session_set_authorized(struct mgmt_console_session *s, bool on);

/* Runs one command line (trimmed, non-empty, no CR/LF). Output goes to out
 * (the transport sends it, then the prompt). Return 0, or MGMT_CONSOLE_QUIT
 * to close the session after sending out. */
#define MGMT_CONSOLE_QUIT 1
typedef int (*mgmt_console_exec)(
	struct mgmt_console_session *s, const char *line, struct mgmt_out *out);

/* Exported as the mgmt module's console_* counters (sl_counters.h). */
#define MGMT_CONSOLE_COUNTERS(X) \
	X(sessions_opened, 0, "console sessions opened") \
	X(sessions_refused, SL_CTR_DROP, "console sessions refused: max_sessions open") \
	X(idle_timeouts, 0, "console sessions closed: idle") \
	X(lines, 0, "console command lines executed") \
	X(lines_too_long, SL_CTR_DROP, "console lines refused: too long") \
	X(output_overflows, 0, "console sessions closed: unsent output over the cap") \
	X(oom, 0, "console lines or sessions failed for want of memory")

#define MGMT_CONSOLE_GAUGES(X) X(sessions_active, 0, "console sessions open")

/* The counters, then the gauges: two registered blocks. */
struct mgmt_console_stats {
	MGMT_CONSOLE_COUNTERS(SL_COUNTER_FIELD)
	MGMT_CONSOLE_GAUGES(SL_COUNTER_FIELD)
};

/* Listen on addr:port (network order; port 0 picks a free port). banner and
 * prompt are copied. idle_timeout_s 0: never. 0 or -errno. */
int mgmt_console_start(uint32_t addr, uint16_t port, unsigned int max_sessions,
	unsigned int idle_timeout_s, const char *banner, const char *prompt,
	mgmt_console_exec exec);
/* Non-blocking: accept, read, run, send what is ready. >0 if work was done. */
int mgmt_console_poll(void);
/* The bound port (0 if not started). */
uint16_t mgmt_console_port(void);
const struct mgmt_console_stats *mgmt_console_stats(void);
/* Close every session and the listener; safe if not started. */
void mgmt_console_stop(void);

#endif /* MGMT_CONSOLE_H */
