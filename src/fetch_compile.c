// SPDX-License-Identifier: GPL-2.0
/* Fetch expressions against a probe's BTF types: a parsed expression (fetch.c)
 * becomes one struct kt_fetch. See fetch.h and bpf/ksymtrace.h.
 *
 * The compiler walks the expression keeping one thing: a value in hand (a
 * register's, or one just read), or an object in memory at that value plus a
 * pending offset (what '->' and '.' lead to, and what perf's +OFF(BASE)
 * means). '.' and '[N]' into an array only move the offset; reading a pointer
 * to go on ('->' from an object, '+OFF( )' around one) and the final read of a
 * value are the memory reads, at most KT_FETCH_DEREFS of them. The typed end
 * decides how the value prints (abi__format), unless ':TYPE' says. */
#define _GNU_SOURCE
#include "fetch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "abi.h"
#include "kbtf.h"

#define MEMBER_DEPTH 8 /* anonymous structs and unions inside one another */

struct comp {
	const struct fetch_expr *e;
	const struct fetch_ctx *c;
	const struct btf *btf;   /* NULL: no types */
	struct fetch_value *out;
	struct kt_fetch *p;
	uint32_t type;           /* the thing's type, when typed */
	bool typed;
	bool lvalue;             /* an object at the value + off */
	int64_t off;
	uint32_t bit_off;        /* a bitfield: bits from off */
	uint32_t bit_size;       /* 0: not a bitfield */
	struct fetch_span at;    /* the step being compiled */
	struct fetch_span what;  /* the text that names the thing in hand */
	char *err;
	size_t errlen;
	char tname[2][256];
};

/* The thing in hand, for "%.*s" */
#define WHAT(k) (int)(k)->what.len, (k)->e->text + (k)->what.pos

