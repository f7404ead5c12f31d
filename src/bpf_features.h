/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel's BPF offers, where libbpf 1.1 has no probe for it:
 * found by trying, apart from the engine that uses it (tracer.c). */
#ifndef KSYMTRACE_BPF_FEATURES_H
#define KSYMTRACE_BPF_FEATURES_H

#include <stdbool.h>

/* Whether the kernel makes kprobe_multi links (Linux 5.18 with CONFIG_FPROBE).
 * False with the reason in WHY ("CONFIG_FPROBE is off", ...), for -v. */
bool bpf_features__kprobe_multi(const char **why);

#endif
