/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_proxy: what the files of the proxy harness share (private to it).
 *
 *   fuzz_proxy.c    libFuzzer's entry points: the input format (at its top),
 *                   the interpreter of records, the end of an input, findings
 *   proxy_conf.c    the proxy configuration, its variants, applying one
 *   proxy_peers.c   the fake TCP peers (clients and members) and settle()
 *   proxy_oracle.c  HTTP seen by the peers: the wire oracle
 *   proxy_clock.c   time passing: timers and time stamps moved back
 *   proxy_books.c   the proxy's bookkeeping checks (generations, slots,
 *                   balancers) and the management poll
 *
 * White-box: includes the private header of proxy.
 */
#ifndef FUZZ_PROXY_H
#define FUZZ_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "proxy_priv.h"
#include "fuzz_common.h"

#define RECORDS_MAX 64
#define PEERS_MAX 16 /* per side and input */
#define GENS_MAX (2 * RECORDS_MAX + 8)

#define F(x) RTE_TCP_##x##_FLAG

enum peer_state {
	P_FREE,
	P_SYN_SENT, /* client: SYN sent */
	P_SYN_RCVD, /* upstream: SYN-ACK sent */
	P_EST,
	P_SILENT, /* upstream: its SYN is being ignored */
	P_CLOSED, /* reset, or both FINs ACKed */
};

struct peer {
	enum peer_state state;
	bool upstream;
	bool split;	/* next data segments as mbuf chains */
	uint32_t addr;	/* the peer's, network order */
	uint16_t port;	/* the peer's, host order */
	uint16_t sport; /* the stack's, host order */
	const struct sl_port *via;
	const struct rte_ether_addr *mac;
	/* sending */
	uint32_t iss, snd_una, snd_nxt, snd_edge; /* edge: ack + window last seen */
	uint16_t mss;				  /* the stack's */
	uint8_t *out;				  /* bytes from snd_una on */
	uint32_t out_len, out_cap;
	bool fin_pending, fin_sent, fin_acked;
	bool poked; /* sent an old byte to get an ACK */
	/* receiving */
	uint32_t rcv_nxt;
	uint32_t rcv_cap; /* buffer while not reading */
	uint32_t rcv_used;
	bool reading; /* the application reads at once */
	bool fin_rcvd;
	bool need_ack, need_synack;
	/* the HTTP oracle (see "HTTP seen by the peers") */
	struct sl_http_parser *in;  /* what the peer receives */
	struct sl_http_parser *own; /* client: what it sends, for the methods */
	bool in_off, own_off;
	uint32_t heads;		 /* upstream: request heads received */
	uint32_t assigned;	 /* upstream: most requests the proxy gave the connection */
	uint8_t methods[64];	 /* client: methods of the requests sent, in order */
	uint32_t m_head, m_tail; /* queue indices (m_tail - m_head outstanding) */
	bool closed_response;	 /* client: a response without keep-alive completed */
	bool own_partial;	 /* client: bytes of a request head not complete */
	bool own_off_error;	 /* client: its bytes stopped parsing (or a tunnel) */
	bool own_head_done;	 /* client: the current request's head is complete */
};

/* What OP_APPLY publishes (proxy_conf.c). */
enum variant {
	V_SAME,		   /* the same configuration again: a new generation */
	V_MEMBER_REMOVED,  /* app loses 198.19.0.3, sticky loses 198.19.0.2 */
	V_MEMBER_ADDED,	   /* solo gains 198.19.0.3 */
	V_ALGO,		   /* app leastconn with keepalive 1, solo p2c, sticky swrr */
	V_REPOINT,	   /* default -> sticky, "/solo" fixed 200, "/fixed" -> solo */
	V_ROUTES_REMOVED,  /* no default and no "/sticky" route: they get 404 */
	V_POOL_REMOVED,	   /* pool solo and its route gone: sticky moves to index 1 */
	V_MEMBERS_SWAPPED, /* app and sticky list their members the other way, weights */
	V_COUNT
};

/* fuzz_proxy.c: the environment's switches and the findings. */
extern bool trace; /* SL_FUZZ_TRACE: print every segment */
bool ignored(const char *msg);
void fail(const char *what);

/* proxy_conf.c */
extern const char proxy_config[];      /* the proxy section fz_setup() starts with */
extern struct sl_proxy_conf base_conf; /* the configuration as loaded */
extern bool gen_switched;	       /* this input has published a generation */
const struct sl_proxy_conf *variant(enum variant v);
void apply_conf(const struct sl_proxy_conf *c, bool defer_sync);

/* proxy_peers.c */
extern struct peer clients[PEERS_MAX], upstreams[PEERS_MAX];
extern unsigned int n_clients, n_upstreams;
extern unsigned int refuse_rst, refuse_drop; /* next SYNs to members */
/* The receive buffer new connections start with (0xffff: they read). */
extern uint32_t client_cap, upstream_cap;
void peer_seg(struct peer *p, uint32_t seq, uint8_t flags, const uint8_t *data, uint32_t len);
void peer_queue(struct peer *p, const uint8_t *data, uint32_t len);
void peer_reset(struct peer *p);
void peers_timeout(void);
void settle(void);

/* proxy_oracle.c */
/* The proxy's request limits (every variant keeps them), for the clients'
 * parsers of their own bytes. */
extern struct sl_http_limits client_limits;
extern uint32_t client_hdr_buf;
void oracle_init(struct peer *p, unsigned int i);
void oracle_assigned(struct peer *p);
void oracle_assigned_all(void);
void oracle_own(struct peer *p, const uint8_t *data, uint32_t len);
void oracle_own_fin(struct peer *p);
void oracle_in(struct peer *p, const uint8_t *data, uint32_t len);
void oracle_check_sessions(void);

/* proxy_clock.c */
bool proxy_idle(void);
void jump_until(uint64_t ms, bool (*done)(void));
void jump(uint64_t ms);

/* proxy_books.c */
unsigned int live_gens(struct proxy_gen **gens);
void mgmt_turn(void);
void worker_sync(void);
void check_books(void);
void check_reclaimed(const char *when);

#endif /* FUZZ_PROXY_H */
