// SPDX-License-Identifier: GPL-2.0
/* Fetch expressions: the grammar alone, then the programs they compile to
 * against the fixture kernel's BTF (tests/fixtures/btf: stable types, so every
 * offset here is the fixture's, written down in fixture_btf.c). Arguments: the
 * directory mkbtf wrote its sysroots to. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "abi.h"
#include "check.h"
#include "fetch.h"
#include "kbtf.h"

/* ---- the grammar ----------------------------------------------------------------- */

static void parses(const char *text, enum fetch_base_kind base, size_t nderefs, size_t nops,
		   enum fetch_type type, const char *label)
{
	struct fetch_expr e;
	char err[FETCH_ERR_LEN];

	if (fetch__parse(text, &e, err, sizeof(err))) {
		fprintf(stderr, "'%s': %s\n", text, err);
		CHECK(!"parses");
		fetch__free(&e);
		return;
	}
	CHECK_U64(e.base, base);
	CHECK_U64(e.nderefs, nderefs);
	CHECK_U64(e.nops, nops);
	CHECK_U64(e.type, type);
	CHECK_STR(e.label, label);
	fetch__free(&e);
}

static void refused(const char *text, const char *msg)
{
	struct fetch_expr e;
	char err[FETCH_ERR_LEN];

	CHECK(fetch__parse(text, &e, err, sizeof(err)) == -EINVAL);
	CHECK_STR(err, msg);
	CHECK(!strchr(err, '\n'));
	fetch__free(&e);
}

static void test_grammar(void)
{
	struct fetch_expr e;
	char err[FETCH_ERR_LEN];

	parses("file", FETCH_PARAM, 0, 0, FETCH_T_NONE, "file");
	parses("name=file->f_path.dentry->d_name.name:string", FETCH_PARAM, 0, 4, FETCH_T_STRING, "name");
	parses("$arg2", FETCH_ARGN, 0, 0, FETCH_T_NONE, "$arg2");
	parses("%di", FETCH_REG, 0, 0, FETCH_T_NONE, "%di");
	parses("+8(%si):u64", FETCH_REG, 1, 0, FETCH_T_U64, "+8(%si)");
	parses("-0x10(+8(%rsp)):x32", FETCH_REG, 2, 0, FETCH_T_X32, "-0x10(+8(%rsp))");
	parses("$retval", FETCH_RETVAL, 0, 0, FETCH_T_NONE, "$retval");
	parses("$comm", FETCH_COMM, 0, 0, FETCH_T_NONE, "$comm");
	parses("p[3].x[0x1f]", FETCH_PARAM, 0, 3, FETCH_T_NONE, "p[3].x[0x1f]");
	parses("s8v=v:s8", FETCH_PARAM, 0, 0, FETCH_T_S8, "s8v");

	CHECK(fetch__parse("-8(+16(%di))->a.b[2]", &e, err, sizeof(err)) == 0);
	CHECK(e.reg == KT_REG_DI && e.deref_off[0] == 16 && e.deref_off[1] == -8);
	CHECK(e.ops[0].kind == FETCH_ARROW && !strcmp(e.ops[0].field, "a"));
	CHECK(e.ops[2].kind == FETCH_INDEX && e.ops[2].index == 2);
	CHECK(e.ops[1].span.pos == 15 && e.ops[1].span.len == 2); /* ".b": what messages quote */
	fetch__free(&e);

	refused("", "--arg '': empty expression: give a parameter name, $argN, %REG, $retval or $comm (byte 1)");
	refused("file->", "--arg 'file->': a member name must follow '->' (byte 7)");
	refused("file.", "--arg 'file.': a member name must follow '.' (byte 6)");
	refused("count:u128", "--arg 'count:u128': unknown type 'u128': give u8, u16, u32, u64, s8, s16, s32, s64, x8, x16, x32, x64 or string (byte 7)");
	refused("count:", "--arg 'count:': a type must follow ':': u8..u64, s8..s64, x8..x64 or string (byte 7)");
	refused("$arg0", "--arg '$arg0': $argN counts from 1: $arg1 is the first argument (byte 5)");
	refused("$arg13", "--arg '$arg13': the N of $argN is too big (at most 12) (byte 5)");
	refused("$argx", "--arg '$argx': the N of $argN must be a number (decimal or 0x-hex) (byte 5)");
	refused("$foo", "--arg '$foo': unknown variable: give $argN, $retval or $comm (byte 1)");
	refused("%xx", "--arg '%xx': unknown register '%xx': give di, si, dx, cx, r8, r9, ax, bx, bp, sp, r10-r15 or ip (byte 1)");
	refused("%", "--arg '%': a register name must follow '%' (such as %di) (byte 1)");
	refused("+8%di", "--arg '+8%di': '(' must follow the offset in +OFF(BASE) (byte 3)");
	refused("+8(%di", "--arg '+8(%di': ')' must close +OFF(BASE) (byte 7)");
	refused("+(%di)", "--arg '+(%di)': the offset in +OFF(...) must be a number (decimal or 0x-hex) (byte 2)");
	refused("+0x80000000(%di)", "--arg '+0x80000000(%di)': the offset in +OFF(...) is too big (at most 2147483647) (byte 2)");
	refused("p[", "--arg 'p[': the index in [N] must be a number (decimal or 0x-hex) (byte 3)");
	refused("p[1", "--arg 'p[1': ']' must close [N] (byte 4)");
	refused("a=b=c", "--arg 'a=b=c': unexpected '=': after the base come '->FIELD', '.FIELD' or '[N]', then ':TYPE' (byte 4)");
	refused("9lives", "--arg '9lives': expected a parameter name, $argN, %REG, $retval, $comm or +OFF(...) (byte 1)");
	refused("a b", "--arg: byte 2 is 0x20: an expression is one word of printable ASCII, such as file->f_flags");
	refused("a\n", "--arg: byte 2 is 0x0a: an expression is one word of printable ASCII, such as file->f_flags");
	{
		/* Found by fuzz_fetch: an over-long expression with a newline among its first
		 * 40 bytes was quoted into its message, newline and all. The byte is named first. */
		char lng[FETCH_TEXT_MAX + 8];

		memset(lng, 'a', sizeof(lng) - 1);
		lng[sizeof(lng) - 1] = '\0';
		lng[3] = '\n';
		refused(lng, "--arg: byte 4 is 0x0a: an expression is one word of printable ASCII, such as file->f_flags");
	}
	refused("+1(+1(+1(+1(+1(+1(+1(+1(+1(%di)))))))))", "--arg '+1(+1(+1(+1(+1(+1(+1(+1(+1(%di)))))))))': more than 8 +OFF( ) around a base (byte 25)");
	refused("x:string:u8", "--arg 'x:string:u8': unknown type 'string:u8': give u8, u16, u32, u64, s8, s16, s32, s64, x8, x16, x32, x64 or string (byte 3)");
}

