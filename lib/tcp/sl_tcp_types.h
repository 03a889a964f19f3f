/* SPDX-License-Identifier: BSD-3-Clause */
/* tcp: per-lcore state of the TCP stack, embedded in struct sl_lcore. */
#ifndef SL_TCP_TYPES_H
#define SL_TCP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_core_types.h"

#define SL_TCP_LISTENERS_MAX 32
/* Connections whose output waits for the end of a received burst. */
#define SL_TCP_OUT_PENDING_MAX 64

/* Every segment handed to tcp ends in exactly one leaf of partition 1:
 * rx_segments is the sum of the SL_CTR_LEAF(1) counters. */
#define SL_TCP_COUNTERS(X) \
	X(rx_segments, SL_CTR_ROOT(1), "segments received") \
	X(rx_bad_header, SL_CTR_LEAF(1) | SL_CTR_DROP, "dropped: shorter than the header or bad data offset") \
	X(rx_bad_cksum, SL_CTR_LEAF(1) | SL_CTR_DROP, "dropped: checksum wrong") \
	X(rx_bad_options, 0, "options with bad lengths (parsing stopped, segment kept)") \
	X(rx_no_conn, SL_CTR_LEAF(1), "no connection or listener: answered with RST unless RST") \
	X(rx_listen, SL_CTR_LEAF(1), "handled by a listener (SYN, cookie ACK, or dropped there)") \
	X(rx_conn, SL_CTR_LEAF(1), "handled by a connection") \
	X(rx_handoff, SL_CTR_LEAF(1), "handed to the lcore that owns the connection") \
	X(rx_handoff_full, SL_CTR_LEAF(1) | SL_CTR_DROP, "dropped: hand-off ring full") \
	X(rst_sent, 0, "RSTs sent") \
	X(rst_limited, 0, "RSTs not sent: rate limit") \
	X(syn_rcvd, 0, "SYNs received by listeners") \
	X(syn_backlog_full, 0, "SYNs over the backlog: answered with a cookie or dropped") \
	X(syncookies_sent, 0, "SYN-ACKs carrying a SYN cookie") \
	X(syncookies_ok, 0, "connections established from a valid cookie") \
	X(syncookies_bad, 0, "ACKs to a listener with an invalid cookie") \
	X(listen_drops, 0, "dropped at a listener: connection limit or no memory") \
	X(accepted, 0, "passive opens established") \
	X(connects, 0, "active opens started") \
	X(connected, 0, "active opens established") \
	X(connect_failed, 0, "active opens failed (reset, timeout, no route)") \
	X(conn_alloc_fail, 0, "no connection object: limit reached") \
	X(rst_rcvd, 0, "valid RSTs that reset a connection") \
	X(rst_challenge, 0, "challenge ACKs for in-window RSTs (RFC 5961 3)") \
	X(challenge_limited, 0, "challenge ACKs not sent: rate limit (RFC 5961 7)") \
	X(rst_bad, 0, "RSTs outside the window, ignored") \
	X(syn_challenge, 0, "challenge ACKs for SYNs on a synchronised connection (RFC 5961 4)") \
	X(ack_challenge, 0, "challenge ACKs for ACKs outside the acceptable range (RFC 5961 5)") \
	X(ack_too_new, SL_CTR_DROP, "dropped: ACK of data not sent") \
	X(seg_out_of_window, 0, "segments not acceptable for the receive window (ACKed)") \
	X(seg_trimmed, 0, "segments trimmed to the window") \
	X(paws_drops, 0, "segments dropped by PAWS (RFC 7323)") \
	X(dup_data, 0, "segments whose data was already received") \
	X(ooo_queued, 0, "out-of-order segments queued") \
	X(ooo_dropped, SL_CTR_DROP, "out-of-order segments dropped: queue full") \
	X(bytes_in, 0, "payload bytes delivered in order") \
	X(bytes_out, 0, "payload bytes sent, first transmissions") \
	X(segs_out, 0, "segments sent") \
	X(tso_sends, 0, "sends of several segments at once, cut by the port (TSO)") \
	X(retransmits, 0, "segments retransmitted") \
	X(rto, 0, "retransmission timeouts") \
	X(fast_retransmits, 0, "fast retransmits (dupacks or SACK)") \
	X(recoveries, 0, "fast recoveries entered") \
	X(lost_retransmits, 0, "retransmissions found lost (data sent after them was SACKed) and sent again") \
	X(tlp_probes, 0, "tail-loss probes sent (RFC 8985)") \
	X(tlp_recoveries, 0, "recoveries a tail-loss probe started") \
	X(rack_timeouts, 0, "recoveries started when the probe timeout found SACKed data above a hole") \
	X(recovery_probes, 0, "first holes resent in recovery when no ACK came for a probe timeout") \
	X(zero_window_probes, 0, "zero-window probes sent") \
	X(delayed_acks, 0, "delayed ACKs sent by timer") \
	X(window_updates, 0, "window updates sent after the application read") \
	X(keepalives, 0, "keepalive probes sent") \
	X(timeouts, SL_CTR_DROP, "connections dropped: retries, keepalive, idle or user timeout") \
	X(time_wait, 0, "connections entering TIME_WAIT") \
	X(time_wait_recycled, 0, "TIME_WAIT entries recycled: table full, or no connection object left") \
	X(time_wait_reused, 0, "TIME_WAIT entries reused: by a new SYN (RFC 6191), or by an active open (timestamps, 1 s old)") \
	X(closed, 0, "connections closed") \
	X(no_mbuf, 0, "segments not built: no mbuf") \
	X(mem_drops, SL_CTR_DROP, "payload dropped: the mbuf pool is nearly empty (window closed)") \
	X(mem_low, 0, "times the free mbufs fell to the reserve kept for receiving ACKs") \
	X(win_capped, 0, "times the free mbufs came to cap windows below rcvbuf")

