// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int log_level = LOG_NORMAL;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* one fprintf per line keeps lines whole when stderr is shared; room for a
	 * spec message (SPEC_ERR_LEN) and a path (PATH_MAX) */
	char line[8192];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s%s\n", prefix, line);
}

#define DEFINE_LOG(fn, min, prefix)                 \
	void fn(const char *fmt, ...)               \
	{                                           \
		va_list ap;                         \
		if (log_level < (min))              \
			return;                     \
		va_start(ap, fmt);                  \
		vlog(prefix, fmt, ap);              \
		va_end(ap);                         \
	}

/* the one place the program's name is spelled in front of a message */
#define PREFIX "ksymtrace: "

DEFINE_LOG(log_error, LOG_QUIET, PREFIX)
DEFINE_LOG(log_hint, LOG_QUIET, "HINT: ")
DEFINE_LOG(log_warn, LOG_NORMAL, PREFIX "warning: ")
DEFINE_LOG(log_note, LOG_NORMAL, PREFIX)
DEFINE_LOG(log_info, LOG_NORMAL, "")
DEFINE_LOG(log_verbose, LOG_VERBOSE, PREFIX)

/* ---- quoting ---------------------------------------------------------------- */

/* The length of the character at P if a message may show it as it is, else 0.
 * Unsafe are the controls a terminal acts on: C0 (newline, ESC...), DEL, and C1
 * (0x80..0x9f: 0x9b is CSI to a terminal in 8-bit mode), whether as a raw byte
 * or encoded in UTF-8 (U+0080..U+009F). Safe are printable ASCII, well-formed
 * UTF-8 (no overlong form, no surrogate, at most U+10FFFF), and any other byte
 * from 0xa0 up on its own: printable Latin-1, or a replacement character to a
 * UTF-8 terminal (kallsyms names may hold such bytes, and stay nameable). */
static size_t safe_char(const unsigned char *p)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (*p >= 0x20 && *p < 0x7f)
		return 1;
	if (*p < 0xa0 || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
		return 0;
	if (*p >= 0xc2 && *p <= 0xdf) {
		n = 2;
	} else if (*p >= 0xe0 && *p <= 0xef) {
		n = 3;
		if (*p == 0xe0)
			lo = 0xa0;
		else if (*p == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (*p >= 0xf0 && *p <= 0xf4) {
		n = 4;
		if (*p == 0xf0)
			lo = 0x90;
		else if (*p == 0xf4)
			hi = 0x8f;
	} else {
		return 1; /* a byte on its own */
	}
	if (p[1] < lo || p[1] > hi)
		return 1;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 1;
	return n;
}

size_t log_safe_span(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n, len = 0;

	while (p[len] && (n = safe_char(p + len)))
		len += n;
	return len;
}

/* The text log_quote() writes for the character at P: its bytes, or an escape
 * in ESC. *STEP gets how many bytes of P it stands for. */
static const char *quoted_char(const unsigned char *p, char esc[8], size_t *len, size_t *step)
{
	size_t n = *p == '\\' ? 0 : safe_char(p);

	*step = n ? n : 1;
	*len = n;
	if (n)
		return (const char *)p;
	*len = (size_t)snprintf(esc, 8, *p == '\\' ? "\\\\" : "\\x%02x", *p);
	return esc;
}

const char *log_quote(char *buf, size_t len, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t w = 0, need = 0, k, step;
	char esc[8];
	bool cut;

	if (!len)
		return buf;
	for (const unsigned char *q = p; *q; q += step) {
		quoted_char(q, esc, &k, &step);
		need += k;
	}
	cut = need >= len;
	buf[0] = '\0';
	for (; *p; p += step) {
		const char *one = quoted_char(p, esc, &k, &step);

		/* when it does not all fit, keep room for "..." */
		if (cut && w + k + 4 > len) {
			snprintf(buf + w, len - w, "...");
			break;
		}
		memcpy(buf + w, one, k);
		w += k;
		buf[w] = '\0';
	}
	return buf;
}
