// SPDX-License-Identifier: GPL-2.0
/* What a table promises, checked after any load: both indexes sorted, the name
 * index a permutation, each query's [lo, hi) range exactly the matching records,
 * instance numbers equal to a count in address order under every filter,
 * "containing" never answering outside a symbol (nor, for a snapshot, outside
 * what it covers), sizes reaching the next address of the same module, every
 * candidate of a resolution a real record, messages whole. Shared by the table
 * loader's target and the snapshot's. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <string.h>

#include "fuzz_table.h"
#include "spec.h"

bool fuzz_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > KSYMS_NAME_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool starts_with(const char *s, const char *prefix, size_t plen)
{
	return strncmp(s, prefix, plen) == 0;
}

static const char *name_at(const struct ksyms *t, size_t i)
{
	return ksyms__name(t, ksyms__by_name_at(t, i));
}

static void check_order(const struct ksyms *t)
{
	size_t n = ksyms__count(t);
	uint8_t *seen = calloc(n, 1);

	CHECK(seen);
	for (size_t i = 0; i < n; i++) {
		const struct ksym *s = ksyms__at(t, i);
		const struct ksym *b = ksyms__by_name_at(t, i);
		size_t pos = ksyms__pos(t, b);

		CHECK(ksyms__pos(t, s) == i);
		CHECK(fuzz_name_ok(ksyms__name(t, s)));
		CHECK((unsigned char)s->type > 0x20 && s->type != 0x7f);
		CHECK(s->line >= 1);
		CHECK(s->mod < ksyms__mod_count(t));
		/* the name index: a permutation of the records, sorted by (name, address) */
		CHECK(pos < n && !seen[pos]);
		seen[pos] = 1;
		if (i == 0)
			continue;
		const struct ksym *pa = ksyms__at(t, i - 1);
		const struct ksym *pb = ksyms__by_name_at(t, i - 1);
		int c = strcmp(ksyms__name(t, pb), ksyms__name(t, b));

		CHECK(pa->addr <= s->addr);
		if (pa->addr == s->addr)
			CHECK(strcmp(ksyms__name(t, pa), ksyms__name(t, s)) <= 0);
		CHECK(c <= 0);
		if (c == 0)
			CHECK(pb->addr <= b->addr);
	}
	free(seen);

	for (size_t m = 0; m < ksyms__mod_count(t); m++) {
		const char *mn = ksyms__mod_name(t, (uint16_t)m);

		CHECK(mn && *mn);
		/* a module literally called [vmlinux] is shadowed by the core kernel */
		CHECK(ksyms__mod_find(t, mn) == (int)m || strcmp(mn, "vmlinux") == 0);
	}
}

/* A [lo, hi) range of name positions holds exactly the names that MATCH. */
#define CHECK_RANGE(lo, hi, n, match)                  \
	do {                                           \
		CHECK((lo) <= (hi) && (hi) <= (n));    \
		if ((lo) < (hi)) {                     \
			size_t i_ = (lo);              \
			CHECK(match);                  \
			i_ = (hi) - 1;                 \
			CHECK(match);                  \
		}                                      \
		if ((lo) > 0) {                        \
			size_t i_ = (lo) - 1;          \
			CHECK(!(match));               \
		}                                      \
		if ((hi) < (n)) {                      \
			size_t i_ = (hi);              \
			CHECK(!(match));               \
		}                                      \
	} while (0)

static void check_containing(const struct ksyms *t, uint64_t addr)
{
	const struct ksym *c = ksyms__containing(t, addr);

	/* a snapshot answers only where it covers (ksyms__covers()) */
	if (!ksyms__covers(t, addr))
		CHECK(c == NULL);
	if (!c)
		return;
	CHECK(ksyms__pos(t, c) < ksyms__count(t));
	CHECK(c->addr <= addr);
	CHECK(c->addr == addr || addr - c->addr < c->size);
}

/* The instance numbers of every record of one name, [LO, HI) in the name index,
 * under FUNCS_ONLY, with and without the record's own module as the filter,
 * against counts made here in index order. TOTAL and SEEN are per module,
 * zero on entry and on return. */
