// SPDX-License-Identifier: GPL-2.0
/* Generic kprobe/kretprobe programs, attached once per target by absolute address
 * with the probe id as the attach cookie. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ksymtrace.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 filter_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline int emit(struct pt_regs *ctx, __u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct kt_event *e;

	if (filter_tgid && (id >> 32) != filter_tgid)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->rec = KT_REC_EVENT;
	e->probe = (__u32)bpf_get_attach_cookie(ctx);
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->ip = kind == KT_KPROBE ? PT_REGS_IP_CORE(ctx) - 1 : 0;
	e->args[0] = PT_REGS_PARM1_CORE(ctx);
	e->args[1] = PT_REGS_PARM2_CORE(ctx);
	e->args[2] = PT_REGS_PARM3_CORE(ctx);
	e->args[3] = PT_REGS_PARM4_CORE(ctx);
	e->args[4] = PT_REGS_PARM5_CORE(ctx);
	e->args[5] = 0;
	e->retval = kind == KT_KRETPROBE ? PT_REGS_RC_CORE(ctx) : 0;
	e->stack_sz = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("kprobe")
int kt_kprobe(struct pt_regs *ctx)
{
	return emit(ctx, KT_KPROBE);
}

SEC("kretprobe")
int kt_kretprobe(struct pt_regs *ctx)
{
	return emit(ctx, KT_KRETPROBE);
}
