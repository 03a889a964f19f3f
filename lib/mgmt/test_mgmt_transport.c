/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the management transports, over real kernel sockets on
 * 127.0.0.1: the test is its own client, driving non-blocking client
 * sockets in between mgmt_http_poll()/mgmt_console_poll() calls (one
 * thread, as on the management lcore). No EAL, no hugepages, no root.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "mgmt_console.h"
#include "mgmt_http.h"
#include "mgmt_out.h"
#include "sl_test.h"

#define LOOPBACK htonl(INADDR_LOOPBACK)
#define MAX_BODY 2048
#define WAIT_MS 5000 /* generous: valgrind is slow */
#define BANNER "Sluice test console\n"
#define PROMPT "sluice> "

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
pump(void)
{
	mgmt_http_poll();
	mgmt_console_poll();
}

/* Pump for ms milliseconds. */
static void
pump_for(unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		pump();
		usleep(1000);
	}
}

/* A non-blocking client socket connected to 127.0.0.1:port; fd or -1. */
static int
cli_connect(uint16_t port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = LOOPBACK;
	/* the kernel completes the handshake from the listen backlog */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Send everything, pumping the servers while the socket is full; 0 or -1. */
static int
cli_send(int fd, const void *data, size_t len)
{
	const char *p = data;
	uint64_t end = now_ms() + WAIT_MS;

	while (len != 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN) {
			return -1;
		}
		pump();
		if (now_ms() > end)
			return -1;
	}
	return 0;
}

static int
cli_sends(int fd, const char *s)
{
	return cli_send(fd, s, strlen(s));
}

struct cli_buf {
	char d[65536];
	size_t len;
	bool eof; /* orderly close or reset seen */
};

/* Read into b until needle is in it (needle NULL: until EOF) or timeout.
 * true if the condition was met. */
static bool
cli_recv(int fd, struct cli_buf *b, const char *needle, size_t needle_len, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		ssize_t n;

		if (needle != NULL && memmem(b->d, b->len, needle, needle_len) != NULL)
			return true;
		if (b->eof)
			return needle == NULL;
		n = recv(fd, b->d + b->len, sizeof(b->d) - 1 - b->len, 0);
		if (n > 0) {
			b->len += (size_t)n;
			b->d[b->len] = '\0';
			continue;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN) || b->len == sizeof(b->d) - 1) {
			b->eof = true;
			continue;
		}
		if (now_ms() > end)
			return false;
		pump();
		usleep(200);
	}
}

static bool
cli_recv_str(int fd, struct cli_buf *b, const char *needle)
{
	return cli_recv(fd, b, needle, strlen(needle), WAIT_MS);
}

/* ---- HTTP ---- */

/* Threads of this process (MHD must start none). */
static unsigned int
threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static struct {
	unsigned int calls;
	char method[16];
	char path[128];
	char x[64];
	char y[64];
	char body[MAX_BODY + 1];
	size_t body_len;
	bool body_null;
	char if_match[64];
	char auth[64];
	char ct[64];
} seen;

static void
copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "(null)");
}

static void
handler(const struct mgmt_request *rq, struct mgmt_response *rs)
{
	seen.calls++;
	copy(seen.method, sizeof(seen.method), rq->method);
	copy(seen.path, sizeof(seen.path), rq->path);
	copy(seen.x, sizeof(seen.x), mgmt_request_arg(rq, "x"));
	copy(seen.y, sizeof(seen.y), mgmt_request_arg(rq, "y"));
	copy(seen.if_match, sizeof(seen.if_match), rq->if_match);
	copy(seen.auth, sizeof(seen.auth), rq->authorization);
	copy(seen.ct, sizeof(seen.ct), rq->content_type);
	seen.body_null = rq->body == NULL;
	seen.body_len = rq->body_len;
	if (rq->body != NULL && rq->body_len <= MAX_BODY)
		memcpy(seen.body, rq->body, rq->body_len + 1); /* with its NUL */
	if (strcmp(rq->path, "/nostatus") == 0)
		return;
	if (strcmp(rq->method, "POST") == 0) {
		rs->status = 201;
		snprintf(rs->location, sizeof(rs->location), "/things/%zu", rq->body_len);
		mgmt_out_printf(&rs->body, "{\"len\":%zu}", rq->body_len);
		return;
	}
	if (strcmp(rq->path, "/delete-only") == 0) {
		rs->status = 405;
		snprintf(rs->allow, sizeof(rs->allow), "DELETE");
		return;
	}
	rs->status = 200;
	rs->content_type = "text/plain";
	snprintf(rs->etag, sizeof(rs->etag), "\"v%u\"", seen.calls);
	mgmt_out_printf(&rs->body, "%s %s x=%s", rq->method, rq->path, seen.x);
}

