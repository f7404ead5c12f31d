// SPDX-License-Identifier: GPL-2.0
/* The symbol table on fixtures that cover DESIGN.md §1 case by case. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "ksyms.h"
#include "ksyms_impl.h" /* pfx_placed */

static const char *dir;

static struct ksyms *load(const char *file, struct ksyms_load_result *res, bool allow_zero)
{
	char path[4096];
	struct ksyms_opts opts = { .allow_zero_addrs = allow_zero };

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return ksyms__load(path, &opts, res);
}

static const struct ksym *nth(struct ksyms *t, const char *name, size_t i)
{
	size_t lo, hi;

	if (ksyms__by_name(t, name, &lo, &hi) <= i)
		return NULL;
	return ksyms__by_name_at(t, lo + i);
}

static uint32_t size_of(struct ksyms *t, const char *name, size_t i)
{
	const struct ksym *s = nth(t, name, i);

	return s ? s->size : UINT32_MAX;
}

static void test_sizes(struct ksyms *t);
static void test_addresses(struct ksyms *t);

static void test_basic(void)
{
	struct ksyms_load_result res;
	struct ksyms *t = load("basic.kallsyms", &res, false);
	size_t lo, hi;

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_U64(res.bad_lines, 0);
	CHECK_U64(ksyms__count(t), 37);
	/* vmlinux, dummy, ext4mini and three pseudo-modules, kept like any module */
	CHECK_U64(ksyms__mod_count(t), 6);
	CHECK_U64(ksyms__mod_find(t, "vmlinux"), KSYMS_CORE_MOD);
	CHECK(ksyms__mod_find(t, "bpf") > 0);
	CHECK(ksyms__mod_find(t, "__builtin__ftrace") > 0);
	CHECK(ksyms__mod_find(t, "__builtin__kprobes") > 0);
	CHECK(ksyms__mod_find(t, "nosuch") < 0);

	/* the address order is total, even though module blocks came unsorted */
	for (size_t i = 1; i < ksyms__count(t); i++)
		CHECK(ksyms__at(t, i - 1)->addr <= ksyms__at(t, i)->addr);
	/* one name, many addresses: 3 in the core kernel and 1 in a module, address order */
	CHECK_U64(ksyms__by_name(t, "c_start", &lo, &hi), 4);
	CHECK_U64(ksyms__by_name_at(t, lo)->addr, 0xffffffff81000230);
	CHECK_U64(ksyms__by_name_at(t, lo + 1)->addr, 0xffffffff81000280);
	CHECK_U64(ksyms__by_name_at(t, lo + 2)->addr, 0xffffffff81000480);
	CHECK_U64(ksyms__by_name_at(t, lo + 3)->addr, 0xffffffffc0395040);
	CHECK_STR(ksyms__mod_name(t, ksyms__by_name_at(t, lo + 3)->mod), "dummy");
	CHECK_STR(ksyms__mod_name(t, ksyms__by_name_at(t, lo)->mod), "vmlinux");
	CHECK_U64(ksyms__by_name(t, "__func__.0", &lo, &hi), 2);
	CHECK_U64(ksyms__by_name(t, "c_sta", &lo, &hi), 0);
	CHECK_U64(ksyms__by_name(t, "c_startx", &lo, &hi), 0);
	test_sizes(t);
	test_addresses(t);
	ksyms__free(t);
}

