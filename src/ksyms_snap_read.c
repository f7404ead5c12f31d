// SPDX-License-Identifier: GPL-2.0
/* The snapshot file of a symbol table: checking it, and a table over it that
 * uses its arrays in place. See ksyms_snap.h. */
#define _GNU_SOURCE
#include "ksyms_snap_impl.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *ksyms_snap__why(enum ksyms_snap_miss m)
{
	switch (m) {
	case KSYMS_SNAP_OK:
		return "none";
	case KSYMS_SNAP_TRUNCATED:
		return "it is truncated";
	case KSYMS_SNAP_NOT_SNAP:
		return "it is not a ksymtrace snapshot";
	case KSYMS_SNAP_OTHER_VERSION:
		return "it is of another format version";
	case KSYMS_SNAP_CORRUPT:
		return "it is corrupt";
	case KSYMS_SNAP_BOOT:
		return "it is of another boot (boot_id)";
	case KSYMS_SNAP_RELEASE:
		return "it is of another kernel release";
	case KSYMS_SNAP_MODULES:
		return "modules were loaded, unloaded or reloaded since it was written";
	case KSYMS_SNAP_IO:
		return "it cannot be read";
	case KSYMS_SNAP_NOMEM:
		return "out of memory";
	}
	return "unknown";
}

/* AddressSanitizer cannot see into a file's mapping: under it, the snapshot is
 * read into a region instead (ksyms_region.c guards those: a read past the
 * file's end is a report), so that the fuzzers and the asan suite would catch a
 * query that strays out of it. */
#if defined(__SANITIZE_ADDRESS__)
#define SNAP_READ_INTO_REGION 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SNAP_READ_INTO_REGION 1
#endif
#endif

/* The header of a file of SIZE bytes, up to the keys: what it is, its sizes. */
static enum ksyms_snap_miss check_header(const struct snap_hdr *h, uint64_t size,
					 struct snap_layout *l)
{
	if (size < sizeof(*h))
		return memcmp(h->magic, SNAP_MAGIC, size < 8 ? size : 8) ? KSYMS_SNAP_NOT_SNAP
									  : KSYMS_SNAP_TRUNCATED;
	if (memcmp(h->magic, SNAP_MAGIC, sizeof(h->magic)))
		return KSYMS_SNAP_NOT_SNAP;
	if (h->version != KSYMS_SNAP_VERSION || h->hdr_size != sizeof(*h) ||
	    h->ksym_size != sizeof(struct ksym) || h->byte_order != BYTE_ORDER_MARK)
		return KSYMS_SNAP_OTHER_VERSION;
	if (size < h->file_size)
		return KSYMS_SNAP_TRUNCATED;
	if (size > h->file_size || !snap_layout_of(h->n_syms, h->n_mods, h->buf_len, l) ||
	    l->end != h->file_size)
		return KSYMS_SNAP_CORRUPT;
	return KSYMS_SNAP_OK;
}

static enum ksyms_snap_miss check_keys(const struct snap_hdr *h, const struct ksyms_snap_keys *k)
{
	if (memcmp(h->boot_id, k->boot_id, sizeof(h->boot_id)))
		return KSYMS_SNAP_BOOT;
	if (memcmp(h->release, k->release, sizeof(h->release)))
		return KSYMS_SNAP_RELEASE;
	if (h->modules != k->modules)
		return KSYMS_SNAP_MODULES;
	return KSYMS_SNAP_OK;
}

/* The bytes of the file: in memory (the file's mapping, or a copy), or read from
 * FD (a header). The check goes through them a window at a time; with RELEASE
 * (a mapping) it drops the pages of each window once done: every page it
 * touched would count in the process's memory, and peak RSS would be the
 * file's size. Reading through the mapping saves copying the file: under TCG,
 * where the kernel's copy is emulated a byte at a time, most of the check. */
#define WINDOW (240UL << 10) /* a multiple of 24 and of 8 */

struct snap_src {
	const unsigned char *mem;
	int fd;
	unsigned char *win;
	int err;
	bool release;
	uint64_t released; /* the pages below this offset are dropped */
};

