// SPDX-License-Identifier: GPL-2.0
/* What each probe records, and how it prints. See probe_values.h. */
#define _GNU_SOURCE
#include "probe_values.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "abi.h"
#include "log.h"
#include "typing.h"

#define PARAMS_MAX 64 /* placed; BTF allows more, kernel functions have fewer */

struct probe_values_set {
	unsigned int string_size;
	size_t n;
	struct probe_values *v; /* per probe id */
};

static void values_free(struct probe_values *p)
{
	free(p->raw_why);
	free(p->proto);
	for (size_t i = 0; i < p->n; i++)
		fetch_value__free(&p->v[i]);
	free(p->v);
	fetch_value__free(&p->ret);
}

void probe_values__free(struct probe_values_set *pv)
{
	if (!pv)
		return;
	for (size_t i = 0; i < pv->n; i++)
		values_free(&pv->v[i]);
	free(pv->v);
	free(pv);
}

const struct probe_values *probe_values__get(const struct probe_values_set *pv, size_t id)
{
	return pv && id < pv->n ? &pv->v[id] : NULL;
}

unsigned int probe_values__string_size(const struct probe_values_set *pv)
{
	return pv->string_size;
}

/* ---- one probe's typed parameters ------------------------------------------------ */

/* Parameter I (NAME, of TYPE, placed at A) as a value to record. */
static int param_value(const struct kbtf_obj *o, const char *name, uint32_t type,
		       const struct abi_param *a, struct fetch_value *v)
{
	char decl[256];
	const char *why;

	memset(v, 0, sizeof(*v));
	if (kbtf__decl(o, type, "", decl, sizeof(decl)) < 0 && !decl[0])
		snprintf(decl, sizeof(decl), "?");
	v->name = strdup(name);
	v->type = strdup(decl);
	if (!v->name || !v->type)
		return -ENOMEM;
	abi__where(a, v->where, sizeof(v->where));
	if (a->where == ABI_NONE) {
		v->unavailable = a->why;
		return 0;
	}
	why = abi__format(kbtf__btf(o), type, &v->prog, &v->bytes);
	v->btf = kbtf__btf(o);
	v->type_id = type;
	if (why) {
		v->unavailable = why;
		v->prog.out = KT_OUT_NONE;
	} else if (v->prog.out != KT_OUT_STRUCT) { /* a struct by value: its marker only */
		v->prog.base = a->where == ABI_REG ? KT_BASE_REG : KT_BASE_STACK;
		v->prog.reg = a->where == ABI_REG ? a->reg[0] : (uint8_t)a->slot;
		if (v->prog.out == KT_OUT_STR || v->prog.out == KT_OUT_KSTR)
			v->prog.final = KT_FINAL_STRING;
	}
	return 0;
}

/* The return value's format, from the prototype (or hex, untyped). */
static int ret_value(const struct kbtf_obj *o, uint32_t ret, struct probe_values *p)
{
	struct fetch_value *v = &p->ret;
	char decl[256] = "";

	p->has_ret = true;
	v->prog.base = KT_BASE_RETVAL;
	snprintf(v->where, sizeof(v->where), "retval");
	if (!o) {
		v->prog.out = KT_OUT_X;
		v->prog.size = 8;
		return 0;
	}
	if (kbtf__decl(o, ret, "", decl, sizeof(decl)) < 0 && !decl[0])
		snprintf(decl, sizeof(decl), "?");
	v->type = strdup(ret ? decl : "void");
	if (!v->type)
		return -ENOMEM;
	v->btf = kbtf__btf(o);
	v->type_id = ret;
	if (ret) /* void: nothing to record, and nothing missing */
		v->unavailable = abi__format(kbtf__btf(o), ret, &v->prog, &v->bytes);
	return 0;
}

/* ---- one probe ------------------------------------------------------------------- */

struct build {
	struct kbtf *kb;
	const struct probe_values_opts *o;
	const struct plan *pl;
	bool refused; /* an expression did not compile */
	/* the probe at hand's parameters, for its expressions */
	struct abi_param where[PARAMS_MAX];
	struct fetch_param fp[PARAMS_MAX];
	char pos_names[PARAMS_MAX][24]; /* "argN" */
	size_t nparams;
};

/* The parameters of the prototype TY found, placed (with names by position
 * when the functions of the name call them differently); recorded as values
 * unless only expressions are, or the probe is a kretprobe. */
static int typed_params(struct build *b, const struct typing *ty, bool record, struct probe_values *p)
{
	const struct btf *btf = kbtf__btf(ty->obj);
	uint32_t proto_id = btf__type_by_id(btf, ty->func_id)->type;
	const struct btf_param *bp = btf_params(btf__type_by_id(btf, proto_id));
	bool variadic;
	size_t n = abi__params(btf, proto_id, b->where, PARAMS_MAX, &variadic);

	b->nparams = n < PARAMS_MAX ? n : PARAMS_MAX;
	/* each probe's own array: a plan may hold 65,535 probes */
	if (record && b->nparams && !(p->v = calloc(b->nparams < KT_FETCH_MAX ? b->nparams : KT_FETCH_MAX,
						    sizeof(*p->v))))
		return -ENOMEM;
	for (size_t i = 0; i < b->nparams; i++) {
		const char *name = btf__name_by_offset(btf, bp[i].name_off);

		if (ty->names_differ || !name || !*name) {
			snprintf(b->pos_names[i], sizeof(b->pos_names[i]), "arg%zu", i + 1);
			name = b->pos_names[i];
		}
		b->fp[i] = (struct fetch_param){ name, bp[i].type, &b->where[i] };
		if (record && p->n < KT_FETCH_MAX &&
		    param_value(ty->obj, name, bp[i].type, &b->where[i], &p->v[p->n++]))
			return -ENOMEM;
	}
	if (ty->names_differ)
		p->note = "the functions of this name call their parameters differently: named by position";
	else if (variadic)
		p->note = "variadic: the arguments past '...' are not recorded";
	else if (record && n > KT_FETCH_MAX)
		p->note = "parameters past the 12th are not recorded";
	return 0;
}

