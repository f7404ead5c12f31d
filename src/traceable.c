// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "traceable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "spec.h"

struct traceable {
	const struct ksyms *t;
	bool have_ftrace, ftrace_by_addr, have_blacklist;
	/* per address position */
	uint8_t *ftrace_hit;  /* by address: listed; by name: unused */
	uint8_t *blacklisted;
	/* per by_name position of a (name, module) group's first record: times listed */
	uint16_t *ftrace_count;
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

/* First by_name position of (NAME, MOD)'s function records, or SIZE_MAX. */
static size_t group_of(const struct ksyms *t, const char *name, int mod)
{
	size_t lo, hi;

	ksyms__by_name(t, name, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *s = ksyms__by_name_at(t, i);

		if (s->mod == mod && ksym_is_func(s))
			return i;
	}
	return SIZE_MAX;
}

static void load_ftrace_addrs(struct traceable *tr, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	bool any_nonzero = false;

	while (getline(&line, &cap, f) > 0) {
		uint64_t addr;
		char *sp = strchr(line, ' ');
		const struct ksym *s;

		if (!sp)
			continue;
		char buf[24];

		*sp = '\0';
		/* the file writes bare hex: "ffffffff81001234 name [mod]" */
		if (strlen(line) > 16)
			continue;
		snprintf(buf, sizeof(buf), "0x%s", line);
		if (parse_u64(buf, &addr) != 0)
			continue;
		if (addr)
			any_nonzero = true;
		s = ksyms__containing(tr->t, addr);
		if (s)
			tr->ftrace_hit[ksyms__pos(tr->t, s)] = 1;
	}
	free(line);
	tr->ftrace_by_addr = any_nonzero;
}

static void load_ftrace_names(struct traceable *tr, FILE *f)
{
	char *line = NULL, *name, *mod;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		int m = KSYMS_CORE_MOD;
		size_t g;

		if (!split_name_mod(line, &name, &mod))
			continue;
		if (mod) {
			m = ksyms__mod_find(tr->t, mod);
			if (m < 0)
				continue;
		}
		g = group_of(tr->t, name, m);
		if (g != SIZE_MAX && tr->ftrace_count[g] < UINT16_MAX)
			tr->ftrace_count[g]++;
	}
	free(line);
}

static void load_blacklist(struct traceable *tr, FILE *f)
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
			ksyms__by_addr(tr->t, start, &lo, &hi);
			for (size_t i = lo; i < ksyms__count(tr->t) && ksyms__at(tr->t, i)->addr < end; i++)
				tr->blacklisted[i] = 1;
			continue;
		}
		if (!split_name_mod(tab + 1, &name, &mod))
			continue;
		ksyms__by_name(tr->t, name, &lo, &hi);
		for (size_t i = lo; i < hi; i++)
			tr->blacklisted[ksyms__pos(tr->t, ksyms__by_name_at(tr->t, i))] = 1;
	}
	free(line);
}

struct traceable *traceable__load(const struct ksyms *t)
{
	static const char *const blacklist[] = { "/sys/kernel/debug/kprobes/blacklist" };
	struct traceable *tr = calloc(1, sizeof(*tr));
	size_t n = ksyms__count(t);
	FILE *f;

	if (!tr)
		return NULL;
	tr->t = t;
	tr->ftrace_hit = calloc(n, 1);
	tr->blacklisted = calloc(n, 1);
	tr->ftrace_count = calloc(n, sizeof(*tr->ftrace_count));
	if (!tr->ftrace_hit || !tr->blacklisted || !tr->ftrace_count) {
		traceable__free(tr);
		return NULL;
	}
	f = open_tracefs("available_filter_functions_addrs");
	if (f) {
		load_ftrace_addrs(tr, f);
		fclose(f);
		tr->have_ftrace = tr->ftrace_by_addr;
	}
	if (!tr->ftrace_by_addr) {
		f = open_tracefs("available_filter_functions");
		if (f) {
			load_ftrace_names(tr, f);
			fclose(f);
			tr->have_ftrace = true;
		}
	}
	f = open_under(blacklist, 1);
	if (f) {
		load_blacklist(tr, f);
		fclose(f);
		tr->have_blacklist = true;
	}
	return tr;
}

void traceable__free(struct traceable *tr)
{
	if (!tr)
		return;
	free(tr->ftrace_hit);
	free(tr->blacklisted);
	free(tr->ftrace_count);
	free(tr);
}

enum tri traceable__ftrace(const struct traceable *tr, const struct ksym *s)
{
	const struct ksyms *t = tr->t;
	size_t g, lo, hi;
	unsigned instances = 0;

	if (!tr->have_ftrace)
		return TRI_UNKNOWN;
	if (!ksym_is_func(s))
		return TRI_FALSE;
	if (tr->ftrace_by_addr)
		return tr->ftrace_hit[ksyms__pos(t, s)] ? TRI_TRUE : TRI_FALSE;
	g = group_of(t, ksyms__name(t, s), s->mod);
	if (g == SIZE_MAX)
		return TRI_FALSE;
	ksyms__by_name(t, ksyms__name(t, s), &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *o = ksyms__by_name_at(t, i);

		instances += o->mod == s->mod && ksym_is_func(o);
	}
	if (tr->ftrace_count[g] == 0)
		return TRI_FALSE;
	if (tr->ftrace_count[g] >= instances)
		return TRI_TRUE;
	return TRI_UNKNOWN; /* listed for some instances only: which, a name cannot say */
}

enum tri traceable__blacklisted(const struct traceable *tr, const struct ksym *s)
{
	if (!tr->have_blacklist)
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
