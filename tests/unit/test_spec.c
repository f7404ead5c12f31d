// SPDX-License-Identifier: GPL-2.0
/* The spec grammar and its resolution against the basic fixture. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "log.h"
#include "parse.h"
#include "spec.h"

static struct ksyms *t;

static void parse_ok(const char *text, const char *mod, const char *name, uint64_t off,
		     uint32_t inst, bool ret)
{
	struct spec sp;
	char err[SPEC_ERR_LEN] = "";
	int r = spec__parse(text, &sp, err, sizeof(err));

	CHECK(r == 0);
	if (r) {
		fprintf(stderr, "  parse_ok(\"%s\"): %s\n", text, err);
		return;
	}
	CHECK(mod ? sp.mod && strcmp(sp.mod, mod) == 0 : sp.mod == NULL);
	CHECK(name ? sp.name && strcmp(sp.name, name) == 0 : sp.name == NULL);
	CHECK_U64(sp.off, off);
	CHECK_U64(sp.inst, inst);
	CHECK(sp.ret == ret);
	CHECK_STR(sp.text, text);
	spec__free(&sp);
}

/* Every rejected spec gets one line that contains WANT. */
static void parse_bad(const char *text, const char *want)
{
	struct spec sp;
	char err[SPEC_ERR_LEN] = "";
	int r = spec__parse(text, &sp, err, sizeof(err));

	CHECK(r == -EINVAL);
	CHECK(strstr(err, want) != NULL);
	CHECK(strchr(err, '\n') == NULL);
	if (r != -EINVAL || !strstr(err, want))
		fprintf(stderr, "  parse_bad(\"%s\"): got \"%s\", want \"%s\"\n", text, err, want);
}

static void test_parse(void)
{
	struct spec sp;
	char err[SPEC_ERR_LEN];

	parse_ok("vfs_read", NULL, "vfs_read", 0, 0, false);
	parse_ok("vfs_read+0x21", NULL, "vfs_read", 0x21, 0, false);
	parse_ok("vfs_read+33", NULL, "vfs_read", 33, 0, false);
	parse_ok("dummy:dummy_get_stats64", "dummy", "dummy_get_stats64", 0, 0, false);
	parse_ok("vmlinux:c_start+4#2", "vmlinux", "c_start", 4, 2, false);
	parse_ok("c_start#2", NULL, "c_start", 0, 2, false);
	parse_ok("vfs_read%return", NULL, "vfs_read", 0, 0, true);
	parse_ok("kprobe:vfs_read+0x10", NULL, "vfs_read", 0x10, 0, false);
	parse_ok("kprobe:dummy:dummy_get_stats64", "dummy", "dummy_get_stats64", 0, 0, false);
	parse_ok("kretprobe:vfs_read", NULL, "vfs_read", 0, 0, true);
	parse_ok("foo.isra.0", NULL, "foo.isra.0", 0, 0, false);
	parse_ok("vfs_*", NULL, "vfs_*", 0, 0, false);

	CHECK(spec__parse("c_start@0xffffffff81000280", &sp, err, sizeof(err)) == 0);
	CHECK(sp.has_at && sp.at == 0xffffffff81000280);
	spec__free(&sp);
	CHECK(spec__parse("0xffffffff81000121", &sp, err, sizeof(err)) == 0);
	CHECK(sp.is_addr && sp.addr == 0xffffffff81000121 && !sp.name);
	spec__free(&sp);
	CHECK(spec__parse("0xffffffff81000110%return", &sp, err, sizeof(err)) == 0);
	CHECK(sp.is_addr && sp.ret);
	spec__free(&sp);
	CHECK(spec__parse("4096", &sp, err, sizeof(err)) == 0);
	CHECK(sp.is_addr && sp.addr == 4096);
	spec__free(&sp);
	CHECK(spec__parse("c_*", &sp, err, sizeof(err)) == 0);
	CHECK(sp.glob);
	spec__free(&sp);

	parse_bad("", "empty spec");
	parse_bad("+", "missing offset");
	parse_bad("foo+", "missing offset");
	parse_bad("foo+0x", "missing hex digits");
	parse_bad("foo+-1", "bad offset after '+' '-1'");
	parse_bad("foo+99999999999999999999", "out of range");
	parse_bad("foo+0x10000000000000000", "out of range");
	parse_bad("foo#0", "instance numbers start at 1");
	parse_bad("foo#", "missing instance number");
	parse_bad("foo#x", "bad instance number");
	parse_bad("foo#99999999999", "out of range");
	parse_bad("foo@0xzz", "bad address after '@' '0xzz'");
	parse_bad(":foo", "empty module name");
	parse_bad("a:b:c", "too many ':'");
	parse_bad("%return", "empty symbol name");
	parse_bad("foo%ret", "unknown suffix '%ret'");
	parse_bad("kretprobe:foo%return", "say the same thing");
	parse_bad("foo#1@0x10", "not both");
	parse_bad("vfs_*#2", "not of a glob");
	parse_bad("0x10+4", "an address takes no +OFF");
	parse_bad("0xzz", "bad address");
	parse_bad("dummy:0x10", "an address needs no module");
	/* kprobe: is taken once: a second one is a module name, as for names */
	parse_bad("kprobe:kprobe:0x10", "an address needs no module: drop 'kprobe:'");
	parse_ok("kprobe:0x10", NULL, NULL, 0, 0, false);
	parse_bad("foo bar", "spaces");
	parse_bad("foo\tbar", "spaces");

	/* names longer than the kernel's are refused before any lookup */
	{
		char *longname = malloc(600);

		memset(longname, 'a', 599);
		longname[599] = '\0';
		parse_bad(longname, "longer than 511 bytes");
		free(longname);
	}
}

