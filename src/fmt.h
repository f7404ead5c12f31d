/* SPDX-License-Identifier: GPL-2.0 */
/* Numbers into a character buffer, for the printers that run once per event:
 * printf parses its format and pads through stdio on every call, and that was
 * most of an event's cost (scripts/bench-events.sh). Each function writes at P,
 * which must have room (FMT_U64_MAX bytes for a number), and returns the end.
 * No NUL is written. */
#ifndef KSYMTRACE_FMT_H
#define KSYMTRACE_FMT_H

#include <stdint.h>
#include <string.h>

#define FMT_U64_MAX 20 /* 18446744073709551615; 16 hex digits */

static inline char *fmt_str(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* decimal, at least WIDTH digits (zero-padded) */
static inline char *fmt_u64w(char *p, uint64_t v, int width)
{
	char tmp[FMT_U64_MAX];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width && n < FMT_U64_MAX)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *fmt_u64(char *p, uint64_t v)
{
	return fmt_u64w(p, v, 1);
}

/* lower-case hex without 0x, at least WIDTH digits (zero-padded, 16 at most),
 * two digits (a byte) at a time */
static inline char *fmt_hexw(char *p, uint64_t v, int width)
{
	static const char pairs[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	int n = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
	char *end, *o;

	if (n < width)
		n = width < 16 ? width : 16;
	end = o = p + n;
	while (o - p >= 2) {
		o -= 2;
		memcpy(o, pairs + 2 * (v & 0xff), 2);
		v >>= 8;
	}
	if (o > p)
		*--o = pairs[2 * (v & 0xf) + 1];
	return end;
}

/* "0x..." */
static inline char *fmt_hex(char *p, uint64_t v)
{
	*p++ = '0';
	*p++ = 'x';
	return fmt_hexw(p, v, 1);
}

#endif
