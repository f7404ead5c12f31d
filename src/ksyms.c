// SPDX-License-Identifier: GPL-2.0
/* The kernel symbol table. See ksyms.h for the shape; this file is the how. */
#define _GNU_SOURCE
#include "ksyms.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Offsets are 32-bit; 1 GiB is far beyond any real table (6.12: ~8 MiB). */
#define KSYMS_FILE_MAX (1UL << 30)
/* readable zero bytes past the end of the arena and of the read chunk: chunk_at()
 * and name_end() load 8 at a time */
#define KSYMS_PAD 8

struct region {
	void *p;
	size_t len;
};

struct ksyms {
	char *buf; /* the arena: every name and module name, NUL-terminated */
	size_t buf_len;
	struct region buf_mem, syms_mem;
	struct ksym *syms; /* address order */
	size_t n;
	/* Positions in syms, (name, address) order, bucketed by the first two bytes
	 * of the name at load and each bucket sorted the first time a query needs
	 * it: `resolve c_start` sorts the ~1% of names that start "c_", not all
	 * 120k (the sort was a third of the load). The contents never change after
	 * load; only this index completes itself, behind the const API. */
	uint32_t *by_name;
	uint32_t *bucket;     /* [65537]: bucket b is by_name[bucket[b], bucket[b + 1]) */
	uint8_t *bucket_done; /* [65537]: sorted yet; [65536]: all of them */
	uint32_t *mods;    /* module names: arena offsets; [0] is "vmlinux" */
	size_t n_mods;
};

static const char vmlinux_name[] = "vmlinux";

/* ---- memory ----------------------------------------------------------------- */

/* AddressSanitizer cannot see into mmap'd memory: an overrun of the arena or the
 * records, or a region never unmapped, would pass the fuzzers and the ASan suite
 * unseen. Sanitizer builds take the regions from malloc instead, zeroed like
 * anonymous pages, so every byte past a region's end is a reported error. */
#if defined(__SANITIZE_ADDRESS__)
#define KSYMS_REGIONS_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KSYMS_REGIONS_MALLOC 1
#endif
#endif

#ifdef KSYMS_REGIONS_MALLOC
static int region_alloc(struct region *r, size_t len)
{
	r->p = calloc(1, len ? len : 1);
	if (!r->p)
		return -ENOMEM;
	r->len = len ? len : 1;
	return 0;
}

static int region_grow(struct region *r, size_t len)
{
	char *p = realloc(r->p, len);

	if (!p)
		return -ENOMEM;
	if (len > r->len)
		memset(p + r->len, 0, len - r->len);
	r->p = p;
	r->len = len;
	return 0;
}

static void region_free(struct region *r)
{
	free(r->p);
	r->p = NULL;
	r->len = 0;
}
#else
/* The big arrays (file bytes, records, sort scratch: up to 17 MiB for 122k symbols)
 * come from mmap with MAP_POPULATE. Faulting them in one 4 KiB page at a time cost
 * more than parsing and sorting together (measured: a third of load time under a
 * paravirtualised kernel); populating them in one call does not. */
