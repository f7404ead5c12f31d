/* SPDX-License-Identifier: GPL-2.0 */
/* What the fuzz targets share: loading a table from bytes through the loader's
 * own file path, and a check that aborts (a finding) with the failed condition. */
#ifndef KSYMTRACE_FUZZ_COMMON_H
#define KSYMTRACE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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

/* Load DATA as a kallsyms file. The bytes go into a memfd and reach ksyms__load
 * either as a stream (opts.stream, what "-k -" uses) or by path (what "-k FILE"
 * uses), so the fuzzer runs the real read path, not a copy of it. */
struct ksyms *fuzz_load(const uint8_t *data, size_t size, bool by_path, bool allow_zero,
			struct ksyms_load_result *res);

#endif
