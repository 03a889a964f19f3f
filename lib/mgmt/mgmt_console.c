/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/console: line console over kernel TCP, poll-driven (see
 * mgmt_console.h).
 *
 * Each poll pass: one zero-timeout poll() over the listener and the
 * sessions, accept, one bounded read per readable session (its complete
 * lines run in order), a non-blocking send of pending output, then idle
 * and close checks. Input is consumed only while a session's unsent output
 * is small, so a script piping commands into a slow reader is held back
 * (by TCP flow control) rather than cut.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mgmt_console.h"
#include "sl_counters.h"

#define READ_CHUNK 16384
/* above this much unsent output, stop consuming the session's input */
#define READ_HOLD (64u * 1024)
/* don't keep a huge scratch buffer after one big command output */
#define SCRATCH_KEEP (256u * 1024)
#define ACCEPT_BURST 16
#define SESSIONS_MAX 1024

/* telnet (RFC 854) */
#define T_SE 240
#define T_IP 244
#define T_SB 250
#define T_WILL 251
#define T_WONT 252
#define T_DO 253
#define T_DONT 254
#define T_IAC 255

enum tn_state { TN_DATA, TN_IAC, TN_OPT, TN_SB, TN_SB_IAC };

struct mgmt_console_session {
	int fd;
	unsigned int id;
	bool authorized;
	bool closing;  /* close once pending output is sent */
	bool dead;     /* close at the end of this pass */
	bool cr;       /* last data byte was CR: a following LF or NUL is part of it */
	bool too_long; /* the current line overflowed: drop it up to its end */
	enum tn_state tn;
	uint8_t tn_cmd;
	uint64_t last_ms; /* last input, or output progress */
	struct mgmt_out pend;
	size_t pend_off;       /* bytes of pend already sent */
	size_t in_off, in_len; /* input read but not consumed yet: in[in_off, in_len) */
	uint8_t in[READ_CHUNK];
	size_t line_len;
	char line[MGMT_CONSOLE_LINE_MAX + 1];
};

static struct {
	int fd;
	uint16_t port;
	unsigned int max_sessions;
	uint64_t idle_ms;
	char *banner;
	char *prompt;
	mgmt_console_exec exec;
	struct mgmt_console_session **sess; /* max_sessions slots */
	struct pollfd *pfd;		    /* listener + one per slot */
	unsigned int next_id;
	struct mgmt_out out; /* scratch output of exec */
	struct mgmt_console_stats stats;
} con = {.fd = -1};

SL_COUNTERS_DEFINE(mgmt_console_counters, MGMT_CONSOLE_COUNTERS, .module = "mgmt",
	.prefix = "console_", .global = &con.stats);
SL_COUNTERS_DEFINE(mgmt_console_gauges, MGMT_CONSOLE_GAUGES, .module = "mgmt",
	.prefix = "console_", .kind = SL_COUNTER_KIND_GAUGE, .global = &con.stats.sessions_active);

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

unsigned int
mgmt_console_session_id(const struct mgmt_console_session *s)
{
	return s->id;
}

bool
mgmt_console_session_authorized(const struct mgmt_console_session *s)
{
	return s->authorized;
}

void
mgmt_console_session_set_authorized(struct mgmt_console_session *s, bool on)
{
	s->authorized = on;
}

/* Queue output; the session dies if it cannot be held. */
static void
sess_write(struct mgmt_console_session *s, const void *data, size_t len)
{
	if (s->dead || len == 0)
		return;
	if (s->pend.len - s->pend_off + len > MGMT_CONSOLE_PENDING_MAX) {
		con.stats.output_overflows++;
		s->dead = true;
		return;
	}
	mgmt_out_write(&s->pend, data, len);
	if (s->pend.oom) {
		con.stats.oom++;
		s->dead = true;
	}
}

static void
sess_puts(struct mgmt_console_session *s, const char *str)
{
	sess_write(s, str, strlen(str));
}

/* Send what the socket takes now; true if anything went out. */
static bool
sess_flush(struct mgmt_console_session *s)
{
	bool sent = false;

	while (!s->dead && s->pend_off < s->pend.len) {
		ssize_t n = send(s->fd, s->pend.buf + s->pend_off, s->pend.len - s->pend_off,
			MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			s->pend_off += (size_t)n;
			sent = true;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				s->dead = true;
			break;
		}
	}
	if (s->pend_off == s->pend.len) {
		s->pend_off = 0;
		mgmt_out_reset(&s->pend);
		if (s->pend.cap > SCRATCH_KEEP)
			mgmt_out_free(&s->pend);
	} else if (s->pend_off > READ_HOLD) {
		/* keep the buffer from growing by what was already sent */
		memmove(s->pend.buf, s->pend.buf + s->pend_off, s->pend.len - s->pend_off + 1);
		s->pend.len -= s->pend_off;
		s->pend_off = 0;
	}
	if (sent)
		s->last_ms = now_ms();
	return sent;
}

