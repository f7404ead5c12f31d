// SPDX-License-Identifier: GPL-2.0
/* The BPF side of ksymtrace: one generic kprobe and one generic kretprobe
 * program, each attached once per target by absolute address. Every event must
 * name the probe that fired, and there are two ways to learn it:
 *
 *  - kt_kprobe / kt_kretprobe read the probe id from the attach cookie
 *    (bpf_get_attach_cookie, Linux 5.15, commit 7adfc6c9b315, with the BPF perf
 *    link of b89fbfbb854c that carries the cookie);
 *  - kt_kprobe_addr / kt_kretprobe_addr, for older kernels, find the id by
 *    address in a hash map filled by user space. A kprobe knows its address from
 *    the registers (x86's int3 leaves regs->ip one byte past it, and ftrace-based
 *    and optimized kprobes fake the same value). A kretprobe's registers say
 *    nothing about the function, so it reads what bpf_get_func_ip() (5.15,
 *    9ffd9f3ff719) would have returned: kprobe_running()->addr. The kernel points
 *    the per-CPU current_kprobe at the kretprobe's own struct kprobe around every
 *    return handler (kernel/kprobes.c, __kretprobe_trampoline_handler, and the
 *    per-arch trampoline handlers before 5.10), and that kprobe's addr is the
 *    function's entry. Kernels of that age carry no per-CPU variables in BTF
 *    (Debian's 5.10 has none), so the variable is found the way the kernel's
 *    per_cpu_ptr() finds it: its address in kallsyms plus __per_cpu_offset[cpu],
 *    both handed over by user space from the symbol table.
 *
 * User space loads one pair, chosen by probing the kernel for the cookie helper,
 * and only the programs it needs. Filters and switches are read-only data set
 * between open and load, so the verifier prunes what a run does not use.
 */
#include "kt_vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ksymtrace.h"

char LICENSE[] SEC("license") = "GPL";

#if defined(bpf_target_x86)
/* libbpf 1.1 has no PT_REGS_PARM6 */
#define KT_PARM6(x) (__PT_REGS_CAST(x)->r9)
/* int3 is one byte long and the trap leaves regs->ip after it */
#define KT_IP_ADJUST 1
#elif defined(bpf_target_arm64)
#define KT_PARM6(x) (__PT_REGS_CAST(x)->regs[5])
/* brk leaves pc on the probed instruction */
#define KT_IP_ADJUST 0
#else
#error "ksymtrace's BPF side knows x86 and arm64 only"
#endif

const volatile __u32 filter_tgid = 0;      /* -p PID, or the -c child with --follow */
/* ksymtrace itself: its own writes would otherwise feed a probe on vfs_write
 * one event per event, forever */
const volatile __u32 self_tgid = 0;
const volatile bool filter_by_comm = false; /* --comm */
const volatile char filter_comm[KT_COMM_LEN] = {};
const volatile bool count_only = false;     /* --count: no events, hits only */
const volatile bool want_stack = false;     /* --stack */
const volatile __u32 probe_count = 0;       /* hits[probe_count] counts KT_PROBE_UNKNOWN */
/* for kt_kretprobe_addr: kallsyms' &__per_cpu_offset and &current_kprobe */
const volatile __u64 per_cpu_offset_table = 0;
const volatile __u64 current_kprobe_var = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 1024); /* --ringbuf-size replaces it before load */
} events SEC(".maps");

/* hits per probe id, plus one slot for unidentified events; resized before load */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* address -> probe id, for the programs without cookies; resized before load */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} kprobe_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u32);
} kretprobe_ids SEC(".maps");

static __always_inline void stat_inc(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &slot);

	/* per-CPU, and kprobe programs never nest on one CPU (bpf_prog_active) */
	if (v)
		*v += 1;
}

