/* SPDX-License-Identifier: GPL-2.0 */
/* The record shared by the BPF programs and user space: fixed-width types only,
 * record-type tag first so the stream can grow other records later. */
#ifndef KSYMTRACE_BPF_H
#define KSYMTRACE_BPF_H

#define KT_NARGS 6
#define KT_STACK_MAX 32
#define KT_COMM_LEN 16

enum kt_rec_type {
	KT_REC_EVENT = 1,
};

enum kt_kind {
	KT_KPROBE = 0,
	KT_KRETPROBE = 1,
};

struct kt_event {
	__u32 rec;      /* enum kt_rec_type */
	__u32 probe;    /* probe id: the attach cookie, or found by address */
	__u64 ts_ns;    /* bpf_ktime_get_ns() */
	__u64 ip;       /* probe address at entry (regs->ip - 1 on x86), 0 at return */
	__u64 args[KT_NARGS];
	__u64 retval;
	__u32 pid;      /* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 kind;     /* enum kt_kind */
	__s32 stack_sz; /* bytes of stack[] filled, or a negative errno */
	__u32 pad;
	char comm[KT_COMM_LEN];
	__u64 stack[KT_STACK_MAX];
};

#endif
