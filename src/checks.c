// SPDX-License-Identifier: GPL-2.0
/* The refusals that need no kernel. See checks.h. */
#define _GNU_SOURCE
#include "checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_mods.h"
#include "ksyms_cache.h"
#include "log.h"
#include "modfile.h"

static bool generated_code(const char *mod)
{
	return ksyms__is_pseudo_mod(mod);
}

static bool padding(const char *name)
{
	/* 6.2+ (commit b341b20d648b): padding before every function */
	return strncmp(name, "__pfx_", 6) == 0;
}

bool checks__is_kernel_code(const struct ksyms *t, const struct ksym *s)
{
	return !padding(ksyms__name(t, s)) && !generated_code(ksyms__mod_name(t, s->mod));
}

/* ---- where a probe lands ---------------------------------------------------------- */

/* The code a probe at P->addr runs in: the symbol with the highest start at or
 * below it (ksyms__floor). Past the end of the named function that is the next
 * one; past the last symbol of a module (size unknown) it is whatever starts at
 * or below, and when nothing else does, the named symbol itself, unchecked: the
 * end of a module's text is not in kallsyms. Every refusal is made here, at
 * the final address, so that no offset and no --force reaches what the
 * named symbol alone would not (a blacklisted function, [bpf] code). */
struct landing {
	const struct ksym *sym; /* a function at that start if there is one */
	size_t lo, hi;          /* every record at that start (its aliases) */
	bool moved;             /* not where the named symbol starts */
	char where[KSYMS_NAME_MAX + 64]; /* "name+0xoff [mod]", for messages */
	char lands[KSYMS_NAME_MAX + 80]; /* "lands in WHERE, " when moved, else "" */
};

static bool land(const struct ksyms *t, const struct probe *p, struct landing *l)
{
	const struct ksym *s = ksyms__floor(t, p->addr);
	const char *mod;
	int n;

	if (!s)
		return false;
	ksyms__by_addr(t, s->addr, &l->lo, &l->hi);
	l->sym = s;
	for (size_t i = l->lo; i < l->hi; i++) {
		if (ksym_is_func(ksyms__at(t, i))) {
			l->sym = ksyms__at(t, i);
			break;
		}
	}
	l->moved = s->addr != p->sym->addr;
	mod = ksyms__mod_name(t, s->mod);
	n = snprintf(l->where, sizeof(l->where), "%s", ksyms__name(t, l->sym));
	if (p->addr != s->addr && n > 0 && (size_t)n < sizeof(l->where))
		n += snprintf(l->where + n, sizeof(l->where) - (size_t)n, "+0x%" PRIx64, p->addr - s->addr);
	if (s->mod != KSYMS_CORE_MOD && n > 0 && (size_t)n < sizeof(l->where))
		snprintf(l->where + n, sizeof(l->where) - (size_t)n, " [%s]", mod);
	l->lands[0] = '\0';
	if (l->moved)
		snprintf(l->lands, sizeof(l->lands), "lands in %s, ", l->where);
	return true;
}

/* Whether every name at the landing start is __pfx_ padding, or any of them is
 * blacklisted: an alias that is code is code, and a blacklisted alias is the
 * same blacklisted code. */
static bool all_padding(const struct ksyms *t, const struct landing *l)
{
	for (size_t i = l->lo; i < l->hi; i++)
		if (!padding(ksyms__name(t, ksyms__at(t, i))))
			return false;
	return true;
}

static enum tri any_blacklisted(const struct ksyms *t, const struct landing *l,
				const struct traceable *trc)
{
	enum tri v = TRI_FALSE;

	for (size_t i = l->lo; trc && i < l->hi; i++) {
		enum tri b = traceable__blacklisted(trc, ksyms__at(t, i));

		if (b == TRI_TRUE)
			return TRI_TRUE;
		if (b == TRI_UNKNOWN)
			v = TRI_UNKNOWN;
	}
	return trc ? v : TRI_UNKNOWN;
}

/* Any function name at the start that ftrace lists makes the code traceable
 * (the list names an address once, under one of its names). */
static enum tri landing_ftrace(const struct ksyms *t, const struct landing *l,
			       const struct traceable *trc)
{
	enum tri v = TRI_FALSE;

	for (size_t i = l->lo; trc && i < l->hi; i++) {
		const struct ksym *s = ksyms__at(t, i);
		enum tri f = ksym_is_func(s) ? traceable__ftrace(trc, s) : TRI_FALSE;

		if (f == TRI_TRUE)
			return TRI_TRUE;
		if (f == TRI_UNKNOWN)
			v = TRI_UNKNOWN;
	}
	return trc ? v : TRI_UNKNOWN;
}

