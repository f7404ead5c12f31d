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

/* lower-case hex without 0x, at least WIDTH digits (zero-padded) */
static inline char *fmt_hexw(char *p, uint64_t v, int width)
{
	static const char digits[] = "0123456789abcdef";
	int n = 1;

	while (n < 16 && v >> (4 * n))
		n++;
	if (n < width)
		n = width;
	for (int i = n - 1; i >= 0; i--)
		*p++ = digits[(v >> (4 * i)) & 0xf];
	return p;
}

/* "0x..." */
static inline char *fmt_hex(char *p, uint64_t v)
{
	*p++ = '0';
	*p++ = 'x';
	return fmt_hexw(p, v, 1);
}

#endif
