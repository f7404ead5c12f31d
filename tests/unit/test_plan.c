// SPDX-License-Identifier: GPL-2.0
/* The probe plan on the attach fixture, and at the engine's limit: 65,535 probes
 * added twice, deduped and merged, which the quadratic list of old took minutes
 * for (see the commit that made it O(n log n)). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "fixture_sym.h"
#include "log.h"
#include "plan.h"

static struct ksyms *t;

static const struct ksym *sym(const char *name, unsigned int n, const char *mod)
{
	return fixture_sym(t, name, n, mod);
}

/* What the plan says on stderr, at log level LEVEL, between capture() and
 * said(); check_said() looks in the last of it. */
static int saved_stderr = -1;
static FILE *captured;
static char *text;

static void capture(int level)
{
	fflush(stderr);
	captured = tmpfile();
	saved_stderr = dup(STDERR_FILENO);
	if (!captured || saved_stderr < 0 || dup2(fileno(captured), STDERR_FILENO) < 0) {
		perror("capturing stderr");
		exit(1);
	}
	log_level = level;
}

static void said(void)
{
	size_t len = 0;
	FILE *m;
	int ch;

	log_level = LOG_QUIET;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	free(text);
	text = NULL;
	m = open_memstream(&text, &len);
	rewind(captured);
	while (m && (ch = fgetc(captured)) != EOF)
		fputc(ch, m);
	fclose(captured);
	if (!m || fclose(m)) {
		perror("reading stderr back");
		exit(1);
	}
}

static void check_said(const char *want)
{
	CHECK(strstr(text, want) != NULL);
	if (!strstr(text, want))
		fprintf(stderr, "  said: %s\n  want: %s\n", text, want);
}

static int add(struct plan *pl, const struct ksym *s, uint64_t off, bool ret)
{
	struct target tg = { .sym = s, .off = off };

	return plan__add(pl, &tg, ret, "spec");
}

static void test_add(void)
{
	struct plan *pl = plan__new(t);
	const struct probe *p;

	CHECK(add(pl, sym("c_start", 2, "vmlinux"), 0, false) == 0);
	CHECK(add(pl, sym("c_start", 1, "dummy"), 0, false) == 0);
	CHECK(add(pl, sym("vfs_read", 1, "vmlinux"), 0x10, false) == 0);
	CHECK(add(pl, sym("vfs_read", 1, "vmlinux"), 0x10, true) == 0);
	/* the same place again is one probe */
	CHECK(add(pl, sym("c_start", 2, "vmlinux"), 0, false) == 1);
	CHECK(add(pl, sym("vfs_read", 1, "vmlinux"), 0x10, true) == 1);
	CHECK_U64(plan__count(pl), 4);

	p = plan__probe(pl, 0);
	/* numbered among every function of the name, the module's copy included */
	CHECK_STR(p->label, "c_start#2");
	CHECK_U64(p->index, 2);
	CHECK_U64(p->count, 4);
	CHECK_U64(p->addr, 0xffffffff810015c0);
	CHECK_STR(p->spec, "spec");
	CHECK_STR(plan__probe(pl, 1)->label, "c_start#4");
	/* the kernel can be told "dummy:c_start" (one in dummy), never a core
	 * kernel symbol by name: MOD:SYM events are for modules */
	CHECK(plan__probe(pl, 1)->mod_unique);
	CHECK(!plan__probe(pl, 0)->mod_unique);
	p = plan__probe(pl, 3);
	CHECK_STR(p->label, "vfs_read+0x10");
	CHECK_U64(p->addr, 0xffffffff81001020);
	CHECK(p->ret);
	CHECK(plan__probe(pl, 4) == NULL);
	CHECK(plan__probe(pl, 0xffffffffu) == NULL); /* KT_PROBE_UNKNOWN */
	CHECK(plan__table(pl) == t);
	plan__free(pl);
}

static void test_merge(void)
{
	struct plan *pl = plan__new(t);
	const struct ksym *rd = sym("vfs_read", 1, "vmlinux"), *wr = sym("vfs_write", 1, "vmlinux");
	uint64_t gap = wr->addr - rd->addr;

	/* vfs_read+GAP is vfs_write's start: one probe per address and kind, the
	 * first added; a kretprobe there is another probe */
	CHECK(add(pl, wr, 0, false) == 0);
	CHECK(add(pl, sym("c_start", 1, "vmlinux"), 0, false) == 0);
	CHECK(add(pl, rd, gap, false) == 0);
	CHECK(add(pl, wr, 0, true) == 0);
	CHECK_U64(plan__count(pl), 4);
	capture(LOG_NORMAL);
	CHECK(plan__merge_same_addr(pl) == 1);
	said();
	check_said("ksymtrace: vfs_read+0x1f0 is vfs_write's address: one probe there\n");
	CHECK_U64(plan__count(pl), 3);
	CHECK_STR(plan__probe(pl, 0)->label, "vfs_write");
	CHECK_STR(plan__probe(pl, 1)->label, "c_start#1");
	CHECK_STR(plan__probe(pl, 2)->label, "vfs_write");
	CHECK(plan__probe(pl, 2)->ret);
	/* what is left is still known: the same place is still refused */
	CHECK(add(pl, wr, 0, true) == 1);
	CHECK(add(pl, rd, gap, false) == 0); /* merged away, so new again */
	CHECK(plan__merge_same_addr(pl) == 1);
	CHECK(plan__merge_same_addr(pl) == 0);
	plan__free(pl);
}

