// SPDX-License-Identifier: GPL-2.0
/* The attach engine: attaching and detaching, three ways (tracer.h), and the
 * kernel's missed counts that go away with what was attached. */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel.h"
#include "ksymtrace.skel.h"
#include "log.h"
#include "tracefs.h"
#include "tracer_impl.h"

struct bpf_program *tracer__prog(const struct tracer *tr, bool ret, enum via via)
{
	const struct ksymtrace_bpf *s = tr->skel;

	if (via == VIA_MULTI)
		return ret ? s->progs.kt_kretprobe_multi : s->progs.kt_kprobe_multi;
	if (tr->by_addr)
		return ret ? s->progs.kt_kretprobe_addr : s->progs.kt_kprobe_addr;
	return ret ? s->progs.kt_kretprobe : s->progs.kt_kprobe;
}

/* ---- missed counts in link info ------------------------------------------------ */

/* struct bpf_link_info (include/uapi/linux/bpf.h) where Linux 6.7 puts the
 * kprobes' missed counts: "bpf: Add missed value to kprobe_multi link info"
 * and "... to kprobe perf link info" (Jiri Olsa's series of 2023-09). Debian
 * 12's linux-libc-dev (6.1) predates both, so the parts read here are written
 * out at their UAPI offsets: the union starts at 16 (the struct is 8-aligned). */
struct kt_link_info {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	__u32 pad;
	union {
		struct {
			__u64 addrs;
			__u32 count;
			__u32 flags;
			__u64 missed;
		} kprobe_multi; /* BPF_LINK_TYPE_KPROBE_MULTI */
		struct {
			__u32 type; /* enum bpf_perf_event_type */
			__u32 pad;
			__u64 func_name;
			__u32 name_len;
			__u32 offset;
			__u64 addr;
			__u64 missed;
		} perf_kprobe; /* BPF_LINK_TYPE_PERF_EVENT of a kprobe or kretprobe */
		__u8 room[64];
	};
} __attribute__((aligned(8)));

#define KT_LINK_TYPE_PERF_EVENT 7  /* enum bpf_link_type, 6.0 */
#define KT_LINK_TYPE_KPROBE_MULTI 8
#define KT_PERF_EVENT_KPROBE 3     /* enum bpf_perf_event_type, 6.6 */
#define KT_PERF_EVENT_KRETPROBE 4

bool tracer__link_missed(struct bpf_link *link, uint64_t *missed)
{
	struct kt_link_info info;
	char name[256]; /* the kernel fills in the function's name with the rest */
	__u32 len = sizeof(info);
	int fd = link ? bpf_link__fd(link) : -1;

	/* first with nothing asked for: a kprobe_multi link refuses a count
	 * without addrs (EINVAL), and the name buffer below overlaps its count */
	memset(&info, 0, sizeof(info));
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == KT_LINK_TYPE_KPROBE_MULTI) {
		*missed = info.kprobe_multi.missed;
		return true;
	}
	memset(&info, 0, sizeof(info));
	len = sizeof(info);
	info.perf_kprobe.func_name = (__u64)(uintptr_t)name;
	info.perf_kprobe.name_len = sizeof(name);
	/* before 5.15 a kprobe is no BPF link (libbpf attaches by ioctl) and the
	 * descriptor is the perf event's: the call fails, nothing is told */
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	if (info.type == KT_LINK_TYPE_PERF_EVENT && (info.perf_kprobe.type == KT_PERF_EVENT_KPROBE ||
						     info.perf_kprobe.type == KT_PERF_EVENT_KRETPROBE)) {
		*missed = info.perf_kprobe.missed;
		return true;
	}
	return false;
}

/* ---- one perf kprobe, or one tracefs event, per probe ------------------------------ */

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

