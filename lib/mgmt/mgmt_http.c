/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/http: REST transport on libmicrohttpd, external poll, no thread
 * (see mgmt_http.h).
 *
 * The listening socket is ours (bound to the management address only) and
 * handed to MHD, so that bind errors come back as an exact -errno and port 0
 * can be resolved. MHD runs in epoll mode: one fd to poll, no FD_SETSIZE
 * limit however many fds the process holds. The connection limit is applied
 * by our accept policy (MHD's own limit closes silently, uncounted); MHD's
 * limit stays a few above as a backstop.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "mgmt_http.h"
#include "sl_counters.h"

/* An oversized chunked upload is read and dropped up to this much (so the
 * client gets its 413), then the connection is cut. */
#define DISCARD_MIN (64u * 1024)

/* Per-request state, owned by MHD's connection (*con_cls), freed by
 * request_completed() however the request ends. */
struct http_req {
	struct mgmt_out body;
	uint64_t discarded;
	unsigned int refuse; /* 0, or the status to answer once the upload ends */
};

static struct {
	struct MHD_Daemon *daemon;
	int epoll_fd;
	uint16_t port;
	size_t max_body;
	unsigned int max_conns;
	unsigned int conns; /* open connections, by MHD's connection notifications */
	mgmt_http_handler handler;
	struct mgmt_http_stats stats;
} http = {.epoll_fd = -1};

SL_COUNTERS_DEFINE(mgmt_http_counters, MGMT_HTTP_COUNTERS, .module = "mgmt", .prefix = "http_",
	.global = &http.stats);

const char *
mgmt_request_arg(const struct mgmt_request *rq, const char *name)
{
	const char *v = NULL;

	if (rq == NULL || rq->transport == NULL || name == NULL)
		return NULL;
	/* "?force" is there, with no value: "" rather than NULL */
	if (MHD_lookup_connection_value_n(
		    rq->transport, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, NULL) != MHD_YES)
		return NULL;
	return v != NULL ? v : "";
}

static void
count_status(unsigned int status)
{
	if (status >= 200 && status < 300)
		http.stats.responses_2xx++;
	else if (status >= 400 && status < 500)
		http.stats.responses_4xx++;
	else if (status >= 500)
		http.stats.responses_5xx++;
}

static bool
add_header(struct MHD_Response *r, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return true;
	return MHD_add_response_header(r, name, value) == MHD_YES;
}

/* Queue status with body buf (ours to free; NULL for none) and the extra
 * headers of rs (may be NULL); close: no keep-alive. */
static enum MHD_Result
queue(struct MHD_Connection *c, unsigned int status, const char *ct, char *buf, size_t len,
	const struct mgmt_response *rs, bool close)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (buf == NULL)
		r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer_with_free_callback(len, buf, free);
	if (r == NULL) {
		free(buf);
		http.stats.oom++;
		return MHD_NO; /* MHD closes the connection */
	}
	if (!add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct != NULL ? ct : "application/json") ||
		!add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") ||
		(close && !add_header(r, MHD_HTTP_HEADER_CONNECTION, "close")) ||
		(rs != NULL && (!add_header(r, MHD_HTTP_HEADER_ETAG, rs->etag) ||
				       !add_header(r, MHD_HTTP_HEADER_LOCATION, rs->location) ||
				       !add_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow) ||
				       !add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					       rs->www_authenticate)))) {
		/* a header MHD refuses (CR/LF in it): the handler's bug, not the client's */
		MHD_destroy_response(r);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	if (ret == MHD_YES)
		count_status(status);
	return ret;
}

/* A transport-level error; message is a fixed text (no JSON escaping).
 * close: end the connection after it (a client that sends too much). */
static enum MHD_Result
queue_error(struct MHD_Connection *c, unsigned int status, const char *code, const char *message,
	bool close)
{
	struct mgmt_out o = {0};
	size_t len;
	char *buf;

	mgmt_out_printf(&o, "{\"error\":{\"status\":%u,\"code\":\"%s\",\"message\":\"%s\"}}\n",
		status, code, message);
	if (o.oom)
		http.stats.oom++;
	buf = mgmt_out_take(&o, &len);
	return queue(c, status, NULL, buf, len, NULL, close);
}

