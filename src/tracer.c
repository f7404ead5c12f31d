// SPDX-License-Identifier: GPL-2.0
/* The attach engine. See tracer.h. */
#define _GNU_SOURCE
#include "tracer.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <bpf/libbpf.h>

#include "ksymtrace.h"
#include "ksymtrace.skel.h"
#include "log.h"
#include "output.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38 /* Linux 5.8 */
#endif
#ifndef CAP_BPF
#define CAP_BPF 39 /* Linux 5.8 */
#endif

struct tracer {
	const struct ksyms *t;
	struct probe *v;
	size_t n, cap;
	struct ksymtrace_bpf *skel;
	struct ring_buffer *rb;
	bool by_addr; /* no attach cookies: probes are found by address */
	bool forced;  /* by_addr although the kernel has cookies (for tests) */
	size_t attached;
	tracer_event_fn fn;
	void *fn_ctx;
};

/* ---- the kernel ----------------------------------------------------------- */

static void path_under(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s%s", traceable__sysroot(), rel);
}

static bool exists_under(const char *rel)
{
	char path[4096];

	path_under(path, sizeof(path), rel);
	return access(path, F_OK) == 0;
}

enum cfg { CFG_UNKNOWN, CFG_YES, CFG_NO };

struct kconfig {
	enum cfg kprobes, kprobe_events;
};

static void kconfig_line(struct kconfig *kc, const char *line)
{
	/* "CONFIG_KPROBES=y" or "# CONFIG_KPROBES is not set" */
	if (strncmp(line, "CONFIG_KPROBES=", 15) == 0)
		kc->kprobes = CFG_YES;
	else if (strncmp(line, "# CONFIG_KPROBES is not set", 27) == 0)
		kc->kprobes = CFG_NO;
	else if (strncmp(line, "CONFIG_KPROBE_EVENTS=", 21) == 0)
		kc->kprobe_events = CFG_YES;
	else if (strncmp(line, "# CONFIG_KPROBE_EVENTS is not set", 33) == 0)
		kc->kprobe_events = CFG_NO;
}

/* The build configuration, from /proc/config.gz (CONFIG_IKCONFIG_PROC),
 * /boot/config-$(uname -r) or /usr/lib/modules/$(uname -r)/config (Debian's
 * packages since 6.19 ship it there, and no /boot/config-*): false if none can
 * be read. gzread reads plain files too, so one reader serves all. */
static bool read_kconfig(struct kconfig *kc)
{
	static const char *const at[] = { "/boot/config-%.64s", "/usr/lib/modules/%.64s/config" };
	char path[4096], rel[128], line[256];
	struct utsname u;
	gzFile f;

	memset(kc, 0, sizeof(*kc));
	path_under(path, sizeof(path), "/proc/config.gz");
	f = gzopen(path, "rb");
	for (size_t i = 0; !f && i < sizeof(at) / sizeof(at[0]) && uname(&u) == 0; i++) {
		snprintf(rel, sizeof(rel), at[i], u.release);
		path_under(path, sizeof(path), rel);
		f = gzopen(path, "rb");
	}
	if (!f)
		return false;
	while (gzgets(f, line, sizeof(line)))
		kconfig_line(kc, line);
	gzclose(f);
	return true;
}

static bool have_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		return geteuid() == 0;
#define HAS(cap) (d[(cap) / 32].effective & (1u << ((cap) % 32)))
	/* CAP_BPF + CAP_PERFMON split CAP_SYS_ADMIN's BPF and perf powers in 5.8 */
	return HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON));
#undef HAS
}

