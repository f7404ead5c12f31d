// SPDX-License-Identifier: GPL-2.0
/* What BTF can say honestly about a function. See typing.h. */
#define _GNU_SOURCE
#include "typing.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "log.h"

#define PROTOS_MAX 16 /* FUNCs of one name looked at (6.1 has up to 10 type_show) */

/* The source function's name if NAME is a compiler clone ("foo" for
 * "foo.isra.0"), into BASE; false otherwise. */
static bool clone_source(const char *name, char *base, size_t len)
{
	for (const char *dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
		size_t n = (size_t)(dot - name);

		if (n == 0 || n >= len)
			continue;
		memcpy(base, name, n);
		base[n] = '\0';
		if (ksyms__is_clone_of(name, base))
			return true;
	}
	return false;
}

/* Functions named like S in S's module. */
static uint32_t instances(struct ksyms *t, const struct ksym *s)
{
	size_t lo, hi;
	uint32_t n = 0;

	ksyms__by_name(t, ksyms__name(t, s), &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *o = ksyms__by_name_at(t, i);

		n += o->mod == s->mod && ksym_is_func(o);
	}
	return n;
}

/* Whether the prototypes of FUNCs IDS[0..N) agree in every type, and whether
 * their parameter names do too. */
static bool protos_agree(const struct btf *btf, const uint32_t *ids, size_t n, bool *names_differ)
{
	const struct btf_type *p0 = btf__type_by_id(btf, btf__type_by_id(btf, ids[0])->type);

	*names_differ = false;
	for (size_t i = 1; i < n; i++) {
		const struct btf_type *p = btf__type_by_id(btf, btf__type_by_id(btf, ids[i])->type);
		const struct btf_param *a, *b;

		if (p == p0)
			continue;
		if (!p || !p0 || p->type != p0->type || btf_vlen(p) != btf_vlen(p0))
			return false;
		a = btf_params(p0);
		b = btf_params(p);
		for (int k = 0; k < btf_vlen(p); k++, a++, b++) {
			if (a->type != b->type)
				return false;
			if (strcmp(btf__name_by_offset(btf, a->name_off), btf__name_by_offset(btf, b->name_off)))
				*names_differ = true;
		}
	}
	return true;
}

static void clone_verdict(const struct kbtf_obj *o, const char *name, const char *base,
			  struct typing *out)
{
	uint32_t ids[2];

	out->verdict = TYPING_CLONE;
	if (kbtf__funcs(o, base, ids, 2) == 1)
		out->func_id = ids[0];
	snprintf(out->why, sizeof(out->why),
		 "%s is a compiler clone of %s: its parameters may differ from %s's prototype", name,
		 base, base);
}

/* The verdict for NAME, with N FUNCs IDS in O and INST functions of the name. */
static void name_verdict(struct kbtf *kb, const struct kbtf_obj *o, const char *name,
			 const uint32_t *ids, size_t n, struct typing *out)
{
	bool checked = kbtf__protos_checked(kb);
	uint32_t inst = out->instances;

	if (n == 0) {
		out->verdict = TYPING_NOT_IN_BTF;
		snprintf(out->why, sizeof(out->why), "no prototype of %s in %s's BTF%s", name, kbtf__name(o),
			 inst > 1 && checked ? " (pahole leaves out names that several functions share, when it cannot vouch for each)" : "");
		return;
	}
	out->func_id = ids[0];
	if (n > 1 && !protos_agree(kbtf__btf(o), ids, n < PROTOS_MAX ? n : PROTOS_MAX, &out->names_differ)) {
		out->verdict = TYPING_PROTOS_DIFFER;
		snprintf(out->why, sizeof(out->why),
			 "%u functions are named %s, and BTF has %zu different prototypes for the name, but no addresses to tell which is which",
			 inst, name, n);
		return;
	}
	if (inst > 1 && !checked) {
		out->verdict = TYPING_DUP_UNCHECKED;
		snprintf(out->why, sizeof(out->why),
			 "%u functions are named %s, and this kernel's BTF comes from a pahole that kept a prototype for some of them without checking the others (before 1.25)",
			 inst, name);
		return;
	}
	out->verdict = TYPING_OK;
	out->kfunc = kbtf__kfunc_tags(kb) && kbtf__is_kfunc(o, ids[0]);
}

void typing__func(struct kbtf *kb, struct ksyms *t, const struct ksym *s, struct typing *out)
{
	const char *name = ksyms__name(t, s), *mod = ksyms__mod_name(t, s->mod);
	char base[KSYMS_NAME_MAX + 1], why[KBTF_WHY_LEN];
	uint32_t ids[PROTOS_MAX];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!ksym_is_func(s)) {
		out->verdict = TYPING_NOT_FUNC;
		snprintf(out->why, sizeof(out->why), "%s is not a function (kallsyms type %c)", name, s->type);
		return;
	}
	out->obj = kbtf__get(kb, mod, why, sizeof(why));
	if (!out->obj) {
		out->verdict = s->mod == KSYMS_CORE_MOD || !kbtf__get(kb, "vmlinux", base, sizeof(base))
				       ? TYPING_NO_BTF
				       : TYPING_MODULE_NO_BTF;
		snprintf(out->why, sizeof(out->why), "%s", why);
		return;
	}
	if (clone_source(name, base, sizeof(base))) {
		clone_verdict(out->obj, name, base, out);
		return;
	}
	out->instances = instances(t, s);
	n = kbtf__funcs(out->obj, name, ids, PROTOS_MAX);
	out->nprotos = (uint32_t)n;
	name_verdict(kb, out->obj, name, ids, n < PROTOS_MAX ? n : PROTOS_MAX, out);
}

void typing__sym_proto(void *ctx, const struct target *tg, struct sym_proto *out)
{
	struct typing_protos *tp = ctx;
	struct typing *ty = &tp->ty;

	typing__func(tp->kb, tp->t, tg->sym, ty);
	out->proto = NULL;
	/* no BTF is said once by the command; a data symbol's letter says it all */
	out->note = ty->verdict == TYPING_OK || ty->verdict == TYPING_NO_BTF || ty->verdict == TYPING_NOT_FUNC
			    ? NULL
			    : ty->why;
	out->kfunc = ty->verdict == TYPING_OK && kbtf__kfunc_tags(tp->kb) ? (ty->kfunc ? TRI_TRUE : TRI_FALSE)
									  : TRI_UNKNOWN;
	if (ty->verdict == TYPING_OK && ty->names_differ)
		out->note = "the functions of this name call their parameters differently";
	/* a clone shows its source's prototype, and a shared name the one BTF
	 * kept: each beside the note that says what it is worth */
	if (ty->func_id && ty->verdict != TYPING_PROTOS_DIFFER &&
	    (kbtf__proto(ty->obj, ty->func_id, tp->proto, sizeof(tp->proto)) >= 0 || tp->proto[0]))
		out->proto = tp->proto;
}

int typing_protos__init(struct typing_protos *tp, struct ksyms *t, bool warn)
{
	char why[KBTF_WHY_LEN];

	memset(tp, 0, sizeof(*tp));
	tp->t = t;
	tp->kb = kbtf__new();
	if (!tp->kb) {
		log_error("out of memory");
		return -ENOMEM;
	}
	if (!kbtf__get(tp->kb, "vmlinux", why, sizeof(why)) && warn)
		log_warn("%s: no prototypes", why);
	return 0;
}

void typing_protos__fini(struct typing_protos *tp)
{
	kbtf__free(tp->kb);
	tp->kb = NULL;
}
