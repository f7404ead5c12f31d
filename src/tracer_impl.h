/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF engine's insides, shared by its files: tracer.c (loading, events,
 * counters), tracer_attach.c (the three ways to attach, and detaching) and
 * tracer_fetch.c (the fetch programs of the values probes record). Not for
 * anyone else: tracer.h is the interface. */
#ifndef KSYMTRACE_TRACER_IMPL_H
#define KSYMTRACE_TRACER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracer.h"

struct bpf_link;
struct bpf_program;
struct kt_fetch_range;
struct kt_probe_fetch;
struct ksymtrace_bpf;
struct ring_buffer;
struct tracefs;

/* How one probe is attached. */
enum via {
	VIA_PERF = 0, /* a perf kprobe of its own, by address */
	VIA_MULTI,    /* a kprobe_multi link of its kind */
	VIA_EVENT,    /* a tracefs event: a kretprobe with --maxactive, by address; a
		       * probe on a module by MOD:SYM+OFF, armed on each load */
};

/* kprobe_multi links: one for entries, one for returns */
enum { MULTI_KPROBE = 0, MULTI_KRETPROBE = 1, MULTI_KINDS };

struct tracer {
	const struct plan *pl;
	size_t n;                 /* plan__count(pl) */
	struct ksymtrace_bpf *skel;
	struct ring_buffer *rb;
	bool by_addr;             /* no attach cookies: probes are found by address */
	bool forced;              /* by_addr although the kernel has cookies (for tests) */
	bool fd_limit_raised;
	bool counts_missed;       /* the kernel keeps the missed counts of links and
				   * of kprobe programs (Linux 6.7) */
	enum tracer_single_why why;
	unsigned int maxactive;
	struct tracefs *tf;       /* --maxactive's events; NULL until the first */
	/* per probe id */
	uint8_t *via;             /* enum via */
	struct bpf_link **links;  /* VIA_PERF, VIA_EVENT: NULL when not attached (now) */
	int *event;               /* VIA_EVENT: its tracefs event, or -1 */
	bool *attached;           /* attached at some point of the run */
	uint64_t *hits;           /* filled by tracer__collect() */
	uint64_t *own_missed;     /* the kprobe's own misses, read at detach ... */
	bool *own_known;          /* ... when the kernel told them for this probe */
	uint64_t *missed;         /* filled by tracer__collect() */
	size_t n_attached;        /* probes attached now */
	/* the kprobe_multi links */
	struct bpf_link *multi[MULTI_KINDS];
	size_t multi_n[MULTI_KINDS];      /* probes through each */
	uint64_t multi_missed[MULTI_KINDS];
	bool multi_missed_read[MULTI_KINDS];
	/* the fetch programs: each distinct set once, one after the other, and
	 * where each probe's set is (by probe id, so every way of attaching finds
	 * it: the BPF side looks it up by the id it is told) */
	struct kt_probe_fetch *sets;
	size_t nsets;
	struct kt_fetch_range *range_of;
	size_t nprogs;
	tracer_event_fn fn;
	void *fn_ctx;
};

/* The program probe P runs, attached as VIA. */
struct bpf_program *tracer__prog(const struct tracer *tr, bool ret, enum via via);

/* A kprobe's own missed count from its BPF link's info (Linux 6.7: perf
 * kprobe and kprobe_multi links). False when the kernel does not tell. */
bool tracer__link_missed(struct bpf_link *link, uint64_t *missed);

/* Every probe's fetch programs from PV (NULL: none), each distinct set kept
 * once, and where each probe's set is: tr->sets, tr->range_of, tr->nprogs.
 * -ENOMEM, or 0. Before configure(): it sizes the maps by them. */
int tracer__build_sets(struct tracer *tr, const struct probe_values_set *pv);

/* Those sets into the loaded programs' fetch_progs and fetch_of maps; -1 after
 * saying why. */
int tracer__fill_fetch_maps(struct tracer *tr);

#endif