void tracer__kernel_support(struct kernel_support *ks)
{
	struct kconfig kc;
	bool have_cfg;

	memset(ks, 0, sizeof(*ks));
	ks->privileged = have_caps();
	/* the PMU libbpf attaches through (Linux 4.17, commit e12f03d7031a) */
	if (exists_under("/sys/bus/event_source/devices/kprobe/type")) {
		ks->kprobes = true;
		return;
	}
	have_cfg = read_kconfig(&kc);
	if (have_cfg && kc.kprobes == CFG_NO) {
		snprintf(ks->why, sizeof(ks->why), "this kernel was built without CONFIG_KPROBES: it cannot place kprobes at all");
		snprintf(ks->hint, sizeof(ks->hint), "run ksymtrace attach on a kernel built with CONFIG_KPROBES=y and CONFIG_KPROBE_EVENTS=y (distribution kernels are); resolve, list and attach --dry-run work here");
	} else if (have_cfg && kc.kprobe_events == CFG_NO) {
		snprintf(ks->why, sizeof(ks->why), "this kernel was built without CONFIG_KPROBE_EVENTS: it has kprobes but no kprobe PMU for BPF programs");
		snprintf(ks->hint, sizeof(ks->hint), "use a kernel built with CONFIG_KPROBE_EVENTS=y");
	} else if (exists_under("/sys/kernel/tracing/kprobe_events") ||
		   exists_under("/sys/kernel/debug/tracing/kprobe_events")) {
		snprintf(ks->why, sizeof(ks->why), "this kernel has kprobe_events but no kprobe PMU (/sys/bus/event_source/devices/kprobe): it is older than Linux 4.17");
		snprintf(ks->hint, sizeof(ks->hint), "ksymtrace attaches by address through the kprobe PMU: it needs Linux 4.17 or later");
	} else if (!exists_under("/sys/bus/event_source/devices")) {
		snprintf(ks->why, sizeof(ks->why), "no /sys/bus/event_source/devices: sysfs is not mounted, or the kernel has no perf events");
		snprintf(ks->hint, sizeof(ks->hint), "mount sysfs (mount -t sysfs sysfs /sys)");
	} else {
		snprintf(ks->why, sizeof(ks->why), "no kprobe PMU in /sys/bus/event_source/devices and no kprobe_events in tracefs: this kernel was built without CONFIG_KPROBES or CONFIG_KPROBE_EVENTS");
		snprintf(ks->hint, sizeof(ks->hint), "use a kernel built with CONFIG_KPROBES=y and CONFIG_KPROBE_EVENTS=y");
	}
}

/* ---- probes ----------------------------------------------------------------- */

struct tracer *tracer__new(const struct ksyms *t)
{
	struct tracer *tr = calloc(1, sizeof(*tr));

	if (tr)
		tr->t = t;
	return tr;
}

/* Instance number of S among every function of its name, whatever filter found
 * it, so that the label is a spec that names S again. */
static void instance_of(const struct ksyms *t, const struct ksym *s, uint32_t *index,
			uint32_t *count)
{
	size_t lo, hi;

	*index = *count = 0;
	ksyms__by_name(t, ksyms__name(t, s), &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *o = ksyms__by_name_at(t, i);

		if (!ksym_is_func(o))
			continue;
		++*count;
		if (o == s)
			*index = *count;
	}
}

