// SPDX-License-Identifier: GPL-2.0
/* The probe plan. See plan.h. */
#define _GNU_SOURCE
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "log.h"
#include "modfile.h"
#include "output.h"

struct plan {
	struct ksyms *t; /* not const: numbering a name may sort its part of the index */
	struct probe *v;
	size_t n, cap;
	/* the places already planned, for plan__add: an open-addressing set of
	 * probe id + 1 (0: empty slot), keyed by (symbol, offset, kind); at most
	 * half full, so an add costs O(1) on average where a scan of the list cost
	 * O(n) and n adds O(n^2) */
	uint32_t *set;
	size_t set_cap; /* a power of two */
};

struct plan *plan__new(struct ksyms *t)
{
	struct plan *pl = calloc(1, sizeof(*pl));

	if (pl)
		pl->t = t;
	return pl;
}

void plan__free(struct plan *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++)
		free((char *)pl->v[i].label);
	free(pl->v);
	free(pl->set);
	free(pl);
}

size_t plan__count(const struct plan *pl)
{
	return pl->n;
}

const struct probe *plan__probe(const struct plan *pl, size_t id)
{
	return id < pl->n ? &pl->v[id] : NULL;
}

struct ksyms *plan__table(const struct plan *pl)
{
	return pl->t;
}

/* ---- the set of places ------------------------------------------------------- */

/* splitmix64's finalizer: every bit of the input moves every bit of the hash, so
 * nearby addresses and offsets spread over the whole table */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static size_t place_hash(const struct ksym *sym, uint64_t off, bool ret)
{
	return (size_t)mix64((uint64_t)(uintptr_t)sym ^ mix64(off << 1 | ret));
}

/* The slot that holds the probe at (SYM, OFF, RET), or the empty slot where it
 * would go. */
static uint32_t *set_slot(const struct plan *pl, const struct ksym *sym, uint64_t off, bool ret)
{
	size_t mask = pl->set_cap - 1, i = place_hash(sym, off, ret) & mask;

	for (;; i = (i + 1) & mask) {
		const struct probe *p;

		if (!pl->set[i])
			return &pl->set[i];
		p = &pl->v[pl->set[i] - 1];
		if (p->sym == sym && p->off == off && p->ret == ret)
			return &pl->set[i];
	}
}

/* Refill the set from the list, in a table of CAP slots (a power of two, more
 * than twice the probes). */
static int set_rebuild(struct plan *pl, size_t cap)
{
	if (cap != pl->set_cap) {
		uint32_t *set = calloc(cap, sizeof(*set));

		if (!set)
			return -ENOMEM;
		free(pl->set);
		pl->set = set;
		pl->set_cap = cap;
	} else if (cap) {
		memset(pl->set, 0, cap * sizeof(*pl->set));
	}
	for (size_t i = 0; i < pl->n; i++)
		*set_slot(pl, pl->v[i].sym, pl->v[i].off, pl->v[i].ret) = (uint32_t)i + 1;
	return 0;
}

