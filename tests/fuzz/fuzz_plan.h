/* SPDX-License-Identifier: GPL-2.0 */
/* A plan for the targets that need one (events, expect): linked only into them,
 * since a plan needs ksymplan, which the table's targets do not link. */
#ifndef KSYMTRACE_FUZZ_PLAN_H
#define KSYMTRACE_FUZZ_PLAN_H

#include <stddef.h>

#include "plan.h"

/* A plan of T's probes for the N SPECS, each naming exactly one function of T
 * (static strings: the plan keeps them); aborts otherwise. */
struct plan *fuzz_plan(struct ksyms *t, const char *const *specs, size_t n);

#endif
