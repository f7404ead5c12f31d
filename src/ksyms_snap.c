// SPDX-License-Identifier: GPL-2.0
/* The snapshot file of a symbol table: its layout, its hash, and writing it.
 * Reading it is ksyms_snap_read.c. See ksyms_snap.h. */
#define _GNU_SOURCE
#include "ksyms_snap_impl.h"
#include "cpus.h"

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the layout ----------------------------------------------------------------- */

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

bool snap_layout_of(uint64_t n, uint64_t n_mods, uint64_t buf_len, struct snap_layout *l)
{
	if (n > UINT32_MAX || n_mods < 1 || n_mods > (uint64_t)UINT16_MAX + 1 || buf_len < 1 ||
	    buf_len > KSYMS_FILE_MAX)
		return false;
	l->syms = sizeof(struct snap_hdr);
	l->by_name = l->syms + n * sizeof(struct ksym);
	l->bucket = l->by_name + align8(n * sizeof(uint32_t));
	l->mods = l->bucket + align8(KSYMS_BUCKET_BOUNDS * sizeof(uint32_t));
	l->buf = l->mods + align8(n_mods * sizeof(uint32_t));
	l->end = l->buf + align8(buf_len + KSYMS_PAD);
	return true;
}

/* ---- the hash ------------------------------------------------------------------- */

static inline uint64_t rotl64(uint64_t v, int r)
{
	return (v << r) | (v >> (64 - r));
}

static inline uint64_t hash_round(uint64_t acc, uint64_t w)
{
	return rotl64((acc ^ w) * H_MUL1, 29);
}

void snap_hash_init(struct snap_hash *h)
{
	for (int k = 0; k < H_LANES; k++)
		h->lane[k] = H_MUL2 * (uint64_t)(k + 1);
	h->words = 0;
}

_Static_assert(H_LANES == 8, "snap_hash_words spells out eight lanes");

static inline uint64_t word_at(const unsigned char *b)
{
	uint64_t w;

	memcpy(&w, b, 8);
	return le64toh(w);
}

void snap_hash_words(struct snap_hash *h, const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t n = len / 8, i = 0;

	for (; i < n && (h->words + i) % H_LANES; i++)
		h->lane[(h->words + i) % H_LANES] = hash_round(h->lane[(h->words + i) % H_LANES], word_at(b + 8 * i));
	if (i + H_LANES <= n) {
		/* eight locals, spelled out: in an array, or a loop over lanes, the
		 * compiler kept them in memory, at twice the instructions a byte
		 * (and under TCG, where the check of a snapshot runs in the test
		 * VM, instructions are the cost) */
		uint64_t l0 = h->lane[0], l1 = h->lane[1], l2 = h->lane[2], l3 = h->lane[3];
		uint64_t l4 = h->lane[4], l5 = h->lane[5], l6 = h->lane[6], l7 = h->lane[7];

		for (; i + H_LANES <= n; i += H_LANES) {
			const unsigned char *q = b + 8 * i;

			l0 = hash_round(l0, word_at(q));
			l1 = hash_round(l1, word_at(q + 8));
			l2 = hash_round(l2, word_at(q + 16));
			l3 = hash_round(l3, word_at(q + 24));
			l4 = hash_round(l4, word_at(q + 32));
			l5 = hash_round(l5, word_at(q + 40));
			l6 = hash_round(l6, word_at(q + 48));
			l7 = hash_round(l7, word_at(q + 56));
		}
		h->lane[0] = l0, h->lane[1] = l1, h->lane[2] = l2, h->lane[3] = l3;
		h->lane[4] = l4, h->lane[5] = l5, h->lane[6] = l6, h->lane[7] = l7;
	}
	for (; i < n; i++)
		h->lane[(h->words + i) % H_LANES] = hash_round(h->lane[(h->words + i) % H_LANES], word_at(b + 8 * i));
	h->words += n;
}

uint64_t snap_hash_final(const struct snap_hash *h)
{
	uint64_t v = h->words;

	for (int k = 0; k < H_LANES; k++) {
		v = rotl64(v ^ h->lane[k], 27) * H_MUL2;
		v ^= v >> 31;
	}
	v *= H_MUL1;
	return v ^ (v >> 29);
}

