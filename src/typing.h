/* SPDX-License-Identifier: GPL-2.0 */
/* What BTF can say honestly about one function of the symbol table: its
 * prototype, or why not. BTF has names, not addresses, so a prototype applies
 * to a kallsyms instance only when nothing else could be meant:
 *
 *   - a compiler clone (foo.isra.0) has foo's prototype in BTF, but the
 *     compiler may have dropped or reordered its parameters;
 *   - a name several functions share is typed only when every prototype BTF has
 *     for it agrees, and BTF's pahole checked them all (kbtf__protos_checked);
 *   - no BTF, no BTF for the module, or no prototype for the name.
 *
 * resolve/list --proto show the verdict beside each symbol; attach types a
 * probe's parameters only on TYPING_OK (probe_values.h). */
#ifndef KSYMTRACE_TYPING_H
#define KSYMTRACE_TYPING_H

#include <stdbool.h>
#include <stdint.h>

#include "kbtf.h"
#include "ksyms.h"
#include "output.h"

enum typing_verdict {
	TYPING_OK = 0,
	TYPING_NOT_FUNC,       /* not a function (kallsyms type) */
	TYPING_NO_BTF,         /* no vmlinux BTF */
	TYPING_MODULE_NO_BTF,  /* no BTF for the symbol's module */
	TYPING_NOT_IN_BTF,     /* no prototype for the name */
	TYPING_CLONE,          /* a compiler clone of a function */
	TYPING_PROTOS_DIFFER,  /* several prototypes for the name, and no addresses */
	TYPING_DUP_UNCHECKED,  /* a shared name, and BTF's pahole did not check it */
};

struct typing {
	enum typing_verdict verdict;
	const struct kbtf_obj *obj; /* the BTF the symbol's module has, or NULL */
	uint32_t func_id;           /* the FUNC whose prototype applies (for a
				     * clone, its source's; for a shared name,
				     * the first), or 0 */
	uint32_t nprotos;           /* FUNCs BTF has for the name */
	uint32_t instances;         /* functions of that name in the module */
	bool names_differ;          /* TYPING_OK over prototypes whose parameter
				     * names differ: name them by position */
	bool kfunc;                 /* tagged bpf_kfunc */
	char why[KBTF_WHY_LEN + 4 * KSYMS_NAME_MAX]; /* not TYPING_OK: why, in one line */
};

/* The verdict for symbol S of table T. */
void typing__func(struct kbtf *kb, struct ksyms *t, const struct ksym *s, struct typing *out);

/* --proto in resolve and list: the sym_proto_fn (output.h) over a struct
 * typing_protos. What it hands out lives in CTX until the next call. Without
 * any BTF every note is left out: the command says that once; a data symbol
 * gets none either. */
struct typing_protos {
	struct kbtf *kb;
	struct ksyms *t;
	char proto[1024];
	struct typing ty;
};
void typing__sym_proto(void *ctx, const struct target *tg, struct sym_proto *out);
/* Ready TP over table T: reads vmlinux's BTF and, with WARN, warns once when
 * there is none. Returns 0, or -ENOMEM after saying so. */
int typing_protos__init(struct typing_protos *tp, struct ksyms *t, bool warn);
void typing_protos__fini(struct typing_protos *tp);

#endif
