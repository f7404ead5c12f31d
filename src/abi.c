// SPDX-License-Identifier: GPL-2.0
/* The x86-64 System V calling convention, from BTF types. See abi.h.
 *
 * What the kernel needs of the psABI (§3.2.3, "Parameter Passing"): integers,
 * enums and pointers take the next of di si dx cx r8 r9, or an 8-byte stack
 * word once those are used up; a struct or union of up to 16 bytes with
 * aligned members takes one or two registers, or, when not enough are left,
 * stack words (and later small arguments still get the registers that are
 * left); anything bigger, or with unaligned members, is copied to the stack; a
 * struct returned that way is written where a hidden first argument (di)
 * points. Stack arguments sit above the return address in 8-byte words, a
 * 16-byte aligned one on an even word. Floating point travels in SSE
 * registers, which a kprobe does not save: the kernel has none in its
 * interfaces, so meeting one ends what can be said about what follows. */
#include "abi.h"

#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#define ARG_REGS 6
#define TYPE_DEPTH 32 /* typedef and qualifier chains, nested structs */

static const uint8_t arg_regs[ARG_REGS] = { KT_REG_DI, KT_REG_SI, KT_REG_DX,
					    KT_REG_CX, KT_REG_R8, KT_REG_R9 };

static const char *const reg_names[KT_REG_COUNT] = {
	[KT_REG_R15] = "r15", [KT_REG_R14] = "r14", [KT_REG_R13] = "r13", [KT_REG_R12] = "r12",
	[KT_REG_BP] = "bp",   [KT_REG_BX] = "bx",   [KT_REG_R11] = "r11", [KT_REG_R10] = "r10",
	[KT_REG_R9] = "r9",   [KT_REG_R8] = "r8",   [KT_REG_AX] = "ax",   [KT_REG_CX] = "cx",
	[KT_REG_DX] = "dx",   [KT_REG_SI] = "si",   [KT_REG_DI] = "di",   [KT_REG_ORIG_AX] = "orig_ax",
	[KT_REG_IP] = "ip",   [KT_REG_CS] = "cs",   [KT_REG_FLAGS] = "flags", [KT_REG_SP] = "sp",
	[KT_REG_SS] = "ss",
};

bool abi__supported(void)
{
#if defined(__x86_64__)
	return true;
#else
	return false;
#endif
}

const char *abi__reg_name(unsigned int reg)
{
	return reg < KT_REG_COUNT ? reg_names[reg] : NULL;
}

int abi__reg_find(const char *name)
{
	/* perf and the kernel's kprobe_events take "di"; "rdi" is the same */
	static const char *const r64[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "rip" };

	for (size_t i = 0; i < sizeof(r64) / sizeof(r64[0]); i++)
		if (strcmp(name, r64[i]) == 0)
			name++;
	for (int i = 0; i < KT_REG_COUNT; i++)
		if (strcmp(name, reg_names[i]) == 0)
			return i;
	return -1;
}

void abi__where(const struct abi_param *p, char *buf, size_t len)
{
	if (p->where == ABI_REG && p->nregs == 2)
		snprintf(buf, len, "%s:%s", reg_names[p->reg[0]], reg_names[p->reg[1]]);
	else if (p->where == ABI_REG)
		snprintf(buf, len, "%s", reg_names[p->reg[0]]);
	else if (p->where == ABI_STACK)
		snprintf(buf, len, "sp+%u", 8u + 8u * p->slot);
	else
		snprintf(buf, len, "-");
}

uint32_t abi__skip_mods(const struct btf *btf, uint32_t id)
{
	for (int depth = 0; id && depth < TYPE_DEPTH; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t || !(btf_is_mod(t) || btf_is_typedef(t)))
			break;
		id = t->type;
	}
	return id;
}

/* Members at offsets their types do not align to (__packed), at any depth:
 * such a struct is passed in memory whatever its size. */
static bool has_unaligned(const struct btf *btf, uint32_t id, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, abi__skip_mods(btf, id));
	const struct btf_member *m;

	if (!t || !btf_is_composite(t) || depth > TYPE_DEPTH)
		return false;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		int align = btf__align_of(btf, m->type);

		if (btf_member_bitfield_size(t, (uint32_t)i))
			continue;
		if (align <= 0 || btf_member_bit_offset(t, (uint32_t)i) % (8u * (uint32_t)align) ||
		    has_unaligned(btf, m->type, depth + 1))
			return true;
	}
	return false;
}

static bool has_float(const struct btf *btf, uint32_t id, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, abi__skip_mods(btf, id));
	const struct btf_member *m;

	if (!t || depth > TYPE_DEPTH)
		return false;
	if (btf_is_float(t))
		return true;
	if (btf_is_array(t))
		return has_float(btf, btf_array(t)->type, depth + 1);
	if (!btf_is_composite(t))
		return false;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (has_float(btf, m->type, depth + 1))
			return true;
	return false;
}

/* How a value of ID travels: in WORDS integer registers (INTEGER class), or in
 * memory (*MEMORY), or not in a place a kprobe sees: the reason, and *LOST when
 * the places of the parameters after it cannot be worked out either. */
