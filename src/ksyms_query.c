// SPDX-License-Identifier: GPL-2.0
/* Queries on the symbol table: by name, prefix and address; what contains an
 * address; instance numbers; compiler clones; "did you mean". See ksyms.h. */
#define _GNU_SOURCE
#include "ksyms_impl.h"

#include <stdint.h>
#include <string.h>

static const char vmlinux_name[] = "vmlinux";

size_t ksyms__count(const struct ksyms *t)
{
	return t->n;
}

const struct ksym *ksyms__at(const struct ksyms *t, size_t i)
{
	return &t->syms[i];
}

const struct ksym *ksyms__by_name_at(const struct ksyms *t, size_t i)
{
	return &t->syms[t->by_name[i]];
}

/* The table of a chain (ksyms_unloaded.c) whose records array holds S; T when
 * none does. Not const: a query may sort its name index. */
static struct ksyms *owner_of(const struct ksyms *t, const struct ksym *s)
{
	for (const struct ksyms *u = t; u; u = u->ext)
		if ((uintptr_t)s >= (uintptr_t)u->syms && (uintptr_t)s < (uintptr_t)(u->syms + u->n))
			return (struct ksyms *)u;
	return (struct ksyms *)t;
}

const struct ksyms *ksyms__owner(const struct ksyms *t, const struct ksym *s)
{
	return owner_of(t, s);
}

const char *ksyms__name(const struct ksyms *t, const struct ksym *s)
{
	if (t->ext)
		t = owner_of(t, s);
	return t->buf + s->name;
}

/* The table whose module slots hold MOD: a chained table's one module is its last. */
static const struct ksyms *mod_owner(const struct ksyms *t, size_t mod)
{
	while (mod >= t->n_mods && t->ext)
		t = t->ext;
	return t;
}

const char *ksyms__mod_name(const struct ksyms *t, uint16_t mod)
{
	t = mod_owner(t, mod);
	if (mod == KSYMS_CORE_MOD || mod >= t->n_mods || t->mods[mod] == UINT32_MAX)
		return vmlinux_name;
	return t->buf + t->mods[mod];
}

size_t ksyms__mod_count(const struct ksyms *t)
{
	while (t->ext)
		t = t->ext;
	return t->n_mods;
}

/* Module names compare with '-' and '_' alike: modprobe's rule, and the kernel
 * names snd-hda-intel.ko [snd_hda_intel]. */
static bool mod_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

int ksyms__mod_find(const struct ksyms *t, const char *name)
{
	if (strcmp(name, vmlinux_name) == 0)
		return KSYMS_CORE_MOD;
	for (const struct ksyms *u = t; u; u = u->ext)
		for (size_t i = 1; i < u->n_mods; i++)
			if (u->mods[i] != UINT32_MAX && mod_name_eq(u->buf + u->mods[i], name))
				return (int)i;
	return -1;
}

struct ksyms *ksyms__mod_table(struct ksyms *t, int mod)
{
	if (mod < 0)
		return t;
	return (struct ksyms *)mod_owner(t, (size_t)mod);
}

bool ksyms__mod_loaded(const struct ksyms *t, int mod)
{
	return mod < 0 || !mod_owner(t, (size_t)mod)->unloaded;
}

size_t ksyms__pos(const struct ksyms *t, const struct ksym *s)
{
	return (size_t)(s - t->syms);
}

/* ---- by name ---------------------------------------------------------------- */

/* First name position in [lo, hi) whose name compares >= KEY; with UPPER, > KEY;
 * with PLEN, only the first PLEN bytes are compared. */
static size_t name_bound(const struct ksyms *t, size_t lo, size_t hi, const char *key,
			 size_t plen, bool upper)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *nm = t->buf + t->syms[t->by_name[mid]].name;
		int c = plen ? strncmp(nm, key, plen) : strcmp(nm, key);

		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The buckets a name or a prefix of PLEN bytes can fall in, sorted, as a name
 * position range. */
static void bucket_range(struct ksyms *t, const char *key, size_t plen, size_t *lo, size_t *hi)
{
	unsigned blo = 0, bhi = KSYMS_BUCKETS - 1;

	if (plen >= 2) {
		blo = bhi = ksyms_bucket_of(key);
	} else if (plen == 1) {
		blo = (unsigned)(unsigned char)key[0] << 8;
		bhi = blo | 0xff;
	}
	if (plen == 0)
		ksyms__index_all(t);
	else
		ksyms_index__sort(t, blo, bhi);
	*lo = t->bucket[blo];
	*hi = t->bucket[bhi + 1];
}

