/* SPDX-License-Identifier: GPL-2.0 */
/* The promises of a table, checked (fuzz_table.c). */
#ifndef KSYMTRACE_FUZZ_TABLE_H
#define KSYMTRACE_FUZZ_TABLE_H

#include "fuzz_common.h"

/* Every query on T, a sample of its records when it is large, then the whole
 * index in order: a failed promise aborts. Queries come before the index is
 * completed, so that a lazily sorted table sorts as queries reach it. */
void fuzz_check_table(struct ksyms *t);
/* Whether S is a name a kallsyms line may carry. */
bool fuzz_name_ok(const char *s);

#endif
