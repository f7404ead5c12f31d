/* SPDX-License-Identifier: GPL-2.0 */
/* The running kernel's symbol table, from a per-boot snapshot when one can answer
 * (issue 15): reading /proc/kallsyms costs the kernel tens of milliseconds on a
 * fast machine and most of a second in a slow VM, every run; mapping a snapshot
 * costs a millisecond.
 *
 *   where     /run/ksymtrace/kallsyms.snap (kernel__path(): under the test root
 *             in tests); the directory 0700 and the file 0600, both root's
 *   what      the core kernel's and the modules' symbols with the whole name
 *             index (ksyms_snap.h); never the pseudo-modules
 *   valid     while the boot (boot_id), the kernel release and the loaded
 *             modules (names, load addresses, sizes, states and build ids) are
 *             those it was written with; anything else is a miss
 *   written   after a live read that missed it, by root only, when the
 *             addresses are real (kptr_restrict) and no module came or went
 *             during the read: to a new file, renamed into place, so that
 *             processes starting at once never see half a file or wait
 *
 * A query whose answer could involve a pseudo-module reads the live table
 * (ksyms_cache__needs_live()). */
#ifndef KSYMTRACE_KSYMS_CACHE_H
#define KSYMTRACE_KSYMS_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel.h"
#include "ksyms.h"

struct spec;

/* What a command will ask of the table, known before it is read. */
struct ksyms_query {
	const struct spec *specs; /* resolve, attach */
	size_t n_specs;
	const char *module;       /* --module */
	bool listing;             /* list: every name matching GLOB */
	const char *glob;         /* list's GLOB; NULL for every name */
	bool all_types;           /* list --all-types */
	bool names_later;         /* decode: the names come later, from a kernel log,
				   * and a frame may be a BPF program's */
};

/* The one rule of what a snapshot cannot answer: why Q needs the live table
 * (a phrase for -v, in WHY), or NULL when SNAP answers it as the live table
 * would. A pseudo-module named (bpf:, -m __builtin__ftrace); a glob or a listing
 * over every module; a name the kernel may give a pseudo-module's symbol
 * (ksyms__may_be_pseudo_name()); an address SNAP does not cover
 * (ksyms__covers()), given or reached by NAME+OFF; a listing of every type
 * (--all-types); names not known yet (decode). */
const char *ksyms_cache__needs_live(const struct ksyms_query *q, struct ksyms *snap,
				    char *why, size_t len);

struct ksyms_cache_opts {
	/* NULL: names and addresses of the core kernel and modules only (what
	 * attach checks a saved table against) */
	const struct ksyms_query *q;
	bool no_cache; /* --no-cache: read live, write nothing */
};

struct ksyms_cache_result {
	struct ksyms_load_result load; /* of the live read, when there was one */
	bool snapshot;                 /* the table is the snapshot */
	char path[KERNEL_PATH_MAX];    /* what was read: the snapshot or /proc/kallsyms */
};

/* The running kernel's table: the snapshot when it is valid and O->q can be
 * answered from it, else /proc/kallsyms read live, and the snapshot rebuilt
 * from that read if it was missing or stale and may be written. Says with -v
 * which, and why. NULL when the live read failed (R->load says why). */
struct ksyms *ksyms_cache__load(const struct ksyms_cache_opts *o, struct ksyms_cache_result *r);

#endif
