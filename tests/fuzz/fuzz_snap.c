// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the snapshot reader (src/ksyms_snap_read.c), on snapshots
 * written from fuzzed tables and then damaged where the fuzzer says.
 *
 *   byte 0        bit 0: seal the damaged image again (its hash made right),
 *                 so that the checks behind the hash see the damage; bit 1:
 *                 read it through a file rather than from memory
 *   byte 1        which modules to keep (the writer keeps [0, n_keep))
 *   byte 2        K, the number of edits that follow
 *   K x 5 bytes   an edit: a 32-bit offset (little-endian, modulo the image's
 *                 size) and the byte to put there
 *   the rest      a kallsyms file
 *
 * With no edit, the snapshot must be accepted and answer exactly as the table
 * it was written from, for the modules it kept, and keep every promise of a
 * table (fuzz_table.c). With edits, the reader must refuse the image or give a
 * table on which every query runs without a crash, a leak or a hang: only root
 * writes snapshots, so a damaged one is an accident, never an attack, but it
 * must not take ksymtrace down. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_table.h"
#include "ksyms_snap.h"
#include "spec.h"

static const struct ksyms_snap_keys keys = { "fuzz-boot", "fuzz-release", 7 };

/* The snapshot of LIVE keeping N_KEEP modules, as 8-byte aligned bytes. */
static unsigned char *image_of(struct ksyms *live, size_t n_keep, size_t *len)
{
	static int fd = -1;
	unsigned char *img;
	off_t end;

	if (fd < 0)
		fd = memfd_create("fuzz-snap", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, 0) == 0);
	CHECK(ksyms_snap__write(fd, live, n_keep, &keys) == 0);
	end = lseek(fd, 0, SEEK_END);
	CHECK(end > 0);
	*len = (size_t)end;
	img = aligned_alloc(8, (*len + 7) & ~(size_t)7);
	CHECK(img && pread(fd, img, *len, 0) == (ssize_t)*len);
	return img;
}

/* The table over IMG: borrowed in memory, or mapped from a file. */
static struct ksyms *open_image(const unsigned char *img, size_t len, bool by_file,
				enum ksyms_snap_miss *why)
{
	static int fd = -1;
	int err;

	if (!by_file)
		return ksyms_snap__use(img, len, &keys, why);
	if (fd < 0)
		fd = memfd_create("fuzz-snap-in", MFD_CLOEXEC);
	CHECK(fd >= 0 && ftruncate(fd, 0) == 0 && pwrite(fd, img, len, 0) == (ssize_t)len);
	return ksyms_snap__map(fd, &keys, why, &err);
}

/* S, the snapshot of LIVE keeping N_KEEP modules, holds exactly LIVE's records
 * of those modules, in both orders, with the same instance numbers. */
static void same_as_live(struct ksyms *live, struct ksyms *s, size_t n_keep)
{
	size_t k = 0;

	ksyms__index_all(live);
	for (size_t i = 0; i < ksyms__count(live); i++) {
		const struct ksym *a = ksyms__at(live, i), *b;
		struct ksyms_filter f = { .mod = KSYMS_ANY_MOD };
		uint32_t ca, cb;

		if (a->mod >= n_keep)
			continue;
		CHECK(k < ksyms__count(s));
		b = ksyms__at(s, k++);
		CHECK(b->addr == a->addr && b->size == a->size && b->type == a->type &&
		      b->mod == a->mod && b->line == a->line);
		CHECK(strcmp(ksyms__name(s, b), ksyms__name(live, a)) == 0);
		/* numbering within a module is the same; across every module, only
		 * when none was left out */
		if (n_keep == ksyms__mod_count(live))
			CHECK(ksyms__instance(s, b, &f, &cb) == ksyms__instance(live, a, &f, &ca) &&
			      cb == ca);
		f.mod = a->mod;
		CHECK(ksyms__instance(s, b, &f, &cb) == ksyms__instance(live, a, &f, &ca) && cb == ca);
	}
	CHECK(k == ksyms__count(s));
	for (size_t i = 0, j = 0; i < ksyms__count(live); i++) {
		const struct ksym *a = ksyms__by_name_at(live, i);

		if (a->mod < n_keep)
			CHECK(ksyms__by_name_at(s, j++)->addr == a->addr);
	}
	for (size_t m = 0; m < ksyms__mod_count(s); m++)
		CHECK(strcmp(ksyms__mod_name(s, (uint16_t)m), ksyms__mod_name(live, (uint16_t)m)) == 0);
}

/* Every query on a table the reader accepted, whatever it holds: no promise
 * but that each runs and stays inside the table. */
static void survive(struct ksyms *t)
{
	static const char *const specs[] = { "c_start", "c_st*", "*", "dummy:*", "vmlinux:c_start#2",
					     "0xffffffff81000100", "vfs_reed", "init_once@0x0" };
	size_t n = ksyms__count(t), lo, hi;
	const char *sugg[3];

	for (size_t i = 0; i < n; i += n / 64 + 1) {
		const struct ksym *s = ksyms__at(t, i);
		struct ksyms_filter f = { .mod = s->mod, .funcs_only = true };
		uint32_t count;

		ksyms__by_name(t, ksyms__name(t, s), &lo, &hi);
		ksyms__instance(t, s, &f, &count);
		ksyms__containing(t, s->addr + 1);
		ksyms__by_addr(t, s->addr, &lo, &hi);
		CHECK(ksyms__mod_name(t, s->mod) != NULL);
	}
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct spec sp;
		struct candidates c = { 0 };
		char err[SPEC_ERR_LEN];

		CHECK(spec__parse(specs[i], &sp, err, sizeof(err)) == 0);
		spec__resolve(&sp, t, &(struct resolve_opts){ 0 }, &c, err, sizeof(err));
		for (size_t k = 0; k < c.n; k++)
			CHECK(ksyms__pos(t, c.v[k].sym) < n);
		candidates__free(&c);
		spec__free(&sp);
	}
	ksyms__suggest(t, "c_strat", sugg, 3);
	for (size_t m = 0; m < ksyms__mod_count(t); m++)
		ksyms__mod_find(t, ksyms__mod_name(t, (uint16_t)m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n_edits, len, n_keep;
	struct ksyms_load_result res;
	enum ksyms_snap_miss why;
	struct ksyms *live, *s;
	unsigned char *img;

	if (size < 3 || size < 3 + 5 * (size_t)data[2])
		return 0;
	n_edits = data[2];
	live = fuzz_load(data + 3 + 5 * n_edits, size - 3 - 5 * n_edits, false, false, &res);
	if (!live)
		return 0;
	n_keep = 1 + data[1] % ksyms__mod_count(live);
	img = image_of(live, n_keep, &len);
	for (size_t k = 0; k < n_edits; k++) {
		const uint8_t *e = data + 3 + 5 * k;
		uint32_t at = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
			      (uint32_t)e[3] << 24;

		img[at % len] = e[4];
	}
	if (n_edits && (data[0] & 1))
		ksyms_snap__seal(img, len);
	s = open_image(img, len, data[0] & 2, &why);
	if (!n_edits) {
		CHECK(s != NULL && why == KSYMS_SNAP_OK);
		if (s) {
			same_as_live(live, s, n_keep);
			fuzz_check_table(s);
		}
	} else if (s) {
		survive(s);
	} else {
		CHECK(why != KSYMS_SNAP_OK && ksyms_snap__why(why)[0]);
	}
	ksyms__free(s);
	free(img);
	ksyms__free(live);
	return 0;
}
