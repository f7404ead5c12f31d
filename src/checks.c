// SPDX-License-Identifier: GPL-2.0
/* The refusals that need no kernel. See checks.h. */
#define _GNU_SOURCE
#include "checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms_cache.h"
#include "log.h"

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

bool checks__probe(const struct ksyms *t, const struct probe *p, const struct traceable *trc,
		   bool force)
{
	const char *name = ksyms__name(t, p->sym);
	const char *mod = ksyms__mod_name(t, p->sym->mod);
	const struct ksym *next;

	if (generated_code(mod)) {
		log_error("%s: lives in [%s], generated code (BPF programs, ftrace or kprobe trampolines), not kernel text: kprobes cannot go there",
			  p->label, mod);
		return false;
	}
	if (p->ret && p->off) {
		log_error("%s: a kretprobe goes on a function's entry, not at an offset (the kernel refuses it with EINVAL)",
			  p->label);
		log_hint("drop +0x%" PRIx64 " to trace %s's return, or drop %%return/-r to trace that instruction",
			 p->off, name);
		return false;
	}
	if (p->off && p->sym->size && p->off >= p->sym->size) {
		next = ksyms__containing(t, p->addr);
		if (!force) {
			log_error("%s: offset 0x%" PRIx64 " is past the end of %s (%u bytes): the kernel would put the probe in %s",
				  p->label, p->off, name, p->sym->size,
				  next ? ksyms__name(t, next) : "whatever follows it");
			log_hint("give an offset below 0x%x, or --force to probe 0x%" PRIx64 " anyway",
				 p->sym->size, p->addr);
			return false;
		}
		log_warn("%s: past the end of %s: probing 0x%" PRIx64 " in %s (--force)", p->label, name,
			 p->addr, next ? ksyms__name(t, next) : "whatever follows it");
	} else if (p->off && !p->sym->size) {
		if (!force) {
			log_error("%s: the size of %s is unknown (the last symbol of %s): cannot check that +0x%" PRIx64 " is inside it",
				  p->label, name, mod, p->off);
			log_hint("--force to probe 0x%" PRIx64 " anyway", p->addr);
			return false;
		}
		log_warn("%s: size of %s unknown: probing 0x%" PRIx64 " unchecked (--force)", p->label, name,
			 p->addr);
	}
	if (padding(name)) {
		log_error("%s: __pfx_ symbols are the padding before a function, not code", p->label);
		log_hint("probe %s instead", name + 6);
		return false;
	}
	if (trc && traceable__blacklisted(trc, p->sym) == TRI_TRUE) {
		log_error("%s: in the kprobes blacklist (NOKPROBE_SYMBOL or a __kprobes section): the kernel refuses probes there",
			  p->label);
		log_hint("trace a caller of %s, or a function it calls", name);
		return false;
	}
	if (trc && traceable__ftrace(trc, p->sym) == TRI_FALSE) {
		if (!force) {
			log_error("%s: not in available_filter_functions: %s is notrace (or ftrace cannot hook it); probes there may never fire, or may hurt",
				  p->label, name);
			log_hint("kprobes can hit some notrace code: --force to try anyway");
			return false;
		}
		log_warn("%s: notrace: probing it anyway (--force)", p->label);
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

		if (!first[i] || live_has(live, s->addr, name, mod))
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