static void check_name_instances(struct ksyms *t, size_t lo, size_t hi, bool funcs_only,
				 uint32_t *total, uint32_t *seen)
{
	uint32_t all_total = 0, all_seen = 0;

	for (size_t k = lo; k < hi; k++) {
		const struct ksym *o = ksyms__by_name_at(t, k);

		/* index order is address order, file order for equal addresses: the
		 * counts below count what comes first */
		if (k > lo)
			CHECK(ksyms__pos(t, ksyms__by_name_at(t, k - 1)) < ksyms__pos(t, o));
		if (funcs_only && !ksym_is_func(o))
			continue;
		all_total++;
		total[o->mod]++;
	}
	for (size_t k = lo; k < hi; k++) {
		const struct ksym *o = ksyms__by_name_at(t, k);
		struct ksyms_filter any = { KSYMS_ANY_MOD, funcs_only }, own = { o->mod, funcs_only };
		bool pass = !funcs_only || ksym_is_func(o);
		uint32_t idx, count, idx2, count2;

		if (pass) {
			all_seen++;
			seen[o->mod]++;
		}
		idx = ksyms__instance_at(t, lo, hi, k, &any, &count);
		CHECK(pass ? idx == all_seen && count == all_total : idx == 0 && count == 0);
		idx = ksyms__instance_at(t, lo, hi, k, &own, &count);
		CHECK(pass ? idx == seen[o->mod] && count == total[o->mod] : idx == 0 && count == 0);
		/* and the same through the record alone (a search for its rank) */
		idx2 = ksyms__instance(t, o, &own, &count2);
		CHECK(idx2 == idx && count2 == count);
	}
	for (size_t k = lo; k < hi; k++)
		total[ksyms__by_name_at(t, k)->mod] = seen[ksyms__by_name_at(t, k)->mod] = 0;
}

/* Every record's instance numbers, once per name: O(n) in all. (Checked per
 * record against a walk of its name, a name with k records cost O(k^2), and a
 * table of 3,000 copies of one line a third of a second.) */
static void check_instances(struct ksyms *t)
{
	size_t n = ksyms__count(t), nm = ksyms__mod_count(t), lo, hi;
	uint32_t *counts = calloc(2 * nm, sizeof(*counts));
	uint8_t *done = calloc(n, 1);

	CHECK(counts && done);
	for (size_t i = 0; i < n; i++) {
		ksyms__by_name(t, ksyms__name(t, ksyms__at(t, i)), &lo, &hi);
		CHECK(lo < hi && hi <= n);
		if (done[lo])
			continue;
		done[lo] = 1;
		check_name_instances(t, lo, hi, false, counts, counts + nm);
		check_name_instances(t, lo, hi, true, counts, counts + nm);
	}
	free(counts);
	free(done);
}

static void check_record(struct ksyms *t, size_t i)
{
	size_t n = ksyms__count(t), lo, hi;
	const struct ksym *s = ksyms__at(t, i);
	const char *name = ksyms__name(t, s);
	size_t len = strlen(name);
	/* short prefixes span many buckets of the name index (256 for one byte, all
	 * for none): the empty one runs once per input, one byte for a sample */
	size_t plens[] = { len / 2, len, 1 };
	size_t n_plens = i % 64 ? 2 : 3;
	const char *dot = strchr(name, '.');

	CHECK(ksyms__by_name(t, name, &lo, &hi) == hi - lo);
	CHECK_RANGE(lo, hi, n, strcmp(name_at(t, i_), name) == 0);
	CHECK(lo < hi);

	for (size_t k = 0; k < n_plens; k++) {
		char prefix[KSYMS_NAME_MAX + 1];
		size_t pl = plens[k];

		memcpy(prefix, name, pl);
		prefix[pl] = '\0';
		CHECK(ksyms__by_prefix(t, prefix, &lo, &hi) == hi - lo);
		CHECK_RANGE(lo, hi, n, starts_with(name_at(t, i_), prefix, pl));
		CHECK(lo < hi);
	}

	CHECK(ksyms__by_addr(t, s->addr, &lo, &hi) == hi - lo);
	CHECK_RANGE(lo, hi, n, ksyms__at(t, i_)->addr == s->addr);
	CHECK(lo <= i && i < hi);

	/* even a snapshot answers at a symbol's start: nothing else starts there */
	CHECK(ksyms__covers(t, s->addr));
	CHECK(ksyms__containing(t, s->addr) != NULL);
	check_containing(t, s->addr);
	if (s->size) {
		/* the size reaches the next address of the same module */
		bool found = false;

		ksyms__by_addr(t, s->addr + s->size, &lo, &hi);
		for (size_t k = lo; k < hi && !found; k++)
			found = ksyms__at(t, k)->mod == s->mod;
		CHECK(found);
		check_containing(t, s->addr + s->size - 1);
		check_containing(t, s->addr + s->size);
	}

	/* "foo.isra.0" is a clone of "foo"; nothing is a clone of itself */
	CHECK(!ksyms__is_clone_of(name, name));
	if (dot && dot > name) {
		char base[KSYMS_NAME_MAX + 1];

		memcpy(base, name, (size_t)(dot - name));
		base[dot - name] = '\0';
		if (ksyms__is_clone_of(name, base))
			CHECK(starts_with(name, base, (size_t)(dot - name)));
	}
}

/* Resolve SPEC, made from the table's own names; where it names S exactly, S
 * must be among the candidates. */
