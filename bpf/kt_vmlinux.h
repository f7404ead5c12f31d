/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel types the BPF programs use, and nothing else: what a vmlinux.h
 * dumped from some kernel's BTF would give them, kept here so that building
 * ksymtrace does not depend on the build machine's kernel (or on it having BTF
 * at all).
 *
 * Every struct here is a CO-RE view: preserve_access_index makes clang record
 * each field access as a relocation (field name and access path, not a fixed
 * offset), and libbpf patches the offset at load time from the running kernel's
 * BTF. So a struct only needs the fields the programs read, under the kernel's
 * names; the offsets written here are only clang's first guess. Worth knowing
 * when adding a type:
 *  - a field that moved or changed type between kernels is still found by name;
 *  - a field that does not exist on some kernel fails the load there, unless the
 *    program guards it with bpf_core_field_exists();
 *  - two definitions of one kernel struct (say, two views with different fields)
 *    take a "flavor" suffix: struct foo___a is matched against struct foo.
 * Integer typedefs and enum values are not relocated: they must match the
 * kernel's ABI exactly (uapi values are fixed, so they are given by number).
 */
#ifndef KT_VMLINUX_H
#define KT_VMLINUX_H

/* libbpf's bpf_tracing.h names x86's registers as the kernel does (di, si, ...)
 * rather than as the uapi <asm/ptrace.h> does (rdi, rsi, ...) only when it sees
 * this guard, which every dumped vmlinux.h defines. CO-RE matches fields by
 * name, so the kernel's names are the ones that resolve. */
#define __VMLINUX_H__

/* ---- integers, as in include/uapi/asm-generic/int-ll64.h ---- */

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;

/* in the prototypes of libbpf's bpf_helper_defs.h */
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

typedef _Bool bool;
enum {
	false = 0,
	true = 1,
};

/* ---- uapi enums (include/uapi/linux/bpf.h): values are ABI ---- */

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27, /* Linux 5.8 */
};

/* ---- relocated kernel structs ---- */

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

#if defined(__TARGET_ARCH_x86)
/* arch/x86/include/asm/ptrace.h, x86-64. The whole frame, in the kernel's
 * order, so that the offsets clang writes are already the right ones; 6.9 made
 * cs and ss unions (FRED) without moving anything. */
struct pt_regs {
	unsigned long r15;
	unsigned long r14;
	unsigned long r13;
	unsigned long r12;
	unsigned long bp;
	unsigned long bx;
	unsigned long r11;
	unsigned long r10;
	unsigned long r9;
	unsigned long r8;
	unsigned long ax;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
	unsigned long orig_ax;
	unsigned long ip;
	unsigned long cs;
	unsigned long flags;
	unsigned long sp;
	unsigned long ss;
};
#elif defined(__TARGET_ARCH_arm64)
/* arch/arm64/include/uapi/asm/ptrace.h. The kernel's struct pt_regs begins
 * with this one, and libbpf's bpf_tracing.h reads registers through it. */
struct user_pt_regs {
	__u64 regs[31];
	__u64 sp;
	__u64 pc;
	__u64 pstate;
};
struct pt_regs;
#else
#error "kt_vmlinux.h knows x86-64 and arm64 only (-D__TARGET_ARCH_x86 or _arm64)"
#endif

/* include/linux/kprobes.h: the probed address (kprobe_opcode_t * there) */
struct kprobe {
	void *addr;
};

#pragma clang attribute pop

#endif