/* ---- compiling -------------------------------------------------------------------- */

static struct kbtf *kb;
static const struct kbtf_obj *vm, *dummy;

/* The context of a kprobe at +0 (or a kretprobe) of FUNC in O. */
struct probe_ctx {
	struct fetch_ctx c;
	struct abi_param where[16];
	struct fetch_param fp[16];
};

static void ctx_for(struct probe_ctx *pc, const struct kbtf_obj *o, const char *func, bool ret)
{
	const struct btf *btf = kbtf__btf(o);
	uint32_t id;
	const struct btf_type *proto;
	bool variadic;
	size_t n;

	memset(pc, 0, sizeof(*pc));
	CHECK(kbtf__funcs(o, func, &id, 1) == 1);
	proto = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	n = abi__params(btf, btf__type_by_id(btf, id)->type, pc->where, 16, &variadic);
	for (size_t i = 0; i < n; i++)
		pc->fp[i] = (struct fetch_param){ btf__name_by_offset(btf, btf_params(proto)[i].name_off),
						  btf_params(proto)[i].type, &pc->where[i] };
	pc->c = (struct fetch_ctx){ .probe = func, .obj = o, .func = func, .params = pc->fp,
				    .nparams = n, .ret = ret, .ret_type = proto->type };
}

/* Compile TEXT in PC; 0 or the error, whose message goes to ERR. */
static int compile(const struct probe_ctx *pc, const char *text, struct fetch_value *v, char *err)
{
	struct fetch_expr e;
	int r = fetch__parse(text, &e, err, FETCH_ERR_LEN);

	memset(v, 0, sizeof(*v));
	if (!r)
		r = fetch__compile(&e, &pc->c, v, err, FETCH_ERR_LEN);
	fetch__free(&e);
	return r;
}

/* TEXT compiles to base (BASE, REG), the reads "off:size,off:size", the final
 * and the output. */
