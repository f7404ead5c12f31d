// SPDX-License-Identifier: GPL-2.0
/* The per-boot snapshot (issue 15): written from a table and mapped back, it
 * answers as the table does for the core kernel and the modules, and not at all
 * for the pseudo-modules; damage of every kind, and another boot's keys, are a
 * miss; and the one rule of which queries need the live table. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "ksyms.h"
#include "ksyms_cache.h"
#include "ksyms_snap.h"
#include "spec.h"

static const char *dir;
static const struct ksyms_snap_keys keys = { "b1c2d3", "6.1.0-test", 42 };

static struct ksyms *load(const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return ksyms__load(path, NULL, NULL);
}

/* The modules before the first pseudo-module: what the cache keeps. */
static size_t kept_mods(const struct ksyms *t)
{
	for (size_t i = 1; i < ksyms__mod_count(t); i++)
		if (ksyms__is_pseudo_mod(ksyms__mod_name(t, (uint16_t)i)))
			return i;
	return ksyms__mod_count(t);
}

/* LIVE's snapshot as bytes (malloc'd, 8-byte aligned), *LEN long. */
static unsigned char *image_of(struct ksyms *live, size_t *len)
{
	int fd = memfd_create("snap", MFD_CLOEXEC);
	unsigned char *img = NULL;
	off_t end;

	CHECK(fd >= 0);
	CHECK(ksyms_snap__write(fd, live, kept_mods(live), &keys) == 0);
	end = lseek(fd, 0, SEEK_END);
	CHECK(end > 0);
	*len = (size_t)end;
	img = aligned_alloc(8, (*len + 7) & ~(size_t)7);
	CHECK(img && pread(fd, img, *len, 0) == (ssize_t)*len);
	close(fd);
	return img;
}

/* The snapshot in IMG (LEN bytes) as a file, mapped; *WHY says why not. */
static struct ksyms *map_image(const unsigned char *img, size_t len, const struct ksyms_snap_keys *k,
			       enum ksyms_snap_miss *why)
{
	int fd = memfd_create("snap", MFD_CLOEXEC), err;
	struct ksyms *t;

	CHECK(fd >= 0 && (len == 0 || pwrite(fd, img, len, 0) == (ssize_t)len));
	t = ksyms_snap__map(fd, k, why, &err);
	close(fd);
	return t;
}

/* Every record, the name index and the instance numbers of S (a snapshot of
 * LIVE) are LIVE's without the pseudo-modules. */
static void same_as_live(struct ksyms *live, struct ksyms *s)
{
	size_t k = 0;

	ksyms__index_all(live);
	for (size_t i = 0; i < ksyms__count(live); i++) {
		const struct ksym *a = ksyms__at(live, i), *b;

		if (ksyms__is_pseudo_mod(ksyms__mod_name(live, a->mod)))
			continue;
		b = ksyms__at(s, k++);
		CHECK_U64(b->addr, a->addr);
		CHECK_U64(b->size, a->size);
		CHECK_U64(b->line, a->line);
		CHECK(b->type == a->type);
		CHECK_STR(ksyms__name(s, b), ksyms__name(live, a));
		CHECK_STR(ksyms__mod_name(s, b->mod), ksyms__mod_name(live, a->mod));
		for (int f = 0; f < 4; f++) {
			struct ksyms_filter fl = { f & 1 ? a->mod : KSYMS_ANY_MOD, f & 2 };
			uint32_t ca, cb, ia = ksyms__instance(live, a, &fl, &ca);
			uint32_t ib = ksyms__instance(s, b, &fl, &cb);

			CHECK_U64(ib, ia);
			CHECK_U64(cb, ca);
		}
	}
	CHECK_U64(ksyms__count(s), k);
	k = 0;
	for (size_t i = 0; i < ksyms__count(live); i++) {
		const struct ksym *a = ksyms__by_name_at(live, i), *b;

		if (ksyms__is_pseudo_mod(ksyms__mod_name(live, a->mod)))
			continue;
		b = ksyms__by_name_at(s, k++);
		CHECK_STR(ksyms__name(s, b), ksyms__name(live, a));
		CHECK_U64(b->addr, a->addr);
	}
}

/* basic.kallsyms read, its snapshot's bytes, and a table over them: mapped from
 * a file, or borrowed in memory. */
struct fixture {
	struct ksyms *live, *snap;
	unsigned char *img;
	size_t len;
};

static bool fixture_open(struct fixture *f, bool mapped)
{
	enum ksyms_snap_miss why;

	memset(f, 0, sizeof(*f));
	f->live = load("basic.kallsyms");
	CHECK(f->live != NULL);
	if (!f->live)
		return false;
	f->img = image_of(f->live, &f->len);
	f->snap = mapped ? map_image(f->img, f->len, &keys, &why)
			 : ksyms_snap__use(f->img, f->len, &keys, &why);
	CHECK(f->snap != NULL && why == KSYMS_SNAP_OK);
	return f->snap != NULL;
}