/* sizes: next distinct address in the same module */
static void test_sizes(struct ksyms *t)
{
	CHECK_U64(size_of(t, "c_start", 0), 0x30);
	CHECK_U64(size_of(t, "c_start", 1), 0x40);
	CHECK_U64(size_of(t, "c_start", 2), 0x20);
	CHECK_U64(size_of(t, "c_start", 3), 0x40);
	CHECK_U64(size_of(t, "vfs_read", 0), 0x120);
	CHECK_U64(size_of(t, "__pfx_vfs_read", 0), 0x10);
	CHECK_U64(size_of(t, "ksys_read", 0), 0x60);
	CHECK_U64(size_of(t, "__x64_sys_read_alias", 0), 0x60); /* aliases share it */
	CHECK_U64(size_of(t, "dummy_get_stats64", 0), 0xf80);
	CHECK_U64(size_of(t, "fixed_percpu_data", 0), 0x1000);
	/* unknown: the last of a module, and a gap beyond 4 GiB */
	CHECK_U64(size_of(t, "dummy_netdev_ops", 0), 0);
	CHECK_U64(size_of(t, "ext4mini_fill", 0), 0);
	CHECK_U64(size_of(t, "_end", 0), 0);
	CHECK_U64(size_of(t, "cpu_debug_store", 0), 0);
	CHECK_U64(size_of(t, "bpf_prog_6deef7357e7b4530_sd_fw_ingress", 0), 0);
	/* never across a module boundary: ext4mini's init_once ends at its neighbour */
	CHECK_U64(size_of(t, "init_once", 3), 0x80);
}

/* By address, containing, prefixes, types, and the whole name index in order. */
static void test_addresses(struct ksyms *t)
{
	size_t lo, hi;
	const struct ksym *s;

	/* one address, many names, in name order */
	CHECK_U64(ksyms__by_addr(t, 0xffffffff81000000, &lo, &hi), 3);
	CHECK_STR(ksyms__name(t, ksyms__at(t, lo)), "_stext");
	CHECK_STR(ksyms__name(t, ksyms__at(t, lo + 1)), "_text");
	CHECK_STR(ksyms__name(t, ksyms__at(t, lo + 2)), "startup_64");
	CHECK_U64(ksyms__by_addr(t, 0xffffffff81000001, &lo, &hi), 0);

	/* containing */
	s = ksyms__containing(t, 0xffffffff81000121);
	CHECK(s && strcmp(ksyms__name(t, s), "vfs_read") == 0);
	s = ksyms__containing(t, 0xffffffff81000105);
	CHECK(s && strcmp(ksyms__name(t, s), "__pfx_vfs_read") == 0);
	s = ksyms__containing(t, 0xffffffffc0395fff);
	CHECK(s && strcmp(ksyms__name(t, s), "dummy_get_stats64") == 0);
	s = ksyms__containing(t, 0xffffffff81000005);
	CHECK(s && strcmp(ksyms__name(t, s), "_stext") == 0);
	s = ksyms__containing(t, 0x10);
	CHECK(s && strcmp(ksyms__name(t, s), "fixed_percpu_data") == 0);
	CHECK(ksyms__containing(t, 0xffffffffc0396010) == NULL); /* last of dummy: size unknown */
	CHECK(ksyms__containing(t, 0xffffffff82001005) == NULL); /* past _end */
	CHECK(ksyms__containing(t, 0xffffffffffffffff) == NULL);

	/* floor: whatever starts at or below, sizes aside; the first name there */
	s = ksyms__floor(t, 0xffffffffc0396010);
	CHECK(s && strcmp(ksyms__name(t, s), "dummy_netdev_ops") == 0);
	s = ksyms__floor(t, 0xffffffff81000005);
	CHECK(s && strcmp(ksyms__name(t, s), "_stext") == 0);
	s = ksyms__floor(t, 0xffffffff82001005);
	CHECK(s && strcmp(ksyms__name(t, s), "_end") == 0);
	s = ksyms__floor(t, 0xfff);
	CHECK(s && strcmp(ksyms__name(t, s), "fixed_percpu_data") == 0);

	/* prefixes */
	CHECK_U64(ksyms__by_prefix(t, "bar", &lo, &hi), 4);
	CHECK_STR(ksyms__name(t, ksyms__by_name_at(t, lo)), "bar.cold");
	CHECK_STR(ksyms__name(t, ksyms__by_name_at(t, hi - 1)), "bar_real");
	CHECK_U64(ksyms__by_prefix(t, "", &lo, &hi), 37);
	CHECK_U64(ksyms__by_prefix(t, "zzz", &lo, &hi), 0);

	/* types and pseudo-modules are kept */
	s = nth(t, "init_task", 0);
	CHECK(s && s->type == 'D' && !ksym_is_func(s));
	s = nth(t, "ftrace_trampoline", 0);
	CHECK(s && strcmp(ksyms__mod_name(t, s->mod), "__builtin__ftrace") == 0);
	s = nth(t, "vfs_read", 0);
	CHECK(s && s->line == 7);

	/* after the queries above sorted parts of it lazily, the whole name index
	 * is in (name, address) order */
	ksyms__index_all(t);
	for (size_t i = 1; i < ksyms__count(t); i++) {
		const struct ksym *a = ksyms__by_name_at(t, i - 1), *b = ksyms__by_name_at(t, i);
		int c = strcmp(ksyms__name(t, a), ksyms__name(t, b));

		CHECK(c < 0 || (c == 0 && a->addr <= b->addr));
	}
}

