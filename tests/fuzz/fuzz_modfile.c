// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as a module file (.ko, .ko.xz, .ko.zst, .ko.gz) ->
 * modfile__parse, through the decompressors and libelf, and what it reads
 * chained to a small table as a module that is not loaded.
 *
 * Checks what modfile.h promises: a refused file leaves one line and nothing
 * allocated; an accepted one names its module as the kernel would (1 to 55
 * bytes of [A-Za-z0-9_]) and holds only symbols kallsyms could print (names
 * of 1 to 511 printable bytes, sections below 65536, a kallsyms letter); the
 * table takes them all, 'MOD:*' resolves to every one of them, each unloaded,
 * numbered within its count, and the kallsyms table's own answers do not move. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "fuzz_common.h"
#include "modfile.h"
#include "spec.h"

static const char table_text[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000110 t c_start\n"
	"ffffffff81000180 t c_start\n"
	"ffffffff810002c0 T _etext\n"
	"ffffffffc0395000 t c_start\t[dummy]\n";

/* 4 MiB decompressed: every shape of ELF fits, and a bomb stops early */
#define FUZZ_MAX (4UL << 20)

static bool module_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > MODFILE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static void check_symbols(const struct modfile *mf)
{
	for (size_t i = 0; i < mf->n; i++) {
		const struct ksyms_modsym *s = &mf->syms[i];
		size_t len = strlen(s->name);

		CHECK(len >= 1 && len <= KSYMS_NAME_MAX);
		for (size_t k = 0; k < len; k++)
			CHECK(ksym_name_byte((unsigned char)s->name[k]));
		CHECK(s->section > 0 && s->section < 0x10000);
		CHECK(s->type && strchr("tTdDrRbBaAwWvV", s->type));
	}
}

/* MF chained to a fresh table: every symbol resolvable as MOD:*, numbered. */
static void check_table(const struct modfile *mf)
{
	struct ksyms_load_result res;
	struct ksyms *t = fuzz_load((const uint8_t *)table_text, sizeof(table_text) - 1, false,
				    false, &res);
	char text[MODFILE_NAME_MAX + 8], err[SPEC_ERR_LEN];
	struct candidates c = { 0 };
	struct spec sp;
	int r;

	CHECK(t);
	r = ksyms__add_unloaded(t, mf->name, mf->syms, mf->n);
	/* "dummy" is in the table: a file may name itself so */
	CHECK(r == 0 || r == -ENOMEM || (r == -EEXIST && strcmp(mf->name, "dummy") == 0));
	if (r == 0 && mf->n) {
		snprintf(text, sizeof(text), "%s:*", mf->name);
		CHECK(spec__parse(text, &sp, err, sizeof(err)) == 0);
		CHECK(spec__resolve(&sp, t, NULL, &c, err, sizeof(err)) == SPEC_RES_OK);
		CHECK(c.n == mf->n);
		for (size_t i = 0; i < c.n; i++) {
			CHECK(!ksym_loaded(c.v[i].sym));
			CHECK(c.v[i].index >= 1 && c.v[i].index <= c.v[i].count);
			CHECK(strcmp(ksyms__mod_name(t, c.v[i].sym->mod), mf->name) == 0);
		}
		candidates__free(&c);
		spec__free(&sp);
		/* the kallsyms table answers as before */
		CHECK(spec__parse("c_start", &sp, err, sizeof(err)) == 0);
		CHECK(spec__resolve(&sp, t, NULL, &c, err, sizeof(err)) == SPEC_RES_OK);
		CHECK(c.n == 3 && c.v[2].count == 3);
		candidates__free(&c);
		spec__free(&sp);
	}
	ksyms__free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *copy = malloc(size ? size : 1);
	struct modfile *mf = NULL;
	char err[MODFILE_ERR_LEN] = "";
	int r;

	CHECK(copy);
	memcpy(copy, data, size);
	r = modfile__parse(copy, size, FUZZ_MAX, "fuzz_mod", &mf, err, sizeof(err));
	free(copy);
	if (r) {
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(!mf);
		CHECK(r == -ENOMEM || message_ok(err, sizeof(err)));
		return 0;
	}
	CHECK(mf && module_name_ok(mf->name));
	check_symbols(mf);
	check_table(mf);
	modfile__free(mf);
	return 0;
}
