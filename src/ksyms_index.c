// SPDX-License-Identifier: GPL-2.0
/* Indexing the symbol table: the records in address order, their sizes, and the
 * name index with the instance ranks that number a name's records. See ksyms.h. */
#define _GNU_SOURCE
#include "ksyms_impl.h"
#include "cpus.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- address order ---------------------------------------------------------- */

/* LSD radix sort of (address, file position) pairs, 16 bits a pass, skipping the
 * passes where every key has the same digit (the top 32 bits mostly are all ones).
 * Stable, so equal addresses keep file order until the name tie-break below. */
#define ADDR_DIGIT_BITS 16
#define ADDR_DIGITS (1U << ADDR_DIGIT_BITS)

struct akey {
	uint64_t addr;
	uint32_t pos;
};

static int radix_sort_addr(struct akey *a, struct akey *tmp, size_t n)
{
	struct akey *src = a, *dst = tmp;
	size_t *count = malloc(ADDR_DIGITS * sizeof(*count));

	if (!count)
		return -ENOMEM;
	for (int shift = 0; shift < 64; shift += ADDR_DIGIT_BITS) {
		size_t sum = 0;
		bool one_digit = false;

		memset(count, 0, ADDR_DIGITS * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i].addr >> shift) & (ADDR_DIGITS - 1)]++;
		for (size_t d = 0; d < ADDR_DIGITS; d++) {
			size_t c = count[d];

			if (c == n)
				one_digit = true;
			count[d] = sum;
			sum += c;
		}
		if (one_digit)
			continue;
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].addr >> shift) & (ADDR_DIGITS - 1)]++] = src[i];
		struct akey *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(count);
	return 0;
}

/* qsort_r order of one address's records: by name, then module, then file line
 * (the radix sort before it is stable: this keeps file order among equals). */
static int cmp_alias(const void *pa, const void *pb, void *arg)
{
	const struct ksyms *t = arg;
	const struct ksym *a = pa, *b = pb;
	int c = strcmp(t->buf + a->name, t->buf + b->name);

	if (c)
		return c;
	if (a->mod != b->mod)
		return (a->mod > b->mod) - (a->mod < b->mod);
	return (a->line > b->line) - (a->line < b->line);
}

/* Sort the run of records at the address of syms[lo] into cmp_alias order;
 * returns the end of the run. Real runs are a handful of names, where an
 * insertion sort is cheapest; but a table may put every line at one address, and
 * insertion-sorting 200,000 of them took minutes: long runs go to qsort_r.
 * Out of line: it is rare, and inlined it slowed the loop that calls it. */
static __attribute__((noinline)) size_t sort_alias_run(struct ksyms *t, size_t lo)
{
	size_t hi = lo + 1;

	while (hi < t->n && t->syms[hi].addr == t->syms[lo].addr)
		hi++;
	if (hi - lo > 16) {
		qsort_r(t->syms + lo, hi - lo, sizeof(*t->syms), cmp_alias, t);
		return hi;
	}
	for (size_t i = lo + 1; i < hi; i++) {
		struct ksym cur = t->syms[i];
		size_t j = i;

		while (j > lo && cmp_alias(&t->syms[j - 1], &cur, t) > 0) {
			t->syms[j] = t->syms[j - 1];
			j--;
		}
		t->syms[j] = cur;
	}
	return hi;
}

static int sort_by_addr(struct ksyms *t)
{
	bool in_order = true;

	for (size_t i = 1; i < t->n && in_order; i++)
		if (t->syms[i].addr < t->syms[i - 1].addr)
			in_order = false;

	/* the core kernel comes sorted; module blocks do not */
	if (!in_order) {
		struct ksyms_region scratch;
		struct akey *keys, *tmp;
		struct ksym *sorted;

		if (ksyms_region_alloc(&scratch, t->n * (2 * sizeof(struct akey) + sizeof(struct ksym))))
			return -ENOMEM;
		keys = scratch.p;
		tmp = keys + t->n;
		sorted = (struct ksym *)(tmp + t->n);
		for (size_t i = 0; i < t->n; i++)
			keys[i] = (struct akey){ t->syms[i].addr, (uint32_t)i };
		if (radix_sort_addr(keys, tmp, t->n)) {
			ksyms_region_free(&scratch);
			return -ENOMEM;
		}
		for (size_t i = 0; i < t->n; i++)
			sorted[i] = t->syms[keys[i].pos];
		memcpy(t->syms, sorted, t->n * sizeof(*sorted));
		ksyms_region_free(&scratch);
	}

	/* aliases: names in order within one address */
	for (size_t i = 1; i < t->n; i++)
		if (t->syms[i].addr == t->syms[i - 1].addr)
			i = sort_alias_run(t, i - 1) - 1;
	return 0;
}

