// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

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
