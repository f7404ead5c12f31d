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
	/* per address position (enum tri, FALSE until listed): what the ftrace list
	 * says, and what the kprobes blacklist says */
	int8_t *ftrace;
	int8_t *blacklisted;
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

/* V for S and for every other name at S's start: the same code. */
static void mark_code(const struct ksyms *t, int8_t *out, const struct ksym *s, enum tri v)
{
	size_t lo, hi;

	ksyms__by_addr(t, s->addr, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (v == TRI_TRUE || out[i] != TRI_TRUE)
			out[i] = (int8_t)v;
}

/* A name listed as often as it has instances (in its module) marks them all,
 * and the other names at their starts; one listed fewer times is ambiguous by
 * name alone: its instances stay unknown. */
static void mark_listed(const struct ksyms *t, const struct listing *l, int8_t *out)
{
	for (size_t i = 0; i < ksyms__count(t); i++) {
		const struct ksym *first = ksyms__by_name_at(t, i);
		enum tri v = l->listed[i] >= l->instances[i] ? TRI_TRUE : TRI_UNKNOWN;

		if (!l->listed[i])
			continue;
		/* the name's other function records in that module follow it */
		for (size_t k = i, left = l->instances[i]; left; k++) {
			const struct ksym *s = ksyms__by_name_at(t, k);

			if (s->mod == first->mod && ksym_is_func(s)) {
				mark_code(t, out, s, v);
				left--;
			}
		}
	}
}

/* Names, one instance a line ("name" or "name [mod]", after what SKIP skips of
 * the line: the blacklist's address range), decide OUT for every function by
 * name: available_filter_functions, and any list whose addresses cannot be
 * trusted for this table. */
static int load_by_name(struct ksyms *t, FILE *f, char *(*skip)(char *line), int8_t *out)
{
	struct listing l = { calloc(ksyms__count(t), sizeof(uint32_t)),
			     calloc(ksyms__count(t), sizeof(uint32_t)) };
	char *line = NULL, *name, *mod, *rest;
	size_t cap = 0;

	if (!l.listed || !l.instances) {
		free(l.listed);
		free(l.instances);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		int m = KSYMS_CORE_MOD;

		rest = skip ? skip(line) : line;
		if (!rest || !split_name_mod(rest, &name, &mod))
			continue;
		if (mod && (m = ksyms__mod_find(t, mod)) < 0)
			continue;
		count_listed(t, &l, name, m);
	}
	free(line);
	mark_listed(t, &l, out);
	free(l.listed);
	free(l.instances);
	return 0;
}

/* "0xffffffff81000000-0xffffffff81000010\tname [mod]": the name after the range */
static char *after_range(char *line)
{
	char *tab = strpbrk(line, " \t");

	return tab && strchr(line, '-') && strchr(line, '-') < tab ? tab + 1 : NULL;
}

/* The kprobes blacklist by address: every record inside a listed range. False
 * when no range has an address (kptr_restrict hides them): then names decide. */
static bool load_blacklist_addrs(struct traceable *tr, struct ksyms *t, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	bool any = false;

	while (getline(&line, &cap, f) > 0) {
		char *dash = strchr(line, '-'), *tab;
		uint64_t start, end;
		size_t lo, hi;

		if (!dash || !(tab = strpbrk(dash, " \t")))
			continue;
		*dash = '\0';
		*tab = '\0';
		if (parse_u64(line, &start) || parse_u64(dash + 1, &end) || !start || end <= start)
			continue;
		any = true;
		ksyms__by_addr(t, start, &lo, &hi);
		for (size_t i = lo; i < ksyms__count(t) && ksyms__at(t, i)->addr < end; i++)
			tr->blacklisted[i] = TRI_TRUE;
	}
	free(line);
	return any;
}

/* The ftrace list: by address (v6.5+) when the addresses apply to this table,
 * else by name. Returns -ENOMEM, or 0. */
static int load_ftrace(struct traceable *tr, struct ksyms *t, bool live)
{
	FILE *f = live ? open_tracefs("available_filter_functions_addrs") : NULL;
	int err = 0;

	if (f) {
		tr->have_ftrace = load_ftrace_addrs(tr, f);
		fclose(f);
	}
	if (!tr->have_ftrace && (f = open_tracefs("available_filter_functions"))) {
		err = load_by_name(t, f, NULL, tr->ftrace);
		fclose(f);
		tr->have_ftrace = !err;
	}
	return err;
}

static int load_blacklist(struct traceable *tr, struct ksyms *t, bool live)
{
	static const char *const path[] = { "/sys/kernel/debug/kprobes/blacklist" };
	FILE *f = open_under(path, 1);
	int err = 0;

	if (!f)
		return 0;
	if (!live || !load_blacklist_addrs(tr, t, f)) {
		rewind(f);
		err = load_by_name(t, f, after_range, tr->blacklisted);
	}
	fclose(f);
	tr->have_blacklist = !err;
	return err;
}

/* The kernel refuses a kprobe on "foo.part.0" when "foo" is blacklisted:
 * within_kprobe_blacklist() (kernel/kprobes.c, "kprobes: Search non-suffixed
 * symbol in blacklist", 2018) looks the name up again without what follows
 * its first dot, kallsyms_lookup_name()'s first instance. The debugfs list
 * names foo only (6.1's pci_serr_error.part.0 was refused with EINVAL). So
 * each name's first instance that is blacklisted blacklists NAME.* of its
 * module. */
static void blacklist_suffixed(struct traceable *tr, struct ksyms *t)
{
	char pfx[KSYMS_NAME_MAX + 2];
	size_t n = ksyms__count(t), lo, hi, first_lo, first_hi;

	for (size_t i = 0; i < n; i++) {
		const struct ksym *s = ksyms__at(t, i);
		const char *name = ksyms__name(t, s);
		size_t len = strlen(name);

		if (tr->blacklisted[i] != TRI_TRUE || !ksym_is_func(s) || strchr(name, '.') ||
		    len > KSYMS_NAME_MAX || !ksyms__by_name(t, name, &first_lo, &first_hi) ||
		    ksyms__by_name_at(t, first_lo) != s)
			continue;
		memcpy(pfx, name, len);
		memcpy(pfx + len, ".", 2);
		ksyms__by_prefix(t, pfx, &lo, &hi);
		for (size_t k = lo; k < hi; k++) {
			const struct ksym *c = ksyms__by_name_at(t, k);

			if (c->mod == s->mod && ksym_is_func(c))
				tr->blacklisted[ksyms__pos(t, c)] = TRI_TRUE;
		}
	}
}

struct traceable *traceable__load(struct ksyms *t, bool live)
{
	struct traceable *tr = calloc(1, sizeof(*tr));
	size_t n = ksyms__count(t);

	if (!tr)
		return NULL;
	tr->t = t;
	tr->ftrace = calloc(n, sizeof(*tr->ftrace));
	tr->blacklisted = calloc(n, sizeof(*tr->blacklisted));
	if (!tr->ftrace || !tr->blacklisted || load_ftrace(tr, t, live) ||
	    load_blacklist(tr, t, live)) {
		traceable__free(tr);
		return NULL;
	}
	if (tr->have_blacklist)
		blacklist_suffixed(tr, t);
	return tr;
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
	return (enum tri)tr->blacklisted[ksyms__pos(tr->t, s)];
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
