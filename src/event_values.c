// SPDX-License-Identifier: GPL-2.0
/* The values of one event, text and JSON. See event_values.h. */
#define _GNU_SOURCE
#include "event_values.h"

#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "abi.h"
#include "fmt.h"
#include "log.h"

/* -MAX_ERRNO .. -1: what the kernel returns for an error, in a long or an
 * ERR_PTR (include/linux/err.h) */
#define ERRNO_MAX 4095

static const char *const arg_regs[RECORD_NARGS] = { "di", "si", "dx", "cx", "r8", "r9" };

/* ---- the record's shape ------------------------------------------------------------ */

struct record_probe *event_values__shape(const struct probe_values_set *pv, const struct plan *pl)
{
	size_t n = plan__count(pl);
	struct record_probe *sh = calloc(n ? n : 1, sizeof(*sh));

	for (size_t id = 0; sh && id < n; id++) {
		const struct probe_values *p = probe_values__get(pv, id);

		for (size_t i = 0; p && i < p->n && i < KT_FETCH_MAX; i++) {
			const struct kt_fetch *f = &p->v[i].prog;

			sh[id].nvals++;
			if (f->final == KT_FINAL_STRING)
				sh[id].str_mask |= (uint16_t)(1u << i);
			if (f->base == KT_BASE_NONE)
				sh[id].none_mask |= (uint16_t)(1u << i);
		}
	}
	return sh;
}

/* ---- the banner ------------------------------------------------------------------ */

#define BANNER_RAW_MAX 12

struct banner_reason {
	const char *why;
	size_t first; /* the first probe with it */
	size_t n;
};

/* PR's label as a spec: "c_start#2", "vfs_read%return" */
static void banner_line(const struct plan *pl, const struct banner_reason *r)
{
	const struct probe *pr = plan__probe(pl, r->first);

	if (r->n == 1)
		log_note("%s%s: raw registers: %s", pr->label, pr->ret ? "%return" : "", r->why);
	else
		log_note("%s%s and %zu more probes: raw registers: %s", pr->label,
			 pr->ret ? "%return" : "", r->n - 1, r->why);
}

void event_values__banner(const struct probe_values_set *pv, const struct plan *pl)
{
	struct banner_reason r[BANNER_RAW_MAX];
	size_t n = plan__count(pl), nr = 0, more = 0, k;

	for (size_t id = 0; pv && id < n; id++) {
		const struct probe_values *p = probe_values__get(pv, id);

		if (!p || !p->raw_why || strcmp(p->raw_why, "--raw") == 0)
			continue;
		/* one line per reason: a kernel without BTF says it once */
		for (k = 0; k < nr && strcmp(r[k].why, p->raw_why) != 0; k++)
			;
		if (k < nr)
			r[k].n++;
		else if (nr < BANNER_RAW_MAX)
			r[nr++] = (struct banner_reason){ p->raw_why, id, 1 };
		else
			more++;
	}
	for (k = 0; k < nr; k++)
		banner_line(pl, &r[k]);
	if (more)
		log_note("and %zu more probe%s with raw registers: --dry-run lists them", more,
			 more == 1 ? "" : "s");
}

/* ---- numbers ------------------------------------------------------------------------ */

const char *event_values__errno_name(int err)
{
	/* include/linux/errno.h: the kernel's own, which never reach user space */
	static const char *const kernel[] = {
		"ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ENOIOCTLCMD",
		"ERESTART_RESTARTBLOCK", "EPROBE_DEFER", "EOPENSTALE", "ENOPARAM", NULL,
		"EBADHANDLE", "ENOTSYNC", "EBADCOOKIE", "ENOTSUPP", "ETOOSMALL", "ESERVERFAULT",
		"EBADTYPE", "EJUKEBOX", "EIOCBQUEUED", "ERECALLCONFLICT", "ENOGRACE",
	};

	if (err >= 512 && err < 512 + (int)(sizeof(kernel) / sizeof(kernel[0])))
		return kernel[err - 512];
	/* glibc's names are the uapi ones (asm-generic/errno*.h) */
	return err > 0 && err < 512 ? strerrorname_np(err) : NULL;
}

/* V as its program says: the bitfield's bits, or SIZE bytes; sign-extended when
 * SIGNED. */
