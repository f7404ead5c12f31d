/* SPDX-License-Identifier: GPL-2.0 */
/* The probes of a run that sit in modules, as their modules come and go
 * (modwatch.h): what attach says of them, and which ones the summary marks
 * unloaded.
 *
 *   rm = run_mods__new(pl, tr)          the modules of PL's probes, watched
 *   run_mods__attached(rm, id)          probe ID is attached (the others are
 *                                       skipped, --skip-failed)
 *   run_mods__started(rm)               "waiting for module dummy to load: ..."
 *   run_mods__tick(rm)                  every MODWATCH_PERIOD_MS or so, while events
 *                                       stream: "dummy unloaded: 2 probes gone",
 *                                       "dummy loaded: 2 probes armed again"
 *   run_mods__unloaded(rm)              per probe id, for the summary
 *   run_mods__free(rm)
 *
 * A probe the engine attached through a tracefs MOD:SYM+OFF event is armed by
 * the kernel on every load of its module (tracer__rearms); one attached by
 * address goes with its module for good. Hits are the BPF side's counters per
 * probe id: they add up across loads by themselves. */
#ifndef KSYMTRACE_RUN_MODS_H
#define KSYMTRACE_RUN_MODS_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "tracer.h"

struct run_mods;

/* NULL when out of memory (said). A plan without module probes watches none. */
struct run_mods *run_mods__new(const struct plan *pl, const struct tracer *tr);
void run_mods__free(struct run_mods *rm);

void run_mods__attached(struct run_mods *rm, size_t id);
/* Once every probe is attached: one line per module that is not loaded, and one
 * if no probe can fire until a module loads. */
void run_mods__started(struct run_mods *rm);
/* Looks at the modules when MODWATCH_PERIOD_MS have passed since the last look,
 * and says what came and went. */
void run_mods__tick(struct run_mods *rm);
/* Per probe id, after one last look at the modules: true when the probe is not
 * armed at the end because its module is not loaded (it went away, or never
 * came), or went away once and the probe was attached by address. NULL when RM
 * is NULL. */
const bool *run_mods__unloaded(struct run_mods *rm);

#endif
