/* SPDX-License-Identifier: GPL-2.0 */
/* attach's rules for probes on modules (issue 11): what a probe on a module
 * that is not loaded, or on its init code, can and cannot be. Each refusal is
 * one line saying why; nothing here attaches (tracer.h does, run_mods.h follows
 * the modules while the run goes). No libbpf: the plan's host tests link it. */
#ifndef KSYMTRACE_ATTACH_MODS_H
#define KSYMTRACE_ATTACH_MODS_H

#include <stdbool.h>
#include <stddef.h>

#include "ksyms.h"
#include "plan.h"
#include "spec.h"

/* Probes of PL on a module that is not loaded whose name the module has more
 * than once: before the module loads, "MOD:NAME" is the only way to name a
 * probe to the kernel, and it cannot name one of several. Prints each; returns
 * how many. */
size_t attach_mods__refuse_unnamed(const struct plan *pl);

/* Probes of PL on a module that is not loaded, when the engine cannot tell
 * them apart before they have addresses (CAN_WAIT false: no attach cookies,
 * tracer__can_wait). Prints one line and a hint; returns how many. */
size_t attach_mods__refuse_waiting(const struct plan *pl, bool can_wait);

/* For a spec SP that found nothing (MODULE: --module, or NULL): when its
 * module is loaded and NAME is init code in the module's file, prints why it
 * is gone and what to do, and returns true. */
bool attach_mods__init_gone(const struct spec *sp, const char *module, const struct ksyms *t);

/* The refusal of a probe on NAME, init code of loaded module MOD, for WHAT (a
 * spec or a probe label); WHY is added to the message ("" for none). */
void attach_mods__say_init_gone(const char *what, const char *name, const char *mod,
				const char *why);

#endif