static void
line_end(struct mgmt_console_session *s)
{
	char *p = s->line, *e;
	int rc;

	if (s->too_long) {
		s->too_long = false;
		s->line_len = 0;
		con.stats.lines_too_long++;
		sess_puts(s, "error: line too long (max 4096 bytes)\r\n");
		sess_puts(s, con.prompt);
		return;
	}
	s->line[s->line_len] = '\0';
	e = s->line + s->line_len;
	s->line_len = 0;
	while (*p == ' ' || *p == '\t' || *p == '\v' || *p == '\f')
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\v' || e[-1] == '\f'))
		*--e = '\0';
	if (*p == '\0') {
		sess_puts(s, con.prompt);
		return;
	}
	con.stats.lines++;
	mgmt_out_reset(&con.out);
	rc = con.exec(s, p, &con.out);
	sess_write(s, con.out.buf, con.out.len);
	if (con.out.oom) {
		con.stats.oom++;
		sess_puts(s, "\r\nerror: out of memory, output truncated\r\n");
	}
	if (con.out.cap > SCRATCH_KEEP)
		mgmt_out_free(&con.out);
	if (rc == MGMT_CONSOLE_QUIT) {
		s->closing = true;
		return;
	}
	sess_puts(s, con.prompt);
}

static void
data_byte(struct mgmt_console_session *s, uint8_t c)
{
	if (s->cr) {
		s->cr = false;
		if (c == '\n' || c == '\0')
			return;
	}
	switch (c) {
	case '\r':
		s->cr = true;
		/* fallthrough */
	case '\n':
		line_end(s);
		return;
	case 0x04: /* Ctrl-D */
		if (s->line_len == 0 && !s->too_long)
			s->closing = true;
		return;
	case '\0':
		return;
	}
	if (s->too_long)
		return;
	if (s->line_len == MGMT_CONSOLE_LINE_MAX) {
		s->too_long = true;
		return;
	}
	s->line[s->line_len++] = (char)c;
}

static bool
held(const struct mgmt_console_session *s)
{
	return s->pend.len - s->pend_off >= READ_HOLD;
}

/* Consume the input read, up to where the output backs up. Strips telnet
 * commands, refuses any option asked for. true if anything was consumed. */
static bool
feed(struct mgmt_console_session *s)
{
	size_t start = s->in_off;

	for (; s->in_off < s->in_len && !s->closing && !s->dead && !held(s); s->in_off++) {
		uint8_t c = s->in[s->in_off];

		switch (s->tn) {
		case TN_DATA:
			if (c == T_IAC)
				s->tn = TN_IAC;
			else
				data_byte(s, c);
			break;
		case TN_IAC:
			s->tn = TN_DATA;
			if (c == T_IAC) {
				data_byte(s, c);
			} else if (c >= T_WILL && c <= T_DONT) {
				s->tn_cmd = c;
				s->tn = TN_OPT;
			} else if (c == T_SB) {
				s->tn = TN_SB;
			} else if (c == T_IP) {
				/* telnet's Ctrl-C: forget the line being typed */
				s->line_len = 0;
				s->too_long = false;
			}
			break;
		case TN_OPT: {
			uint8_t reply[3] = {T_IAC, 0, c};

			s->tn = TN_DATA;
			/* RFC 1143: answer requests to enable; never answer refusals */
			if (s->tn_cmd == T_DO || s->tn_cmd == T_WILL) {
				reply[1] = s->tn_cmd == T_DO ? T_WONT : T_DONT;
				sess_write(s, reply, sizeof(reply));
			}
			break;
		}
		case TN_SB:
			if (c == T_IAC)
				s->tn = TN_SB_IAC;
			break;
		case TN_SB_IAC:
			s->tn = c == T_SE ? TN_DATA : TN_SB;
			break;
		}
	}
	if (s->closing || s->dead)
		s->in_off = s->in_len; /* input after the end is ignored */
	return s->in_off != start;
}

/* One bounded read once the previous one is consumed; true if anything
 * happened. */
static bool
sess_read(struct mgmt_console_session *s)
{
	ssize_t n;

	if (s->in_off < s->in_len || s->closing)
		return false;
	n = recv(s->fd, s->in, sizeof(s->in), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return false;
		s->dead = true;
		return true;
	}
	if (n == 0) {
		/* EOF ends a last line without newline, then the session */
		if (!s->closing && (s->line_len != 0 || s->too_long))
			line_end(s);
		s->closing = true;
		return true;
	}
	s->last_ms = now_ms();
	s->in_off = 0;
	s->in_len = (size_t)n;
	return true;
}

static void
sess_free(struct mgmt_console_session *s)
{
	close(s->fd);
	mgmt_out_free(&s->pend);
	free(s);
}

/* Tell a connection we can't take it, then close it. */
static void
refuse(int fd)
{
	static const char msg[] = "too many sessions\r\n";
	char drain[512];

	(void)!send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	/* unread input would turn close() into a reset that may lose msg */
	while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	close(fd);
	con.stats.sessions_refused++;
}

