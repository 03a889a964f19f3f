/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers and SYN cookies: see tcp_isn.h.
 *
 * SYN cookie layout (Linux's scheme, the MSS index authenticated):
 *
 *   count  = now_s / 64
 *   cookie = H1(tuple) + peer_isn + (count << 24)
 *          + (((H2(tuple, count, idx) << 3) | idx) & 0xFFFFFF)
 *
 * H1, H2: SipHash-2-4 with the cookie key over inputs that start with
 * different domain bytes, low 32 bits. H1 + peer_isn hides the counter and
 * the index from onlookers and binds the peer's ISN; the top byte carries
 * the counter mod 2^8; the low 24 bits carry the MSS index in clear and 21
 * bits of a MAC over the tuple, the full counter and the index.
 *
 * The check subtracts H1 + peer_isn, takes the counter byte and the index,
 * rebuilds the full counter from the current one (at most 2 behind, mod 2^8
 * wrap handled) and recomputes the cookie: accepted only if equal. Linux adds
 * the index to H2 instead, so flipping one of the low 3 bits of a valid
 * cookie yields another valid cookie with a different MSS; here any change
 * must defeat a 21-bit MAC.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <rte_common.h>

#include "tcp_isn.h"

#define COOKIE_PERIOD_S 64 /* seconds per counter tick */
#define COOKIE_MAX_AGE 2   /* ticks a cookie stays valid after its own */
#define COOKIE_COUNT_SHIFT 24
#define COOKIE_LOW_MASK ((UINT32_C(1) << COOKIE_COUNT_SHIFT) - 1)
#define COOKIE_IDX_BITS 3
#define COOKIE_IDX_MASK ((UINT32_C(1) << COOKIE_IDX_BITS) - 1)

/* Domain bytes: H1 and H2 never hash the same input. */
#define DOM_H1 1
#define DOM_H2 2

#define TUPLE_LEN 12

/*
 * What the cookie can say: 536 (RFC 9293 default, IPv4 minimum), 1220 (IPv6
 * minimum), 1300/1400 (tunnels, VPNs), 1440 (PPPoE-like links), 1460
 * (Ethernet), 4312 (4352-byte links), 8960 (9000-byte jumbo frames).
 */
static const uint16_t mss_table[1 << COOKIE_IDX_BITS] = {
	536, 1220, 1300, 1400, 1440, 1460, 4312, 8960,
};

static uint8_t isn_key[16];
static uint8_t cookie_key[16];

static inline uint64_t
rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/* Byte by byte: portable, no alignment needs. */
static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl64(v[2], 32);
}

static inline void
sip_compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
}

uint64_t
tcp_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v[4] = {
		k0 ^ UINT64_C(0x736f6d6570736575),
		k1 ^ UINT64_C(0x646f72616e646f6d),
		k0 ^ UINT64_C(0x6c7967656e657261),
		k1 ^ UINT64_C(0x7465646279746573),
	};
	uint64_t last = (uint64_t)len << 56;
	size_t i, tail;

	for (i = 0; len - i >= 8; i += 8)
		sip_compress(v, load_le64(p + i));
	for (tail = 0; i + tail < len; tail++)
		last |= (uint64_t)p[i + tail] << (8 * tail);
	sip_compress(v, last);
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* A fixed layout: struct padding and field order never reach the hash. */
static size_t
put_tuple(uint8_t *b, const struct tcp_4tuple *t)
{
	memcpy(b, &t->saddr, 4);
	memcpy(b + 4, &t->daddr, 4);
	memcpy(b + 8, &t->sport, 2);
	memcpy(b + 10, &t->dport, 2);
	return TUPLE_LEN;
}

static int
fill_random(uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = getrandom(buf, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* never documented; do not spin */
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tcp_isn_init(void)
{
	uint8_t k[32];
	int rc;

	rc = fill_random(k, sizeof(k));
	if (rc == 0)
		tcp_isn_set_keys(k, k + 16);
	explicit_bzero(k, sizeof(k));
	return rc;
}

void
tcp_isn_set_keys(const uint8_t isn_k[16], const uint8_t cookie_k[16])
{
	memcpy(isn_key, isn_k, sizeof(isn_key));
	memcpy(cookie_key, cookie_k, sizeof(cookie_key));
}

uint32_t
tcp_isn_make(const struct tcp_4tuple *t, uint64_t now_us)
{
	uint8_t b[TUPLE_LEN];

	put_tuple(b, t);
	return (uint32_t)(now_us / 4) + (uint32_t)tcp_siphash24(isn_key, b, sizeof(b));
}

static uint32_t
cookie_h1(const struct tcp_4tuple *t)
{
	uint8_t b[1 + TUPLE_LEN];

	b[0] = DOM_H1;
	put_tuple(b + 1, t);
	return (uint32_t)tcp_siphash24(cookie_key, b, sizeof(b));
}

/* The full 64-bit counter: the cookie keeps only 8 bits, the MAC all 64. */
static uint32_t
cookie_h2(const struct tcp_4tuple *t, uint64_t count, uint32_t idx)
{
	uint8_t b[1 + TUPLE_LEN + sizeof(count) + 1];
	size_t n = 0;

	b[n++] = DOM_H2;
	n += put_tuple(b + n, t);
	memcpy(b + n, &count, sizeof(count));
	n += sizeof(count);
	b[n++] = (uint8_t)idx;
	return (uint32_t)tcp_siphash24(cookie_key, b, n);
}

static uint32_t
cookie_calc(const struct tcp_4tuple *t, uint32_t h1, uint32_t peer_isn, uint64_t count,
		uint32_t idx)
{
	uint32_t low = (cookie_h2(t, count, idx) << COOKIE_IDX_BITS) | idx;

	return h1 + peer_isn + (uint32_t)(count << COOKIE_COUNT_SHIFT) + (low & COOKIE_LOW_MASK);
}

/* Largest table value <= peer_mss; the smallest one for less or none. */
static uint32_t
mss_to_idx(uint16_t peer_mss)
{
	uint32_t i;

	for (i = RTE_DIM(mss_table) - 1; i > 0; i--)
		if (peer_mss >= mss_table[i])
			break;
	return i;
}

uint32_t
tcp_syncookie_make(const struct tcp_4tuple *t, uint32_t peer_isn, uint16_t peer_mss,
		uint64_t now_s)
{
	return cookie_calc(t, cookie_h1(t), peer_isn, now_s / COOKIE_PERIOD_S,
			mss_to_idx(peer_mss));
}

uint16_t
tcp_syncookie_check(const struct tcp_4tuple *t, uint32_t peer_isn, uint32_t cookie,
		uint64_t now_s)
{
	uint64_t now_count = now_s / COOKIE_PERIOD_S;
	uint32_t h1 = cookie_h1(t);
	uint32_t v = cookie - h1 - peer_isn;
	uint32_t idx = v & COOKIE_IDX_MASK;
	uint64_t age = (now_count - (v >> COOKIE_COUNT_SHIFT)) & 0xff;

	/* age > now_count: a counter from before time 0, never issued. */
	if (age > COOKIE_MAX_AGE || age > now_count)
		return 0;
	if (cookie_calc(t, h1, peer_isn, now_count - age, idx) != cookie)
		return 0;
	return mss_table[idx];
}
