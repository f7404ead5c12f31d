/* SPDX-License-Identifier: GPL-2.0 */
/* The probe plan: which probes to place, each labelled as a spec, every one
 * checked before anything is loaded. No libbpf: the plan is built, refused and
 * printed the same way on any machine, and unit-tested on the host.
 *
 *   pl = plan__new(t)
 *   plan__add(pl, target, ret, spec)      one probe per place: a place named twice is one
 *   plan__refuse(pl, trc, force, skip)    the refusals of checks.h, every one printed
 *   plan__merge_same_addr(pl)             other names of one address and kind: one probe
 *   plan__count(pl), plan__probe(pl, id)  const probes, ids 0 .. count-1
 *
 * Only the plan writes into a probe. Ids are final once the plan is (after
 * plan__refuse and plan__merge_same_addr); the engine keeps its own state per id
 * (tracer.h). Adding, refusing and merging n probes costs O(n log n). */
#ifndef KSYMTRACE_PLAN_H
#define KSYMTRACE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"
#include "spec.h"
#include "traceable.h"

struct probe {
	const struct ksym *sym;
	uint64_t off;       /* offset inside sym */
	uint64_t addr;      /* sym->addr + off: where the probe goes */
	uint32_t index;     /* instance number of the name among all functions */
	uint32_t count;     /* how many functions carry the name */
	bool ret;           /* kretprobe */
	bool clone;         /* chosen as a compiler clone of the name asked for */
	/* in a module (one that may be loaded and unloaded), and the only symbol
	 * of its name there: "MOD:NAME+OFF" names it to the kernel, which arms a
	 * tracefs event so named as the module loads, and again on every load
	 * (tracer.h); a name the module has twice it would refuse (EADDRNOTAVAIL
	 * since Linux 6.6, commit b022f0c7e404) or take the first of */
	bool mod_unique;
	const char *spec;   /* the spec as typed (the caller's string, not copied) */
	const char *label;  /* "name+0xoff#N": the probe as a spec (no %return) */
};

struct plan;

/* An empty plan over table T, which must outlive it. NULL when out of memory. */
struct plan *plan__new(struct ksyms *t);
void plan__free(struct plan *pl);

/* Adds a probe at TG (a kretprobe if RET), asked for by SPEC. Returns 0, 1 if the
 * same place (symbol, offset, kind) is already in the plan (nothing added: two
 * probes there could not be told apart), or -ENOMEM. Another name for the same
 * address is kept apart until every probe has been checked under its own name. */
int plan__add(struct plan *pl, const struct target *tg, bool ret, const char *spec);

/* Checks every probe (checks__probe), printing each refusal, so that the user
 * fixes them all at once. Returns 0 when none is refused; with SKIP_FAILED the
 * refused ones are dropped with a warning that lists them, and 0 unless none is
 * left. Returns -1 otherwise. */
int plan__refuse(struct plan *pl, const struct traceable *trc, bool force, bool skip_failed);

/* After the checks: probes of different names at one address and kind become
 * one (the first added): the kernel would run two identical handlers, and
 * without attach cookies an address names one probe. Says so on stderr for
 * each; returns how many were merged away, or -ENOMEM. */
int plan__merge_same_addr(struct plan *pl);

size_t plan__count(const struct plan *pl);
/* Probe ID, or NULL when there is none (ID >= plan__count: an event whose probe
 * the kernel could not identify). */
const struct probe *plan__probe(const struct plan *pl, size_t id);
/* The table the plan was built on. The plan borrows it and does not own it;
 * it is not const because name queries may sort their part of its index. */
struct ksyms *plan__table(const struct plan *pl);

#endif
