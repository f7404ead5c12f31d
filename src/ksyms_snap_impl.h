/* SPDX-License-Identifier: GPL-2.0 */
/* The snapshot file's layout and hash, shared by its writer (ksyms_snap.c) and
 * its reader (ksyms_snap_read.c). Nothing else includes this. */
#ifndef KSYMTRACE_KSYMS_SNAP_IMPL_H
#define KSYMTRACE_KSYMS_SNAP_IMPL_H

#include "ksyms_impl.h"
#include "ksyms_snap.h"

#define SNAP_MAGIC "KSYMSNAP" /* 8 bytes, no NUL */
#define BYTE_ORDER_MARK 0x01020304u

struct snap_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;  /* sizeof(struct snap_hdr) */
	uint32_t ksym_size; /* sizeof(struct ksym): the record layout */
	uint32_t byte_order;
	uint64_t file_size;
	uint64_t hash;      /* of the whole file, read with this field 0 */
	uint64_t n_syms, n_mods, buf_len;
	uint64_t core_lo, core_hi;
	/* the keys (struct ksyms_snap_keys, field by field: no padding to hash) */
	uint64_t modules;
	char boot_id[40];
	char release[72];
};
_Static_assert(sizeof(struct snap_hdr) % 8 == 0, "parts start 8-byte aligned");
_Static_assert(sizeof(struct ksym) % 8 == 0, "records keep the parts aligned");

/* Where each part starts, from the sizes; false when they are out of range. */
struct snap_layout {
	uint64_t syms, by_name, bucket, mods, buf, end;
};

bool snap_layout_of(uint64_t n, uint64_t n_mods, uint64_t buf_len, struct snap_layout *l);

/* A hash of the whole file, to tell a damaged snapshot from a sound one (the
 * reader's checks of the structure cannot see a changed name or address). It reads
 * every byte of the file on every use, so it must run at memory speed: eight
 * lanes over 8-byte words, one multiplication per word, mixed at the end. Not
 * cryptographic: only root can write the file. */
#define H_LANES 8
#define H_MUL1 0x9e3779b185ebca87ULL
#define H_MUL2 0xc2b2ae3d27d4eb4fULL

struct snap_hash {
	uint64_t lane[H_LANES];
	uint64_t words;
};

void snap_hash_init(struct snap_hash *h);
/* LEN is a multiple of 8; word i of the whole stream goes to lane i % H_LANES. */
void snap_hash_words(struct snap_hash *h, const void *p, size_t len);
uint64_t snap_hash_final(const struct snap_hash *h);
/* The header, its hash field read as 0. */
void snap_hash_header(struct snap_hash *h, const struct snap_hdr *hdr);

/* The parts of the file, in order; each is hashed on its own (so that two threads
 * can write them) and the file's hash is that of the header and the five. */
enum { PART_SYMS, PART_BY_NAME, PART_BUCKET, PART_MODS, PART_ARENA, N_PARTS };

/* The file's hash: of the header (its hash field 0) and of each part's. */
uint64_t snap_file_hash(const struct snap_hdr *h, const uint64_t part[N_PARTS]);

#endif
