/* SPDX-License-Identifier: GPL-2.0 */
/* What the BPF programs and user space share: the event record, the counter
 * slots and the limits. Fixed-width types only, record-type tag first so the
 * stream can carry other records later. */
#ifndef KSYMTRACE_BPF_H
#define KSYMTRACE_BPF_H

#define KT_NARGS 6
#define KT_STACK_MAX 32  /* kernel frames kept with --stack; deeper stacks are cut */
#define KT_COMM_LEN 16   /* TASK_COMM_LEN */
#define KT_PROBES_MAX 65536 /* probe ids fit the map sizes chosen at load time */

/* The probe id of an event whose probe could not be identified: only the
 * address-lookup programs for kernels without attach cookies can produce it. */
#define KT_PROBE_UNKNOWN 0xffffffffu

enum kt_rec_type {
	KT_REC_EVENT = 1,
};

enum kt_kind {
	KT_KPROBE = 0,
	KT_KRETPROBE = 1,
};

/* Slots of the per-CPU "stats" array. */
enum kt_stat {
	KT_STAT_LOST = 0,    /* ring buffer full: bpf_ringbuf_reserve() failed */
	KT_STAT_UNKNOWN = 1, /* fired, but no probe id matched the address */
	KT_STAT_MAX,
};

struct kt_event {
	__u32 rec;      /* enum kt_rec_type */
	__u32 probe;    /* probe id (attach cookie or address lookup), or KT_PROBE_UNKNOWN */
	__u64 ts_ns;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 addr;     /* the address the program saw: set only with KT_PROBE_UNKNOWN */
	__u64 args[KT_NARGS]; /* argument registers at a kprobe */
	__u64 retval;   /* return value register at a kretprobe */
	__u32 pid;      /* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 kind;     /* enum kt_kind */
	__s32 stack_sz; /* bytes of stack[] filled, a negative errno, or 0 without --stack */
	__u32 pad;
	char comm[KT_COMM_LEN];
	/* present only with --stack: the record is shorter without it */
	__u64 stack[KT_STACK_MAX];
};

/* Size of a record without the stack, as reserved when --stack is off. */
#define KT_EVENT_NOSTACK_SZ __builtin_offsetof(struct kt_event, stack)

#endif