static void compiles(const struct probe_ctx *pc, const char *text, int base, int reg,
		     const char *reads, int final, int out, int size)
{
	struct fetch_value v;
	char err[FETCH_ERR_LEN], got[256] = "";

	if (compile(pc, text, &v, err)) {
		fprintf(stderr, "'%s': %s\n", text, err);
		CHECK(!"compiles");
		return;
	}
	for (unsigned int i = 0; i < v.prog.nsteps; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d:%u", i ? "," : "",
			 v.prog.steps[i].off, v.prog.steps[i].size);
	if (strcmp(got, reads))
		fprintf(stderr, "'%s': reads %s\n", text, got);
	CHECK_STR(got, reads);
	CHECK_U64(v.prog.base, base);
	CHECK_U64(v.prog.reg, reg);
	CHECK_U64(v.prog.final, final);
	CHECK_U64(v.prog.out, out);
	CHECK_U64(v.prog.size, size);
	fetch_value__free(&v);
}

static void fails(const struct probe_ctx *pc, const char *text, const char *msg)
{
	struct fetch_value v;
	char err[FETCH_ERR_LEN];

	CHECK(compile(pc, text, &v, err) == -EINVAL);
	CHECK_STR(err, msg);
}

static struct probe_ctx rd, rdr, dev, mb; /* vfs_read, its kretprobe, dummy's, many_args */

static void test_compile(void)
{
	struct fetch_value v;
	char err[FETCH_ERR_LEN];
	const int R = KT_BASE_REG, V = KT_FINAL_VALUE, S = KT_FINAL_STRING;

	ctx_for(&rd, vm, "vfs_read", false);
	ctx_for(&rdr, vm, "vfs_read", true);
	ctx_for(&dev, dummy, "dummy_get_stats64", false);
	ctx_for(&mb, vm, "many_args", false);

	/* file->f_path (16) .dentry (8): read; ->d_name (16) .name (8): read; the string there */
	compiles(&rd, "file->f_path.dentry->d_name.name:string", R, KT_REG_DI, "24:8,24:8", S, KT_OUT_STR, 0);
	compiles(&rd, "file->f_flags", R, KT_REG_DI, "8:4", V, KT_OUT_U, 4);
	compiles(&rd, "file->f_pos", R, KT_REG_DI, "48:8", V, KT_OUT_S, 8);
	compiles(&rd, "count", R, KT_REG_DX, "", V, KT_OUT_U, 8);
	compiles(&rd, "$arg3", R, KT_REG_DX, "", V, KT_OUT_U, 8);
	compiles(&rd, "count:u32", R, KT_REG_DX, "", V, KT_OUT_U, 4);
	compiles(&rd, "buf", R, KT_REG_SI, "", S, KT_OUT_KSTR, 8);
	compiles(&rd, "%ax:x16", R, KT_REG_AX, "", V, KT_OUT_X, 2);
	compiles(&rd, "+8(%si)", R, KT_REG_SI, "8:8", V, KT_OUT_X, 8);
	compiles(&rd, "+8(%si):string", R, KT_REG_SI, "", S, KT_OUT_STR, 0);
	compiles(&rd, "+4(+8(file)):s16", R, KT_REG_DI, "8:8,4:2", V, KT_OUT_S, 2);
	compiles(&rd, "file->f_state", R, KT_REG_DI, "64:4", V, KT_OUT_ENUM, 4);
	compiles(&rd, "file->f_ready", R, KT_REG_DI, "68:1", V, KT_OUT_BOOL, 1);
	compiles(&rd, "file->f_vals[3]", R, KT_REG_DI, "84:4", V, KT_OUT_S, 4);
	compiles(&rd, "file->f_tag", R, KT_REG_DI, "", S, KT_OUT_STR, 0);
	compiles(&rd, "pos[2]", R, KT_REG_CX, "16:8", V, KT_OUT_S, 8);
	compiles(&rd, "file->f_path.dentry->d_name.len", R, KT_REG_DI, "24:8,20:4", V, KT_OUT_U, 4);
	compiles(&rd, "file->f_path.dentry->d_parent->d_iname", R, KT_REG_DI, "24:8,8:8", S, KT_OUT_STR, 0);
	compiles(&rd, "$comm", KT_BASE_COMM, 0, "", S, KT_OUT_STR, 0);
	compiles(&rdr, "$retval", KT_BASE_RETVAL, 0, "", V, KT_OUT_S, 8);
	compiles(&rdr, "%ax:u8", R, KT_REG_AX, "", V, KT_OUT_U, 1);
	compiles(&dev, "dev->name:string", R, KT_REG_DI, "", S, KT_OUT_STR, 0);
	compiles(&dev, "stats->tx_packets", R, KT_REG_SI, "8:8", V, KT_OUT_U, 8);
	compiles(&mb, "a7", KT_BASE_STACK, 0, "", V, KT_OUT_S, 4);
	compiles(&mb, "a8", KT_BASE_STACK, 1, "", S, KT_OUT_KSTR, 8);
	compiles(&mb, "a9", KT_BASE_NONE, 2, "", V, KT_OUT_STRUCT, 0);

	/* a string inside an array: no read, the offset goes with the string */
	CHECK(compile(&rd, "file->f_path.dentry->d_iname", &v, err) == 0);
	CHECK(v.prog.str_off == 32 && v.prog.nsteps == 1);
	CHECK_STR(v.type, "unsigned char[32]");
	fetch_value__free(&v);
	/* bitfields: the unit of the declared type, shifted and masked */
	CHECK(compile(&rd, "file->f_ra_pages", &v, err) == 0);
	CHECK(v.prog.steps[0].off == 40 && v.prog.steps[0].size == 4 && v.prog.bit_shift == 1 &&
	      v.prog.bit_size == 7 && v.prog.out == KT_OUT_U);
	fetch_value__free(&v);
	CHECK(compile(&rd, "file->f_prio:x32", &v, err) == 0);
	CHECK(v.prog.steps[0].off == 40 && v.prog.bit_shift == 8 && v.prog.bit_size == 24 &&
	      v.prog.out == KT_OUT_X);
	fetch_value__free(&v);
	CHECK(compile(&rd, "file->f_wide", &v, err) == 0);
	CHECK(v.prog.steps[0].off == 104 && v.prog.steps[0].size == 8 && v.prog.bit_shift == 0 &&
	      v.prog.bit_size == 40 && v.prog.out == KT_OUT_S);
	fetch_value__free(&v);
	/* eight reads, the most there may be */
	compiles(&rd, "file->f_path.dentry->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_name.name:string",
		 R, KT_REG_DI, "24:8,8:8,8:8,8:8,8:8,8:8,8:8,24:8", S, KT_OUT_STR, 0);
	/* unsigned char * is not taken for a string: a pointer, unless ':string' */
	compiles(&rd, "file->f_path.dentry->d_name.name", R, KT_REG_DI, "24:8,24:8", V, KT_OUT_PTR, 8);
}

