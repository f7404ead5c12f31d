// SPDX-License-Identifier: GPL-2.0
/* tracefs kprobe events. See tracefs.h. */
#define _GNU_SOURCE
#include "tracefs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel.h"
#include "log.h"
#include "parse.h"
#include "readall.h"

#define GROUP_PREFIX "ksymtrace_"

struct tracefs_event {
	bool live;      /* in kprobe_events now */
	bool profiled;  /* listed by the last tracefs__read_profile() */
	uint64_t hits, missed;
};

struct tracefs {
	char group[32];   /* "ksymtrace_<pid>" */
	char prefix[24];  /* event names: "kt<pid>_" */
	const char *dir;  /* the tracefs mount that has kprobe_events, once found */
	struct tracefs_event *v;
	size_t n, cap, live;
};

/* Where tracefs is mounted: /sys/kernel/tracing (4.1+), or under debugfs. */
static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static const char *find_dir(void)
{
	char path[KERNEL_PATH_MAX], rel[128];

	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/kprobe_events", tracefs_dirs[i]);
		if (access(kernel__path(path, sizeof(path), rel), F_OK) == 0)
			return tracefs_dirs[i];
	}
	return NULL;
}

/* The path of FILE under tracefs DIR ("kprobe_events", "events/G/E/id"). */
static const char *tf_path(char *buf, size_t len, const char *dir, const char *file)
{
	char rel[KERNEL_PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/%s", dir, file);
	return kernel__path(buf, len, rel);
}

/* One command to kprobe_events, in one write: appended, never truncating (a
 * shell's '>' would remove every event of every tool on the system). Returns 0
 * or -errno. */
static int command(const char *dir, const char *line)
{
	char path[KERNEL_PATH_MAX];
	size_t len = strlen(line);
	int fd, err = 0;
	ssize_t w;

	fd = open(tf_path(path, sizeof(path), dir, "kprobe_events"), O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, line, len);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	close(fd);
	return err;
}

struct tracefs *tracefs__new(void)
{
	struct tracefs *tf = calloc(1, sizeof(*tf));

	if (!tf)
		return NULL;
	snprintf(tf->group, sizeof(tf->group), GROUP_PREFIX "%d", (int)getpid());
	snprintf(tf->prefix, sizeof(tf->prefix), "kt%d_", (int)getpid());
	return tf;
}

const char *tracefs__group(const struct tracefs *tf)
{
	return tf->group;
}

const char *tracefs__event_name(const struct tracefs *tf, int ev, char *buf, size_t len)
{
	snprintf(buf, len, "%s%d", tf->prefix, ev);
	return buf;
}

int tracefs__add(struct tracefs *tf, const struct tracefs_probe *p)
{
	char line[1024], name[48], type[16] = "p"; /* a name is 511 bytes at most */
	int ev, err;

	if (!tf->dir && !(tf->dir = find_dir()))
		return -ENOENT;
	if (tf->n == tf->cap) {
		size_t ncap = tf->cap ? tf->cap * 2 : 16;
		struct tracefs_event *nv = realloc(tf->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		tf->v = nv;
		tf->cap = ncap;
	}
	ev = (int)tf->n;
	tracefs__event_name(tf, ev, name, sizeof(name));
	if (p->ret && p->maxactive)
		snprintf(type, sizeof(type), "r%u", p->maxactive);
	else if (p->ret)
		snprintf(type, sizeof(type), "r");
	/* by address: "r128:G/E 0xADDR"; a module's symbol: "p:G/E MOD:SYM+OFF" */
	if (p->addr)
		snprintf(line, sizeof(line), "%s:%s/%s 0x%" PRIx64 "\n", type, tf->group, name, p->addr);
	else
		snprintf(line, sizeof(line), "%s:%s/%s %s%s%s+%" PRIu64 "\n", type, tf->group, name,
			 p->mod ? p->mod : "", p->mod ? ":" : "", p->sym ? p->sym : "", p->off);
	err = command(tf->dir, line);
	if (err)
		return err;
	tf->v[tf->n++] = (struct tracefs_event){ .live = true };
	tf->live++;
	return ev;
}

static int read_id(const struct tracefs *tf, int ev, uint64_t *id)
{
	char path[KERNEL_PATH_MAX], file[128], name[48], buf[32];
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "events/%s/%s/id", tf->group,
		 tracefs__event_name(tf, ev, name, sizeof(name)));
	fd = open(tf_path(path, sizeof(path), tf->dir, file), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return parse_u64(buf, id) ? -EIO : 0;
}

int tracefs__perf_open(struct tracefs *tf, int ev)
{
	struct perf_event_attr attr;
	uint64_t id;
	int fd, err;

	if (ev < 0 || (size_t)ev >= tf->n || !tf->v[ev].live)
		return -EINVAL;
	err = read_id(tf, ev, &id);
	if (err)
		return err;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	/* one CPU is enough: a BPF program attached to a kprobe event runs for
	 * every hit, on any CPU (it hangs off the event, not off this perf event) */
	fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ---- kprobe_profile --------------------------------------------------------------- */

/* EV's index when NAME is one of this group's events ("kt<pid>_<ev>", or
 * "group/event" as some kernels may print it), else -1. */
static int own_event(const struct tracefs *tf, const char *name)
{
	const char *slash = strchr(name, '/');
	size_t pl = strlen(tf->prefix);
	uint64_t ev;

	if (slash) {
		if ((size_t)(slash - name) != strlen(tf->group) || strncmp(name, tf->group, (size_t)(slash - name)))
			return -1;
		name = slash + 1;
	}
	if (strncmp(name, tf->prefix, pl) != 0 || parse_u64(name + pl, &ev) || ev >= tf->n)
		return -1;
	return (int)ev;
}

int tracefs__read_profile(struct tracefs *tf)
{
	char path[KERNEL_PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;

	for (size_t i = 0; i < tf->n; i++)
		tf->v[i].profiled = false;
	if (!tf->dir)
		return -ENOENT;
	f = fopen(tf_path(path, sizeof(path), tf->dir, "kprobe_profile"), "re");
	if (!f)
		return -errno;
	/* "  NAME   HITS   MISSES" (kernel/trace/trace_kprobe.c, probes_profile_seq_show) */
	while (getline(&line, &cap, f) > 0) {
		char name[128];
		uint64_t hits, missed;
		int ev;

		if (sscanf(line, " %127s %" SCNu64 " %" SCNu64, name, &hits, &missed) != 3)
			continue;
		ev = own_event(tf, name);
		if (ev < 0)
			continue;
		tf->v[ev] = (struct tracefs_event){ .live = tf->v[ev].live, .profiled = true,
						    .hits = hits, .missed = missed };
	}
	free(line);
	fclose(f);
	return 0;
}

bool tracefs__profile(const struct tracefs *tf, int ev, uint64_t *hits, uint64_t *missed)
{
	if (ev < 0 || (size_t)ev >= tf->n || !tf->v[ev].profiled)
		return false;
	*hits = tf->v[ev].hits;
	*missed = tf->v[ev].missed;
	return true;
}

/* ---- removing --------------------------------------------------------------------- */

static int remove_event(const char *dir, const char *group, const char *event)
{
	char line[160];

	snprintf(line, sizeof(line), "-:%s/%s\n", group, event);
	return command(dir, line);
}

int tracefs__remove(struct tracefs *tf, int ev)
{
	char name[48];
	int err;

	if (ev < 0 || (size_t)ev >= tf->n || !tf->v[ev].live)
		return 0;
	err = remove_event(tf->dir, tf->group, tracefs__event_name(tf, ev, name, sizeof(name)));
	if (err == -ENOENT)
		err = 0; /* gone already */
	if (!err) {
		tf->v[ev].live = false;
		tf->live--;
	}
	return err;
}

size_t tracefs__live(const struct tracefs *tf)
{
	return tf->live;
}

void tracefs__free(struct tracefs *tf)
{
	size_t left = 0;
	int err = 0;

	if (!tf)
		return;
	for (size_t i = 0; i < tf->n; i++) {
		int e = tracefs__remove(tf, (int)i);

		if (e) {
			left++;
			err = e;
		}
	}
	if (left) {
		log_warn("%zu tracefs kprobe event%s of group %s could not be removed: %s", left,
			 left == 1 ? "" : "s", tf->group, strerror(-err));
		log_hint("the next ksymtrace run removes them; or by hand: echo '-:%s/EVENT' >> %s/kprobe_events",
			 tf->group, tf->dir);
	}
	free(tf->v);
	free(tf);
}

/* Whether PID is a ksymtrace process now (a group's maker that is alive). */
static bool ksymtrace_alive(uint64_t pid)
{
	char path[KERNEL_PATH_MAX], rel[64], comm[32] = "";
	FILE *f;

	snprintf(rel, sizeof(rel), "/proc/%" PRIu64 "/comm", pid);
	f = fopen(kernel__path(path, sizeof(path), rel), "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	/* ksymtrace, ksymtrace-test, ksymtrace-double (cut to 15 bytes) */
	return strncmp(comm, "ksymtrace", 9) == 0;
}

/* From a kprobe_events line "r4:ksymtrace_123/kt123_0 0x..." the group and the
 * event, split in place, when the group is a ksymtrace process's. */
static bool parse_own_line(char *line, char **group, char **event, uint64_t *pid)
{
	char *colon = strchr(line, ':'), *slash, *end;

	if (!colon)
		return false;
	*group = colon + 1;
	slash = strchr(*group, '/');
	if (!slash || strncmp(*group, GROUP_PREFIX, strlen(GROUP_PREFIX)) != 0)
		return false;
	*slash = '\0';
	*event = slash + 1;
	end = *event + strcspn(*event, " \t\n");
	*end = '\0';
	return parse_u64(*group + strlen(GROUP_PREFIX), pid) == 0 && **event;
}

/* The whole of kprobe_events, read before anything is written to it: each
 * removal appends a "-:" command to the same file, which a reader still going
 * through it could meet again (a file standing in for tracefs in tests grows
 * with each one). NULL with errno set when it cannot be read. */
static char *read_events(const char *dir)
{
	char path[KERNEL_PATH_MAX], *buf = NULL;
	size_t len;
	int e = -read_file(tf_path(path, sizeof(path), dir, "kprobe_events"), SIZE_MAX / 2, &buf,
			   &len);

	errno = e;
	return e ? NULL : buf;
}

int tracefs__remove_stale(void)
{
	char pids[128] = "", *text, *line, *save = NULL;
	const char *dir = find_dir();
	size_t removed = 0, busy = 0, plen = 0;
	uint64_t last_pid = 0;

	if (!dir)
		return -ENOENT;
	text = read_events(dir);
	if (!text)
		return -errno;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *group, *event;
		uint64_t pid;
		int err;

		/* event definitions only: "p:" and "r[N]:" */
		if ((line[0] != 'p' && line[0] != 'r') || !parse_own_line(line, &group, &event, &pid) ||
		    ksymtrace_alive(pid))
			continue;
		/* an event some process still holds (another PID namespace's
		 * ksymtrace) is refused with EBUSY: left alone */
		err = remove_event(dir, group, event);
		if (err == -EBUSY)
			busy++;
		if (err)
			continue;
		removed++;
		if (pid != last_pid && plen < sizeof(pids) - 24)
			plen += (size_t)snprintf(pids + plen, sizeof(pids) - plen, "%s%" PRIu64, plen ? ", " : "", pid);
		last_pid = pid;
	}
	free(text);
	if (removed)
		log_note("removed %zu tracefs kprobe event%s left by ksymtrace processes that are gone (pid %s)",
			 removed, removed == 1 ? "" : "s", pids);
	if (busy)
		log_verbose("%zu tracefs kprobe event%s of other ksymtrace groups still in use: left alone",
			    busy, busy == 1 ? "" : "s");
	return (int)removed;
}
