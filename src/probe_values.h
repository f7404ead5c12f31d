/* SPDX-License-Identifier: GPL-2.0 */
/* What each probe of a plan records besides the registers, and how it prints:
 * its parameters typed from BTF, or the values of the --arg expressions, each
 * compiled to a struct kt_fetch (bpf/ksymtrace.h); or, where BTF cannot say
 * honestly, raw registers and the one reason why (typing.h, plus an offset
 * other than 0 and --raw). Built once the plan is final, before anything is
 * loaded: an expression that does not compile for a probe stops the run there.
 *
 *   pv = probe_values__build(plan, kb, &opts, &err)   one entry per probe id
 *   probe_values__get(pv, id)                          const, like the plan's probes
 *   probe_values__print(pv, id, out) / __json(pv, id, j)   the --dry-run plan's part
 *
 * The BPF side runs v[i].prog for i < n, in order, at each hit; the printer
 * shows v[i].name = the value as v[i].prog.out says, or, when raw_why is set,
 * the six registers. At a kretprobe, ret says how to print the return value. */
#ifndef KSYMTRACE_PROBE_VALUES_H
#define KSYMTRACE_PROBE_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fetch.h"
#include "json.h"
#include "kbtf.h"
#include "plan.h"

struct probe_values {
	char *raw_why;       /* raw registers: why (one line); NULL when typed */
	char *proto;         /* the BTF prototype that types it, or NULL */
	const char *note;    /* something true of the values worth a line, or NULL */
	bool exprs;          /* v holds --arg expressions, not parameters */
	size_t n;            /* values recorded, 0 .. KT_FETCH_MAX */
	struct fetch_value *v;
	bool has_ret;        /* a kretprobe: ret says how its value prints */
	struct fetch_value ret;
};

struct probe_values_opts {
	bool raw;                         /* --raw: registers everywhere, BTF not read */
	const struct fetch_expr *exprs;   /* --arg, in order */
	size_t nexprs;
	unsigned int string_size;         /* --string-size: bytes of a string, at most */
};

struct probe_values_set;

/* Works out every probe of PL, which must be final. KB may be NULL with
 * opts->raw. Returns the set, or NULL with *ERR: -EINVAL after one line per
 * expression that does not compile for a probe (exit 2), -ENOMEM after "out of
 * memory". */
struct probe_values_set *probe_values__build(const struct plan *pl, struct kbtf *kb,
					     const struct probe_values_opts *opts, int *err);
void probe_values__free(struct probe_values_set *pv);
const struct probe_values *probe_values__get(const struct probe_values_set *pv, size_t id);
/* --string-size: the bytes of a string recorded, at most. */
unsigned int probe_values__string_size(const struct probe_values_set *pv);

/* The --dry-run plan's lines for probe ID, under its row (each starts with two
 * spaces), and its JSON members: "proto", "raw_reason", "args", "retval",
 * "note". */
void probe_values__print(const struct probe_values_set *pv, size_t id, FILE *out);
void probe_values__json(const struct probe_values_set *pv, size_t id, struct json *j);

#endif
