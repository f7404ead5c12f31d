// SPDX-License-Identifier: GPL-2.0
/* The end of a run: hits and missed counts per probe, by source name where
 * compiler clones are among the probes, and the totals; text and JSON from the
 * same numbers. See events.h. */
#define _GNU_SOURCE
#include "events.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

/* ---- hits by source name (compiler clones) ---------------------------------------- */

/* One source name and kind: foo's probes at foo, foo.isra.0, foo.constprop.1. */
struct source_group {
	const char *name; /* a symbol name whose first len bytes are the source name */
	size_t len;
	bool ret;
	size_t probes;
	uint64_t hits, missed; /* missed: TRACER_MISSED_UNKNOWN if one probe's is */
};

/* Probe ids A and B by source name, then kind; 0 for one group. */
static int source_cmp(const struct plan *pl, uint32_t ia, uint32_t ib)
{
	const struct ksyms *t = plan__table(pl);
	const struct probe *pa = plan__probe(pl, ia), *pb = plan__probe(pl, ib);
	const char *na = ksyms__name(t, pa->sym), *nb = ksyms__name(t, pb->sym);
	size_t la = ksyms__clone_base_len(na), lb = ksyms__clone_base_len(nb);
	int r = memcmp(na, nb, la < lb ? la : lb);

	if (r || la != lb)
		return r ? r : la < lb ? -1 : 1;
	return pa->ret == pb->ret ? 0 : pa->ret ? 1 : -1;
}

static int by_source(const void *a, const void *b, void *pl)
{
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	int r = source_cmp(pl, ia, ib);

	return r ? r : ia < ib ? -1 : ia > ib;
}

/* The groups of attached entry and return probes that have a compiler clone
 * among them (--clones, or a name without an exact match), in name order, into
 * *OUT (to free). Returns how many (0: no clone, no group), or -1 when out of memory. */
static long source_groups(const struct plan *pl, const struct tracer_stats *st,
			  struct source_group **out)
{
	size_t n = 0, ng = 0, np = plan__count(pl) ? plan__count(pl) : 1;
	uint32_t *ids = malloc(np * sizeof(*ids));
	struct source_group *g = calloc(np, sizeof(*g));
	bool clones = false;

	*out = g;
	if (!ids || !g) {
		free(ids);
		return -1;
	}
	/* entries and returns: a probe at an offset is not a call of the function */
	for (size_t i = 0; i < plan__count(pl); i++) {
		if (st->attached[i] && plan__probe(pl, i)->off == 0) {
			ids[n++] = (uint32_t)i;
			clones |= plan__probe(pl, i)->clone;
		}
	}
	if (clones)
		qsort_r(ids, n, sizeof(*ids), by_source, (void *)pl);
	for (size_t first = 0, k; clones && first < n; first = k) {
		struct source_group *cur = &g[ng];
		bool any_clone = false;

		memset(cur, 0, sizeof(*cur));
		for (k = first; k < n && source_cmp(pl, ids[first], ids[k]) == 0; k++) {
			const struct probe *p = plan__probe(pl, ids[k]);
			uint64_t m = st->missed ? st->missed[ids[k]] : TRACER_MISSED_UNKNOWN;

			any_clone |= p->clone;
			cur->probes++;
			cur->hits += st->hits[ids[k]];
			cur->missed = m == TRACER_MISSED_UNKNOWN || cur->missed == TRACER_MISSED_UNKNOWN
					      ? TRACER_MISSED_UNKNOWN : cur->missed + m;
		}
		cur->name = ksyms__name(plan__table(pl), plan__probe(pl, ids[first])->sym);
		cur->len = ksyms__clone_base_len(cur->name);
		cur->ret = plan__probe(pl, ids[first])->ret;
		ng += any_clone;
	}
	free(ids);
	return (long)ng;
}

/* ---- summary and --count ------------------------------------------------------ */

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* A missed count as the MISSED column shows it: "?" where the kernel cannot tell. */
static const char *missed_text(char *buf, size_t len, uint64_t missed)
{
	if (missed == TRACER_MISSED_UNKNOWN)
		return "?";
	snprintf(buf, len, "%" PRIu64, missed);
	return buf;
}

static void sources_text(FILE *o, const struct plan *pl, const struct tracer_stats *st)
{
	struct source_group *g;
	long ng = source_groups(pl, st, &g);
	char m[24];

	if (ng > 0)
		fprintf(o, "%12s  %8s  %-9s  %6s  %s\n", "HITS", "MISSED", "KIND", "PROBES", "SOURCE (with its compiler clones)");
	for (long i = 0; i < ng; i++)
		fprintf(o, "%12" PRIu64 "  %8s  %-9s  %6zu  %.*s%s\n", g[i].hits,
			missed_text(m, sizeof(m), g[i].missed), kind_name(g[i].ret), g[i].probes,
			(int)g[i].len, g[i].name, g[i].ret ? "%return" : "");
	free(g);
}

