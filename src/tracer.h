/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF engine: the skeleton's lifecycle, one kprobe or kretprobe per probe of
 * a plan by absolute address (DESIGN.md §1: never by name), the ring buffer of
 * events, and the kernel's counters.
 *
 *   tr = tracer__load(plan, &opts)     open, configure, load (the verifier runs)
 *   tracer__attach(tr, id)             each probe of the plan, by its id
 *   tracer__set_handler(tr, fn, ctx)   where events go
 *   tracer__poll(tr, ms)               events to the handler
 *   tracer__detach(tr); tracer__drain(tr); tracer__collect(tr, &stats)
 *   tracer__free(tr)
 *
 * The engine keeps its own state per probe id (links, what was attached, hit
 * counts); the plan's probes stay const. Nothing here names libbpf or the
 * skeleton: tracer.c runs the real kernel, and a test double can implement this
 * header in one file (fake attaches, events read from a file) under the same
 * run loop. Messages go to stderr; the one exception is a refused attach, which
 * is returned for the caller to explain (kernel__explain_attach). */
#ifndef KSYMTRACE_TRACER_H
#define KSYMTRACE_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct probe_values_set;

struct tracer_opts {
	size_t ringbuf_size;     /* bytes: a power of two, at least a page */
	/* what each probe records besides the registers (probe_values.h), and the
	 * bytes of a string at most (--string-size); NULL: registers only */
	const struct probe_values_set *pv;
	uint32_t filter_tgid;    /* 0: every process */
	const char *filter_comm; /* NULL: every task; at most 15 bytes */
	bool stack;              /* capture a kernel stack per event */
	bool count_only;         /* count hits, send no events */
};

struct tracer_stats {
	const uint64_t *hits;  /* per probe id: hits the kernel counted */
	const bool *attached;  /* per probe id: attached during the run (false: refused) */
	uint64_t lost;         /* events dropped: the ring buffer was full */
	uint64_t unknown;      /* events whose probe could not be identified */
};

struct tracer;

/* Open, configure and load the BPF programs for every probe of PL, which must
 * outlive the tracer. Prints the cause and returns NULL on failure. */
struct tracer *tracer__load(const struct plan *pl, const struct tracer_opts *opts);
/* Detaches what is still attached, and frees. NULL is fine. */
void tracer__free(struct tracer *tr);

/* How events name their probe on this kernel, for messages. */
const char *tracer__id_mode(const struct tracer *tr);

/* Attach the plan's probe ID at its address. Returns 0, or the kernel's refusal
 * as a negative errno (nothing printed). */
int tracer__attach(struct tracer *tr, size_t id);
/* How many probes are attached now. */
size_t tracer__attached(const struct tracer *tr);

/* Every record of the ring buffer is handed to FN as the kernel wrote it, SIZE
 * bytes, to be decoded (record.h: the engine vouches for nothing in it); FN
 * returns 0 to go on (also for records it drops). */
typedef int (*tracer_event_fn)(void *ctx, const void *rec, size_t size);
void tracer__set_handler(struct tracer *tr, tracer_event_fn fn, void *ctx);
/* Wait up to TIMEOUT_MS for events. Returns events handled, or -errno
 * (-EINTR when a signal arrived). */
int tracer__poll(struct tracer *tr, int timeout_ms);
/* Hand over whatever is still in the ring buffer, without waiting. */
int tracer__drain(struct tracer *tr);

/* Remove every probe (the counters and the ring buffer stay readable). */
void tracer__detach(struct tracer *tr);
/* Hits per probe and the totals into ST; its arrays stay the tracer's, valid
 * until tracer__free(). Returns -1 if some counter could not be read. */
int tracer__collect(struct tracer *tr, struct tracer_stats *st);

#endif
