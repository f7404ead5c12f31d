// SPDX-License-Identifier: GPL-2.0
/* The kernel's BTF, the calling convention and the honesty verdicts, on the
 * fixture kernel (tests/fixtures/btf: its BTF written at build time with
 * stable types, and btf.kallsyms). Arguments: the fixtures directory and the
 * directory mkbtf wrote its sysroots to. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "abi.h"
#include "check.h"
#include "fixture_sym.h"
#include "kbtf.h"
#include "log.h"
#include "plan.h"
#include "probe_values.h"
#include "typing.h"

static struct ksyms *t;
static char sysroot[2][4096]; /* checked, unchecked */

static const struct ksym *sym(const char *name, unsigned int n, const char *mod)
{
	return fixture_sym(t, name, n, mod);
}

static struct kbtf *open_kbtf(int variant)
{
	setenv("KSYMTRACE_SYSROOT", sysroot[variant], 1);
	return kbtf__new();
}

static uint32_t func_id(const struct kbtf_obj *o, const char *name)
{
	uint32_t id = 0;

	CHECK(kbtf__funcs(o, name, &id, 1) == 1);
	return id;
}

static void test_kbtf(void)
{
	struct kbtf *kb = open_kbtf(0);
	char why[KBTF_WHY_LEN], buf[512];
	const struct kbtf_obj *vm = kbtf__get(kb, "vmlinux", why, sizeof(why));
	const struct kbtf_obj *dummy = kbtf__get(kb, "dummy", why, sizeof(why));
	uint32_t ids[4];

	CHECK(vm && dummy);
	CHECK(!kbtf__get(kb, "e1000", why, sizeof(why)));
	CHECK(strstr(why, "module e1000 has no BTF (no /sys/kernel/btf/e1000") != NULL);
	CHECK(!kbtf__get(kb, "../etc", why, sizeof(why))); /* never a path out of /sys/kernel/btf */
	CHECK(kbtf__funcs(vm, "type_show", ids, 4) == 2);
	CHECK(kbtf__funcs(vm, "nope", ids, 4) == 0);
	/* a module's own part only: vmlinux's c_start is not the module's */
	CHECK(kbtf__funcs(dummy, "c_start", ids, 4) == 1);
	CHECK(kbtf__funcs(dummy, "vfs_read", ids, 4) == 0);
	CHECK(kbtf__proto(dummy, ids[0], buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "int c_start(struct net_device *dev)");
	CHECK(kbtf__proto(vm, func_id(vm, "vfs_read"), buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "ssize_t vfs_read(struct file *file, char *buf, size_t count, loff_t *pos)");
	CHECK(kbtf__proto(vm, func_id(vm, "do_nothing"), buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "void do_nothing(void)");
	CHECK(kbtf__proto(vm, func_id(vm, "vprint"), buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "int vprint(const char *fmt, ...)");
	/* cut short, and said so */
	CHECK(kbtf__proto(vm, func_id(vm, "vfs_read"), buf, 20) == -ENOSPC);
	CHECK_STR(buf, "ssize_t vfs_read...");
	CHECK(kbtf__kfunc_tags(kb) && kbtf__protos_checked(kb));
	CHECK(kbtf__is_kfunc(vm, func_id(vm, "bpf_cgroup_acquire")));
	CHECK(!kbtf__is_kfunc(vm, func_id(vm, "vfs_read")));
	kbtf__free(kb);

	kb = open_kbtf(1);
	CHECK(!kbtf__kfunc_tags(kb) && !kbtf__protos_checked(kb));
	kbtf__free(kb);
	setenv("KSYMTRACE_SYSROOT", "/nonexistent", 1);
	kb = kbtf__new();
	CHECK(!kbtf__get(kb, "vmlinux", why, sizeof(why)));
	CHECK_STR(why, "this kernel has no BTF (no /sys/kernel/btf/vmlinux: it needs CONFIG_DEBUG_INFO_BTF)");
	CHECK(!kbtf__get(kb, "dummy", why, sizeof(why)));
	CHECK(!kbtf__kfunc_tags(kb));
	kbtf__free(kb);
}

/* "where" of each parameter of NAME, space-separated. */
static void check_places(const struct kbtf_obj *o, const char *name, const char *want, bool want_var)
{
	const struct btf *btf = kbtf__btf(o);
	struct abi_param p[16];
	char got[256] = "", w[32];
	bool variadic;
	size_t n = abi__params(btf, btf__type_by_id(btf, func_id(o, name))->type, p, 16, &variadic);

	for (size_t i = 0; i < n; i++) {
		abi__where(&p[i], w, sizeof(w));
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", w);
	}
	CHECK_STR(got, want);
	CHECK(variadic == want_var);
}

static void test_abi(void)
{
	struct kbtf *kb = open_kbtf(0);
	char why[KBTF_WHY_LEN];
	const struct kbtf_obj *vm = kbtf__get(kb, "vmlinux", why, sizeof(why));
	const struct btf *btf = kbtf__btf(vm);
	struct kt_fetch f;
	uint32_t bytes;

	check_places(vm, "vfs_read", "di si dx cx", false);
	/* past the sixth on the stack; a 16-byte struct with no two registers
	 * left goes to the stack too */
	check_places(vm, "many_args", "di si dx cx r8 r9 sp+8 sp+16 sp+24 sp+40", false);
	/* a 16-byte struct in two registers; 24 bytes and __packed in memory,
	 * which leaves the registers to the later arguments */
	check_places(vm, "pass_structs", "di:si sp+8 dx sp+32 cx", false);
	/* a struct returned in memory: its address is the hidden first argument */
	check_places(vm, "make_big", "si dx", false);
	check_places(vm, "scale", "- di", false); /* a double in an SSE register */
	check_places(vm, "mul128", "di:si dx", false);
	check_places(vm, "vprint", "di", true);
	check_places(vm, "do_nothing", "", false);

	CHECK(abi__format(btf, btf__find_by_name_kind(btf, "ssize_t", BTF_KIND_TYPEDEF), &f, &bytes) == NULL);
	CHECK(f.out == KT_OUT_S && f.size == 8);
	CHECK(abi__format(btf, btf__find_by_name_kind(btf, "u16", BTF_KIND_TYPEDEF), &f, &bytes) == NULL);
	CHECK(f.out == KT_OUT_U && f.size == 2);
	CHECK(abi__format(btf, btf__find_by_name_kind(btf, "_Bool", BTF_KIND_INT), &f, &bytes) == NULL);
	CHECK(f.out == KT_OUT_BOOL && f.size == 1);
	CHECK(abi__format(btf, btf__find_by_name_kind(btf, "big", BTF_KIND_STRUCT), &f, &bytes) == NULL);
	CHECK(f.out == KT_OUT_STRUCT && bytes == 24);
	CHECK(abi__format(btf, btf__find_by_name_kind(btf, "mode", BTF_KIND_ENUM), &f, &bytes) == NULL);
	CHECK(f.out == KT_OUT_ENUM && f.size == 4);
	CHECK_STR(abi__format(btf, 0, &f, &bytes), "void");
	CHECK(abi__format(btf, btf__find_by_name_kind(btf, "double", BTF_KIND_FLOAT), &f, &bytes) != NULL);

	CHECK(abi__reg_find("di") == KT_REG_DI && abi__reg_find("rdi") == KT_REG_DI);
	CHECK(abi__reg_find("r8") == KT_REG_R8 && abi__reg_find("rip") == KT_REG_IP);
	CHECK(abi__reg_find("eax") == -1 && abi__reg_find("") == -1);
	kbtf__free(kb);
}

static void check_verdict(struct kbtf *kb, const char *name, unsigned int n, const char *mod,
			  enum typing_verdict want, const char *why_has)
{
	struct typing ty;

	typing__func(kb, t, sym(name, n, mod), &ty);
	CHECK_U64(ty.verdict, want);
	if (why_has && !strstr(ty.why, why_has))
		fprintf(stderr, "%s: why: %s\n", name, ty.why);
	CHECK(!why_has || strstr(ty.why, why_has));
}

static void test_typing(void)
{
	struct kbtf *kb = open_kbtf(0);
	struct typing ty;

	check_verdict(kb, "vfs_read", 1, "vmlinux", TYPING_OK, NULL);
	/* three functions, one prototype, checked BTF */
	check_verdict(kb, "c_start", 2, "vmlinux", TYPING_OK, NULL);
	check_verdict(kb, "c_start", 1, "dummy", TYPING_OK, NULL);
	check_verdict(kb, "type_show", 1, "vmlinux", TYPING_PROTOS_DIFFER,
		      "2 functions are named type_show, and BTF has 2 different prototypes");
	check_verdict(kb, "helper.isra.0", 1, "vmlinux", TYPING_CLONE, "compiler clone of helper");
	check_verdict(kb, "asm_exc_int3", 1, "vmlinux", TYPING_NOT_IN_BTF, "no prototype of asm_exc_int3");
	check_verdict(kb, "e1000_probe", 1, "e1000", TYPING_MODULE_NO_BTF, "module e1000 has no BTF");
	check_verdict(kb, "init_task", 1, "vmlinux", TYPING_NOT_FUNC, "not a function");
	typing__func(kb, t, sym("init_once", 1, "vmlinux"), &ty);
	CHECK(ty.verdict == TYPING_OK && ty.names_differ);
	typing__func(kb, t, sym("bpf_cgroup_acquire", 1, "vmlinux"), &ty);
	CHECK(ty.verdict == TYPING_OK && ty.kfunc);
	kbtf__free(kb);

	/* older pahole: one prototype for three functions proves nothing */
	kb = open_kbtf(1);
	check_verdict(kb, "c_start", 1, "vmlinux", TYPING_DUP_UNCHECKED, "3 functions are named c_start");
	check_verdict(kb, "c_start", 1, "dummy", TYPING_OK, NULL); /* alone in its module */
	check_verdict(kb, "vfs_read", 1, "vmlinux", TYPING_OK, NULL);
	kbtf__free(kb);

	setenv("KSYMTRACE_SYSROOT", "/nonexistent", 1);
	kb = kbtf__new();
	check_verdict(kb, "vfs_read", 1, "vmlinux", TYPING_NO_BTF, "this kernel has no BTF");
	check_verdict(kb, "dummy_get_stats64", 1, "dummy", TYPING_NO_BTF, "this kernel has no BTF");
	kbtf__free(kb);
}

/* probe_values on a plan of PROBES (name, instance, module, offset, ret). */
struct pick {
	const char *name;
	unsigned int n;
	const char *mod;
	uint64_t off;
	bool ret;
};

static struct plan *plan_of(const struct pick *picks, size_t n)
{
	struct plan *pl = plan__new(t);

	for (size_t i = 0; pl && i < n; i++) {
		struct target tg = { .sym = sym(picks[i].name, picks[i].n, picks[i].mod), .off = picks[i].off };

		CHECK(plan__add(pl, &tg, picks[i].ret, picks[i].name) == 0);
	}
	return pl;
}

static void test_values(void)
{
	static const struct pick picks[] = {
		{ "vfs_read", 1, "vmlinux", 0, false }, { "vfs_read", 1, "vmlinux", 0, true },
		{ "vfs_read", 1, "vmlinux", 0x10, false }, { "many_args", 1, "vmlinux", 0, false },
		{ "helper.isra.0", 1, "vmlinux", 0, false }, { "do_nothing", 1, "vmlinux", 0, true },
	};
	struct kbtf *kb = open_kbtf(0);
	struct plan *pl = plan_of(picks, sizeof(picks) / sizeof(picks[0]));
	struct probe_values_opts o = { .string_size = 64 };
	struct probe_values_set *pv;
	const struct probe_values *p;
	int err;

	pv = probe_values__build(pl, kb, &o, &err);
	CHECK(pv != NULL);
	p = probe_values__get(pv, 0);
	CHECK(!p->raw_why && p->n == 4 && !p->has_ret);
	CHECK_STR(p->v[1].name, "buf");
	CHECK_STR(p->v[1].type, "char *");
	CHECK(p->v[1].prog.base == KT_BASE_REG && p->v[1].prog.reg == KT_REG_SI);
	CHECK(p->v[1].prog.out == KT_OUT_KSTR && p->v[1].prog.final == KT_FINAL_STRING);
	CHECK(p->v[2].prog.out == KT_OUT_U && p->v[2].prog.size == 8 && p->v[2].prog.reg == KT_REG_DX);
	p = probe_values__get(pv, 1); /* a kretprobe: the return value, no parameters */
	CHECK(!p->raw_why && p->n == 0 && p->has_ret);
	CHECK(p->ret.prog.base == KT_BASE_RETVAL && p->ret.prog.out == KT_OUT_S && p->ret.prog.size == 8);
	CHECK_STR(p->ret.type, "ssize_t");
	p = probe_values__get(pv, 2);
	CHECK(p->raw_why && strstr(p->raw_why, "at +0x10 the parameters need not be") && p->n == 0);
	p = probe_values__get(pv, 3);
	CHECK(p->n == 10);
	CHECK(p->v[6].prog.base == KT_BASE_STACK && p->v[6].prog.reg == 0 && p->v[6].prog.size == 4);
	CHECK(p->v[8].prog.base == KT_BASE_NONE && p->v[8].prog.out == KT_OUT_STRUCT && p->v[8].bytes == 16);
	CHECK(p->v[9].prog.base == KT_BASE_STACK && p->v[9].prog.reg == 4 && p->v[9].prog.out == KT_OUT_BOOL);
	p = probe_values__get(pv, 4);
	CHECK(p->raw_why && strstr(p->raw_why, "compiler clone") && !p->proto);
	p = probe_values__get(pv, 5);
	CHECK(p->has_ret && p->ret.prog.out == KT_OUT_NONE && !p->ret.unavailable);
	CHECK_STR(p->ret.type, "void");
	probe_values__free(pv);

	o.raw = true;
	pv = probe_values__build(pl, NULL, &o, &err);
	CHECK(pv && probe_values__get(pv, 0)->raw_why && !strcmp(probe_values__get(pv, 0)->raw_why, "--raw"));
	CHECK(pv && probe_values__get(pv, 1)->ret.prog.out == KT_OUT_X);
	probe_values__free(pv);
	plan__free(pl);
	kbtf__free(kb);
}

int main(int argc, char **argv)
{
	char path[4096];
	struct ksyms_load_result res;

	if (argc != 3) {
		fprintf(stderr, "usage: test_btf FIXTURES-DIR BTF-SYSROOTS-DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/btf.kallsyms", argv[1]);
	snprintf(sysroot[0], sizeof(sysroot[0]), "%s/checked", argv[2]);
	snprintf(sysroot[1], sizeof(sysroot[1]), "%s/unchecked", argv[2]);
	log_level = LOG_QUIET;
	t = ksyms__load(path, &(struct ksyms_opts){ 0 }, &res);
	if (!t) {
		fprintf(stderr, "cannot load %s\n", path);
		return 1;
	}
	test_kbtf();
	test_abi();
	test_typing();
	test_values();
	ksyms__free(t);
	return check_report("btf");
}