/* Sizes (DESIGN.md §4): the next distinct address minus this one, within the same
 * module only, so a module's last symbol never runs into the next module. Walk
 * backwards keeping, per module, the current address group and the one after it.
 * The last symbol of a module, and gaps beyond 4 GiB (percpu offsets before the
 * text), stay 0: unknown. */
static int compute_sizes(struct ksyms *t)
{
	struct grp {
		uint64_t cur, next;
		bool has_cur, has_next;
	} *g = calloc(t->n_mods, sizeof(*g));

	if (!g)
		return -ENOMEM;
	for (size_t i = t->n; i-- > 0;) {
		struct ksym *s = &t->syms[i];
		struct grp *m = &g[s->mod];

		if (!m->has_cur || m->cur != s->addr) {
			m->next = m->cur;
			m->has_next = m->has_cur;
			m->cur = s->addr;
			m->has_cur = true;
		}
		s->size = 0;
		if (m->has_next && m->next - s->addr <= UINT32_MAX)
			s->size = (uint32_t)(m->next - s->addr);
	}
	free(g);
	return 0;
}

/* ---- the name index ----------------------------------------------------------- */

/* A bucket sorts with an MSD radix sort over 8-byte chunks of the name. Each
 * level sorts by the big-endian chunk at DEPTH (an LSD radix sort of a u64, one
 * pass per byte that varies), then recurses into runs that share a chunk and go
 * on. Names share long prefixes ("__pfx_" on 6.2+, "__ksymtab_", "trace_event_"),
 * where a strcmp-based sort pays for the prefix in every comparison: this pays
 * once. Stable at every level, so equal names keep address order. */
struct nkey { /* 16 bytes: the sort moves each key ~20 times, so size is time */
	uint64_t key;
	uint32_t name; /* arena offset */
	uint32_t pos;
};

/* below this many keys, an insertion sort beats another radix level */
#define MSD_MIN 24

/* The 8 bytes of NAME at DEPTH as a big-endian number, zero from the NUL on, so
 * shorter names sort first. One unaligned load: the arena has KSYMS_PAD readable
 * bytes past its end, and the callers only go deeper while no NUL was seen. */