static int region_alloc(struct region *r, size_t len)
{
	void *p = mmap(NULL, len ? len : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	r->p = p;
	r->len = len ? len : 1;
	return 0;
}

static int region_grow(struct region *r, size_t len)
{
	void *p = mremap(r->p, r->len, len, MREMAP_MAYMOVE);

	if (p == MAP_FAILED)
		return -ENOMEM;
	r->p = p;
	r->len = len;
	return 0;
}

static void region_free(struct region *r)
{
	if (r->p)
		munmap(r->p, r->len);
	r->p = NULL;
	r->len = 0;
}
#endif

/* ---- parsing ---------------------------------------------------------------- */

static signed char hexval[256];

static void init_hexval(void)
{
	memset(hexval, -1, sizeof(hexval));
	for (int c = '0'; c <= '9'; c++)
		hexval[c] = (signed char)(c - '0');
	for (int c = 'a'; c <= 'f'; c++)
		hexval[c] = (signed char)(c - 'a' + 10);
	for (int c = 'A'; c <= 'F'; c++)
		hexval[c] = (signed char)(c - 'A' + 10);
}

/* Name bytes: anything printable or high-bit; no spaces, tabs or control bytes,
 * which is what separates a name from the fields around it. */
static inline bool name_byte(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

/* Eight ASCII hex digits at P (most significant first) into *OUT; false unless all
 * eight are [0-9a-fA-F]. SWAR: per byte, "c >= K" is the top bit of c + (0x80 - K)
 * for c < 0x80, which no carry crosses; the value is (c & 0xf) + 9 for letters. */
static inline bool hex8(const unsigned char *p, uint32_t *out)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	uint64_t v, l, digit, letter, x;

	memcpy(&v, p, 8);
	if (v & high)
		return false;
	digit = (v + ones * (0x80 - '0')) & ~(v + ones * (0x80 - '9' - 1));
	l = v | ones * 0x20; /* fold case */
	letter = (l + ones * (0x80 - 'a')) & ~(l + ones * (0x80 - 'f' - 1));
	if (((digit | letter) & high) != high)
		return false;
	x = (v & ones * 0x0f) + ((v >> 6) & ones) * 9;
	/* byte i holds digit i; gather them, most significant first */
	x = __builtin_bswap64(x);
	x = (x | (x >> 4)) & 0x00ff00ff00ff00ffULL;
	x = (x | (x >> 8)) & 0x0000ffff0000ffffULL;
	x = (x | (x >> 16)) & 0x00000000ffffffffULL;
	*out = (uint32_t)x;
	return true;
#else
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		if (hexval[p[i]] < 0)
			return false;
		v = v << 4 | (uint32_t)hexval[p[i]];
	}
	*out = v;
	return true;
#endif
}

/* First byte at or after P that cannot be part of a name (the TAB before a module,
 * the newline, or the NUL after the last byte read). Eight bytes at a time: the
 * read chunk has KSYMS_PAD zero bytes past its data, so the loads stay inside it. "Some byte < 0x21" and "some byte == 0x7f" are the classic
 * has-less/has-zero tricks; both are exact for their lowest flagged byte, which
 * is all this uses. */
static inline unsigned char *name_end(unsigned char *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (;; p += 8) {
		uint64_t v, stop;

		memcpy(&v, p, 8);
		stop = ((v - 0x2121212121212121ULL) & ~v) |
		       (((v ^ 0x7f7f7f7f7f7f7f7fULL) - 0x0101010101010101ULL) & ~(v ^ 0x7f7f7f7f7f7f7f7fULL));
		stop &= 0x8080808080808080ULL;
		if (stop)
			return p + __builtin_ctzll(stop) / 8;
	}
#else
	while (name_byte(*p))
		p++;
	return p;
#endif
}

struct builder {
	struct ksyms *t;
	uint32_t lineno;
	size_t cap;
	size_t mods_cap;
	/* the module of the previous line: modules come in blocks, so this hits */
	bool has_last_mod;
	size_t last_mod_len;
	uint16_t last_mod_idx;
	/* module indexes by name hash, open addressing, 0 = empty: a table may hold
	 * up to 65,535 modules, and a linear search per new module took seconds
	 * for them (and per line, minutes, when lines alternate between modules) */
	uint16_t *mod_hash;
	size_t hash_cap; /* a power of two, at least twice the modules */
};

/* Copy NAME (LEN bytes) into the arena, NUL-terminated; its offset in *OFF. The
 * arena keeps KSYMS_PAD readable bytes past its end for the 8-byte loads of the
 * name sort. It may move when it grows: everything refers to it by offset. */
static int arena_put(struct ksyms *t, const char *name, size_t len, uint32_t *off)
{
	struct region *r = &t->buf_mem;

	if (t->buf_len + len + 1 + KSYMS_PAD > r->len) {
		size_t ncap = r->len * 2;

		while (t->buf_len + len + 1 + KSYMS_PAD > ncap)
			ncap *= 2;
		if (ncap > KSYMS_FILE_MAX + KSYMS_PAD || region_grow(r, ncap))
			return ncap > KSYMS_FILE_MAX + KSYMS_PAD ? -EFBIG : -ENOMEM;
		t->buf = r->p;
	}
	memcpy(t->buf + t->buf_len, name, len);
	memset(t->buf + t->buf_len + len, 0, 1 + KSYMS_PAD);
	*off = (uint32_t)t->buf_len;
	t->buf_len += len + 1;
	return 0;
}