struct http_resp {
	struct cli_buf b;
	unsigned int status;
	const char *body;
	size_t body_len;
};

/* The value of header name in r (case-insensitive name), copied to v. */
static bool
resp_header(const struct http_resp *r, const char *name, char *v, size_t cap)
{
	const char *p = strstr(r->b.d, "\r\n"), *end = strstr(r->b.d, "\r\n\r\n");
	size_t nl = strlen(name);

	while (p != NULL && p < end) {
		const char *line = p + 2, *eol = strstr(line, "\r\n");

		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			line += nl + 1;
			while (*line == ' ')
				line++;
			snprintf(v, cap, "%.*s", (int)(eol - line), line);
			return true;
		}
		p = eol;
	}
	return false;
}

/* Parse the response read so far; 0 or -1. */
static int
resp_parse(struct http_resp *r)
{
	const char *hend = strstr(r->b.d, "\r\n\r\n");

	if (hend == NULL || strncmp(r->b.d, "HTTP/1.", 7) != 0)
		return -1;
	r->status = (unsigned int)atoi(r->b.d + 9);
	r->body = hend + 4;
	r->body_len = r->b.len - (size_t)(r->body - r->b.d);
	return 0;
}

/* Send req on a new connection (the request says Connection: close) and
 * read the response to EOF; 0 or -1. */
static int
http_exchange(uint16_t port, const void *req, size_t len, struct http_resp *r)
{
	int fd = cli_connect(port), rc = -1;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -1;
	if (cli_send(fd, req, len) == 0 && cli_recv(fd, &r->b, NULL, 0, WAIT_MS))
		rc = resp_parse(r);
	close(fd);
	return rc;
}

static int
http_exchange_str(uint16_t port, const char *req, struct http_resp *r)
{
	return http_exchange(port, req, strlen(req), r);
}

static int
http_start(unsigned int max_conns, unsigned int timeout_s)
{
	mgmt_http_stop(); /* left running by a failed case */
	memset(&seen, 0, sizeof(seen));
	return mgmt_http_start(LOOPBACK, 0, MAX_BODY, max_conns, timeout_s, handler);
}