static __always_inline bool comm_matches(const char *comm)
{
	for (int i = 0; i < KT_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* ---- the values a probe records (issue 9) -------------------------------------
 * User space compiles what each probe records into fetch programs (struct
 * kt_fetch, bpf/ksymtrace.h), keeps each distinct set of them once in
 * fetch_progs, and says in fetch_of where each probe's set is. One interpreter
 * runs them: emit() copies the registers to the per-CPU scratch record, then
 * calls kt_fetch_one() for each program of the probe's set.
 *
 * kt_fetch_one() is a global function: the verifier checks it once, alone, from
 * its arguments' types (Linux 5.6, 51c39bb1d5d1), rather than once per value at
 * every call site, and 5.10's verifier takes its bounded loop of at most
 * KT_FETCH_DEREFS reads (bounded loops came in 5.3; bpf_loop, 5.17, is not
 * needed). Global functions took only scalars and the context until 5.12, so it
 * finds the record and its program through the maps itself.
 *
 * Every variable offset into the scratch record is masked where it is used
 * (& KT_REC_MASK, inside a record that has room past the mask): 5.10's verifier
 * forgets the bounds of a scalar that clang spills to the stack and reloads
 * between a check and its use (it tracks spilled constants only), and a mask
 * on the reloaded register is a bound it cannot lose. */

#define KT_REC_MASK 0x3fff /* 16 KiB: past KT_REC_MAX, which no value reaches */
_Static_assert(KT_REC_MAX <= KT_REC_MASK, "a record's offsets fit the mask");

/* X & KT_REC_MASK in the register that is then used: in asm, so that clang,
 * which knows the bound from an earlier check, cannot leave the mask out */
static __always_inline __u64 rec_off(__u64 x)
{
	asm volatile("%0 &= 0x3fff" : "+r"(x));
	return x;
}

struct kt_scratch {
	__u64 regs[KT_REG_COUNT]; /* struct pt_regs, a word each (enum kt_reg) */
	/* the record being put together, and room for a string past the mask */
	__u64 rec[(KT_REC_MASK + 1 + KT_STR_READ_MAX + 7) / 8];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_scratch);
} scratch SEC(".maps");

/* probe id -> its set of programs; resized before load */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_fetch_range);
} fetch_of SEC(".maps");

/* every distinct set's programs; resized before load */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_fetch);
} fetch_progs SEC(".maps");

const volatile bool want_values = false;  /* some probe records values */
/* --string-size + 2: the bytes of a string read, its NUL included */
const volatile __u32 string_read = KT_STRING_DEFAULT + 2;

/* Kernel addresses are the upper half of the address space on x86-64 and
 * arm64: a string there is kernel memory, below it the task's. */
#define KT_KERNEL_HALF (1ull << 63)

/* Where the values go in the record: after the header, and after the stack's
 * room with --stack (a constant for the verifier: want_stack is read-only). */
#define KT_VALS_AT (want_stack ? sizeof(struct kt_event) : KT_EVENT_NOSTACK_SZ)

static __always_inline int fetch_string(struct kt_scratch *s, const struct kt_fetch *f,
					struct kt_value *out, __u64 v, __u64 str_at)
{
	__u64 addr = v + (__s64)f->str_off;
	__u32 len = string_read;
	char *dst;
	long r;

	out->v = v;
	out->state = KT_VAL_VALUE;
	/* a NULL char *, or a plain char * into user space (a buffer the call has
	 * not filled yet): the pointer is what there is to say */
	if (f->base != KT_BASE_COMM &&
	    ((!v && !f->str_off) || (f->out == KT_OUT_KSTR && addr < KT_KERNEL_HALF)))
		return 0;
	if (str_at > KT_REC_MAX - KT_STR_READ_MAX || len > KT_STR_READ_MAX)
		return 0;
	dst = (char *)s->rec + rec_off(str_at);
	if (f->base == KT_BASE_COMM)
		r = bpf_get_current_comm(dst, KT_COMM_LEN) ? -1 : KT_COMM_LEN;
	else if (addr >= KT_KERNEL_HALF)
		r = bpf_probe_read_kernel_str(dst, len, (void *)addr);
	else
		r = bpf_probe_read_user_str(dst, len, (void *)addr);
	if (r <= 0) {
		out->v = addr;
		out->state = KT_VAL_FAULT;
		out->step = f->nsteps + 1;
		return 0;
	}
	out->state = KT_VAL_STRING;
	out->str_len = (__u16)r;
	return (int)r;
}

