// SPDX-License-Identifier: GPL-2.0
/* Test hooks (kernel.h): environment variables that let a test stand a directory
 * in for the kernel's files, or take an older kernel's path on a newer one.
 *
 * ksymtrace runs as root, and what it trusts must not be decided by whoever
 * sets its environment: with KSYMTRACE_SYSROOT, a forged /proc/kallsyms would
 * vouch for a saved table (checks.c) and a probe would go to an address of the
 * forger's choosing. So this file is compiled twice: with KSYMTRACE_TEST_HOOKS=1
 * into build/ksymtrace-test, which the tests run and nothing installs, and
 * without it into build/ksymtrace, the binary `cmake --install` installs, where
 * every hook reads as unset and the hooks' names are not even in the binary. */
#include "kernel.h"

#include <stdlib.h>

#if KSYMTRACE_TEST_HOOKS
static const char *const hook_names[] = {
	[KERNEL_HOOK_SYSROOT] = "KSYMTRACE_SYSROOT",
	[KERNEL_HOOK_FORCE_ADDR_IDS] = "KSYMTRACE_FORCE_ADDR_IDS",
};

const char *kernel__test_hook(enum kernel_hook h)
{
	return getenv(hook_names[h]);
}
#else
const char *kernel__test_hook(enum kernel_hook h)
{
	(void)h;
	return NULL;
}
#endif