static int
test_http_get(void)
{
	const struct mgmt_http_stats *st = mgmt_http_stats();
	struct http_resp r;
	char v[128];

	SL_CHECK_EQ(http_start(8, 10), 0);
	SL_CHECK(mgmt_http_port() != 0);
	SL_CHECK_EQ(mgmt_http_start(LOOPBACK, 0, 1, 1, 1, handler), -EALREADY);
	SL_CHECK_EQ(http_exchange_str(mgmt_http_port(),
			    "GET /echo/a%20b?y&x=h%C3%A9 HTTP/1.1\r\nHost: t\r\nConnection: "
			    "close\r\n\r\n",
			    &r),
		0);
	SL_CHECK_EQ(r.status, 200);
	SL_CHECK_EQ(threads(), 1);
	SL_CHECK_STR(r.body, "GET /echo/a b x=h\xc3\xa9");
	SL_CHECK(resp_header(&r, "Content-Type", v, sizeof(v)));
	SL_CHECK_STR(v, "text/plain");
	SL_CHECK(resp_header(&r, "Cache-Control", v, sizeof(v)));
	SL_CHECK_STR(v, "no-store");
	SL_CHECK(resp_header(&r, "ETag", v, sizeof(v)));
	SL_CHECK_STR(v, "\"v1\"");
	SL_CHECK(!resp_header(&r, "Location", v, sizeof(v)));
	SL_CHECK(seen.body_null);
	SL_CHECK_STR(seen.y, "");
	SL_CHECK_EQ(seen.body_len, 0);
	SL_CHECK_STR(seen.if_match, "(null)");
	/* an absent argument, the status the handler forgot, an Allow */
	SL_CHECK_EQ(http_exchange_str(mgmt_http_port(),
			    "GET /nostatus HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r),
		0);
	SL_CHECK_EQ(r.status, 500);
	SL_CHECK_STR(seen.x, "(null)");
	SL_CHECK_STR(seen.y, "(null)");
	SL_CHECK(strstr(r.body, "\"status\":500") != NULL);
	SL_CHECK(resp_header(&r, "Content-Type", v, sizeof(v)));
	SL_CHECK_STR(v, "application/json");
	SL_CHECK_EQ(
		http_exchange_str(mgmt_http_port(),
			"GET /delete-only HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r),
		0);
	SL_CHECK_EQ(r.status, 405);
	SL_CHECK(resp_header(&r, "Allow", v, sizeof(v)));
	SL_CHECK_STR(v, "DELETE");
	SL_CHECK_EQ(st->requests, 3);
	SL_CHECK_EQ(st->responses_2xx, 1);
	SL_CHECK_EQ(st->responses_4xx, 1);
	SL_CHECK_EQ(st->responses_5xx, 1);
	mgmt_http_stop();
	SL_CHECK_EQ(mgmt_http_port(), 0);
	mgmt_http_stop(); /* twice is fine */
	return 0;
}

static int
test_http_post(void)
{
	char req[MAX_BODY + 512], body[MAX_BODY + 1], v[128];
	struct http_resp r;
	unsigned int i;
	int n;

	SL_CHECK_EQ(http_start(8, 10), 0);
	/* exactly max_body bytes, every byte value but NUL */
	for (i = 0; i < MAX_BODY; i++)
		body[i] = (char)(1 + i % 255);
	body[MAX_BODY] = '\0';
	n = snprintf(req, sizeof(req),
		"POST /things?x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
		"Content-Type: application/json\r\nIf-Match: \"v7\"\r\n"
		"Authorization: Bearer abc\r\nContent-Length: %d\r\n\r\n",
		MAX_BODY);
	memcpy(req + n, body, MAX_BODY);
	SL_CHECK_EQ(http_exchange(mgmt_http_port(), req, (size_t)n + MAX_BODY, &r), 0);
	SL_CHECK_EQ(r.status, 201);
	SL_CHECK_STR(r.body, "{\"len\":2048}");
	SL_CHECK(resp_header(&r, "Location", v, sizeof(v)));
	SL_CHECK_STR(v, "/things/2048");
	SL_CHECK(resp_header(&r, "Content-Type", v, sizeof(v)));
	SL_CHECK_STR(v, "application/json");
	SL_CHECK_STR(seen.method, "POST");
	SL_CHECK_STR(seen.path, "/things");
	SL_CHECK_STR(seen.x, "1");
	SL_CHECK_STR(seen.if_match, "\"v7\"");
	SL_CHECK_STR(seen.auth, "Bearer abc");
	SL_CHECK_STR(seen.ct, "application/json");
	SL_CHECK_EQ(seen.body_len, MAX_BODY);
	SL_CHECK(memcmp(seen.body, body, MAX_BODY + 1) == 0);

	/* chunked, on a kept-alive connection, then a GET on the same one */
	{
		static const char chunked[] =
			"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
			"GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
		struct cli_buf b = {.len = 0};
		int fd = cli_connect(mgmt_http_port());

		SL_CHECK(fd >= 0);
		SL_CHECK_EQ(cli_sends(fd, chunked), 0);
		SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
		close(fd);
		SL_CHECK(strncmp(b.d, "HTTP/1.1 201", 12) == 0);
		SL_CHECK(strstr(b.d, "HTTP/1.1 200") != NULL);
		SL_CHECK(strstr(b.d, "GET /after x=(null)") != NULL);
		SL_CHECK_EQ(seen.calls, 3);
	}
	/* the POST's body was seen before the GET replaced it */
	SL_CHECK_EQ(mgmt_http_stats()->requests, 3);
	SL_CHECK_EQ(mgmt_http_stats()->responses_2xx, 3);
	mgmt_http_stop();
	return 0;
}

static int
test_http_head(void)
{
	struct http_resp r;
	char v[128];

	SL_CHECK_EQ(http_start(8, 10), 0);
	SL_CHECK_EQ(http_exchange_str(mgmt_http_port(),
			    "HEAD /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r),
		0);
	SL_CHECK_EQ(r.status, 200);
	SL_CHECK_EQ(r.body_len, 0);
	SL_CHECK_STR(seen.method, "GET");
	SL_CHECK(resp_header(&r, "ETag", v, sizeof(v)));
	SL_CHECK(resp_header(&r, "Content-Length", v, sizeof(v)));
	SL_CHECK_STR(v, "18"); /* of "GET /echo x=(null)", the body not sent */
	mgmt_http_stop();
	return 0;
}

static int
test_http_refusals(void)
{
	const struct mgmt_http_stats *st = mgmt_http_stats();
	char req[4 * MAX_BODY];
	struct http_resp r;
	unsigned int i;
	size_t n;

	SL_CHECK_EQ(http_start(8, 10), 0);
	/* Content-Length over the limit: refused before the body is read */
	n = (size_t)snprintf(req, sizeof(req),
		"POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n", MAX_BODY + 1);
	memset(req + n, 'a', MAX_BODY + 1);
	SL_CHECK_EQ(http_exchange(mgmt_http_port(), req, n + MAX_BODY + 1, &r), 0);
	SL_CHECK_EQ(r.status, 413);
	SL_CHECK(strstr(r.body, "{\"error\":{\"status\":413,\"code\":\"body_too_large\",") ==
		 r.body);
	SL_CHECK_EQ(seen.calls, 0);
	SL_CHECK_EQ(st->refused_too_large, 1);
	/* the same with PUT and PATCH, headers only (the client waits) */
	SL_CHECK_EQ(
		http_exchange_str(mgmt_http_port(),
			"PATCH /big HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n", &r),
		0);
	SL_CHECK_EQ(r.status, 413);
	SL_CHECK_EQ(http_exchange_str(mgmt_http_port(),
			    "PUT /big HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
			    "Content-Length: 100000000\r\n\r\n",
			    &r),
		0);
	SL_CHECK_EQ(r.status, 413);
	SL_CHECK_EQ(seen.calls, 0);

	/* chunked over the limit: found out during the upload */
	n = (size_t)snprintf(req, sizeof(req),
		"POST /big HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (i = 0; i < 3; i++) {
		n += (size_t)snprintf(req + n, sizeof(req) - n, "400\r\n");
		memset(req + n, 'b', 0x400);
		n += 0x400;
		n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	}
	n += (size_t)snprintf(req + n, sizeof(req) - n, "0\r\n\r\n");
	SL_CHECK_EQ(http_exchange(mgmt_http_port(), req, n, &r), 0);
	SL_CHECK_EQ(r.status, 413);
	SL_CHECK(strstr(r.body, "\"code\":\"body_too_large\"") != NULL);
	SL_CHECK_EQ(seen.calls, 0);
	SL_CHECK_EQ(st->refused_too_large, 4);
	/* far over the limit: not read to its end, the connection is cut */
	{
		static char big[256 * 1024];
		struct cli_buf b = {.len = 0};
		int fd = cli_connect(mgmt_http_port());

		SL_CHECK(fd >= 0);
		SL_CHECK_EQ(cli_sends(fd, "PUT /big HTTP/1.1\r\nHost: t\r\n"
					  "Transfer-Encoding: chunked\r\n\r\n40000\r\n"),
			0);
		memset(big, 'c', sizeof(big));
		(void)cli_send(fd, big, sizeof(big)); /* may fail: reset */
		SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
		SL_CHECK_EQ(b.len, 0);
		close(fd);
		SL_CHECK_EQ(st->refused_too_large, 5);
		SL_CHECK_EQ(seen.calls, 0);
	}

	/* a NUL byte in the body */
	n = (size_t)snprintf(req, sizeof(req),
		"POST /nul HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 3\r\n\r\n");
	memcpy(req + n, "a\0b", 3);
	SL_CHECK_EQ(http_exchange(mgmt_http_port(), req, n + 3, &r), 0);
	SL_CHECK_EQ(r.status, 400);
	SL_CHECK(strstr(r.body, "\"code\":\"malformed\"") != NULL);
	SL_CHECK_EQ(st->refused_malformed, 1);
	SL_CHECK_EQ(seen.calls, 0);
	SL_CHECK_EQ(st->responses_4xx, 5);
	mgmt_http_stop();
	return 0;
}

static int
test_http_conn_limit(void)
{
	const struct mgmt_http_stats *st = mgmt_http_stats();
	struct http_resp r;
	struct cli_buf b = {.len = 0};
	int fd[4], extra;
	unsigned int i;

	SL_CHECK_EQ(http_start(4, 10), 0);
	/* four connections parked in the middle of their headers */
	for (i = 0; i < 4; i++) {
		fd[i] = cli_connect(mgmt_http_port());
		SL_CHECK(fd[i] >= 0);
		SL_CHECK_EQ(cli_sends(fd[i], "GET / HTTP/1.1\r\n"), 0);
		pump_for(20);
	}
	extra = cli_connect(mgmt_http_port());
	SL_CHECK(extra >= 0);
	SL_CHECK(cli_recv(extra, &b, NULL, 0, WAIT_MS)); /* closed at once */
	SL_CHECK_EQ(b.len, 0);
	close(extra);
	SL_CHECK_EQ(st->refused_busy, 1);
	/* one finishes its request and leaves: room for a new one */
	SL_CHECK_EQ(cli_sends(fd[0], "Host: t\r\nConnection: close\r\n\r\n"), 0);
	memset(&b, 0, sizeof(b));
	SL_CHECK(cli_recv(fd[0], &b, NULL, 0, WAIT_MS));
	SL_CHECK(strncmp(b.d, "HTTP/1.1 200", 12) == 0);
	close(fd[0]);
	pump_for(20);
	SL_CHECK_EQ(http_exchange_str(mgmt_http_port(),
			    "GET /again HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", &r),
		0);
	SL_CHECK_EQ(r.status, 200);
	SL_CHECK_EQ(st->refused_busy, 1);
	for (i = 1; i < 4; i++)
		close(fd[i]);
	mgmt_http_stop();
	return 0;
}

static int
test_http_abort_timeout(void)
{
	struct cli_buf b = {.len = 0};
	char req[512];
	int fd, n;
	uint64_t t0;

	SL_CHECK_EQ(http_start(8, 1), 0);
	/* a client that leaves mid-body: its state must be freed (ASan) */
	fd = cli_connect(mgmt_http_port());
	SL_CHECK(fd >= 0);
	n = snprintf(req, sizeof(req),
		"POST /abort HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n%0100d", 0);
	SL_CHECK_EQ(cli_send(fd, req, (size_t)n), 0);
	pump_for(50);
	close(fd);
	pump_for(50);
	SL_CHECK_EQ(seen.calls, 0);
	/* a client that leaves mid-body and keeps silent: timed out */
	fd = cli_connect(mgmt_http_port());
	SL_CHECK(fd >= 0);
	SL_CHECK_EQ(cli_send(fd, req, (size_t)n), 0);
	t0 = now_ms();
	SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
	SL_CHECK(now_ms() - t0 >= 900);
	close(fd);
	SL_CHECK_EQ(seen.calls, 0);
	SL_CHECK_EQ(mgmt_http_stats()->requests, 2);
	/* and one left to the stop */
	fd = cli_connect(mgmt_http_port());
	SL_CHECK(fd >= 0);
	SL_CHECK_EQ(cli_send(fd, req, (size_t)n), 0);
	pump_for(50);
	mgmt_http_stop();
	close(fd);
	return 0;
}

static int
test_http_start_errors(void)
{
	uint16_t port;

	SL_CHECK_EQ(mgmt_http_start(LOOPBACK, 0, MAX_BODY, 4, 1, NULL), -EINVAL);
	SL_CHECK_EQ(mgmt_http_start(LOOPBACK, 0, MAX_BODY, 0, 1, handler), -EINVAL);
	SL_CHECK_EQ(mgmt_console_start(LOOPBACK, 0, 2, 0, BANNER, PROMPT, NULL), -EINVAL);
	SL_CHECK_EQ(http_start(4, 1), 0);
	port = mgmt_http_port();
	mgmt_http_stop();
	/* the port is ours again at once (SO_REUSEADDR) */
	SL_CHECK_EQ(mgmt_http_start(LOOPBACK, port, MAX_BODY, 4, 1, handler), 0);
	SL_CHECK_EQ(mgmt_http_port(), port);
	mgmt_http_stop();
	return 0;
}

/* ---- console ---- */

static char exec_log[8192];

static int
exec(struct mgmt_console_session *s, const char *line, struct mgmt_out *out)
{
	size_t l = strlen(exec_log);

	snprintf(exec_log + l, sizeof(exec_log) - l, "%s|", line);
	if (strncmp(line, "echo ", 5) == 0) {
		mgmt_out_printf(out, "%s\n", line + 5);
	} else if (strcmp(line, "quit") == 0) {
		mgmt_out_printf(out, "bye\n");
		return MGMT_CONSOLE_QUIT;
	} else if (strcmp(line, "auth") == 0) {
		mgmt_console_session_set_authorized(s, true);
	} else if (strcmp(line, "whoami") == 0) {
		mgmt_out_printf(out, "auth=%d\n", mgmt_console_session_authorized(s));
	} else if (strncmp(line, "big ", 4) == 0) {
		static char xs[4096];
		unsigned long n = strtoul(line + 4, NULL, 10);

		memset(xs, 'x', sizeof(xs));
		for (; n > sizeof(xs); n -= sizeof(xs))
			mgmt_out_write(out, xs, sizeof(xs));
		mgmt_out_write(out, xs, n);
		mgmt_out_write(out, "\n", 1);
	} else {
		mgmt_out_printf(out, "unknown: %s\n", line);
	}
	return 0;
}

static int
con_start(unsigned int max_sessions, unsigned int idle_s)
{
	mgmt_console_stop(); /* left running by a failed case */
	exec_log[0] = '\0';
	return mgmt_console_start(LOOPBACK, 0, max_sessions, idle_s, BANNER, PROMPT, exec);
}

/* A session past its banner and prompt; fd or -1. */
static int
con_open(void)
{
	struct cli_buf b = {.len = 0};
	int fd = cli_connect(mgmt_console_port());

	if (fd < 0)
		return -1;
	if (!cli_recv_str(fd, &b, PROMPT) || strcmp(b.d, BANNER PROMPT) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send in, then read until want (exactly) has arrived; 0 or -1. */
static int
con_expect(int fd, const void *in, size_t in_len, const char *want, size_t want_len)
{
	struct cli_buf b = {.len = 0};

	if (cli_send(fd, in, in_len) != 0)
		return -1;
	if (!cli_recv(fd, &b, want, want_len, WAIT_MS)) {
		fprintf(stderr, "got %zu bytes: \"%s\"\n", b.len, b.d);
		return -1;
	}
	if (b.len != want_len) {
		fprintf(stderr, "got %zu bytes, want %zu: \"%s\"\n", b.len, want_len, b.d);
		return -1;
	}
	return 0;
}

static int
test_console_lines(void)
{
	static const char in[] = "echo a\necho b\r\n\n   \r\0\techo c  \rwhoami\nauth\nwhoami\n";
	static const char want[] = "a\n" PROMPT "b\n" PROMPT PROMPT PROMPT "c\n" PROMPT
				   "auth=0\n" PROMPT PROMPT "auth=1\n" PROMPT;
	const struct mgmt_console_stats *st = mgmt_console_stats();
	int fd;

	SL_CHECK_EQ(con_start(4, 0), 0);
	SL_CHECK(mgmt_console_port() != 0);
	fd = con_open();
	SL_CHECK(fd >= 0);
	SL_CHECK_EQ(st->sessions_active, 1);
	/* pipelined, in one write: run in order */
	SL_CHECK_EQ(con_expect(fd, in, sizeof(in) - 1, want, sizeof(want) - 1), 0);
	SL_CHECK_STR(exec_log, "echo a|echo b|echo c|whoami|auth|whoami|");
	SL_CHECK_EQ(st->lines, 6);
	/* one byte at a time */
	{
		static const char slow[] = "echo slow\r\n";
		unsigned int i;

		for (i = 0; i < sizeof(slow) - 1; i++) {
			SL_CHECK_EQ(cli_send(fd, slow + i, 1), 0);
			pump_for(2);
		}
		SL_CHECK_EQ(con_expect(fd, "", 0, "slow\n" PROMPT, strlen("slow\n" PROMPT)), 0);
	}
	/* sessions start unauthorized, each its own */
	{
		int fd2 = con_open();

		SL_CHECK(fd2 >= 0);
		SL_CHECK_EQ(
			con_expect(fd2, "whoami\n", 7, "auth=0\n" PROMPT, 7 + strlen(PROMPT)), 0);
		close(fd2);
	}
	close(fd);
	pump_for(20);
	SL_CHECK_EQ(st->sessions_active, 0);
	SL_CHECK_EQ(st->sessions_opened, 2);
	mgmt_console_stop();
	SL_CHECK_EQ(mgmt_console_port(), 0);
	mgmt_console_stop();
	return 0;
}

static int
test_console_telnet(void)
{
	/* IAC DO ECHO, IAC WILL SGA, IAC WONT LINEMODE, a subnegotiation in
	 * the middle of a word, IAC IAC as a data byte, IAC NOP */
	static const char in[] = "\xff\xfd\x01\xff\xfb\x03\xff\xfc\x22"
				 "ec\xff\xfa\x18\x01\xff\xff\x02\xff\xf0ho t\xff\xffx\xff\xf1y\r\n";
	static const char want[] = "\xff\xfc\x01\xff\xfe\x03t\xffxy\n" PROMPT;
	int fd;

	SL_CHECK_EQ(con_start(4, 0), 0);
	fd = con_open();
	SL_CHECK(fd >= 0);
	SL_CHECK_EQ(con_expect(fd, in, sizeof(in) - 1, want, sizeof(want) - 1), 0);
	SL_CHECK_STR(exec_log, "echo t\xffxy|");
	/* telnet's interrupt drops the line being typed */
	SL_CHECK_EQ(con_expect(fd,
			    "echo no\xff\xf4"
			    "echo yes\n",
			    19, "yes\n" PROMPT, 4 + strlen(PROMPT)),
		0);
	close(fd);
	mgmt_console_stop();
	return 0;
}

static int
test_console_long_line(void)
{
	static char in[MGMT_CONSOLE_LINE_MAX + 1000], want[MGMT_CONSOLE_LINE_MAX + 100];
	const struct mgmt_console_stats *st = mgmt_console_stats();
	size_t n;
	int fd;

	SL_CHECK_EQ(con_start(4, 0), 0);
	fd = con_open();
	SL_CHECK(fd >= 0);
	/* 4097 bytes: dropped, the next line runs */
	memset(in, 'a', MGMT_CONSOLE_LINE_MAX + 1);
	n = MGMT_CONSOLE_LINE_MAX + 1;
	memcpy(in + n, "\necho ok\n", 9);
	n += 9;
	snprintf(
		want, sizeof(want), "error: line too long (max 4096 bytes)\r\n" PROMPT "ok\n" PROMPT);
	SL_CHECK_EQ(con_expect(fd, in, n, want, strlen(want)), 0);
	SL_CHECK_EQ(st->lines_too_long, 1);
	SL_CHECK_STR(exec_log, "echo ok|");
	/* 4096 bytes: fine */
	memcpy(in, "echo ", 5);
	memset(in + 5, 'z', MGMT_CONSOLE_LINE_MAX - 5);
	in[MGMT_CONSOLE_LINE_MAX] = '\n';
	memset(want, 'z', MGMT_CONSOLE_LINE_MAX - 5);
	snprintf(want + MGMT_CONSOLE_LINE_MAX - 5, sizeof(want) - (MGMT_CONSOLE_LINE_MAX - 5),
		"\n" PROMPT);
	SL_CHECK_EQ(con_expect(fd, in, MGMT_CONSOLE_LINE_MAX + 1, want, strlen(want)), 0);
	SL_CHECK_EQ(st->lines_too_long, 1);
	close(fd);
	mgmt_console_stop();
	return 0;
}

static int
test_console_close(void)
{
	struct cli_buf b = {.len = 0};
	int fd;

	SL_CHECK_EQ(con_start(4, 0), 0);
	/* quit: its output, then EOF; what follows it never runs */
	fd = con_open();
	SL_CHECK(fd >= 0);
	SL_CHECK_EQ(cli_sends(fd, "echo 1\nquit\necho never\n"), 0);
	SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
	SL_CHECK_STR(b.d, "1\n" PROMPT "bye\n");
	SL_CHECK_STR(exec_log, "echo 1|quit|");
	close(fd);
	/* Ctrl-D on an empty line */
	fd = con_open();
	SL_CHECK(fd >= 0);
	memset(&b, 0, sizeof(b));
	SL_CHECK_EQ(cli_sends(fd, "echo 2\n\x04"), 0);
	SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
	SL_CHECK_STR(b.d, "2\n" PROMPT);
	close(fd);
	/* a script's EOF: everything before it runs and is answered, a
	 * last line without newline too */
	fd = con_open();
	SL_CHECK(fd >= 0);
	memset(&b, 0, sizeof(b));
	SL_CHECK_EQ(cli_sends(fd, "echo 3\necho 4"), 0);
	shutdown(fd, SHUT_WR);
	SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
	SL_CHECK_STR(b.d, "3\n" PROMPT "4\n" PROMPT);
	close(fd);
	pump_for(20);
	SL_CHECK_EQ(mgmt_console_stats()->sessions_active, 0);
	mgmt_console_stop();
	return 0;
}

static int
test_console_idle(void)
{
	struct cli_buf b = {.len = 0};
	uint64_t t0;
	int fd;

	SL_CHECK_EQ(con_start(4, 1), 0);
	fd = con_open();
	SL_CHECK(fd >= 0);
	t0 = now_ms();
	SL_CHECK(cli_recv(fd, &b, NULL, 0, WAIT_MS));
	SL_CHECK(now_ms() - t0 >= 900);
	SL_CHECK_STR(b.d, "idle timeout, bye\r\n");
	SL_CHECK_EQ(mgmt_console_stats()->idle_timeouts, 1);
	SL_CHECK_EQ(mgmt_console_stats()->sessions_active, 0);
	close(fd);
	mgmt_console_stop();
	return 0;
}

static int
test_console_max_sessions(void)
{
	struct cli_buf b = {.len = 0};
	int fd[3], extra;
	unsigned int i;

	SL_CHECK_EQ(con_start(3, 0), 0);
	SL_CHECK_EQ(mgmt_console_start(LOOPBACK, 0, 3, 0, BANNER, PROMPT, exec), -EALREADY);
	/* a port taken is an exact error */
	SL_CHECK_EQ(mgmt_http_start(LOOPBACK, mgmt_console_port(), MAX_BODY, 4, 1, handler),
		-EADDRINUSE);
	for (i = 0; i < 3; i++) {
		fd[i] = con_open();
		SL_CHECK(fd[i] >= 0);
	}
	extra = cli_connect(mgmt_console_port());
	SL_CHECK(extra >= 0);
	SL_CHECK(cli_recv(extra, &b, NULL, 0, WAIT_MS));
	SL_CHECK_STR(b.d, "too many sessions\r\n");
	close(extra);
	SL_CHECK_EQ(mgmt_console_stats()->sessions_refused, 1);
	SL_CHECK_EQ(mgmt_console_stats()->sessions_active, 3);
	/* the others still work; one leaving makes room */
	SL_CHECK_EQ(con_expect(fd[2], "echo x\n", 7, "x\n" PROMPT, 2 + strlen(PROMPT)), 0);
	close(fd[0]);
	pump_for(20);
	fd[0] = con_open();
	SL_CHECK(fd[0] >= 0);
	for (i = 0; i < 3; i++)
		close(fd[i]);
	mgmt_console_stop(); /* with sessions still open */
	return 0;
}

static int
test_console_slow_reader(void)
{
	const struct mgmt_console_stats *st = mgmt_console_stats();
	struct cli_buf b = {.len = 0};
	size_t total = 0, want;
	uint64_t end;
	int fd;

	SL_CHECK_EQ(con_start(4, 0), 0);
	fd = con_open();
	SL_CHECK(fd >= 0);
	/* 40 x 500 KB asked for while reading nothing: the console holds the
	 * input back instead of buffering it all, and the loop never blocks */
	{
		char in[40 * 16];
		size_t n = 0;
		unsigned int i;

		for (i = 0; i < 40; i++)
			n += (size_t)snprintf(in + n, sizeof(in) - n, "big 500000\n");
		SL_CHECK_EQ(cli_send(fd, in, n), 0);
	}
	pump_for(100);
	SL_CHECK(st->lines < 40);
	want = 40 * (500001 + strlen(PROMPT));
	end = now_ms() + WAIT_MS;
	while (total < want && now_ms() < end) {
		ssize_t n = recv(fd, b.d, sizeof(b.d), 0);

		if (n > 0)
			total += (size_t)n;
		else
			pump();
	}
	SL_CHECK_EQ(total, want);
	SL_CHECK_EQ(st->lines, 40);
	/* one answer over the cap: the session is closed */
	SL_CHECK_EQ(cli_sends(fd, "big 5000000\n"), 0);
	memset(&b, 0, sizeof(b));
	end = now_ms() + WAIT_MS;
	while (st->output_overflows == 0 && now_ms() < end)
		pump();
	SL_CHECK_EQ(st->output_overflows, 1);
	pump_for(20);
	SL_CHECK_EQ(st->sessions_active, 0);
	close(fd);
	mgmt_console_stop();
	return 0;
}

/* ---- out ---- */

static int
test_out(void)
{
	struct mgmt_out o = {0};
	char *p;
	size_t len, i;

	mgmt_out_write(&o, "", 0);
	SL_CHECK(o.buf != NULL && o.len == 0 && o.buf[0] == '\0');
	for (i = 0; i < 1000; i++)
		mgmt_out_printf(&o, "%zu,", i);
	SL_CHECK(!o.oom);
	SL_CHECK(strncmp(o.buf, "0,1,2,", 6) == 0);
	SL_CHECK_EQ(strlen(o.buf), o.len);
	mgmt_out_reset(&o);
	SL_CHECK_EQ(o.len, 0);
	SL_CHECK_STR(o.buf, "");
	mgmt_out_printf(&o, "%0300d", 7);
	SL_CHECK_EQ(o.len, 300);
	p = mgmt_out_take(&o, &len);
	SL_CHECK_EQ(len, 300);
	SL_CHECK(o.buf == NULL && o.len == 0 && o.cap == 0);
	SL_CHECK_EQ(p[299], '7');
	free(p);
	/* oom: output is dropped, never a crash */
	o.oom = true;
	mgmt_out_printf(&o, "x");
	mgmt_out_write(&o, "y", 1);
	SL_CHECK(o.buf == NULL && o.len == 0);
	mgmt_out_write(&o, "z", SIZE_MAX - 4); /* impossible size: oom, not overflow */
	mgmt_out_reset(&o);
	SL_CHECK(!o.oom);
	mgmt_out_write(&o, "z", SIZE_MAX - 4);
	SL_CHECK(o.oom);
	mgmt_out_free(&o);
	mgmt_out_free(NULL);
	return 0;
}

int
main(void)
{
	static const struct sl_test_case cases[] = {
		{"out", test_out},
		{"http_get", test_http_get},
		{"http_post", test_http_post},
		{"http_head", test_http_head},
		{"http_refusals", test_http_refusals},
		{"http_conn_limit", test_http_conn_limit},
		{"http_abort_timeout", test_http_abort_timeout},
		{"http_start_errors", test_http_start_errors},
		{"console_lines", test_console_lines},
		{"console_telnet", test_console_telnet},
		{"console_long_line", test_console_long_line},
		{"console_close", test_console_close},
		{"console_idle", test_console_idle},
		{"console_max_sessions", test_console_max_sessions},
		{"console_slow_reader", test_console_slow_reader},
	};
	int rc = sl_test_run("mgmt_transport", cases, RTE_DIM(cases));

	/* a failed case may leave either running */
	mgmt_http_stop();
	mgmt_console_stop();
	return rc;
}
