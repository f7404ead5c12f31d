/* SPDX-License-Identifier: GPL-2.0 */
/* One line of /proc/kallsyms: the only grammar the symbol table reads.
 *
 *   LINE := ADDR ' ' TYPE ' ' NAME [ TAB '[' MOD ']' ] ( '\n' | the end of the file )
 *   ADDR := 1 to 16 hex digits, either case
 *   TYPE := one name byte (the kallsyms letter: t, T, d, D, r, b, A, W, ...)
 *   NAME := 1 to KSYMS_NAME_MAX name bytes
 *   MOD  := 1 or more name bytes other than '[' and ']'
 *   name byte := any byte above 0x20 other than 0x7f
 *
 * The kernel writes "%px %c %s\n" and, for a module, "%px %c %s\t[%s]\n"
 * (kernel/kallsyms.c s_show()). A line that does not fit is skipped and counted,
 * never half-read. One parser implements it: nearly every line takes its 16-digit
 * path, the others the same checks one byte at a time (tests/fuzz/fuzz_line.c holds
 * it to a plain reading of the grammar above). Used by the table's reader; the
 * fuzz target is the only other caller. */
#ifndef KSYMTRACE_KSYMS_LINE_H
#define KSYMTRACE_KSYMS_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Readable bytes the parser may load past the end of its input, 8 at a time: the
 * caller keeps this many NUL bytes there. */
#define KSYMS_LINE_PAD 8

struct ksyms_line {
	uint64_t addr;
	const char *name; /* inside the input, not NUL-terminated */
	const char *mod;  /* NULL for the core kernel */
	size_t name_len, mod_len;
	char type;
};

/* Parse the line that starts at P, in the bytes [P, END); END[0..KSYMS_LINE_PAD)
 * must be NUL. Returns the bytes the line takes, its newline included, with *OUT
 * filled in; or 0 when the bytes before the first newline do not fit the grammar,
 * or when no newline ends them and FINAL (the end of the file) is false: the
 * caller tells the two apart. With FINAL, a line may end at END without one. */
size_t ksyms_line__parse(const char *p, const char *end, bool final, struct ksyms_line *out);

#endif