static int cfail(struct comp *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cfail(struct comp *k, const char *fmt, ...)
{
	char why[2048]; /* a name from the expression, two type names, the words */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(k->err, k->errlen, "%s: --arg '%s': at '%.*s': %s", k->c->probe, k->e->text,
		 (int)k->at.len, k->e->text + k->at.pos, why);
	return -EINVAL;
}

/* The C name of TYPE, in one of two buffers (a message may need two). */
static const char *tname(struct comp *k, uint32_t type, int which)
{
	char *buf = k->tname[which];

	if (kbtf__decl(k->c->obj, type, "", buf, sizeof(k->tname[0])) < 0 && !buf[0])
		snprintf(buf, sizeof(k->tname[0]), "type %u", type);
	return buf;
}

static const struct btf_type *skip(const struct comp *k, uint32_t type, uint32_t *id)
{
	*id = abi__skip_mods(k->btf, type);
	return *id ? btf__type_by_id(k->btf, *id) : NULL;
}

/* ---- the two operations -------------------------------------------------------- */

/* Read SIZE bytes at the value + off: the object becomes a value. */
static int load(struct comp *k, unsigned int size)
{
	if (k->p->nsteps == KT_FETCH_DEREFS)
		return cfail(k, "more than %d memory reads in one expression", KT_FETCH_DEREFS);
	if (k->off < INT32_MIN || k->off > INT32_MAX)
		return cfail(k, "an offset of %lld bytes is out of range", (long long)k->off);
	k->p->steps[k->p->nsteps++] = (struct kt_fetch_step){ (int32_t)k->off, size };
	k->lvalue = false;
	k->off = 0;
	return 0;
}

/* The thing as a pointer value in hand: an object holding a pointer is read. */
static int to_pointer(struct comp *k, const char *why)
{
	uint32_t id;
	const struct btf_type *t;

	if (!k->typed) {
		if (k->lvalue && load(k, 8))
			return -EINVAL;
		return 0;
	}
	t = skip(k, k->type, &id);
	if (!t || !(btf_is_ptr(t) || (btf_is_int(t) && t->size == 8 && !k->bit_size)))
		return cfail(k, "%.*s is %s, not a pointer: %s", WHAT(k), tname(k, k->type, 0), why);
	if (k->lvalue)
		return load(k, 8);
	return 0;
}

/* ---- the base ------------------------------------------------------------------ */

static void value_in(struct comp *k, enum kt_fetch_base base, unsigned int reg, uint32_t type,
		     bool typed)
{
	k->p->base = (uint8_t)base;
	k->p->reg = (uint8_t)reg;
	k->type = type;
	k->typed = typed;
	k->lvalue = false;
}

/* A parameter at the place abi.h found for it. */
static int from_param(struct comp *k, const struct fetch_param *fp)
{
	const struct abi_param *w = fp->where;

	abi__where(w, k->out->where, sizeof(k->out->where));
	if (w->where == ABI_NONE)
		return cfail(k, "%s is not recorded: %s", fp->name, w->why);
	value_in(k, w->where == ABI_REG ? KT_BASE_REG : KT_BASE_STACK,
		 w->where == ABI_REG ? w->reg[0] : w->slot, fp->type_id, true);
	if (btf_is_composite(btf__type_by_id(k->btf, abi__skip_mods(k->btf, fp->type_id))))
		k->p->base = KT_BASE_NONE; /* a struct by value: a marker only */
	return 0;
}

static int base_param(struct comp *k)
{
	const struct fetch_ctx *c = k->c;
	const struct fetch_expr *e = k->e;
	char names[256] = "";
	size_t len = 0;

	if (c->ret)
		return cfail(k, "the parameters are gone at a return: at a kretprobe give $retval or %%REG");
	if (!c->obj)
		return cfail(k, "parameter names need BTF types, and here there are none (%s): give $argN or %%REG",
			     c->untyped_why);
	if (e->base == FETCH_ARGN) {
		if (e->argn > c->nparams)
			return cfail(k, "%s has %zu parameter%s", c->func, c->nparams, c->nparams == 1 ? "" : "s");
		return from_param(k, &c->params[e->argn - 1]);
	}
	for (size_t i = 0; i < c->nparams; i++) {
		if (strcmp(c->params[i].name, e->param) == 0)
			return from_param(k, &c->params[i]);
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
						c->params[i].name);
	}
	return cfail(k, "%s has no parameter '%s' (%s%s)", c->func, e->param,
		     c->nparams ? "its parameters: " : "it has none", names);
}

/* $argN without types: the N-th argument word of the calling convention. */
static int base_argn_raw(struct comp *k)
{
	static const uint8_t regs[] = { KT_REG_DI, KT_REG_SI, KT_REG_DX, KT_REG_CX, KT_REG_R8, KT_REG_R9 };
	unsigned int n = k->e->argn;
	struct abi_param w = { .where = n <= 6 ? ABI_REG : ABI_STACK, .nregs = 1,
			       .reg = { n <= 6 ? regs[n - 1] : 0 }, .slot = (uint16_t)(n > 6 ? n - 7 : 0) };

	if (k->c->ret)
		return cfail(k, "the arguments are gone at a return: at a kretprobe give $retval or %%REG");
	abi__where(&w, k->out->where, sizeof(k->out->where));
	value_in(k, n <= 6 ? KT_BASE_REG : KT_BASE_STACK, n <= 6 ? regs[n - 1] : n - 7, 0, false);
	return 0;
}

