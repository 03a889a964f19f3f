/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp/isn: initial sequence numbers (RFC 6528) and SYN cookies (RFC 4987).
 *
 * Both use SipHash-2-4 keyed with secrets drawn at start (rte_rand() is not
 * a CSPRNG: the keys come from getrandom(2) at init). ISN = M + F(4-tuple,
 * key), M a 4-microsecond clock. A SYN cookie encodes the MSS (one of 8
 * table values), a 64-second time counter, and a keyed hash of the 4-tuple,
 * the counter and the MSS index, offset by another keyed hash of the 4-tuple
 * and by the peer's ISN; it is valid for the current and the previous two
 * counter values (2 to 3 minutes). The exact layout is in tcp_isn.c.
 *
 * Callers: any worker (keys are read-only after init). The daemon calls
 * tcp_isn_init() once before workers start; until then the keys are zero.
 */
#ifndef TCP_ISN_H
#define TCP_ISN_H

#include <stddef.h>
#include <stdint.h>

/* Addresses and ports in network byte order, as on the wire. */
struct tcp_4tuple {
	uint32_t saddr, daddr; /* peer (source of the SYN), us */
	uint16_t sport, dport;
};

/* Draw the secrets (getrandom); 0 or -errno (keys unchanged on failure). */
int tcp_isn_init(void);
/* Set fixed secrets (tests). */
void tcp_isn_set_keys(const uint8_t isn_key[16], const uint8_t cookie_key[16]);

/* SipHash-2-4 (Aumasson, Bernstein 2012) of data[0..len), 64-bit output. */
uint64_t tcp_siphash24(const uint8_t key[16], const void *data, size_t len);

/* RFC 6528 ISN for a connection, at time now_us (microseconds). */
uint32_t tcp_isn_make(const struct tcp_4tuple *t, uint64_t now_us);

/* The SYN-ACK's sequence number for a SYN with sequence peer_isn and MSS
 * option peer_mss (0 if absent), at time now_s (seconds). The MSS is rounded
 * down to a table value; below 536 (or absent) it becomes 536, as Linux does. */
uint32_t tcp_syncookie_make(const struct tcp_4tuple *t, uint32_t peer_isn, uint16_t peer_mss,
		uint64_t now_s);

/*
 * Check the ACK that completes a cookie handshake: `cookie` is its ack - 1,
 * `peer_isn` its seq - 1. Returns the MSS to use (> 0), or 0 if the cookie is
 * not valid (forged, or older than about two minutes). A random cookie
 * passes with probability about 2^-21 (3/256 * 2^-21 when its time counter
 * is random too).
 */
uint16_t tcp_syncookie_check(const struct tcp_4tuple *t, uint32_t peer_isn, uint32_t cookie,
		uint64_t now_s);

#endif /* TCP_ISN_H */