static size_t mod_slot(const struct builder *b, const char *name, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h & (b->hash_cap - 1);
}

static int grow_mod_hash(struct builder *b)
{
	size_t ncap = b->hash_cap ? b->hash_cap * 2 : 256;
	uint16_t *nh = calloc(ncap, sizeof(*nh)), *old = b->mod_hash;
	size_t ocap = b->hash_cap;

	if (!nh)
		return -ENOMEM;
	b->mod_hash = nh;
	b->hash_cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		const char *nm;
		size_t h;

		if (!old[i])
			continue;
		nm = b->t->buf + b->t->mods[old[i]];
		for (h = mod_slot(b, nm, strlen(nm)); nh[h]; h = (h + 1) & (ncap - 1))
			;
		nh[h] = old[i];
	}
	free(old);
	return 0;
}

static bool mod_is(const struct ksyms *t, uint16_t idx, const char *name, size_t len)
{
	const char *m = t->buf + t->mods[idx];

	return strncmp(m, name, len) == 0 && m[len] == '\0';
}

static int intern_mod(struct builder *b, const char *name, size_t len, uint16_t *idx)
{
	struct ksyms *t = b->t;
	uint32_t off;
	size_t h;
	int err;

	if (b->has_last_mod && len == b->last_mod_len && mod_is(t, b->last_mod_idx, name, len)) {
		*idx = b->last_mod_idx;
		return 0;
	}
	if (2 * t->n_mods >= b->hash_cap && grow_mod_hash(b))
		return -ENOMEM;
	for (h = mod_slot(b, name, len); b->mod_hash[h]; h = (h + 1) & (b->hash_cap - 1)) {
		if (mod_is(t, b->mod_hash[h], name, len)) {
			*idx = b->mod_hash[h];
			goto hit;
		}
	}
	if (t->n_mods > UINT16_MAX)
		return -E2BIG;
	if (t->n_mods == b->mods_cap) {
		size_t ncap = b->mods_cap * 2;
		uint32_t *nm = realloc(t->mods, ncap * sizeof(*nm));

		if (!nm)
			return -ENOMEM;
		t->mods = nm;
		b->mods_cap = ncap;
	}
	err = arena_put(t, name, len, &off);
	if (err)
		return err;
	t->mods[t->n_mods] = off;
	*idx = (uint16_t)t->n_mods++;
	b->mod_hash[h] = *idx;
hit:
	b->has_last_mod = true;
	b->last_mod_len = len;
	b->last_mod_idx = *idx;
	return 0;
}

static int push_sym(struct builder *b, uint64_t addr, const unsigned char *name, size_t len,
		    char type, uint16_t mod, uint32_t lineno)
{
	struct ksyms *t = b->t;
	uint32_t off;
	int err;

	if (t->n == b->cap) {
		size_t ncap = b->cap * 2;

		if (region_grow(&t->syms_mem, ncap * sizeof(*t->syms)))
			return -ENOMEM;
		t->syms = t->syms_mem.p;
		b->cap = ncap;
	}
	err = arena_put(t, (const char *)name, len, &off);
	if (err)
		return err;
	t->syms[t->n++] = (struct ksym){
		.addr = addr,
		.name = off,
		.line = lineno,
		.mod = mod,
		.type = type,
	};
	return 0;
}

/* One line: "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MOD]". Returns 1 for a record,
 * 0 for a malformed line, negative for an allocation failure. LINE is
 * NUL-terminated at its end (the newline is gone). */