static int base(struct comp *k)
{
	const struct fetch_ctx *c = k->c;
	const struct fetch_expr *e = k->e;

	k->at = e->base_span;
	k->what = e->base_span;
	switch (e->base) {
	case FETCH_PARAM:
	case FETCH_ARGN:
		if (c->offset)
			return cfail(k, "%s: at an offset into the function the arguments need not be where the calling convention put them: give %%REG",
				     e->base == FETCH_ARGN ? "$argN" : "parameter names");
		if (e->base == FETCH_ARGN && !c->obj)
			return base_argn_raw(k);
		return base_param(k);
	case FETCH_REG:
		snprintf(k->out->where, sizeof(k->out->where), "%s", abi__reg_name((unsigned int)e->reg));
		value_in(k, KT_BASE_REG, (unsigned int)e->reg, 0, false);
		return 0;
	case FETCH_RETVAL:
		if (!c->ret)
			return cfail(k, "the return value exists at a kretprobe only: add %%return to the spec, or -r");
		if (c->obj && !c->ret_type)
			return cfail(k, "%s returns void", c->func);
		snprintf(k->out->where, sizeof(k->out->where), "retval");
		value_in(k, KT_BASE_RETVAL, 0, c->obj ? c->ret_type : 0, c->obj != NULL);
		return 0;
	case FETCH_COMM:
		if (e->nderefs || e->nops)
			return cfail(k, "$comm is the task's name: it takes no steps");
		snprintf(k->out->where, sizeof(k->out->where), "comm");
		value_in(k, KT_BASE_COMM, 0, 0, false);
		return 0;
	}
	return cfail(k, "unknown base");
}

/* +OFF(BASE), innermost first: the value + OFF is an untyped object. */
static int derefs(struct comp *k)
{
	for (size_t i = 0; i < k->e->nderefs; i++) {
		k->at = k->e->deref_span[i];
		if (to_pointer(k, "+OFF( ) reads memory at an address"))
			return -EINVAL;
		k->what = k->at;
		k->lvalue = true;
		k->typed = false;
		k->off = k->e->deref_off[i];
	}
	return 0;
}

/* ---- the steps ------------------------------------------------------------------- */

/* Member NAME of struct or union ID, looking through anonymous members: its
 * bit offset, type and bitfield size. */
static bool find_member(const struct btf *btf, uint32_t id, const char *name, uint32_t *bit_off,
			uint32_t *type, uint32_t *bits, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		uint32_t base = btf_member_bit_offset(t, (uint32_t)i), inner;

		if (mn && strcmp(mn, name) == 0) {
			const struct btf_type *it = btf__type_by_id(btf, abi__skip_mods(btf, m->type));

			*bit_off = base;
			*type = m->type;
			*bits = btf_member_bitfield_size(t, (uint32_t)i);
			/* without the kind flag, a bitfield is an int of fewer bits */
			if (!*bits && it && btf_is_int(it) && btf_int_bits(it) != it->size * 8) {
				*bits = btf_int_bits(it);
				*bit_off += btf_int_offset(it);
			}
			return true;
		}
		inner = abi__skip_mods(btf, m->type);
		if ((!mn || !*mn) && depth < MEMBER_DEPTH && btf_is_composite(btf__type_by_id(btf, inner)) &&
		    find_member(btf, inner, name, bit_off, type, bits, depth + 1)) {
			*bit_off += base;
			return true;
		}
	}
	return false;
}

/* The member of the struct or union that the object is, or that the pointer
 * in hand points to. */
