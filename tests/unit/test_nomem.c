// SPDX-License-Identifier: GPL-2.0
/* Running out of memory during a query is reported as "out of memory", never as
 * "no such symbol" or "no symbol matches": those would send the user looking for
 * a typo that is not there.
 *
 * The seam is the linker's, so the code under test has no hook: this program is
 * linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup, which
 * sends every call of those in the objects linked into it (ksymcore included)
 * through the wrappers below. Once the table is loaded, every allocation fails, and each
 * query must either need none or say why it failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "modfile.h"
#include "spec.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static bool failing;
/* > 0: the allocation that brings it to 0 fails, and every one after it */
static int fail_countdown;

static bool fail_now(void)
{
	if (fail_countdown > 0 && --fail_countdown == 0)
		failing = true;
	return failing;
}

void *__wrap_malloc(size_t n)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	if (fail_now()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

static const char *dir;

static struct ksyms *load(void)
{
	char path[4096];
	struct ksyms_load_result res;
	struct ksyms *t;

	snprintf(path, sizeof(path), "%s/basic.kallsyms", dir);
	t = ksyms__load(path, NULL, &res);
	CHECK(t != NULL);
	return t;
}

/* SPEC names symbols that exist: under failing allocations its resolution may
 * only fail with "out of memory". */
static void resolve_nomem(const char *text, bool funcs_only)
{
	struct ksyms *t = load();
	struct spec sp;
	struct candidates c = { 0 };
	struct resolve_opts ro = { .funcs_only = funcs_only };
	char err[SPEC_ERR_LEN] = "";
	enum spec_res r;

	if (!t)
		return;
	CHECK(spec__parse(text, &sp, err, sizeof(err)) == 0);
	failing = true;
	r = spec__resolve(&sp, t, &ro, &c, err, sizeof(err));
	failing = false;
	CHECK(r == SPEC_RES_NOMEM); /* a candidate list needs memory */
	if (!strstr(err, "out of memory")) {
		check_failures++;
		fprintf(stderr, "%s:%d: %s: \"%s\", expected \"out of memory\"\n", __FILE__,
			__LINE__, text, err);
	}
	CHECK(c.n == 0);
	candidates__free(&c);
	spec__free(&sp);
	ksyms__free(t);
}

static int count_one(const struct target *tg, void *arg)
{
	(void)tg;
	++*(int *)arg;
	return 0;
}

/* list's walk: a failure, not an empty list */
static void each_match_nomem(const char *glob)
{
	struct ksyms *t = load();
	struct ksyms_filter f = { .mod = KSYMS_ANY_MOD, .funcs_only = true };
	int seen = 0, r;

	if (!t)
		return;
	failing = true;
	r = spec__each_match(t, glob, &f, count_one, &seen);
	failing = false;
	CHECK(r == -ENOMEM || (r > 0 && r == seen));
	CHECK(r != 0);
	ksyms__free(t);
}

/* parsing needs no table, but memory for its copies: exit 1, not a usage error */
static void parse_nomem(const char *text)
{
	struct spec sp;
	char err[SPEC_ERR_LEN] = "";
	int r;

	failing = true;
	r = spec__parse(text, &sp, err, sizeof(err));
	failing = false;
	CHECK(r == -ENOMEM);
	CHECK_STR(err, "out of memory");
	CHECK(sp.text == NULL && sp.name == NULL && sp.mod == NULL);
}

/* A module file read, and its table chained, with the Nth allocation failing
 * for every N until none fails: each failure is -ENOMEM ("out of memory"),
 * never a reason that would send the user to the file, and the table it was to
 * join stays whole. (libelf's and the decompressors' own allocations are not
 * wrapped: theirs are their libraries'.) */
static void modfile_nomem(const char *file)
{
	char path[4096], err[MODFILE_ERR_LEN];
	int done = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	for (int n = 1; !done && n < 200; n++) {
		struct ksyms *t = load();
		struct modfile *mf = NULL;
		int r;

		if (!t)
			return;
		fail_countdown = n;
		r = modfile__read(path, &mf, err, sizeof(err));
		if (!r)
			r = ksyms__add_unloaded(t, mf->name, mf->syms, mf->n);
		done = fail_countdown > 0; /* nothing failed: every step has been tried */
		fail_countdown = 0;
		failing = false;
		CHECK(r == 0 || r == -ENOMEM);
		if (r == -ENOMEM && !mf)
			CHECK_STR(err, "out of memory");
		CHECK(ksyms__mod_find(t, "fixmod") == (r == 0 ? (int)ksyms__mod_count(t) - 1 : -1));
		modfile__free(mf);
		ksyms__free(t);
	}
	CHECK(done);
}

int main(int argc, char **argv)
{
	dir = argc > 1 ? argv[1] : "tests/fixtures";
	resolve_nomem("c_start", false);
	resolve_nomem("vfs_read", true);
	resolve_nomem("dummy:c_start", true);
	resolve_nomem("c_*", true);
	resolve_nomem("tcp_fastopen_init", true); /* offered through its clone */
	resolve_nomem("0xffffffff81000231", true);
	resolve_nomem("c_start#2", true);
	each_match_nomem("c_*");
	each_match_nomem(NULL);
	parse_nomem("vfs_read");
	parse_nomem("dummy:c_start+0x4");
	modfile_nomem("modules/fixmod.ko");
	return check_report("test_nomem");
}