int tracer__add(struct tracer *tr, const struct target *tg, bool ret, const char *spec)
{
	uint64_t addr = tg->sym->addr + tg->off;
	char label[KSYMS_NAME_MAX + 64];
	struct probe *p;

	/* the same place named twice is one probe; another name for the same address
	 * is kept apart until every probe has been checked under its own name
	 * (tracer__merge_same_addr), so that vfs_read+D%return is refused even when
	 * vfs_read+D is also vfs_write's start */
	for (size_t i = 0; i < tr->n; i++)
		if (tr->v[i].addr == addr && tr->v[i].ret == ret && tr->v[i].sym == tg->sym &&
		    tr->v[i].off == tg->off)
			return 1;
	if (tr->n == tr->cap) {
		size_t ncap = tr->cap ? tr->cap * 2 : 16;
		struct probe *nv = realloc(tr->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		tr->v = nv;
		tr->cap = ncap;
	}
	p = &tr->v[tr->n];
	memset(p, 0, sizeof(*p));
	p->sym = tg->sym;
	p->off = tg->off;
	p->addr = addr;
	p->ret = ret;
	p->clone = tg->clone;
	p->spec = spec;
	instance_of(tr->t, tg->sym, &p->index, &p->count);
	format_label(label, sizeof(label), ksyms__name(tr->t, tg->sym), tg->off, p->index, p->count);
	p->label = strdup(label);
	if (!p->label)
		return -ENOMEM;
	tr->n++;
	return 0;
}

size_t tracer__count(const struct tracer *tr)
{
	return tr->n;
}

struct probe *tracer__probe(struct tracer *tr, size_t i)
{
	return &tr->v[i];
}

size_t tracer__merge_same_addr(struct tracer *tr)
{
	size_t merged = 0;

	/* one probe per (address, kind): the kernel would run two identical
	 * handlers, and without cookies (before 5.15) an address names one probe */
	for (size_t j = 1; j < tr->n; j++) {
		for (size_t i = 0; i < j; i++) {
			if (tr->v[i].skipped || tr->v[i].addr != tr->v[j].addr ||
			    tr->v[i].ret != tr->v[j].ret)
				continue;
			log_info("ksymtrace: %s%s is %s%s's address: one probe there", tr->v[j].label,
				 tr->v[j].ret ? "%return" : "", tr->v[i].label, tr->v[i].ret ? "%return" : "");
			tr->v[j].skipped = true;
			merged++;
			break;
		}
	}
	tracer__drop_skipped(tr);
	return merged;
}

void tracer__drop_skipped(struct tracer *tr)
{
	size_t w = 0;

	for (size_t i = 0; i < tr->n; i++) {
		if (tr->v[i].skipped) {
			free(tr->v[i].label);
			continue;
		}
		tr->v[w++] = tr->v[i];
	}
	tr->n = w;
}

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

/* Kernel lockdown in confidentiality mode forbids kprobes and BPF's reads of
 * kernel memory (security/lockdown: LOCKDOWN_KPROBES, LOCKDOWN_BPF_READ_KERNEL),
 * whatever the caller's privileges. */
static bool locked_down(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");
	bool yes;

	if (!f)
		return false;
	yes = fgets(buf, sizeof(buf), f) && strstr(buf, "[confidentiality]");
	fclose(f);
	return yes;
}

static void explain_lockdown(const char *what, int err)
{
	log_error("%s: %s: the kernel is locked down (confidentiality), which forbids kprobes and BPF reads of kernel memory",
		  what, strerror(err));
	log_hint("lockdown cannot be lifted at run time: boot with lockdown=integrity (or none)");
}

static void explain_bpf_errno(const char *what, int err)
{
	if ((err == EPERM || err == EACCES) && locked_down()) {
		explain_lockdown(what, err);
	} else if (err == EPERM || err == EACCES) {
		log_error("%s: %s: not allowed to use BPF", what, strerror(err));
		log_hint("run as root, or with CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8)");
	} else if (err == ENOMEM) {
		log_error("%s: out of memory (the ring buffer is locked kernel memory)", what);
		log_hint("a smaller --ringbuf-size");
	} else if (err == ENOSYS) {
		log_error("%s: this kernel has no bpf() system call (CONFIG_BPF_SYSCALL)", what);
	} else {
		log_error("%s: %s", what, strerror(err));
		log_hint("-vv shows libbpf's messages and the verifier's log");
	}
}

/* The address of a core-kernel symbol in the table, or 0. */
static uint64_t core_symbol(const struct ksyms *t, const char *name)
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
static bool find_kretprobe_vars(struct tracer *tr, uint64_t *table, uint64_t *var)
{
	*table = core_symbol(tr->t, "__per_cpu_offset");
	*var = core_symbol(tr->t, "current_kprobe");
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
	explain_bpf_errno("cannot fill the address map", err);
	return -1;
}

static struct bpf_map *id_map(const struct tracer *tr, const struct probe *p)
{
	return p->ret ? tr->skel->maps.kretprobe_ids : tr->skel->maps.kprobe_ids;
}

static int fill_id_maps(struct tracer *tr)
{
	for (size_t i = 0; i < tr->n; i++)
		if (put_id(id_map(tr, &tr->v[i]), tr->v[i].addr, (uint32_t)i, true))
			return -1;
#if defined(__x86_64__)
	/* Since 5.18 ("x86/ibt,kprobes: Cure sym+0 equals fentry woes") a probe at
	 * +0 of a function that starts with ENDBR sits at +4, and that is the
	 * address the programs see. Only reachable with KSYMTRACE_FORCE_ADDR_IDS
	 * (cookies came in 5.15), but then right; a real probe at +4 keeps its key. */
	for (size_t i = 0; i < tr->n; i++)
		if (tr->v[i].off == 0 && put_id(id_map(tr, &tr->v[i]), tr->v[i].addr + 4, (uint32_t)i, false))
			return -1;
#endif
	return 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct tracer *tr = ctx;

	if (size < KT_EVENT_NOSTACK_SZ || ((const struct kt_event *)data)->rec != KT_REC_EVENT)
		return 0; /* not a record this version knows: skip it */
	return tr->fn ? tr->fn(tr->fn_ctx, data, size) : 0;
}

int tracer__load(struct tracer *tr, const struct tracer_opts *o)
{
	struct ksymtrace_bpf *skel = NULL;
	size_t n_kp = 0, n_kret = 0;
	uint64_t pcpu_table = 0, kprobe_var = 0;
	int r, err;

	libbpf_set_print(libbpf_print_bridge);
	if (tr->n == 0 || tr->n >= KT_PROBES_MAX) {
		log_error("%zu probes: ksymtrace attaches between 1 and %u at a time", tr->n,
			  KT_PROBES_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < tr->n; i++)
		tr->v[i].ret ? n_kret++ : n_kp++;

	r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (r == 0) {
		log_error("this kernel has no BPF ring buffer: ksymtrace needs Linux 5.8 or later");
		return -1;
	}
	r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_attach_cookie, NULL);
	if (r < 0) {
		explain_bpf_errno("cannot load a test BPF program", -r);
		return -1;
	}
	/* KSYMTRACE_FORCE_ADDR_IDS=1 takes the older kernels' path on any kernel,
	 * so that it can be tested where cookies exist */
	tr->forced = r == 1 && getenv("KSYMTRACE_FORCE_ADDR_IDS") &&
		     strcmp(getenv("KSYMTRACE_FORCE_ADDR_IDS"), "1") == 0;
	tr->by_addr = r == 0 || tr->forced;
	log_verbose("probes are told apart by %s", tracer__id_mode(tr));
	if (tr->by_addr && n_kret && !find_kretprobe_vars(tr, &pcpu_table, &kprobe_var))
		return -1;

	skel = ksymtrace_bpf__open();
	if (!skel) {
		err = errno;
		explain_bpf_errno("cannot open the BPF object", err);
		return -1;
	}
	tr->skel = skel;
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

	if (bpf_map__set_max_entries(skel->maps.events, (__u32)o->ringbuf_size) ||
	    bpf_map__set_max_entries(skel->maps.hits, (__u32)tr->n + 1) ||
	    /* two keys per probe at most: see fill_id_maps() */
	    bpf_map__set_max_entries(skel->maps.kprobe_ids, n_kp ? 2 * (__u32)n_kp : 1) ||
	    bpf_map__set_max_entries(skel->maps.kretprobe_ids, n_kret ? 2 * (__u32)n_kret : 1)) {
		err = errno;
		explain_bpf_errno("cannot size the BPF maps", err);
		return -1;
	}
	/* load only what this run attaches: the verifier never sees the rest, and
	 * a program calling a helper this kernel lacks would fail the whole load */
	bpf_program__set_autoload(skel->progs.kt_kprobe, !tr->by_addr && n_kp);
	bpf_program__set_autoload(skel->progs.kt_kretprobe, !tr->by_addr && n_kret);
	bpf_program__set_autoload(skel->progs.kt_kprobe_addr, tr->by_addr && n_kp);
	bpf_program__set_autoload(skel->progs.kt_kretprobe_addr, tr->by_addr && n_kret);

	if (ksymtrace_bpf__load(skel)) {
		err = errno;
		explain_bpf_errno("cannot load the BPF programs", err);
		return -1;
	}
	if (tr->by_addr && fill_id_maps(tr))
		return -1;
	if (!o->count_only) {
		tr->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_sample, tr, NULL);
		if (!tr->rb) {
			err = errno;
			explain_bpf_errno("cannot map the ring buffer", err);
			return -1;
		}
	}
	return 0;
}

