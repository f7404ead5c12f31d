/* SPDX-License-Identifier: GPL-2.0 */
/* The attach engine: can this kernel take kprobes, will it take each target, the
 * BPF skeleton's lifecycle, one kprobe or kretprobe per target by absolute
 * address (DESIGN.md §1: never by name), and the ring buffer of events.
 *
 *   tracer__kernel_support()        kprobes present? allowed to use them?
 *   tr = tracer__new(t)
 *   tracer__add(tr, target, ret)    one probe per target, duplicates dropped
 *   checks__probe(...)              the refusals that need no kernel (checks.h)
 *   tracer__load(tr, &opts)         open, configure, load (the verifier runs)
 *   tracer__attach(tr, skip_failed) every probe, or none
 *   tracer__poll(tr, ms)            events to the handler
 *   tracer__detach(tr); tracer__collect(tr, &stats); tracer__free(tr)
 */
#ifndef KSYMTRACE_TRACER_H
#define KSYMTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"
#include "spec.h"

struct kt_event;
struct bpf_link;

struct probe {
	const struct ksym *sym;
	uint64_t off;       /* offset inside sym */
	uint64_t addr;      /* sym->addr + off: where the probe goes */
	uint32_t index;     /* instance number of the name among all functions */
	uint32_t count;     /* how many functions carry the name */
	bool ret;           /* kretprobe */
	bool clone;         /* chosen as a compiler clone of the name asked for */
	const char *spec;   /* the spec as typed */
	char *label;        /* "name+0xoff#N": the probe as a spec (no %return) */
	struct bpf_link *link;
	bool skipped;       /* --skip-failed left it out */
	uint64_t hits;      /* filled by tracer__collect() */
};

struct tracer_opts {
	size_t ringbuf_size;     /* bytes: a power of two, at least a page */
	uint32_t filter_tgid;    /* 0: every process */
	const char *filter_comm; /* NULL: every task; at most 15 bytes */
	bool stack;              /* capture a kernel stack per event */
	bool count_only;         /* count hits, send no events */
};

struct tracer_stats {
	uint64_t lost;    /* events dropped: the ring buffer was full */
	uint64_t unknown; /* events whose probe could not be identified */
};

/* What the running kernel offers, from sysfs and tracefs under $KSYMTRACE_SYSROOT
 * (the sysroot lets tests pretend a kernel has kprobes, or has none). */
struct kernel_support {
	bool kprobes;        /* the perf kprobe PMU exists */
	bool privileged;     /* CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON */
	char why[256];       /* when !kprobes: the cause, for one line */
	char hint[256];      /* and what to do about it ("" if nothing) */
};

void tracer__kernel_support(struct kernel_support *ks);

struct tracer;

struct tracer *tracer__new(struct ksyms *t);
void tracer__free(struct tracer *tr);

/* Adds a probe for TG (a kretprobe if RET). Returns 0, 1 if the same place was
 * already added (dropped: two probes there could not be told apart), -ENOMEM. */
int tracer__add(struct tracer *tr, const struct target *tg, bool ret, const char *spec);
size_t tracer__count(const struct tracer *tr);
struct probe *tracer__probe(struct tracer *tr, size_t i);
/* Forget the probes marked skipped before loading (refused by the checks). */
/* After the checks: probes of different names at one address and kind become one
 * (the first); says so on stderr. Returns how many were merged. */
size_t tracer__merge_same_addr(struct tracer *tr);
void tracer__drop_skipped(struct tracer *tr);

/* Open, configure and load the BPF programs. Prints the cause on failure. */
int tracer__load(struct tracer *tr, const struct tracer_opts *opts);
/* How events name their probe on this kernel, for messages. */
const char *tracer__id_mode(const struct tracer *tr);

/* Attach every probe. On a failure: everything is detached and -1 returned, or
 * with SKIP_FAILED the probe is marked skipped and the rest go on (-1 only if
 * none attached). Prints one line per failure. */
int tracer__attach(struct tracer *tr, bool skip_failed);
size_t tracer__attached(const struct tracer *tr);

/* Events are handed to FN; return 0 to go on (also for events it filters). */
typedef int (*tracer_event_fn)(void *ctx, const struct kt_event *e, size_t size);
void tracer__set_handler(struct tracer *tr, tracer_event_fn fn, void *ctx);
/* Wait up to TIMEOUT_MS for events. Returns events handled, or -errno
 * (-EINTR when a signal arrived). */
int tracer__poll(struct tracer *tr, int timeout_ms);
/* Hand over whatever is still in the ring buffer, without waiting. */
int tracer__drain(struct tracer *tr);

void tracer__detach(struct tracer *tr);
/* Hits per probe into each probe's .hits, and the totals. */
int tracer__collect(struct tracer *tr, struct tracer_stats *st);

/* The probe an event names, or NULL (KT_PROBE_UNKNOWN or out of range). */
const struct probe *tracer__event_probe(const struct tracer *tr, const struct kt_event *e);

#endif
