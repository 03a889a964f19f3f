/* SPDX-License-Identifier: BSD-3-Clause */
/* proxy: per-lcore state of the HTTP proxy, embedded in struct sl_lcore. */
#ifndef SL_PROXY_TYPES_H
#define SL_PROXY_TYPES_H

#include <stdint.h>

#include "sl_core_types.h"
#include "sl_tcp_types.h"

/* Every request head parsed ends in `proxied`, `local` or an error counter
 * (parser refusals are counted apart, per reason, in req_err). */
#define SL_PROXY_COUNTERS(X) \
	X(accepted, 0, "client connections accepted") \
	X(accept_no_memory, 0, "client connections refused: no memory for the session") \
	X(accept_no_listener, 0, "client connections refused: listener removed by a configuration change") \
	X(requests, 0, "request heads parsed") \
	X(proxied, 0, "requests sent to an upstream member") \
	X(local, 0, "requests answered by a fixed-response or redirect route") \
	X(no_route, 0, "requests without a route (404)") \
	X(req_refused, 0, "requests refused by the parser (see req_err_*)") \
	X(unsupported, 0, "requests refused: CONNECT or an unsupported protocol (501)") \
	X(responses, 0, "responses relayed from upstreams") \
	X(status_1xx, 0, "responses sent to clients, by class") \
	X(status_2xx, 0, "") \
	X(status_3xx, 0, "") \
	X(status_4xx, 0, "") \
	X(status_5xx, 0, "") \
	X(retries, 0, "requests resent to another member") \
	X(err_upstream_connect, 0, "502: connection to the member refused or unreachable") \
	X(err_upstream_reset, 0, "502: upstream closed or reset before a complete response") \
	X(err_upstream_response, 0, "502: invalid response from the upstream") \
	X(err_no_member, 0, "503: no member up in the pool") \
	X(err_conn_limit, 0, "503: member connection limit reached") \
	X(err_no_memory, 0, "503: no memory for an upstream connection") \
	X(err_no_port, 0, "503: no source port or connection object for an upstream connection") \
	X(err_connect_timeout, 0, "504: connect timeout") \
	X(err_response_timeout, 0, "504: no response byte in time") \
	X(err_idle_timeout, 0, "504 or abort: no progress inside an exchange") \
	X(client_header_timeout, 0, "408: request head not complete in time") \
	X(client_body_timeout, 0, "408: request body made no progress in time") \
	X(client_keepalive_timeout, 0, "idle keep-alive client connections closed") \
	X(client_aborted, 0, "client closed or reset inside an exchange") \
	X(client_aborted_response, 0, "responses cut: client gone, or upstream failed mid-body") \
	X(upstream_connects, 0, "upstream connections opened") \
	X(upstream_reuses, 0, "requests sent over an idle pooled connection") \
	X(upstream_idle_closed, 0, "pooled connections closed: idle timeout or upstream close") \
	X(upstream_not_kept, 0, "upstream connections closed after an exchange (not reusable or pool full)") \
	X(replay_overflow, 0, "idempotent requests too large to replay: no retry") \
	X(no_mbuf, 0, "mbuf allocations failed (head, clone)") \
	X(bytes_in, 0, "request bytes received from clients (heads and bodies)") \
	X(bytes_out, 0, "response bytes relayed to clients (bodies)") \
	X(generations, 0, "configuration generations adopted by this worker") \
	X(upstream_dropped, 0, "pooled upstream connections closed: member removed from the configuration") \
	X(access_log_dropped, SL_CTR_DROP, "access log records dropped: the worker's ring was full")

struct sl_proxy_stats {
	SL_PROXY_COUNTERS(SL_COUNTER_FIELD)
};

/* Request refusals by parser reason: index enum sl_http_err. */
#define SL_PROXY_REQ_ERRS 40

struct proxy_worker;

struct sl_proxy_lcore {
	struct sl_proxy_stats stats;
	uint64_t req_err[SL_PROXY_REQ_ERRS];
	/* By listener slot (proxy_listener_slot.index). */
	uint64_t listener_accepted[SL_TCP_LISTENERS_MAX];
	uint64_t listener_requests[SL_TCP_LISTENERS_MAX];
	struct proxy_worker *w; /* pools, per-route/member counters, sessions */
};

#endif /* SL_PROXY_TYPES_H */