const char *tracer__id_mode(const struct tracer *tr)
{
	if (!tr->by_addr)
		return "attach cookies";
	return tr->forced ? "address lookup (KSYMTRACE_FORCE_ADDR_IDS=1)"
			  : "address lookup, as this kernel has no attach cookies";
}

/* ---- attaching -------------------------------------------------------------- */

/* One line (and a hint) for why the kernel refused a probe: its errno, in the
 * terms of DESIGN.md §2. */
static void explain_attach_error(const struct tracer *tr, const struct probe *p, int err)
{
	const char *name = ksyms__name(tr->t, p->sym);
	const char *kind = p->ret ? "kretprobe" : "kprobe";
	switch (err) {
	case EILSEQ:
		log_error("%s: not on an instruction boundary (0x%" PRIx64 ")", p->label, p->addr);
		log_hint("give the offset of an instruction's first byte (objdump -d, or gdb: disassemble %s)%s",
			 name, p->off >= 1 && p->off <= 3 ? "; on kernels with IBT (5.18+), +0 is moved past ENDBR to +4 and +1..+3 are refused" : "");
		break;
	case EADDRNOTAVAIL:
		log_error("%s: the kernel cannot tell which symbol 0x%" PRIx64 " belongs to (EADDRNOTAVAIL)", p->label,
			  p->addr);
		log_hint("check the address with ksymtrace resolve 0x%" PRIx64, p->addr);
		break;
	case EINVAL:
		log_error("%s: the kernel refused a %s here (EINVAL): %s is blacklisted for kprobes, or 0x%" PRIx64 " is code kprobes cannot patch",
			  p->label, kind, name, p->addr);
		log_hint("see /sys/kernel/debug/kprobes/blacklist, and ksymtrace resolve --traceable %s", name);
		break;
	case ENOENT:
		log_error("%s: no kernel text at 0x%" PRIx64 " (ENOENT): its module was unloaded, or the symbol table is not this boot's",
			  p->label, p->addr);
		log_hint("use the live /proc/kallsyms (no -k), and check that the module is loaded (lsmod)");
		break;
	case EOPNOTSUPP:
		log_error("%s: the kernel does not support this %s (EOPNOTSUPP)", p->label, kind);
		break;
	case EPERM:
	case EACCES:
		if (locked_down()) {
			explain_lockdown(p->label, err);
		} else {
			log_error("%s: %s: not allowed to create a %s", p->label, strerror(err), kind);
			log_hint("run as root, or with CAP_PERFMON and CAP_BPF (CAP_SYS_ADMIN before Linux 5.8)");
		}
		break;
	case EBUSY:
		log_error("%s: 0x%" PRIx64 " is busy (EBUSY): another user of that code (a livepatch, or an ftrace user that modifies the instruction pointer) owns it",
			  p->label, p->addr);
		break;
	case EMFILE:
	case ENFILE:
		log_error("%s: out of file descriptors (%s): every probe holds one or two", p->label,
			  strerror(err));
		log_hint("raise the limit (ulimit -n), or attach fewer probes");
		break;
	default:
		log_error("%s: the kernel refused a %s at 0x%" PRIx64 ": %s", p->label, kind, p->addr,
			  strerror(err));
		break;
	}
}

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