static void test_clones(void)
{
	CHECK(ksyms__is_clone_of("bar.constprop.0", "bar"));
	CHECK(ksyms__is_clone_of("bar.cold", "bar"));
	CHECK(ksyms__is_clone_of("foo.isra.0", "foo"));
	CHECK(ksyms__is_clone_of("foo.part.0.cold", "foo"));
	CHECK(ksyms__is_clone_of("foo.llvm.12345678901234567", "foo"));
	CHECK(ksyms__is_clone_of("__func__.0", "__func__"));
	CHECK(!ksyms__is_clone_of("bar_real", "bar"));
	CHECK(!ksyms__is_clone_of("bar", "bar"));
	CHECK(!ksyms__is_clone_of("bar.", "bar"));
	CHECK(!ksyms__is_clone_of("bar.foo", "bar"));
	CHECK(!ksyms__is_clone_of("barx.isra.0", "bar"));
	CHECK(!ksyms__is_clone_of("bar..0", "bar"));
}

static void test_bad_tables(void)
{
	struct ksyms_load_result res;
	struct ksyms *t;
	size_t lo, hi;

	/* kptr_restrict: every address 0 */
	t = load("zero.kallsyms", &res, false);
	CHECK(t == NULL);
	CHECK_U64(res.err, KSYMS_ERR_ZERO_ADDRS);
	t = load("zero.kallsyms", &res, true);
	CHECK(t != NULL);
	ksyms__free(t);

	t = load("empty.kallsyms", &res, false);
	CHECK(t == NULL);
	CHECK_U64(res.err, KSYMS_ERR_EMPTY);

	t = load("no-such-file", &res, false);
	CHECK(t == NULL);
	CHECK_U64(res.err, KSYMS_ERR_IO);
	CHECK_U64(res.sys_errno, ENOENT);

	t = load(".", &res, false);
	CHECK(t == NULL);
	CHECK_U64(res.err, KSYMS_ERR_IO);
	CHECK_U64(res.sys_errno, EISDIR);

	/* 511 bytes is the longest name (KSYM_NAME_LEN 512); 512 is a malformed line */
	t = load("longname.kallsyms", &res, false);
	CHECK(t != NULL);
	if (t) {
		CHECK_U64(ksyms__count(t), 3);
		CHECK_U64(res.bad_lines, 1);
		CHECK_U64(res.first_bad[0], 3);
		CHECK_U64(strlen(ksyms__name(t, ksyms__at(t, 1))), 511);
		ksyms__free(t);
	}

	/* malformed lines are counted and named, never kept, never fatal */
	t = load("malformed.kallsyms", &res, false);
	CHECK(t != NULL);
	if (t) {
		static const uint32_t bad[] = { 2, 3, 4, 5, 7, 9, 10, 11 };

		CHECK_U64(ksyms__count(t), 4);
		CHECK_U64(res.bad_lines, 9);
		for (size_t i = 0; i < 8; i++)
			CHECK_U64(res.first_bad[i], bad[i]);
		CHECK_U64(ksyms__by_name(t, "short_addr_is_fine", &lo, &hi), 1);
		CHECK_U64(ksyms__by_name_at(t, lo)->addr, 0xffffffff8100005);
		CHECK_U64(ksyms__by_name(t, "last_good", &lo, &hi), 1);
		CHECK_U64(ksyms__mod_count(t), 1); /* the bad module lines added none */
		ksyms__free(t);
	}

	t = load("truncated.kallsyms", &res, false);
	CHECK(t != NULL);
	CHECK(res.no_final_newline);
	if (t) {
		CHECK_U64(ksyms__count(t), 2);
		ksyms__free(t);
	}
}