static int parse_line(struct builder *b, char *line, size_t len, uint32_t lineno)
{
	unsigned char *p = (unsigned char *)line, *end = p + len;
	uint64_t addr = 0;
	int digits = 0;
	unsigned char *name;
	size_t name_len;
	uint16_t mod = KSYMS_CORE_MOD;
	char type;
	int err;

	if (len > 19 && p[16] == ' ') {
		/* the 64-bit layout: exactly 16 digits, 8 at a time */
		uint32_t hi, lo;

		if (!hex8(p, &hi) || !hex8(p + 8, &lo))
			return 0;
		addr = (uint64_t)hi << 32 | lo;
		p += 16;
	} else {
		while (p < end && hexval[*p] >= 0) {
			addr = (addr << 4) | (uint64_t)hexval[*p++];
			digits++;
		}
		if (digits == 0 || digits > 16 || p + 3 > end || *p != ' ')
			return 0;
	}
	type = (char)p[1];
	if (!name_byte((unsigned char)type) || p[2] != ' ')
		return 0;
	p += 3;
	name = p;
	p = name_end(p);
	if (p > end)
		p = end;
	name_len = (size_t)(p - name);
	if (name_len == 0 || name_len > KSYMS_NAME_MAX)
		return 0;
	if (p < end) {
		unsigned char *m;

		/* only "\t[mod]" may follow the name */
		if (*p != '\t' || p + 3 > end || p[1] != '[' || end[-1] != ']')
			return 0;
		m = p + 2;
		for (unsigned char *q = m; q < end - 1; q++)
			if (!name_byte(*q) || *q == '[' || *q == ']')
				return 0;
		if (end - 1 == m)
			return 0;
		err = intern_mod(b, (char *)m, (size_t)(end - 1 - m), &mod);
		if (err)
			return err;
	}
	err = push_sym(b, addr, name, name_len, type, mod, lineno);
	if (err)
		return err;
	return 1;
}

/* The shape of nearly every line of a 64-bit /proc/kallsyms, parsed in one pass
 * without first looking for the newline (a memchr per line was a third of the
 * parse): "<16 hex> <type> <name>\n" or "...<name>\t[<mod>]\n". Returns 1 and
 * sets *NEXT past the newline; 0 when the line has another shape, having written
 * nothing, so that parse_line() can judge it; negative on allocation failure. */
static int parse_fast(struct builder *b, unsigned char *p, const unsigned char *end,
		      unsigned char **next, uint32_t lineno)
{
	unsigned char *name, *q, *m;
	uint16_t mod = KSYMS_CORE_MOD;
	uint32_t hi, lo;
	size_t len;
	int err;

	if (end - p < 21 || p[16] != ' ' || p[18] != ' ' || !name_byte(p[17]))
		return 0;
	if (!hex8(p, &hi) || !hex8(p + 8, &lo))
		return 0;
	name = p + 19;
	q = name_end(name);
	len = (size_t)(q - name);
	if (len == 0 || len > KSYMS_NAME_MAX || q >= end)
		return 0;
	if (*q == '\t') {
		if (q + 3 >= end || q[1] != '[')
			return 0;
		for (m = q + 2; m < end && *m != ']'; m++)
			if (!name_byte(*m) || *m == '[')
				return 0;
		if (m == q + 2 || m + 1 >= end || m[1] != '\n')
			return 0;
		err = intern_mod(b, (char *)q + 2, (size_t)(m - (q + 2)), &mod);
		if (err)
			return err;
		*next = m + 2;
	} else if (*q == '\n') {
		*next = q + 1;
	} else {
		return 0;
	}
	err = push_sym(b, (uint64_t)hi << 32 | lo, name, len, (char)p[17], mod, lineno);
	return err ? err : 1;
}

static void count_bad(struct builder *b, struct ksyms_load_result *res)
{
	b->lineno++;
	if (res->bad_lines < sizeof(res->first_bad) / sizeof(res->first_bad[0]))
		res->first_bad[res->bad_lines] = b->lineno;
	res->bad_lines++;
}

/* Parse the complete lines in [*P, END); with FINAL (end of file) the last,
 * unterminated one too. *P moves past what was parsed. END[0..KSYMS_PAD] must be
 * NUL: name_end() loads 8 bytes at a time and stops there. */
