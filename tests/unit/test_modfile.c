// SPDX-License-Identifier: GPL-2.0
/* Module files: the fixture module (tests/fixtures/modules, built by build.sh)
 * read plain and compressed, corrupt files refused with one line, and its table
 * chained to the basic fixture: resolved by MOD:NAME, numbered within itself,
 * invisible to everything else. */
#define _GNU_SOURCE
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "modfile.h"
#include "spec.h"

static const char *dir;
static void *ko;     /* fixmod.ko's bytes */
static size_t ko_len;

static void *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = malloc(1 << 20);

	*len = f && buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (f)
		fclose(f);
	return buf;
}

/* PARSE a copy of DATA: modfile__parse may change its buffer. */
static int parse(const void *data, size_t len, size_t max, struct modfile **mf, char *err)
{
	void *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, data, len);
	err[0] = '\0';
	r = modfile__parse(copy, len, max, "fallback", mf, err, MODFILE_ERR_LEN);
	free(copy);
	return r;
}

static const struct ksyms_modsym *find(const struct modfile *mf, const char *name, int nth)
{
	for (size_t i = 0; i < mf->n; i++)
		if (strcmp(mf->syms[i].name, name) == 0 && nth-- == 0)
			return &mf->syms[i];
	return NULL;
}

static void test_read(void)
{
	struct modfile *mf = NULL;
	char err[MODFILE_ERR_LEN], path[4096];
	const struct ksyms_modsym *a, *b, *init, *alias, *s;

	snprintf(path, sizeof(path), "%s/modules/fixmod.ko", dir);
	CHECK(modfile__read(path, &mf, err, sizeof(err)) == 0);
	if (!mf) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	CHECK_STR(mf->name, "fixmod");       /* from .modinfo, not the file name */
	CHECK_STR(mf->release, "6.1.0-test"); /* vermagic's first word */
	CHECK(mf->packing == PACK_NONE);
	CHECK_U64(mf->skipped, 0);
	/* a static function of each file: two instances, in section order */
	a = find(mf, "fix_dup", 0);
	b = find(mf, "fix_dup", 1);
	CHECK(a && b && a->section == b->section && a->value != b->value);
	CHECK(!find(mf, "fix_dup", 2));
	CHECK(a && a->type == 't' && a->size > 0 && !a->init);
	/* .init code and its alias: one place, marked init */
	init = find(mf, "fix_init", 0);
	alias = find(mf, "init_module", 0);
	CHECK(init && alias && init->init && alias->init);
	CHECK(init && alias && init->section == alias->section && init->value == alias->value);
	CHECK((s = find(mf, "fix_exit", 0)) && !s->init && s->type == 't');
	/* kallsyms' letters: exported upper case, weak w, data d, bss b, rodata r */
	CHECK((s = find(mf, "fix_exported", 0)) && s->type == 'T');
	CHECK((s = find(mf, "fix_weak", 0)) && s->type == 'w');
	CHECK((s = find(mf, "fix_data", 0)) && s->type == 'd');
	CHECK((s = find(mf, "fix_bss", 0)) && s->type == 'b');
	CHECK((s = find(mf, "fix_rodata", 0)) && s->type == 'r');
	/* what the kernel does not keep: .modinfo, section and file symbols */
	CHECK(!find(mf, "modinfo_name", 0) && !find(mf, "modinfo_vermagic", 0));
	CHECK(!find(mf, "fixmod_a.c", 0) && !find(mf, "", 0));
	modfile__free(mf);

	snprintf(path, sizeof(path), "%s/modules/no-such.ko", dir);
	CHECK(modfile__read(path, &mf, err, sizeof(err)) == -ENOENT);
	CHECK(strstr(err, "cannot read ") && strstr(err, "No such file or directory"));
	CHECK(modfile__read(dir, &mf, err, sizeof(err)) < 0 && strstr(err, "Is a directory"));
}

