// SPDX-License-Identifier: GPL-2.0
/* What the running kernel offers. See kernel.h. */
#define _GNU_SOURCE
#include "kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38 /* Linux 5.8 */
#endif
#ifndef CAP_BPF
#define CAP_BPF 39 /* Linux 5.8 */
#endif

/* ---- paths ------------------------------------------------------------------- */

const char *kernel__path(char *buf, size_t len, const char *rel)
{
	const char *root = kernel__test_hook(KERNEL_HOOK_SYSROOT);
	int n = snprintf(buf, len, "%s%s", root ? root : "", rel);

	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	return buf;
}

bool kernel__is_live_table(const char *path)
{
	char live[KERNEL_PATH_MAX];
	struct stat a, b;

	if (strcmp(path, "/proc/kallsyms") == 0)
		return true;
	kernel__path(live, sizeof(live), "/proc/kallsyms");
	if (strcmp(path, "-") == 0 || !live[0])
		return false;
	if (strcmp(path, live) == 0)
		return true;
	return stat(path, &a) == 0 && stat(live, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static bool exists(const char *rel)
{
	char path[KERNEL_PATH_MAX];

	return access(kernel__path(path, sizeof(path), rel), F_OK) == 0;
}

bool kernel__at_least(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int ma, mi;

	if (uname(&u) || sscanf(u.release, "%u.%u", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/* ---- kprobe support ------------------------------------------------------------ */

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
	char path[KERNEL_PATH_MAX], rel[128], line[256];
	struct utsname u;
	gzFile f;

	memset(kc, 0, sizeof(*kc));
	f = gzopen(kernel__path(path, sizeof(path), "/proc/config.gz"), "rb");
	for (size_t i = 0; !f && i < sizeof(at) / sizeof(at[0]) && uname(&u) == 0; i++) {
		snprintf(rel, sizeof(rel), at[i], u.release);
		f = gzopen(kernel__path(path, sizeof(path), rel), "rb");
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

static void say(struct kernel_support *ks, const char *why, const char *hint)
{
	snprintf(ks->why, sizeof(ks->why), "%s", why);
	snprintf(ks->hint, sizeof(ks->hint), "%s", hint);
}

void kernel__support(struct kernel_support *ks)
{
	struct kconfig kc;
	bool have_cfg;

	memset(ks, 0, sizeof(*ks));
	ks->privileged = have_caps();
	/* the PMU libbpf attaches through (Linux 4.17, commit e12f03d7031a) */
	if (exists("/sys/bus/event_source/devices/kprobe/type")) {
		ks->kprobes = true;
		return;
	}
	have_cfg = read_kconfig(&kc);
	if (have_cfg && kc.kprobes == CFG_NO)
		say(ks, "this kernel was built without CONFIG_KPROBES: it cannot place kprobes at all",
		    "run ksymtrace attach on a kernel built with CONFIG_KPROBES=y and CONFIG_KPROBE_EVENTS=y (distribution kernels are); resolve, list and attach --dry-run work here");
	else if (have_cfg && kc.kprobe_events == CFG_NO)
		say(ks, "this kernel was built without CONFIG_KPROBE_EVENTS: it has kprobes but no kprobe PMU for BPF programs",
		    "use a kernel built with CONFIG_KPROBE_EVENTS=y");
	else if (exists("/sys/kernel/tracing/kprobe_events") ||
		 exists("/sys/kernel/debug/tracing/kprobe_events"))
		say(ks, "this kernel has kprobe_events but no kprobe PMU (/sys/bus/event_source/devices/kprobe): it is older than Linux 4.17",
		    "ksymtrace attaches by address through the kprobe PMU: it needs Linux 4.17 or later");
	else if (!exists("/sys/bus/event_source/devices"))
		say(ks, "no /sys/bus/event_source/devices: sysfs is not mounted, or the kernel has no perf events",
		    "mount sysfs (mount -t sysfs sysfs /sys)");
	else
		say(ks, "no kprobe PMU in /sys/bus/event_source/devices and no kprobe_events in tracefs: this kernel was built without CONFIG_KPROBES or CONFIG_KPROBE_EVENTS",
		    "use a kernel built with CONFIG_KPROBES=y and CONFIG_KPROBE_EVENTS=y");
}

bool kernel__allows(const struct kernel_support *ks, bool dry_run)
{
	if (!ks->kprobes && !dry_run) {
		log_error("%s", ks->why);
		if (ks->hint[0])
			log_hint("%s", ks->hint);
		return false;
	}
	if (!ks->privileged) {
		log_error("not allowed to load BPF programs%s: ksymtrace needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN",
			  dry_run ? "" : " and create kprobes");
		log_hint("run as root (sudo ksymtrace ...)");
		return false;
	}
	return true;
}

/* ---- what an errno means ------------------------------------------------------- */

/* Kernel lockdown in confidentiality mode forbids kprobes and BPF's reads of
 * kernel memory (security/lockdown: LOCKDOWN_KPROBES, LOCKDOWN_BPF_READ_KERNEL),
 * whatever the caller's privileges. */
static bool locked_down(void)
{
	char path[KERNEL_PATH_MAX], buf[128] = "";
	FILE *f = fopen(kernel__path(path, sizeof(path), "/sys/kernel/security/lockdown"), "re");
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

void kernel__explain_bpf(const char *what, int err)
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

/* EPERM/EACCES from perf_event_open or the BPF link: lockdown, or privileges. */
static void explain_attach_denied(const struct kernel_site *s, const char *kind, int err)
{
	if (locked_down()) {
		explain_lockdown(s->label, err);
		return;
	}
	log_error("%s: %s: not allowed to create a %s", s->label, strerror(err), kind);
	log_hint("run as root, or with CAP_PERFMON and CAP_BPF (CAP_SYS_ADMIN before Linux 5.8)");
}

void kernel__explain_attach(const struct kernel_site *s, int err)
{
	const char *kind = s->ret ? "kretprobe" : "kprobe";
	/* a refusal of this probe alone: the others of the run may well be fine */
	bool alone = true;
	char hint[512] = "";
	size_t len;

	if (s->waits) {
		/* a tracefs event "MOD:SYM+OFF": no address, and the kernel checks
		 * little before the module loads (trace_kprobe.c) */
		log_error("%s: the kernel refused a %s that waits for module %s: %s", s->label, kind, s->waits,
			  strerror(err));
		if (err == ENOENT)
			snprintf(hint, sizeof(hint), "kprobe events need tracefs: mount -t tracefs nodev /sys/kernel/tracing");
		else if (err == EADDRNOTAVAIL || err == EINVAL)
			snprintf(hint, sizeof(hint), "from Linux 6.6 until its module-aware count (2024), the kernel refuses MOD:NAME when NAME is also outside MOD: load the module first, then attach");
		err = 0;
	}
	switch (err) {
	case 0:
		break;
	case EILSEQ:
		log_error("%s: not on an instruction boundary (0x%" PRIx64 ")", s->label, s->addr);
		snprintf(hint, sizeof(hint), "give the offset of an instruction's first byte (objdump -d, or gdb: disassemble %s)%s",
			 s->func, s->off >= 1 && s->off <= 3 ? "; on kernels with IBT (5.18+), +0 is moved past ENDBR to +4 and +1..+3 are refused" : "");
		break;
	case EADDRNOTAVAIL:
		log_error("%s: the kernel cannot tell which symbol 0x%" PRIx64 " belongs to (EADDRNOTAVAIL)", s->label,
			  s->addr);
		snprintf(hint, sizeof(hint), "check the address with ksymtrace resolve 0x%" PRIx64, s->addr);
		break;
	case EINVAL:
		/* also what 5.10 says of one type_show in perf core, in no list */
		log_error("%s: the kernel refused a %s here (EINVAL): %s is blacklisted for kprobes, or 0x%" PRIx64 " is code kprobes cannot patch",
			  s->label, kind, s->func, s->addr);
		snprintf(hint, sizeof(hint), "see /sys/kernel/debug/kprobes/blacklist, and ksymtrace resolve --traceable %s", s->func);
		break;
	case ENOENT:
		log_error("%s: no kernel text at 0x%" PRIx64 " (ENOENT): its module was unloaded, or the symbol table is not this boot's",
			  s->label, s->addr);
		snprintf(hint, sizeof(hint), "use the live /proc/kallsyms (no -k), and check that the module is loaded (lsmod)");
		break;
	case EOPNOTSUPP:
		log_error("%s: the kernel does not support this %s (EOPNOTSUPP)", s->label, kind);
		break;
	case EPERM:
	case EACCES:
		explain_attach_denied(s, kind, err);
		return;
	case EBUSY:
		log_error("%s: 0x%" PRIx64 " is busy (EBUSY): another user of that code (a livepatch, or an ftrace user that modifies the instruction pointer) owns it",
			  s->label, s->addr);
		break;
	case EMFILE:
	case ENFILE:
		log_error("%s: out of file descriptors (%s): every probe holds one or two", s->label,
			  strerror(err));
		snprintf(hint, sizeof(hint), "raise the limit (ulimit -n), or attach fewer probes");
		alone = false;
		break;
	default:
		log_error("%s: the kernel refused a %s at 0x%" PRIx64 ": %s", s->label, kind, s->addr,
			  strerror(err));
		break;
	}
	len = strlen(hint);
	if (alone && s->others)
		snprintf(hint + len, sizeof(hint) - len, "%s--skip-failed to trace the other %zu probe%s without it",
			 len ? "; or " : "give ", s->others, s->others == 1 ? "" : "s");
	if (hint[0])
		log_hint("%s", hint);
}
