/* SPDX-License-Identifier: GPL-2.0 */
/* The snapshot file of a symbol table: the stable part of /proc/kallsyms (the core
 * kernel and the modules, not the pseudo-modules) with the complete name index, as
 * one file that a later run maps and uses in place, with no parsing (issue 15).
 *
 *   header   magic, format version, the record layout, sizes, a hash of the whole
 *            file, and the keys that say which boot and which modules it is of
 *   records  struct ksym[n], address order          (ksyms_impl.h, as in memory)
 *   by_name  uint32_t[n], the sorted name index
 *   buckets  uint32_t[KSYMS_BUCKET_BOUNDS], where each bucket of it starts
 *   modules  uint32_t[n_mods], arena offsets of module names ([0] is vmlinux)
 *   arena    the names, NUL-terminated, then KSYMS_PAD zero bytes
 * Each part starts 8-byte aligned; its offset follows from the sizes before it.
 *
 * This module knows the format only: where the file lives, when it may be
 * written and which keys the running kernel has is ksyms_cache.c's business. */
#ifndef KSYMTRACE_KSYMS_SNAP_H
#define KSYMTRACE_KSYMS_SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"

/* Bump on any change of the header, of struct ksym or of the order of the parts:
 * a snapshot of another version is a miss, and is rebuilt. */
#define KSYMS_SNAP_VERSION 1

/* What makes a snapshot this boot's: all three must match. */
struct ksyms_snap_keys {
	char boot_id[40];  /* /proc/sys/kernel/random/boot_id, without the newline */
	char release[72];  /* /proc/sys/kernel/osrelease (uname -r): at most 64 bytes */
	uint64_t modules;  /* a fingerprint of the loaded modules (ksyms_cache.c) */
};

/* Why a snapshot was not used. */
enum ksyms_snap_miss {
	KSYMS_SNAP_OK = 0,
	KSYMS_SNAP_TRUNCATED, /* shorter than its header says, or than a header */
	KSYMS_SNAP_NOT_SNAP,  /* no magic: not a snapshot at all */
	KSYMS_SNAP_OTHER_VERSION, /* another format version, record layout or byte order */
	KSYMS_SNAP_CORRUPT,   /* the hash or the structure does not hold */
	KSYMS_SNAP_BOOT,      /* another boot's */
	KSYMS_SNAP_RELEASE,   /* another kernel release's */
	KSYMS_SNAP_MODULES,   /* modules were loaded, unloaded or reloaded since */
	KSYMS_SNAP_IO,        /* reading it failed (errno) */
	KSYMS_SNAP_NOMEM,
};

/* The miss as a phrase for "snapshot missed: ...". */
const char *ksyms_snap__why(enum ksyms_snap_miss m);

/* Write the snapshot of LIVE, a table read from /proc/kallsyms, to FD (at its
 * current offset, which must be 0): its modules [0, N_KEEP) and their records,
 * with KEYS. The modules past N_KEEP (the pseudo-modules: kallsyms lists them
 * last) are left out. Completes LIVE's name index. 0, or a negative errno:
 * -EINVAL when N_KEEP is out of range or the table too large for the format. */
int ksyms_snap__write(int fd, struct ksyms *live, size_t n_keep,
		      const struct ksyms_snap_keys *keys);

/* A table over the snapshot in FD (a regular file), if it is whole, sound and
 * has KEYS; else NULL and the reason in *WHY (*ERR the errno for
 * KSYMS_SNAP_IO). The keys are compared first, so a stale snapshot costs a
 * header read; a matching one is hashed and checked through read calls, a
 * window at a time, then mapped read-only (MAP_PRIVATE) and used in place: a
 * query touches only the pages it reads. ksyms__free() unmaps it. */
struct ksyms *ksyms_snap__map(int fd, const struct ksyms_snap_keys *keys,
			      enum ksyms_snap_miss *why, int *err);

/* The same over the LEN bytes at P (8-byte aligned), which the table borrows:
 * they must outlive it. For the fuzz target and tests. */
struct ksyms *ksyms_snap__use(const void *p, size_t len, const struct ksyms_snap_keys *keys,
			      enum ksyms_snap_miss *why);

/* Read the keys a snapshot of LEN bytes at P was written with, whatever else is
 * in it: false when P is too short to hold them. For tests and the fuzz target,
 * which have no running kernel to take keys from. */
bool ksyms_snap__keys_of(const void *p, size_t len, struct ksyms_snap_keys *keys);

/* Set the hash of the snapshot image of LEN bytes at P to what its contents
 * hash to (no-op if P is shorter than a header): the fuzz target mutates images
 * and seals them again, to reach the checks behind the hash. */
void ksyms_snap__seal(void *p, size_t len);

#endif
