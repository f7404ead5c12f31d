/* SPDX-License-Identifier: GPL-2.0 */
/* Strict number parsing, shared by the spec grammar, the CLI's options and the
 * readers of the kernel's lists: no atoi, no silent truncation. */
#ifndef KSYMTRACE_PARSE_H
#define KSYMTRACE_PARSE_H

#include <stdint.h>

/* The whole of S as decimal or 0x-hex (never octal: "010" is ten). Returns 0,
 * -EINVAL for anything else (empty, a sign, spaces, a stray byte), or -ERANGE
 * past 64 bits. */
int parse_u64(const char *s, uint64_t *out);

#endif