static void resolve_one(struct ksyms *t, const char *text, const struct ksym *s,
			bool funcs_only)
{
	struct spec sp;
	struct candidates c = { 0 };
	struct resolve_opts ro = { .funcs_only = funcs_only };
	char err[SPEC_ERR_LEN] = "";
	enum spec_res r;
	bool has_s = false;

	if (spec__parse(text, &sp, err, sizeof(err)) != 0) {
		CHECK(message_ok(err, sizeof(err)));
		return;
	}
	r = spec__resolve(&sp, t, &ro, &c, err, sizeof(err));
	if (r != SPEC_RES_OK) {
		CHECK(message_ok(err, sizeof(err)));
		CHECK(c.n == 0);
	} else {
		CHECK(c.n > 0);
	}
	for (size_t k = 0; k < c.n; k++) {
		const struct target *tg = &c.v[k];

		CHECK(ksyms__pos(t, tg->sym) < ksyms__count(t));
		CHECK(tg->index >= 1 && tg->index <= tg->count);
		if (!funcs_only || ksym_is_func(tg->sym))
			has_s |= tg->sym == s;
		if (sp.name && !sp.glob && !tg->clone)
			CHECK(strcmp(ksyms__name(t, tg->sym), sp.name) == 0);
	}
	/* "NAME" with no selector, module or filter must find every NAME */
	if (s && sp.name && !sp.glob && !sp.mod && !sp.inst && !sp.has_at && !funcs_only &&
	    strcmp(sp.name, ksyms__name(t, s)) == 0)
		CHECK(has_s);
	candidates__free(&c);
	spec__free(&sp);
}

static void resolve_some(struct ksyms *t, const struct ksym *s, bool funcs_only)
{
	const char *name = ksyms__name(t, s), *mod = ksyms__mod_name(t, s->mod);
	char text[2 * KSYMS_NAME_MAX + 64];

	resolve_one(t, name, s, funcs_only);
	snprintf(text, sizeof(text), "%s#2", name);
	resolve_one(t, text, NULL, funcs_only);
	snprintf(text, sizeof(text), "%s+0x4%%return", name);
	resolve_one(t, text, NULL, funcs_only);
	snprintf(text, sizeof(text), "%s:%s", mod, name);
	resolve_one(t, text, NULL, funcs_only);
	snprintf(text, sizeof(text), "%s@0x%" PRIx64, name, s->addr);
	resolve_one(t, text, NULL, funcs_only);
	snprintf(text, sizeof(text), "0x%" PRIx64, s->addr + 1);
	resolve_one(t, text, NULL, funcs_only);
	snprintf(text, sizeof(text), "%.3s*", name);
	resolve_one(t, text, NULL, funcs_only);
	/* a name with no exact match: its clones, if any */
	if (strchr(name, '.')) {
		snprintf(text, sizeof(text), "%.*s", (int)(strchr(name, '.') - name), name);
		resolve_one(t, text, NULL, funcs_only);
	}
}

void fuzz_check_table(struct ksyms *t)
{
	size_t n = ksyms__count(t), step, lo, hi;
	const char *sugg[3];

	if (n == 0) { /* a snapshot may keep none of a table's records */
		CHECK(ksyms__by_prefix(t, "", &lo, &hi) == 0);
		return;
	}
	/* queries first: the name index sorts the buckets they touch on first use */
	step = n > 4096 ? n / 4096 : 1;
	for (size_t i = 0; i < n; i += step)
		check_record(t, i);
	check_instances(t);

	CHECK(ksyms__by_prefix(t, "", &lo, &hi) == n && lo == 0 && hi == n);
	check_containing(t, 0);
	check_containing(t, UINT64_MAX);
	if (ksyms__at(t, 0)->addr > 0)
		CHECK(ksyms__containing(t, ksyms__at(t, 0)->addr - 1) == NULL);

	/* a few specs from names at both ends and the middle of the table */
	for (size_t i = 0; i < n; i += n / 3 + 1) {
		resolve_some(t, ksyms__at(t, i), false);
		resolve_some(t, ksyms__at(t, n - 1 - i), true);
	}

	/* then the whole index, completed, must be in order */
	ksyms__index_all(t);
	check_order(t);

	/* suggest: one typo away from a real name */
	{
		char typo[KSYMS_NAME_MAX + 1];
		size_t got;

		snprintf(typo, sizeof(typo), "%s", ksyms__name(t, ksyms__at(t, n / 2)));
		typo[0] = typo[0] == 'x' ? 'y' : 'x';
		got = ksyms__suggest(t, typo, sugg, 3);
		CHECK(got <= 3);
		for (size_t k = 0; k < got; k++)
			CHECK(fuzz_name_ok(sugg[k]));
	}
}
