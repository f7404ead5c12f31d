// SPDX-License-Identifier: GPL-2.0
/* The kallsyms line parser. See ksyms_line.h for the grammar. */
#include "ksyms_line.h"

#include <string.h>

#include "ksyms.h"

/* A hex digit's value plus one; 0 for any other byte. */
static const unsigned char hex_plus1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* A hex digit's value, or -1. */
static inline int hexval(unsigned char c)
{
	return hex_plus1[c] - 1;
}

/* Eight ASCII hex digits at P (most significant first) into *OUT; false unless all
 * eight are [0-9a-fA-F]. SWAR: per byte, "c >= K" is the top bit of c + (0x80 - K)
 * for c < 0x80, which no carry crosses; the value is (c & 0xf) + 9 for letters. */
static inline bool hex8(const unsigned char *p, uint32_t *out)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t v, l, digit, letter, x;

	memcpy(&v, p, 8);
	if (v & high)
		return false;
	digit = (v + ones * (0x80 - '0')) & ~(v + ones * (0x80 - '9' - 1));
	l = v | ones * 0x20; /* fold case */
	letter = (l + ones * (0x80 - 'a')) & ~(l + ones * (0x80 - 'f' - 1));
	if (((digit | letter) & high) != high)
		return false;
	x = (v & ones * 0x0f) + ((v >> 6) & ones) * 9;
	/* byte i holds digit i; gather them, most significant first */
	x = __builtin_bswap64(x);
	x = (x | (x >> 4)) & 0x00ff00ff00ff00ffULL;
	x = (x | (x >> 8)) & 0x0000ffff0000ffffULL;
	x = (x | (x >> 16)) & 0x00000000ffffffffULL;
	*out = (uint32_t)x;
	return true;
#else
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		if (hexval(p[i]) < 0)
			return false;
		v = v << 4 | (uint32_t)hexval(p[i]);
	}
	*out = v;
	return true;
#endif
}

/* First byte at or after P that cannot be part of a name (the TAB before a module,
 * the newline, or the NUL at the end of the input). Eight bytes at a time, which
 * the KSYMS_LINE_PAD NUL bytes past the input keep inside it. "Some byte < 0x21"
 * and "some byte == 0x7f" are the classic has-less/has-zero tricks; both are exact
 * for their lowest flagged byte, which is all this uses. */
static inline const unsigned char *name_end(const unsigned char *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (;; p += 8) {
		uint64_t v, del, stop;

		memcpy(&v, p, 8);
		del = v ^ 0x7f7f7f7f7f7f7f7fULL;
		stop = ((v - 0x2121212121212121ULL) & ~v) | ((del - 0x0101010101010101ULL) & ~del);
		stop &= 0x8080808080808080ULL;
		if (stop)
			return p + __builtin_ctzll(stop) / 8;
	}
#else
	while (ksym_name_byte(*p))
		p++;
	return p;
#endif
}

/* ADDR and the space after it: the byte after that space, or NULL. Sixteen digits
 * (the 64-bit layout: nearly every line) go 8 at a time, anything else one by one. */
static inline const unsigned char *parse_addr(const unsigned char *p, const unsigned char *end,
					      uint64_t *addr)
{
	uint32_t hi, lo;
	uint64_t v = 0;
	int digits = 0;

	if (end - p > 16 && p[16] == ' ' && hex8(p, &hi) && hex8(p + 8, &lo)) {
		*addr = (uint64_t)hi << 32 | lo;
		return p + 17;
	}
	for (; p < end && hexval(*p) >= 0 && digits <= 16; p++, digits++)
		v = v << 4 | (uint64_t)hexval(*p);
	if (digits == 0 || digits > 16 || p >= end || *p != ' ')
		return NULL;
	*addr = v;
	return p + 1;
}

/* Where the line ends after its last field at Q: past the newline, or at END for
 * the last line of a file without one; NULL if anything else follows. */
static inline const unsigned char *line_end(const unsigned char *q, const unsigned char *end,
					    bool final)
{
	if (q < end)
		return *q == '\n' ? q + 1 : NULL;
	return final ? end : NULL;
}

size_t ksyms_line__parse(const char *line, const char *end_, bool final, struct ksyms_line *out)
{
	const unsigned char *p = (const unsigned char *)line, *end = (const unsigned char *)end_;
	const unsigned char *name, *q, *m, *next;
	uint64_t addr;
	size_t len;

	p = parse_addr(p, end, &addr);
	/* TYPE and its space; past END these read the NUL padding, which fails them */
	if (!p || !ksym_name_byte(p[0]) || p[1] != ' ')
		return 0;
	name = p + 2;
	q = name_end(name); /* at END at the latest: END[0] is NUL */
	len = (size_t)(q - name);
	if (len == 0 || len > KSYMS_NAME_MAX)
		return 0;
	out->mod = NULL;
	out->mod_len = 0;
	if (q < end && *q == '\t') {
		if (q + 1 >= end || q[1] != '[')
			return 0;
		for (m = q + 2; m < end && *m != ']'; m++)
			if (!ksym_name_byte(*m) || *m == '[')
				return 0;
		if (m >= end || m == q + 2)
			return 0;
		out->mod = (const char *)q + 2;
		out->mod_len = (size_t)(m - (q + 2));
		q = m + 1;
	}
	next = line_end(q, end, final);
	if (!next)
		return 0;
	out->addr = addr;
	out->type = (char)p[0];
	out->name = (const char *)name;
	out->name_len = len;
	return (size_t)(next - (const unsigned char *)line);
}