size_t ksyms__by_name(struct ksyms *t, const char *name, size_t *lo, size_t *hi)
{
	size_t blo, bhi, len = strlen(name);

	bucket_range(t, name, len < 2 ? len : 2, &blo, &bhi);
	*lo = name_bound(t, blo, bhi, name, 0, false);
	*hi = name_bound(t, *lo, bhi, name, 0, true);
	return *hi - *lo;
}

size_t ksyms__by_prefix(struct ksyms *t, const char *prefix, size_t *lo, size_t *hi)
{
	size_t plen = strlen(prefix), blo, bhi;

	bucket_range(t, prefix, plen, &blo, &bhi);
	if (plen == 0) {
		*lo = blo;
		*hi = bhi;
		return bhi - blo;
	}
	*lo = name_bound(t, blo, bhi, prefix, plen, false);
	*hi = name_bound(t, *lo, bhi, prefix, plen, true);
	return *hi - *lo;
}

/* ---- instance numbers ------------------------------------------------------- */

uint32_t ksyms__instance_at(struct ksyms *t, size_t lo, size_t hi, size_t i,
			    const struct ksyms_filter *f, uint32_t *count)
{
	const struct ksym_rank *r = &t->rank[i];

	if (hi - lo > 1 && !t->rank[lo].mod)
		ksyms_index__rank(t, lo, hi);
	*count = 0;
	if (!ksyms__passes(ksyms__by_name_at(t, i), f))
		return 0;
	/* a name's only record is its #1 under any filter it passes (not ranked) */
	if (hi - lo == 1 || (f->mod == KSYMS_ANY_MOD && !f->funcs_only)) {
		*count = (uint32_t)(hi - lo);
		return (uint32_t)(i - lo + 1);
	}
	if (f->mod == KSYMS_ANY_MOD) {
		*count = t->rank[hi - 1].func;
		return r->func;
	}
	*count = f->funcs_only ? t->rank[r->mod_last].mod_func : t->rank[r->mod_last].mod;
	return f->funcs_only ? r->mod_func : r->mod;
}

uint32_t ksyms__instance(struct ksyms *t, const struct ksym *s, const struct ksyms_filter *f,
			 uint32_t *count)
{
	uint32_t pos;
	size_t lo, hi, a, b;

	if (t->ext) /* a record of a module not loaded numbers in its own table */
		t = owner_of(t, s);
	pos = (uint32_t)ksyms__pos(t, s);

	ksyms__by_name(t, ksyms__name(t, s), &lo, &hi);
	/* a name's records are in address order, which is position order */
	a = lo;
	b = hi;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (t->by_name[mid] < pos)
			a = mid + 1;
		else
			b = mid;
	}
	return ksyms__instance_at(t, lo, hi, a, f, count);
}

/* ---- by address ------------------------------------------------------------- */

