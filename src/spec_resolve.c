// SPDX-License-Identifier: GPL-2.0
/* Resolution of a parsed spec against the symbol table. See spec.h. */
#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int candidates__push(struct candidates *c, const struct target *tg)
{
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		struct target *nv = realloc(c->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = ncap;
	}
	c->v[c->n++] = *tg;
	return 0;
}

void candidates__free(struct candidates *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* What to do with each symbol a name walk keeps. */
struct walk {
	struct ksyms *t;
	const struct ksyms_filter *f;
	bool clone; /* mark the targets as clones of the name asked for */
	int (*each)(const struct target *tg, void *arg);
	void *arg;
};

/* Pass the records of one name, name positions [lo, hi), that pass W's filter
 * to W's callback, with their instance numbers. Returns how many were passed,
 * or the callback's first negative return. */
static int walk_name_group(const struct walk *w, size_t lo, size_t hi)
{
	uint32_t count = 0;

	for (size_t i = lo; i < hi; i++) {
		struct target tg = { .sym = ksyms__by_name_at(w->t, i), .clone = w->clone };
		int r;

		tg.index = ksyms__instance_at(w->t, lo, hi, i, w->f, &tg.count);
		if (!tg.index)
			continue;
		count = tg.count;
		r = w->each(&tg, w->arg);
		if (r < 0)
			return r;
	}
	return (int)count;
}

/* Walk name positions [lo, hi) one name at a time, passing on the names that
 * ACCEPT approves. */
static int walk_groups(const struct walk *w, size_t lo, size_t hi,
		       bool (*accept)(const char *name, const void *arg), const void *arg)
{
	int total = 0;

	while (lo < hi) {
		const char *nm = ksyms__name(w->t, ksyms__by_name_at(w->t, lo));
		size_t end = lo + 1;

		while (end < hi && strcmp(ksyms__name(w->t, ksyms__by_name_at(w->t, end)), nm) == 0)
			end++;
		if (!accept || accept(nm, arg)) {
			int r = walk_name_group(w, lo, end);

			if (r < 0)
				return r;
			total += r;
		}
		lo = end;
	}
	return total;
}

static int push_target(const struct target *tg, void *arg)
{
	return candidates__push(arg, tg);
}

static bool accept_glob(const char *name, const void *arg)
{
	return fnmatch((const char *)arg, name, 0) == 0;
}

static bool accept_clone(const char *name, const void *arg)
{
	return ksyms__is_clone_of(name, (const char *)arg);
}

/* Every name that GLOB (NULL: any) matches: the names that start with its
 * literal part, before the first wildcard, go through fnmatch. */
static int walk_glob(const struct walk *w, const char *glob)
{
	char pfx[KSYMS_NAME_MAX + 1];
	size_t n = glob ? strcspn(glob, "*?[\\") : 0, lo, hi;

	if (n > KSYMS_NAME_MAX)
		return 0; /* longer than any name */
	memcpy(pfx, glob ? glob : "", n);
	pfx[n] = '\0';
	ksyms__by_prefix(w->t, pfx, &lo, &hi);
	return walk_groups(w, lo, hi, glob ? accept_glob : NULL, glob);
}

int spec__each_match(struct ksyms *t, const char *glob, const struct ksyms_filter *f,
		     int (*each)(const struct target *tg, void *arg), void *arg)
{
	/* a module that is not loaded lists from its own table */
	struct walk w = { .t = ksyms__mod_table(t, f->mod), .f = f, .each = each, .arg = arg };

	return walk_glob(&w, glob);
}

static enum spec_res nomem(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return SPEC_RES_NOMEM;
}

static enum spec_res not_found(const struct spec *sp, struct ksyms *t,
			       const struct ksyms_filter *f, char *err, size_t errlen)
{
	const char *sugg[3];
	size_t lo, hi, all, n;
	char hint[3 * (KSYMS_NAME_MAX + 2)] = "";
	int len = 0;

	all = ksyms__by_name(t, sp->name, &lo, &hi);
	if (all && f->mod != KSYMS_ANY_MOD) {
		snprintf(err, errlen, "%s: no %s%s in module %s (%zu elsewhere: try without '%s:')",
			 sp->text, sp->name, f->funcs_only ? " function" : "", ksyms__mod_name(t, (uint16_t)f->mod),
			 all, ksyms__mod_name(t, (uint16_t)f->mod));
		return SPEC_RES_NOT_FOUND;
	}
	if (all && f->funcs_only) {
		const struct ksym *s = ksyms__by_name_at(t, lo);

		snprintf(err, errlen, "%s: %s is not a function (kallsyms type '%c'): only text symbols can be probed",
			 sp->text, sp->name, s->type);
		return SPEC_RES_NOT_FOUND;
	}
	if (sp->glob) {
		snprintf(err, errlen, "%s: no symbol matches", sp->text);
		return SPEC_RES_NOT_FOUND;
	}
	n = ksyms__suggest(t, sp->name, sugg, 3);
	for (size_t i = 0; i < n && len >= 0 && (size_t)len < sizeof(hint); i++)
		len += snprintf(hint + len, sizeof(hint) - (size_t)len, "%s%s", i ? ", " : "", sugg[i]);
	if (n)
		snprintf(err, errlen, "%s: no such symbol; did you mean: %s?", sp->text, hint);
	else
		snprintf(err, errlen, "%s: no such symbol", sp->text);
	return SPEC_RES_NOT_FOUND;
}

/* Why no symbol contains the address of SP: before the first, past the last of
 * a module (its size unknown), or in a gap. */
static enum spec_res no_symbol_at(const struct spec *sp, const struct ksyms *t, char *err,
				  size_t errlen)
{
	size_t n = ksyms__count(t), lo, hi;
	const struct ksym *prev;

	ksyms__by_addr(t, sp->addr, &lo, &hi);
	if (lo == 0 || n == 0) {
		snprintf(err, errlen, "%s: below the first symbol (%s at 0x%" PRIx64 ")", sp->text,
			 n ? ksyms__name(t, ksyms__at(t, 0)) : "none", n ? ksyms__at(t, 0)->addr : 0);
		return SPEC_RES_NO_ADDR;
	}
	prev = ksyms__at(t, lo - 1);
	if (!prev->size)
		snprintf(err, errlen, "%s: past %s at 0x%" PRIx64 " [%s], the last symbol of its module, whose size is unknown",
			 sp->text, ksyms__name(t, prev), prev->addr, ksyms__mod_name(t, prev->mod));
	else
		snprintf(err, errlen, "%s: in a gap, past the end of %s (0x%" PRIx64 " + %u) [%s]",
			 sp->text, ksyms__name(t, prev), prev->addr, prev->size,
			 ksyms__mod_name(t, prev->mod));
	return SPEC_RES_NO_ADDR;
}

static enum spec_res resolve_addr(const struct spec *sp, struct ksyms *t,
				  const struct ksyms_filter *f, struct candidates *out, char *err,
				  size_t errlen)
{
	const struct ksym *s = ksyms__containing(t, sp->addr);
	size_t lo, hi;

	if (!s)
		return no_symbol_at(sp, t, err, errlen);
	if (f->funcs_only && !ksym_is_func(s)) {
		snprintf(err, errlen, "%s: inside %s (kallsyms type '%c'), which is not a function",
			 sp->text, ksyms__name(t, s), s->type);
		return SPEC_RES_NO_ADDR;
	}
	if (f->mod != KSYMS_ANY_MOD && s->mod != f->mod) {
		snprintf(err, errlen, "%s: inside %s in module %s, not %s", sp->text, ksyms__name(t, s),
			 ksyms__mod_name(t, s->mod), ksyms__mod_name(t, (uint16_t)f->mod));
		return SPEC_RES_NO_ADDR;
	}
	/* the containing symbol and every alias at its start, each numbered in the
	 * same terms as a name query */
	ksyms__by_addr(t, s->addr, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *a = ksyms__at(t, i);
		struct target tg = { .sym = a, .off = sp->addr - a->addr, .alias = a != s };

		if (a->mod != s->mod)
			continue;
		tg.index = ksyms__instance(t, a, f, &tg.count);
		if (!tg.index)
			continue;
		if (candidates__push(out, &tg))
			return nomem(err, errlen);
	}
	return SPEC_RES_OK;
}

/* Keep only OUT[from..] entries that SP's #N or @ADDR and O's --addr approve;
 * returns how many remain. */
static size_t select_in_place(struct candidates *out, size_t from, const struct spec *sp,
			      const struct resolve_opts *o)
{
	size_t w = from;

	for (size_t i = from; i < out->n; i++) {
		const struct target *tg = &out->v[i];

		if (sp->inst && tg->index != sp->inst)
			continue;
		if (sp->has_at && tg->sym->addr != sp->at)
			continue;
		if (o && o->has_at && tg->sym->addr != o->at)
			continue;
		out->v[w++] = *tg;
	}
	out->n = w;
	return w - from;
}

/* #N, @ADDR and --addr on the instances OUT[from..]: keep the one they pick, or
 * say why none is (IN_MODULE: a module filter narrowed the count). */
static enum spec_res select_instance(const struct spec *sp, const struct resolve_opts *o,
				     bool in_module, struct candidates *out, size_t from,
				     char *err, size_t errlen)
{
	uint32_t count = out->v[from].count;
	size_t total = out->n - from;
	char list[160] = "";
	int len = 0;

	/* the first few starts, for the message if nothing is selected */
	for (size_t i = 0; i < total && i < 4 && len >= 0 && (size_t)len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - (size_t)len, "%s0x%" PRIx64, i ? ", " : "",
				out->v[from + i].sym->addr);
	if (select_in_place(out, from, sp, o))
		return SPEC_RES_OK;
	if (sp->inst) {
		if (count == 1)
			snprintf(err, errlen, "%s: %s has only 1 instance%s: drop the '#%u'", sp->text,
				 sp->name, in_module ? " in that module" : "", sp->inst);
		else
			snprintf(err, errlen, "%s: %s has only %u instances%s: pick #1 to #%u", sp->text,
				 sp->name, count, in_module ? " in that module" : "", count);
		return SPEC_RES_BAD_INSTANCE;
	}
	snprintf(err, errlen, "%s: no instance of %s starts at 0x%" PRIx64 "; they start at %s%s",
		 sp->text, sp->name, sp->has_at ? sp->at : o->at, list, total > 4 ? ", ..." : "");
	return SPEC_RES_NO_AT;
}

/* /SIZE on the instances OUT[from..]: keep those of that size, and those whose
 * size is unknown, which it cannot rule out; or say which sizes there are. */
static enum spec_res select_size(const struct spec *sp, const struct ksyms *t,
				 struct candidates *out, size_t from, char *err, size_t errlen)
{
	char list[512] = "";
	size_t w = from, total = out->n - from;
	int len = 0;

	for (size_t i = 0; i < total && i < 8 && len >= 0 && (size_t)len < sizeof(list); i++) {
		const struct target *tg = &out->v[from + i];

		len += snprintf(list + len, sizeof(list) - (size_t)len, "%s0x%x", i ? ", " : "",
				tg->sym->size);
		if (tg->count > 1 && len >= 0 && (size_t)len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - (size_t)len, " (#%u)", tg->index);
	}
	for (size_t i = from; i < out->n; i++)
		if (!out->v[i].sym->size || out->v[i].sym->size == sp->size)
			out->v[w++] = out->v[i];
	if (w > from) {
		out->n = w;
		return SPEC_RES_OK;
	}
	if (total == 1)
		snprintf(err, errlen, "%s: %s is 0x%x bytes long, not 0x%" PRIx64 " (a table from another build?)",
			 sp->text, ksyms__name(t, out->v[from].sym), out->v[from].sym->size, sp->size);
	else
		snprintf(err, errlen, "%s: no %s%s is 0x%" PRIx64 " bytes long; the sizes are %s%s (a table from another build?)",
			 sp->text, sp->name, out->v[from].clone ? " clone" : "", sp->size, list,
			 total > 8 ? ", ..." : "");
	out->n = from;
	return SPEC_RES_BAD_SIZE;
}

/* A module that is not loaded has symbols but no addresses yet. */
static enum spec_res not_loaded(const struct spec *sp, const struct ksyms *t,
				const struct resolve_opts *o, int mod, char *err, size_t errlen)
{
	const char *name = ksyms__mod_name(t, (uint16_t)mod);

	if (sp->is_addr)
		snprintf(err, errlen, "%s: module %s is not loaded: none of its symbols has an address yet",
			 sp->text, name);
	else if (sp->has_at || (o && o->has_at))
		snprintf(err, errlen, "%s: module %s is not loaded: its functions have no addresses yet; pick one with #N",
			 sp->text, name);
	else
		return SPEC_RES_OK;
	return SPEC_RES_NOT_LOADED;
}

/* The module SP's MOD: or O's --module names, as F's module. */
static enum spec_res module_filter(const struct spec *sp, const struct ksyms *t,
				   const struct resolve_opts *o, struct ksyms_filter *f, char *err,
				   size_t errlen)
{
	const char *modname = sp->mod;

	f->mod = KSYMS_ANY_MOD;
	if (o && o->mod) {
		if (modname && strcmp(modname, o->mod) != 0) {
			snprintf(err, errlen, "%s: module %s in the spec contradicts --module %s", sp->text,
				 modname, o->mod);
			return SPEC_RES_NO_MODULE;
		}
		modname = o->mod;
	}
	if (!modname)
		return SPEC_RES_OK;
	f->mod = ksyms__mod_find(t, modname);
	if (f->mod < 0) {
		snprintf(err, errlen, "%s: no module '%s' in the symbol table: is it loaded? (lsmod)",
			 sp->text, modname);
		return SPEC_RES_NO_MODULE;
	}
	return SPEC_RES_OK;
}

/* Every record SP's name or glob names, into OUT; a name with no exact match
 * offers its compiler clones. Returns how many, or -ENOMEM. */
static int resolve_name(const struct spec *sp, struct ksyms *t, const struct ksyms_filter *f,
			struct candidates *out)
{
	struct walk w = { .t = t, .f = f, .each = push_target, .arg = out };
	size_t lo, hi, len = strlen(sp->name);
	char pfx[KSYMS_NAME_MAX + 2];
	int r;

	if (sp->glob)
		return walk_glob(&w, sp->name);
	ksyms__by_name(t, sp->name, &lo, &hi);
	r = walk_name_group(&w, lo, hi);
	if (r != 0 || len > KSYMS_NAME_MAX)
		return r;
	/* no exact match: offer "name.isra.0", "name.constprop.0", ... */
	memcpy(pfx, sp->name, len);
	memcpy(pfx + len, ".", 2);
	ksyms__by_prefix(t, pfx, &lo, &hi);
	w.clone = true;
	return walk_groups(&w, lo, hi, accept_clone, sp->name);
}

static bool accept_call_clone(const char *name, const void *arg)
{
	return ksyms__is_clone_of(name, (const char *)arg) && !ksyms__is_cold(name);
}

int spec__clones(const struct spec *sp, struct ksyms *t, const struct resolve_opts *o,
		 struct candidates *out)
{
	struct ksyms_filter f = { .funcs_only = o && o->funcs_only };
	struct walk w = { .f = &f, .clone = true, .each = push_target, .arg = out };
	size_t lo, hi, len = sp->name ? strlen(sp->name) : 0;
	char pfx[KSYMS_NAME_MAX + 2], err[64];

	if (sp->is_addr || sp->glob || len > KSYMS_NAME_MAX ||
	    module_filter(sp, t, o, &f, err, sizeof(err)) != SPEC_RES_OK)
		return 0;
	w.t = t = ksyms__mod_table(t, f.mod);
	memcpy(pfx, sp->name, len);
	memcpy(pfx + len, ".", 2);
	ksyms__by_prefix(t, pfx, &lo, &hi);
	return walk_groups(&w, lo, hi, accept_call_clone, sp->name);
}

enum spec_res spec__resolve(const struct spec *sp, struct ksyms *t, const struct resolve_opts *o,
			    struct candidates *out, char *err, size_t errlen)
{
	struct ksyms_filter f = { .funcs_only = o && o->funcs_only };
	size_t from = out->n;
	enum spec_res res;
	int r;

	res = module_filter(sp, t, o, &f, err, errlen);
	if (res == SPEC_RES_OK && !ksyms__mod_loaded(t, f.mod))
		res = not_loaded(sp, t, o, f.mod, err, errlen);
	if (res != SPEC_RES_OK)
		return res;
	/* a module that is not loaded resolves in its own table */
	t = ksyms__mod_table(t, f.mod);
	if (sp->is_addr) {
		res = resolve_addr(sp, t, &f, out, err, errlen);
		if (res == SPEC_RES_OK && o && o->has_at && out->v[from].sym->addr != o->at) {
			snprintf(err, errlen, "%s: starts at 0x%" PRIx64 ", not at --addr 0x%" PRIx64,
				 sp->text, out->v[from].sym->addr, o->at);
			res = SPEC_RES_NO_AT;
		}
		if (res != SPEC_RES_OK)
			out->n = from;
		return res;
	}
	r = resolve_name(sp, t, &f, out);
	if (r < 0) {
		out->n = from;
		return nomem(err, errlen);
	}
	if (r == 0)
		return not_found(sp, t, &f, err, errlen);
	if (sp->inst || sp->has_at || (o && o->has_at)) {
		res = select_instance(sp, o, f.mod != KSYMS_ANY_MOD, out, from, err, errlen);
		if (res != SPEC_RES_OK)
			return res;
	}
	if (sp->has_size) {
		res = select_size(sp, t, out, from, err, errlen);
		if (res != SPEC_RES_OK)
			return res;
	}
	for (size_t i = from; i < out->n; i++)
		out->v[i].off = sp->off;
	return SPEC_RES_OK;
}
