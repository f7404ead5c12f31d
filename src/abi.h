/* SPDX-License-Identifier: GPL-2.0 */
/* Where a function's parameters are at its entry, and how a value of a BTF type
 * is printed: the x86-64 System V calling convention (the kernel's, with no
 * floating point), worked out from BTF types, never guessed.
 *
 *   abi__params(btf, proto, out, max)     each parameter's register(s) or stack slot
 *   abi__format(btf, type, &prog, &bytes) how a value of TYPE reads and prints
 *   abi__reg_name(KT_REG_DI)              "di"
 *
 * Only x86-64 is worked out; abi__supported() says whether this build is one. */
#ifndef KSYMTRACE_ABI_H
#define KSYMTRACE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "ksymtrace.h"

struct btf;

enum abi_where {
	ABI_REG,   /* in reg[0] (and reg[1] for 9 to 16 bytes) */
	ABI_STACK, /* in the 8-byte stack words slot .. slot + nslots - 1 */
	ABI_NONE,  /* nowhere a kprobe can read: why says */
};

struct abi_param {
	enum abi_where where;
	uint8_t nregs;     /* ABI_REG: 1 or 2 */
	uint8_t reg[2];    /* enum kt_reg */
	uint16_t slot;     /* ABI_STACK: the first word above the return address */
	uint16_t nslots;
	const char *why;   /* ABI_NONE: why (a constant string) */
};

bool abi__supported(void);

/* Place the parameters of FUNC_PROTO PROTO into OUT (up to MAX). Returns how many
 * parameters there are before any variadic "...", and sets *VARIADIC. A struct
 * returned in memory takes di for its address (the hidden first argument). */
size_t abi__params(const struct btf *btf, uint32_t proto, struct abi_param *out, size_t max,
		   bool *variadic);

/* How a value of TYPE_ID (0: void) is read and printed: PROG's out, size (the
 * bytes that count) and, for a struct by value, *BYTES; the base and the steps
 * are the caller's. Returns NULL, or why no value of this type is recorded
 * (void, floating point, 128-bit integers). */
const char *abi__format(const struct btf *btf, uint32_t type_id, struct kt_fetch *prog,
			uint32_t *bytes);

/* The type under typedefs and qualifiers (const, volatile, restrict, type tags). */
uint32_t abi__skip_mods(const struct btf *btf, uint32_t type_id);

/* "di", "r8", "sp"...: the register's name in perf's spelling; NULL if none. */
const char *abi__reg_name(unsigned int reg);
/* The register perf's spelling NAME names ("di" or "rdi"), or -1. */
int abi__reg_find(const char *name);

/* "di", "dx:cx", "sp+16" or "-": where the parameter is, as the plan prints it. */
void abi__where(const struct abi_param *p, char *buf, size_t len);

#endif
