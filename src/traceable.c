// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "traceable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "parse.h"

struct traceable {
	const struct ksyms *t;
	bool have_ftrace, have_blacklist;
	/* per address position: what the ftrace list says (enum tri; FALSE until
	 * listed), and whether the kprobes blacklist names it */
	int8_t *ftrace;
	uint8_t *blacklisted;
};

static FILE *open_under(const char *const *rels, size_t n)
{
	char path[KERNEL_PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(kernel__path(path, sizeof(path), rels[i]), "re");

		if (f)
			return f;
	}
	return NULL;
}

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing/", "/sys/kernel/debug/tracing/" };

static FILE *open_tracefs(const char *file)
{
	char a[256], b[256];
	const char *rels[2] = { a, b };

	snprintf(a, sizeof(a), "%s%s", tracefs_dirs[0], file);
	snprintf(b, sizeof(b), "%s%s", tracefs_dirs[1], file);
	return open_under(rels, 2);
}

/* "name" or "name [mod]" (trailing annotations ignored): split in place. */
static bool split_name_mod(char *line, char **name, char **mod)
{
	char *p = line, *sp;

	line[strcspn(line, "\n")] = '\0';
	*mod = NULL;
	sp = strpbrk(p, " \t");
	if (sp) {
		*sp++ = '\0';
		while (*sp == ' ' || *sp == '\t')
			sp++;
		if (*sp == '[') {
			char *end = strchr(sp, ']');

			if (end) {
				*end = '\0';
				*mod = sp + 1;
			}
		}
	}
	*name = p;
	return *p != '\0';
}

/* Every name at an address the kernel lists is traceable: the file names each
 * address once, under one of its names (ftrace's kallsyms lookup), and the
 * others are the same code (ksys_read and __x64_sys_read_alias). The address is
 * where ftrace patches, which may lie past the start (+4 after an ENDBR). */