static enum MHD_Result
queue_refusal(struct MHD_Connection *c, unsigned int status)
{
	switch (status) {
	case MHD_HTTP_CONTENT_TOO_LARGE:
		return queue_error(
			c, status, "body_too_large", "request body exceeds the limit", true);
	case MHD_HTTP_BAD_REQUEST:
		return queue_error(
			c, status, "malformed", "request body contains a NUL byte", false);
	default:
		return queue_error(
			c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out_of_memory", "out of memory", false);
	}
}

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* First call for a request: only headers are known. */
static enum MHD_Result
request_begin(struct MHD_Connection *c, void **con_cls)
{
	struct http_req *r;
	const char *cl;

	http.stats.requests++;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		http.stats.oom++;
		return MHD_NO;
	}
	*con_cls = r;
	cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		unsigned long long n;
		char *end;

		errno = 0;
		n = strtoull(cl, &end, 10);
		/* a malformed length is MHD's to refuse; a big one we refuse now,
		 * before reading it (MHD then closes rather than read the body) */
		if (errno == 0 && end != cl && *end == '\0' && n > http.max_body) {
			http.stats.refused_too_large++;
			r->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
			return queue_refusal(c, r->refuse);
		}
	}
	return MHD_YES;
}

/* A piece of the body. */
static enum MHD_Result
request_upload(struct http_req *r, const char *data, size_t *size)
{
	size_t n = *size;

	*size = 0;
	if (r->refuse != 0) {
		r->discarded += n;
		/* don't read an endless upload just to be polite */
		if (r->discarded > (http.max_body > DISCARD_MIN ? http.max_body : DISCARD_MIN))
			return MHD_NO;
		return MHD_YES;
	}
	if (n > http.max_body - r->body.len) {
		http.stats.refused_too_large++;
		r->refuse = MHD_HTTP_CONTENT_TOO_LARGE;
		r->discarded = r->body.len + n;
		mgmt_out_free(&r->body);
		return MHD_YES;
	}
	mgmt_out_write(&r->body, data, n);
	if (r->body.oom) {
		http.stats.oom++;
		r->refuse = MHD_HTTP_INTERNAL_SERVER_ERROR;
		mgmt_out_free(&r->body);
	}
	return MHD_YES;
}

/* The whole request is in: run the handler and queue its response. */
static enum MHD_Result
request_end(struct MHD_Connection *c, const char *url, const char *method, struct http_req *r)
{
	struct mgmt_response rs;
	struct mgmt_request rq;
	unsigned int status;
	size_t len;
	char *buf;

	if (r->refuse != 0)
		return queue_refusal(c, r->refuse);
	if (r->body.len != 0 && memchr(r->body.buf, '\0', r->body.len) != NULL) {
		http.stats.refused_malformed++;
		return queue_refusal(c, MHD_HTTP_BAD_REQUEST);
	}
	memset(&rq, 0, sizeof(rq));
	/* MHD drops the body of a HEAD answer: the handler serves it as a GET */
	rq.method = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ? MHD_HTTP_METHOD_GET : method;
	rq.path = url;
	rq.if_match = header(c, MHD_HTTP_HEADER_IF_MATCH);
	rq.authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	rq.content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	rq.body = r->body.len != 0 ? r->body.buf : NULL;
	rq.body_len = r->body.len;
	rq.transport = c;
	memset(&rs, 0, sizeof(rs));
	http.handler(&rq, &rs);
	/* the handler's strings must be terminated whatever it did */
	rs.etag[sizeof(rs.etag) - 1] = '\0';
	rs.location[sizeof(rs.location) - 1] = '\0';
	rs.allow[sizeof(rs.allow) - 1] = '\0';
	rs.www_authenticate[sizeof(rs.www_authenticate) - 1] = '\0';
	if (rs.body.oom) {
		http.stats.oom++;
		mgmt_out_free(&rs.body);
		return queue_refusal(c, MHD_HTTP_INTERNAL_SERVER_ERROR);
	}
	status = rs.status;
	if (status < 100 || status > 599) {
		mgmt_out_free(&rs.body);
		return queue_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
			"the handler set no status", false);
	}
	buf = mgmt_out_take(&rs.body, &len);
	if (queue(c, status, rs.content_type, buf, len, &rs, false) == MHD_YES)
		return MHD_YES;
	return queue_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
		"the handler's response could not be sent", false);
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
	const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct http_req *r = *con_cls;

	if (r == NULL)
		return request_begin(c, con_cls);
	if (*upload_data_size != 0)
		return request_upload(r, upload_data, upload_data_size);
	return request_end(c, url, method, r);
}

