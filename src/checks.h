/* SPDX-License-Identifier: GPL-2.0 */
/* The refusals that need no kernel, made before anything is loaded: each one is
 * a probe the kernel would refuse, or would place somewhere the user did not
 * mean. */
#ifndef KSYMTRACE_CHECKS_H
#define KSYMTRACE_CHECKS_H

#include <stdbool.h>

#include "ksyms.h"
#include "traceable.h"
#include "tracer.h"

/* Prints one line (and a hint) per problem and returns false if P must not go
 * ahead: in generated code ([bpf], [__builtin__*]); a kretprobe at an offset;
 * an offset at or past the end of the function, or any offset when its size is
 * unknown; a __pfx_ padding symbol; a blacklisted function; a notrace function
 * (not in available_filter_functions). FORCE lets through what the kernel would
 * take but the user probably did not mean: past the end, unchecked offsets and
 * notrace code. TRC may be NULL (nothing known about traceability). */
bool checks__probe(const struct ksyms *t, const struct probe *p, const struct traceable *trc,
		   bool force);

#endif
