/* SPDX-License-Identifier: GPL-2.0 */
/* The refusals that need no kernel, made before anything is loaded: each one is
 * a probe the kernel would refuse, or would place somewhere the user did not
 * mean. */
#ifndef KSYMTRACE_CHECKS_H
#define KSYMTRACE_CHECKS_H

#include <stdbool.h>

#include "ksyms.h"
#include "traceable.h"
#include "plan.h"

/* Prints one line (and a hint) per problem and returns false if P must not go
 * ahead: in generated code ([bpf], [__builtin__*]); a kretprobe at an offset;
 * an offset at or past the end of the function, or any offset when its size is
 * unknown; a __pfx_ padding symbol; a blacklisted function; a notrace function
 * (not in available_filter_functions). FORCE lets through what the kernel would
 * take but the user probably did not mean: past the end, unchecked offsets and
 * notrace code. TRC may be NULL (nothing known about traceability). */
bool checks__probe(const struct ksyms *t, const struct probe *p, const struct traceable *trc,
		   bool force);

/* False for what only looks like a function: __pfx_ padding and generated code. */
bool checks__is_kernel_code(const struct ksyms *t, const struct ksym *s);

/* A table given with -k is a file: its addresses are only good for this boot if
 * every probed symbol sits at the same address in the running kernel's table
 * (KASLR moves the kernel at every boot, and a reloaded module moves too): its
 * snapshot when that is valid, or /proc/kallsyms (ksyms_cache.h; NO_CACHE:
 * /proc/kallsyms). Prints what does not match and returns false; attaching
 * there would probe whatever code now lives at those addresses. */
bool checks__table_is_live(const struct plan *pl, const char *what, bool no_cache);

#endif