static void test_stream(void)
{
	char path[4096];
	struct ksyms_load_result res;
	struct ksyms_opts opts = { 0 };
	struct ksyms *t;

	snprintf(path, sizeof(path), "%s/basic.kallsyms", dir);
	opts.stream = fopen(path, "r");
	CHECK(opts.stream != NULL);
	if (!opts.stream)
		return;
	t = ksyms__load("-", &opts, &res);
	CHECK(t != NULL);
	if (t)
		CHECK_U64(ksyms__count(t), 37);
	ksyms__free(t);
	fclose(opts.stream);
}

/* A scratch table file: open it, write it, then tmp_load() loads and removes it. */
struct tmp_table {
	char path[64];
	FILE *f;
};

static bool tmp_open(struct tmp_table *tt)
{
	int fd;

	snprintf(tt->path, sizeof(tt->path), "/tmp/ksymtrace-test-XXXXXX");
	fd = mkstemp(tt->path);
	tt->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(tt->f != NULL);
	return tt->f != NULL;
}

static struct ksyms *tmp_load(struct tmp_table *tt, struct ksyms_load_result *res)
{
	struct ksyms *t;

	fclose(tt->f);
	t = ksyms__load(tt->path, NULL, res);
	unlink(tt->path);
	CHECK(t != NULL);
	return t;
}

/* No fixed cap on the number of symbols: grow well past the first estimate. */
static void test_many(void)
{
	struct tmp_table tt;
	struct ksyms_load_result res;
	struct ksyms *t;
	size_t lo, hi;

	if (!tmp_open(&tt))
		return;
	/* short lines defeat the bytes-per-line estimate, so the array must grow */
	for (unsigned i = 0; i < 300000; i++)
		fprintf(tt.f, "%x t f%u\n", 0x1000 + i * 16, i % 1000);
	t = tmp_load(&tt, &res);
	if (!t)
		return;
	CHECK_U64(ksyms__count(t), 300000);
	CHECK_U64(ksyms__by_name(t, "f7", &lo, &hi), 300);
	CHECK_U64(ksyms__by_name_at(t, lo)->addr, 0x1000 + 7 * 16);
	CHECK_U64(ksyms__by_name_at(t, hi - 1)->addr, 0x1000 + 299007 * 16);
	ksyms__free(t);
}

/* The name index sorts a bucket (first two bytes) when a query first reaches it:
 * lazily answered queries must equal those of a fully sorted index, including
 * 1-byte names, names that are prefixes of others, and prefix queries of 0 to 3
 * bytes that span buckets. */
static void test_lazy_index(void)
{
	static const char *const names[] = {
		"c", "c", "c_start", "c_stop", "c_start", "ca", "c.isra.0", "cz", "d", "__pfx_c",
		"__pfx_c_start", "__x64_sys_read", "_", "__", "c_start.cold", "c_", "\xc3\xa9t\xc3\xa9",
	};
	static const char *const queries[] = {
		"", "c", "c_", "c_s", "c_start", "__", "__pfx_", "_", "\xc3", "z", "c.",
	};
	struct tmp_table tt;
	struct ksyms *lazy = NULL, *full = NULL;

	for (int copy = 0; copy < 2; copy++) {
		if (!tmp_open(&tt))
			goto out;
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			fprintf(tt.f, "%x t %s\n", 0x9000 - i * 16, names[i]); /* descending */
		if (copy)
			full = tmp_load(&tt, NULL);
		else
			lazy = tmp_load(&tt, NULL);
	}
	CHECK(lazy && full);
	if (!lazy || !full)
		goto out;
	ksyms__index_all(full);
	for (unsigned q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		size_t llo, lhi, flo, fhi;

		CHECK_U64(ksyms__by_prefix(lazy, queries[q], &llo, &lhi),
			  ksyms__by_prefix(full, queries[q], &flo, &fhi));
		for (size_t i = 0; i < lhi - llo && i < fhi - flo; i++)
			CHECK_U64(ksyms__by_name_at(lazy, llo + i)->addr,
				  ksyms__by_name_at(full, flo + i)->addr);
		CHECK_U64(ksyms__by_name(lazy, queries[q], &llo, &lhi),
			  ksyms__by_name(full, queries[q], &flo, &fhi));
	}
	{
		size_t lo, hi;

		CHECK_U64(ksyms__by_name(lazy, "c", &lo, &hi), 2);
		/* equal names: address order, although the file had them descending */
		CHECK(ksyms__by_name_at(lazy, lo)->addr < ksyms__by_name_at(lazy, lo + 1)->addr);
		CHECK_U64(ksyms__by_prefix(lazy, "c_start", &lo, &hi), 3);
	}
out:
	ksyms__free(lazy);
	ksyms__free(full);
}