static int parse_lines(struct builder *b, struct ksyms_load_result *res, char **pp, char *end,
		       bool final)
{
	char *p = *pp;
	int r = 0;

	while (p < end) {
		unsigned char *next = NULL;
		char *nl;
		size_t len;

		if (b->lineno == UINT32_MAX) {
			r = -EFBIG;
			break;
		}
		r = parse_fast(b, (unsigned char *)p, (unsigned char *)end, &next, b->lineno + 1);
		if (r < 0)
			break;
		if (r > 0) {
			b->lineno++;
			p = (char *)next;
			continue;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			if (!final)
				break; /* the rest of this line is still to be read */
			nl = end;
			res->no_final_newline = true;
		}
		b->lineno++;
		len = (size_t)(nl - p);
		*nl = '\0';
		r = parse_line(b, p, len, b->lineno);
		if (r < 0)
			break;
		if (r == 0) {
			b->lineno--;
			count_bad(b, res);
		}
		r = 0;
		p = nl + 1;
	}
	*pp = p < end ? p : end;
	return r < 0 ? r : 0;
}

/* Read FD a chunk at a time and parse each chunk while it is still in the cache,
 * keeping only the names (in the arena) and the records. /proc/kallsyms hands out
 * about a page per read(): copying the whole file into fresh memory first and
 * reading it back cost more than the parse itself. A valid line is under 700
 * bytes, so a line that fills a whole chunk is malformed: it is counted and
 * skipped to its newline without being kept (memory stays one chunk, whatever
 * the input, /dev/zero included). */
#define CHUNK (256UL << 10)

static int load_chunks(struct builder *b, int fd, size_t expect, struct ksyms_load_result *res)
{
	struct ksyms *t = b->t;
	size_t have = 0, total = 0;
	char *buf = malloc(CHUNK + 1 + KSYMS_PAD);
	bool eof = false, skipping = false;
	int err = 0;

	if (expect > (64UL << 20))
		expect = 64UL << 20; /* a guess for sizing, not a limit */
	/* names are about half a line; records one per ~44 bytes */
	if (!buf || region_alloc(&t->buf_mem, expect / 2 + 4096) ||
	    region_alloc(&t->syms_mem, (expect / 40 + 16) * sizeof(*t->syms))) {
		free(buf);
		return -ENOMEM;
	}
	t->buf = t->buf_mem.p;
	t->syms = t->syms_mem.p;
	b->cap = expect / 40 + 16;
	while (!eof && !err) {
		ssize_t got = read(fd, buf + have, CHUNK - have);
		char *p = buf;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		eof = got == 0;
		have += (size_t)got;
		total += (size_t)got;
		if (total > KSYMS_FILE_MAX) {
			err = -EFBIG;
			break;
		}
		if (skipping) {
			char *nl = memchr(buf, '\n', have);

			if (!nl) {
				have = 0;
				continue;
			}
			skipping = false;
			p = nl + 1;
		}
		memset(buf + have, 0, 1 + KSYMS_PAD);
		err = parse_lines(b, res, &p, buf + have, eof);
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == CHUNK) { /* one line fills the chunk */
			count_bad(b, res);
			skipping = true;
			have = 0;
		}
	}
	free(buf);
	return err;
}

/* ---- sorting ---------------------------------------------------------------- */

/* LSD radix sort of (address, file position) pairs, 16 bits a pass, skipping the
 * passes where every key has the same digit (the top 32 bits mostly are all ones).
 * Stable, so equal addresses keep file order until the name tie-break below. */
struct akey {
	uint64_t addr;
	uint32_t pos;
};

static int radix_sort_addr(struct akey *a, struct akey *tmp, size_t n)
{
	struct akey *src = a, *dst = tmp;
	size_t *count = malloc(65536 * sizeof(*count));

	if (!count)
		return -ENOMEM;
	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		bool one_bucket = false;

		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(src[i].addr >> shift) & 0xffff]++;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];

			if (c == n)
				one_bucket = true;
			count[d] = sum;
			sum += c;
		}
		if (one_bucket)
			continue;
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i].addr >> shift) & 0xffff]++] = src[i];
		struct akey *sw = src;
		src = dst;
		dst = sw;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(count);
	return 0;
}

static int cmp_sym_name(const struct ksyms *t, const struct ksym *a, const struct ksym *b)
{
	int c = strcmp(t->buf + a->name, t->buf + b->name);

	if (c)
		return c;
	return (a->mod > b->mod) - (a->mod < b->mod);
}