static inline uint64_t chunk_at(const char *name, size_t depth)
{
	uint64_t v, zero;

	memcpy(&v, name + depth, 8);
	/* lowest byte that is zero (exact for the lowest one, which is all we use) */
	zero = (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
	if (zero) {
		int nul = __builtin_ctzll(zero) / 8; /* index of the NUL byte */

		v &= nul ? ~0ULL >> (8 * (8 - nul)) : 0;
	}
	return __builtin_bswap64(v);
}

static int cmp_nkey_from(const char *arena, const struct nkey *a, const struct nkey *b,
			 size_t depth)
{
	int c = strcmp(arena + a->name + depth, arena + b->name + depth);

	if (c)
		return c;
	return (a->pos > b->pos) - (a->pos < b->pos);
}

static void insertion_sort(const char *arena, struct nkey *v, size_t n, size_t depth)
{
	for (size_t i = 1; i < n; i++) {
		struct nkey cur = v[i];
		size_t j = i;

		while (j > 0 && cmp_nkey_from(arena, &v[j - 1], &cur, depth) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = cur;
	}
}

/* One LSD pass per byte of the chunk keys that is not the same everywhere. */
static void sort_chunks(struct nkey *v, struct nkey *tmp, size_t n, size_t count[8][256],
			uint64_t first)
{
	struct nkey *src = v, *dst = tmp;

	for (int b = 0; b < 8; b++) {
		size_t sum = 0;

		if (count[b][(first >> (8 * b)) & 0xff] == n)
			continue; /* this byte is the same everywhere */
		for (int d = 0; d < 256; d++) {
			size_t c = count[b][d];

			count[b][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[b][(src[i].key >> (8 * b)) & 0xff]++] = src[i];
		struct nkey *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

static void msd_sort(const char *arena, struct nkey *v, struct nkey *tmp, size_t n,
		     size_t depth)
{
	size_t count[8][256];
	uint64_t first;
	bool same = true;

	if (n < MSD_MIN) {
		insertion_sort(arena, v, n, depth);
		return;
	}
	memset(count, 0, sizeof(count));
	first = v[0].key = chunk_at(arena + v[0].name, depth);
	for (size_t i = 0; i < n; i++) {
		uint64_t k = i ? (v[i].key = chunk_at(arena + v[i].name, depth)) : first;

		same &= k == first;
		for (int b = 0; b < 8; b++)
			count[b][(k >> (8 * b)) & 0xff]++;
	}
	if (!same)
		sort_chunks(v, tmp, n, count, first);
	/* runs that share this chunk and have not ended yet: go 8 bytes deeper */
	for (size_t lo = 0; lo < n;) {
		size_t hi = lo + 1;

		while (hi < n && v[hi].key == v[lo].key)
			hi++;
		if (hi - lo > 1 && (v[lo].key & 0xff) != 0)
			msd_sort(arena, v + lo, tmp + lo, hi - lo, depth + 8);
		lo = hi;
	}
}

/* One counting pass: positions grouped by their name's bucket, address order
 * inside each (stable). Takes what the lazy sorts will need, so they cannot fail. */
static int build_name_index(struct ksyms *t)
{
	uint32_t *start, biggest = 0;

	t->by_name = malloc((t->n ? t->n : 1) * sizeof(*t->by_name));
	t->bucket = start = calloc(KSYMS_BUCKET_BOUNDS, sizeof(*t->bucket));
	t->bucket_done = calloc(KSYMS_BUCKET_BOUNDS, 1);
	if (!t->by_name || !t->bucket || !t->bucket_done || ksyms_index__alloc_ranks(t))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		start[ksyms_bucket_of(t->buf + t->syms[i].name) + 1]++;
	for (size_t b = 1; b <= KSYMS_BUCKETS; b++) {
		if (start[b] > biggest)
			biggest = start[b];
		start[b] += start[b - 1];
	}
	t->sort_keys = malloc(2 * (size_t)(biggest ? biggest : 1) * sizeof(struct nkey));
	if (!t->sort_keys)
		return -ENOMEM;
	/* scatter with a moving cursor per bucket, then restore the starts */
	for (size_t i = 0; i < t->n; i++)
		t->by_name[start[ksyms_bucket_of(t->buf + t->syms[i].name)]++] = (uint32_t)i;
	memmove(start + 1, start, KSYMS_BUCKETS * sizeof(*start));
	start[0] = 0;
	return 0;
}

int ksyms_index__alloc_ranks(struct ksyms *t)
{
	t->mod_seen = calloc(3 * t->n_mods, sizeof(*t->mod_seen));
	/* pages untouched until a name is ranked: a query costs only its names */
	if (!t->mod_seen || ksyms_region_alloc_lazy(&t->rank_mem, t->n * sizeof(*t->rank)))
		return -ENOMEM;
	t->rank = t->rank_mem.p;
	return 0;
}

int ksyms_index__build(struct ksyms *t)
{
	int err = sort_by_addr(t);

	if (!err && !t->unloaded) /* a module file's table has its ELF sizes */
		err = compute_sizes(t);
	if (!err)
		err = build_name_index(t);
	return err;
}

void ksyms_index__free(struct ksyms *t)
{
	if (!t->snapshot) { /* a snapshot's index is borrowed (ksyms_impl.h) */
		free(t->by_name);
		free(t->bucket);
	}
	free(t->bucket_done);
	ksyms_region_free(&t->rank_mem);
	free(t->sort_keys);
	free(t->mod_seen);
}

void ksyms_index__rank(struct ksyms *t, size_t lo, size_t hi)
{
	uint32_t *seen = t->mod_seen, *seen_func = seen + t->n_mods, *last = seen_func + t->n_mods;
	struct ksym_rank *r = t->rank;
	uint16_t mod = t->syms[t->by_name[lo]].mod;
	uint32_t func = 0;
	bool one_mod = true;

	for (size_t i = lo; i < hi; i++) {
		const struct ksym *s = &t->syms[t->by_name[i]];

		func += ksym_is_func(s);
		r[i] = (struct ksym_rank){ func, (uint32_t)(i - lo + 1), func, (uint32_t)(hi - 1) };
		one_mod &= s->mod == mod;
	}
	if (one_mod)
		return;
	/* several modules (c_start in vmlinux and in dummy): count each apart */
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *s = &t->syms[t->by_name[i]];

		r[i].mod = ++seen[s->mod];
		seen_func[s->mod] += ksym_is_func(s);
		r[i].mod_func = seen_func[s->mod];
		last[s->mod] = (uint32_t)i;
	}
	for (size_t i = lo; i < hi; i++) {
		uint16_t m = t->syms[t->by_name[i]].mod;

		r[i].mod_last = last[m];
		seen[m] = seen_func[m] = 0;
	}
}

/* Sort bucket B, name positions [lo, lo + n), with KEYS (2 x n) as scratch. */
static void sort_bucket(struct ksyms *t, unsigned b, uint32_t lo, uint32_t n, struct nkey *keys)
{
	/* 1-byte names (second byte NUL) are all equal: already in address order */
	if (n < 2 || !(b & 0xff))
		return;
	for (uint32_t i = 0; i < n; i++)
		keys[i] = (struct nkey){ 0, t->syms[t->by_name[lo + i]].name, t->by_name[lo + i] };
	/* every name in the bucket shares its first two bytes */
	msd_sort(t->buf, keys, keys + n, n, 2);
	for (uint32_t i = 0; i < n; i++)
		t->by_name[lo + i] = keys[i].pos;
}

/* Sort bucket B, or with PP, bucket "__"'s names other than the __pfx_ ones. */
static void sort_range(struct ksyms *t, unsigned blo, unsigned bhi, struct nkey *keys,
		       const struct ksyms_pfx_plan *pp)
{
	for (unsigned b = blo; b <= bhi; b++) {
		bool rest = pp && pp->pfx_of && b == KSYMS_PFX_BUCKET;

		if (t->bucket_done[b])
			continue;
		sort_bucket(t, b, t->bucket[b],
			    rest ? pp->n_rest : t->bucket[b + 1] - t->bucket[b], keys);
		if (!rest)
			t->bucket_done[b] = 1;
	}
}

void ksyms_index__sort(struct ksyms *t, unsigned blo, unsigned bhi)
{
	if (t->snapshot)
		return; /* complete: a snapshot holds the whole name index */
	sort_range(t, blo, bhi, t->sort_keys, NULL);
}

/* Below this many names, a second thread costs more than it saves. */
#define SORT_TWO_MIN 20000

struct sort_half {
	struct ksyms *t;
	unsigned blo, bhi;
	struct nkey *keys;
	const struct ksyms_pfx_plan *pp;
};

static void *sort_half(void *arg)
{
	struct sort_half *h = arg;

	sort_range(h->t, h->blo, h->bhi, h->keys, h->pp);
	return NULL;
}

/* The whole name index on two threads, the buckets split where half the names
 * to sort are (distinct buckets are distinct name positions and flags): writing
 * a snapshot needs it all (ksyms_snap.c), and on a machine with a core to spare
 * it takes about half as long. False, nothing done, when the second thread or
 * its scratch cannot be had. */
static bool sort_all_in_two(struct ksyms *t, const struct ksyms_pfx_plan *pp)
{
	struct sort_half h = { .t = t, .bhi = KSYMS_BUCKETS - 1, .pp = pp };
	uint32_t biggest = 1, half = (uint32_t)(t->n - pp->n_pfx) / 2;
	pthread_t th;

	if (t->n - pp->n_pfx < SORT_TWO_MIN || !cpus_to_spare())
		return false;
	/* names before bucket b + 1, the __pfx_ ones left out (placed, not sorted) */
	while (h.blo < KSYMS_BUCKETS - 1 &&
	       t->bucket[h.blo + 1] - (h.blo >= KSYMS_PFX_BUCKET ? pp->n_pfx : 0) < half)
		h.blo++;
	h.blo++; /* this thread: [0, the bucket that holds the middle name] */
	for (unsigned b = h.blo; b <= h.bhi; b++)
		if (t->bucket[b + 1] - t->bucket[b] > biggest)
			biggest = t->bucket[b + 1] - t->bucket[b];
	h.keys = malloc(2 * (size_t)biggest * sizeof(*h.keys));
	if (!h.keys || pthread_create(&th, NULL, sort_half, &h)) {
		free(h.keys);
		return false;
	}
	sort_range(t, 0, h.blo - 1, t->sort_keys, pp);
	pthread_join(th, NULL);
	free(h.keys);
	return true;
}

void ksyms__index_all(struct ksyms *t)
{
	struct ksyms_pfx_plan pp;
	bool pfx;

	/* a flag, so repeated calls (list, suggest) do not walk every bucket */
	if (t->snapshot || t->bucket_done[KSYMS_ALL_SORTED])
		return;
	pfx = ksyms_pfx__link(t, &pp);
	/* else on one thread, with what was taken at load: it cannot fail */
	if (!sort_all_in_two(t, &pp))
		sort_range(t, 0, KSYMS_BUCKETS - 1, t->sort_keys, &pp);
	if (pfx)
		ksyms_pfx__place(t, &pp);
	t->bucket_done[KSYMS_ALL_SORTED] = 1;
}
