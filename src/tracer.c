// SPDX-License-Identifier: GPL-2.0
/* The attach engine: loading, events and counters (attaching and detaching are
 * tracer_attach.c's). See tracer.h. */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf_features.h"
#include "ksymtrace.h"
#include "ksymtrace.skel.h"
#include "kernel.h"
#include "log.h"
#include "probe_values.h"
#include "traceable.h"
#include "tracefs.h"
#include "tracer_impl.h"

/* ---- loading ---------------------------------------------------------------- */

static int libbpf_print_bridge(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* ksymtrace says what failed in its own words; libbpf's messages (and the
	 * verifier's log) are for -vv (DESIGN.md §3) */
	(void)level;
	if (log_level < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The address of a core-kernel symbol in the table, or 0. */
static uint64_t core_symbol(struct ksyms *t, const char *name)
{
	size_t lo, hi;

	ksyms__by_name(t, name, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (ksyms__by_name_at(t, i)->mod == KSYMS_CORE_MOD)
			return ksyms__by_name_at(t, i)->addr;
	return 0;
}

/* Kernels without attach cookies find kretprobes through current_kprobe (see
 * bpf/ksymtrace.bpf.c): the table must say where it and __per_cpu_offset are. */
static bool find_kretprobe_vars(const struct tracer *tr, uint64_t *table, uint64_t *var)
{
	*table = core_symbol(plan__table(tr->pl), "__per_cpu_offset");
	*var = core_symbol(plan__table(tr->pl), "current_kprobe");
	if (*table && *var)
		return true;
	log_error("without attach cookies (Linux 5.15), ksymtrace tells kretprobes apart through current_kprobe and __per_cpu_offset, and the symbol table lacks %s",
		  *table ? "current_kprobe" : "__per_cpu_offset");
	log_hint("kprobes (without -r/%%return) work on this kernel; kretprobes need data symbols in kallsyms (CONFIG_KALLSYMS_ALL) or Linux 5.15+");
	return false;
}

static int put_id(struct bpf_map *m, uint64_t addr, uint32_t id, bool must)
{
	__u64 key = addr;
	__u32 val = id;
	int err;

	if (bpf_map__update_elem(m, &key, sizeof(key), &val, sizeof(val), BPF_NOEXIST) == 0)
		return 0;
	err = errno;
	if (err == EEXIST && !must)
		return 0;
	kernel__explain_bpf("cannot fill the address map", err);
	return -1;
}

static struct bpf_map *id_map(const struct tracer *tr, const struct probe *p)
{
	return p->ret ? tr->skel->maps.kretprobe_ids : tr->skel->maps.kprobe_ids;
}

static int fill_id_maps(struct tracer *tr)
{
	for (size_t i = 0; i < tr->n; i++) {
		const struct probe *p = plan__probe(tr->pl, i);

		if (put_id(id_map(tr, p), p->addr, (uint32_t)i, true))
			return -1;
	}
#if defined(__x86_64__)
	/* Since 5.18 ("x86/ibt,kprobes: Cure sym+0 equals fentry woes") a probe at
	 * +0 of a function that starts with ENDBR sits at +4, and that is the
	 * address the programs see. Only reachable with KSYMTRACE_FORCE_ADDR_IDS
	 * (cookies came in 5.15), but then right; a real probe at +4 keeps its key. */
	for (size_t i = 0; i < tr->n; i++) {
		const struct probe *p = plan__probe(tr->pl, i);

		if (p->off == 0 && put_id(id_map(tr, p), p->addr + 4, (uint32_t)i, false))
			return -1;
	}
#endif
	return 0;
}

/* Every record, whatever it holds: the handler decodes it (record.h). */
static int on_sample(void *ctx, void *data, size_t size)
{
	struct tracer *tr = ctx;

	return tr->fn ? tr->fn(tr->fn_ctx, data, size) : 0;
}

/* Attach cookies (5.15) or address lookup: sets tr->by_addr. */
static int pick_id_mode(struct tracer *tr)
{
	const char *force = kernel__test_hook(KERNEL_HOOK_FORCE_ADDR_IDS);
	int r;

	r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (r == 0) {
		log_error("this kernel has no BPF ring buffer: ksymtrace needs Linux 5.8 or later");
		return -1;
	}
	r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie, NULL);
	if (r < 0) {
		kernel__explain_bpf("cannot load a test BPF program", -r);
		return -1;
	}
	/* KSYMTRACE_FORCE_ADDR_IDS=1 takes the older kernels' path on any kernel,
	 * so that it can be tested where cookies exist */
	tr->forced = r == 1 && force && strcmp(force, "1") == 0;
	tr->by_addr = r == 0 || tr->forced;
	log_verbose("probes are told apart by %s", tracer__id_mode(tr));
	return 0;
}

/* Whether probe P can go through a kprobe_multi link: fprobe hooks function
 * entries through ftrace, so only +0 (and returns) of functions ftrace lists. */
static bool multi_fits(const struct probe *p, const struct tracer_opts *o)
{
	if (p->off || !ksym_loaded(p->sym) || (p->ret && o->maxactive))
		return false;
	return !o->trc || traceable__ftrace(o->trc, p->sym) != TRI_FALSE;
}

/* How each probe attaches (tracer.h), and why those that could share a
 * kprobe_multi link do not. */
static void pick_vias(struct tracer *tr, const struct tracer_opts *o)
{
	const char *why = NULL;
	bool multi = false;
	size_t single = 0;

	if (o->no_multi)
		tr->why = TRACER_SINGLE_OPTION;
	else if (tr->by_addr)
		tr->why = TRACER_SINGLE_NO_COOKIES;
	else if (!(multi = bpf_features__kprobe_multi(&why)))
		tr->why = TRACER_SINGLE_NO_KERNEL;
	if (o->no_multi || tr->by_addr)
		log_verbose("kprobe_multi links: not used (%s)", o->no_multi ? "--no-multi" : "no attach cookies");
	else
		log_verbose("kprobe_multi links: %s%s", multi ? "this kernel has them" : "not in this kernel: ",
			    multi ? "" : why);
	for (size_t i = 0; i < tr->n; i++) {
		const struct probe *p = plan__probe(tr->pl, i);

		tr->event[i] = -1;
		if ((p->ret && o->maxactive) || (p->mod_unique && !tr->by_addr)) {
			tr->via[i] = VIA_EVENT;
		} else if (multi && multi_fits(p, o)) {
			tr->via[i] = VIA_MULTI;
			tr->multi_n[p->ret ? MULTI_KRETPROBE : MULTI_KPROBE]++;
		} else {
			tr->via[i] = VIA_PERF;
			single++;
		}
	}
	if (multi)
		tr->why = single ? TRACER_SINGLE_PROBES : TRACER_SINGLE_NONE;
}

/* Open the skeleton and set what the programs read (rodata), the map sizes and
 * which programs load. */
static int configure(struct tracer *tr, const struct tracer_opts *o, size_t n_kp, size_t n_kret)
{
	uint64_t pcpu_table = 0, kprobe_var = 0;
	struct ksymtrace_bpf *skel;

	if (tr->by_addr && n_kret && !find_kretprobe_vars(tr, &pcpu_table, &kprobe_var))
		return -1;
	skel = tr->skel = ksymtrace_bpf__open();
	if (!skel) {
		kernel__explain_bpf("cannot open the BPF object", errno);
		return -1;
	}
	skel->rodata->filter_tgid = o->filter_tgid;
	skel->rodata->self_tgid = (__u32)getpid();
	if (o->filter_comm) {
		skel->rodata->filter_by_comm = true;
		strncpy(skel->rodata->filter_comm, o->filter_comm, sizeof(skel->rodata->filter_comm) - 1);
	}
	skel->rodata->count_only = o->count_only;
	skel->rodata->want_stack = o->stack;
	skel->rodata->probe_count = (__u32)tr->n;
	skel->rodata->per_cpu_offset_table = pcpu_table;
	skel->rodata->current_kprobe_var = kprobe_var;
	skel->rodata->want_values = tr->nsets > 0;
	skel->rodata->string_read = (o->pv ? probe_values__string_size(o->pv) : KT_STRING_DEFAULT) + 2;

	if (bpf_map__set_max_entries(skel->maps.events, (__u32)o->ringbuf_size) ||
	    bpf_map__set_max_entries(skel->maps.hits, (__u32)tr->n + 1) ||
	    /* two keys per probe at most: see fill_id_maps() */
	    bpf_map__set_max_entries(skel->maps.kprobe_ids, n_kp ? 2 * (__u32)n_kp : 1) ||
	    bpf_map__set_max_entries(skel->maps.kretprobe_ids, n_kret ? 2 * (__u32)n_kret : 1) ||
	    bpf_map__set_max_entries(skel->maps.fetch_of, (__u32)tr->n) ||
	    bpf_map__set_max_entries(skel->maps.fetch_progs, tr->nprogs ? (__u32)tr->nprogs : 1)) {
		kernel__explain_bpf("cannot size the BPF maps", errno);
		return -1;
	}
	/* load only what this run attaches: the verifier never sees the rest, and
	 * a program calling a helper this kernel lacks would fail the whole load */
	bpf_program__set_autoload(skel->progs.kt_kprobe, !tr->by_addr && n_kp);
	bpf_program__set_autoload(skel->progs.kt_kretprobe, !tr->by_addr && n_kret);
	bpf_program__set_autoload(skel->progs.kt_kprobe_addr, tr->by_addr && n_kp);
	bpf_program__set_autoload(skel->progs.kt_kretprobe_addr, tr->by_addr && n_kret);
	/* the per-address programs load as well: a refused link falls back on them */
	bpf_program__set_autoload(skel->progs.kt_kprobe_multi, tr->multi_n[MULTI_KPROBE] > 0);
	bpf_program__set_autoload(skel->progs.kt_kretprobe_multi, tr->multi_n[MULTI_KRETPROBE] > 0);
	return 0;
}

static int load(struct tracer *tr, const struct tracer_opts *o)
{
	size_t n_kp = 0, n_kret = 0;

	libbpf_set_print(libbpf_print_bridge);
	if (tr->n == 0 || tr->n >= KT_PROBES_MAX) {
		log_error("%zu probes: ksymtrace attaches between 1 and %u at a time", tr->n,
			  KT_PROBES_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < tr->n; i++)
		plan__probe(tr->pl, i)->ret ? n_kret++ : n_kp++;
	if (pick_id_mode(tr))
		return -1;
	pick_vias(tr, o);
	tr->maxactive = o->maxactive;
	/* Linux 6.7 counts a kprobe's misses in its link's info and a kprobe
	 * program's recursion in its prog info ("bpf: Count missed stats in
	 * trace_call_bpf"); before, the second read 0 whatever happened */
	tr->counts_missed = kernel__at_least(6, 7);
	if (tracer__build_sets(tr, o->pv)) {
		log_error("out of memory");
		return -1;
	}
	if (configure(tr, o, n_kp, n_kret))
		return -1;
	if (ksymtrace_bpf__load(tr->skel)) {
		kernel__explain_bpf("cannot load the BPF programs", errno);
		return -1;
	}
	if ((tr->by_addr && fill_id_maps(tr)) || tracer__fill_fetch_maps(tr))
		return -1;
	if (!o->count_only) {
		tr->rb = ring_buffer__new(bpf_map__fd(tr->skel->maps.events), on_sample, tr, NULL);
		if (!tr->rb) {
			kernel__explain_bpf("cannot map the ring buffer", errno);
			return -1;
		}
	}
	return 0;
}

struct tracer *tracer__load(const struct plan *pl, const struct tracer_opts *o)
{
	struct tracer *tr = calloc(1, sizeof(*tr));
	size_t n = plan__count(pl);

	if (tr) {
		tr->pl = pl;
		tr->n = n;
		n = n ? n : 1;
		tr->via = calloc(n, sizeof(*tr->via));
		tr->links = calloc(n, sizeof(*tr->links));
		tr->event = calloc(n, sizeof(*tr->event));
		tr->attached = calloc(n, sizeof(*tr->attached));
		tr->hits = calloc(n, sizeof(*tr->hits));
		tr->own_missed = calloc(n, sizeof(*tr->own_missed));
		tr->own_known = calloc(n, sizeof(*tr->own_known));
		tr->missed = calloc(n, sizeof(*tr->missed));
	}
	if (!tr || !tr->via || !tr->links || !tr->event || !tr->attached || !tr->hits ||
	    !tr->own_missed || !tr->own_known || !tr->missed) {
		log_error("out of memory");
		tracer__free(tr);
		return NULL;
	}
	if (load(tr, o)) {
		tracer__free(tr);
		return NULL;
	}
	return tr;
}

const char *tracer__id_mode(const struct tracer *tr)
{
	if (!tr->by_addr)
		return "attach cookies";
	return tr->forced ? "address lookup (KSYMTRACE_FORCE_ADDR_IDS=1)"
			  : "address lookup, as this kernel has no attach cookies";
}

/* ---- events ----------------------------------------------------------------- */

void tracer__set_handler(struct tracer *tr, tracer_event_fn fn, void *ctx)
{
	tr->fn = fn;
	tr->fn_ctx = ctx;
}

int tracer__poll(struct tracer *tr, int timeout_ms)
{
	if (!tr->rb) {
		/* --count: nothing comes through the ring buffer; just wait */
		if (timeout_ms > 0 && usleep((useconds_t)timeout_ms * 1000) != 0)
			return -errno;
		return 0;
	}
	return ring_buffer__poll(tr->rb, timeout_ms);
}

int tracer__drain(struct tracer *tr)
{
	return tr->rb ? ring_buffer__consume(tr->rb) : 0;
}

static int sum_percpu(struct bpf_map *m, __u32 key, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	*out = 0;
	if (ncpu <= 0)
		return -1;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -1;
	if (bpf_map__lookup_elem(m, &key, sizeof(key), vals, (size_t)ncpu * sizeof(*vals), 0)) {
		free(vals);
		return -1;
	}
	for (int c = 0; c < ncpu; c++)
		*out += vals[c];
	free(vals);
	return 0;
}

/* ---- missed counts ------------------------------------------------------------------ */

/* A program's recursion misses (bpf_prog_info, 5.12; for kprobe programs 6.7):
 * hits it was skipped at because a BPF program already ran on that CPU. */
struct prog_misses {
	struct bpf_program *prog;
	size_t probes;   /* attached probes it runs for */
	uint64_t misses;
	bool read;
};

#define PROGS_MAX 6 /* the programs of ksymtrace.bpf.c */

static struct prog_misses *prog_slot(struct prog_misses *pm, size_t *n, struct bpf_program *prog)
{
	for (size_t i = 0; i < *n; i++)
		if (pm[i].prog == prog)
			return &pm[i];
	if (*n == PROGS_MAX)
		return NULL;
	pm[*n] = (struct prog_misses){ .prog = prog };
	return &pm[(*n)++];
}

static void read_prog_misses(struct prog_misses *pm)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(pm->prog);

	memset(&info, 0, sizeof(info));
	pm->read = fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0;
	pm->misses = pm->read ? info.recursion_misses : 0;
}

/* Each probe's missed count: its kprobe's own (link info or kprobe_profile)
 * plus its program's recursion misses. A count the kernel keeps for several
 * probes at once (a kprobe_multi link, a program run by many) belongs to no
 * one of them: unless it is 0, those probes say unknown, and it goes to
 * st->shared. */
static void sum_missed(struct tracer *tr, struct tracer_stats *st)
{
	struct prog_misses pm[PROGS_MAX], *slot;
	bool multi_shared[MULTI_KINDS] = { false }, any_kprobe = false;
	size_t npm = 0;

	for (size_t i = 0; i < tr->n; i++)
		if (tr->attached[i] && (slot = prog_slot(pm, &npm, tracer__prog(tr, plan__probe(tr->pl, i)->ret, tr->via[i]))))
			slot->probes++;
	for (size_t k = 0; tr->counts_missed && k < npm; k++) {
		read_prog_misses(&pm[k]);
		if (pm[k].misses && pm[k].probes > 1)
			st->shared += pm[k].misses;
	}
	for (int k = 0; k < MULTI_KINDS; k++) {
		multi_shared[k] = tr->multi_missed_read[k] && tr->multi_missed[k] && tr->multi_n[k] > 1;
		if (multi_shared[k])
			st->shared += tr->multi_missed[k];
	}
	for (size_t i = 0; i < tr->n; i++) {
		bool ret = plan__probe(tr->pl, i)->ret, known = tr->own_known[i], shared = false;
		uint64_t own = tr->own_missed[i];

		tr->missed[i] = TRACER_MISSED_UNKNOWN;
		if (!tr->attached[i])
			continue;
		if (tr->via[i] == VIA_MULTI) {
			known = tr->multi_missed_read[ret];
			own = tr->multi_missed[ret];
			shared = multi_shared[ret];
		}
		any_kprobe |= tr->via[i] != VIA_EVENT;
		slot = prog_slot(pm, &npm, tracer__prog(tr, ret, tr->via[i]));
		if (tr->counts_missed && slot && (!slot->read || slot->misses)) {
			known &= slot->read;
			if (slot->probes > 1)
				shared = true;
			else
				own += slot->misses;
		}
		if (shared)
			st->shared_probes++;
		else if (known)
			tr->missed[i] = own;
	}
	if (!tr->counts_missed)
		st->unavailable = TRACER_UNCOUNTED_RECURSION | (any_kprobe ? TRACER_UNCOUNTED_KPROBE : 0);
}

int tracer__collect(struct tracer *tr, struct tracer_stats *st)
{
	int r = 0;

	memset(st, 0, sizeof(*st));
	st->hits = tr->hits;
	st->attached = tr->attached;
	st->missed = tr->missed;
	if (!tr->skel)
		return -1;
	for (size_t i = 0; i < tr->n; i++)
		r |= sum_percpu(tr->skel->maps.hits, (__u32)i, &tr->hits[i]);
	r |= sum_percpu(tr->skel->maps.stats, KT_STAT_LOST, &st->lost);
	r |= sum_percpu(tr->skel->maps.stats, KT_STAT_UNKNOWN, &st->unknown);
	sum_missed(tr, st);
	return r ? -1 : 0;
}

void tracer__free(struct tracer *tr)
{
	if (!tr)
		return;
	if (tr->links && tr->via && tr->event && tr->own_missed && tr->own_known)
		tracer__detach(tr);
	tracefs__free(tr->tf); /* whatever --maxactive's detach could not remove */
	ring_buffer__free(tr->rb);
	ksymtrace_bpf__destroy(tr->skel);
	free(tr->via);
	free(tr->links);
	free(tr->event);
	free(tr->attached);
	free(tr->hits);
	free(tr->own_missed);
	free(tr->own_known);
	free(tr->missed);
	free(tr->sets);
	free(tr->range_of);
	free(tr);
}