/* qsort_r order of one address's records: by name, then module, then file line
 * (the radix sort before it is stable: this keeps file order among equals). */
static int cmp_alias(const void *pa, const void *pb, void *t)
{
	const struct ksym *a = pa, *b = pb;
	int c = cmp_sym_name(t, a, b);

	return c ? c : (a->line > b->line) - (a->line < b->line);
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
		struct region scratch;
		struct akey *keys, *tmp;
		struct ksym *sorted;

		if (region_alloc(&scratch, t->n * (2 * sizeof(struct akey) + sizeof(struct ksym))))
			return -ENOMEM;
		keys = scratch.p;
		tmp = keys + t->n;
		sorted = (struct ksym *)(tmp + t->n);
		for (size_t i = 0; i < t->n; i++)
			keys[i] = (struct akey){ t->syms[i].addr, (uint32_t)i };
		if (radix_sort_addr(keys, tmp, t->n)) {
			region_free(&scratch);
			return -ENOMEM;
		}
		for (size_t i = 0; i < t->n; i++)
			sorted[i] = t->syms[keys[i].pos];
		memcpy(t->syms, sorted, t->n * sizeof(*sorted));
		region_free(&scratch);
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

/* The name index: an MSD radix sort over 8-byte chunks of the name. Each level
 * sorts by the big-endian chunk at DEPTH (an LSD radix sort of a u64, one pass per
 * byte that varies), then recurses into runs that share a chunk and go on. Names
 * share long prefixes ("__pfx_" on 6.2+, "__ksymtab_", "trace_event_"), where a
 * strcmp-based sort pays for the prefix in every comparison: this pays once.
 * Stable at every level, so equal names keep address order. */
struct nkey { /* 16 bytes: the sort moves each key ~20 times, so size is time */
	uint64_t key;
	uint32_t name; /* arena offset */
	uint32_t pos;
};

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

static void msd_sort(const char *arena, struct nkey *v, struct nkey *tmp, size_t n,
		     size_t depth)
{
	size_t count[8][256];
	uint64_t first;
	bool same = true;

	if (n < 24) {
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
	if (!same) {
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

static inline unsigned bucket_of(const char *name)
{
	/* a 1-byte name has the NUL as its second byte: it sorts first, as it should */
	return ((unsigned)(unsigned char)name[0] << 8) | (unsigned char)(name[0] ? name[1] : 0);
}

/* One counting pass: positions grouped by their name's first two bytes, address
 * order inside each bucket (stable). */
static int build_name_index(struct ksyms *t)
{
	uint32_t *start;

	t->by_name = malloc((t->n ? t->n : 1) * sizeof(*t->by_name));
	t->bucket = start = calloc(65537, sizeof(*t->bucket));
	t->bucket_done = calloc(65537, 1);
	if (!t->by_name || !t->bucket || !t->bucket_done)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		start[bucket_of(t->buf + t->syms[i].name) + 1]++;
	for (size_t b = 1; b <= 65536; b++)
		start[b] += start[b - 1];
	/* scatter with a moving cursor per bucket, then restore the starts */
	for (size_t i = 0; i < t->n; i++)
		t->by_name[start[bucket_of(t->buf + t->syms[i].name)]++] = (uint32_t)i;
	memmove(start + 1, start, 65536 * sizeof(*start));
	start[0] = 0;
	return 0;
}

/* Sort buckets [blo, bhi] that are not sorted yet. Returns -ENOMEM on failure,
 * in which case the bucket stays unsorted and the query fails cleanly. */
static int sort_buckets(const struct ksyms *t, unsigned blo, unsigned bhi)
{
	struct nkey *keys = NULL;
	size_t cap = 0;

	for (unsigned b = blo; b <= bhi; b++) {
		uint32_t lo = t->bucket[b], n = t->bucket[b + 1] - lo;

		if (t->bucket_done[b])
			continue;
		/* 1-byte names (second byte NUL) are all equal: already in address order */
		if (n > 1 && (b & 0xff)) {
			if (2 * (size_t)n > cap) {
				struct nkey *nk = realloc(keys, 2 * (size_t)n * sizeof(*nk));

				if (!nk) {
					free(keys);
					return -ENOMEM;
				}
				keys = nk;
				cap = 2 * (size_t)n;
			}
			for (uint32_t i = 0; i < n; i++)
				keys[i] = (struct nkey){ 0, t->syms[t->by_name[lo + i]].name,
							 t->by_name[lo + i] };
			msd_sort(t->buf, keys, keys + n, n, 2);
			for (uint32_t i = 0; i < n; i++)
				t->by_name[lo + i] = keys[i].pos;
		}
		t->bucket_done[b] = 1;
	}
	free(keys);
	return 0;
}

int ksyms__index_all(const struct ksyms *t)
{
	/* a flag, so repeated calls (list, suggest) do not walk 65536 buckets */
	if (!t->bucket_done[65536]) {
		if (sort_buckets(t, 0, 65535))
			return -ENOMEM;
		t->bucket_done[65536] = 1;
	}
	return 0;
}

/* ---- load ------------------------------------------------------------------- */

const char *ksyms__strerror(const struct ksyms_load_result *res)
{
	switch (res->err) {
	case KSYMS_OK:
		return "success";
	case KSYMS_ERR_IO:
		return strerror(res->sys_errno);
	case KSYMS_ERR_EMPTY:
		return "no kernel symbols in it";
	case KSYMS_ERR_ZERO_ADDRS:
		return "every address reads 0: kernel.kptr_restrict hides them";
	case KSYMS_ERR_NOMEM:
		return "out of memory";
	case KSYMS_ERR_TOO_BIG:
		return "too large for a symbol table (over 1 GiB)";
	case KSYMS_ERR_TOO_MANY_MODS:
		return "more than 65,535 modules: is it a copy of /proc/kallsyms?";
	}
	return "unknown error";
}

static enum ksyms_err err_from(int e)
{
	switch (e) {
	case -ENOMEM:
		return KSYMS_ERR_NOMEM;
	case -EFBIG:
		return KSYMS_ERR_TOO_BIG;
	case -E2BIG:
		return KSYMS_ERR_TOO_MANY_MODS;
	default:
		return KSYMS_ERR_IO;
	}
}

struct ksyms *ksyms__load(const char *path, const struct ksyms_opts *opts,
			  struct ksyms_load_result *res)
{
	struct ksyms_load_result dummy;
	struct builder b = { 0 };
	struct ksyms *t;
	struct stat st = { 0 };
	bool all_zero = true;
	int fd = -1, err;

	if (!res)
		res = &dummy;
	memset(res, 0, sizeof(*res));
	if (hexval['g'] == 0) /* all -1 once set up */
		init_hexval();

	t = calloc(1, sizeof(*t));
	if (!t) {
		res->err = KSYMS_ERR_NOMEM;
		return NULL;
	}
	b.t = t;

	/* module 0 is the core kernel; its name lives outside the arena */
	b.mods_cap = 64;
	t->mods = malloc(b.mods_cap * sizeof(*t->mods));
	if (!t->mods) {
		err = -ENOMEM;
		goto fail;
	}
	t->mods[0] = UINT32_MAX;
	t->n_mods = 1;

	fd = opts && opts->stream ? fileno(opts->stream) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = opts && opts->stream ? -EBADF : -errno;
		goto fail;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		err = -EISDIR;
	else /* st_size is 0 for /proc/kallsyms: 6.1 has 4.2 MiB, 6.12 7.5 MiB */
		err = load_chunks(&b, fd,
				  S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size : 6UL << 20, res);
	if (!(opts && opts->stream))
		close(fd);
	free(b.mod_hash);
	if (err)
		goto fail;
	if (t->n == 0) {
		res->err = KSYMS_ERR_EMPTY;
		ksyms__free(t);
		return NULL;
	}
	for (size_t i = 0; i < t->n && all_zero; i++)
		all_zero = t->syms[i].addr == 0;
	if (all_zero && t->n > 1 && !(opts && opts->allow_zero_addrs)) {
		res->err = KSYMS_ERR_ZERO_ADDRS;
		ksyms__free(t);
		return NULL;
	}
	err = sort_by_addr(t);
	if (!err)
		err = compute_sizes(t);
	if (!err)
		err = build_name_index(t);
	if (err)
		goto fail;
	return t;

fail:
	res->err = err_from(err);
	res->sys_errno = -err;
	ksyms__free(t);
	return NULL;
}

void ksyms__free(struct ksyms *t)
{
	if (!t)
		return;
	region_free(&t->buf_mem);
	region_free(&t->syms_mem);
	free(t->by_name);
	free(t->bucket);
	free(t->bucket_done);
	free(t->mods);
	free(t);
}

/* ---- queries ---------------------------------------------------------------- */

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

const char *ksyms__name(const struct ksyms *t, const struct ksym *s)
{
	return t->buf + s->name;
}

const char *ksyms__mod_name(const struct ksyms *t, uint16_t mod)
{
	if (mod == KSYMS_CORE_MOD || mod >= t->n_mods)
		return vmlinux_name;
	return t->buf + t->mods[mod];
}

size_t ksyms__mod_count(const struct ksyms *t)
{
	return t->n_mods;
}

int ksyms__mod_find(const struct ksyms *t, const char *name)
{
	if (strcmp(name, vmlinux_name) == 0)
		return KSYMS_CORE_MOD;
	for (size_t i = 1; i < t->n_mods; i++)
		if (strcmp(t->buf + t->mods[i], name) == 0)
			return (int)i;
	return -1;
}

size_t ksyms__pos(const struct ksyms *t, const struct ksym *s)
{
	return (size_t)(s - t->syms);
}

/* First by_name position in [lo, hi) whose name compares >= KEY; with UPPER, > KEY;
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

/* The buckets a name or prefix can fall in, sorted, as a by_name range. */
static int bucket_range(const struct ksyms *t, const char *key, size_t plen, size_t *lo,
			size_t *hi)
{
	unsigned blo = 0, bhi = 65535;

	if (plen >= 2) {
		blo = bhi = bucket_of(key);
	} else if (plen == 1) {
		blo = (unsigned)(unsigned char)key[0] << 8;
		bhi = blo | 0xff;
	}
	if (plen == 0 ? ksyms__index_all(t) : sort_buckets(t, blo, bhi))
		return -ENOMEM;
	*lo = t->bucket[blo];
	*hi = t->bucket[bhi + 1];
	return 0;
}

size_t ksyms__by_name(const struct ksyms *t, const char *name, size_t *lo, size_t *hi)
{
	size_t blo, bhi, len = strlen(name);

	*lo = *hi = 0;
	if (bucket_range(t, name, len < 2 ? len : 2, &blo, &bhi))
		return 0;
	*lo = name_bound(t, blo, bhi, name, 0, false);
	*hi = name_bound(t, *lo, bhi, name, 0, true);
	return *hi - *lo;
}

size_t ksyms__by_prefix(const struct ksyms *t, const char *prefix, size_t *lo, size_t *hi)
{
	size_t plen = strlen(prefix), blo, bhi;

	*lo = *hi = 0;
	if (bucket_range(t, prefix, plen, &blo, &bhi))
		return 0;
	if (plen == 0) {
		*lo = blo;
		*hi = bhi;
		return bhi - blo;
	}
	*lo = name_bound(t, blo, bhi, prefix, plen, false);
	*hi = name_bound(t, *lo, bhi, prefix, plen, true);
	return *hi - *lo;
}

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

const struct ksym *ksyms__containing(const struct ksyms *t, uint64_t addr)
{
	size_t hi = addr_bound(t, addr, true), lo;
	const struct ksym *s;

	if (hi == 0)
		return NULL;
	s = &t->syms[hi - 1];
	/* every name at that start, in name order: report the first */
	ksyms__by_addr(t, s->addr, &lo, &hi);
	s = &t->syms[lo];
	if (addr == s->addr)
		return s;
	for (size_t i = lo; i < hi; i++)
		if (t->syms[i].size && addr - s->addr < t->syms[i].size)
			return &t->syms[i];
	return NULL;
}

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