/* Done with the bytes below offset END. */
static void src_done(struct snap_src *s, uint64_t end)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), to = end & ~(page - 1);

	if (!s->release || to <= s->released)
		return;
	madvise((void *)(s->mem + s->released), to - s->released, MADV_DONTNEED);
	s->released = to;
}

static const void *src_get(struct snap_src *s, uint64_t off, size_t len)
{
	size_t done = 0;

	if (s->mem)
		return s->mem + off;
	while (done < len) {
		ssize_t r = pread(s->fd, s->win + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			s->err = r < 0 ? errno : EIO;
			return NULL;
		}
		done += (size_t)r;
	}
	return s->win;
}

/* What the checks of one pass carry from window to window. */
struct snap_check {
	const struct snap_hdr *h;
	uint64_t prev_addr;
	uint32_t prev_bucket;
	uint8_t *seen; /* a bit per record: the name index is a permutation */
	bool bad;
};

static void check_syms(struct snap_check *c, const void *p, size_t n, uint64_t first)
{
	for (size_t i = 0; i < n; i++) {
		struct ksym s;

		memcpy(&s, (const char *)p + i * sizeof(s), sizeof(s));
		/* flags 0: every record of a kallsyms line has none (ksyms.h) */
		if (s.name >= c->h->buf_len || s.mod >= c->h->n_mods || s.addr < c->prev_addr ||
		    !ksym_name_byte((unsigned char)s.type) || s.flags)
			c->bad = true;
		c->prev_addr = s.addr;
	}
	(void)first;
}

static void check_by_name(struct snap_check *c, const void *p, size_t n, uint64_t first)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v;

		memcpy(&v, (const char *)p + i * sizeof(v), sizeof(v));
		if (v >= c->h->n_syms || (c->seen[v / 8] & (1u << (v % 8)))) {
			c->bad = true;
			return;
		}
		c->seen[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	(void)first;
}

static void check_buckets(struct snap_check *c, const void *p, size_t n, uint64_t first)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v;

		memcpy(&v, (const char *)p + i * sizeof(v), sizeof(v));
		if ((first + i == 0 && v != 0) || v < c->prev_bucket || v > c->h->n_syms ||
		    (first + i == KSYMS_BUCKETS && v != c->h->n_syms))
			c->bad = true;
		c->prev_bucket = v;
	}
}

static void check_mods(struct snap_check *c, const void *p, size_t n, uint64_t first)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t v;

		memcpy(&v, (const char *)p + i * sizeof(v), sizeof(v));
		if (first + i == 0 ? v != UINT32_MAX : v >= c->h->buf_len)
			c->bad = true;
	}
}

/* The arena's end: zeros from its last byte on, so that every name ends inside it
 * and the 8-byte loads past it read zeros. (Names are not measured: a sealed,
 * damaged arena may hold one longer than KSYMS_NAME_MAX, which every user of a
 * name survives; measuring them all cost more than the rest of the checks.) */
static void check_arena(struct snap_check *c, const void *p, size_t n, uint64_t first)
{
	uint64_t zeros_from = c->h->buf_len - 1;

	/* from the word that holds the arena's last byte */
	for (size_t i = zeros_from / 8 > first ? zeros_from / 8 - first : 0; i < n; i++) {
		uint64_t at = (first + i) * 8, w;

		memcpy(&w, (const char *)p + i * 8, 8);
		w = le64toh(w);
		for (uint64_t b = at > zeros_from ? 0 : zeros_from - at; b < 8; b++)
			if ((w >> (8 * b)) & 0xff)
				c->bad = true;
	}
}

/* One pass over the file: the hash of each part into PART, and the structure the
 * queries rely on not to read out of bounds: names and modules inside the arena,
 * records in address order, the name index a permutation of the records, bucket
 * bounds rising to n, zeros at the arena's end. KSYMS_SNAP_CORRUPT when the
 * structure does not hold; the hashes are whole in any case. */