/* A large table's whole index is sorted on two threads, the buckets split where
 * half the names are: every name position in order, equal names in address
 * order, buckets a query sorted before left as they are. */
static void test_index_in_two(void)
{
	static const char *const shapes[] = { "__pfx_f%u", "f%u_x", "zz%u", "A%u", "__x64_%u", "f%u" };
	struct tmp_table tt;
	struct ksyms *t;
	size_t lo, hi, n;

	if (!tmp_open(&tt))
		return;
	for (unsigned i = 0; i < 60000; i++) {
		fprintf(tt.f, "%x t ", 0x100000 - i * 16); /* descending */
		fprintf(tt.f, shapes[i % 6], (i * 7919) % 20000);
		fputc('\n', tt.f);
	}
	t = tmp_load(&tt, NULL);
	if (!t)
		return;
	n = ksyms__count(t);
	CHECK_U64(ksyms__by_name(t, "f17", &lo, &hi), 1); /* sorts bucket "f1" now */
	ksyms__index_all(t);
	for (size_t i = 1; i < n; i++) {
		const struct ksym *a = ksyms__by_name_at(t, i - 1), *b = ksyms__by_name_at(t, i);
		int c = strcmp(ksyms__name(t, a), ksyms__name(t, b));

		if (c > 0 || (c == 0 && a->addr > b->addr)) {
			CHECK(0);
			fprintf(stderr, "out of order at %zu: %s, %s\n", i, ksyms__name(t, a),
				ksyms__name(t, b));
			break;
		}
	}
	CHECK_U64(ksyms__by_prefix(t, "", &lo, &hi), n);
	ksyms__free(t);
}

/* A table of N functions, each with its __pfx_ padding symbol 16 bytes before it,
 * as x86-64 kernels since 6.2 have them: names in bucket "__" before "__pfx_"
 * ("__pfx0", "__a"), after it ("__pfxa", "__x64_"), duplicates, aliases, data
 * with no padding. With BREAK, one __pfx_ name has no function after it. */
static struct ksyms *pfx_table(unsigned n, bool brk)
{
	static const char *const shapes[] = { "fn_%u", "__x64_sys_%u", "__a%u", "dup_%u",
					      "__pfxa%u", "__pfx0%u", "zz_%u" };
	struct tmp_table tt;
	char name[64];

	if (!tmp_open(&tt))
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		unsigned long a = 0xffffffff81000000UL + 64UL * i;
		unsigned k = (i * 7919) % n;

		snprintf(name, sizeof(name), shapes[i % 7], i % 7 == 3 ? k % 40 : k);
		fprintf(tt.f, "%lx t __pfx_%s\n", a - 16, brk && i == n / 2 ? "nobody" : name);
		fprintf(tt.f, "%lx T %s\n", a, name);
		if (i % 5 == 0)
			fprintf(tt.f, "%lx t %s_alias\n", a, name);
		if (i % 9 == 0)
			fprintf(tt.f, "%lx d __ksymtab_%u\n", a + 8, k);
	}
	return tmp_load(&tt, NULL);
}