/* What holds even with --force at the landing site, worst first. */
enum hard { HARD_NONE, HARD_GENERATED, HARD_PADDING, HARD_DATA, HARD_BLACKLISTED };

static enum hard hard_problem(const struct ksyms *t, const struct landing *l,
			      const struct traceable *trc)
{
	if (generated_code(ksyms__mod_name(t, l->sym->mod)))
		return HARD_GENERATED;
	if (all_padding(t, l))
		return HARD_PADDING;
	if (!ksym_is_func(l->sym))
		return HARD_DATA;
	if (any_blacklisted(t, l, trc) == TRI_TRUE)
		return HARD_BLACKLISTED;
	return HARD_NONE;
}

/* A refusal that holds even with --force, made at the landing site. */
static void refuse_hard(const struct ksyms *t, const struct probe *p, const struct landing *l,
			enum hard h, bool force)
{
	const char *mod = ksyms__mod_name(t, l->sym->mod), *name = ksyms__name(t, l->sym);
	const char *even = force ? ", even with --force" : "", *lands = l->lands;

	switch (h) {
	case HARD_GENERATED:
		if (l->moved)
			log_error("%s: %sgenerated code (BPF programs, ftrace or kprobe trampolines), not kernel text: kprobes cannot go there%s",
				  p->label, lands, even);
		else
			log_error("%s: lives in [%s], generated code (BPF programs, ftrace or kprobe trampolines), not kernel text: kprobes cannot go there",
				  p->label, mod);
		break;
	case HARD_PADDING:
		if (l->moved)
			log_error("%s: %sthe padding before a function, not code", p->label, lands);
		else
			log_error("%s: __pfx_ symbols are the padding before a function, not code", p->label);
		log_hint("probe %s instead", name + 6);
		break;
	case HARD_DATA:
		log_error("%s: %sa data symbol (kallsyms type '%c'), not code: kprobes cannot go there",
			  p->label, lands, l->sym->type);
		break;
	case HARD_BLACKLISTED:
		log_error("%s: %sin the kprobes blacklist (NOKPROBE_SYMBOL or a __kprobes section): the kernel refuses probes there%s",
			  p->label, lands, even);
		log_hint("trace a caller of %s, or a function it calls", name);
		break;
	case HARD_NONE:
		break;
	}
}

/* The hint after a size refusal: --force, unless not even --force would do. */
static void size_hint(const struct probe *p, const struct landing *l, enum hard h,
		      const char *first)
{
	static const char *const what[] = {
		[HARD_GENERATED] = "generated code", [HARD_PADDING] = "padding",
		[HARD_DATA] = "a data symbol", [HARD_BLACKLISTED] = "blacklisted",
	};

	if (h == HARD_NONE)
		log_hint("%s--force to probe 0x%" PRIx64 " anyway", first, p->addr);
	else
		log_hint("%s0x%" PRIx64 " is in %s, %s: not even --force probes there", first, p->addr,
			 l->where, what[h]);
}

/* An offset at or past the end of the named function, or any offset when its
 * size is unknown: what the user probably did not mean. Refused without
 * --force, said with it (once the landing site has passed). */
static bool size_refusals(const struct ksyms *t, const struct probe *p, const struct landing *l,
			  enum hard h, bool force)
{
	const char *name = ksyms__name(t, p->sym);
	const char *mod = ksyms__mod_name(t, p->sym->mod);
	char below[64];

	if (p->off && p->sym->size && p->off >= p->sym->size) {
		if (force) {
			if (!h)
				log_warn("%s: past the end of %s: probing 0x%" PRIx64 " in %s (--force)",
					 p->label, name, p->addr, l->where);
			return true;
		}
		log_error("%s: offset 0x%" PRIx64 " is past the end of %s (%u bytes): the kernel would put the probe in %s",
			  p->label, p->off, name, p->sym->size, l->where);
		snprintf(below, sizeof(below), "give an offset below 0x%x%s", p->sym->size, h ? "; " : ", or ");
		size_hint(p, l, h, below);
		return false;
	}
	if (p->off && !p->sym->size) {
		if (force) {
			if (!h)
				log_warn("%s: size of %s unknown: probing 0x%" PRIx64 " unchecked (--force)",
					 p->label, name, p->addr);
			return true;
		}
		log_error("%s: the size of %s is unknown (the last symbol of %s): cannot check that +0x%" PRIx64 " is inside it",
			  p->label, name, mod, p->off);
		size_hint(p, l, h, "");
		return false;
	}
	return true;
}