static int member(struct comp *k, const struct fetch_op *op)
{
	uint32_t id, bit_off, type, bits;
	const struct btf_type *t = skip(k, k->type, &id);
	const char *what = op->kind == FETCH_ARROW ? "->" : ".";

	if (!k->typed)
		return cfail(k, "%.*s has no BTF type (a register, or memory read with +OFF( )): '%s' needs one; read it with +OFF(...)",
			     WHAT(k), what);
	if (op->kind == FETCH_ARROW) {
		if (!t || !btf_is_ptr(t))
			return cfail(k, "%.*s is %s, not a pointer: '->' needs one%s", WHAT(k),
				     tname(k, k->type, 0), t && btf_is_composite(t) ? " (use '.')" : "");
		if (to_pointer(k, "'->' needs one"))
			return -EINVAL;
		k->lvalue = true;
		k->off = 0;
		t = skip(k, t->type, &id);
	} else if (t && btf_is_ptr(t)) {
		return cfail(k, "%.*s is %s, a pointer: use '->'", WHAT(k), tname(k, k->type, 0));
	} else if (!k->lvalue && t && btf_is_composite(t)) {
		return cfail(k, "%.*s is a struct passed by value: its members are not recorded", WHAT(k));
	}
	if (t && btf_is_fwd(t))
		return cfail(k, "%s is only declared in BTF, without its members", tname(k, id, 0));
	if (!t || !btf_is_composite(t))
		return cfail(k, "%.*s %s %s, not a struct or union", WHAT(k),
			     op->kind == FETCH_ARROW ? "points to" : "is",
			     op->kind == FETCH_ARROW ? tname(k, id, 0) : tname(k, k->type, 0));
	if (!find_member(k->btf, id, op->field, &bit_off, &type, &bits, 0))
		return cfail(k, "%s has no member '%s'", tname(k, id, 0), op->field);
	k->off += bit_off / 8;
	k->bit_off = bits ? bit_off % 8 : 0;
	k->bit_size = bits;
	k->type = type;
	return 0;
}

static int step_index(struct comp *k, const struct fetch_op *op)
{
	uint32_t id;
	const struct btf_type *t = k->typed ? skip(k, k->type, &id) : NULL;
	__s64 elem;

	if (t && btf_is_array(t) && k->lvalue) {
		const struct btf_array *a = btf_array(t);

		if (a->nelems && op->index >= a->nelems)
			return cfail(k, "index %llu is past the end of %s", (unsigned long long)op->index,
				     tname(k, k->type, 0));
		k->type = a->type;
	} else if (t && btf_is_ptr(t)) {
		if (to_pointer(k, "[N] needs an array or a pointer"))
			return -EINVAL;
		k->lvalue = true;
		k->off = 0;
		k->type = t->type;
	} else {
		return cfail(k, "%.*s is %s: [N] needs an array or a pointer", WHAT(k),
			     k->typed ? tname(k, k->type, 0) : "untyped");
	}
	elem = btf__resolve_size(k->btf, k->type);
	if (elem <= 0)
		return cfail(k, "the elements have no size (%s)", tname(k, k->type, 0));
	k->off += (int64_t)op->index * elem;
	return 0;
}

static int steps(struct comp *k)
{
	for (size_t i = 0; i < k->e->nops; i++) {
		const struct fetch_op *op = &k->e->ops[i];
		int err;

		k->at = op->span;
		if (i == 0)
			k->what.pos = k->e->nderefs ? k->e->deref_span[k->e->nderefs - 1].pos : k->e->base_span.pos;
		if (k->bit_size)
			return cfail(k, "%.*s is a bitfield: it has no members", WHAT(k));
		err = op->kind == FETCH_INDEX ? step_index(k, op) : member(k, op);
		if (err)
			return err;
		k->what.len = (uint16_t)(op->span.pos + op->span.len - k->what.pos);
	}
	return 0;
}

/* ---- the end ---------------------------------------------------------------------- */

/* The object is a bitfield: read the unit of its declared type that holds it
 * (which lies inside the struct), or, in a packed struct, the fewest bytes. */
static int load_bitfield(struct comp *k)
{
	__s64 unit = btf__resolve_size(k->btf, k->type);
	int64_t first = k->off * 8 + k->bit_off; /* bits from the value */
	uint32_t size = 1, shift;

	if (unit == 1 || unit == 2 || unit == 4 || unit == 8) {
		int64_t start = (first >= 0 ? first : first - unit * 8 + 1) / (unit * 8) * unit;

		if (first - start * 8 + (int64_t)k->bit_size <= unit * 8) {
			k->off = start;
			size = (uint32_t)unit;
		}
	}
	shift = (uint32_t)(first - k->off * 8);
	while (size * 8 < shift + k->bit_size && size < 8)
		size *= 2;
	if (size * 8 < shift + k->bit_size)
		return cfail(k, "%.*s is a bitfield that spans more than 8 bytes: not read", WHAT(k));
	/* x86-64 is little-endian: bit n of the bytes read is bit n of the word */
	k->p->bit_shift = (uint8_t)shift;
	k->p->bit_size = (uint8_t)k->bit_size;
	k->p->size = (uint8_t)size;
	return load(k, size);
}