/* Room for one more probe, in the list and in the set. */
static int reserve_one(struct plan *pl)
{
	if (pl->n >= UINT32_MAX - 1)
		return -ENOMEM; /* ids are 32 bits; long before this, memory runs out */
	if (pl->n == pl->cap) {
		size_t ncap = pl->cap ? pl->cap * 2 : 16;
		struct probe *nv = realloc(pl->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		pl->v = nv;
		pl->cap = ncap;
	}
	if (2 * (pl->n + 1) > pl->set_cap)
		return set_rebuild(pl, pl->set_cap ? pl->set_cap * 2 : 64);
	return 0;
}

/* Drop the probes DROP marks (indexed by id), keeping the others in order. */
static void drop_marked(struct plan *pl, const uint8_t *drop)
{
	size_t w = 0;

	for (size_t i = 0; i < pl->n; i++) {
		if (drop[i]) {
			free((char *)pl->v[i].label);
			continue;
		}
		pl->v[w++] = pl->v[i];
	}
	pl->n = w;
	set_rebuild(pl, pl->set_cap); /* the same size: it cannot fail */
}

/* ---- adding ------------------------------------------------------------------- */

/* The label numbers S among every function of its name, whatever filter found
 * it, so that the label is a spec that names S again. */
static const struct ksyms_filter label_filter = { .mod = KSYMS_ANY_MOD, .funcs_only = true };

/* Whether S is in a module and the only symbol of its name there, of any type:
 * the kernel counts them all (trace_kprobe.c number_of_same_symbols()). */
static bool mod_unique(struct ksyms *t, const struct ksym *s)
{
	const struct ksyms_filter in_mod = { .mod = s->mod, .funcs_only = false };
	uint32_t count = 0;

	if (s->mod == KSYMS_CORE_MOD || !modfile__may_exist(ksyms__mod_name(t, s->mod)))
		return false;
	ksyms__instance(t, s, &in_mod, &count);
	return count == 1;
}

int plan__add(struct plan *pl, const struct target *tg, bool ret, const char *spec)
{
	char label[KSYMS_NAME_MAX + 128]; /* MOD: (56), name, +0xOFF, #N */
	struct probe *p;
	uint32_t *slot;
	size_t mod_len = 0;
	int err;

	if (pl->set_cap && *set_slot(pl, tg->sym, tg->off, ret))
		return 1;
	err = reserve_one(pl);
	if (err)
		return err;
	p = &pl->v[pl->n];
	memset(p, 0, sizeof(*p));
	p->sym = tg->sym;
	p->off = tg->off;
	p->addr = tg->sym->addr + tg->off;
	p->ret = ret;
	p->clone = tg->clone;
	p->spec = spec;
	p->index = ksyms__instance(pl->t, tg->sym, &label_filter, &p->count);
	p->mod_unique = mod_unique(pl->t, tg->sym);
	/* a module not loaded numbers in its own table: its label says MOD: too */
	if (!ksym_loaded(tg->sym))
		mod_len = (size_t)snprintf(label, 64, "%.55s:", ksyms__mod_name(pl->t, tg->sym->mod));
	format_label(label + mod_len, sizeof(label) - mod_len, ksyms__name(pl->t, tg->sym), tg->off,
		     p->index, p->count);
	p->label = strdup(label);
	if (!p->label)
		return -ENOMEM;
	slot = set_slot(pl, p->sym, p->off, p->ret);
	*slot = (uint32_t)++pl->n;
	return 0;
}

/* ---- refusing ----------------------------------------------------------------- */

int plan__refuse(struct plan *pl, const struct traceable *trc, bool force, bool skip_failed)
{
	size_t refused = 0, n = pl->n, w = 0;
	char list[512] = "";
	int len = 0;

	for (size_t i = 0; i < n; i++) {
		struct probe *p = &pl->v[i];

		if (checks__probe(pl->t, p, trc, force)) {
			pl->v[w++] = *p;
			continue;
		}
		refused++;
		if (len >= 0 && (size_t)len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - (size_t)len, "%s%s%s", refused > 1 ? ", " : "",
					p->label, p->ret ? "%return" : "");
		if (skip_failed)
			free((char *)p->label);
		else
			pl->v[w++] = *p; /* the run ends here: the plan stays whole */
	}
	pl->n = w;
	set_rebuild(pl, pl->set_cap);
	if (!refused)
		return 0;
	if (!skip_failed) {
		if (n > 1)
			log_hint("--skip-failed goes on without the refused probe%s", refused == 1 ? "" : "s");
		return -1;
	}
	log_warn("skipping %zu of %zu probes: %s%s", refused, n, list,
		 (size_t)len >= sizeof(list) ? "..." : "");
	if (pl->n == 0) {
		log_error("every probe was refused: nothing to attach");
		return -1;
	}
	return 0;
}

/* ---- merging ------------------------------------------------------------------ */

/* Probe ids in (address, kind, id) order: each run of one address and kind
 * starts with the probe added first. */
static int by_place(const void *a, const void *b, void *ctx)
{
	const struct plan *pl = ctx;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const struct probe *pa = &pl->v[ia], *pb = &pl->v[ib];

	if (pa->addr != pb->addr)
		return pa->addr < pb->addr ? -1 : 1;
	if (pa->ret != pb->ret)
		return pa->ret ? 1 : -1;
	return ia < ib ? -1 : ia > ib;
}

int plan__merge_same_addr(struct plan *pl)
{
	uint32_t *order = malloc((pl->n ? pl->n : 1) * sizeof(*order));
	uint32_t *into = malloc((pl->n ? pl->n : 1) * sizeof(*into)); /* the first of its place */
	uint8_t *drop = calloc(pl->n ? pl->n : 1, 1);
	int merged = 0;

	if (!order || !into || !drop) {
		merged = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < pl->n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, pl->n, sizeof(*order), by_place, pl);
	for (size_t k = 0, first = 0; k < pl->n; k++) {
		const struct probe *a = &pl->v[order[first]], *p = &pl->v[order[k]];

		if (a->addr != p->addr || a->ret != p->ret)
			first = k;
		into[order[k]] = order[first];
	}
	/* said in the order the probes were added */
	for (size_t j = 0; j < pl->n; j++) {
		const struct probe *p = &pl->v[j], *first = &pl->v[into[j]];

		if (into[j] == j)
			continue;
		log_note("%s%s is %s%s's address: one probe there", p->label, p->ret ? "%return" : "",
			 first->label, first->ret ? "%return" : "");
		drop[j] = 1;
		merged++;
	}
	drop_marked(pl, drop);
out:
	free(order);
	free(into);
	free(drop);
	return merged;
}