/* A module that is not loaded: its symbols come from its file, with exact ELF
 * sizes and no address yet, so the checks are the ones a name and a size allow;
 * where it lands is checked again when the module loads. */
static bool unloaded_refusals(const struct ksyms *t, const struct probe *p)
{
	const char *name = ksyms__name(t, p->sym);

	if (p->off && p->sym->size && p->off >= p->sym->size) {
		log_error("%s: offset 0x%" PRIx64 " is past the end of %s (%u bytes in %s's file)",
			  p->label, p->off, name, p->sym->size, ksyms__mod_name(t, p->sym->mod));
		log_hint("give an offset below 0x%x", p->sym->size);
		return false;
	}
	if (padding(name)) {
		log_error("%s: __pfx_ symbols are the padding before a function, not code", p->label);
		log_hint("probe %s instead", name + 6);
		return false;
	}
	return true;
}

/* A .cold piece ("foo.cold", "foo.part.0.cold") is the unlikely path the
 * compiler moved out of foo: foo jumps into it and it jumps back, nobody calls
 * it. Its first byte is no entry (no parameters are in their registers there)
 * and a kretprobe would take the return address of whoever called foo for
 * the piece's own. An entry probe is refused, unless --force asks for its first
 * instruction as an instruction; a kretprobe always. */
static bool cold_refusals(const struct ksyms *t, const struct probe *p, bool force)
{
	const char *name = ksyms__name(t, p->sym);
	int base = (int)ksyms__clone_base_len(name);

	if (!ksyms__is_cold(name) || (p->off && !p->ret) || (force && !p->ret))
		return true;
	log_error("%s: %s is a .cold piece of %.*s, not a function: %.*s jumps to it on an unlikely path and nothing calls it, so it has no entry%s",
		  p->label, name, base, name, base, name, p->ret ? " and no return of its own" : "");
	if (p->ret)
		log_hint("trace %.*s%%return: its returns include the ones through %s", base, name, name);
	else
		log_hint("trace %.*s, or an instruction in the piece (%s+OFF); --force probes its first instruction", base,
			 name, name);
	return false;
}

/* While any ftrace user is active, the kernel keeps a module's init symbols
 * when it frees the code (ftrace_free_mem(), Linux 4.15+), and /proc/kallsyms
 * still lists them under the loaded module; ftrace itself no longer does, so the
 * name reads as notrace. The module's file tells freed init code apart, which
 * not even --force may probe: the memory is gone. Only asked where ftrace
 * refuses, so that a module probe reads no file otherwise. */
static bool freed_init(const struct ksyms *t, const struct probe *p, const struct landing *l)
{
	const char *mod = ksyms__mod_name(t, l->sym->mod), *name = ksyms__name(t, l->sym);

	if (l->sym->mod == KSYMS_CORE_MOD || !ksyms__mod_loaded(t, l->sym->mod) ||
	    ksyms__is_pseudo_mod(mod) || !modfile__is_init(mod, name))
		return false;
	attach_mods__say_init_gone(p->label, name, mod,
				   " (kallsyms still lists it while ftrace is in use)");
	return true;
}

bool checks__probe(const struct ksyms *t, const struct probe *p, const struct traceable *trc,
		   bool force)
{
	struct landing l;
	enum hard h;

	if (p->ret && p->off) {
		log_error("%s: a kretprobe goes on a function's entry, not at an offset (the kernel refuses it with EINVAL)",
			  p->label);
		log_hint("drop +0x%" PRIx64 " to trace %s's return, or drop %%return/-r to trace that instruction",
			 p->off, ksyms__name(t, p->sym));
		return false;
	}
	if (!cold_refusals(t, p, force))
		return false;
	if (!ksym_loaded(p->sym))
		return unloaded_refusals(t, p);
	/* plan__add computed sym + off modulo 2^64: 0xffff... + 0x10 is 0xf */
	if (p->off > UINT64_MAX - p->sym->addr || !land(t, p, &l)) {
		log_error("%s: the offset wraps past the end of the address space (0x%" PRIx64 " + 0x%" PRIx64 "): no function is that long",
			  p->label, p->sym->addr, p->off);
		return false;
	}
	/* past the end, the mistake is the offset: said first, with a hint that
	 * offers --force only where --force would be let through */
	h = hard_problem(t, &l, trc);
	if (!size_refusals(t, p, &l, h, force))
		return false;
	if (h) {
		refuse_hard(t, p, &l, h, force);
		return false;
	}
	if (landing_ftrace(t, &l, trc) == TRI_FALSE) {
		if (freed_init(t, p, &l))
			return false;
		if (!force) {
			log_error("%s: %snot in available_filter_functions: %s is notrace (or ftrace cannot hook it); probes there may never fire, or may hurt",
				  p->label, l.lands, ksyms__name(t, l.sym));
			log_hint("kprobes can hit some notrace code: --force to try anyway");
			return false;
		}
		log_warn("%s: %snotrace: probing it anyway (--force)", p->label, l.lands);
	}
	return true;
}