/* What does not compile, with the whole message. */
static void test_refused(void)
{
	fails(&rd, "file->nope", "vfs_read: --arg 'file->nope': at '->nope': struct file has no member 'nope'");
	fails(&rd, "count->x", "vfs_read: --arg 'count->x': at '->x': count is size_t, not a pointer: '->' needs one");
	fails(&rd, "file.f_flags", "vfs_read: --arg 'file.f_flags': at '.f_flags': file is struct file *, a pointer: use '->'");
	fails(&rd, "file->f_path->dentry", "vfs_read: --arg 'file->f_path->dentry': at '->dentry': file->f_path is struct path, not a pointer: '->' needs one (use '.')");
	fails(&rd, "$retval", "vfs_read: --arg '$retval': at '$retval': the return value exists at a kretprobe only: add %return to the spec, or -r");
	fails(&rdr, "file", "vfs_read: --arg 'file': at 'file': the parameters are gone at a return: at a kretprobe give $retval or %REG");
	fails(&rd, "fil", "vfs_read: --arg 'fil': at 'fil': vfs_read has no parameter 'fil' (its parameters: file, buf, count, pos)");
	fails(&rd, "$arg5", "vfs_read: --arg '$arg5': at '$arg5': vfs_read has 4 parameters");
	fails(&rd, "file->f_vals[4]", "vfs_read: --arg 'file->f_vals[4]': at '[4]': index 4 is past the end of int[4]");
	fails(&rd, "file->f_vals", "vfs_read: --arg 'file->f_vals': at '->f_vals': file->f_vals is int[4]: index it with [N], or give ':string' or ':u64'");
	fails(&rd, "file->f_path", "vfs_read: --arg 'file->f_path': at '->f_path': file->f_path is struct path: name a member with '.', or give ':u64'");
	fails(&rd, "pos->x", "vfs_read: --arg 'pos->x': at '->x': pos points to long long int, not a struct or union");
	fails(&rd, "buf->x", "vfs_read: --arg 'buf->x': at '->x': buf points to char, not a struct or union");
	fails(&rd, "file->f_flags.x", "vfs_read: --arg 'file->f_flags.x': at '.x': file->f_flags is unsigned int, not a struct or union");
	fails(&rd, "file->f_path.mnt->x", "vfs_read: --arg 'file->f_path.mnt->x': at '->x': struct vfsmount is only declared in BTF, without its members");
	fails(&rd, "file->f_ra_pages:string", "vfs_read: --arg 'file->f_ra_pages:string': at '->f_ra_pages:string': file->f_ra_pages is a bitfield, not a string");
	fails(&rd, "%di->x", "vfs_read: --arg '%di->x': at '->x': %di has no BTF type (a register, or memory read with +OFF( )): '->' needs one; read it with +OFF(...)");
	fails(&rd, "$comm:u8", "vfs_read: --arg '$comm:u8': at '$comm:u8': $comm is not a number: ':u8' does not apply");
	fails(&rd, "pos[1]:string", "vfs_read: --arg 'pos[1]:string': at '[1]:string': pos[1] is loff_t: ':string' needs a char array or a pointer");
	fails(&mb, "a9.a", "many_args: --arg 'a9.a': at '.a': a9 is a struct passed by value: its members are not recorded");
	/* the longest name still gets the whole message, cause and fix (the fuzzer's
	 * regress/fetch/long-unknown-param-cut-message) */
	{
		char name[FETCH_TEXT_MAX + 1], want[4 * FETCH_TEXT_MAX];

		memset(name, 'm', FETCH_TEXT_MAX);
		name[FETCH_TEXT_MAX] = '\0';
		snprintf(want, sizeof(want), "vfs_read: --arg '%s': at '%s': vfs_read has no parameter '%s' (its parameters: file, buf, count, pos)",
			 name, name, name);
		fails(&rd, name, want);
	}
	/* nine reads: one too many */
	fails(&rd, "file->f_path.dentry->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_name.name",
	      "vfs_read: --arg 'file->f_path.dentry->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_parent->d_name.name': at '.name': more than 8 memory reads in one expression");
}