static void mark_addr(struct traceable *tr, uint64_t addr)
{
	const struct ksym *s = ksyms__containing(tr->t, addr);
	size_t lo, hi;

	if (!s)
		return;
	ksyms__by_addr(tr->t, s->addr, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		tr->ftrace[i] = TRI_TRUE;
}

/* available_filter_functions_addrs: "ffffffff81001234 name [mod]". Returns false
 * when no address reads as more than 0 (kptr_restrict): then the names decide. */
static bool load_ftrace_addrs(struct traceable *tr, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	bool any_nonzero = false;

	while (getline(&line, &cap, f) > 0) {
		char *sp = strchr(line, ' '), buf[24];
		uint64_t addr;

		if (!sp)
			continue;
		*sp = '\0';
		/* the file writes bare hex */
		if (strlen(line) > 16)
			continue;
		snprintf(buf, sizeof(buf), "0x%s", line);
		if (parse_u64(buf, &addr) != 0 || !addr)
			continue;
		any_nonzero = true;
		mark_addr(tr, addr);
	}
	free(line);
	return any_nonzero;
}

/* Times each (name, module) is listed, and how many instances it has, kept at
 * the name position of its first function record there. */
struct listing {
	uint32_t *listed, *instances;
};

static void count_listed(struct ksyms *t, struct listing *l, const char *name, int mod)
{
	struct ksyms_filter f = { .mod = mod, .funcs_only = true };
	size_t lo, hi;

	ksyms__by_name(t, name, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		uint32_t count;

		if (ksyms__instance_at(t, lo, hi, i, &f, &count) == 1) {
			l->listed[i] += l->listed[i] < UINT32_MAX;
			l->instances[i] = count;
			return;
		}
	}
}

/* A name listed as often as it has instances (in its module) marks them all; one
 * listed fewer times is ambiguous by name alone: its instances stay unknown. */
static void mark_listed(struct traceable *tr, const struct listing *l)
{
	const struct ksyms *t = tr->t;

	for (size_t i = 0; i < ksyms__count(t); i++) {
		const struct ksym *first = ksyms__by_name_at(t, i);
		enum tri v = l->listed[i] >= l->instances[i] ? TRI_TRUE : TRI_UNKNOWN;

		if (!l->listed[i])
			continue;
		/* the name's other function records in that module follow it */
		for (size_t k = i, left = l->instances[i]; left; k++) {
			const struct ksym *s = ksyms__by_name_at(t, k);

			if (s->mod == first->mod && ksym_is_func(s)) {
				tr->ftrace[ksyms__pos(t, s)] = (int8_t)v;
				left--;
			}
		}
	}
}

/* available_filter_functions: "name" or "name [mod]", an instance per line. */
static int load_ftrace_names(struct traceable *tr, struct ksyms *t, FILE *f)
{
	struct listing l = { calloc(ksyms__count(t), sizeof(uint32_t)),
			     calloc(ksyms__count(t), sizeof(uint32_t)) };
	char *line = NULL, *name, *mod;
	size_t cap = 0;

	if (!l.listed || !l.instances) {
		free(l.listed);
		free(l.instances);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		int m = KSYMS_CORE_MOD;

		if (!split_name_mod(line, &name, &mod))
			continue;
		if (mod && (m = ksyms__mod_find(t, mod)) < 0)
			continue;
		count_listed(t, &l, name, m);
	}
	free(line);
	mark_listed(tr, &l);
	free(l.listed);
	free(l.instances);
	return 0;
}

static void load_blacklist(struct traceable *tr, struct ksyms *t, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;

	/* "0xffffffff81000000-0xffffffff81000010\tname" (addresses 0 when hidden) */
	while (getline(&line, &cap, f) > 0) {
		char *dash = strchr(line, '-'), *tab, *name, *mod;
		uint64_t start, end;
		size_t lo, hi;

		if (!dash || !(tab = strpbrk(dash, " \t")))
			continue;
		*dash = '\0';
		*tab = '\0';
		if (parse_u64(line, &start) || parse_u64(dash + 1, &end))
			continue;
		if (start && end > start) {
			ksyms__by_addr(t, start, &lo, &hi);
			for (size_t i = lo; i < ksyms__count(t) && ksyms__at(t, i)->addr < end; i++)
				tr->blacklisted[i] = 1;
			continue;
		}
		if (!split_name_mod(tab + 1, &name, &mod))
			continue;
		ksyms__by_name(t, name, &lo, &hi);
		for (size_t i = lo; i < hi; i++)
			tr->blacklisted[ksyms__pos(t, ksyms__by_name_at(t, i))] = 1;
	}
	free(line);
}

struct traceable *traceable__load(struct ksyms *t)
{
	static const char *const blacklist[] = { "/sys/kernel/debug/kprobes/blacklist" };
	struct traceable *tr = calloc(1, sizeof(*tr));
	size_t n = ksyms__count(t);
	FILE *f;

	if (!tr)
		return NULL;
	tr->t = t;
	tr->ftrace = calloc(n, sizeof(*tr->ftrace));
	tr->blacklisted = calloc(n, 1);
	if (!tr->ftrace || !tr->blacklisted)
		goto nomem;
	f = open_tracefs("available_filter_functions_addrs");
	if (f) {
		tr->have_ftrace = load_ftrace_addrs(tr, f);
		fclose(f);
	}
	if (!tr->have_ftrace) {
		f = open_tracefs("available_filter_functions");
		if (f) {
			int err = load_ftrace_names(tr, t, f);

			fclose(f);
			if (err)
				goto nomem;
			tr->have_ftrace = true;
		}
	}
	f = open_under(blacklist, 1);
	if (f) {
		load_blacklist(tr, t, f);
		fclose(f);
		tr->have_blacklist = true;
	}
	return tr;
nomem:
	traceable__free(tr);
	return NULL;
}

void traceable__free(struct traceable *tr)
{
	if (!tr)
		return;
	free(tr->ftrace);
	free(tr->blacklisted);
	free(tr);
}

enum tri traceable__ftrace(const struct traceable *tr, const struct ksym *s)
{
	/* a module not loaded is in no kernel list yet */
	if (!tr->have_ftrace || !ksym_loaded(s))
		return TRI_UNKNOWN;
	if (!ksym_is_func(s))
		return TRI_FALSE;
	return (enum tri)tr->ftrace[ksyms__pos(tr->t, s)];
}

enum tri traceable__blacklisted(const struct traceable *tr, const struct ksym *s)
{
	if (!tr->have_blacklist || !ksym_loaded(s))
		return TRI_UNKNOWN;
	return tr->blacklisted[ksyms__pos(tr->t, s)] ? TRI_TRUE : TRI_FALSE;
}

enum tri traceable__get(const struct traceable *tr, const struct ksym *s)
{
	enum tri ft = traceable__ftrace(tr, s), bl = traceable__blacklisted(tr, s);

	if (ft == TRI_FALSE || bl == TRI_TRUE)
		return TRI_FALSE;
	if (ft == TRI_TRUE && bl == TRI_FALSE)
		return TRI_TRUE;
	return TRI_UNKNOWN;
}