static void
request_completed(
	void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	if (r == NULL)
		return;
	mgmt_out_free(&r->body);
	free(r);
	*con_cls = NULL;
}

static void
connection_notify(void *cls, struct MHD_Connection *c, void **socket_context,
	enum MHD_ConnectionNotificationCode toe)
{
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		http.conns++;
	else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && http.conns > 0)
		http.conns--;
}

static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	if (http.conns >= http.max_conns) {
		http.stats.refused_busy++;
		return MHD_NO;
	}
	return MHD_YES;
}

/* A non-blocking listening socket on addr:port; fd or -errno. */
static int
listen_on(uint32_t addr, uint16_t port, uint16_t *bound)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd, one = 1, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = addr;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 64) != 0 ||
		getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
}

int
mgmt_http_start(uint32_t addr, uint16_t port, size_t max_body, unsigned int max_conns,
	unsigned int conn_timeout_s, mgmt_http_handler handler)
{
	const union MHD_DaemonInfo *info;
	uint16_t bound = 0;
	int fd;

	if (http.daemon != NULL)
		return -EALREADY;
	if (handler == NULL || max_conns == 0 || max_conns > 65536)
		return -EINVAL;
	fd = listen_on(addr, port, &bound);
	if (fd < 0)
		return fd;
	memset(&http.stats, 0, sizeof(http.stats));
	http.max_body = max_body;
	http.max_conns = max_conns;
	http.conns = 0;
	http.handler = handler;
	http.daemon = MHD_start_daemon(MHD_USE_EPOLL, bound, accept_policy, NULL, access_cb, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT,
		max_conns + 4, MHD_OPTION_CONNECTION_TIMEOUT, conn_timeout_s,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
		connection_notify, NULL, MHD_OPTION_END);
	if (http.daemon == NULL) {
		/* MHD may or may not have closed the socket it was given; it
		 * gives no reason either */
		if (fcntl(fd, F_GETFD) >= 0)
			close(fd);
		return -EIO;
	}
	info = MHD_get_daemon_info(http.daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		MHD_stop_daemon(http.daemon);
		http.daemon = NULL;
		return -ENOTSUP;
	}
	http.epoll_fd = info->epoll_fd;
	http.port = bound;
	return 0;
}

int
mgmt_http_poll(void)
{
	struct pollfd p;
	MHD_UNSIGNED_LONG_LONG to;
	bool work;

	if (http.daemon == NULL)
		return 0;
	p.fd = http.epoll_fd;
	p.events = POLLIN;
	p.revents = 0;
	work = poll(&p, 1, 0) > 0;
	/* timeout 0: MHD has work pending, or an idle connection to close */
	if (!work && (MHD_get_timeout(http.daemon, &to) != MHD_YES || to != 0))
		return 0;
	MHD_run(http.daemon);
	return 1;
}

uint16_t
mgmt_http_port(void)
{
	return http.daemon != NULL ? http.port : 0;
}

const struct mgmt_http_stats *
mgmt_http_stats(void)
{
	return &http.stats;
}

void
mgmt_http_stop(void)
{
	if (http.daemon == NULL)
		return;
	MHD_stop_daemon(http.daemon); /* closes the listening socket too */
	http.daemon = NULL;
	http.epoll_fd = -1;
	http.port = 0;
	http.conns = 0;
}
