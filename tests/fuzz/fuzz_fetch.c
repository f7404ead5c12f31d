// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as an --arg expression -> fetch__parse, then
 * fetch__compile for the probes of the fixture kernel (tests/fixtures/btf,
 * written to a temporary sysroot once): a kprobe and a kretprobe of vfs_read,
 * a module's function, one with stack and by-value parameters, one without
 * types, and one at an offset.
 *
 * Checks what the grammar and the compiler promise: a refusal is one whole line
 * (a compile refusal names the probe and the expression) and leaves nothing
 * allocated; an accepted expression has a label and bounded steps; a compiled
 * program is one the BPF side can run: a known base, a register of pt_regs, at
 * most KT_FETCH_DEREFS reads of 1, 2, 4 or 8 bytes, a bitfield inside the bytes
 * read, a string only when it prints as one. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "abi.h"
#include "fetch.h"
#include "fixture_btf.h"
#include "fuzz_common.h"
#include "kbtf.h"

#define CTX_MAX 6

struct probe_ctx {
	struct fetch_ctx c;
	struct abi_param where[16];
	struct fetch_param fp[16];
};

static struct kbtf *kb;
static struct probe_ctx ctxs[CTX_MAX];
static size_t nctx;

static void cleanup(void)
{
	kbtf__free(kb);
}

static void add_ctx(const char *mod, const char *func, bool ret, bool typed, bool offset)
{
	char why[KBTF_WHY_LEN];
	const struct kbtf_obj *o = kbtf__get(kb, mod, why, sizeof(why));
	struct probe_ctx *pc = &ctxs[nctx++];
	const struct btf *btf;
	const struct btf_type *proto;
	uint32_t id;
	bool variadic;
	size_t n;

	CHECK(o && kbtf__funcs(o, func, &id, 1) == 1);
	btf = kbtf__btf(o);
	proto = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	n = abi__params(btf, btf__type_by_id(btf, id)->type, pc->where, 16, &variadic);
	for (size_t i = 0; i < n; i++)
		pc->fp[i] = (struct fetch_param){ btf__name_by_offset(btf, btf_params(proto)[i].name_off),
						  btf_params(proto)[i].type, &pc->where[i] };
	pc->c = (struct fetch_ctx){ .probe = func, .obj = typed ? o : NULL, .func = func,
				    .untyped_why = "no types", .params = pc->fp,
				    .nparams = typed ? n : 0, .ret = ret, .offset = offset,
				    .ret_type = typed ? proto->type : 0 };
}

static void setup(void)
{
	CHECK(fixture_btf__temp_sysroot() == 0);
	atexit(cleanup);
	kb = kbtf__new();
	CHECK(kb);
	add_ctx("vmlinux", "vfs_read", false, true, false);
	add_ctx("vmlinux", "vfs_read", true, true, false);
	add_ctx("dummy", "dummy_get_stats64", false, true, false);
	add_ctx("vmlinux", "many_args", false, true, false);
	add_ctx("vmlinux", "c_start", false, false, false);
	add_ctx("vmlinux", "vfs_read", false, false, true);
}

static void check_prog(const struct fetch_value *v)
{
	const struct kt_fetch *p = &v->prog;

	CHECK(v->name && *v->name && v->expr);
	CHECK(p->base <= KT_BASE_COMM && p->final <= KT_FINAL_STRING && p->out <= KT_OUT_STRUCT);
	CHECK(p->base != KT_BASE_REG || p->reg < KT_REG_COUNT);
	CHECK(p->nsteps <= KT_FETCH_DEREFS);
	for (unsigned int i = 0; i < p->nsteps; i++) {
		uint32_t s = p->steps[i].size;

		CHECK(s == 1 || s == 2 || s == 4 || s == 8);
	}
	CHECK(p->size == 0 || p->size == 1 || p->size == 2 || p->size == 4 || p->size == 8);
	CHECK(!p->bit_size || (p->size && p->bit_shift + p->bit_size <= p->size * 8u));
	CHECK(p->final != KT_FINAL_STRING || p->out == KT_OUT_STR || p->out == KT_OUT_KSTR);
	CHECK(p->base != KT_BASE_COMM || (p->nsteps == 0 && p->final == KT_FINAL_STRING));
	/* something is read unless the value is a marker */
	CHECK(p->base != KT_BASE_NONE || p->out == KT_OUT_STRUCT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FETCH_TEXT_MAX + 32], err[FETCH_ERR_LEN];
	struct fetch_expr e;
	int r;

	if (!kb)
		setup();
	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	r = fetch__parse(text, &e, err, sizeof(err));
	if (r) {
		CHECK(r == -EINVAL);
		CHECK(message_ok(err, sizeof(err)) && strncmp(err, "--arg", 5) == 0);
		fetch__free(&e);
		return 0;
	}
	CHECK(e.text && e.label && *e.label && strlen(e.label) <= strlen(text));
	CHECK(e.nops <= FETCH_OPS_MAX && e.nderefs <= FETCH_NEST_MAX);
	CHECK(e.base != FETCH_PARAM || (e.param && *e.param));
	for (size_t i = 0; i < nctx; i++) {
		struct fetch_value v;

		r = fetch__compile(&e, &ctxs[i].c, &v, err, sizeof(err));
		if (r) {
			size_t n = strlen(ctxs[i].c.probe);

			CHECK(r == -EINVAL);
			CHECK(message_ok(err, sizeof(err)) && strncmp(err, ctxs[i].c.probe, n) == 0 &&
			      strncmp(err + n, ": --arg '", 9) == 0);
			continue;
		}
		check_prog(&v);
		fetch_value__free(&v);
	}
	fetch__free(&e);
	return 0;
}
