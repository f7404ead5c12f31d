/* SPDX-License-Identifier: GPL-2.0 */
/* The symbol table's private layout, shared by the files that make it:
 *   ksyms_read.c   reads and parses the file into the arena and the records;
 *   ksyms_index.c  sorts them, sizes them, and builds the name index;
 *   ksyms_pfx.c    places the __pfx_ padding symbols in the whole name index;
 *   ksyms_query.c  answers queries.
 *   ksyms_snap.c   writes the stable part of a table as a snapshot file, and
 *                  builds a table over one that borrows its arrays in place.
 * Nothing else includes this. Every part is a plain array, or the arena of names,
 * and they refer to each other by index or arena offset, never by pointer: laid
 * out like this, a per-boot snapshot holds them as they are (issue 15). */
#ifndef KSYMTRACE_KSYMS_IMPL_H
#define KSYMTRACE_KSYMS_IMPL_H

#include "ksyms.h"
#include "ksyms_line.h"

/* Offsets are 32-bit; 1 GiB is far beyond any real table (6.12: ~8 MiB). */
#define KSYMS_FILE_MAX (1UL << 30)
/* Readable zero bytes past the end of the arena: chunk_at() loads 8 at a time. */
#define KSYMS_PAD KSYMS_LINE_PAD

/* The name index is bucketed by the first two bytes of the name, read as one
 * big-endian 16-bit number: bucket 0x635f holds the names that start "c_". A
 * one-byte name has its NUL as the second byte, and so sorts first in its
 * bucket's group, as strcmp would sort it. */
#define KSYMS_BUCKETS 65536
/* bucket[] has one more slot: bucket b is by_name[bucket[b], bucket[b + 1]) */
#define KSYMS_BUCKET_BOUNDS (KSYMS_BUCKETS + 1)
/* bucket_done[] has one more slot too, set once every bucket is sorted */
#define KSYMS_ALL_SORTED KSYMS_BUCKETS

struct ksyms_region {
	void *p;
	size_t len;
};


/* Instance ranks of the record at one name position, counted from the first
 * record of its name, this one included: how ksyms__instance_at() numbers
 * without walking the name's records. Filled in for a whole name the first time
 * one of its records is numbered, and only for names with several records (a
 * name's only record is its #1); mod is 0 until then. */
struct ksym_rank {
	uint32_t func;     /* functions of this name up to here */
	uint32_t mod;      /* records of this name in this record's module up to here */
	uint32_t mod_func; /* functions of this name in this record's module up to here */
	uint32_t mod_last; /* name position of the last record of this name and module */
};

struct ksyms {
	char *buf; /* the arena: every name and module name, NUL-terminated */
	size_t buf_len;
	struct ksyms_region buf_mem, syms_mem;
	struct ksym *syms; /* address order */
	size_t n;
	uint32_t *mods; /* module names: arena offsets; [0] is "vmlinux", not in the arena */
	size_t n_mods;

	/* The name index: positions in syms, in (name, address) order. The load
	 * groups them by bucket, in address order; a bucket is sorted the first
	 * time a query reaches it (bucket_done[b]), and a name ranked the first time
	 * it is numbered: a whole sort at load would double the load
	 * (scripts/bench-resolve.sh). So those queries take a non-const table. */
	uint32_t *by_name;
	uint32_t *bucket;         /* [KSYMS_BUCKET_BOUNDS] */
	uint8_t *bucket_done;     /* [KSYMS_BUCKET_BOUNDS] */
	struct ksyms_region rank_mem;
	struct ksym_rank *rank;   /* [n], by name position */
	/* What sorting the largest bucket and ranking a name need, taken at load
	 * (untouched pages until then), so that no query allocates or can fail. */
	void *sort_keys;          /* 2 x the largest bucket, in ksyms_index.c's keys */
	uint32_t *mod_seen;       /* [3 * n_mods] per-module counters for the ranks */
	uint32_t pfx_placed;      /* __pfx_ names ordered after their functions, not
				   * sorted (ksyms_index.c): what the tests look at */

	/* A table over a snapshot (ksyms_snap.c) borrows buf, syms, mods, by_name and
	 * bucket: from MAP, which ksyms__free() releases, or from memory its caller
	 * owns (MAP empty). Its name index is complete (no bucket_done, no
	 * sort_keys), and it holds the core kernel and the modules only: it answers
	 * for an address only inside CORE_LO..CORE_HI or a module's text
	 * (ksyms__covers()). */
	bool snapshot;
	struct ksyms_region map;
	uint64_t core_lo, core_hi; /* core_lo > core_hi: no core range */

	/* Modules not loaded (ksyms_unloaded.c): the first chained table. A chained
	 * table has UNLOADED set, its sizes given (not computed), and one module, the
	 * last of its mods[]; the slots before it are other tables' (UINT32_MAX). */
	struct ksyms *ext;
	bool unloaded;
};

/* Zeroed memory for the big arrays (ksyms_region.c), populated at once (the
 * records) or as they are first written (the ranks); grown to LEN bytes, the
 * contents kept, maybe elsewhere (refer to it by offset). 0 or -ENOMEM. */
int ksyms_region_alloc(struct ksyms_region *r, size_t len);
int ksyms_region_alloc_lazy(struct ksyms_region *r, size_t len);
int ksyms_region_grow(struct ksyms_region *r, size_t len);
void ksyms_region_free(struct ksyms_region *r);

/* After the records are read: sort them by address, size them, group the name
 * index into buckets and take its scratch. 0 or -ENOMEM. */
int ksyms_index__build(struct ksyms *t);
void ksyms_index__free(struct ksyms *t);
/* Take what the ranks need (no query may fail later): the lazy rank region
 * and the per-module counters. 0 or -ENOMEM. */
int ksyms_index__alloc_ranks(struct ksyms *t);
/* Sort buckets [blo, bhi] that are not sorted yet. */
void ksyms_index__sort(struct ksyms *t, unsigned blo, unsigned bhi);
/* Rank the records of one name, name positions [lo, hi) (struct ksym_rank). */
void ksyms_index__rank(struct ksyms *t, size_t lo, size_t hi);

/* The whole name index with the __pfx_ padding symbols placed after their
 * functions, not sorted (ksyms_pfx.c): ksyms_pfx__link() pairs each with its
 * function and moves the rest of bucket "__" first (false, nothing changed,
 * when it cannot); the caller sorts every bucket, bucket "__" only its first
 * N_REST names; ksyms_pfx__place() then puts the __pfx_ names in order. */
#define KSYMS_PFX_BUCKET (('_' << 8) | '_')
struct ksyms_pfx_plan {
	uint32_t n_rest;  /* the bucket's other names, first in it, sorted as usual */
	uint32_t n_pfx;   /* then the __pfx_ names, in address order until placed */
	uint32_t *pfx_of; /* [n]: by record position, its __pfx_ record, or UINT32_MAX */
};

bool ksyms_pfx__link(struct ksyms *t, struct ksyms_pfx_plan *pp);
void ksyms_pfx__place(struct ksyms *t, struct ksyms_pfx_plan *pp);

/* The bucket of a name or of a prefix of at least two bytes. */
static inline unsigned ksyms_bucket_of(const char *name)
{
	return ((unsigned)(unsigned char)name[0] << 8) | (unsigned char)(name[0] ? name[1] : 0);
}

#endif