static enum spec_res resolve(const char *text, const struct resolve_opts *o,
			     struct candidates *c, char *err)
{
	struct spec sp;
	enum spec_res r;

	memset(c, 0, sizeof(*c));
	err[0] = '\0';
	if (spec__parse(text, &sp, err, SPEC_ERR_LEN)) {
		fprintf(stderr, "  resolve(\"%s\"): does not parse: %s\n", text, err);
		return SPEC_RES_NOT_FOUND;
	}
	r = spec__resolve(&sp, t, o, c, err, SPEC_ERR_LEN);
	spec__free(&sp);
	return r;
}

/* Instances: numbered within the filter; #N, @ADDR, --addr, --module pick. */
static void test_resolve(void)
{
	struct candidates c;
	char err[SPEC_ERR_LEN];

	/* all instances, address order, numbered within the filter */
	CHECK(resolve("c_start", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 4);
	CHECK_U64(c.v[0].index, 1);
	CHECK_U64(c.v[3].index, 4);
	CHECK_U64(c.v[3].count, 4);
	CHECK_U64(c.v[3].sym->addr, 0xffffffffc0395040);
	candidates__free(&c);

	CHECK(resolve("vmlinux:c_start", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 3);
	CHECK_U64(c.v[2].index, 3);
	CHECK_U64(c.v[2].count, 3);
	candidates__free(&c);

	CHECK(resolve("dummy:c_start", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 1);
	CHECK_U64(c.v[0].count, 1);
	candidates__free(&c);

	/* --module does what MOD: does, and they must agree */
	{
		struct resolve_opts m = { .mod = "dummy" };

		CHECK(resolve("c_start", &m, &c, err) == SPEC_RES_OK);
		CHECK_U64(c.n, 1);
		candidates__free(&c);
		CHECK(resolve("vmlinux:c_start", &m, &c, err) == SPEC_RES_NO_MODULE);
		CHECK(strstr(err, "contradicts --module dummy") != NULL);
		candidates__free(&c);
	}

	CHECK(resolve("c_start#2", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 1);
	CHECK_U64(c.v[0].sym->addr, 0xffffffff81000280);
	CHECK_U64(c.v[0].index, 2);
	CHECK_U64(c.v[0].count, 4);
	candidates__free(&c);

	CHECK(resolve("c_start#5", NULL, &c, err) == SPEC_RES_BAD_INSTANCE);
	CHECK(strstr(err, "has only 4 instances") != NULL);
	candidates__free(&c);

	CHECK(resolve("c_start+8@0xffffffff81000480", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 1);
	CHECK_U64(c.v[0].index, 3);
	CHECK_U64(c.v[0].off, 8);
	candidates__free(&c);

	CHECK(resolve("c_start@0xffffffff81000484", NULL, &c, err) == SPEC_RES_NO_AT);
	CHECK(strstr(err, "0xffffffff81000230, 0xffffffff81000280") != NULL);
	candidates__free(&c);

	{
		struct resolve_opts at = { .has_at = true, .at = 0xffffffff81000230 };

		CHECK(resolve("c_start", &at, &c, err) == SPEC_RES_OK);
		CHECK_U64(c.n, 1);
		CHECK_U64(c.v[0].index, 1);
		candidates__free(&c);
	}
}

/* Names, clones, globs, types, and what is not found. */
static void test_resolve_names(void)
{
	struct resolve_opts funcs = { .funcs_only = true };
	struct candidates c;
	char err[SPEC_ERR_LEN];

	/* no exact match: compiler clones, marked; never a lookalike such as bar_real */
	CHECK(resolve("bar", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 3);
	for (size_t i = 0; i < c.n; i++) {
		CHECK(c.v[i].clone);
		CHECK(strcmp(ksyms__name(t, c.v[i].sym), "bar_real") != 0);
	}
	candidates__free(&c);
	CHECK(resolve("tcp_fastopen_init", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 1);
	CHECK(c.n == 1 && c.v[0].clone);
	candidates__free(&c);
	/* an exact match hides clones */
	CHECK(resolve("vfs_read", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && !c.v[0].clone);
	candidates__free(&c);

	/* globs */
	CHECK(resolve("c_st*", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 5);
	candidates__free(&c);
	CHECK(resolve("*read*", &funcs, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 4); /* __pfx_vfs_read, __x64_sys_read_alias, ksys_read, vfs_read */
	candidates__free(&c);
	CHECK(resolve("zz*", NULL, &c, err) == SPEC_RES_NOT_FOUND);
	candidates__free(&c);

	/* functions only: a data symbol of the same name is not counted */
	CHECK(resolve("init_once", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 4);
	candidates__free(&c);
	CHECK(resolve("init_once", &funcs, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 3);
	CHECK_U64(c.v[2].count, 3);
	candidates__free(&c);
	CHECK(resolve("init_task", &funcs, &c, err) == SPEC_RES_NOT_FOUND);
	CHECK(strstr(err, "not a function") != NULL);
	candidates__free(&c);

	/* not found, with the nearest names */
	CHECK(resolve("vfs_reed", NULL, &c, err) == SPEC_RES_NOT_FOUND);
	CHECK(strstr(err, "did you mean: vfs_read") != NULL);
	candidates__free(&c);
	CHECK(resolve("qqqqqqqqqqqqqqqqqqqqqq", NULL, &c, err) == SPEC_RES_NOT_FOUND);
	CHECK(strstr(err, "did you mean") == NULL);
	candidates__free(&c);
	CHECK(resolve("nomod:vfs_read", NULL, &c, err) == SPEC_RES_NO_MODULE);
	CHECK(strstr(err, "no module 'nomod'") != NULL);
	candidates__free(&c);
	CHECK(resolve("dummy:vfs_read", NULL, &c, err) == SPEC_RES_NOT_FOUND);
	CHECK(strstr(err, "in module dummy") != NULL);
	candidates__free(&c);
}

static void test_resolve_addresses(void)
{
	struct resolve_opts funcs = { .funcs_only = true };
	struct candidates c;
	char err[SPEC_ERR_LEN];

	/* addresses: the containing symbol, the offset, every alias at its start */
	CHECK(resolve("0xffffffff81000121", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 1);
	CHECK(c.n == 1 && strcmp(ksyms__name(t, c.v[0].sym), "vfs_read") == 0);
	CHECK_U64(c.v[0].off, 0x11);
	candidates__free(&c);
	CHECK(resolve("0xffffffff810004b0", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 2);
	CHECK_U64(c.v[0].off, 0x10);
	candidates__free(&c);
	CHECK(resolve("0xffffffff81000290", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 2 && c.v[0].count == 4);
	candidates__free(&c);
	/* numbered under the same filter as a name query: dummy's c_start is #4 of
	 * all, #1 in its module; init_once's data copy counts, except for attach */
	CHECK(resolve("0xffffffffc0395041", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 4 && c.v[0].count == 4);
	candidates__free(&c);
	{
		struct resolve_opts m = { .mod = "dummy" };

		CHECK(resolve("0xffffffffc0395041", &m, &c, err) == SPEC_RES_OK);
		CHECK(c.n == 1 && c.v[0].index == 1 && c.v[0].count == 1);
		candidates__free(&c);
	}
	CHECK(resolve("0xffffffffc0200001", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 4 && c.v[0].count == 4);
	candidates__free(&c);
	CHECK(resolve("0xffffffffc0200001", &funcs, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 3 && c.v[0].count == 3);
	candidates__free(&c);
	CHECK(resolve("0xffffffff82001005", NULL, &c, err) == SPEC_RES_NO_ADDR);
	CHECK(strstr(err, "past _end at 0xffffffff82001000 [vmlinux], the last symbol of its module") != NULL);
	candidates__free(&c);
	CHECK(resolve("0xffffffffc0396010", NULL, &c, err) == SPEC_RES_NO_ADDR);
	candidates__free(&c);
	CHECK(resolve("0xffffffff82000004", &funcs, &c, err) == SPEC_RES_NO_ADDR);
	CHECK(strstr(err, "not a function") != NULL);
	candidates__free(&c);

	/* offsets travel with the candidates; the size check is attach's */
	CHECK(resolve("vfs_read+0x21", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.v[0].off, 0x21);
	candidates__free(&c);
}

/* NAME+OFF/SIZE, the kernel's stack-trace form: the instances of that size. */
static void test_sizes(void)
{
	struct candidates c;
	char err[SPEC_ERR_LEN];
	struct spec sp;

	CHECK(spec__parse("c_start+0x10/0x40", &sp, err, sizeof(err)) == 0);
	CHECK(sp.has_off && sp.off == 0x10 && sp.has_size && sp.size == 0x40);
	CHECK_STR(sp.name, "c_start");
	spec__free(&sp);
	CHECK(spec__parse("dummy:c_start+8/64#1%return", &sp, err, sizeof(err)) == 0);
	CHECK(sp.size == 64 && sp.inst == 1 && sp.ret && sp.mod);
	spec__free(&sp);
	parse_bad("c_start/0x40", "/SIZE goes after an offset");
	parse_bad("c_start+0x41/0x40", "offset 0x41 is past the end of a function of 0x40 bytes");
	/* a return address after a call that ends the function: as %pB prints it */
	CHECK(spec__parse("c_start+0x40/0x40", &sp, err, sizeof(err)) == 0);
	spec__free(&sp);
	parse_bad("c_start+0/0", "size 0");
	parse_bad("c_start+0x10/", "missing size after '/'");
	parse_bad("c_start+0x10/0xzz", "bad size after '/' '0xzz'");
	parse_bad("0x10/0x20", "/SIZE goes after an offset");

	/* c_start: 0x30 (#1), 0x40 (#2), 0x20 (#3) in vmlinux, 0x40 (#4) in dummy */
	CHECK(resolve("c_start+0x10/0x40", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 2 && c.v[0].index == 2 && c.v[1].index == 4);
	CHECK(c.n == 2 && c.v[0].off == 0x10 && c.v[1].count == 4);
	candidates__free(&c);
	CHECK(resolve("vmlinux:c_start+0x10/0x40", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].sym->addr == 0xffffffff81000280);
	candidates__free(&c);
	CHECK(resolve("c_start+0x8/0x20", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 3);
	candidates__free(&c);
	CHECK(resolve("c_start+0x10/0x50", NULL, &c, err) == SPEC_RES_BAD_SIZE);
	CHECK(strstr(err, "c_start+0x10/0x50: no c_start is 0x50 bytes long; the sizes are 0x30 (#1), 0x40 (#2), 0x20 (#3), 0x40 (#4)") != NULL);
	CHECK_U64(c.n, 0);
	candidates__free(&c);
	/* #N first, then the size: the one picked must have it */
	CHECK(resolve("c_start+0x8/0x20#1", NULL, &c, err) == SPEC_RES_BAD_SIZE);
	CHECK(strstr(err, "c_start is 0x30 bytes long, not 0x20") != NULL);
	candidates__free(&c);
	CHECK(resolve("c_start+0x8/0x40#4", NULL, &c, err) == SPEC_RES_OK);
	CHECK(c.n == 1 && c.v[0].index == 4);
	candidates__free(&c);
	/* a size that is not known (the last symbol of vmlinux) cannot be ruled out */
	CHECK(resolve("_end+0x1/0x10", NULL, &c, err) == SPEC_RES_OK);
	CHECK_U64(c.n, 1);
	candidates__free(&c);
	/* clones: the message says so */
	CHECK(resolve("bar+0x1/0x1000", NULL, &c, err) == SPEC_RES_BAD_SIZE);
	CHECK(strstr(err, "no bar clone is 0x1000 bytes long") != NULL);
	candidates__free(&c);
}

static void test_suggest(void)
{
	const char *out[3];
	size_t n = ksyms__suggest(t, "c_strat", out, 3);

	CHECK(n >= 1);
	CHECK(n >= 1 && strcmp(out[0], "c_start") == 0);
	CHECK_U64(ksyms__suggest(t, "zzzzzzzzzzzzzzzzzzzzzzzz", out, 3), 0);
}

static void test_numbers(void)
{
	uint64_t v;

	CHECK(parse_u64("0", &v) == 0 && v == 0);
	CHECK(parse_u64("0x0", &v) == 0 && v == 0);
	CHECK(parse_u64("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("0xffffffffffffffff", &v) == 0 && v == UINT64_MAX);
	CHECK(parse_u64("18446744073709551616", &v) == -ERANGE);
	CHECK(parse_u64("0x1ffffffffffffffff", &v) == -ERANGE);
	CHECK(parse_u64("010", &v) == 0 && v == 10); /* decimal, not octal */
	CHECK(parse_u64("", &v) == -EINVAL);
	CHECK(parse_u64("0x", &v) == -EINVAL);
	CHECK(parse_u64("-1", &v) == -EINVAL);
	CHECK(parse_u64(" 1", &v) == -EINVAL);
	CHECK(parse_u64("1 ", &v) == -EINVAL);
	CHECK(parse_u64("12a", &v) == -EINVAL);
}

/* log_quote: what a message may show as it is, and the rest as \xNN; cut to fit */
static void test_quote(void)
{
	char b[LOG_QUOTE_MAX], small[12];

	CHECK_STR(log_quote(b, sizeof(b), "vfs_read+0x10"), "vfs_read+0x10");
	CHECK_STR(log_quote(b, sizeof(b), "a\nb\x1b[31m\x7f"), "a\\x0ab\\x1b[31m\\x7f");
	CHECK_STR(log_quote(b, sizeof(b), "back\\slash"), "back\\\\slash");
	/* C1 raw and in UTF-8; UTF-8 text and other high bytes pass */
	CHECK_STR(log_quote(b, sizeof(b), "\x9b" "1m\xc2\x9b" "1m"), "\\x9b1m\\xc2\\x9b1m");
	CHECK_STR(log_quote(b, sizeof(b), "caf\xc3\xa9 \xe5\x86\x85 \xff"), "caf\xc3\xa9 \xe5\x86\x85 \xff");
	/* a broken sequence: its lead byte alone, what follows judged on its own */
	CHECK_STR(log_quote(b, sizeof(b), "\xe2\x80" "A"), "\xe2\\x80A");
	CHECK_U64(log_safe_span("ok\x1bno"), 2);
	CHECK_U64(log_safe_span("\xc3\xa9\xc2\x85"), 2);
	/* cut with "..." to fit, never mid-escape; what fits whole is not cut */
	CHECK_STR(log_quote(small, sizeof(small), "abcdefghijklmnop"), "abcdefgh...");
	CHECK_STR(log_quote(small, sizeof(small), "abcdefghijk"), "abcdefghijk");
	CHECK_STR(log_quote(small, sizeof(small), "abcde\x1b" "fghij"), "abcde...");
	CHECK_STR(log_quote(small, 4, "abcdef"), "...");
	CHECK_STR(log_quote(small, 2, "abcdef"), ".");
}

int main(int argc, char **argv)
{
	char path[4096];
	struct ksyms_load_result res;

	snprintf(path, sizeof(path), "%s/basic.kallsyms", argc > 1 ? argv[1] : "tests/fixtures");
	t = ksyms__load(path, NULL, &res);
	if (!t) {
		fprintf(stderr, "cannot load %s: %s\n", path, ksyms__strerror(&res));
		return 1;
	}
	test_parse();
	test_resolve();
	test_resolve_names();
	test_resolve_addresses();
	test_sizes();
	test_suggest();
	test_numbers();
	test_quote();
	ksyms__free(t);
	return check_report("test_spec");
}
