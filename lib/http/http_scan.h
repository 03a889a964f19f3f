/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * http/scan: find the end of a run of valid bytes in a request target, a
 * field value or a reason phrase, 16 bytes at a time with SSE2 where the
 * build allows it (every x86-64; SSE2 compares and a movemask beat SSE4.2's
 * pcmpestri here) and a scalar loop elsewhere and for the tail; and of a
 * token (a method, a field name), whose scattered byte set takes SSSE3's
 * nibble lookups. Both variants are exposed so that the unit test can
 * compare them.
 *
 * Callers: the parser (any lcore). Owns: nothing.
 */
#ifndef HTTP_SCAN_H
#define HTTP_SCAN_H

#include <stdint.h>

#if defined(__SSE2__) && !defined(SL_HTTP_NO_SIMD)
#include <emmintrin.h>
#define HTTP_SCAN_SIMD 1
#endif
#if defined(__SSSE3__) && !defined(SL_HTTP_NO_SIMD)
#include <tmmintrin.h>
#define HTTP_SCAN_TCHAR_SIMD 1
#endif

/* tchar (RFC 9110 5.6.2); defined in http_parse.c */
extern const uint8_t http_tchar[256];

/* Target bytes: VCHAR only (0x21..0x7e). */
static inline int
http_target_ok(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

/* Field value and reason bytes: HTAB, SP, VCHAR, obs-text. */
static inline int
http_value_ok(uint8_t c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

static inline uint32_t
http_scan_target_scalar(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && http_target_ok(s[i]))
		i++;
	return i;
}

static inline uint32_t
http_scan_value_scalar(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && http_value_ok(s[i]))
		i++;
	return i;
}

static inline uint32_t
http_scan_tchar_scalar(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && http_tchar[s[i]])
		i++;
	return i;
}

/* Index of the first byte of s[0..n) that is not a tchar, or n. */
static inline uint32_t
http_scan_tchar(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

#ifdef HTTP_SCAN_TCHAR_SIMD
	/*
	 * Byte b is a tchar iff bit (b >> 4) of by_low[b & 15] is set (the
	 * table is http_tchar folded by nibble); bit_of_high maps b >> 4 to
	 * that bit, and to none from 8 up, as no tchar is above 0x7f.
	 */
	const __m128i by_low = _mm_setr_epi8((char)0xe8, (char)0xfc, (char)0xf8, (char)0xfc,
		(char)0xfc, (char)0xfc, (char)0xfc, (char)0xfc, (char)0xf8, (char)0xf8, (char)0xf4,
		0x54, (char)0xd0, 0x54, (char)0xf4, 0x70);
	const __m128i bit_of_high =
		_mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m128i nibble = _mm_set1_epi8(0x0f), zero = _mm_setzero_si128();

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i lo = _mm_shuffle_epi8(by_low, _mm_and_si128(x, nibble));
		__m128i hi = _mm_shuffle_epi8(
			bit_of_high, _mm_and_si128(_mm_srli_epi16(x, 4), nibble));
		unsigned int m = (unsigned int)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_and_si128(lo, hi), zero));

		if (m != 0)
			return i + (uint32_t)__builtin_ctz(m);
	}
#endif
	return i + http_scan_tchar_scalar(s + i, n - i);
}

/* Index of the first byte of s[0..n) that is not a target byte, or n. */
static inline uint32_t
http_scan_target(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

#ifdef HTTP_SCAN_SIMD
	const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i lo = _mm_cmpeq_epi8(_mm_min_epu8(x, sp), x);  /* x <= 0x20 */
		__m128i hi = _mm_cmpeq_epi8(_mm_max_epu8(x, del), x); /* x >= 0x7f */
		unsigned int m = (unsigned int)_mm_movemask_epi8(_mm_or_si128(lo, hi));

		if (m != 0)
			return i + (uint32_t)__builtin_ctz(m);
	}
#endif
	return i + http_scan_target_scalar(s + i, n - i);
}

/* Index of the first byte of s[0..n) that is not a value byte, or n. */
static inline uint32_t
http_scan_value(const uint8_t *s, uint32_t n)
{
	uint32_t i = 0;

#ifdef HTTP_SCAN_SIMD
	const __m128i c1f = _mm_set1_epi8(0x1f), tab = _mm_set1_epi8('\t'),
		      del = _mm_set1_epi8(0x7f);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, c1f), x); /* x <= 0x1f */
		__m128i bad = _mm_or_si128(
			_mm_andnot_si128(_mm_cmpeq_epi8(x, tab), ctl), _mm_cmpeq_epi8(x, del));
		unsigned int m = (unsigned int)_mm_movemask_epi8(bad);

		if (m != 0)
			return i + (uint32_t)__builtin_ctz(m);
	}
#endif
	return i + http_scan_value_scalar(s + i, n - i);
}

#endif /* HTTP_SCAN_H */
