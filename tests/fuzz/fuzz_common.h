/* SPDX-License-Identifier: GPL-2.0 */
/* What the fuzz targets share: loading a table from bytes through the loader's
 * own file path, and a check that aborts (a finding) with the failed condition. */
#ifndef KSYMTRACE_FUZZ_COMMON_H
#define KSYMTRACE_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

/* An invariant of the table or the grammar: its failure is a bug, like a crash. */
#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                               \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A reason from spec__parse or spec__resolve is one line, and whole: it never
 * fills the buffer, so the cause and the fix at its end are never cut off. */
static inline bool message_ok(const char *err, size_t errlen)
{
	size_t len = strnlen(err, errlen);

	return len > 0 && len < errlen - 1 && !memchr(err, '\n', len);
}

/* Load DATA as a kallsyms file. The bytes go into a memfd and reach ksyms__load
 * either as a stream (opts.stream, what "-k -" uses) or by path (what "-k FILE"
 * uses), so the fuzzer runs the real read path, not a copy of it. */
struct ksyms *fuzz_load(const uint8_t *data, size_t size, bool by_path, bool allow_zero,
			struct ksyms_load_result *res);

#endif