static void fixture_close(struct fixture *f)
{
	ksyms__free(f->snap);
	free(f->img);
	ksyms__free(f->live);
}

static void test_round_trip(void)
{
	struct fixture f;
	enum ksyms_snap_miss why;
	struct ksyms *s, *u;
	size_t lo, hi;

	if (!fixture_open(&f, true))
		goto out;
	s = f.snap;
	CHECK(ksyms__is_snapshot(s) && !ksyms__is_snapshot(f.live));
	/* vmlinux, dummy and ext4mini; not bpf, __builtin__ftrace, __builtin__kprobes */
	CHECK_U64(ksyms__mod_count(s), 3);
	CHECK_U64(ksyms__count(s), ksyms__count(f.live) - 3);
	CHECK(ksyms__mod_find(s, "bpf") < 0);
	same_as_live(f.live, s);
	CHECK_U64(ksyms__by_name(s, "c_start", &lo, &hi), 4);
	CHECK_U64(ksyms__by_prefix(s, "c_", &lo, &hi), 5);
	CHECK_U64(ksyms__by_name(s, "ftrace_trampoline", &lo, &hi), 0);

	/* the same image borrowed in memory answers the same */
	u = ksyms_snap__use(f.img, f.len, &keys, &why);
	CHECK(u != NULL && why == KSYMS_SNAP_OK);
	if (u)
		same_as_live(f.live, u);
	ksyms__free(u);
out:
	fixture_close(&f);
}

/* Where a snapshot can say what lies at an address, and where only the live
 * table can: a pseudo-module's code lives among the modules. */
static void test_covers(void)
{
	struct fixture f;
	struct ksyms *s, *live;

	if (!fixture_open(&f, true))
		goto out;
	s = f.snap;
	live = f.live;
	/* the core kernel: text and data alike */
	CHECK(ksyms__covers(s, 0xffffffff81000115));
	CHECK_STR(ksyms__name(s, ksyms__containing(s, 0xffffffff81000115)), "vfs_read");
	CHECK(ksyms__covers(s, 0xffffffff82000104));
	/* a BPF program's image, a trampoline: the live table only */
	CHECK(!ksyms__covers(s, 0xffffffffc0390000));
	CHECK(ksyms__containing(s, 0xffffffffc0390000) == NULL);
	CHECK_STR(ksyms__name(live, ksyms__containing(live, 0xffffffffc0390000)),
		  "bpf_prog_6deef7357e7b4530_sd_fw_ingress");
	CHECK(!ksyms__covers(s, 0xffffffffc0390010));
	CHECK(!ksyms__covers(s, 0xffffffffc0391000));
	/* inside a module function followed by another of its functions */
	CHECK(ksyms__covers(s, 0xffffffffc0395010));
	CHECK_STR(ksyms__name(s, ksyms__containing(s, 0xffffffffc0395010)), "dummy_dev_init");
	/* past a module's last function, up to its data: another allocation may
	 * lie in between (6.4+); at a symbol's start, covered */
	CHECK(!ksyms__covers(s, 0xffffffffc0395090));
	CHECK(ksyms__covers(s, 0xffffffffc0395080));
	CHECK(ksyms__covers(s, 0xffffffffc0396000));
	/* a module's last symbol: size unknown; before every module */
	CHECK(!ksyms__covers(s, 0xffffffffc0200084));
	CHECK(!ksyms__covers(s, 0xffffffffa0000000));
	/* a table read from a file covers everything */
	CHECK(ksyms__covers(live, 0xffffffffc0390010));
out:
	fixture_close(&f);
}

/* IMG with one change, as a file: the miss it must be. */
static void expect_miss(const unsigned char *img, size_t len, const struct ksyms_snap_keys *k,
			enum ksyms_snap_miss want, const char *what)
{
	enum ksyms_snap_miss why = KSYMS_SNAP_OK;
	struct ksyms *t = map_image(img, len, k, &why);

	if (t || why != want)
		fprintf(stderr, "%s: miss %d (%s), expected %d\n", what, (int)why,
			ksyms_snap__why(why), (int)want);
	CHECK(t == NULL && why == want);
	ksyms__free(t);
}

/* The header's layout, as far as the tests need it: these offsets are part of
 * the format (KSYMS_SNAP_VERSION). */
enum { HDR_VERSION = 8, HDR_SIZE = 200, HDR_N_SYMS = 40, HDR_BUF_LEN = 56 };