struct sl_tcp_stats {
	SL_TCP_COUNTERS(SL_COUNTER_FIELD)
};

/* Gauges, exported as connections_open and connections_time_wait. */
#define SL_TCP_GAUGES(X) \
	X(open, 0, "connections in the table (TIME_WAIT included)") \
	X(time_wait, 0, "connections in TIME_WAIT")

struct sl_tcp_gauges {
	SL_TCP_GAUGES(SL_COUNTER_FIELD)
};

/* A token bucket: a rate per second with a burst of a tenth of it. */
struct sl_tcp_rate {
	uint64_t tokens;
	uint64_t refill; /* TSC of the last refill */
};

struct rte_hash;
struct rte_ring;
struct tcp_conn;

struct sl_tcp_lcore {
	struct sl_tcp_stats stats;
	struct rte_hash *conns;       /* 4-tuple -> struct tcp_conn */
	struct tcp_conn *last_conn;   /* the last one looked up (NULL once destroyed) */
	bool in_burst;                /* a received burst is being processed */
	uint16_t n_out_pending;       /* connections given data in this burst */
	struct tcp_conn *out_pending[SL_TCP_OUT_PENDING_MAX];
	struct rte_ring *handoff;     /* segments of our flows received by others */
	struct sl_tcp_gauges gauges;
	struct tcp_conn *tw_oldest;   /* TIME_WAIT FIFO, for recycling */
	struct tcp_conn *tw_newest;
	uint32_t half_open[SL_TCP_LISTENERS_MAX];
	struct sl_tcp_rate rst_rate;       /* RSTs without a connection */
	struct sl_tcp_rate challenge_rate; /* challenge ACKs (RFC 5961 7) */
	uint16_t next_port;           /* ephemeral port cursor */
	bool mem_low;                 /* mbuf pool below its low watermark */
	uint32_t win_cap;             /* receive window any one connection may offer */
	uint32_t polls;
};

#endif /* SL_TCP_TYPES_H */
