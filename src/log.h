/* SPDX-License-Identifier: GPL-2.0 */
/* Leveled messages to stderr. Data goes to stdout, never through here. */
#ifndef KSYMTRACE_LOG_H
#define KSYMTRACE_LOG_H

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

#endif
