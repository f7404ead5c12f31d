/* SPDX-License-Identifier: GPL-2.0 */
/* Can a symbol be probed? From the running kernel's own lists:
 *  - tracefs available_filter_functions (ftrace-able functions, by name), and its
 *    _addrs sibling (v6.5+, commit 83f74441bcac) which names them by address;
 *  - debugfs kprobes/blacklist (NOKPROBE_SYMBOL and __kprobes ranges).
 * A name listed fewer times than it has instances is ambiguous by name alone:
 * without the _addrs file those instances stay unknown, never guessed.
 * The lists' addresses are this boot's: they are read against the running
 * kernel's own table only. A saved table (-k FILE) is another boot's as far as
 * anyone can tell (KASLR moves everything), so for it the lists are read by
 * name, and what names cannot tell apart stays unknown. */
#ifndef KSYMTRACE_TRACEABLE_H
#define KSYMTRACE_TRACEABLE_H

#include "ksyms.h"

/* Not TRI_NO/TRI_YES: libbpf.h's enum libbpf_tristate owns those names. */
enum tri { TRI_UNKNOWN = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

struct traceable;

/* Reads the lists from kernel__path() (under $KSYMTRACE_SYSROOT in tests) and
 * decides every symbol's answer at once, so the lookups below only read. LIVE:
 * T is the running kernel's own table (kernel__is_live_table), and the lists'
 * addresses apply to it; otherwise they are read by name. Never fails for a
 * missing list: what cannot be read stays unknown. NULL only on ENOMEM. The
 * table is not const: reading the lists queries it by name (ksyms.h). */
struct traceable *traceable__load(struct ksyms *t, bool live);
void traceable__free(struct traceable *tr);

/* In available_filter_functions (ftrace can hook it): yes / no / unknown. */
enum tri traceable__ftrace(const struct traceable *tr, const struct ksym *s);
/* In the kprobes blacklist: yes / no / unknown. */
enum tri traceable__blacklisted(const struct traceable *tr, const struct ksym *s);
/* Both together, as JSON's "traceable": ftrace-able and not blacklisted. */
enum tri traceable__get(const struct traceable *tr, const struct ksym *s);

#endif