/* A tracefs event, a perf event of it, and the program attached to that
 * (libbpf 1.1's perf-event attach, which owns the perf event from then on).
 * Two kinds: a kretprobe with --maxactive, "rN:G/E 0xADDR"; and a probe on a
 * module whose name the module has once (probe.mod_unique), "p:G/E MOD:SYM+OFF"
 * (maxactive too for a kretprobe), which the kernel keeps when the module goes
 * and arms on each load, before init runs (trace_kprobe.c: the event is
 * accepted while "module is not loaded yet", and registered on
 * MODULE_STATE_COMING; since v3.17, commit 61424318). The other way to have
 * probes back after a reload, attaching again by address once the new
 * addresses are read, would miss init and every hit until the next look at
 * the module: the kernel's own re-arming misses nothing. */
static struct bpf_link *attach_event(struct tracer *tr, size_t id, const struct probe *p, int *err)
{
	LIBBPF_OPTS(bpf_perf_event_opts, po, .bpf_cookie = tr->by_addr ? 0 : (__u64)id);
	struct tracefs_probe tp = { .ret = p->ret, .maxactive = p->ret ? tr->maxactive : 0 };
	struct bpf_link *link;
	int ev, pfd;

	if (p->mod_unique && !tr->by_addr) {
		tp.mod = ksyms__mod_name(plan__table(tr->pl), p->sym->mod);
		tp.sym = ksyms__name(plan__table(tr->pl), p->sym);
		tp.off = p->off;
	} else {
		tp.addr = p->addr;
	}
	if (!tr->tf && !(tr->tf = tracefs__new())) {
		*err = ENOMEM;
		return NULL;
	}
	ev = tr->event[id] >= 0 ? tr->event[id] : tracefs__add(tr->tf, &tp);
	if (ev < 0) {
		*err = -ev;
		return NULL;
	}
	tr->event[id] = ev;
	pfd = tracefs__perf_open(tr->tf, ev);
	if (pfd < 0) {
		*err = -pfd;
		tracefs__remove(tr->tf, ev); /* a failed attach leaves nothing behind */
		tr->event[id] = -1;
		return NULL;
	}
	link = bpf_program__attach_perf_event_opts(tracer__prog(tr, p->ret, VIA_EVENT), pfd, &po);
	if (!link) {
		*err = errno;
		close(pfd);
		tracefs__remove(tr->tf, ev);
		tr->event[id] = -1;
	}
	return link;
}

int tracer__attach(struct tracer *tr, size_t id)
{
	const struct probe *p = plan__probe(tr->pl, id);
	int err = 0;

	if (!p)
		return -EINVAL;
	if (tr->via[id] == VIA_MULTI && !tr->attached[id])
		tracer__attach_multi(tr); /* its link first: one by one only if that is refused */
	if (tr->links[id] || (tr->via[id] == VIA_MULTI && tr->attached[id]))
		return 0;
	if (!tr->fd_limit_raised) {
		raise_fd_limit(tr->n * 2 + 64);
		tr->fd_limit_raised = true;
	}
	if (!ksym_loaded(p->sym) && tr->via[id] != VIA_EVENT)
		return -ENOENT; /* no address yet: attach_mods.h refuses it before */
	if (tr->via[id] == VIA_EVENT) {
		tr->links[id] = attach_event(tr, id, p, &err);
		if (!tr->links[id] && p->mod_unique && ksym_loaded(p->sym) && !(p->ret && tr->maxactive) &&
		    (err == EADDRNOTAVAIL || err == EINVAL)) {
			/* From Linux 6.6 (b022f0c7e404) until the module-aware count
			 * ("tracing/kprobes: ... module", 2024, in 6.11 and stable),
			 * the kernel counts NAME's copies outside MOD too and refuses
			 * MOD:NAME if there are any: by address then, which the
			 * kernel does not arm again after a reload (tracer__rearms) */
			log_verbose("%s: the kernel refused %s:%s as a tracefs event (%s): attached by address",
				    p->label, ksyms__mod_name(plan__table(tr->pl), p->sym->mod),
				    ksyms__name(plan__table(tr->pl), p->sym), strerror(err));
			tr->via[id] = VIA_PERF;
		}
	}
	if (!tr->links[id] && tr->via[id] != VIA_EVENT) {
		LIBBPF_OPTS(bpf_kprobe_opts, ko, .offset = (size_t)p->addr, .retprobe = p->ret,
			    .bpf_cookie = tr->by_addr ? 0 : (__u64)id);

		/* by address: func_name NULL, offset = the absolute address (the
		 * PMU's config1 = 0, config2 = addr) */
		tr->links[id] = bpf_program__attach_kprobe_opts(tracer__prog(tr, p->ret, VIA_PERF), NULL, &ko);
		err = errno; /* libbpf 1.1 reports through errno: before anything else runs */
	}
	if (!tr->links[id])
		return -(err ? err : EINVAL);
	tr->attached[id] = true;
	tr->n_attached++;
	return 0;
}

