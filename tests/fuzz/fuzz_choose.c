// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the duplicate menu's answer parser (choose__parse_answer),
 * against a plain reading of what the menu accepts. The first byte picks how
 * many choices the menu offers (1 to 64); the rest, up to a NUL, is the line
 * typed.
 *
 * The menu takes, after trimming blanks: "q" or "quit" (quit); "a" or "all"
 * (every choice); or tokens split by commas and blanks, each a decimal N or a
 * range LO-HI, 1 <= LO <= HI <= choices, shorter than 32 bytes. Anything else is
 * refused with a one-line reason that quotes what was typed safely (no control
 * byte reaches the terminal). Beyond "no crash, no leak", the parser must agree
 * with that reading on the answer and on every choice it selects. */
#define _GNU_SOURCE
#include <ctype.h>

#include "choose.h"
#include "fuzz_common.h"
#include "log.h"

#define MAX_CHOICES 64

static bool sep(char c)
{
	return c == ',' || isspace((unsigned char)c);
}

/* A decimal number of LEN digits at S, at most MAX_CHOICES (anything larger is
 * out of every menu's range, however many digits): *V, or false. */
static bool number(const char *s, size_t len, unsigned long *v)
{
	*v = 0;
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v > MAX_CHOICES ? *v : *v * 10 + (unsigned long)(s[i] - '0');
	}
	return true;
}

/* One token [S, S + LEN) into SEL: false if it is not a choice of the N. */
static bool token(const char *s, size_t len, size_t n, bool *sel)
{
	const char *dash = memchr(s, '-', len);
	unsigned long lo, hi;

	if (len >= 32)
		return false;
	if (!dash) {
		if (!number(s, len, &lo))
			return false;
		hi = lo;
	} else if (!number(s, (size_t)(dash - s), &lo) ||
		   !number(dash + 1, len - (size_t)(dash - s) - 1, &hi)) {
		return false;
	}
	if (lo < 1 || hi < lo || hi > n)
		return false;
	for (unsigned long i = lo; i <= hi; i++)
		sel[i - 1] = true;
	return true;
}

static int plain_reading(const char *line, size_t n, bool *sel)
{
	size_t a = 0, b = strlen(line);
	bool any = false;

	memset(sel, 0, n * sizeof(*sel));
	while (a < b && isspace((unsigned char)line[a]))
		a++;
	while (b > a && isspace((unsigned char)line[b - 1]))
		b--;
	if ((b - a == 1 && (line[a] == 'q' || line[a] == 'Q')) ||
	    (b - a == 4 && strncmp(line + a, "quit", 4) == 0))
		return 0;
	if ((b - a == 1 && (line[a] == 'a' || line[a] == 'A')) ||
	    (b - a == 3 && strncmp(line + a, "all", 3) == 0)) {
		for (size_t i = 0; i < n; i++)
			sel[i] = true;
		return 1;
	}
	while (a < b) {
		size_t e;

		while (a < b && sep(line[a]))
			a++;
		for (e = a; e < b && !sep(line[e]); e++)
			;
		if (e == a)
			break;
		if (!token(line + a, e - a, n, sel))
			return -1;
		any = true;
		a = e;
	}
	return any ? 1 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool sel[MAX_CHOICES], want[MAX_CHOICES];
	char err[128], *line;
	size_t n;
	int r, w;

	if (size == 0)
		return 0;
	n = 1 + data[0] % MAX_CHOICES;
	line = strndup((const char *)data + 1, size - 1);
	CHECK(line);
	memset(err, 0, sizeof(err));
	r = choose__parse_answer(line, n, sel, err, sizeof(err));
	w = plain_reading(line, n, want);
	CHECK(r == w);
	if (r == 1)
		CHECK(memcmp(sel, want, n * sizeof(*sel)) == 0);
	if (r < 0) {
		/* one line, whole, and nothing in it a terminal would act on */
		CHECK(message_ok(err, sizeof(err)));
		CHECK(log_safe_span(err) == strlen(err));
	}
	free(line);
	return 0;
}
