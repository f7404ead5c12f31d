/* SPDX-License-Identifier: GPL-2.0 */
/* From attach's SPECs and options to its plan (plan.h), one way for --dry-run
 * and a real attach alike: each spec resolved and chosen among (choose.h), a
 * glob's matches taken whole up to --max-probes, compiler clones noted or added
 * (--clones), every probe checked, probes at one address merged, probes a
 * module not loaded cannot name refused (attach_mods.h); for a real attach, a
 * saved table checked against the running kernel. */
#ifndef KSYMTRACE_ATTACH_PLAN_H
#define KSYMTRACE_ATTACH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"
#include "plan.h"
#include "spec.h"
#include "traceable.h"

#define ATTACH_MAX_PROBES_DEFAULT 1000

struct attach_plan_opts {
	bool ret;          /* -r: every probe a kretprobe */
	bool all;          /* --all */
	bool force;        /* --force */
	bool skip_failed;  /* --skip-failed */
	bool dry_run;      /* --dry-run: nothing will be attached */
	bool clones;       /* --clones: an exact name's compiler clones too */
	const char *module; /* --module */
	uint64_t addr;     /* --addr */
	bool has_addr;
	size_t max_probes; /* --max-probes: a glob's matches at most */
};

/* Builds PL from the N SPECS on table T, whose traceability TRC says. Returns
 * an exit code (cli.h); every problem is printed, one line each, and a spec
 * that resolves to nothing (1) outranks an ambiguous one (3). */
int attach_plan__build(const struct attach_plan_opts *o, struct spec *specs, int n, struct ksyms *t,
		       const struct traceable *trc, struct plan *pl);

#endif