static uint64_t cut(const struct kt_fetch *f, uint64_t v, bool is_signed)
{
	unsigned int bits = f->bit_size ? f->bit_size : f->size && f->size < 8 ? 8u * f->size : 64;

	if (f->bit_size)
		v >>= f->bit_shift;
	if (bits < 64) {
		v &= (1ull << bits) - 1;
		if (is_signed && (v >> (bits - 1) & 1))
			v |= ~0ull << bits;
	}
	return v;
}

/* The enum type of V, or NULL. */
static const struct btf_type *enum_type(const struct fetch_value *fv)
{
	const struct btf_type *t;

	if (!fv->btf || !fv->type_id)
		return NULL;
	t = btf__type_by_id(fv->btf, abi__skip_mods(fv->btf, fv->type_id));
	return t && btf_is_any_enum(t) ? t : NULL;
}

/* The name of the enumerator of value V (as cut to its bits), or NULL. */
static const char *enum_name(const struct fetch_value *fv, uint64_t v)
{
	const struct btf_type *t = enum_type(fv);
	const struct kt_fetch *f = &fv->prog;
	unsigned int bits = f->bit_size ? f->bit_size : f->size && f->size < 8 ? 8u * f->size : 64;
	uint64_t mask = bits < 64 ? (1ull << bits) - 1 : ~0ull;

	if (!t)
		return NULL;
	for (int i = 0; i < btf_vlen(t); i++) {
		uint64_t ev = btf_is_enum(t) ? (uint64_t)(int64_t)btf_enum(t)[i].val
					     : btf_enum64_value(btf_enum64(t) + i);
		uint32_t name = btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;

		if ((ev & mask) == (v & mask))
			return btf__name_by_offset(fv->btf, name);
	}
	return NULL;
}

static bool enum_signed(const struct fetch_value *fv)
{
	const struct btf_type *t = enum_type(fv);

	return t && btf_kflag(t);
}

static char *dec(char *o, uint64_t v, bool is_signed)
{
	if (is_signed && (int64_t)v < 0) {
		*o++ = '-';
		return fmt_u64(o, 0 - v);
	}
	return fmt_u64(o, v);
}

/* A name, at most EVENT_VALUE_NAME_MAX bytes of it. */
static char *name_text(char *o, const char *s)
{
	return fmt_str(o, s, strnlen(s, EVENT_VALUE_NAME_MAX));
}

/* "<struct 16 bytes>" / "<union 8 bytes>" */
static bool is_union(const struct fetch_value *fv)
{
	const struct btf_type *t = fv->btf && fv->type_id
		? btf__type_by_id(fv->btf, abi__skip_mods(fv->btf, fv->type_id)) : NULL;

	return t && btf_is_union(t);
}

/* ---- text ----------------------------------------------------------------------------- */

/* S (N bytes) between quotes, escaped as C does; "..." after it when CUT. */
static char *string_text(char *o, const char *s, size_t n, bool cut_short)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			*o++ = (char)c;
		} else if (c == '\n' || c == '\t') {
			*o++ = '\\';
			*o++ = c == '\n' ? 'n' : 't';
		} else {
			o = fmt_str(o, "\\x", 2);
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o++ = '"';
	return cut_short ? fmt_str(o, "...", 3) : o;
}

static char *number_text(char *o, const struct fetch_value *fv, uint64_t v)
{
	const struct kt_fetch *f = &fv->prog;
	const char *name;

	switch (f->out) {
	case KT_OUT_U:
		return dec(o, cut(f, v, false), false);
	case KT_OUT_S:
		return dec(o, cut(f, v, true), true);
	case KT_OUT_BOOL:
		return cut(f, v, false) ? fmt_str(o, "true", 4) : fmt_str(o, "false", 5);
	case KT_OUT_ENUM:
		name = enum_name(fv, v);
		if (name)
			return name_text(o, name);
		return dec(o, cut(f, v, enum_signed(fv)), enum_signed(fv));
	case KT_OUT_STR:
	case KT_OUT_KSTR:
		/* a string's pointer, not read: NULL, or a buffer in user space */
		if (!v)
			return fmt_str(o, "NULL", 4);
		return fmt_hex(o, v);
	case KT_OUT_X:
		return fmt_hex(o, cut(f, v, false));
	default: /* KT_OUT_PTR */
		return fmt_hex(o, v);
	}
}