/* First address position whose address is > ADDR (UPPER) or >= ADDR. */
static size_t addr_bound(const struct ksyms *t, uint64_t addr, bool upper)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = t->syms[mid].addr;

		if (a < addr || (upper && a == addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t ksyms__by_addr(const struct ksyms *t, uint64_t addr, size_t *lo, size_t *hi)
{
	*lo = addr_bound(t, addr, false);
	*hi = addr_bound(t, addr, true);
	return *hi - *lo;
}

static const struct ksym *floor_of(const struct ksyms *t, uint64_t addr)
{
	size_t hi = addr_bound(t, addr, true), lo;

	if (hi == 0)
		return NULL;
	/* every name at that start, in name order: the first */
	ksyms__by_addr(t, t->syms[hi - 1].addr, &lo, &hi);
	return &t->syms[lo];
}

static const struct ksym *containing(const struct ksyms *t, uint64_t addr)
{
	const struct ksym *s = floor_of(t, addr);
	size_t lo, hi;

	if (!s)
		return NULL;
	ksyms__by_addr(t, s->addr, &lo, &hi);
	if (addr == s->addr)
		return s;
	for (size_t i = lo; i < hi; i++)
		if (t->syms[i].size && addr - s->addr < t->syms[i].size)
			return &t->syms[i];
	return NULL;
}

bool ksyms__covers(const struct ksyms *t, uint64_t addr)
{
	const struct ksym *s;
	size_t lo, hi;

	if (!t->snapshot || (t->core_lo <= addr && addr <= t->core_hi))
		return true;
	s = containing(t, addr);
	if (s && addr == s->addr)
		return true; /* a symbol's start: nothing else starts there */
	if (!s || s->mod == KSYMS_CORE_MOD)
		return false;
	/* Past the last function of a module's text, up to its next symbol (its
	 * data), may lie code allocated apart: since 6.4 (commit ac3b43283923) a
	 * module's text and data are separate allocations, and BPF programs and
	 * trampolines come from the same area. Between two functions, nothing. */
	if (!ksym_is_func(s))
		return false;
	ksyms__by_addr(t, s->addr + s->size, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (t->syms[i].mod == s->mod && ksym_is_func(&t->syms[i]))
			return true;
	return false;
}

const struct ksym *ksyms__containing(const struct ksyms *t, uint64_t addr)
{
	return ksyms__covers(t, addr) ? containing(t, addr) : NULL;
}

const struct ksym *ksyms__floor(const struct ksyms *t, uint64_t addr)
{
	return ksyms__covers(t, addr) ? floor_of(t, addr) : NULL;
}

bool ksyms__is_snapshot(const struct ksyms *t)
{
	return t->snapshot;
}

bool ksyms__is_pseudo_mod(const char *mod)
{
	return strcmp(mod, "bpf") == 0 || strncmp(mod, "__builtin__", 11) == 0;
}

bool ksyms__may_be_pseudo_name(const char *name)
{
	return strncmp(name, "bpf_", 4) == 0 || strcmp(name, "ftrace_trampoline") == 0 ||
	       strcmp(name, "kprobe_insn_page") == 0 || strcmp(name, "kprobe_optinsn_page") == 0;
}

/* ---- names ------------------------------------------------------------------ */

static bool clone_word(const char *w, size_t len)
{
	static const char *const words[] = {
		"isra", "constprop", "part", "cold", "llvm", "lto_priv", "localalias",
		"specialized",
	};
	bool digits = len > 0;

	for (size_t i = 0; i < len; i++)
		if (w[i] < '0' || w[i] > '9')
			digits = false;
	if (digits)
		return true;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && memcmp(words[i], w, len) == 0)
			return true;
	return false;
}

bool ksyms__is_clone_of(const char *name, const char *base)
{
	size_t bl = strlen(base);
	const char *p;

	if (strncmp(name, base, bl) != 0 || name[bl] != '.')
		return false;
	p = name + bl;
	while (*p == '.') {
		const char *w = ++p;

		while (*p && *p != '.')
			p++;
		if (!clone_word(w, (size_t)(p - w)))
			return false;
	}
	return *p == '\0';
}

/* Levenshtein distance of A and B, one row of the table at a time in ROW (LB + 1). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb, size_t *row)
{
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

/* The names compared are at most KSYMS_NAME_MAX bytes, so the distance row
 * lives on the stack: a suggestion never needs memory it could lack. */
size_t ksyms__suggest(struct ksyms *t, const char *name, const char **out, size_t max)
{
	size_t ln = strlen(name), n = 0, limit = ln / 3 > 2 ? ln / 3 : 2;
	size_t dist[KSYMS_SUGGEST_MAX], row[KSYMS_NAME_MAX + 2];
	const char *prev = NULL;

	if (max > KSYMS_SUGGEST_MAX)
		max = KSYMS_SUGGEST_MAX;
	if (max == 0 || ln > KSYMS_NAME_MAX)
		return 0;
	ksyms__index_all(t);
	for (size_t i = 0; i < t->n; i++) {
		const char *nm = ksyms__name(t, ksyms__by_name_at(t, i));
		size_t lm, d, worst = n == max ? dist[n - 1] : limit;

		if (prev && strcmp(prev, nm) == 0)
			continue;
		prev = nm;
		lm = strlen(nm);
		/* a snapshot's names are not measured (ksyms_snap.c): a longer one
		 * is no suggestion, and would not fit ROW */
		if ((lm > ln ? lm - ln : ln - lm) > worst || lm > KSYMS_NAME_MAX)
			continue;
		d = edit_distance(name, ln, nm, lm, row);
		if (d > worst || (n == max && d == worst))
			continue;
		/* insert, keeping (distance, name order) */
		size_t k = n < max ? n++ : max - 1;

		while (k > 0 && dist[k - 1] > d) {
			dist[k] = dist[k - 1];
			out[k] = out[k - 1];
			k--;
		}
		dist[k] = d;
		out[k] = nm;
	}
	return n;
}
