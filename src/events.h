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
#include "record.h"
#include "traceable.h"
#include "tracer.h"

struct expect_set;
struct probe_values_set;

struct event_printer {
	FILE *out;
	bool json;
	const struct plan *pl;
	const struct ksyms *t;
	const struct probe_values_set *pv; /* what each probe records, or NULL */
	struct record_shape shape;         /* ... as the record decoder checks it */
	char *line;                        /* a text event is put together here */
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
 * JSON; each event's values as PV says (NULL: raw registers). Returns 0, or -1
 * after "out of memory". event_printer__fini() frees what it made (also after
 * a failure). */
int event_printer__init(struct event_printer *p, FILE *out, const struct plan *pl,
			const struct probe_values_set *pv, bool json);
void event_printer__fini(struct event_printer *p);

/* What the records of the printer's probes hold, for record__decode(). */
const struct record_shape *event_printer__shape(const struct event_printer *p);

/* One decoded event (record.h): a text line (plus stack lines) or a JSON object. */
void event_printer__event(struct event_printer *p, const struct event *ev);

/* "kprobe" or "kretprobe" */
const char *kind_name(bool ret);
/* The module a probe is in: "vmlinux" for the core kernel. */
const char *probe_module(const struct ksyms *t, const struct probe *pr);

/* The counts of a run that only user space knows, for the summary. */
struct event_counts {
	bool events;        /* events were printed (not --count) */
	uint64_t printed;   /* events that reached standard output */
	uint64_t unwritten; /* events standard output did not take (a stalled reader) */
	int stall_s;        /* ... after that many seconds without taking a byte */
	uint64_t malformed; /* records that failed record__decode(): unidentified */
	/* per probe id: not armed at the end, its module gone (run_mods.h); NULL:
	 * none is */
	const bool *unloaded;
	const struct expect_set *expect; /* --expect, evaluated (expect.h), or NULL */
};

/* Hits and missed counts per probe that was attached (ST from tracer__collect),
 * grouped by source name too when compiler clones are among them, the events
 * lost and unidentified, and how many were printed (summary.c). Text goes to
 * TEXT_OUT (stderr after a stream of events, stdout for --count); JSON is one
 * object on the printer's stream: {"summary":true,"probes":[...],"sources":[...],
 * "lost":N,"unidentified":N,"printed":N,"expectations":[...]} ("sources" only
 * with clones, "printed" only when events were printed, "expectations" only
 * with --expect). A probe whose module is not loaded at the end (C->unloaded)
 * is marked: " (unloaded)" in text, "unloaded":true in JSON (false for every
 * other probe). */
void event_printer__summary(struct event_printer *p, FILE *text_out, const struct tracer_stats *st,
			    const struct event_counts *c);

/* --dry-run: spec -> address, module, kind, size, as a table or one object per
 * probe; with what each probe records (the printer's probe values), when it
 * knows. */
void event_printer__plan(struct event_printer *p, const struct traceable *trc);

/* "sym+0xoff [mod]": a name (511 bytes at most), 18 for "+0x" and 64-bit hex, a
 * module name (MODULE_NAME_LEN 56) in brackets, and the NUL. */
#define FRAME_TEXT_MAX (KSYMS_NAME_MAX + 19 + 59 + 1)

/* "sym+0xoff [mod]" for a kernel address, or "0x..." outside every symbol, into
 * BUF (FRAME_TEXT_MAX bytes); returns its length. */
size_t format_frame(char *buf, const struct ksyms *t, uint64_t addr);

#endif
