/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a slow file on a second thread, ahead of the one that parses it.
 *
 * The kernel generates /proc/kallsyms line by line as it is read: about 35 ms of
 * its time for 120,000 lines on a fast machine, most of a second under TCG,
 * against a few milliseconds for ksymtrace to parse them. With the reads on
 * their own thread, the parse happens while the kernel generates the next
 * chunk, and a live read costs little more than the kernel's part
 * (scripts/bench-resolve.sh). Only for files that end: a pipe could block the
 * reader for ever, and prefetch__stop() waits for it. */
#ifndef KSYMTRACE_PREFETCH_H
#define KSYMTRACE_PREFETCH_H

#include <stddef.h>
#include <sys/types.h>

struct prefetch;

/* Start reading FD ahead, CHUNK bytes at a time, at most SLOTS chunks ahead.
 * NULL if no thread could be started, or one would have no CPU of its own
 * (cpus.h): then read FD directly. */
struct prefetch *prefetch__start(int fd, size_t chunk, unsigned slots);
/* Like read(2) on FD: up to LEN bytes, 0 at the end, -1 with errno on error. */
ssize_t prefetch__read(struct prefetch *pf, void *buf, size_t len);
/* Stop the reader (it finishes the read it is in) and free everything. */
void prefetch__stop(struct prefetch *pf);

#endif