static int
accept_sessions(void)
{
	int done = 0, i;

	for (i = 0; i < ACCEPT_BURST; i++) {
		struct mgmt_console_session *s;
		unsigned int slot;
		int fd;

		fd = accept4(con.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		done++;
		for (slot = 0; slot < con.max_sessions; slot++)
			if (con.sess[slot] == NULL)
				break;
		if (slot == con.max_sessions) {
			refuse(fd);
			continue;
		}
		s = calloc(1, sizeof(*s));
		if (s == NULL) {
			con.stats.oom++;
			close(fd);
			continue;
		}
		s->fd = fd;
		s->id = ++con.next_id;
		s->last_ms = now_ms();
		con.sess[slot] = s;
		con.stats.sessions_opened++;
		con.stats.sessions_active++;
		sess_puts(s, con.banner);
		sess_puts(s, con.prompt);
		sess_flush(s);
	}
	return done;
}

int
mgmt_console_poll(void)
{
	unsigned int i, n = 1;
	uint64_t now;
	int done = 0;

	if (con.fd < 0)
		return 0;
	con.pfd[0].fd = con.fd;
	con.pfd[0].events = POLLIN;
	con.pfd[0].revents = 0;
	for (i = 0; i < con.max_sessions; i++) {
		struct mgmt_console_session *s = con.sess[i];
		struct pollfd *p = &con.pfd[i + 1];

		p->fd = -1; /* poll() skips negative fds */
		p->events = 0;
		p->revents = 0;
		if (s == NULL)
			continue;
		p->fd = s->fd;
		n = i + 2;
		if (s->pend.len > s->pend_off)
			p->events |= POLLOUT;
		if (!s->closing && s->in_off == s->in_len && !held(s))
			p->events |= POLLIN;
	}
	if (poll(con.pfd, n, 0) < 0)
		return 0;
	if (con.pfd[0].revents & POLLIN)
		done += accept_sessions();
	now = now_ms();
	for (i = 0; i < con.max_sessions; i++) {
		struct mgmt_console_session *s = con.sess[i];
		short re = con.pfd[i + 1].revents;

		if (s == NULL || con.pfd[i + 1].fd != s->fd)
			continue; /* just accepted: not polled yet */
		if (re & POLLERR) {
			s->dead = true;
		} else {
			if (re & (POLLIN | POLLHUP))
				done += sess_read(s);
			done += feed(s);
			if (s->pend.len > s->pend_off)
				done += sess_flush(s);
		}
		if (!s->dead && con.idle_ms != 0 && now > s->last_ms &&
			now - s->last_ms >= con.idle_ms) {
			if (!s->closing) {
				con.stats.idle_timeouts++;
				sess_puts(s, "idle timeout, bye\r\n");
				sess_flush(s);
			}
			s->dead = true;
		}
		if (s->closing && s->pend.len == s->pend_off)
			s->dead = true;
		if (s->dead) {
			sess_free(s);
			con.sess[i] = NULL;
			con.stats.sessions_active--;
			done++;
		}
	}
	return done;
}

uint16_t
mgmt_console_port(void)
{
	return con.fd >= 0 ? con.port : 0;
}

const struct mgmt_console_stats *
mgmt_console_stats(void)
{
	return &con.stats;
}

void
mgmt_console_stop(void)
{
	unsigned int i;

	if (con.sess != NULL) {
		for (i = 0; i < con.max_sessions; i++)
			if (con.sess[i] != NULL)
				sess_free(con.sess[i]);
	}
	if (con.fd >= 0)
		close(con.fd);
	free(con.sess);
	free(con.pfd);
	free(con.banner);
	free(con.prompt);
	mgmt_out_free(&con.out);
	con.sess = NULL;
	con.pfd = NULL;
	con.banner = NULL;
	con.prompt = NULL;
	con.fd = -1;
	con.port = 0;
	con.stats.sessions_active = 0;
}

int
mgmt_console_start(uint32_t addr, uint16_t port, unsigned int max_sessions,
	unsigned int idle_timeout_s, const char *banner, const char *prompt, mgmt_console_exec exec)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int one = 1, rc;

	if (con.fd >= 0)
		return -EALREADY;
	if (exec == NULL || max_sessions == 0 || max_sessions > SESSIONS_MAX)
		return -EINVAL;
	memset(&con.stats, 0, sizeof(con.stats));
	con.max_sessions = max_sessions;
	con.idle_ms = (uint64_t)idle_timeout_s * 1000;
	con.exec = exec;
	con.banner = strdup(banner != NULL ? banner : "");
	con.prompt = strdup(prompt != NULL ? prompt : "");
	con.sess = calloc(max_sessions, sizeof(*con.sess));
	con.pfd = calloc(max_sessions + 1, sizeof(*con.pfd));
	if (con.banner == NULL || con.prompt == NULL || con.sess == NULL || con.pfd == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	con.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (con.fd < 0) {
		rc = -errno;
		goto fail;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = addr;
	if (setsockopt(con.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(con.fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		listen(con.fd, 16) != 0 || getsockname(con.fd, (struct sockaddr *)&sin, &sl) != 0) {
		rc = -errno;
		goto fail;
	}
	con.port = ntohs(sin.sin_port);
	return 0;
fail:
	mgmt_console_stop();
	return rc;
}