static void test_misses(void)
{
	struct ksyms *live = load("basic.kallsyms");
	struct ksyms_snap_keys k;
	unsigned char *img, *bad;
	size_t len, n_syms, by_name, bucket, arena;
	uint64_t buf_len;

	if (!live)
		return;
	img = image_of(live, &len);
	bad = aligned_alloc(8, len + 8);
	CHECK(bad != NULL);
	if (!bad)
		goto out;
	memcpy(&n_syms, img + HDR_N_SYMS, 8);
	memcpy(&buf_len, img + HDR_BUF_LEN, 8);
	by_name = HDR_SIZE + n_syms * sizeof(struct ksym);
	bucket = by_name + ((n_syms * 4 + 7) & ~(size_t)7);
	arena = len - ((buf_len + 8 + 7) & ~(size_t)7);

	/* another boot, another release, other modules */
	k = keys;
	k.boot_id[0] = 'X';
	expect_miss(img, len, &k, KSYMS_SNAP_BOOT, "boot_id");
	k = keys;
	k.release[0] = '5';
	expect_miss(img, len, &k, KSYMS_SNAP_RELEASE, "release");
	k = keys;
	k.modules++;
	expect_miss(img, len, &k, KSYMS_SNAP_MODULES, "modules");

	/* cut short anywhere, empty, a byte too many */
	expect_miss(img, 0, &keys, KSYMS_SNAP_TRUNCATED, "empty");
	expect_miss(img, 100, &keys, KSYMS_SNAP_TRUNCATED, "half a header");
	expect_miss(img, len / 2, &keys, KSYMS_SNAP_TRUNCATED, "half");
	expect_miss(img, len - 1, &keys, KSYMS_SNAP_TRUNCATED, "one byte short");
	memcpy(bad, img, len);
	bad[len] = 0;
	expect_miss(bad, len + 1, &keys, KSYMS_SNAP_CORRUPT, "one byte long");

	/* not a snapshot; another version */
	memcpy(bad, img, len);
	bad[0] = 'k';
	expect_miss(bad, len, &keys, KSYMS_SNAP_NOT_SNAP, "magic");
	memcpy(bad, img, len);
	bad[HDR_VERSION]++;
	expect_miss(bad, len, &keys, KSYMS_SNAP_OTHER_VERSION, "version");

	/* one bit flipped in each part: the hash sees it */
	for (size_t at = HDR_SIZE; at < len; at += (len - HDR_SIZE) / 17 + 1) {
		memcpy(bad, img, len);
		bad[at] ^= 0x10;
		expect_miss(bad, len, &keys, KSYMS_SNAP_CORRUPT, "a flipped bit");
	}

	/* damage the hash cannot see (sealed again): the structure does */
	memcpy(bad, img, len);
	memcpy(bad + HDR_SIZE + 8, &buf_len, 4); /* record 0's name past the arena */
	ksyms_snap__seal(bad, len);
	expect_miss(bad, len, &keys, KSYMS_SNAP_CORRUPT, "name offset");
	memcpy(bad, img, len);
	memcpy(bad + by_name, bad + by_name + 4, 4); /* a record twice in the name index */
	ksyms_snap__seal(bad, len);
	expect_miss(bad, len, &keys, KSYMS_SNAP_CORRUPT, "name index");
	memcpy(bad, img, len);
	bad[bucket + 4 * 0x635f] = 0xff; /* bucket "c_" starts past the end */
	ksyms_snap__seal(bad, len);
	expect_miss(bad, len, &keys, KSYMS_SNAP_CORRUPT, "bucket");
	memcpy(bad, img, len);
	bad[arena + buf_len - 1] = 'x'; /* the last name runs off the arena */
	ksyms_snap__seal(bad, len);
	expect_miss(bad, len, &keys, KSYMS_SNAP_CORRUPT, "arena end");
	/* and sealing a sound image changes nothing */
	memcpy(bad, img, len);
	ksyms_snap__seal(bad, len);
	CHECK(memcmp(bad, img, len) == 0);
out:
	free(bad);
	free(img);
	ksyms__free(live);
}

static void test_write_refuses(void)
{
	struct fixture f;
	int fd = memfd_create("snap", MFD_CLOEXEC);

	if (fixture_open(&f, false)) {
		CHECK(ksyms_snap__write(fd, f.live, 0, &keys) == -EINVAL);
		CHECK(ksyms_snap__write(fd, f.live, ksyms__mod_count(f.live) + 1, &keys) == -EINVAL);
		/* a snapshot of a snapshot: only a table read from the kernel is written */
		CHECK(ksyms_snap__write(fd, f.snap, 1, &keys) == -EINVAL);
	}
	fixture_close(&f);
	close(fd);
}

