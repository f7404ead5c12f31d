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

/* A record is this header, then, in order:
 *   the stack's room (KT_STACK_MAX frames) when flags has KT_EV_STACK (--stack);
 *   nvals struct kt_value, one per value the probe records (its fetch programs);
 *   strs_len bytes of strings, which the values point into.
 * The ring buffer states the record's size, and it is exactly the sum. */
struct kt_event {
	__u32 rec;      /* enum kt_rec_type */
	__u32 probe;    /* probe id (attach cookie or address lookup), or KT_PROBE_UNKNOWN */
	__u64 ts_ns;    /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 addr;     /* the address the program saw: set only with KT_PROBE_UNKNOWN */
	__u64 args[KT_NARGS]; /* argument registers at a kprobe */
	__u64 retval;   /* the return value register, whole, at a kretprobe */
	__u32 pid;      /* tgid */
	__u32 tid;
	__u32 cpu;
	__u32 kind;     /* enum kt_kind */
	__s32 stack_sz; /* bytes of stack[] filled, a negative errno, or 0 without --stack */
	__u8 flags;     /* KT_EV_STACK */
	__u8 nvals;     /* struct kt_value after the stack's room: 0 .. KT_FETCH_MAX */
	__u16 strs_len; /* bytes of strings after the values */
	char comm[KT_COMM_LEN];
	/* present only with --stack (KT_EV_STACK): the record is shorter without it */
	__u64 stack[KT_STACK_MAX];
};

#define KT_EV_STACK 0x1

/* Size of a record's header: without the stack, the values or the strings. */
#define KT_EVENT_NOSTACK_SZ __builtin_offsetof(struct kt_event, stack)

/* ---- fetch programs (issue 9) ------------------------------------------------
 * What a probe records besides the registers: its typed parameters, or the
 * values of --arg expressions, each compiled in user space against BTF
 * (src/fetch_compile.c, src/probe_values.c) into one kt_fetch that a bounded
 * interpreter runs at the probe:
 *
 *   v = base                       a register, a stack word, the return value
 *   for i in 0 .. nsteps-1:        each step is one read of kernel memory:
 *       v = *(steps[i].size bytes *)(v + steps[i].off), zero-extended
 *   final == KT_FINAL_VALUE:       record v
 *   final == KT_FINAL_STRING:      record the NUL-terminated string at v + str_off
 *                                  (at most --string-size bytes)
 *
 * A read that faults ends the program: that value prints "<fault>", the event
 * is still printed. The printer (user space) keeps size bytes of v, applies the
 * bitfield (v >> bit_shift, bit_size bits) and prints it as out says. */
#define KT_FETCH_DEREFS 8    /* memory reads before the value: "at most 8 dereferences" */
#define KT_ARG_EXPRS_MAX 8   /* --arg expressions per probe */
#define KT_FETCH_MAX 12      /* values per probe: typed parameters (12 at most: the
			      * kernel's MAX_BPF_FUNC_ARGS), or the expressions */
#define KT_STRING_DEFAULT 64 /* --string-size */
#define KT_STRING_MAX 1024

enum kt_fetch_base {
	KT_BASE_NONE = 0,   /* nothing is read: unavailable, or a struct passed by value */
	KT_BASE_REG = 1,    /* reg is a word index in x86-64's struct pt_regs (enum kt_reg) */
	KT_BASE_STACK = 2,  /* reg is a slot: the 8-byte word at (sp at the function's
			     * entry) + 8 + 8 * slot, above the return address: where the
			     * x86-64 SysV ABI puts the 7th and later arguments */
	KT_BASE_RETVAL = 3, /* the return value register (kretprobes only) */
	KT_BASE_COMM = 4,   /* the task's comm (a string, no steps) */
};

/* struct pt_regs of x86-64 (arch/x86/include/asm/ptrace.h, the same order as
 * user_regs_struct), one 8-byte word each. Arguments 1-6: di si dx cx r8 r9. */
enum kt_reg {
	KT_REG_R15, KT_REG_R14, KT_REG_R13, KT_REG_R12, KT_REG_BP, KT_REG_BX,
	KT_REG_R11, KT_REG_R10, KT_REG_R9, KT_REG_R8, KT_REG_AX, KT_REG_CX,
	KT_REG_DX, KT_REG_SI, KT_REG_DI, KT_REG_ORIG_AX, KT_REG_IP, KT_REG_CS,
	KT_REG_FLAGS, KT_REG_SP, KT_REG_SS,
	KT_REG_COUNT,
};

