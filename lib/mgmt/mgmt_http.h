/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mgmt/http: the REST transport of the management plane, libmicrohttpd in
 * external-poll mode. It owns the listening socket, the MHD daemon and the
 * per-connection upload buffers; it turns each complete request into one
 * call of the handler and sends the response the handler filled in.
 *
 * Callers: management lcore (main thread) only. MHD runs no thread of its
 * own: nothing happens unless mgmt_http_poll() is called.
 *
 * Transport-level refusals (body too large, NUL byte in the body, out of
 * memory, handler left status 0) never reach the handler; their body is
 * {"error":{"status":N,"code":"...","message":"..."}}.
 * HEAD requests reach the handler as "GET"; MHD sends the headers only.
 */
#ifndef MGMT_HTTP_H
#define MGMT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "mgmt_out.h"
#include "sl_core_types.h"

struct mgmt_request {
	const char *method;	   /* "GET", "POST", ... */
	const char *path;	   /* URL path without query, percent-decoded by MHD */
	const char *if_match;	   /* header value or NULL */
	const char *authorization; /* header value or NULL */
	const char *content_type;  /* or NULL */
	const char *body;	   /* NUL-terminated, body_len bytes (NULL if none) */
	size_t body_len;
	void *transport; /* opaque: for mgmt_request_arg */
};

/* A query argument of the request (NULL if absent; "" for "?name"). */
const char *mgmt_request_arg(const struct mgmt_request *rq, const char *name);

struct mgmt_response {
	unsigned int status;	  /* set by the handler; 0 means 500 */
	const char *content_type; /* NULL: "application/json" */
	struct mgmt_out body;
	char etag[64];	    /* sent as ETag when non-empty (handler quotes it) */
	char location[256]; /* sent as Location when non-empty */
	char allow[64];	    /* sent as Allow when non-empty (405) */
	char www_authenticate[64]; /* sent as WWW-Authenticate when non-empty (401) */
};

typedef void (*mgmt_http_handler)(const struct mgmt_request *rq, struct mgmt_response *rs);

/* Exported as the mgmt module's http_* counters (sl_counters.h). */
#define MGMT_HTTP_COUNTERS(X) \
	X(requests, 0, "REST API requests") \
	X(responses_2xx, 0, "REST API responses, 2xx") \
	X(responses_4xx, 0, "REST API responses, 4xx") \
	X(responses_5xx, 0, "REST API responses, 5xx") \
	X(refused_too_large, SL_CTR_DROP, "refused before the handler: body too large (413)") \
	X(refused_malformed, SL_CTR_DROP, "refused before the handler: NUL byte in the body (400)") \
	X(refused_busy, SL_CTR_DROP, "connections closed at accept: max_conns reached") \
	X(oom, 0, "requests failed for want of memory")

struct mgmt_http_stats {
	MGMT_HTTP_COUNTERS(SL_COUNTER_FIELD)
};

/*
 * Listen on addr:port (addr in network order; port 0 picks a free port: see
 * mgmt_http_port). max_body: larger bodies are refused with 413 before the
 * handler runs. max_conns: connections at once (beyond: closed at accept,
 * counted). conn_timeout_s: idle connections closed (0: never).
 * 0 or -errno (-EALREADY, -EINVAL, -EADDRINUSE, ...).
 */
int mgmt_http_start(uint32_t addr, uint16_t port, size_t max_body, unsigned int max_conns,
	unsigned int conn_timeout_s, mgmt_http_handler handler);
/* Non-blocking: accept and serve what is ready. >0 if something was done, 0 if idle. */
int mgmt_http_poll(void);
/* The bound port (0 if not started). */
uint16_t mgmt_http_port(void);
const struct mgmt_http_stats *mgmt_http_stats(void);
/* Close the daemon and every connection; safe if not started. */
void mgmt_http_stop(void);

#endif /* MGMT_HTTP_H */
