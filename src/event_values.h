/* SPDX-License-Identifier: GPL-2.0 */
/* The values of one event, as their probe's plan says to print them
 * (probe_values.h): the typed parameters or the --arg expressions, the typed
 * return value, or the raw registers. A text/JSON pair fed by the same decoded
 * event (record.h), for events.c:
 *
 *   text: " (file=0xffff8881..., buf=0x7ffe..., count=832, pos=0xffff...)"
 *         " = -28 (ENOSPC)"   a kretprobe, typed
 *         " (0x1, 0x2, 0x3, 0x4, 0x5, 0x6)"   raw, at a function's start
 *         " (di=0x1, si=0x2, ...)"             raw, at an offset: registers
 *   JSON: "args":{...} (a kprobe, or --arg), "regs":{"di":"0x1",...} (raw),
 *         "retval":..., "errno":"ENOSPC" (a kretprobe)
 *
 * Numbers print by their type: signed or unsigned decimal as declared (cut to
 * their size, bitfields to their bits), hex for ':xN', bool, enums by
 * enumerator name, pointers in hex, strings quoted and escaped (bounded by
 * --string-size, "..." when cut), a struct by value as "<struct N bytes>", a
 * read that faulted as "<fault>", a value nowhere to be read as
 * "<unavailable>". */
#ifndef KSYMTRACE_EVENT_VALUES_H
#define KSYMTRACE_EVENT_VALUES_H

#include <stddef.h>

#include <linux/types.h>

#include "json.h"
#include "ksymtrace.h"
#include "plan.h"
#include "probe_values.h"
#include "record.h"

/* The bytes a name is printed with at most in text: labels are at most 64
 * (FETCH_LABEL_MAX), parameter names are C identifiers far shorter. */
#define EVENT_VALUE_NAME_MAX 128
/* The longest text the values of one event take (each string escaped, 4 bytes
 * a byte at worst), and the longest JSON (6 bytes a byte: \u00XX). */
#define EVENT_VALUES_TEXT_MAX \
	(KT_FETCH_MAX * (EVENT_VALUE_NAME_MAX + 4 * KT_STRING_MAX + 64) + 256)
#define EVENT_VALUES_JSON_MAX \
	(KT_FETCH_MAX * (6 * EVENT_VALUE_NAME_MAX + 6 * KT_STRING_MAX + 64) + 512)

/* What the records of each of PL's probes hold (record.h), from PV (NULL: no
 * probe records values): an array of plan__count(pl) entries, or NULL when out
 * of memory. free() it. */
struct record_probe *event_values__shape(const struct probe_values_set *pv, const struct plan *pl);

/* EV's values (P may be NULL: raw registers) as text at O, which has room for
 * EVENT_VALUES_TEXT_MAX bytes; returns the end. PR is the event's probe (NULL
 * when unidentified). */
char *event_values__text(char *o, const struct probe_values *p, const struct probe *pr,
			 const struct event *ev);

/* EV's values as members of the JSON object being written: "args", "regs",
 * "retval" and "errno" as they apply. */
void event_values__json(struct json *j, const struct probe_values *p, const struct probe *pr,
			const struct event *ev);

/* The attach banner's part: for each probe of PL that PV (NULL: none) gives raw
 * registers, one note with the reason, once, not on every event; at most a
 * dozen, then how many more (--dry-run lists them all). Nothing with --raw,
 * which asked for them. */
void event_values__banner(const struct probe_values_set *pv, const struct plan *pl);

/* The name of errno ERR (positive) as the kernel spells it ("ENOSPC",
 * "ERESTARTSYS"), or NULL. */
const char *event_values__errno_name(int err);

#endif
