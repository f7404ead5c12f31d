// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as the lines of a kallsyms file -> ksyms_line__parse,
 * held to a second, plain reading of the grammar in ksyms_line.h.
 *
 * The table has one line parser, whose 16-digit path and byte-at-a-time path
 * must accept exactly the same lines. Here every line of the input goes through
 * it and through ref_parse() below, written rule by rule from the grammar with
 * no speed in mind: both must accept or refuse it, and agree on the address,
 * type, name and module. The parser also sees the lines after the one it parses
 * (it must stop at the newline), and every line again cut short inside a chunk
 * (it must wait for the rest, never take a part). Inputs sit in buffers of
 * exactly their size plus the promised KSYMS_LINE_PAD NULs, so ASan reports any
 * read beyond them. */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz_common.h"
#include "ksyms_line.h"

static bool is_name_byte(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* LINE (LEN bytes, its newline not included) by the grammar, rule by rule. */
static bool ref_parse(const unsigned char *line, size_t len, struct ksyms_line *out)
{
	size_t i = 0, digits = 0, start;
	uint64_t addr = 0;

	/* ADDR: 1 to 16 hex digits, then a space */
	for (; i < len && hex_digit(line[i]) >= 0; i++) {
		if (++digits > 16)
			return false;
		addr = addr << 4 | (uint64_t)hex_digit(line[i]);
	}
	if (digits == 0 || i >= len || line[i] != ' ')
		return false;
	i++;
	/* TYPE: one name byte, then a space */
	if (i >= len || !is_name_byte(line[i]))
		return false;
	out->type = (char)line[i++];
	if (i >= len || line[i] != ' ')
		return false;
	i++;
	/* NAME: 1 to KSYMS_NAME_MAX name bytes */
	for (start = i; i < len && is_name_byte(line[i]); i++)
		;
	if (i == start || i - start > KSYMS_NAME_MAX)
		return false;
	out->addr = addr;
	out->name = (const char *)line + start;
	out->name_len = i - start;
	out->mod = NULL;
	out->mod_len = 0;
	if (i == len)
		return true;
	/* TAB [ MOD ]: 1 or more name bytes other than the brackets, and the end */
	if (line[i] != '\t' || i + 1 >= len || line[i + 1] != '[')
		return false;
	for (i += 2, start = i; i < len && is_name_byte(line[i]) && line[i] != '[' && line[i] != ']'; i++)
		;
	if (i == start || i + 1 != len || line[i] != ']')
		return false;
	out->mod = (const char *)line + start;
	out->mod_len = i - start;
	return true;
}

/* BYTES (LEN) in a buffer of exactly LEN + KSYMS_LINE_PAD, the pad NUL. */
static char *padded(const uint8_t *bytes, size_t len)
{
	char *b = malloc(len + KSYMS_LINE_PAD);

	CHECK(b);
	memcpy(b, bytes, len);
	memset(b + len, 0, KSYMS_LINE_PAD);
	return b;
}

static void check_same(const struct ksyms_line *a, const char *base_a, const struct ksyms_line *b,
		       const char *base_b)
{
	CHECK(a->addr == b->addr && a->type == b->type);
	CHECK(a->name - base_a == b->name - base_b && a->name_len == b->name_len);
	CHECK(!a->mod == !b->mod);
	if (a->mod)
		CHECK(a->mod - base_a == b->mod - base_b && a->mod_len == b->mod_len);
}

/* About eight places to cut a line of LEN bytes, its end among them. */
static size_t next_cut(size_t cut, size_t len)
{
	size_t step = 1 + len / 7;

	return cut < len && cut + step > len ? len : cut + step;
}

/* The line at DATA[at..] (through its newline, or to the end of the input). */
static void check_line(const uint8_t *data, size_t size, size_t at, const char *whole)
{
	const uint8_t *nl = memchr(data + at, '\n', size - at);
	size_t len = (nl ? (size_t)(nl - data) : size) - at;
	struct ksyms_line got, want;
	bool ok = ref_parse(data + at, len, &want);
	size_t used;

	/* in the whole file, the lines after it in view */
	used = ksyms_line__parse(whole + at, whole + size, true, &got);
	CHECK(used == (ok ? len + (nl != NULL) : 0));
	if (ok)
		check_same(&got, whole, &want, (const char *)data);

	/* cut short inside a chunk, more to come: never taken */
	for (size_t cut = 0; cut <= len; cut = next_cut(cut, len)) {
		char *part = padded(data + at, cut);

		CHECK(ksyms_line__parse(part, part + cut, false, &got) == 0);
		free(part);
	}
	/* at the end of the file, a line without its newline is whole */
	{
		char *part = padded(data + at, len);

		used = ksyms_line__parse(part, part + len, true, &got);
		CHECK(used == (ok ? len : 0));
		if (ok)
			check_same(&got, part, &want, (const char *)data + at);
		free(part);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *whole = padded(data, size);

	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);

		check_line(data, size, at, whole);
		at = nl ? (size_t)(nl - data) + 1 : size;
	}
	free(whole);
	return 0;
}