void snap_hash_header(struct snap_hash *h, const struct snap_hdr *hdr)
{
	struct snap_hdr zeroed = *hdr;

	zeroed.hash = 0;
	snap_hash_words(h, &zeroed, sizeof(zeroed));
}

uint64_t snap_file_hash(const struct snap_hdr *h, const uint64_t part[N_PARTS])
{
	struct snap_hash hs;

	snap_hash_init(&hs);
	snap_hash_header(&hs, h);
	snap_hash_words(&hs, part, N_PARTS * sizeof(part[0]));
	return snap_hash_final(&hs);
}

/* ---- writing -------------------------------------------------------------------- */

/* Written 64 KiB at a time: file systems with large folios (ext4 and xfs since
 * 6.x) size the page cache's folios after the writes, and a reader's mapping
 * maps a whole folio at a fault (Linux 6.10+): a lookup would make megabytes of
 * the file resident (scripts/bench-resolve.sh, peak RSS). */
#define PUT_MAX (64UL << 10)

/* The LEN bytes at P to FD at OFF, whole, hashed into H. */
static int put(int fd, const void *p, size_t len, uint64_t off, struct snap_hash *h)
{
	const char *c = p;

	snap_hash_words(h, p, len);
	while (len) {
		ssize_t w = pwrite(fd, c, len < PUT_MAX ? len : PUT_MAX, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		c += w;
		len -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* The span of the core kernel, from its first function to its last symbol, that
 * no other module's symbol falls into (then its functions only, or nothing):
 * there ksyms__covers() answers without looking further. */
static void core_span(const struct ksyms *t, struct snap_hdr *h)
{
	uint64_t text_lo = UINT64_MAX, text_hi = 0, hi = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct ksym *s = &t->syms[i];

		if (s->mod != KSYMS_CORE_MOD)
			continue;
		hi = s->addr;
		if (ksym_is_func(s)) {
			text_lo = text_lo < s->addr ? text_lo : s->addr;
			text_hi = s->addr;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		bool clear = true;

		h->core_lo = text_lo;
		h->core_hi = pass ? text_hi : hi;
		for (size_t i = 0; i < t->n && clear; i++)
			clear = t->syms[i].mod == KSYMS_CORE_MOD || t->syms[i].addr < h->core_lo ||
				t->syms[i].addr > h->core_hi;
		if (clear)
			return;
	}
	h->core_lo = 1;
	h->core_hi = 0;
}

/* What writing one snapshot shares between its two threads. */
struct snap_job {
	int fd;
	const struct ksyms *t;
	size_t n_keep;
	struct snap_layout l;
	uint64_t part[N_PARTS];
	int err_records; /* of the thread that writes the records and the arena */
};

/* The parts that do not need the name index: the kept records, a run of
 * consecutive ones at a time, and the arena. Writing a file costs the kernel
 * about as much as sorting the name index costs us: the two run at once. */
static void *put_records(void *arg)
{
	struct snap_job *j = arg;
	const struct ksyms *t = j->t;
	uint64_t off = j->l.syms, arena_len = t->buf_len + KSYMS_PAD;
	uint64_t whole = arena_len & ~(uint64_t)7;
	unsigned char tail[16] = { 0 };
	struct snap_hash hs;
	size_t run = 0;
	int err = 0;

	snap_hash_init(&hs);
	for (size_t i = 0; i <= t->n && !err; i++) {
		if (i < t->n && t->syms[i].mod < j->n_keep)
			continue;
		err = put(j->fd, t->syms + run, (i - run) * sizeof(*t->syms), off, &hs);
		off += (i - run) * sizeof(*t->syms);
		run = i + 1;
	}
	j->part[PART_SYMS] = snap_hash_final(&hs);
	/* the arena as it is (the pseudo-modules' names in it are never reached),
	 * then its zero padding to the part's end */
	memcpy(tail, t->buf + whole, arena_len - whole);
	snap_hash_init(&hs);
	if (!err)
		err = put(j->fd, t->buf, whole, j->l.buf, &hs);
	if (!err)
		err = put(j->fd, tail, j->l.end - j->l.buf - whole, j->l.buf + whole, &hs);
	j->part[PART_ARENA] = snap_hash_final(&hs);
	j->err_records = err;
	return NULL;
}

/* The name index over the kept records (their positions renumbered), its
 * bucket bounds, and the module table: sorts the whole name index first. */
static int put_index(struct snap_job *j, struct ksyms *t)
{
	size_t n_by = (j->l.bucket - j->l.by_name) / 4, n_bk = (j->l.mods - j->l.bucket) / 4;
	uint32_t *newpos = malloc((t->n ? t->n : 1) * sizeof(*newpos));
	uint32_t *by = calloc(n_by + n_bk + (j->l.buf - j->l.mods) / 4, sizeof(*by));
	uint32_t *bk = by + n_by, *mods = bk + n_bk;
	struct snap_hash hs;
	size_t k = 0;
	int err = -ENOMEM;

	if (!newpos || !by)
		goto out;
	for (size_t i = 0; i < t->n; i++)
		if (t->syms[i].mod < j->n_keep)
			newpos[i] = (uint32_t)k++;
	ksyms__index_all(t);
	k = 0;
	for (size_t b = 0; b < KSYMS_BUCKETS; b++) {
		for (uint32_t i = t->bucket[b]; i < t->bucket[b + 1]; i++)
			if (t->syms[t->by_name[i]].mod < j->n_keep)
				by[k++] = newpos[t->by_name[i]];
		bk[b + 1] = (uint32_t)k;
	}
	memcpy(mods, t->mods, j->n_keep * sizeof(*mods));
	err = 0;
	for (int p = PART_BY_NAME; p <= PART_MODS && !err; p++) {
		uint64_t at = p == PART_BY_NAME ? j->l.by_name : p == PART_BUCKET ? j->l.bucket : j->l.mods;
		uint64_t end = p == PART_BY_NAME ? j->l.bucket : p == PART_BUCKET ? j->l.mods : j->l.buf;

		snap_hash_init(&hs);
		err = put(j->fd, (const char *)by + (at - j->l.by_name), end - at, at, &hs);
		j->part[p] = snap_hash_final(&hs);
	}
out:
	free(newpos);
	free(by);
	return err;
}

int ksyms_snap__write(int fd, struct ksyms *t, size_t n_keep, const struct ksyms_snap_keys *keys)
{
	struct snap_hdr h = { .version = KSYMS_SNAP_VERSION, .hdr_size = sizeof(h),
			      .ksym_size = sizeof(struct ksym), .byte_order = BYTE_ORDER_MARK };
	struct snap_job j = { .fd = fd, .t = t, .n_keep = n_keep };
	struct snap_hash hs;
	pthread_t helper;
	bool threaded;
	size_t n = 0;
	int err;

	if (t->snapshot || t->unloaded || n_keep < 1 || n_keep > t->n_mods)
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++)
		n += t->syms[i].mod < n_keep;
	if (!snap_layout_of(n, n_keep, t->buf_len, &j.l))
		return -EINVAL;
	memcpy(h.magic, SNAP_MAGIC, sizeof(h.magic));
	h.file_size = j.l.end;
	h.n_syms = n;
	h.n_mods = n_keep;
	h.buf_len = t->buf_len;
	h.modules = keys->modules;
	memcpy(h.boot_id, keys->boot_id, sizeof(h.boot_id));
	memcpy(h.release, keys->release, sizeof(h.release));

	threaded = cpus_to_spare() && pthread_create(&helper, NULL, put_records, &j) == 0;
	if (!threaded)
		put_records(&j);
	core_span(t, &h);
	err = put_index(&j, t);
	if (threaded)
		pthread_join(helper, NULL);
	if (!err)
		err = j.err_records;
	/* the header last: a file cut short before it has no magic */
	h.hash = snap_file_hash(&h, j.part);
	snap_hash_init(&hs);
	return err ? err : put(fd, &h, sizeof(h), 0, &hs);
}
