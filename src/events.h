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

struct event;
struct expect_set;

struct event_printer {
	FILE *out;
	bool json;
	const struct plan *pl;
	const struct ksyms *t;
	struct json j;
	/* text times are wall-clock: realtime at start + (event - monotonic at
	 * start), in u64 arithmetic: any ts_ns a record holds prints a time */
	uint64_t mono0_ns;
	uint64_t real0_ns;
	/* "HH:MM:SS" of last_sec: localtime once a second, not once an event */
	int64_t last_sec;
	char hms[16];
	/* per probe id, made at its first event: what a text line says of the
	 * probe, "label%return [mod] ADDRESS" */
	char **heads;
};

/* A printer of PL's events (and summary, and plan) on OUT, as JSON Lines when
 * JSON. event_printer__fini() frees what it made. */
void event_printer__init(struct event_printer *p, FILE *out, const struct plan *pl, bool json);
void event_printer__fini(struct event_printer *p);

/* One decoded event (record.h): a text line (plus stack lines) or a JSON object. */
void event_printer__event(struct event_printer *p, const struct event *ev);

/* The counts of a run that only user space knows, for the summary. */
struct event_counts {
	bool events;        /* events were printed (not --count) */
	uint64_t printed;   /* events that reached standard output */
	uint64_t unwritten; /* events standard output did not take (a stalled reader) */
	int stall_s;        /* ... after that many seconds without taking a byte */
	uint64_t malformed; /* records that failed record__decode(): unidentified */
	const struct expect_set *expect; /* --expect, evaluated (expect.h), or NULL */
};

/* Hits per probe that was attached (ST from tracer__collect), the events lost
 * and unidentified, and how many were printed. Text goes to TEXT_OUT (stderr
 * after a stream of events, stdout for --count); JSON is one object on the
 * printer's stream: {"summary":true,"probes":[...],"lost":N,"unidentified":N,
 * "printed":N,"expectations":[...]} ("printed" only when events were printed,
 * "expectations" only with --expect). */
void event_printer__summary(struct event_printer *p, FILE *text_out, const struct tracer_stats *st,
			    const struct event_counts *c);

struct probe_values_set;
/* --dry-run: spec -> address, module, kind, size, as a table or one object per
 * probe; with what each probe records from PV (probe_values.h), when not NULL. */
void event_printer__plan(struct event_printer *p, const struct traceable *trc,
			 const struct probe_values_set *pv);

/* "sym+0xoff [mod]": a name (511 bytes at most), 18 for "+0x" and 64-bit hex, a
 * module name (MODULE_NAME_LEN 56) in brackets, and the NUL. */
#define FRAME_TEXT_MAX (KSYMS_NAME_MAX + 19 + 59 + 1)

/* "sym+0xoff [mod]" for a kernel address, or "0x..." outside every symbol, into
 * BUF (FRAME_TEXT_MAX bytes); returns its length. */
size_t format_frame(char *buf, const struct ksyms *t, uint64_t addr);

#endif