static bool char_array(const struct comp *k, uint32_t type)
{
	uint32_t id;
	const struct btf_type *t = skip(k, type, &id);

	return t && btf_is_array(t) && btf__resolve_size(k->btf, btf_array(t)->type) == 1;
}

static int end_string(struct comp *k)
{
	uint32_t id;
	const struct btf_type *t = k->typed ? skip(k, k->type, &id) : NULL;

	k->p->final = KT_FINAL_STRING;
	k->p->out = KT_OUT_STR;
	if (k->p->base == KT_BASE_COMM)
		return 0;
	if (k->bit_size)
		return cfail(k, "%.*s is a bitfield, not a string", WHAT(k));
	if (!k->typed || (k->lvalue && char_array(k, k->type))) {
		/* the characters are here: an array, or memory read with +OFF( ) */
		if (k->lvalue) {
			if (k->off < INT32_MIN || k->off > INT32_MAX)
				return cfail(k, "an offset of %lld bytes is out of range", (long long)k->off);
			k->p->str_off = (int32_t)k->off;
		}
		return 0;
	}
	if (!t || !btf_is_ptr(t))
		return cfail(k, "%.*s is %s: ':string' needs a char array or a pointer", WHAT(k),
			     tname(k, k->type, 0));
	return to_pointer(k, "':string' needs one");
}

/* ':u8' ... ':x64': read that many bytes, or keep that many of the value. */
static int end_cast(struct comp *k)
{
	static const uint8_t sizes[] = { [FETCH_T_U8] = 1, [FETCH_T_U16] = 2, [FETCH_T_U32] = 4,
					 [FETCH_T_U64] = 8, [FETCH_T_S8] = 1, [FETCH_T_S16] = 2,
					 [FETCH_T_S32] = 4, [FETCH_T_S64] = 8, [FETCH_T_X8] = 1,
					 [FETCH_T_X16] = 2, [FETCH_T_X32] = 4, [FETCH_T_X64] = 8 };
	enum fetch_type ft = k->e->type;

	k->p->out = ft <= FETCH_T_U64 ? KT_OUT_U : ft <= FETCH_T_S64 ? KT_OUT_S : KT_OUT_X;
	if (k->bit_size)
		return load_bitfield(k);
	k->p->size = sizes[ft];
	if (k->lvalue)
		return load(k, sizes[ft]);
	if (k->p->base == KT_BASE_NONE || k->p->base == KT_BASE_COMM)
		return cfail(k, "%.*s is not a number: ':%s' does not apply", WHAT(k), fetch__type_name(ft));
	return 0;
}

/* No ':TYPE': as BTF says, or 8 bytes in hex when there is no type. */
static int end_typed(struct comp *k)
{
	uint32_t id, bytes;
	const struct btf_type *t = k->typed ? skip(k, k->type, &id) : NULL;
	const char *why;

	if (k->p->base == KT_BASE_COMM)
		return end_string(k);
	if (!k->typed) {
		k->p->out = KT_OUT_X;
		k->p->size = 8;
		return k->lvalue ? load(k, 8) : 0;
	}
	if (k->lvalue && char_array(k, k->type))
		return end_string(k);
	if (t && btf_is_array(t))
		return cfail(k, "%.*s is %s: index it with [N], or give ':string' or ':u64'", WHAT(k),
			     tname(k, k->type, 0));
	if (t && btf_is_composite(t) && k->lvalue)
		return cfail(k, "%.*s is %s: name a member with '.', or give ':u64'", WHAT(k),
			     tname(k, k->type, 0));
	why = abi__format(k->btf, k->type, k->p, &bytes);
	if (why)
		return cfail(k, "%.*s is %s: %s", WHAT(k), tname(k, k->type, 0), why);
	k->out->bytes = bytes;
	if (k->bit_size) {
		uint8_t out = k->p->out;

		k->p->out = out == KT_OUT_BOOL || out == KT_OUT_ENUM || out == KT_OUT_S ? out : KT_OUT_U;
		return load_bitfield(k);
	}
	if (k->p->out == KT_OUT_STRUCT)
		return 0;
	if (k->lvalue && load(k, k->p->size))
		return -EINVAL;
	if (k->p->out == KT_OUT_STR || k->p->out == KT_OUT_KSTR)
		k->p->final = KT_FINAL_STRING; /* a char *: the string it points to */
	return 0;
}