bool tracer__can_wait(const struct tracer *tr)
{
	return !tr->by_addr;
}

bool tracer__rearms(const struct tracer *tr, size_t id)
{
	const struct probe *p = plan__probe(tr->pl, id);

	return p && tr->via[id] == VIA_EVENT && p->mod_unique && !tr->by_addr;
}

/* ---- kprobe_multi links ------------------------------------------------------------ */

/* The probes of kind K attach one by one: their link was refused. */
static void give_up_multi(struct tracer *tr, int k)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->via[i] == VIA_MULTI && plan__probe(tr->pl, i)->ret == (k == MULTI_KRETPROBE))
			tr->via[i] = VIA_PERF;
	tr->multi_n[k] = 0;
	tr->why = TRACER_SINGLE_REFUSED;
}

/* One link for every probe of kind K that goes through one: by address, with
 * the probe id as each address's cookie. kprobe_multi takes function
 * addresses: fprobe finds the ftrace site itself (+4 past an ENDBR), where a
 * perf kprobe at +0 is moved there by the kprobes core, so both report the
 * probe at +0. Returns how many probes it attached. */
static size_t attach_multi_kind(struct tracer *tr, int k)
{
	unsigned long *addrs = calloc(tr->multi_n[k] ? tr->multi_n[k] : 1, sizeof(*addrs));
	__u64 *cookies = calloc(tr->multi_n[k] ? tr->multi_n[k] : 1, sizeof(*cookies));
	size_t n = 0;
	int err;

	if (!addrs || !cookies) {
		free(addrs);
		free(cookies);
		give_up_multi(tr, k);
		return 0;
	}
	for (size_t i = 0; i < tr->n; i++) {
		const struct probe *p = plan__probe(tr->pl, i);

		if (tr->via[i] == VIA_MULTI && p->ret == (k == MULTI_KRETPROBE)) {
			addrs[n] = (unsigned long)p->addr;
			cookies[n++] = i;
		}
	}
	LIBBPF_OPTS(bpf_kprobe_multi_opts, mo, .addrs = addrs, .cookies = cookies, .cnt = n,
		    .retprobe = k == MULTI_KRETPROBE);
	tr->multi[k] = bpf_program__attach_kprobe_multi_opts(tracer__prog(tr, k == MULTI_KRETPROBE, VIA_MULTI),
							     NULL, &mo);
	err = errno;
	free(addrs);
	free(cookies);
	if (!tr->multi[k]) {
		/* one address it will not take refuses them all: each on its own
		 * then, so that the one at fault is named (and --skip-failed works) */
		log_verbose("the kernel refused the kprobe_multi link of %zu %s (%s): attaching them one by one",
			    n, k == MULTI_KRETPROBE ? "kretprobes" : "kprobes", strerror(err));
		give_up_multi(tr, k);
		return 0;
	}
	for (size_t i = 0; i < tr->n; i++)
		if (tr->via[i] == VIA_MULTI && plan__probe(tr->pl, i)->ret == (k == MULTI_KRETPROBE))
			tr->attached[i] = true;
	tr->n_attached += n;
	return n;
}