static char *value_text(char *o, const struct fetch_value *fv, const struct event_value *ev)
{
	switch (ev->state) {
	case KT_VAL_VALUE:
		return number_text(o, fv, ev->v);
	case KT_VAL_STRING:
		return string_text(o, ev->str, ev->str_len, ev->cut);
	case KT_VAL_FAULT:
		return fmt_str(o, "<fault>", 7);
	default:
		if (fv->prog.out != KT_OUT_STRUCT)
			return fmt_str(o, "<unavailable>", 13);
		o = is_union(fv) ? fmt_str(o, "<union ", 7) : fmt_str(o, "<struct ", 8);
		o = fmt_u64(o, fv->bytes);
		return fmt_str(o, " bytes>", 7);
	}
}

/* The six registers, by position at a function's start (where they are its
 * arguments), by name anywhere else. */
static char *regs_text(char *o, const struct probe *pr, const struct event *ev)
{
	bool named = pr && pr->off;

	*o++ = '(';
	for (int i = 0; i < RECORD_NARGS; i++) {
		if (i)
			o = fmt_str(o, ", ", 2);
		if (named) {
			o = fmt_str(o, arg_regs[i], 2);
			*o++ = '=';
		}
		o = fmt_hex(o, ev->args[i]);
	}
	*o++ = ')';
	return o;
}

/* " = VALUE" of a kretprobe: typed, or the register in hex (with its errno
 * reading) when untyped; nothing for a void function. */
static char *retval_text(char *o, const struct probe_values *p, uint64_t rv)
{
	const struct fetch_value *fv = p ? &p->ret : NULL;
	const struct kt_fetch *f = fv ? &fv->prog : NULL;
	const char *name;
	int64_t s;

	if (fv && fv->btf && !fv->type_id)
		return o; /* void */
	o = fmt_str(o, " = ", 3);
	if (!fv || !fv->btf) {
		o = fmt_hex(o, rv);
		if (rv >= (uint64_t)-ERRNO_MAX) {
			o = fmt_str(o, " (-", 3);
			o = fmt_u64(o, -rv);
			*o++ = ')';
		}
		return o;
	}
	if (fv->unavailable)
		return fmt_str(o, "<unavailable>", 13);
	if (f->out == KT_OUT_STRUCT)
		return value_text(o, fv, &(struct event_value){ .state = KT_VAL_NONE });
	if (f->out == KT_OUT_S) {
		/* an int's upper half of rax is whatever the callee left there */
		s = (int64_t)cut(f, rv, true);
		o = dec(o, (uint64_t)s, true);
		name = s < 0 && s >= -ERRNO_MAX ? event_values__errno_name((int)-s) : NULL;
		if (name) {
			o = fmt_str(o, " (", 2);
			o = fmt_str(o, name, strlen(name));
			*o++ = ')';
		}
		return o;
	}
	if ((f->out == KT_OUT_PTR || f->out == KT_OUT_STR || f->out == KT_OUT_KSTR) &&
	    rv >= (uint64_t)-ERRNO_MAX) {
		/* an ERR_PTR */
		name = event_values__errno_name((int)-rv);
		if (!name) {
			o = dec(fmt_str(o, "ERR_PTR(", 8), rv, true);
			*o++ = ')';
			return o;
		}
		*o++ = '-';
		return fmt_str(o, name, strlen(name));
	}
	if (f->out == KT_OUT_PTR || f->out == KT_OUT_STR || f->out == KT_OUT_KSTR)
		return fmt_hex(o, rv);
	return number_text(o, fv, rv);
}

