// SPDX-License-Identifier: GPL-2.0
/* Kernel BPF features probed by trying. See bpf_features.h. */
#define _GNU_SOURCE
#include "bpf_features.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

/* A name no kernel has: what the kernel does with it tells what it can do. */
#define NO_SUCH_FUNCTION "ksymtrace_probe_no_such_function"

/* A trivial program of the kprobe_multi attach type, then a link of it on a
 * symbol that does not exist. The kernel answers (kernel/trace/bpf_trace.c,
 * bpf_kprobe_multi_link_attach): ESRCH, the symbol is not there
 * (ftrace_lookup_symbols; measured on 6.12) or ENOENT: it has kprobe_multi;
 * EOPNOTSUPP: built without CONFIG_FPROBE (the stub; Debian's 6.1, measured);
 * EINVAL: no such attach type (before 5.18, commit 0dcac2725406). Nothing is
 * probed, whatever the answer. */
bool bpf_features__kprobe_multi(const char **why)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const char *syms[] = { NO_SUCH_FUNCTION };
	LIBBPF_OPTS(bpf_prog_load_opts, po, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
	LIBBPF_OPTS(bpf_link_create_opts, lo, .kprobe_multi.syms = syms, .kprobe_multi.cnt = 1);
	int prog, link, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "kt_multi_probe", "GPL", insns, 2, &po);
	if (prog < 0) {
		*why = "a kprobe_multi program does not load (before Linux 5.18)";
		return false;
	}
	link = bpf_link_create(prog, 0, BPF_TRACE_KPROBE_MULTI, &lo);
	err = link < 0 ? errno : 0;
	if (link >= 0)
		close(link);
	close(prog);
	switch (err) {
	case 0:
	case ESRCH:
	case ENOENT:
		*why = NULL;
		return true;
	case EOPNOTSUPP:
		*why = "built without CONFIG_FPROBE";
		return false;
	case EINVAL:
		*why = "no kprobe_multi links before Linux 5.18";
		return false;
	default:
		*why = strerror(err);
		return false;
	}
}
