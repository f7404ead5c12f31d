/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal assertion kit for the unit tests: each failed check prints where and
 * what, the test binary exits non-zero if any failed, CTest reports it. */
#ifndef KSYMTRACE_CHECK_H
#define KSYMTRACE_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures, check_count;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		check_count++;                                                       \
		if (!(cond)) {                                                       \
			check_failures++;                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		}                                                                    \
	} while (0)

#define CHECK_U64(a, b)                                                              \
	do {                                                                         \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                     \
		check_count++;                                                       \
		if (_a != _b) {                                                      \
			check_failures++;                                            \
			fprintf(stderr, "%s:%d: %s == 0x%" PRIx64 ", expected 0x%" PRIx64 "\n", \
				__FILE__, __LINE__, #a, _a, _b);                     \
		}                                                                    \
	} while (0)

#define CHECK_STR(a, b)                                                              \
	do {                                                                         \
		const char *_a = (a), *_b = (b);                                     \
		check_count++;                                                       \
		if (!_a || strcmp(_a, _b) != 0) {                                    \
			check_failures++;                                            \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
				__LINE__, #a, _a ? _a : "(null)", _b);               \
		}                                                                    \
	} while (0)

static inline int check_report(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
