/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF engine: the skeleton's lifecycle, the probes of a plan attached by
 * absolute address (DESIGN.md §1: never by name), the ring buffer of events,
 * and the kernel's counters.
 *
 *   tr = tracer__load(plan, &opts)     open, configure, load (the verifier runs)
 *   tracer__attach_multi(tr)           the probes that share kprobe_multi links
 *   tracer__attach(tr, id)             each probe of the plan, by its id
 *   tracer__set_handler(tr, fn, ctx)   where events go
 *   tracer__poll(tr, ms)               events to the handler
 *   tracer__detach(tr); tracer__drain(tr); tracer__collect(tr, &stats)
 *   tracer__free(tr)
 *
 * Three ways to attach, chosen per probe at load time: a kprobe_multi link per
 * kind (Linux 5.18 with CONFIG_FPROBE: every entry probe at +0 and every
 * kretprobe of functions ftrace can hook, one attach for all of them); one
 * perf kprobe per address (older kernels, offsets, notrace code, --no-multi);
 * a tracefs event per probe (tracefs.h): a kretprobe by address with --maxactive,
 * and a probe on a module by MOD:SYM+OFF, which the kernel arms on every load of
 * the module, the first before its init runs (tracer__rearms).
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
struct traceable;

struct tracer_opts {
	size_t ringbuf_size;     /* bytes: a power of two, at least a page */
	/* what each probe records besides the registers (probe_values.h), and the
	 * bytes of a string at most (--string-size); NULL: registers only */
	const struct probe_values_set *pv;
	uint32_t filter_tgid;    /* 0: every process */
	const char *filter_comm; /* NULL: every task; at most 15 bytes */
	bool stack;              /* capture a kernel stack per event */
	bool count_only;         /* count hits, send no events */
	bool no_multi;           /* --no-multi: one kprobe per address, always */
	unsigned int maxactive;  /* --maxactive: kretprobes as tracefs rN: events; 0: not */
	/* which functions ftrace can hook (a kprobe_multi link takes only those);
	 * NULL: unknown, try them all */
	const struct traceable *trc;
};

/* A missed count the kernel does not keep, or cannot give per probe. */
#define TRACER_MISSED_UNKNOWN UINT64_MAX

/* Counts this kernel does not keep (tracer_stats.unavailable). */
enum tracer_uncounted {
	TRACER_UNCOUNTED_KPROBE = 1 << 0,    /* a kprobe's own misses, for BPF (Linux 6.7) */
	TRACER_UNCOUNTED_RECURSION = 1 << 1, /* BPF programs' recursion misses in kprobes (6.7) */
};

struct tracer_stats {
	const uint64_t *hits;  /* per probe id: hits the kernel counted */
	const bool *attached;  /* per probe id: attached during the run (false: refused) */
	/* per probe id: hits the kernel saw but could not deliver (the kprobe's
	 * own misses, kretprobe calls beyond maxactive, the BPF program skipped
	 * as it would recurse), or TRACER_MISSED_UNKNOWN where the kernel cannot
	 * tell: it keeps none of the counts (see unavailable), or keeps them for
	 * several probes at once (see shared) */
	const uint64_t *missed;
	unsigned int unavailable; /* enum tracer_uncounted: what is left out of missed */
	uint64_t shared;          /* misses counted for several probes at once (a
				   * kprobe_multi link, a BPF program) ... */
	size_t shared_probes;     /* ... among that many probes, whose missed says unknown */
	uint64_t lost;         /* events dropped: the ring buffer was full */
	uint64_t unknown;      /* events whose probe could not be identified */
};

/* Why probes are attached one by one rather than through kprobe_multi links. */
enum tracer_single_why {
	TRACER_SINGLE_NONE = 0,    /* none is */
	TRACER_SINGLE_OPTION,      /* --no-multi */
	TRACER_SINGLE_NO_COOKIES,  /* no attach cookies (before 5.15): probes found by address */
	TRACER_SINGLE_NO_KERNEL,   /* no kprobe_multi in this kernel (before 5.18, CONFIG_FPROBE off) */
	TRACER_SINGLE_REFUSED,     /* the kernel refused the link: each probe on its own */
	TRACER_SINGLE_PROBES,      /* these probes cannot go through one: at an offset, or
				    * in code ftrace cannot hook */
};

/* How the probes are attached, for the banner. */
struct tracer_links {
	size_t multi_links;  /* kprobe_multi links */
	size_t multi_probes; /* probes attached through them */
	size_t single;       /* probes attached one perf kprobe each */
	size_t events;       /* kretprobes attached as tracefs events (--maxactive) */
	size_t mod_events;   /* probes on modules attached as MOD:SYM+OFF tracefs events */
	enum tracer_single_why why; /* why the single ones are not in a link */
};

struct tracer;

/* Open, configure and load the BPF programs for every probe of PL, which must
 * outlive the tracer. Prints the cause and returns NULL on failure. */
struct tracer *tracer__load(const struct plan *pl, const struct tracer_opts *opts);
/* Detaches what is still attached, and frees. NULL is fine. */
void tracer__free(struct tracer *tr);

/* How events name their probe on this kernel, for messages. */
const char *tracer__id_mode(const struct tracer *tr);

/* Attach every probe that goes through a kprobe_multi link, one link per
 * kind. Returns how many probes were attached. A link the kernel refuses as a
 * whole (one address it will not take) leaves its probes to tracer__attach(),
 * one by one, which names the one at fault; that is said with -v. */
size_t tracer__attach_multi(struct tracer *tr);
/* Attach the plan's probe ID at its address (nothing to do for a probe
 * attached already, through a link). Returns 0, or the kernel's refusal as a
 * negative errno (nothing printed). */
int tracer__attach(struct tracer *tr, size_t id);
/* How many probes are attached now. */
size_t tracer__attached(const struct tracer *tr);
/* How the probes attached now are attached. */
void tracer__links(const struct tracer *tr, struct tracer_links *l);

/* Whether a probe on a module that is not loaded can be attached: its event
 * must name its probe by attach cookie (Linux 5.15), as its address is not
 * known before the module loads. */
bool tracer__can_wait(const struct tracer *tr);
/* Whether the kernel arms probe ID again each time its module loads: it is
 * attached through a tracefs MOD:SYM+OFF event (plan.h, probe.mod_unique),
 * which stays when the module goes (trace_kprobe.c re-registers it on
 * MODULE_STATE_COMING). False for a probe attached by address: its kprobe goes
 * with the module, for good. */
bool tracer__rearms(const struct tracer *tr, size_t id);

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

/* Remove every probe (the counters and the ring buffer stay readable); the
 * kernel's missed counts of links and tracefs events are read on the way. */
void tracer__detach(struct tracer *tr);
/* Hits and missed per probe and the totals into ST; its arrays stay the
 * tracer's, valid until tracer__free(). Call it after tracer__detach().
 * Returns -1 if some counter could not be read. */
int tracer__collect(struct tracer *tr, struct tracer_stats *st);

#endif
