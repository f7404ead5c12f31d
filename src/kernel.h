/* SPDX-License-Identifier: GPL-2.0 */
/* What the running kernel offers, and what its refusals mean:
 *
 *   kernel__path(buf, len, "/proc/kallsyms")   every path of the kernel's files
 *   kernel__support(&ks); kernel__allows(&ks)  kprobes? allowed to use them?
 *   kernel__explain_bpf(what, err)              a bpf() errno as one line + hint
 *   kernel__explain_attach(&site, err)          a kprobe's errno (DESIGN.md §2)
 *
 * No libbpf here: errnos are plain ints, so host tests and the plan link it. */
#ifndef KSYMTRACE_KERNEL_H
#define KSYMTRACE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for any path kernel__path() builds. */
#define KERNEL_PATH_MAX 4096

/* The path of the kernel's file REL (an absolute path: "/proc/kallsyms",
 * "/sys/kernel/tracing/available_filter_functions") as ksymtrace reads it: under
 * the KERNEL_HOOK_SYSROOT directory in a test build, so that tests can stand a
 * directory in for a kernel with kprobes, or without. Every path of /proc, /sys,
 * tracefs and debugfs is built here. Returns BUF, which holds "" if the path
 * does not fit (opening "" fails like a missing file). */
const char *kernel__path(char *buf, size_t len, const char *rel);

/* Whether the table read from PATH ("-" is standard input) is the running
 * kernel's own: /proc/kallsyms, or the very file kernel__path() names for it.
 * Any other file is a saved copy, from this boot or another, and the addresses
 * of the kernel's lists do not apply to it (KASLR). */
bool kernel__is_live_table(const char *path);

/* Test hooks: what only a test build reads from its environment (ksymtrace-test,
 * built with -DKSYMTRACE_TEST_HOOKS=ON; see kernel_hooks.c). In the installed
 * ksymtrace every hook reads as unset (NULL). */
enum kernel_hook {
	KERNEL_HOOK_SYSROOT,        /* KSYMTRACE_SYSROOT: a directory that stands for / */
	KERNEL_HOOK_FORCE_ADDR_IDS, /* KSYMTRACE_FORCE_ADDR_IDS=1: tell probes apart by
				     * address, as before 5.15, on any kernel */
};
const char *kernel__test_hook(enum kernel_hook h);

/* Whether the running kernel's release (uname -r: "6.12.118+deb13-amd64") is
 * MAJOR.MINOR or later. For behaviour that no feature probe can see, such as a
 * counter a kernel keeps or not; false when the release cannot be read. */
bool kernel__at_least(unsigned int major, unsigned int minor);

struct kernel_support {
	bool kprobes;        /* the perf kprobe PMU exists */
	bool privileged;     /* CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON */
	char why[256];       /* when !kprobes: the cause, for one line */
	char hint[256];      /* and what to do about it ("" if nothing) */
};

/* What the running kernel offers, from sysfs, tracefs and its build config. */
void kernel__support(struct kernel_support *ks);

/* Whether attach may go on with KS: a real attach needs kprobes, and even a dry
 * run needs the privilege to load BPF programs. Prints the cause and a hint when
 * not. */
bool kernel__allows(const struct kernel_support *ks, bool dry_run);

/* One line (and a hint) for ERR, the errno of a bpf() call that did WHAT
 * ("cannot load the BPF programs"). */
void kernel__explain_bpf(const char *what, int err);

/* A probe the kernel refused, in the terms of its messages. */
struct kernel_site {
	const char *label; /* the probe as a spec: "name+0xoff#N" */
	const char *func;  /* the function's name */
	uint64_t off;      /* offset inside it */
	uint64_t addr;     /* where the probe was to go */
	bool ret;          /* kretprobe */
	size_t others;     /* the other probes of the run, that --skip-failed would keep */
	const char *waits; /* a module not loaded that the probe waits for (a tracefs
			    * MOD:SYM event, no address), or NULL */
};

/* One line (and a hint) for why the kernel refused a kprobe at SITE with ERR;
 * the hint names --skip-failed when SITE has others. */
void kernel__explain_attach(const struct kernel_site *site, int err);

#endif