int tracer__attach(struct tracer *tr, bool skip_failed)
{
	struct bpf_program *kp, *kret;

	kp = tr->by_addr ? tr->skel->progs.kt_kprobe_addr : tr->skel->progs.kt_kprobe;
	kret = tr->by_addr ? tr->skel->progs.kt_kretprobe_addr : tr->skel->progs.kt_kretprobe;
	raise_fd_limit(tr->n * 2 + 64);

	for (size_t i = 0; i < tr->n; i++) {
		struct probe *p = &tr->v[i];
		LIBBPF_OPTS(bpf_kprobe_opts, ko, .offset = (size_t)p->addr, .retprobe = p->ret,
			    .bpf_cookie = tr->by_addr ? 0 : (__u64)i);
		int err;

		/* by address: func_name NULL, offset = the absolute address (the PMU's
		 * config1 = 0, config2 = addr) */
		p->link = bpf_program__attach_kprobe_opts(p->ret ? kret : kp, NULL, &ko);
		if (p->link) {
			tr->attached++;
			continue;
		}
		err = errno; /* libbpf 1.1 reports through errno: before anything else runs */
		explain_attach_error(tr, p, err);
		if (!skip_failed) {
			tracer__detach(tr);
			return -1;
		}
		p->skipped = true;
	}
	if (tr->attached == 0) {
		log_error("no probe could be attached");
		return -1;
	}
	return 0;
}