size_t tracer__attach_multi(struct tracer *tr)
{
	size_t n = 0;

	for (int k = 0; k < MULTI_KINDS; k++)
		if (tr->multi_n[k] && !tr->multi[k])
			n += attach_multi_kind(tr, k);
	return n;
}

size_t tracer__attached(const struct tracer *tr)
{
	return tr->n_attached;
}

void tracer__links(const struct tracer *tr, struct tracer_links *l)
{
	memset(l, 0, sizeof(*l));
	for (int k = 0; k < MULTI_KINDS; k++)
		l->multi_links += tr->multi[k] != NULL;
	for (size_t i = 0; i < tr->n; i++) {
		if (!tr->attached[i])
			continue;
		if (tr->via[i] == VIA_MULTI)
			l->multi_probes++;
		else if (tr->via[i] == VIA_EVENT && tracer__rearms(tr, i))
			l->mod_events++;
		else if (tr->via[i] == VIA_EVENT)
			l->events++;
		else
			l->single++;
	}
	l->why = l->single ? tr->why : TRACER_SINGLE_NONE;
}

/* ---- detaching --------------------------------------------------------------------- */

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

static void destroy_links(struct bpf_link **links, size_t n)
{
	struct detach_slice slices[DETACH_THREADS];
	pthread_t threads[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	size_t nt = n / DETACH_PER_THREAD, per;

	if (nt > DETACH_THREADS)
		nt = DETACH_THREADS;
	if (nt < 2) {
		struct detach_slice all = { links, 0, n };

		detach_slice(&all);
		return;
	}
	per = (n + nt - 1) / nt;
	for (size_t k = 0; k < nt; k++) {
		slices[k] = (struct detach_slice){ links, k * per, (k + 1) * per < n ? (k + 1) * per : n };
		started[k] = pthread_create(&threads[k], NULL, detach_slice, &slices[k]) == 0;
		if (!started[k])
			detach_slice(&slices[k]); /* no thread: do it here */
	}
	for (size_t k = 0; k < nt; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
}

/* The counts that go with the links: read while they are there. */
static void read_link_missed(struct tracer *tr)
{
	if (!tr->counts_missed)
		return;
	for (size_t i = 0; i < tr->n; i++)
		if (tr->links[i] && tr->via[i] == VIA_PERF)
			tr->own_known[i] = tracer__link_missed(tr->links[i], &tr->own_missed[i]);
	for (int k = 0; k < MULTI_KINDS; k++)
		if (tr->multi[k])
			tr->multi_missed_read[k] = tracer__link_missed(tr->multi[k], &tr->multi_missed[k]);
}

/* The tracefs events (--maxactive's, modules'), once no perf event holds them: their misses from
 * kprobe_profile (kept on every kernel), then the events themselves go. */
static void remove_events(struct tracer *tr)
{
	uint64_t hits;

	if (!tr->tf || !tracefs__live(tr->tf))
		return;
	if (tracefs__read_profile(tr->tf))
		log_warn("cannot read kprobe_profile: the tracefs events' missed counts are unknown");
	for (size_t i = 0; i < tr->n; i++) {
		if (tr->via[i] != VIA_EVENT || tr->event[i] < 0)
			continue;
		tr->own_known[i] = tracefs__profile(tr->tf, tr->event[i], &hits, &tr->own_missed[i]);
		tracefs__remove(tr->tf, tr->event[i]);
		tr->event[i] = -1;
	}
}

void tracer__detach(struct tracer *tr)
{
	read_link_missed(tr);
	for (int k = 0; k < MULTI_KINDS; k++) {
		/* one grace period for the whole link (unregister_fprobe) */
		bpf_link__destroy(tr->multi[k]);
		tr->multi[k] = NULL;
	}
	destroy_links(tr->links, tr->n);
	tr->n_attached = 0;
	remove_events(tr);
}
