/* SPDX-License-Identifier: GPL-2.0 */
/* Printers for attach: events, the end-of-run summary, --count's table and
 * --dry-run's plan. Each comes as a text/JSON pair fed by the same data; JSON
 * goes through json.h, one object per line (DESIGN.md §3). */
#ifndef KSYMTRACE_EVENTS_H
#define KSYMTRACE_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "ksyms.h"
#include "plan.h"
#include "traceable.h"
#include "tracer.h"

struct kt_event;

struct event_printer {
	FILE *out;
	bool json;
	const struct ksyms *t;
	struct json j;
	/* text times are wall-clock: realtime at start + (event - monotonic at start) */
	uint64_t mono0_ns;
	int64_t real0_ns;
	/* "HH:MM:SS" of last_sec: localtime once a second, not once an event */
	int64_t last_sec;
	char hms[16];
};

void event_printer__init(struct event_printer *p, FILE *out, const struct ksyms *t, bool json);

/* One event: a text line (plus stack lines) or a JSON object. PR is the probe it
 * names, NULL when it could not be identified. */
void event_printer__event(struct event_printer *p, const struct kt_event *e, size_t size,
			  const struct probe *pr);

/* Hits per probe that was attached (ST from tracer__collect), and the lost
 * events. Text goes to TEXT_OUT (stderr after a stream of events, stdout for
 * --count); JSON is one object on the printer's stream:
 * {"summary":true,"probes":[...],"lost":N,"unidentified":N}. */
void event_printer__summary(struct event_printer *p, FILE *text_out, const struct plan *pl,
			    const struct tracer_stats *st);

struct probe_values_set;
/* --dry-run: spec -> address, module, kind, size, as a table or one object per
 * probe; with what each probe records from PV (probe_values.h), when not NULL. */
void event_printer__plan(struct event_printer *p, const struct plan *pl,
			 const struct traceable *trc, const struct probe_values_set *pv);

/* "sym+0xoff [mod]": a name (511 bytes at most), 18 for "+0x" and 64-bit hex, a
 * module name (MODULE_NAME_LEN 56) in brackets, and the NUL. */
#define FRAME_TEXT_MAX (KSYMS_NAME_MAX + 19 + 59 + 1)

/* "sym+0xoff [mod]" for a kernel address, or "0x..." outside every symbol. */
void format_frame(char *buf, size_t len, const struct ksyms *t, uint64_t addr);

#endif
