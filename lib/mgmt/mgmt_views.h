/* SPDX-License-Identifier: BSD-3-Clause */
/* mgmt/views: read-only state as JSON, shared by the REST API and console. */
#ifndef MGMT_VIEWS_H
#define MGMT_VIEWS_H

#include <jansson.h>

struct sl_port;

/* [{name, address, mac, mtu, queues, rx/tx counters, impairments}] */
json_t *mgmt_view_ports(void);
json_t *mgmt_view_port(const struct sl_port *p);
/* [{lcore, role, worker, idle_sleeps, tcp_open, time_wait, requests}] */
json_t *mgmt_view_lcores(void);
/* [{route, requests, status_2xx.., latency}] of the applied generation */
json_t *mgmt_view_routes(void);
/* [{pool, member, up, active, idle, latency_ewma_us, requests, ...}];
 * pool NULL: every pool. */
json_t *mgmt_view_members(const char *pool);

#endif /* MGMT_VIEWS_H */