/* ---- a saved table against the running kernel ------------------------------------ */

/* Whether the live table has NAME of module MOD starting at ADDR. */
static bool live_has(const struct ksyms *live, uint64_t addr, const char *name, const char *mod)
{
	size_t lo, hi;

	ksyms__by_addr(live, addr, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *s = ksyms__at(live, i);

		if (strcmp(ksyms__name(live, s), name) == 0 &&
		    strcmp(ksyms__mod_name(live, s->mod), mod) == 0)
			return true;
	}
	return false;
}

/* Probe ids by (symbol, id): the first of each symbol's run is its first probe. */
static int by_sym(const void *a, const void *b, void *ctx)
{
	const struct plan *pl = ctx;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const struct ksym *sa = plan__probe(pl, ia)->sym, *sb = plan__probe(pl, ib)->sym;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* FIRST[id] is 1 for the first probe of each symbol: a symbol probed twice (a
 * kprobe and a kretprobe, two offsets) is checked and said once. */
static uint8_t *first_of_each_sym(const struct plan *pl)
{
	size_t n = plan__count(pl);
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	uint8_t *first = calloc(n ? n : 1, 1);

	if (!order || !first) {
		free(order);
		free(first);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, n, sizeof(*order), by_sym, (void *)pl);
	for (size_t k = 0; k < n; k++)
		first[order[k]] = k == 0 || plan__probe(pl, order[k])->sym != plan__probe(pl, order[k - 1])->sym;
	free(order);
	return first;
}

/* The running kernel's table: its snapshot when valid, the symbols compared
 * being the core kernel's and the modules' (pseudo-modules are refused above). */
static struct ksyms *load_live(const char *what, bool no_cache)
{
	struct ksyms_cache_result r;
	struct ksyms *live;

	/* the same loader as every table: one parser of the format, not two */
	live = ksyms_cache__load(&(struct ksyms_cache_opts){ .no_cache = no_cache }, &r);
	if (!live && r.load.err == KSYMS_ERR_ZERO_ADDRS) {
		log_error("%s hides its addresses (kptr_restrict): cannot check that %s is this boot's table",
			  r.path, what);
		log_hint("run as root, or attach with the live table (no -k)");
	} else if (!live) {
		log_error("cannot read %s to check that %s is this boot's table: %s", r.path, what,
			  ksyms__strerror(&r.load));
		log_hint("attach with the live table (no -k); a saved table is for --dry-run, resolve and list");
	}
	return live;
}

bool checks__table_is_live(const struct plan *pl, const char *what, bool no_cache)
{
	const struct ksyms *t = plan__table(pl);
	struct ksyms *live = load_live(what, no_cache);
	uint8_t *first = live ? first_of_each_sym(pl) : NULL;
	size_t missing = 0;

	if (live && !first)
		log_error("out of memory");
	for (size_t i = 0; first && i < plan__count(pl); i++) {
		const struct ksym *s = plan__probe(pl, i)->sym;
		const char *name = ksyms__name(t, s), *mod = ksyms__mod_name(t, s->mod);

		/* a module not loaded has no address to compare: the kernel finds
		 * the probe by MOD:SYM as the module loads */
		if (!first[i] || !ksym_loaded(s) || live_has(live, s->addr, name, mod))
			continue;
		if (missing++ < 3)
			log_error("%s [%s] is at 0x%" PRIx64 " in %s but not in the running kernel: %s is from another boot, or the module was reloaded",
				  name, mod, s->addr, what, what);
	}
	ksyms__free(live);
	if (!first)
		return false;
	free(first);
	if (missing) {
		if (missing > 3)
			log_error("... and %zu more symbols", missing - 3);
		log_hint("attaching by those addresses would probe whatever code is there now: attach with the live table (no -k), or plan with --dry-run");
		return false;
	}
	return true;
}