/* Why PR gets raw registers, into P->raw_why; none when TY (which this fills)
 * says BTF types it. Returns -ENOMEM only. */
static int raw_reason(struct build *b, const struct probe *pr, struct typing *ty, struct probe_values *p)
{
	if (b->o->raw)
		p->raw_why = strdup("--raw");
	else if (pr->off && asprintf(&p->raw_why, "at +0x%" PRIx64 " the parameters need not be where the calling convention put them",
				     pr->off) < 0)
		p->raw_why = NULL;
	else if (!pr->off && !abi__supported())
		p->raw_why = strdup("typed parameters are worked out for x86-64 only");
	if (b->o->raw || pr->off || !abi__supported())
		return p->raw_why ? 0 : -ENOMEM;
	typing__func(b->kb, plan__table(b->pl), pr->sym, ty);
	if (ty->verdict == TYPING_OK)
		return 0;
	p->raw_why = strdup(ty->why);
	return p->raw_why ? 0 : -ENOMEM;
}

static int compile_exprs(struct build *b, const struct probe *pr, const struct typing *ty,
			 uint32_t ret, struct probe_values *p)
{
	char probe[KSYMS_NAME_MAX + 64];
	struct fetch_ctx c = {
		.probe = probe, .obj = p->raw_why ? NULL : ty->obj, .untyped_why = p->raw_why,
		.func = ksyms__name(plan__table(b->pl), pr->sym), .params = b->fp,
		.nparams = p->raw_why ? 0 : b->nparams, .ret = pr->ret, .offset = pr->off != 0,
		.ret_type = ret,
	};
	char err[FETCH_ERR_LEN];

	snprintf(probe, sizeof(probe), "%s%s", pr->label, pr->ret ? "%return" : "");
	p->v = calloc(b->o->nexprs, sizeof(*p->v));
	if (!p->v)
		return -ENOMEM;
	for (size_t i = 0; i < b->o->nexprs; i++) {
		int r = fetch__compile(&b->o->exprs[i], &c, &p->v[p->n], err, sizeof(err));

		if (r == -ENOMEM)
			return r;
		if (r) {
			log_error("%s", err);
			b->refused = true;
			continue;
		}
		p->n++;
	}
	return 0;
}

static int one_probe(struct build *b, const struct probe *pr, struct probe_values *p)
{
	struct typing ty = { 0 };
	uint32_t ret = 0;

	if (raw_reason(b, pr, &ty, p))
		return -ENOMEM;
	p->exprs = b->o->nexprs > 0;
	b->nparams = 0;
	if (!p->raw_why) {
		const struct btf *btf = kbtf__btf(ty.obj);
		char proto[1024];

		if (kbtf__proto(ty.obj, ty.func_id, proto, sizeof(proto)) < 0 && !proto[0])
			snprintf(proto, sizeof(proto), "?");
		p->proto = strdup(proto);
		if (!p->proto || typed_params(b, &ty, !p->exprs && !pr->ret, p))
			return -ENOMEM;
		ret = btf__type_by_id(btf, btf__type_by_id(btf, ty.func_id)->type)->type;
	}
	if (pr->ret && ret_value(p->raw_why ? NULL : ty.obj, ret, p))
		return -ENOMEM;
	return p->exprs ? compile_exprs(b, pr, &ty, ret, p) : 0;
}

struct probe_values_set *probe_values__build(const struct plan *pl, struct kbtf *kb,
					     const struct probe_values_opts *opts, int *err)
{
	struct probe_values_set *pv = calloc(1, sizeof(*pv));
	struct build *b = calloc(1, sizeof(*b));
	size_t n = plan__count(pl);

	*err = 0;
	if (pv)
		pv->v = calloc(n ? n : 1, sizeof(*pv->v));
	if (!pv || !pv->v || !b) {
		*err = -ENOMEM;
		goto fail;
	}
	pv->string_size = opts->string_size;
	b->kb = kb;
	b->o = opts;
	b->pl = pl;
	for (size_t id = 0; id < n; id++) {
		pv->n = id + 1;
		if (one_probe(b, plan__probe(pl, id), &pv->v[id])) {
			*err = -ENOMEM;
			goto fail;
		}
	}
	if (!b->refused) {
		free(b);
		return pv;
	}
	*err = -EINVAL;
fail:
	if (*err == -ENOMEM)
		log_error("out of memory");
	free(b);
	probe_values__free(pv);
	return NULL;
}
