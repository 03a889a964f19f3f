/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp: per-lcore state of the TCP stack, embedded in struct sl_lcore. */
#ifndef SL_TCP_TYPES_H
#define SL_TCP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_core_types.h"

#define SL_TCP_LISTENERS_MAX 32

/* Every segment handed to tcp ends in one of the leaf counters marked (*). */
#define SL_TCP_COUNTERS(X) \
	X(rx_segments, "segments received") \
	X(rx_bad_header, "(*) dropped: shorter than the header or bad data offset") \
	X(rx_bad_cksum, "(*) dropped: checksum wrong") \
	X(rx_bad_options, "options with bad lengths (parsing stopped, segment kept)") \
	X(rx_no_conn, "(*) no connection or listener: answered with RST unless RST") \
	X(rx_listen, "(*) handled by a listener (SYN, cookie ACK, or dropped there)") \
	X(rx_conn, "(*) handled by a connection") \
	X(rx_handoff, "(*) handed to the lcore that owns the connection") \
	X(rx_handoff_full, "(*) dropped: hand-off ring full") \
	X(rst_sent, "RSTs sent") \
	X(rst_limited, "RSTs not sent: rate limit") \
	X(syn_rcvd, "SYNs received by listeners") \
	X(syn_backlog_full, "SYNs over the backlog: answered with a cookie or dropped") \
	X(syncookies_sent, "SYN-ACKs carrying a SYN cookie") \
	X(syncookies_ok, "connections established from a valid cookie") \
	X(syncookies_bad, "ACKs to a listener with an invalid cookie") \
	X(listen_drops, "dropped at a listener: connection limit or no memory") \
	X(accepted, "passive opens established") \
	X(connects, "active opens started") \
	X(connected, "active opens established") \
	X(connect_failed, "active opens failed (reset, timeout, no route)") \
	X(conn_alloc_fail, "no connection object: limit reached") \
	X(rst_rcvd, "valid RSTs that reset a connection") \
	X(rst_challenge, "challenge ACKs for in-window RSTs (RFC 5961 3)") \
	X(rst_bad, "RSTs outside the window, ignored") \
	X(syn_challenge, "challenge ACKs for SYNs on a synchronised connection (RFC 5961 4)") \
	X(ack_challenge, "challenge ACKs for ACKs outside the acceptable range (RFC 5961 5)") \
	X(ack_too_new, "dropped: ACK of data not sent") \
	X(seg_out_of_window, "segments not acceptable for the receive window (ACKed)") \
	X(seg_trimmed, "segments trimmed to the window") \
	X(paws_drops, "segments dropped by PAWS (RFC 7323)") \
	X(dup_data, "segments whose data was already received") \
	X(ooo_queued, "out-of-order segments queued") \
	X(ooo_dropped, "out-of-order segments dropped: queue full") \
	X(bytes_in, "payload bytes delivered in order") \
	X(bytes_out, "payload bytes sent, first transmissions") \
	X(segs_out, "segments sent") \
	X(retransmits, "segments retransmitted") \
	X(rto, "retransmission timeouts") \
	X(fast_retransmits, "fast retransmits (dupacks or SACK)") \
	X(recoveries, "fast recoveries entered") \
	X(zero_window_probes, "zero-window probes sent") \
	X(delayed_acks, "delayed ACKs sent by timer") \
	X(window_updates, "window updates sent after the application read") \
	X(keepalives, "keepalive probes sent") \
	X(timeouts, "connections dropped: retries, keepalive, idle or user timeout") \
	X(time_wait, "connections entering TIME_WAIT") \
	X(time_wait_recycled, "TIME_WAIT entries recycled: table full, or no connection object left") \
	X(time_wait_reused, "TIME_WAIT entries reused: by a new SYN (RFC 6191), or by an active open (timestamps, 1 s old)") \
	X(closed, "connections closed") \
	X(no_mbuf, "segments not built: no mbuf") \
	X(mem_drops, "payload dropped: the mbuf pool is nearly empty (window closed)")

struct sl_tcp_stats {
	SL_TCP_COUNTERS(SL_COUNTER_FIELD)
};

struct rte_hash;
struct rte_ring;
struct tcp_conn;

struct sl_tcp_lcore {
	struct sl_tcp_stats stats;
	struct rte_hash *conns;       /* 4-tuple -> struct tcp_conn */
	struct rte_ring *handoff;     /* segments of our flows received by others */
	uint64_t open;                /* gauge: connections in the table */
	uint64_t time_waits;          /* gauge: of which in TIME_WAIT */
	struct tcp_conn *tw_oldest;   /* TIME_WAIT FIFO, for recycling */
	struct tcp_conn *tw_newest;
	uint32_t half_open[SL_TCP_LISTENERS_MAX];
	uint64_t rst_tokens, rst_refill;
	uint16_t next_port;           /* ephemeral port cursor */
	bool mem_low;                 /* mbuf pool below its low watermark */
	uint32_t win_cap;             /* receive window any one connection may offer */
	uint32_t polls;
};

#endif /* SL_TCP_TYPES_H */
