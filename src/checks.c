// SPDX-License-Identifier: GPL-2.0
/* The refusals that need no kernel. See checks.h. */
#define _GNU_SOURCE
#include "checks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static bool generated_code(const char *mod)
{
	/* kallsyms' pseudo-modules: BPF programs' JIT images, ftrace and kprobe
	 * trampolines and instruction slots */
	return strcmp(mod, "bpf") == 0 || strncmp(mod, "__builtin__", 11) == 0;
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

struct want {
	uint64_t addr;
	const char *name, *mod;
	bool seen;
};

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Mark the wanted (address, name, module) that one /proc/kallsyms line holds. */
static void match_line(struct want *w, size_t n, char *line, bool *nonzero)
{
	char *end, *name, *mod = "vmlinux";
	uint64_t addr = strtoull(line, &end, 16);
	size_t lo = 0, hi = n;

	if (end == line || *end != ' ' || !end[1] || end[2] != ' ')
		return;
	*nonzero |= addr != 0;
	name = end + 3;
	name[strcspn(name, "\t\n")] = '\0';
	end = name + strlen(name) + 1;
	if (*end == '[') {
		mod = end + 1;
		mod[strcspn(mod, "]")] = '\0';
	}
	while (lo < hi) { /* first wanted at or above addr */
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && w[lo].addr == addr; lo++)
		if (strcmp(w[lo].name, name) == 0 && strcmp(w[lo].mod, mod) == 0)
			w[lo].seen = true;
}

bool checks__table_is_live(const struct ksyms *t, const struct probe *v, size_t n,
			   const char *what)
{
	struct want *w = calloc(n ? n : 1, sizeof(*w));
	char path[4096], *line = NULL;
	size_t cap = 0, missing = 0;
	bool nonzero = false, ok = false;
	FILE *f;

	if (!w) {
		log_error("out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		w[i] = (struct want){ v[i].sym->addr, ksyms__name(t, v[i].sym),
				      ksyms__mod_name(t, v[i].sym->mod), false };
	qsort(w, n, sizeof(*w), want_cmp);
	snprintf(path, sizeof(path), "%s/proc/kallsyms", traceable__sysroot());
	f = fopen(path, "re");
	if (!f) {
		log_error("cannot read %s to check that %s is this boot's table: %m", path, what);
		log_hint("attach with the live table (no -k); a saved table is for --dry-run, resolve and list");
		goto out;
	}
	while (getline(&line, &cap, f) > 0)
		match_line(w, n, line, &nonzero);
	fclose(f);
	if (!nonzero) {
		log_error("%s hides its addresses (kptr_restrict): cannot check that %s is this boot's table",
			  path, what);
		log_hint("run as root, or attach with the live table (no -k)");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (w[i].seen || (i && w[i].addr == w[i - 1].addr && strcmp(w[i].name, w[i - 1].name) == 0))
			continue;
		if (missing++ < 3)
			log_error("%s [%s] is at 0x%" PRIx64 " in %s but not in the running kernel: %s is from another boot, or the module was reloaded",
				  w[i].name, w[i].mod, w[i].addr, what, what);
	}
	if (missing) {
		if (missing > 3)
			log_error("... and %zu more symbols", missing - 3);
		log_hint("attaching by those addresses would probe whatever code is there now: attach with the live table (no -k), or plan with --dry-run");
		goto out;
	}
	ok = true;
out:
	free(line);
	free(w);
	return ok;
}