/* Without types (raw registers) and at an offset. */
static void test_untyped(void)
{
	struct fetch_ctx raw = { .probe = "c_start#1", .untyped_why = "3 functions are named c_start", .func = "c_start" };
	struct fetch_ctx off = { .probe = "vfs_read+0x10", .untyped_why = "at +0x10 ...", .func = "vfs_read",
				 .offset = true };
	struct probe_ctx pr = { .c = raw }, po = { .c = off };

	compiles(&pr, "$arg2", KT_BASE_REG, KT_REG_SI, "", KT_FINAL_VALUE, KT_OUT_X, 8);
	compiles(&pr, "$arg7", KT_BASE_STACK, 0, "", KT_FINAL_VALUE, KT_OUT_X, 8);
	compiles(&pr, "+8($arg1):u32", KT_BASE_REG, KT_REG_DI, "8:4", KT_FINAL_VALUE, KT_OUT_U, 4);
	fails(&pr, "m->buf", "c_start#1: --arg 'm->buf': at 'm': parameter names need BTF types, and here there are none (3 functions are named c_start): give $argN or %REG");
	fails(&pr, "$arg1->x", "c_start#1: --arg '$arg1->x': at '->x': $arg1 has no BTF type (a register, or memory read with +OFF( )): '->' needs one; read it with +OFF(...)");
	compiles(&po, "%di", KT_BASE_REG, KT_REG_DI, "", KT_FINAL_VALUE, KT_OUT_X, 8);
	fails(&po, "$arg1", "vfs_read+0x10: --arg '$arg1': at '$arg1': $argN: at an offset into the function the arguments need not be where the calling convention put them: give %REG");
}

int main(int argc, char **argv)
{
	char root[4096], why[KBTF_WHY_LEN];

	if (argc != 2) {
		fprintf(stderr, "usage: test_fetch BTF-SYSROOTS-DIR\n");
		return 2;
	}
	test_grammar();
	snprintf(root, sizeof(root), "%s/checked", argv[1]);
	setenv("KSYMTRACE_SYSROOT", root, 1);
	kb = kbtf__new();
	vm = kb ? kbtf__get(kb, "vmlinux", why, sizeof(why)) : NULL;
	dummy = vm ? kbtf__get(kb, "dummy", why, sizeof(why)) : NULL;
	if (!dummy) {
		fprintf(stderr, "no fixture BTF under %s\n", root);
		return 1;
	}
	test_compile();
	test_refused();
	test_untyped();
	kbtf__free(kb);
	return check_report("fetch");
}
