/* SPDX-License-Identifier: GPL-2.0 */
/* Whether a second thread can run beside this one. The reader of /proc/kallsyms
 * (prefetch.c), the writer of a snapshot's records and the second half of the
 * name index's sort (ksyms_snap.c, ksyms_index.c) only pay when it can: on one
 * CPU (the test VM has one) they cost their handovers and gain nothing. */
#ifndef KSYMTRACE_CPUS_H
#define KSYMTRACE_CPUS_H

#include <sched.h>
#include <stdbool.h>

static inline bool cpus_to_spare(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

#endif
