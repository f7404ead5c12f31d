// SPDX-License-Identifier: GPL-2.0
/* The attach engine. See tracer.h. */
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

#include <bpf/libbpf.h>

#include "ksymtrace.h"
#include "ksymtrace.skel.h"
#include "kernel.h"
#include "log.h"
#include "probe_values.h"

struct tracer {
	const struct plan *pl;
	size_t n;                 /* plan__count(pl) */
	struct ksymtrace_bpf *skel;
	struct ring_buffer *rb;
	bool by_addr;             /* no attach cookies: probes are found by address */
	bool forced;              /* by_addr although the kernel has cookies (for tests) */
	bool fd_limit_raised;
	/* per probe id */
	struct bpf_link **links;  /* NULL: not attached (now) */
	bool *attached;           /* attached at some point of the run */
	uint64_t *hits;           /* filled by tracer__collect() */
	size_t n_attached;        /* links that are not NULL */
	/* the fetch programs: each distinct set once, one after the other, and
	 * where each probe's set is */
	struct kt_probe_fetch *sets;
	size_t nsets;
	struct kt_fetch_range *range_of;
	size_t nprogs;
	tracer_event_fn fn;
	void *fn_ctx;
};

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

/* ---- the fetch programs -------------------------------------------------------- */

/* Probe ID's fetch programs as the BPF side reads them (bpf/ksymtrace.h); false
 * when it records none. */
static bool probe_fetch(const struct probe_values_set *pv, size_t id, struct kt_probe_fetch *out)
{
	const struct probe_values *p = probe_values__get(pv, id);

	memset(out, 0, sizeof(*out));
	if (!p || !p->n)
		return false;
	out->n = (__u32)(p->n < KT_FETCH_MAX ? p->n : KT_FETCH_MAX);
	for (size_t i = 0; i < out->n; i++)
		out->f[i] = p->v[i].prog;
	return true;
}

static uint64_t set_hash(const struct kt_probe_fetch *f)
{
	const unsigned char *b = (const unsigned char *)f;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*f); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* Every probe's set, each distinct one kept once (a hash table of indexes into
 * tr->sets): a glob over a thousand functions has a few dozen ways of placing
 * their parameters. Then where each probe's programs are once the sets are
 * laid out one after the other. */
static int build_sets(struct tracer *tr, const struct probe_values_set *pv)
{
	size_t tcap = 16, *first = NULL;
	uint32_t *table = NULL, *set_of = NULL; /* set index + 1; 0: none */
	struct kt_probe_fetch f;
	int err = -ENOMEM;

	while (tcap < 2 * tr->n)
		tcap *= 2;
	tr->range_of = calloc(tr->n ? tr->n : 1, sizeof(*tr->range_of));
	set_of = calloc(tr->n ? tr->n : 1, sizeof(*set_of));
	table = calloc(tcap, sizeof(*table));
	if (!tr->range_of || !set_of || !table)
		goto out;
	for (size_t i = 0; pv && i < tr->n; i++) {
		size_t slot;

		if (!probe_fetch(pv, i, &f))
			continue;
		for (slot = set_hash(&f) & (tcap - 1); table[slot]; slot = (slot + 1) & (tcap - 1))
			if (memcmp(&tr->sets[table[slot] - 1], &f, sizeof(f)) == 0)
				break;
		if (!table[slot]) {
			if (tr->nsets % 64 == 0) {
				struct kt_probe_fetch *ns = realloc(tr->sets, (tr->nsets + 64) * sizeof(*ns));

				if (!ns)
					goto out;
				tr->sets = ns;
			}
			tr->sets[tr->nsets++] = f;
			table[slot] = (uint32_t)tr->nsets;
		}
		set_of[i] = table[slot];
	}
	first = calloc(tr->nsets + 1, sizeof(*first));
	if (!first)
		goto out;
	for (size_t k = 0; k < tr->nsets; k++)
		first[k + 1] = first[k] + tr->sets[k].n;
	tr->nprogs = first[tr->nsets];
	for (size_t i = 0; i < tr->n; i++)
		if (set_of[i])
			tr->range_of[i] = (struct kt_fetch_range){ (__u32)first[set_of[i] - 1],
								   tr->sets[set_of[i] - 1].n };
	err = 0;
out:
	free(first);
	free(set_of);
	free(table);
	return err;
}

