// SPDX-License-Identifier: GPL-2.0
/* The spec grammar and its resolution. See spec.h. */
#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Number field WHAT of spec TEXT: one message for every way it can be wrong. */
static int parse_num(const char *text, const char *what, const char *s, uint64_t *out,
		     char *err, size_t errlen)
{
	int r;

	if (!*s)
		return fail(err, errlen, "%s: missing %s (decimal or 0x-hex)", text, what);
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && !s[2])
		return fail(err, errlen, "%s: missing hex digits after '%s' in the %s", text, s, what);
	r = parse_u64(s, out);
	if (r == -ERANGE)
		return fail(err, errlen, "%s: %s '%s' is out of range (over 64 bits)", text, what, s);
	if (r)
		return fail(err, errlen, "%s: bad %s '%s': use decimal or 0x-hex digits", text, what, s);
	return 0;
}

/* How many leading bytes of S are name characters. */
static size_t name_span(const char *s)
{
	size_t n = 0;

	while (s[n] && ksym_name_byte((unsigned char)s[n]))
		n++;
	return n;
}

void spec__free(struct spec *sp)
{
	if (!sp)
		return;
	free(sp->text);
	free(sp->mod);
	free(sp->name);
	memset(sp, 0, sizeof(*sp));
}

int spec__parse(const char *text, struct spec *sp, char *err, size_t errlen)
{
	char *buf = NULL, *p, *colon, *sel, *plus, *pct;
	bool kret_prefix = false;
	int r = -EINVAL;

	memset(sp, 0, sizeof(*sp));
	if (!text || !*text)
		return fail(err, errlen, "empty spec: give a symbol name (vfs_read), NAME+OFF or an address");
	/* Only the bytes before the first space or control byte are ever quoted
	 * back: a newline or an escape sequence echoed would split the message or
	 * reach the terminal. */
	size_t safe = name_span(text);

	if (strlen(text) > SPEC_TEXT_MAX)
		return fail(err, errlen, "%.*s...: spec longer than %d bytes: a symbol name has at most %d",
			    (int)(safe < 40 ? safe : 40), text, SPEC_TEXT_MAX, KSYMS_NAME_MAX);
	if (text[safe])
		return fail(err, errlen, "'%.*s': spaces and control characters are not allowed in a spec (byte %zu is 0x%02x): a spec is one word, such as vfs_read+0x10",
			    (int)safe, text, safe + 1, (unsigned char)text[safe]);
	sp->text = strdup(text);
	buf = strdup(text);
	if (!sp->text || !buf) {
		r = fail(err, errlen, "out of memory");
		goto out;
	}
	p = buf;

	/* bpftrace spelling: kprobe:[MOD:]NAME[+OFF], kretprobe:... */
	if (strncmp(p, "kprobe:", 7) == 0) {
		p += 7;
	} else if (strncmp(p, "kretprobe:", 10) == 0) {
		p += 10;
		kret_prefix = true;
		sp->ret = true;
	}

	/* perf spelling: %return */
	pct = strchr(p, '%');
	if (pct) {
		if (strcmp(pct, "%return") != 0) {
			r = fail(err, errlen, "%s: unknown suffix '%s': the only one is %%return", text, pct);
			goto out;
		}
		if (kret_prefix) {
			r = fail(err, errlen, "%s: kretprobe: and %%return say the same thing: use one", text);
			goto out;
		}
		*pct = '\0';
		sp->ret = true;
	}

	colon = strchr(p, ':');
	if (colon) {
		if (strchr(colon + 1, ':')) {
			r = fail(err, errlen, "%s: too many ':': write MOD:NAME (or kprobe:MOD:NAME)", text);
			goto out;
		}
		*colon = '\0';
		if (!*p) {
			r = fail(err, errlen, "%s: empty module name before ':': write MOD:NAME, or drop the ':'", text);
			goto out;
		}
		sp->mod = strdup(p);
		if (!sp->mod) {
			r = fail(err, errlen, "out of memory");
			goto out;
		}
		p = colon + 1;
	}

	sel = strpbrk(p, "#@");
	if (sel) {
		char kind = *sel;

		if (strpbrk(sel + 1, "#@")) {
			r = fail(err, errlen, "%s: give one selector, #N or @ADDR, not both", text);
			goto out;
		}
		*sel = '\0';
		if (kind == '#') {
			uint64_t n;

			r = parse_num(text, "instance number after '#'", sel + 1, &n, err, errlen);
			if (r)
				goto out;
			r = -EINVAL;
			if (n == 0) {
				r = fail(err, errlen, "%s: instance numbers start at 1 (#1 is the lowest address)", text);
				goto out;
			}
			if (n > UINT32_MAX) {
				r = fail(err, errlen, "%s: instance number %" PRIu64 " is out of range", text, n);
				goto out;
			}
			sp->inst = (uint32_t)n;
		} else {
			r = parse_num(text, "address after '@'", sel + 1, &sp->at, err, errlen);
			if (r)
				goto out;
			r = -EINVAL;
			sp->has_at = true;
		}
	}

	plus = strchr(p, '+');
	if (plus) {
		*plus = '\0';
		r = parse_num(text, "offset after '+'", plus + 1, &sp->off, err, errlen);
		if (r)
			goto out;
		r = -EINVAL;
		sp->has_off = true;
	}

	if (!*p) {
		r = fail(err, errlen, "%s: empty symbol name: write NAME, NAME+OFF or an address", text);
		goto out;
	}
	if (strlen(p) > KSYMS_NAME_MAX) {
		r = fail(err, errlen, "%.40s...: symbol name longer than %d bytes", text, KSYMS_NAME_MAX);
		goto out;
	}

	/* C identifiers never start with a digit: this is an address */
	if (*p >= '0' && *p <= '9') {
		r = parse_num(text, "address", p, &sp->addr, err, errlen);
		if (r)
			goto out;
		r = -EINVAL;
		if (sp->has_off || sp->inst || sp->has_at) {
			r = fail(err, errlen, "%s: an address takes no +OFF, #N or @ADDR: give the final address", text);
			goto out;
		}
		if (sp->mod) {
			r = fail(err, errlen, "%s: an address needs no module: drop '%s:'", text, sp->mod);
			goto out;
		}
		sp->is_addr = true;
		r = 0;
		goto out;
	}

	sp->glob = strpbrk(p, "*?[") != NULL;
	if (sp->glob && (sp->inst || sp->has_at)) {
		r = fail(err, errlen, "%s: #N and @ADDR pick one instance of one name, not of a glob", text);
		goto out;
	}
	sp->name = strdup(p);
	if (!sp->name) {
		r = fail(err, errlen, "out of memory");
		goto out;
	}
	r = 0;
out:
	free(buf);
	if (r)
		spec__free(sp);
	return r;
}

/* ---- resolution ------------------------------------------------------------- */

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
	struct walk w = { .t = t, .f = f, .each = each, .arg = arg };

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

enum spec_res spec__resolve(const struct spec *sp, struct ksyms *t, const struct resolve_opts *o,
			    struct candidates *out, char *err, size_t errlen)
{
	struct ksyms_filter f = { .funcs_only = o && o->funcs_only };
	size_t from = out->n;
	enum spec_res res;
	int r;

	res = module_filter(sp, t, o, &f, err, errlen);
	if (res != SPEC_RES_OK)
		return res;
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
	for (size_t i = from; i < out->n; i++)
		out->v[i].off = sp->off;
	return SPEC_RES_OK;
}