/* ksyms_cache__needs_live() on specs given as text, with -m MODULE. */
static bool needs_live(struct ksyms *snap, const char *text, const char *module)
{
	struct spec sp;
	char err[SPEC_ERR_LEN], why[256];
	struct ksyms_query q = { .specs = &sp, .n_specs = 1, .module = module };
	bool r;

	if (spec__parse(text, &sp, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", text, err);
		CHECK(0);
		return false;
	}
	r = ksyms_cache__needs_live(&q, snap, why, sizeof(why)) != NULL;
	spec__free(&sp);
	return r;
}

static void test_needs_live(void)
{
	struct fixture f;
	struct ksyms *s;
	char buf[256];

	if (!fixture_open(&f, false))
		goto out;
	s = f.snap;
	/* names, instances, modules of the core kernel and the modules */
	CHECK(!needs_live(s, "c_start", NULL));
	CHECK(!needs_live(s, "c_start#2", NULL));
	CHECK(!needs_live(s, "dummy:c_start+0x4%return", NULL));
	CHECK(!needs_live(s, "vmlinux:c_*", NULL));
	CHECK(!needs_live(s, "c_*", "dummy"));
	CHECK(!needs_live(s, "bpf_prog_put", "vmlinux"));
	CHECK(!needs_live(s, "0xffffffff81000115", NULL));
	/* a pseudo-module named; a glob over every module; a name the kernel may
	 * give a pseudo-module's symbol; an address among the modules' code */
	CHECK(needs_live(s, "bpf:bpf_prog_6deef7357e7b4530_sd_fw_ingress", NULL));
	CHECK(needs_live(s, "__builtin__ftrace:ftrace_trampoline", NULL));
	CHECK(needs_live(s, "kprobe:__builtin__kprobes:kprobe_insn_page", NULL));
	CHECK(needs_live(s, "foo", "bpf"));
	CHECK(needs_live(s, "c_*", NULL));
	CHECK(needs_live(s, "bpf_prog_6deef7357e7b4530_sd_fw_ingress", NULL));
	CHECK(needs_live(s, "ftrace_trampoline", NULL));
	CHECK(needs_live(s, "kprobe_optinsn_page", NULL));
	CHECK(needs_live(s, "0xffffffffc0390010", NULL));
	CHECK(needs_live(s, "0x1004", NULL));
	/* NAME+OFF: where the probe would land, for every instance (and the
	 * clones of a name with none): inside a module function followed by
	 * another, fine; past a module's last function, or into one of unknown
	 * size, the live table (a BPF program may lie there) */
	CHECK(!needs_live(s, "vfs_read+0x21", NULL));
	CHECK(!needs_live(s, "dummy:dummy_dev_init+0x10", NULL));
	CHECK(!needs_live(s, "c_start+0x10", NULL));
	CHECK(!needs_live(s, "bar+0x4", NULL));
	CHECK(!needs_live(s, "vfs_reed+0x4", NULL));
	CHECK(needs_live(s, "dummy:dummy_get_stats64+0x20", NULL));
	CHECK(needs_live(s, "dummy_get_stats64+0x20", NULL));
	CHECK(needs_live(s, "ext4mini_fill+0x4", NULL));
	CHECK(needs_live(s, "vmlinux:c_*+0x4", NULL));
	CHECK(!needs_live(s, "0x1000", NULL)); /* a symbol's start */
	/* listings: of one module, or of every module or type */
	CHECK(!ksyms_cache__needs_live(&(struct ksyms_query){ .listing = true, .module = "dummy" }, s,
				       buf, sizeof(buf)));
	CHECK(!ksyms_cache__needs_live(&(struct ksyms_query){ .listing = true, .glob = "c_*",
							      .module = "vmlinux" }, s, buf, sizeof(buf)));
	CHECK(ksyms_cache__needs_live(&(struct ksyms_query){ .listing = true, .glob = "c_*" }, s, buf,
				      sizeof(buf)));
	CHECK(ksyms_cache__needs_live(&(struct ksyms_query){ .listing = true }, s, buf, sizeof(buf)));
	CHECK(ksyms_cache__needs_live(&(struct ksyms_query){ .listing = true, .module = "dummy",
							     .all_types = true }, s, buf, sizeof(buf)));
	CHECK(ksyms_cache__needs_live(&(struct ksyms_query){ .listing = true, .module = "bpf" }, s, buf,
				      sizeof(buf)));
	/* attach's check of a saved table: core kernel and modules only */
	CHECK(!ksyms_cache__needs_live(NULL, s, buf, sizeof(buf)));
out:
	fixture_close(&f);
}

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "tests/fixtures";
	test_round_trip();
	test_covers();
	test_misses();
	test_write_refuses();
	test_needs_live();
	return check_report("snap");
}