static void test_refuse(void)
{
	struct plan *pl = plan__new(t);

	/* a kretprobe at an offset, and [bpf] code: refused even with --force */
	CHECK(add(pl, sym("vfs_read", 1, "vmlinux"), 0x10, true) == 0);
	CHECK(add(pl, sym("c_start", 1, "vmlinux"), 0, false) == 0);
	CHECK(add(pl, sym("bpf_prog_6deef7357e7b4530_sd_fw_ingress", 1, "bpf"), 0, false) == 0);
	capture(LOG_QUIET);
	CHECK(plan__refuse(pl, NULL, true, false) == -1);
	said();
	check_said("ksymtrace: vfs_read+0x10: a kretprobe goes on a function's entry");
	check_said("ksymtrace: bpf_prog_6deef7357e7b4530_sd_fw_ingress: lives in [bpf]");
	check_said("HINT: --skip-failed goes on without the refused probes\n");
	CHECK_U64(plan__count(pl), 3); /* without --skip-failed the plan stays whole */
	capture(LOG_NORMAL);
	CHECK(plan__refuse(pl, NULL, true, true) == 0);
	said();
	check_said("ksymtrace: warning: skipping 2 of 3 probes: vfs_read+0x10%return, bpf_prog_6deef7357e7b4530_sd_fw_ingress\n");
	CHECK_U64(plan__count(pl), 1);
	CHECK_STR(plan__probe(pl, 0)->label, "c_start#1");
	CHECK(add(pl, sym("c_start", 1, "vmlinux"), 0, false) == 1);
	CHECK(plan__refuse(pl, NULL, false, true) == 0);
	plan__free(pl);

	pl = plan__new(t);
	CHECK(add(pl, sym("vfs_read", 1, "vmlinux"), 0x10, true) == 0);
	capture(LOG_QUIET);
	CHECK(plan__refuse(pl, NULL, false, true) == -1); /* nothing left */
	said();
	check_said("ksymtrace: every probe was refused: nothing to attach\n");
	CHECK_U64(plan__count(pl), 0);
	plan__free(pl);
}

/* ---- at the engine's limit ------------------------------------------------------ */

#define MANY 65535u /* KT_PROBES_MAX - 1 */

/* A table of MANY functions, two names at each address: f00000 and f00001 at
 * the first, and so on. */
static struct ksyms *many_table(void)
{
	char path[] = "/tmp/test_plan.XXXXXX";
	struct ksyms_load_result res;
	struct ksyms *m;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (unsigned i = 0; i < MANY; i++)
		fprintf(f, "%016llx t f%05u\n", 0xffffffff81000000ull + 16 * (i / 2), i);
	fprintf(f, "%016llx T _etext\n", 0xffffffff81000000ull + 16 * (MANY / 2 + 1));
	fclose(f);
	m = ksyms__load(path, NULL, &res);
	unlink(path);
	if (!m) {
		fprintf(stderr, "cannot load the generated table: %s\n", ksyms__strerror(&res));
		exit(1);
	}
	return m;
}

static void test_many(void)
{
	struct ksyms *m = many_table();
	struct plan *pl = plan__new(m);
	size_t added = 0, again = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < ksyms__count(m); i++) {
			const struct ksym *s = ksyms__at(m, i);
			struct target tg = { .sym = s };
			int r;

			if (s->type != 't')
				continue;
			r = plan__add(pl, &tg, false, "f*");
			added += r == 0;
			again += r == 1;
		}
	}
	CHECK_U64(added, MANY);
	CHECK_U64(again, MANY);
	CHECK_U64(plan__count(pl), MANY);
	CHECK(plan__merge_same_addr(pl) == (int)(MANY / 2));
	CHECK_U64(plan__count(pl), MANY / 2 + 1);
	/* the first name at each address stays, in the order added */
	CHECK_STR(plan__probe(pl, 0)->label, "f00000");
	CHECK_STR(plan__probe(pl, MANY / 2)->label, "f65534");
	for (size_t i = 1; i < plan__count(pl); i++)
		if (plan__probe(pl, i)->addr <= plan__probe(pl, i - 1)->addr)
			CHECK(!"merged probes out of order");
	plan__free(pl);

	/* one function, MANY offsets: one place each */
	pl = plan__new(m);
	added = 0;
	for (uint64_t off = 0; off < MANY; off++) {
		struct target tg = { .sym = ksyms__at(m, 0), .off = off };

		added += plan__add(pl, &tg, false, "f00000") == 0;
	}
	CHECK_U64(added, MANY);
	CHECK_U64(plan__count(pl), MANY);
	CHECK(plan__merge_same_addr(pl) == 0);
	plan__free(pl);
	ksyms__free(m);
}

int main(int argc, char **argv)
{
	char path[4096];
	struct ksyms_load_result res;

	snprintf(path, sizeof(path), "%s/attach.kallsyms", argc > 1 ? argv[1] : "tests/fixtures");
	t = ksyms__load(path, NULL, &res);
	if (!t) {
		fprintf(stderr, "cannot load %s: %s\n", path, ksyms__strerror(&res));
		return 1;
	}
	log_level = LOG_QUIET; /* the plan's notes and refusals are for users */
	test_add();
	test_merge();
	test_refuse();
	test_many();
	ksyms__free(t);
	free(text);
	return check_report("test_plan");
}