/* Program PROG into the record: value I of the probe, its struct kt_value at
 * VAL_AT + I, its string (if any) at STR_AT. Returns the bytes of string
 * written. (u64 arguments: clang would check a zero-extended copy of a u32.) */
__noinline int kt_fetch_one(__u64 prog, __u64 i, __u64 val_at, __u64 str_at)
{
	__u32 zero = 0, key = (__u32)prog, nsteps;
	const struct kt_fetch *f = bpf_map_lookup_elem(&fetch_progs, &key);
	struct kt_scratch *s = bpf_map_lookup_elem(&scratch, &zero);
	struct kt_value *out;
	__u64 v = 0;

	if (!f || !s || i >= KT_FETCH_MAX || val_at > KT_REC_MAX - KT_FETCH_MAX * sizeof(*out))
		return 0;
	out = (struct kt_value *)((char *)s->rec + rec_off(val_at + i * sizeof(*out)));
	out->v = 0;
	out->str_off = 0;
	out->str_len = 0;
	out->state = KT_VAL_NONE;
	out->step = 0;
	out->pad = 0;
	switch (f->base) {
	case KT_BASE_REG:
		if (f->reg >= KT_REG_COUNT)
			return 0;
		v = s->regs[f->reg];
		break;
	case KT_BASE_RETVAL:
		v = s->regs[KT_REG_AX];
		break;
	case KT_BASE_STACK: {
		/* sp at a probe at +0 is the function's entry sp, which points at the
		 * return address (int3, kprobes on ftrace and optimized kprobes
		 * alike: tests/vm/values.bats checks it): the 7th argument is above */
		__u64 at = s->regs[KT_REG_SP] + 8 + 8 * (__u64)f->reg;

		if (bpf_probe_read_kernel(&v, sizeof(v), (void *)at)) {
			out->v = at;
			out->state = KT_VAL_FAULT;
			return 0;
		}
		break;
	}
	case KT_BASE_COMM:
		return fetch_string(s, f, out, 0, str_at);
	default: /* KT_BASE_NONE */
		return 0;
	}
	nsteps = f->nsteps;
	for (__u32 k = 0; k < KT_FETCH_DEREFS; k++) {
		__u64 at, word = 0;
		__u32 size;

		if (k >= nsteps)
			break;
		at = v + (__s64)f->steps[k].off;
		size = f->steps[k].size;
		if (size == 0 || size > 8)
			size = 8;
		/* little-endian: SIZE bytes into a zeroed word are the value
		 * zero-extended; user space sign-extends and cuts bitfields */
		if (bpf_probe_read_kernel(&word, size, (void *)at)) {
			out->v = at;
			out->state = KT_VAL_FAULT;
			out->step = (__u8)(k + 1);
			return 0;
		}
		v = word;
	}
	if (f->final == KT_FINAL_STRING)
		return fetch_string(s, f, out, v, str_at);
	out->v = v;
	out->state = KT_VAL_VALUE;
	return 0;
}

/* The values of PROBE after the header (and the stack's room) of the record in
 * S. Returns the bytes they take, strings included, and sets the header's
 * counts. */
static __always_inline __u64 record_values(struct pt_regs *ctx, struct kt_scratch *s,
					   struct kt_event *e, __u32 probe)
{
	struct kt_fetch_range *at = bpf_map_lookup_elem(&fetch_of, &probe);
	__u64 n, first, vals_at = KT_VALS_AT, str_at, strs = 0;