static enum ksyms_snap_miss scan(struct snap_src *src, const struct snap_hdr *h,
				 const struct snap_layout *l, uint64_t part[N_PARTS])
{
	const struct {
		uint64_t off, end, elem, count;
		void (*check)(struct snap_check *c, const void *p, size_t n, uint64_t first);
	} parts[N_PARTS] = {
		[PART_SYMS] = { l->syms, l->by_name, sizeof(struct ksym), h->n_syms, check_syms },
		[PART_BY_NAME] = { l->by_name, l->bucket, sizeof(uint32_t), h->n_syms, check_by_name },
		[PART_BUCKET] = { l->bucket, l->mods, sizeof(uint32_t), KSYMS_BUCKET_BOUNDS, check_buckets },
		[PART_MODS] = { l->mods, l->buf, sizeof(uint32_t), h->n_mods, check_mods },
		[PART_ARENA] = { l->buf, l->end, 8, (l->end - l->buf) / 8, check_arena },
	};
	struct snap_check c = { .h = h, .seen = calloc(h->n_syms / 8 + 1, 1) };

	if (!c.seen)
		return KSYMS_SNAP_NOMEM;
	for (int k = 0; k < N_PARTS; k++) {
		struct snap_hash hs;

		snap_hash_init(&hs);
		for (uint64_t off = parts[k].off; off < parts[k].end;) {
			uint64_t len = parts[k].end - off < WINDOW ? parts[k].end - off : WINDOW;
			uint64_t first = (off - parts[k].off) / parts[k].elem, n = len / parts[k].elem;
			const void *p = src_get(src, off, len);

			if (!p) {
				free(c.seen);
				return KSYMS_SNAP_IO;
			}
			snap_hash_words(&hs, p, len);
			if (first < parts[k].count && !c.bad)
				parts[k].check(&c, p, first + n < parts[k].count ? n : parts[k].count - first, first);
			off += len;
			src_done(src, off);
		}
		part[k] = snap_hash_final(&hs);
	}
	free(c.seen);
	return c.bad ? KSYMS_SNAP_CORRUPT : KSYMS_SNAP_OK;
}

static enum ksyms_snap_miss check_body(struct snap_src *src, const struct snap_hdr *h,
				       const struct snap_layout *l)
{
	uint64_t part[N_PARTS];
	enum ksyms_snap_miss why = scan(src, h, l, part);

	if (why == KSYMS_SNAP_OK && snap_file_hash(h, part) != h->hash)
		why = KSYMS_SNAP_CORRUPT;
	return why;
}

/* A table over the checked image at BASE; MAP (or an empty region) goes with it. */
static struct ksyms *table_over(const unsigned char *base, const struct snap_hdr *h,
				const struct snap_layout *l, struct ksyms_region map)
{
	struct ksyms *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->snapshot = true;
	t->map = map;
	t->buf = (char *)(base + l->buf);
	t->buf_len = h->buf_len;
	t->syms = (struct ksym *)(base + l->syms);
	t->n = h->n_syms;
	t->mods = (uint32_t *)(base + l->mods);
	t->n_mods = h->n_mods;
	t->by_name = (uint32_t *)(base + l->by_name);
	t->bucket = (uint32_t *)(base + l->bucket);
	t->core_lo = h->core_lo;
	t->core_hi = h->core_hi;
	if (ksyms_index__alloc_ranks(t)) {
		t->map = (struct ksyms_region){ 0 }; /* the caller's to release */
		ksyms__free(t);
		return NULL;
	}
	return t;
}

static enum ksyms_snap_miss check_all(struct snap_src *src, const struct snap_hdr *h, uint64_t size,
				      const struct ksyms_snap_keys *keys, struct snap_layout *l)
{
	enum ksyms_snap_miss why = check_header(h, size, l);

	/* the keys before the hash: a stale snapshot costs one header read */
	if (why == KSYMS_SNAP_OK)
		why = check_keys(h, keys);
	if (why == KSYMS_SNAP_OK)
		why = check_body(src, h, l);
	return why;
}