size_t tracer__attached(const struct tracer *tr)
{
	return tr->attached;
}

struct detach_slice {
	struct probe *v;
	size_t from, to;
};

static void *detach_slice(void *arg)
{
	struct detach_slice *d = arg;

	for (size_t i = d->from; i < d->to; i++) {
		bpf_link__destroy(d->v[i].link);
		d->v[i].link = NULL;
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
		struct detach_slice all = { tr->v, 0, tr->n };

		detach_slice(&all);
		tr->attached = 0;
		return;
	}
	per = (tr->n + nt - 1) / nt;
	for (size_t k = 0; k < nt; k++) {
		slices[k] = (struct detach_slice){ tr->v, k * per, (k + 1) * per < tr->n ? (k + 1) * per : tr->n };
		started[k] = pthread_create(&threads[k], NULL, detach_slice, &slices[k]) == 0;
		if (!started[k])
			detach_slice(&slices[k]); /* no thread: do it here */
	}
	for (size_t k = 0; k < nt; k++)
		if (started[k])
			pthread_join(threads[k], NULL);
	tr->attached = 0;
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

const struct probe *tracer__event_probe(const struct tracer *tr, const struct kt_event *e)
{
	return e->probe < tr->n ? &tr->v[e->probe] : NULL;
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
	if (!tr->skel)
		return -1;
	for (size_t i = 0; i < tr->n; i++)
		r |= sum_percpu(tr->skel->maps.hits, (__u32)i, &tr->v[i].hits);
	r |= sum_percpu(tr->skel->maps.stats, KT_STAT_LOST, &st->lost);
	r |= sum_percpu(tr->skel->maps.stats, KT_STAT_UNKNOWN, &st->unknown);
	return r ? -1 : 0;
}

void tracer__free(struct tracer *tr)
{
	if (!tr)
		return;
	tracer__detach(tr);
	ring_buffer__free(tr->rb);
	ksymtrace_bpf__destroy(tr->skel);
	for (size_t i = 0; i < tr->n; i++)
		free(tr->v[i].label);
	free(tr->v);
	free(tr);
}