	if (!at || !at->n)
		return 0;
	first = at->first;
	n = at->n < KT_FETCH_MAX ? at->n : KT_FETCH_MAX;
	/* every register, for the programs' bases: struct pt_regs word by word */
	__builtin_memcpy(s->regs, ctx, sizeof(s->regs));
	str_at = vals_at + n * sizeof(struct kt_value);
	for (__u32 i = 0; i < KT_FETCH_MAX; i++) {
		struct kt_value *out = (struct kt_value *)((char *)s->rec + vals_at) + i;
		int r;

		if (i >= n)
			break;
		r = kt_fetch_one(first + i, i, vals_at, str_at + strs);
		if (r > 0 && r <= KT_STR_READ_MAX) {
			out->str_off = (__u16)strs;
			strs += r;
		}
	}
	e->nvals = (__u8)n;
	e->strs_len = (__u16)strs;
	return n * sizeof(struct kt_value) + strs;
}

/* One event of PROBE: the filters, the hit count, then the record, put together
 * in the per-CPU scratch and copied to the ring buffer whole. Every program
 * calls it (a BPF-to-BPF call: one copy of it, not one per program). PROBE_IP:
 * at an entry, the address of the probe, which the first frame of a --stack
 * shows in place of the instruction pointer the handler sees. */
static __noinline int emit(struct pt_regs *ctx, __u32 probe, __u32 kind, __u64 addr,
			   __u64 probe_ip)
{
	__u64 ts = bpf_ktime_get_ns();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 slot = probe == KT_PROBE_UNKNOWN ? probe_count : probe, zero = 0;
	__u64 size;
	struct kt_scratch *s;
	struct kt_event *e;
	__u64 *h;

	if ((__u32)(id >> 32) == self_tgid || (filter_tgid && (__u32)(id >> 32) != filter_tgid))
		return 0;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	e = (struct kt_event *)s->rec;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (filter_by_comm && !comm_matches(e->comm))
		return 0;

	h = bpf_map_lookup_elem(&hits, &slot);
	if (h)
		*h += 1;
	if (probe == KT_PROBE_UNKNOWN)
		stat_inc(KT_STAT_UNKNOWN);
	if (count_only)
		return 0;

	e->rec = KT_REC_EVENT;
	e->probe = probe;
	e->ts_ns = ts;
	e->addr = addr;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	e->flags = want_stack ? KT_EV_STACK : 0;
	e->nvals = 0;
	e->strs_len = 0;
	if (kind == KT_KPROBE) {
		e->args[0] = PT_REGS_PARM1(ctx);
		e->args[1] = PT_REGS_PARM2(ctx);
		e->args[2] = PT_REGS_PARM3(ctx);
		e->args[3] = PT_REGS_PARM4(ctx);
		e->args[4] = PT_REGS_PARM5(ctx);
		e->args[5] = KT_PARM6(ctx);
		e->retval = 0;
	} else {
		/* at a return the argument registers hold whatever the callee left */
		__builtin_memset(e->args, 0, sizeof(e->args));
		e->retval = PT_REGS_RC(ctx);
	}
	if (want_stack) {
		e->stack_sz = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
		/* The first frame is the instruction pointer the handler sees, one byte
		 * past the probe on x86: int3 leaves it there, and ftrace-based and
		 * optimized kprobes set the same value for the handler
		 * (arch/x86/kernel/kprobes/ftrace.c, opt.c). Measured in the test VM:
		 * vfs_read+0x1 for a probe at vfs_read on 5.10 and 6.1, +0x5 on 6.12 (the
		 * probe sits past ENDBR, at +4: events.c shows that one at +0), and
		 * vfs_read+0x28 for one at +0x27. Show the probe itself. A kretprobe
		 * has no such frame: its first is where the function returned. */
		if (kind == KT_KPROBE && e->stack_sz >= (long)sizeof(e->stack[0]) &&
		    e->stack[0] == PT_REGS_IP(ctx))
			e->stack[0] = probe_ip;
	} else {
		e->stack_sz = 0;
	}
	size = KT_VALS_AT;
	if (want_values && probe != KT_PROBE_UNKNOWN)
		size += record_values(ctx, s, e, probe);
	if (size > KT_REC_MAX)
		return 0;
	if (bpf_ringbuf_output(&events, s->rec, rec_off(size), 0))
		stat_inc(KT_STAT_LOST);
	return 0;
}

/* ---- Linux 5.15+: the attach cookie is the probe id ---- */

