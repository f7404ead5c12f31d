/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled messages to stderr. Data goes to stdout, never through here. */
#ifndef KSYMTRACE_LOG_H
#define KSYMTRACE_LOG_H

#include <stddef.h>

enum log_level {
	LOG_QUIET = -1, /* -q: errors only */
	LOG_NORMAL = 0, /* errors, warnings, notes */
	LOG_VERBOSE = 1,/* -v: what ksymtrace decided and why */
	LOG_DEBUG = 2,  /* -vv: libbpf's own messages too */
};

extern int log_level;

/* "ksymtrace: <msg>" — one line naming the cause and, where there is one, the fix */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ksymtrace: warning: <msg>" */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "HINT: <msg>", after an error */
void log_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ksymtrace: <msg>": what ksymtrace did or decided, silenced by -q */
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<msg>" as is: a continuation line of a note or warning, silenced by -q */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "ksymtrace: <msg>" with -v */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- quoting what came from outside ---------------------------------------------
 * A message quotes what the user typed or a file held: a newline there would split
 * the message, an escape sequence would reach the terminal as a command. */

/* How many leading bytes of TEXT a message may show as they are: up to the first
 * control character a terminal would act on, C0 (newline, ESC...), DEL or C1
 * (0x80..0x9f, raw or as UTF-8: 0x9b is CSI). Other high bytes pass: UTF-8, or
 * a byte of another encoding that a terminal shows as a character. */
size_t log_safe_span(const char *text);

/* TEXT for a message: what log_safe_span() passes as is, '\' as "\\", and every
 * other byte as "\xNN"; cut with "..." to fit LEN. Returns BUF. */
const char *log_quote(char *buf, size_t len, const char *text);
/* Room for a quoted path or argument: longer ones are cut. */
#define LOG_QUOTE_MAX 1024

#endif