static int fill_fetch_maps(struct tracer *tr)
{
	struct bpf_map *of = tr->skel->maps.fetch_of, *progs = tr->skel->maps.fetch_progs;
	__u32 key = 0;

	for (size_t k = 0; k < tr->nsets; k++) {
		for (__u32 i = 0; i < tr->sets[k].n; i++, key++)
			if (bpf_map__update_elem(progs, &key, sizeof(key), &tr->sets[k].f[i],
						 sizeof(tr->sets[k].f[i]), 0))
				goto fail;
	}
	for (size_t i = 0; i < tr->n && tr->nsets; i++) {
		key = (__u32)i;
		if (tr->range_of[i].n &&
		    bpf_map__update_elem(of, &key, sizeof(key), &tr->range_of[i], sizeof(tr->range_of[i]), 0))
			goto fail;
	}
	return 0;
fail:
	kernel__explain_bpf("cannot fill the map of fetch programs", errno);
	return -1;
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
	if (build_sets(tr, o->pv)) {
		log_error("out of memory");
		return -1;
	}
	if (pick_id_mode(tr) || configure(tr, o, n_kp, n_kret))
		return -1;
	if (ksymtrace_bpf__load(tr->skel)) {
		kernel__explain_bpf("cannot load the BPF programs", errno);
		return -1;
	}
	if ((tr->by_addr && fill_id_maps(tr)) || fill_fetch_maps(tr))
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
		tr->links = calloc(n ? n : 1, sizeof(*tr->links));
		tr->attached = calloc(n ? n : 1, sizeof(*tr->attached));
		tr->hits = calloc(n ? n : 1, sizeof(*tr->hits));
	}
	if (!tr || !tr->links || !tr->attached || !tr->hits) {
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

/* ---- attaching -------------------------------------------------------------- */

/* Every probe holds a perf event and, from 5.15, a BPF link: two descriptors.
 * The soft limit is often 1024; the hard limit is there to be used. */
static void raise_fd_limit(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		log_verbose("raised the open file limit to %llu for %zu probes",
			    (unsigned long long)rl.rlim_cur, need / 2);
}

int tracer__attach(struct tracer *tr, size_t id)
{
	const struct probe *p = plan__probe(tr->pl, id);
	struct bpf_program *prog;
	int err;

	if (!p)
		return -EINVAL;
	if (tr->links[id])
		return 0;
	if (!tr->fd_limit_raised) {
		raise_fd_limit(tr->n * 2 + 64);
		tr->fd_limit_raised = true;
	}
	if (p->ret)
		prog = tr->by_addr ? tr->skel->progs.kt_kretprobe_addr : tr->skel->progs.kt_kretprobe;
	else
		prog = tr->by_addr ? tr->skel->progs.kt_kprobe_addr : tr->skel->progs.kt_kprobe;
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .offset = (size_t)p->addr, .retprobe = p->ret,
		    .bpf_cookie = tr->by_addr ? 0 : (__u64)id);

	/* by address: func_name NULL, offset = the absolute address (the PMU's
	 * config1 = 0, config2 = addr) */
	tr->links[id] = bpf_program__attach_kprobe_opts(prog, NULL, &ko);
	if (!tr->links[id]) {
		err = errno; /* libbpf 1.1 reports through errno: before anything else runs */
		return -(err ? err : EINVAL);
	}
	tr->attached[id] = true;
	tr->n_attached++;
	return 0;
}

size_t tracer__attached(const struct tracer *tr)
{
	return tr->n_attached;
}

struct detach_slice {
	struct bpf_link **links;
	size_t from, to;
};

static void *detach_slice(void *arg)
{
	struct detach_slice *d = arg;

	for (size_t i = d->from; i < d->to; i++) {
		bpf_link__destroy(d->links[i]);
		d->links[i] = NULL;
	}
	return NULL;
}

/* Closing a kprobe's perf event unregisters it, and unregister_kprobe() waits
 * for an RCU grace period (synchronize_rcu) every time: one after the other,
 * 1000 probes took 110 s under qemu TCG. Waiters in parallel share grace
 * periods, so the links are closed by up to DETACH_THREADS threads. */
#define DETACH_THREADS 32
#define DETACH_PER_THREAD 8

void tracer__detach(struct tracer *tr)
{
	struct detach_slice slices[DETACH_THREADS];
	pthread_t threads[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	size_t nt = tr->n / DETACH_PER_THREAD, per;

	if (nt > DETACH_THREADS)
		nt = DETACH_THREADS;
	if (nt < 2) {
		struct detach_slice all = { tr->links, 0, tr->n };

		detach_slice(&all);
		tr->n_attached = 0;
		return;
	}
	per = (tr->n + nt - 1) / nt;
	for (size_t k = 0; k < nt; k++) {
		slices[k] = (struct detach_slice){ tr->links, k * per, (k + 1) * per < tr->n ? (k + 1) * per : tr->n };
		started[k] = pthread_create(&threads[k], NULL, detach_slice, &slices[k]) == 0;
		if (!started[k])
			detach_slice(&slices[k]); /* no thread: do it here */
	}
	for (size_t k = 0; k < nt; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
	tr->n_attached = 0;
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

int tracer__collect(struct tracer *tr, struct tracer_stats *st)
{
	int r = 0;

	memset(st, 0, sizeof(*st));
	st->hits = tr->hits;
	st->attached = tr->attached;
	if (!tr->skel)
		return -1;
	for (size_t i = 0; i < tr->n; i++)
		r |= sum_percpu(tr->skel->maps.hits, (__u32)i, &tr->hits[i]);
	r |= sum_percpu(tr->skel->maps.stats, KT_STAT_LOST, &st->lost);
	r |= sum_percpu(tr->skel->maps.stats, KT_STAT_UNKNOWN, &st->unknown);
	return r ? -1 : 0;
}

void tracer__free(struct tracer *tr)
{
	if (!tr)
		return;
	if (tr->links)
		tracer__detach(tr);
	ring_buffer__free(tr->rb);
	ksymtrace_bpf__destroy(tr->skel);
	free(tr->links);
	free(tr->attached);
	free(tr->hits);
	free(tr->sets);
	free(tr->range_of);
	free(tr);
}