struct ksyms *ksyms_snap__use(const void *p, size_t len, const struct ksyms_snap_keys *keys,
			      enum ksyms_snap_miss *why)
{
	struct snap_src src = { .mem = p };
	struct snap_hdr h = { 0 };
	struct snap_layout l;
	struct ksyms *t;

	if ((uintptr_t)p % 8) {
		*why = KSYMS_SNAP_IO;
		return NULL;
	}
	memcpy(&h, p, len < sizeof(h) ? len : sizeof(h));
	*why = check_all(&src, &h, len, keys, &l);
	if (*why != KSYMS_SNAP_OK)
		return NULL;
	t = table_over(p, &h, &l, (struct ksyms_region){ 0 });
	if (!t)
		*why = KSYMS_SNAP_NOMEM;
	return t;
}

struct ksyms *ksyms_snap__map(int fd, const struct ksyms_snap_keys *keys,
			      enum ksyms_snap_miss *why, int *err)
{
	struct snap_src src = { .fd = fd };
	struct ksyms_region map = { 0 };
	struct snap_hdr h = { 0 };
	struct snap_layout l;
	struct ksyms *t = NULL;
	struct stat st;
	uint64_t size;

	*err = 0;
	if (fstat(fd, &st)) {
		*err = errno;
		*why = KSYMS_SNAP_IO;
		return NULL;
	}
	size = (uint64_t)st.st_size;
	src.win = (unsigned char *)&h;
	if (size && !src_get(&src, 0, size < sizeof(h) ? size : sizeof(h)))
		goto io;
	*why = check_header(&h, size, &l);
	if (*why == KSYMS_SNAP_OK)
		*why = check_keys(&h, keys);
	if (*why != KSYMS_SNAP_OK)
		return NULL;
#ifdef SNAP_READ_INTO_REGION
	if (ksyms_region_alloc(&map, size)) {
		*why = KSYMS_SNAP_NOMEM;
		return NULL;
	}
	src.win = map.p;
	if (!src_get(&src, 0, size))
		goto io;
#else
	map.p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map.p == MAP_FAILED) {
		map.p = NULL;
		src.err = errno;
		goto io;
	}
	map.len = size;
	/* no 2 MiB mappings: a file system with large folios may hold the file
	 * in those, and a lookup would make megabytes of it resident */
	madvise(map.p, size, MADV_NOHUGEPAGE);
	src.release = true;
#endif
	src.mem = map.p;
	*why = check_body(&src, &h, &l);
	if (*why != KSYMS_SNAP_OK)
		goto out;
#ifndef SNAP_READ_INTO_REGION
	/* queries read a few scattered pages: no read-ahead should the file
	 * have left the page cache */
	madvise(map.p, size, MADV_RANDOM);
#endif
	t = table_over(map.p, &h, &l, map);
	if (t)
		return t;
	*why = KSYMS_SNAP_NOMEM;
	goto out;
io:
	*why = KSYMS_SNAP_IO;
	*err = src.err;
out:
	ksyms_region_free(&map);
	return NULL;
}

bool ksyms_snap__keys_of(const void *p, size_t len, struct ksyms_snap_keys *keys)
{
	struct snap_hdr h;

	if (len < sizeof(h))
		return false;
	memcpy(&h, p, sizeof(h));
	memset(keys, 0, sizeof(*keys));
	memcpy(keys->boot_id, h.boot_id, sizeof(keys->boot_id));
	memcpy(keys->release, h.release, sizeof(keys->release));
	keys->modules = h.modules;
	return true;
}

void ksyms_snap__seal(void *p, size_t len)
{
	struct snap_src src = { .mem = p };
	uint64_t part[N_PARTS];
	struct snap_layout l;
	struct snap_hdr h;

	if (len < sizeof(h))
		return;
	memcpy(&h, p, sizeof(h));
	if (!snap_layout_of(h.n_syms, h.n_mods, h.buf_len, &l) || l.end > len ||
	    scan(&src, &h, &l, part) == KSYMS_SNAP_NOMEM)
		return;
	h.hash = snap_file_hash(&h, part);
	memcpy(p, &h, sizeof(h));
}