/* The whole index with the __pfx_ names ordered after their functions is the
 * index every bucket's own sort makes; and where a __pfx_ name has no function,
 * they are sorted like the rest. On one thread and on two. */
static void test_index_pfx(void)
{
	static const struct { unsigned n; bool brk; uint32_t placed; } cases[] = {
		{ 3000, false, 3000 }, { 30000, false, 30000 }, { 3000, true, 0 },
	};

	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ksyms *whole = pfx_table(cases[c].n, cases[c].brk);
		struct ksyms *each = pfx_table(cases[c].n, cases[c].brk);
		size_t lo, hi, n;

		if (!whole || !each)
			goto next;
		ksyms__index_all(whole);
		CHECK_U64(whole->pfx_placed, cases[c].placed);
		/* one first byte at a time: every bucket sorted by itself */
		for (int b = 1; b < 256; b++) {
			char p[2] = { (char)b, 0 };

			ksyms__by_prefix(each, p, &lo, &hi);
		}
		CHECK_U64(each->pfx_placed, 0);
		n = ksyms__count(whole);
		for (size_t i = 0; i < n; i++) {
			const struct ksym *a = ksyms__by_name_at(whole, i), *b = ksyms__by_name_at(each, i);

			if (a->addr != b->addr || strcmp(ksyms__name(whole, a), ksyms__name(each, b))) {
				CHECK(0);
				fprintf(stderr, "case %u: name position %zu: %s at %#lx, not %s at %#lx\n", c,
					i, ksyms__name(whole, a), (unsigned long)a->addr,
					ksyms__name(each, b), (unsigned long)b->addr);
				break;
			}
		}
		CHECK_U64(ksyms__by_name(whole, "__pfx_dup_7", &lo, &hi), ksyms__by_name(each, "dup_7", &lo, &hi));
next:
		ksyms__free(whole);
		ksyms__free(each);
	}
}

/* The 16-digit fast path must be exactly as strict as the general one. */
static void test_hex(void)
{
	struct tmp_table tt;
	struct ksyms_load_result res;
	struct ksyms *t;
	size_t lo, hi;

	if (!tmp_open(&tt))
		return;
	fputs("FFFFFFFF8100ABCD T upper\n"
	      "ffffffff8100abce T lower\n"
	      "0123456789abcdef T digits\n"
	      "ffffffff8100000g T bad_g\n"
	      "ffffffff810000:0 T bad_colon\n"
	      "ffffffff81000/00 T bad_slash\n"
	      "ffffffff81000`00 T bad_backtick\n"
	      "ffffffff81000@00 T bad_at\n"
	      "ffffffff81000G00 T bad_G\n"
	      "ffffffff81\xe9\x80\x80" "000 T bad_high\n"
	      "ffffffff8100 000 T bad_space\n",
	      tt.f);
	t = tmp_load(&tt, &res);
	if (!t)
		return;
	CHECK_U64(ksyms__count(t), 3);
	CHECK_U64(res.bad_lines, 8);
	CHECK_U64(ksyms__by_name(t, "upper", &lo, &hi), 1);
	CHECK_U64(ksyms__by_name_at(t, lo)->addr, 0xffffffff8100abcd);
	CHECK_U64(ksyms__by_name(t, "lower", &lo, &hi), 1);
	CHECK_U64(ksyms__by_name_at(t, lo)->addr, 0xffffffff8100abce);
	CHECK_U64(ksyms__by_name(t, "digits", &lo, &hi), 1);
	CHECK_U64(ksyms__by_name_at(t, lo)->addr, 0x0123456789abcdef);
	ksyms__free(t);
}

/* #N of the I-th record named NAME (address order) under filter (MOD, FUNCS):
 * WANT, of COUNT. */
static void check_instance(struct ksyms *t, const char *name, size_t i, const char *mod,
			   bool funcs, uint32_t want, uint32_t count)
{
	struct ksyms_filter f = { mod ? ksyms__mod_find(t, mod) : KSYMS_ANY_MOD, funcs };
	const struct ksym *s = nth(t, name, i);
	uint32_t got_count = UINT32_MAX;
	size_t lo, hi;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_U64(ksyms__instance(t, s, &f, &got_count), want);
	CHECK_U64(got_count, count);
	/* the walk's entry point says the same */
	ksyms__by_name(t, name, &lo, &hi);
	CHECK_U64(ksyms__instance_at(t, lo, hi, lo + i, &f, &got_count), want);
	CHECK_U64(got_count, count);
}