static const char *classify(const struct btf *btf, uint32_t id, unsigned int *words, bool *memory,
			    bool *lost)
{
	const struct btf_type *t = btf__type_by_id(btf, abi__skip_mods(btf, id));
	__s64 size = btf__resolve_size(btf, id);

	*memory = false;
	*lost = false;
	*words = size > 0 ? (unsigned int)((size + 7) / 8) : 0;
	if (t && btf_is_float(t)) /* an SSE register: the integer ones stay as they were */
		return "floating point travels in SSE registers, which a kprobe does not save";
	*lost = true;
	if (!t || size < 0)
		return "its type is not in BTF";
	if (btf_is_composite(t)) {
		if (size > 16 || has_unaligned(btf, id, 0))
			*memory = true;
		else if (has_float(btf, id, 0))
			return "a struct with floating-point members travels partly in SSE registers";
		*lost = false;
		return NULL;
	}
	if ((btf_is_int(t) || btf_is_any_enum(t) || btf_is_ptr(t)) && size <= 16) {
		*lost = false;
		return NULL;
	}
	return "not a type a parameter can have";
}

/* Whether a function returning RET gets the address to write it to in di. */
static bool ret_in_memory(const struct btf *btf, uint32_t ret)
{
	unsigned int words;
	bool memory, lost;

	return ret && !classify(btf, ret, &words, &memory, &lost) && memory;
}

size_t abi__params(const struct btf *btf, uint32_t proto, struct abi_param *out, size_t max,
		   bool *variadic)
{
	const struct btf_type *t = btf__type_by_id(btf, proto);
	const struct btf_param *p;
	unsigned int gpr, slot = 0;
	const char *lost = NULL; /* once set, where later parameters are is not known */
	size_t n = 0;

	*variadic = false;
	if (!t || !btf_is_func_proto(t))
		return 0;
	gpr = ret_in_memory(btf, t->type) ? 1 : 0;
	p = btf_params(t);
	for (int i = 0; i < btf_vlen(t); i++, p++) {
		struct abi_param a = { .where = ABI_NONE };
		unsigned int words;
		bool memory, breaks;
		const char *why;

		if (p->type == 0) { /* "...": only ever last */
			*variadic = true;
			break;
		}
		why = lost ? lost : classify(btf, p->type, &words, &memory, &breaks);
		if (why) {
			a.why = why;
			if (!lost && breaks)
				lost = "it comes after a parameter whose place is not worked out";
		} else if (!memory && words > 0 && gpr + words <= ARG_REGS) {
			a.where = ABI_REG;
			a.nregs = (uint8_t)words;
			for (unsigned int w = 0; w < words; w++)
				a.reg[w] = arg_regs[gpr++];
		} else if (words > 0) {
			if (btf__align_of(btf, p->type) >= 16 && slot % 2)
				slot++;
			a.where = ABI_STACK;
			a.slot = (uint16_t)slot;
			a.nslots = (uint16_t)words;
			slot += words;
		} else {
			a.why = "an empty struct is passed nowhere";
		}
		if (n < max)
			out[n] = a;
		n++;
	}
	return n;
}

/* Whether pointer target ID is char, and const: a string, or maybe one. */
static int char_target(const struct btf *btf, uint32_t id, bool *is_const)
{
	*is_const = false;
	for (int depth = 0; id && depth < TYPE_DEPTH; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!t)
			return 0;
		if (btf_is_const(t))
			*is_const = true;
		if (!btf_is_mod(t))
			return btf_is_int(t) && t->size == 1 && btf_int_bits(t) == 8 &&
			       strcmp(btf__name_by_offset(btf, t->name_off), "char") == 0;
		id = t->type;
	}
	return 0;
}

const char *abi__format(const struct btf *btf, uint32_t type_id, struct kt_fetch *prog,
			uint32_t *bytes)
{
	uint32_t id = abi__skip_mods(btf, type_id);
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	bool is_const;

	prog->out = KT_OUT_NONE;
	prog->size = 0;
	*bytes = 0;
	if (!id)
		return "void";
	if (!t)
		return "its type is not in BTF";
	if (btf_is_int(t)) {
		if (t->size > 8)
			return "integers wider than 8 bytes are not recorded";
		prog->size = (uint8_t)t->size;
		prog->out = btf_int_encoding(t) & BTF_INT_BOOL     ? KT_OUT_BOOL
			    : btf_int_encoding(t) & BTF_INT_SIGNED ? KT_OUT_S
								   : KT_OUT_U;
	} else if (btf_is_any_enum(t)) {
		prog->size = (uint8_t)(t->size <= 8 ? t->size : 8);
		prog->out = KT_OUT_ENUM;
	} else if (btf_is_ptr(t)) {
		prog->size = 8;
		prog->out = char_target(btf, t->type, &is_const) ? (is_const ? KT_OUT_STR : KT_OUT_KSTR)
								   : KT_OUT_PTR;
	} else if (btf_is_composite(t)) {
		prog->out = KT_OUT_STRUCT;
		*bytes = t->size;
	} else if (btf_is_float(t)) {
		return "floating point is not recorded";
	} else {
		return "not a type a value can have";
	}
	return NULL;
}