enum kt_fetch_final {
	KT_FINAL_VALUE = 0,
	KT_FINAL_STRING = 1,
};

/* How the printer shows a value. */
enum kt_out {
	KT_OUT_NONE = 0,  /* nothing recorded: unavailable (the plan says why) */
	KT_OUT_U = 1,     /* unsigned decimal */
	KT_OUT_S = 2,     /* signed decimal: size bytes (or bit_size bits) sign-extended */
	KT_OUT_X = 3,     /* hex */
	KT_OUT_BOOL = 4,  /* true / false (any non-zero is true) */
	KT_OUT_ENUM = 5,  /* the enumerator's name from BTF, else the number */
	KT_OUT_PTR = 6,   /* a pointer in hex; at a return, ERR_PTR values as -ENOENT */
	KT_OUT_STR = 7,   /* a string: kernel memory for a kernel address, user memory
			   * for a user one (const char __user *filename) */
	KT_OUT_KSTR = 8,  /* a string where the value is a kernel address, else the
			   * pointer in hex: a plain char * into user space is an
			   * output buffer the call has not filled yet */
	KT_OUT_STRUCT = 9,/* a struct or union passed by value: a marker with its size */
};

struct kt_fetch_step {
	__s32 off;   /* added to v before the read */
	__u32 size;  /* bytes read: 1, 2, 4 or 8 */
};

struct kt_fetch {
	__u8 base;      /* enum kt_fetch_base */
	__u8 reg;       /* KT_BASE_REG: enum kt_reg; KT_BASE_STACK: slot */
	__u8 nsteps;    /* 0 .. KT_FETCH_DEREFS */
	__u8 final;     /* enum kt_fetch_final */
	__u8 size;      /* KT_FINAL_VALUE: bytes that count (1, 2, 4, 8) */
	__u8 out;       /* enum kt_out */
	__u8 bit_shift; /* a bitfield: (v >> bit_shift) ... */
	__u8 bit_size;  /* ... & ((1 << bit_size) - 1); 0 when not a bitfield */
	__s32 str_off;  /* KT_FINAL_STRING: added to v before the string is read */
	__u32 pad;
	struct kt_fetch_step steps[KT_FETCH_DEREFS];
};

/* Every value one probe records, in order. */
struct kt_probe_fetch {
	__u32 n;        /* 0 .. KT_FETCH_MAX */
	__u32 pad;
	struct kt_fetch f[KT_FETCH_MAX];
};

/* The BPF side keeps every distinct set of programs one after the other in an
 * array of struct kt_fetch (fetch_progs), and per probe id where its set is:
 * a program is found by its index, never by an offset into a set. */
struct kt_fetch_range {
	__u32 first;    /* the index of its first program */
	__u32 n;        /* how many; 0: none (raw registers) */
};

/* ---- what a record holds of each value ------------------------------------------- */

enum kt_val_state {
	KT_VAL_NONE = 0,   /* nothing read: the fetch program has no base (unavailable,
			    * a struct by value) */
	KT_VAL_VALUE = 1,  /* v is the value (for a string program: the pointer, not
			    * read: NULL, or a KT_OUT_KSTR that points into user space) */
	KT_VAL_STRING = 2, /* the string read at v is in the strings, str_len bytes at
			    * str_off, its NUL included */
	KT_VAL_FAULT = 3,  /* read number step faulted (0: the stack slot of the base,
			    * 1 .. nsteps: the steps, nsteps + 1: the string) at address v */
};

struct kt_value {
	__u64 v;
	__u16 str_off;  /* KT_VAL_STRING: from the start of the strings */
	__u16 str_len;  /* KT_VAL_STRING: 1 .. string_size + 2, the NUL included */
	__u8 state;     /* enum kt_val_state */
	__u8 step;      /* KT_VAL_FAULT */
	__u16 pad;
};

/* A string is read with room for string_size + 1 bytes and the NUL: one byte more
 * than is printed, so that the printer knows whether it was cut. */
#define KT_STR_READ_MAX (KT_STRING_MAX + 2)
/* The longest record: a stack, every value, every one a string read whole. */
#define KT_REC_MAX (sizeof(struct kt_event) + KT_FETCH_MAX * sizeof(struct kt_value) + \
		    KT_FETCH_MAX * KT_STR_READ_MAX)

#endif