char *event_values__text(char *o, const struct probe_values *p, const struct probe *pr,
			 const struct event *ev)
{
	/* typed (a function without parameters too: "()"), or --arg values */
	bool values = p && (p->exprs || !p->raw_why);

	if (ev->ret && !(p && p->exprs))
		return retval_text(o, p, ev->retval);
	if (!values) /* raw registers */
		return regs_text(fmt_str(o, " ", 1), pr, ev);
	o = fmt_str(o, " (", 2);
	for (size_t i = 0; i < ev->nvals && i < p->n; i++) {
		if (i)
			o = fmt_str(o, ", ", 2);
		o = name_text(o, p->v[i].name);
		*o++ = '=';
		o = value_text(o, &p->v[i], &ev->vals[i]);
	}
	*o++ = ')';
	return o;
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void number_json(struct json *j, const struct fetch_value *fv, uint64_t v)
{
	const struct kt_fetch *f = &fv->prog;
	const char *name;

	switch (f->out) {
	case KT_OUT_U:
		json_u64(j, cut(f, v, false));
		return;
	case KT_OUT_S:
		json_i64(j, (int64_t)cut(f, v, true));
		return;
	case KT_OUT_BOOL:
		json_bool(j, cut(f, v, false) != 0);
		return;
	case KT_OUT_ENUM:
		name = enum_name(fv, v);
		if (name)
			json_str(j, name);
		else if (enum_signed(fv))
			json_i64(j, (int64_t)cut(f, v, true));
		else
			json_u64(j, cut(f, v, false));
		return;
	case KT_OUT_STR:
	case KT_OUT_KSTR:
		if (!v)
			json_null(j);
		else
			json_hex(j, v);
		return;
	case KT_OUT_X:
		json_hex(j, cut(f, v, false));
		return;
	default:
		json_hex(j, v);
	}
}

/* {"struct":16} or {"union":8}: a marker, never a made-up value */
static void marker_json(struct json *j, const struct fetch_value *fv)
{
	json_obj_begin(j);
	json_ku64(j, is_union(fv) ? "union" : "struct", fv->bytes);
	json_obj_end(j);
}

static void value_json(struct json *j, const struct fetch_value *fv, const struct event_value *ev)
{
	switch (ev->state) {
	case KT_VAL_VALUE:
		number_json(j, fv, ev->v);
		return;
	case KT_VAL_STRING:
		json_strn(j, ev->str, ev->str_len);
		return;
	case KT_VAL_FAULT:
		json_obj_begin(j);
		json_khex(j, "fault", ev->v);
		json_obj_end(j);
		return;
	default:
		if (fv->prog.out == KT_OUT_STRUCT)
			marker_json(j, fv);
		else
			json_null(j);
	}
}

static void regs_json(struct json *j, const struct event *ev)
{
	json_key(j, "regs");
	json_obj_begin(j);
	for (int i = 0; i < RECORD_NARGS; i++)
		json_khex(j, arg_regs[i], ev->args[i]);
	json_obj_end(j);
}

static void retval_json(struct json *j, const struct probe_values *p, uint64_t rv)
{
	const struct fetch_value *fv = p ? &p->ret : NULL;
	const struct kt_fetch *f = fv ? &fv->prog : NULL;
	const char *name = NULL;

	json_key(j, "retval");
	if (!fv || !fv->btf) {
		json_hex(j, rv);
		return;
	}
	if (!fv->type_id || fv->unavailable) { /* void, or nothing honest to say */
		json_null(j);
		return;
	}
	if (f->out == KT_OUT_STRUCT) {
		marker_json(j, fv);
		return;
	}
	if (f->out == KT_OUT_S) {
		int64_t s = (int64_t)cut(f, rv, true);

		json_i64(j, s);
		if (s < 0 && s >= -ERRNO_MAX)
			name = event_values__errno_name((int)-s);
	} else if (f->out == KT_OUT_PTR || f->out == KT_OUT_STR || f->out == KT_OUT_KSTR) {
		json_hex(j, rv);
		if (rv >= (uint64_t)-ERRNO_MAX)
			name = event_values__errno_name((int)-rv);
	} else {
		number_json(j, fv, rv);
	}
	if (name)
		json_kstr(j, "errno", name);
}

void event_values__json(struct json *j, const struct probe_values *p, const struct probe *pr,
			const struct event *ev)
{
	bool values = p && (p->exprs || !p->raw_why);

	(void)pr;
	if (ev->ret && !(p && p->exprs)) {
		retval_json(j, p, ev->retval);
		return;
	}
	if (!values && !ev->ret) {
		json_key(j, "args");
		json_obj_begin(j);
		json_obj_end(j);
		regs_json(j, ev);
		return;
	}
	json_key(j, "args");
	json_obj_begin(j);
	for (size_t i = 0; i < ev->nvals && i < p->n; i++) {
		json_key(j, p->v[i].name);
		value_json(j, &p->v[i], &ev->vals[i]);
	}
	json_obj_end(j);
}