/* Where a probe on a module sits, for user space, which cannot know it: the
 * kernel places it on each load of the module. A probe asked for at +0 of a
 * function that begins with ENDBR64 sits after it, at +4, since 5.18 ("x86/ibt,
 * kprobes: Cure sym+0 equals fentry woes"): the kernel takes both as one site,
 * and so is it named here, by the function's start. */
static __always_inline __u64 site_addr(__u64 ip)
{
#if defined(bpf_target_x86)
	__u32 insn = 0;

	if (bpf_probe_read_kernel(&insn, sizeof(insn), (void *)(ip - 4)) == 0 && insn == 0xfa1e0ff3)
		return ip - 4; /* f3 0f 1e fa: endbr64 */
#endif
	return ip;
}

SEC("kprobe")
int kt_kprobe(struct pt_regs *ctx)
{
	return emit(ctx, (__u32)bpf_get_attach_cookie(ctx), KT_KPROBE,
		    site_addr(PT_REGS_IP(ctx) - KT_IP_ADJUST), PT_REGS_IP(ctx) - KT_IP_ADJUST);
}

SEC("kretprobe")
int kt_kretprobe(struct pt_regs *ctx)
{
	return emit(ctx, (__u32)bpf_get_attach_cookie(ctx), KT_KRETPROBE, 0, 0);
}

/* ---- older kernels: the probe id is found by address ---- */

static __always_inline int emit_by_addr(struct pt_regs *ctx, void *ids, __u64 addr, __u32 kind)
{
	__u32 *id = bpf_map_lookup_elem(ids, &addr);

	return emit(ctx, id ? *id : KT_PROBE_UNKNOWN, kind, addr, addr);
}

SEC("kprobe")
int kt_kprobe_addr(struct pt_regs *ctx)
{
	return emit_by_addr(ctx, &kprobe_ids, PT_REGS_IP(ctx) - KT_IP_ADJUST, KT_KPROBE);
}

/* this_cpu_read(current_kprobe)->addr, by hand: per_cpu_ptr(&var, cpu) is
 * &var + __per_cpu_offset[cpu] on every SMP architecture */
static __always_inline __u64 running_kprobe_addr(void)
{
	__u64 cpu = bpf_get_smp_processor_id(), base;
	struct kprobe *kp;

	if (bpf_probe_read_kernel(&base, sizeof(base), (void *)(per_cpu_offset_table + cpu * 8)) ||
	    bpf_probe_read_kernel(&kp, sizeof(kp), (void *)(base + current_kprobe_var)) || !kp)
		return 0;
	return (__u64)BPF_CORE_READ(kp, addr);
}

SEC("kretprobe")
int kt_kretprobe_addr(struct pt_regs *ctx)
{
	return emit_by_addr(ctx, &kretprobe_ids, running_kprobe_addr(), KT_KRETPROBE);
}

/* ---- kprobe_multi (Linux 5.18, CONFIG_FPROBE): one link, many addresses ----
 *
 * A kprobe_multi link attaches one program at many function entries (or
 * returns) at once, through fprobe on ftrace, with a cookie per address: the
 * probe id, as for kt_kprobe. The expected attach type is fixed at load, hence
 * programs of their own. They never look at current_kprobe (kt_kretprobe_addr's
 * way): fprobe runs no struct kprobe. Nor does KT_IP_ADJUST apply: no int3 ran.
 * bpf_get_func_ip() is the function's address (the entry, before an ENDBR:
 * fprobe puts the hook at +4 itself, get_entry_ip() takes it back), so the
 * first frame of a stack shows the probe at +0, as the per-address path does. */

SEC("kprobe.multi")
int kt_kprobe_multi(struct pt_regs *ctx)
{
	return emit(ctx, (__u32)bpf_get_attach_cookie(ctx), KT_KPROBE, 0, bpf_get_func_ip(ctx));
}

SEC("kretprobe.multi")
int kt_kretprobe_multi(struct pt_regs *ctx)
{
	return emit(ctx, (__u32)bpf_get_attach_cookie(ctx), KT_KRETPROBE, 0, 0);
}
