/* SPDX-License-Identifier: GPL-2.0 */
/* Stack frames in kernel log text, and the instance each one names (ksymtrace
 * decode). The kernel prints a frame with printk's %pS as
 *
 *   name+0xOFF/0xSIZE [MOD BUILDID]       (oops, WARN, sysrq, /proc/PID/stack)
 *
 * where " [MOD]" only follows a module's symbol and BUILDID only with
 * CONFIG_STACKTRACE_BUILD_ID (5.14+). The size is what tells duplicated names
 * apart: NAME+OFF/SIZE is itself a spec (spec.h). ksymtrace's own --stack output
 * prints "name+0xOFF [MOD]", without the size: taken too, since [MOD] is always
 * there. Anything else on the line is left alone: "? " before a frame (a return
 * address the unwinder found on the stack but could not vouch for), a "RIP:
 * 0010:" prefix, timestamps, dmesg or journal prefixes.
 *
 *   n = decode__frames(line, len, frames, max)      the parser: bytes in, no table
 *   decode__resolve(t, line, &frame, &result)      the frame against the table
 */
#ifndef KSYMTRACE_DECODE_H
#define KSYMTRACE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"
#include "spec.h"

/* printk's lines are shorter than 1 KiB (PRINTK_MESSAGE_MAX): a frame per ~10
 * bytes at most, far more than a real line holds. */
#define DECODE_FRAMES_MAX 64

struct decode_frame {
	size_t start, end;       /* the frame's bytes in the line, " [MOD ...]" included */
	size_t name, name_len;   /* NAME */
	size_t mod, mod_len;     /* MOD, mod_len 0 for the core kernel */
	uint64_t off, size;      /* at most 32 bits each: a function's offset and size */
	bool has_size;
	bool unreliable;         /* "? " before it */
};

/* The frames of LINE (LEN bytes: any bytes, no NUL needed), in order, at most
 * MAX into OUT. Returns how many. */
size_t decode__frames(const char *line, size_t len, struct decode_frame *out, size_t max);

enum decode_status {
	DECODE_EXACT,        /* one instance: its address */
	DECODE_AMBIGUOUS,    /* several instances of that size: their numbers */
	DECODE_SIZE_DIFFERS, /* the name's only instance there, of another size */
	DECODE_NO_SIZE,      /* several instances there, none of that size (REASON) */
	DECODE_NOT_FOUND,    /* no such function or module, or the offset is past it (REASON) */
	DECODE_BAD,          /* not a frame after all: offset past the size (REASON) */
};

#define DECODE_CANDIDATES_MAX 8

struct decode_result {
	enum decode_status status;
	const struct ksym *sym;  /* EXACT and SIZE_DIFFERS */
	uint64_t addr;           /* sym's address + the frame's offset */
	/* #N as a probe label numbers it: among the functions of its name, any
	 * module (plan.h), so that NAME#N is a spec that names it */
	uint32_t index, count;
	uint32_t cand[DECODE_CANDIDATES_MAX]; /* AMBIGUOUS: #N of each, address order */
	size_t n_cand;           /* how many there are (more than CAND may hold) */
	char reason[SPEC_ERR_LEN];
};

/* The instance frame F of LINE names in T. */
void decode__resolve(struct ksyms *t, const char *line, const struct decode_frame *f,
		     struct decode_result *r);

#endif
