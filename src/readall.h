/* SPDX-License-Identifier: GPL-2.0 */
/* A whole file into memory: a module file, the kernel's BTF, /proc/modules,
 * tracefs's kprobe_events. One reader for all, so each size rule, EINTR and the
 * growth of a buffer for files whose size stat() does not tell (/proc, tracefs)
 * are written once. */
#ifndef KSYMTRACE_READALL_H
#define KSYMTRACE_READALL_H

#include <stddef.h>

/* All of the file at PATH, at most MAX bytes, into *BUF (malloc'd,
 * NUL-terminated; the NUL is not counted in *LEN). Returns 0, or -errno: open()'s
 * error, -EISDIR, -EFBIG past MAX, -ENOMEM, or read()'s error. */
int read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