static int finish(struct comp *k)
{
	const struct fetch_expr *e = k->e;
	char type[256];
	int err;

	/* the last step (or the base) and the type after it */
	k->at.pos = e->nops ? e->ops[e->nops - 1].span.pos
			    : e->nderefs ? e->deref_span[e->nderefs - 1].pos : e->base_span.pos;
	k->at.len = (uint16_t)(strlen(e->text) - k->at.pos);
	if (e->type == FETCH_T_STRING)
		err = end_string(k);
	else if (e->type != FETCH_T_NONE)
		err = end_cast(k);
	else
		err = end_typed(k);
	if (err)
		return err;
	if (k->typed && !e->type) {
		if (kbtf__decl(k->c->obj, k->type, "", type, sizeof(type)) < 0 && !type[0])
			return 0;
		k->out->type = strdup(type);
		if (!k->out->type)
			return -ENOMEM;
		k->out->btf = k->btf;
		k->out->type_id = k->type;
	}
	return 0;
}

int fetch__compile(const struct fetch_expr *e, const struct fetch_ctx *c, struct fetch_value *out,
		   char *err, size_t errlen)
{
	struct comp k = { .e = e, .c = c, .btf = c->obj ? kbtf__btf(c->obj) : NULL, .out = out,
			  .p = &out->prog, .err = err, .errlen = errlen };
	int r;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	r = base(&k);
	if (!r)
		r = derefs(&k);
	if (!r)
		r = steps(&k);
	if (!r)
		r = finish(&k);
	if (!r) {
		out->name = strdup(e->label);
		out->expr = strdup(e->text);
		if (!out->name || !out->expr)
			r = -ENOMEM;
	}
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (r)
		fetch_value__free(out);
	return r;
}

void fetch_value__free(struct fetch_value *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->expr);
	free(v->type);
	memset(v, 0, sizeof(*v));
}

void fetch__format_word(const struct fetch_value *v, char *buf, size_t len)
{
	static const char *const words[] = {
		[KT_OUT_NONE] = "none", [KT_OUT_U] = "unsigned", [KT_OUT_S] = "signed",
		[KT_OUT_X] = "hex", [KT_OUT_BOOL] = "bool", [KT_OUT_ENUM] = "enum",
		[KT_OUT_PTR] = "pointer", [KT_OUT_STR] = "string",
		[KT_OUT_KSTR] = "string if in the kernel, else pointer", [KT_OUT_STRUCT] = "struct",
	};
	uint8_t out = v->prog.out;
	const char *w = out < sizeof(words) / sizeof(words[0]) ? words[out] : "?";

	if (out == KT_OUT_STRUCT)
		snprintf(buf, len, "struct by value (%u bytes)", v->bytes);
	else if (v->prog.bit_size)
		snprintf(buf, len, "%s, %u-bit field", w, v->prog.bit_size);
	else if (out == KT_OUT_U || out == KT_OUT_S || out == KT_OUT_X)
		snprintf(buf, len, "%s %u-byte", w, v->prog.size);
	else
		snprintf(buf, len, "%s", w);
}
