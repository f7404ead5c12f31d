/* SPDX-License-Identifier: GPL-2.0 */
/* The spec grammar (DESIGN.md §3) and its resolution against the symbol table.
 *
 *   SPEC := [MOD ':'] NAME ['+' OFF ['/' SIZE]] [ '#' N | '@' ADDR ] ['%return']
 *         | ADDR ['%return']
 *         | ('kprobe' | 'kretprobe') ':' [MOD ':'] NAME ['+' OFF] [ '#' N | '@' ADDR ]
 *
 * +OFF/SIZE is the kernel's stack-trace form (c_start+0x10/0x50, from printk's
 * %pS and %pB): it keeps the instances whose size is SIZE, and those whose size
 * is unknown (the last symbol of a module), which it cannot rule out. OFF may
 * equal SIZE: the return address after a call that ends a function.
 *
 * Parsing (spec.c) needs no table, so every spec on a command line is checked
 * before any output is printed. Resolution (spec_resolve.c) turns a spec into
 * candidate targets; choosing one among several is choose.c's job, never this
 * module's.
 */
#ifndef KSYMTRACE_SPEC_H
#define KSYMTRACE_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"

/* A spec is at most SPEC_TEXT_MAX bytes: kretprobe:, a module, a 511-byte name,
 * +OFF and @ADDR fit well inside it. A message quotes the spec and may add a
 * name, module names or three suggested names: SPEC_ERR_LEN holds them whole,
 * so the cause and the fix at the end of a message are never cut off. */
#define SPEC_TEXT_MAX 1024
#define SPEC_ERR_LEN 4096

struct spec {
	char *text;    /* the spec as typed */
	char *mod;     /* module filter, NULL for any; "vmlinux" is the core kernel */
	char *name;    /* symbol name or glob; NULL for an address spec */
	uint64_t off;  /* +OFF */
	uint64_t size; /* /SIZE: at least 1, at least OFF */
	uint64_t at;   /* @ADDR */
	uint64_t addr; /* the address of an address spec */
	uint32_t inst; /* #N, 1-based; 0 when absent */
	bool has_off, has_size, has_at, is_addr;
	bool ret;      /* %return or kretprobe: */
	bool glob;     /* NAME contains * ? or [ */
};

/* Returns 0, or -EINVAL with a one-line reason in ERR (no trailing newline), or
 * -ENOMEM with "out of memory" there. */
int spec__parse(const char *text, struct spec *sp, char *err, size_t errlen);
void spec__free(struct spec *sp);

/* A name given apart from a spec (list's GLOB, --module MOD) holds the bytes a
 * spec's name may: none of a space, a control byte or broken UTF-8, which could
 * never match a kallsyms name and would reach the terminal when quoted. Returns
 * 0, or -EINVAL with "LABEL'TEXT': ... not allowed in NOUN" in ERR, TEXT quoted. */
int spec__check_name(const char *text, const char *label, const char *noun, char *err,
		     size_t errlen);

struct target {
	const struct ksym *sym;
	uint64_t off;   /* offset inside sym: +OFF, or ADDR - start for address specs */
	uint32_t index; /* its #N: ksyms__instance() under the resolution's filter */
	uint32_t count; /* how many instances pass that filter */
	bool clone;     /* offered because NAME had no exact match and this is a clone of it */
	bool alias;     /* an address query's other name at the same start */
};

struct candidates {
	struct target *v;
	size_t n, cap;
};

enum spec_res {
	SPEC_RES_OK = 0,
	SPEC_RES_NOT_FOUND,    /* no symbol by that name (suggestions in the message) */
	SPEC_RES_NO_MODULE,    /* MOD: names no module in the table */
	SPEC_RES_BAD_INSTANCE, /* #N past the number of instances */
	SPEC_RES_NO_AT,        /* @ADDR is not the start of any instance */
	SPEC_RES_NO_ADDR,      /* an address in a gap or past the last symbol */
	SPEC_RES_BAD_SIZE,     /* /SIZE matches no instance (their sizes in the message) */
	SPEC_RES_NOT_LOADED,   /* an address, or @ADDR, in a module that is not loaded */
	SPEC_RES_NOMEM,        /* out of memory: the message says so, never "not found" */
};

struct resolve_opts {
	bool funcs_only;  /* keep t/T symbols only (attach, list's default) */
	const char *mod;  /* extra module filter (--module), combined with the spec's */
	uint64_t at;      /* extra address filter (--addr) */
	bool has_at;
};

/* Resolve SP into OUT (appended). On failure returns the reason and writes a
 * one-line message, with "did you mean" names where they help, into ERR. The
 * table is not const: a query may sort part of its name index (ksyms.h). */
enum spec_res spec__resolve(const struct spec *sp, struct ksyms *t,
			    const struct resolve_opts *opts, struct candidates *out,
			    char *err, size_t errlen);
/* The compiler clones of SP's name that calls go through (NAME.isra.0,
 * NAME.constprop.1, NAME.part.0, NAME.llvm.N; never a .cold piece, which is
 * jumped to, not called), under O's filters, appended to OUT marked as clones:
 * what a probe on NAME does not see. Nothing for a glob or an address. Returns
 * how many, or -ENOMEM. */
int spec__clones(const struct spec *sp, struct ksyms *t, const struct resolve_opts *o,
		 struct candidates *out);
void candidates__free(struct candidates *c);
int candidates__push(struct candidates *c, const struct target *tg);

/* Every symbol whose name matches GLOB (NULL: every name), in name then address
 * order, that passes F. Each is passed to EACH with its instance number under
 * the same filter (ksyms__instance), as spec__resolve numbers them. Returns how
 * many were passed, or EACH's first negative return (or -ENOMEM), which stops
 * the walk. */
int spec__each_match(struct ksyms *t, const char *glob, const struct ksyms_filter *f,
		     int (*each)(const struct target *tg, void *arg), void *arg);

#endif