/* One numbering for resolve, list, labels and traceable: address order among
 * the name's records that pass the filter; 0 for a record that does not. */
static void test_instance(void)
{
	struct ksyms *t = load("basic.kallsyms", NULL, false);

	CHECK(t != NULL);
	if (!t)
		return;
	/* init_once: t, t (vmlinux), d (vmlinux), t [ext4mini] */
	check_instance(t, "init_once", 0, NULL, false, 1, 4);
	check_instance(t, "init_once", 2, NULL, false, 3, 4);
	check_instance(t, "init_once", 3, NULL, false, 4, 4);
	check_instance(t, "init_once", 1, NULL, true, 2, 3);
	check_instance(t, "init_once", 2, NULL, true, 0, 0); /* data */
	check_instance(t, "init_once", 3, NULL, true, 3, 3);
	check_instance(t, "init_once", 2, "vmlinux", false, 3, 3);
	check_instance(t, "init_once", 1, "vmlinux", true, 2, 2);
	check_instance(t, "init_once", 3, "vmlinux", true, 0, 0); /* another module */
	check_instance(t, "init_once", 3, "ext4mini", true, 1, 1);
	check_instance(t, "init_once", 3, "ext4mini", false, 1, 1);
	/* c_start: three in vmlinux, one in dummy */
	check_instance(t, "c_start", 3, NULL, true, 4, 4);
	check_instance(t, "c_start", 3, "dummy", true, 1, 1);
	check_instance(t, "c_start", 1, "vmlinux", true, 2, 3);
	/* a name's only record is #1 of 1 under any filter it passes */
	check_instance(t, "vfs_read", 0, NULL, true, 1, 1);
	check_instance(t, "vfs_read", 0, "vmlinux", false, 1, 1);
	check_instance(t, "vfs_read", 0, "dummy", false, 0, 0);
	check_instance(t, "init_task", 0, NULL, true, 0, 0);
	ksyms__free(t);
}

/* Many instances of one name across modules, in an order the file scrambles:
 * every record numbered right, under every filter. */
static void test_many_instances(void)
{
	const unsigned n = 3000;
	struct tmp_table tt;
	struct ksyms *t;
	size_t lo, hi;
	bool ok = true;

	if (!tmp_open(&tt))
		return;
	/* descending addresses; every third in [m1], every fifth a data symbol */
	for (unsigned i = 0; i < n; i++)
		fprintf(tt.f, "%x %c same%s\n", 0x900000 - i * 16, i % 5 ? 't' : 'd', i % 3 ? "" : "\t[m1]");
	t = tmp_load(&tt, NULL);
	if (!t)
		return;
	CHECK_U64(ksyms__by_name(t, "same", &lo, &hi), n);
	for (int mod = -1; mod <= 1; mod++) {
		for (int funcs = 0; funcs <= 1; funcs++) {
			struct ksyms_filter f = { mod, funcs };
			uint32_t seen = 0, total = 0, count;

			for (size_t i = lo; i < hi; i++)
				total += ksyms__passes(ksyms__by_name_at(t, i), &f);
			for (size_t i = lo; i < hi; i++) {
				const struct ksym *s = ksyms__by_name_at(t, i);
				uint32_t want = ksyms__passes(s, &f) ? ++seen : 0;

				ok &= ksyms__instance(t, s, &f, &count) == want;
				ok &= count == (want ? total : 0);
			}
		}
	}
	CHECK(ok);
	ksyms__free(t);
}

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "tests/fixtures";
	test_basic();
	test_clones();
	test_bad_tables();
	test_stream();
	test_many();
	test_lazy_index();
	test_index_in_two();
	test_index_pfx();
	test_hex();
	test_instance();
	test_many_instances();
	return check_report("test_ksyms");
}
