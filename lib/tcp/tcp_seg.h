/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/seg: a received segment as tcp_input.c parses it, shared with
 * tcp_listen.c. Internal to lib/tcp.
 */
#ifndef TCP_SEG_H
#define TCP_SEG_H

#include <rte_tcp.h>

#include "tcp_priv.h"

/* A parsed segment; m starts at the IPv4 header. */
struct seg {
	struct rte_mbuf *m;
	const struct rte_tcp_hdr *th;
	struct tcp_key key;
	uint32_t seq, ack;
	uint32_t len;        /* payload bytes */
	uint16_t hdr_len;    /* IPv4 + TCP headers */
	uint16_t wnd;        /* as sent, unscaled */
	uint8_t flags;
	struct tcp_opts opts;
};

#define F(x) RTE_TCP_##x##_FLAG

/* Sequence space a segment occupies: payload, SYN and FIN. */
static inline uint32_t
seg_space(const struct seg *s)
{
	return s->len + !!(s->flags & F(SYN)) + !!(s->flags & F(FIN));
}

/* tcp_input.c */
/* A RST for a segment that has no connection (none to a RST). */
void tcp_reply_rst(struct sl_lcore *lc, const struct seg *s);
/* Negotiate options from a SYN (ours were all offered). */
void tcp_take_syn_options(struct tcp_conn *c, const struct seg *s);
/* A segment for an existing connection (RFC 9293 3.10.7.3-4). */
void tcp_conn_segment(struct sl_lcore *lc, struct tcp_conn *c, struct seg *s);

/* tcp_listen.c */
/* A segment for listener l; consumes s->m. */
void tcp_listen_segment(struct sl_lcore *lc, int l, struct seg *s);

#endif /* TCP_SEG_H */