/* The same symbols from the fixture compressed each way. */
static void check_packed(const void *data, size_t len, enum packing want)
{
	struct modfile *plain = NULL, *mf = NULL;
	char err[MODFILE_ERR_LEN];

	CHECK(decompress__kind(data, len) == want);
	CHECK(parse(ko, ko_len, MODFILE_SIZE_MAX, &plain, err) == 0);
	CHECK(parse(data, len, MODFILE_SIZE_MAX, &mf, err) == 0);
	if (!plain || !mf) {
		fprintf(stderr, "  %s: %s\n", decompress__name(want), err);
		goto out;
	}
	CHECK(mf->packing == want);
	CHECK_U64(mf->n, plain->n);
	for (size_t i = 0; i < mf->n && i < plain->n; i++)
		CHECK(strcmp(mf->syms[i].name, plain->syms[i].name) == 0 &&
		      mf->syms[i].size == plain->syms[i].size);
	/* a bound on the decompressed size below the module's own */
	modfile__free(mf);
	mf = NULL;
	CHECK(parse(data, len, 1024, &mf, err) == -EINVAL);
	CHECK(strstr(err, "once decompressed: not a kernel module") != NULL);
	/* cut short, and one byte changed in the middle */
	CHECK(parse(data, len / 2, MODFILE_SIZE_MAX, &mf, err) == -EINVAL);
	CHECK(strstr(err, "truncated") || strstr(err, "corrupt"));
	{
		unsigned char *bad = malloc(len);

		memcpy(bad, data, len);
		bad[len / 2] ^= 0x55;
		CHECK(parse(bad, len, MODFILE_SIZE_MAX, &mf, err) == -EINVAL);
		CHECK(strstr(err, "corrupt") != NULL);
		CHECK(strchr(err, '\n') == NULL);
		free(bad);
	}
	CHECK(mf == NULL);
out:
	modfile__free(plain);
	modfile__free(mf);
}

static void test_packed(void)
{
	size_t cap = ko_len * 2 + 1024, len = 0;
	unsigned char *out = malloc(cap);
	z_stream z = { 0 };

	/* xz with a CRC32 check, as the kernel's build compresses modules */
	CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, ko, ko_len, out, &len, cap) ==
	      LZMA_OK);
	check_packed(out, len, PACK_XZ);

	{ /* with the content checksum, as the zstd program writes it */
		ZSTD_CCtx *cc = ZSTD_createCCtx();

		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		len = ZSTD_compress2(cc, out, cap, ko, ko_len);
		CHECK(!ZSTD_isError(len));
		ZSTD_freeCCtx(cc);
	}
	check_packed(out, len, PACK_ZSTD);

	CHECK(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = ko;
	z.avail_in = (uInt)ko_len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	len = z.total_out;
	deflateEnd(&z);
	check_packed(out, len, PACK_GZIP);
	free(out);
}

/* Each corrupt file gets one line saying what is wrong, and nothing else. */
static void bad(const void *data, size_t len, const char *want)
{
	struct modfile *mf = NULL;
	char err[MODFILE_ERR_LEN];

	CHECK(parse(data, len, MODFILE_SIZE_MAX, &mf, err) == -EINVAL);
	CHECK(mf == NULL);
	CHECK(strstr(err, want) != NULL && strchr(err, '\n') == NULL);
	if (!strstr(err, want))
		fprintf(stderr, "  got \"%s\", want \"%s\"\n", err, want);
	modfile__free(mf);
}

static void test_corrupt(void)
{
	unsigned char *buf = malloc(ko_len);
	size_t self_len;
	void *self = slurp("/proc/self/exe", &self_len);

	bad("", 0, "not an ELF file");
	bad("hello, world\n", 13, "not an ELF file");
	bad(ko, 40, "not an ELF file"); /* less than an ELF header */
	bad(ko, ko_len / 2, "truncated ELF file"); /* the section table is at the end */
	/* the test binary: an ELF file, but no module */
	bad(self, self_len, "(ET_DYN), not a kernel module (a relocatable object, ET_REL)");
	/* no symbol table: e_shnum 0 */
	memcpy(buf, ko, ko_len);
	buf[60] = buf[61] = 0; /* e_shnum of an ELF64 header */
	bad(buf, ko_len, "no symbol table");
	free(buf);
	free(self);
}