static void summary_text(FILE *o, const struct plan *pl, const struct tracer_stats *st,
			 const struct event_counts *c)
{
	const struct ksyms *t = plan__table(pl);
	uint64_t total = 0, missed = 0, unidentified = st->unknown + c->malformed;
	size_t shown = 0;
	char m[24], a[24];

	fprintf(o, "%12s  %8s  %-9s  %-16s  %s\n", "HITS", "MISSED", "KIND", "ADDRESS", "PROBE");
	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);
		uint64_t pm = st->missed ? st->missed[i] : TRACER_MISSED_UNKNOWN;

		if (!st->attached[i])
			continue;
		shown++;
		total += st->hits[i];
		missed += pm == TRACER_MISSED_UNKNOWN ? 0 : pm;
		/* a probe planned before its module loaded has no address here */
		if (ksym_loaded(pr->sym))
			snprintf(a, sizeof(a), "%016" PRIx64, pr->addr);
		else
			snprintf(a, sizeof(a), "(not loaded)");
		fprintf(o, "%12" PRIu64 "  %8s  %-9s  %-16s  %s%s", st->hits[i],
			missed_text(m, sizeof(m), pm), kind_name(pr->ret), a, pr->label,
			pr->ret ? "%return" : "");
		if (pr->sym->mod != KSYMS_CORE_MOD)
			fprintf(o, " [%s]", ksyms__mod_name(t, pr->sym->mod));
		if (c->unloaded && c->unloaded[i])
			fputs(" (unloaded)", o);
		fputc('\n', o);
	}
	sources_text(o, pl, st);
	fprintf(o, "%zu probe%s, %" PRIu64 " hit%s", shown, shown == 1 ? "" : "s", total, plural(total));
	if (missed)
		fprintf(o, ", %" PRIu64 " missed", missed);
	/* -n, a reader that went away or stalled: the hits are not what was printed */
	if (c->events && c->printed != total)
		fprintf(o, ", %" PRIu64 " printed", c->printed);
	fprintf(o, "; %" PRIu64 " event%s lost to a full ring buffer", st->lost, plural(st->lost));
	if (c->unwritten)
		fprintf(o, "; %" PRIu64 " event%s lost: standard output took nothing for %d s",
			c->unwritten, plural(c->unwritten), c->stall_s);
	if (unidentified)
		fprintf(o, "; %" PRIu64 " event%s unidentified", unidentified, plural(unidentified));
	if (c->malformed)
		fprintf(o, " (%" PRIu64 " malformed record%s)", c->malformed, plural(c->malformed));
	fputc('\n', o);
}

/* "missed": a number, or null where the kernel cannot tell */
static void json_missed(struct json *j, uint64_t missed)
{
	if (missed == TRACER_MISSED_UNKNOWN)
		json_knull(j, "missed");
	else
		json_ku64(j, "missed", missed);
}

static void sources_json(struct json *j, const struct plan *pl, const struct tracer_stats *st)
{
	struct source_group *g;
	long ng = source_groups(pl, st, &g);
	char name[KSYMS_NAME_MAX + 1];

	if (ng > 0) {
		json_key(j, "sources");
		json_arr_begin(j);
	}
	for (long i = 0; i < ng; i++) {
		snprintf(name, sizeof(name), "%.*s", (int)g[i].len, g[i].name);
		json_obj_begin(j);
		json_kstr(j, "source", name);
		json_kstr(j, "kind", kind_name(g[i].ret));
		json_ku64(j, "probes", g[i].probes);
		json_ku64(j, "hits", g[i].hits);
		json_missed(j, g[i].missed);
		json_obj_end(j);
	}
	if (ng > 0)
		json_arr_end(j);
	free(g);
}

static void summary_json(struct event_printer *p, const struct tracer_stats *st,
			 const struct event_counts *c)
{
	struct json *j = &p->j;
	char source[KSYMS_NAME_MAX + 1];

	json_obj_begin(j);
	json_kbool(j, "summary", true);
	json_key(j, "probes");
	json_arr_begin(j);
	for (size_t i = 0; i < plan__count(p->pl); i++) {
		const struct probe *pr = plan__probe(p->pl, i);
		const char *name = ksyms__name(p->t, pr->sym);

		if (!st->attached[i])
			continue;
		json_obj_begin(j);
		json_kstr(j, "probe", pr->label);
		if (ksym_loaded(pr->sym))
			json_khex(j, "addr", pr->addr);
		else
			json_knull(j, "addr");
		json_kstr(j, "module", probe_module(p->t, pr));
		json_kstr(j, "kind", kind_name(pr->ret));
		/* its module went away (or never came) and took the probe with it */
		json_kbool(j, "unloaded", c->unloaded && c->unloaded[i]);
		snprintf(source, sizeof(source), "%.*s", (int)ksyms__clone_base_len(name), name);
		json_kstr(j, "source", source);
		json_ku64(j, "hits", st->hits[i]);
		json_missed(j, st->missed ? st->missed[i] : TRACER_MISSED_UNKNOWN);
		json_obj_end(j);
	}
	json_arr_end(j);
	sources_json(j, p->pl, st);
	json_ku64(j, "lost", st->lost);
	json_ku64(j, "unidentified", st->unknown + c->malformed);
	if (c->events)
		json_ku64(j, "printed", c->printed);
	expect__json(c->expect, j);
	json_obj_end(j);
}

void event_printer__summary(struct event_printer *p, FILE *text_out, const struct tracer_stats *st,
			    const struct event_counts *c)
{
	if (p->json)
		summary_json(p, st, c);
	else
		summary_text(text_out, p->pl, st, c);
}