/* The fixture module chained to the basic table as a module not loaded. */
static void test_chained(void)
{
	char path[4096], err[SPEC_ERR_LEN];
	struct ksyms_load_result res;
	struct modfile *mf = NULL;
	struct candidates c = { 0 };
	struct spec sp;
	struct ksyms *t;
	size_t lo, hi, mods;
	int fix;
	uint32_t count;

	snprintf(path, sizeof(path), "%s/basic.kallsyms", dir);
	t = ksyms__load(path, NULL, &res);
	CHECK(t && parse(ko, ko_len, MODFILE_SIZE_MAX, &mf, err) == 0);
	if (!t || !mf)
		goto out;
	mods = ksyms__mod_count(t);
	CHECK(ksyms__add_unloaded(t, "fixmod", mf->syms, mf->n) == 0);
	CHECK(ksyms__add_unloaded(t, "fixmod", mf->syms, mf->n) == -EEXIST);
	CHECK(ksyms__add_unloaded(t, "dummy", mf->syms, mf->n) == -EEXIST);
	/* a second one, found with '-' for '_' */
	CHECK(ksyms__add_unloaded(t, "snd_fix", mf->syms, 2) == 0);
	CHECK_U64(ksyms__mod_count(t), mods + 2);
	fix = ksyms__mod_find(t, "fixmod");
	CHECK_U64(fix, mods);
	CHECK_U64(ksyms__mod_find(t, "snd-fix"), mods + 1);
	CHECK(!ksyms__mod_loaded(t, fix) && ksyms__mod_loaded(t, KSYMS_CORE_MOD));
	CHECK_STR(ksyms__mod_name(t, (uint16_t)fix), "fixmod");
	CHECK_STR(ksyms__mod_name(t, (uint16_t)(mods + 1)), "snd_fix");
	/* the table's own queries never see it */
	CHECK_U64(ksyms__by_name(t, "fix_dup", &lo, &hi), 0);

	/* MOD:NAME resolves in it, numbered within it; names answer through T */
	CHECK(spec__parse("fixmod:fix_dup", &sp, err, sizeof(err)) == 0);
	CHECK(spec__resolve(&sp, t, NULL, &c, err, sizeof(err)) == SPEC_RES_OK);
	spec__free(&sp);
	CHECK_U64(c.n, 2);
	for (size_t i = 0; i < c.n; i++) {
		const struct ksym *s = c.v[i].sym;

		CHECK(!ksym_loaded(s) && c.v[i].index == i + 1 && c.v[i].count == 2);
		CHECK_STR(ksyms__name(t, s), "fix_dup");
		CHECK_STR(ksyms__mod_name(t, s->mod), "fixmod");
		CHECK(ksyms__owner(t, s) != t);
		CHECK(ksyms__instance(t, s, &(struct ksyms_filter){ KSYMS_ANY_MOD, true }, &count) ==
		      i + 1 && count == 2);
		CHECK_U64(s->size, find(mf, "fix_dup", (int)i)->size); /* the ELF size */
	}
	/* /SIZE picks by the ELF size */
	snprintf(path, sizeof(path), "fixmod:fix_dup+0x1/%u", find(mf, "fix_dup", 1)->size);
	candidates__free(&c);
	CHECK(spec__parse(path, &sp, err, sizeof(err)) == 0);
	CHECK(spec__resolve(&sp, t, NULL, &c, err, sizeof(err)) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 2);
	spec__free(&sp);
	candidates__free(&c);
	/* no address yet: @ADDR, and an address in it, say so */
	CHECK(spec__parse("fixmod:fix_dup@0x10", &sp, err, sizeof(err)) == 0);
	CHECK(spec__resolve(&sp, t, NULL, &c, err, sizeof(err)) == SPEC_RES_NOT_LOADED);
	CHECK(strstr(err, "module fixmod is not loaded: its functions have no addresses yet") != NULL);
	spec__free(&sp);
	CHECK(spec__parse("0x10", &sp, err, sizeof(err)) == 0);
	CHECK(spec__resolve(&sp, t, &(struct resolve_opts){ .mod = "fixmod" }, &c, err,
			    sizeof(err)) == SPEC_RES_NOT_LOADED);
	spec__free(&sp);
	/* and the kallsyms table's numbering has not moved */
	CHECK(spec__parse("c_start", &sp, err, sizeof(err)) == 0);
	CHECK(spec__resolve(&sp, t, NULL, &c, err, sizeof(err)) == SPEC_RES_OK);
	CHECK(c.n == 4 && c.v[3].count == 4);
	spec__free(&sp);
	candidates__free(&c);
out:
	modfile__free(mf);
	ksyms__free(t);
}

int main(int argc, char **argv)
{
	char path[4096];

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	snprintf(path, sizeof(path), "%s/modules/fixmod.ko", dir);
	ko = slurp(path, &ko_len);
	CHECK(ko_len > 1000);
	test_read();
	test_packed();
	test_corrupt();
	test_chained();
	free(ko);
	return check_report("test_modfile");
}
