// SPDX-License-Identifier: GPL-2.0
/* tracefs kprobe events on a directory that stands for tracefs and /proc
 * (KSYMTRACE_SYSROOT): the commands written to kprobe_events, the profile read
 * back, and that every event goes again, from this process's group and from
 * the groups of ksymtrace processes that are gone. A real kernel creates,
 * registers and refuses events: tests/vm/scale.bats. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "tracefs.h"

static char root[] = "/tmp/ksymtrace-tracefs-XXXXXX";
static char events_path[4096];

static void write_file(const char *rel, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void make_dir(const char *rel)
{
	char path[4096], *p;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
}

/* What kprobe_events holds: here a plain file, so every command stays in it. */
static char *events(void)
{
	static char buf[8192];
	FILE *f = fopen(events_path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_own_group(void)
{
	struct tracefs *tf = tracefs__new();
	char group[64], want[256], name[48], rel[256];
	struct tracefs_probe kret = { .ret = true, .maxactive = 128, .addr = 0xffffffff81001010ull };
	struct tracefs_probe modp = { .mod = "dummy", .sym = "dummy_init_module", .off = 0 };
	uint64_t hits = 0, missed = 0;
	int a, b;

	CHECK(tf != NULL);
	snprintf(group, sizeof(group), "ksymtrace_%d", (int)getpid());
	CHECK_STR(tracefs__group(tf), group);
	a = tracefs__add(tf, &kret);
	b = tracefs__add(tf, &modp);
	CHECK(a == 0 && b == 1);
	CHECK(tracefs__live(tf) == 2);
	/* by address with maxactive, and a module's symbol, pending until it loads */
	snprintf(want, sizeof(want), "r128:%s/kt%d_0 0xffffffff81001010\np:%s/kt%d_1 dummy:dummy_init_module+0\n",
		 group, (int)getpid(), group, (int)getpid());
	CHECK_STR(events(), want);

	/* the profile: this group's lines, by event name (5.10 to 7.3 print no group) */
	snprintf(want, sizeof(want),
		 "  kt%d_0                                          64               3\n"
		 "  kt%d_7                                           9               9\n"
		 "  other                                            1               1\n",
		 (int)getpid(), (int)getpid());
	write_file("/sys/kernel/tracing/kprobe_profile", want);
	CHECK(tracefs__read_profile(tf) == 0);
	CHECK(tracefs__profile(tf, a, &hits, &missed));
	CHECK_U64(hits, 64);
	CHECK_U64(missed, 3);
	CHECK(!tracefs__profile(tf, b, &hits, &missed)); /* not listed */

	/* the perf event needs the event's id: none here, so it is refused */
	snprintf(rel, sizeof(rel), "/sys/kernel/tracing/events/%s/%s", group,
		 tracefs__event_name(tf, a, name, sizeof(name)));
	make_dir(rel);
	CHECK(tracefs__perf_open(tf, a) < 0);

	CHECK(tracefs__remove(tf, a) == 0);
	CHECK(tracefs__live(tf) == 1);
	tracefs__free(tf); /* removes the other */
	snprintf(want, sizeof(want), "-:%s/kt%d_0\n-:%s/kt%d_1\n", group, (int)getpid(), group,
		 (int)getpid());
	CHECK(strstr(events(), want) != NULL);
}

static void test_stale(void)
{
	char text[1024];
	int n;

	/* pid 1 of this sysroot is a ksymtrace that runs; 999999999 is gone; 2 is
	 * a pid some other program took over */
	make_dir("/proc/1");
	write_file("/proc/1/comm", "ksymtrace-test\n");
	make_dir("/proc/2");
	write_file("/proc/2/comm", "bash\n");
	snprintf(text, sizeof(text),
		 "r128:ksymtrace_1/kt1_0 0xffffffff81001010\n"
		 "r4:ksymtrace_999999999/kt999999999_0 0xffffffff81001010\n"
		 "p:ksymtrace_999999999/kt999999999_1 dummy:dummy_init_module+0\n"
		 "p:ksymtrace_2/kt2_5 0xffffffff81001010\n"
		 "p:kprobes/mine 0xffffffff81001010\n");
	write_file("/sys/kernel/tracing/kprobe_events", text);
	n = tracefs__remove_stale();
	CHECK(n == 3);
	CHECK(strstr(events(), "-:ksymtrace_999999999/kt999999999_0\n") != NULL);
	CHECK(strstr(events(), "-:ksymtrace_999999999/kt999999999_1\n") != NULL);
	CHECK(strstr(events(), "-:ksymtrace_2/kt2_5\n") != NULL);
	CHECK(strstr(events(), "-:ksymtrace_1/") == NULL);  /* alive */
	CHECK(strstr(events(), "-:kprobes/") == NULL);      /* not ksymtrace's */
}

static void test_no_tracefs(void)
{
	char path[4096];
	struct tracefs *tf;
	struct tracefs_probe p = { .addr = 0xffffffff81001010ull };

	snprintf(path, sizeof(path), "%s/sys/kernel/tracing/kprobe_events", root);
	unlink(path);
	tf = tracefs__new();
	CHECK(tracefs__add(tf, &p) == -ENOENT);
	CHECK(tracefs__remove_stale() == -ENOENT);
	tracefs__free(tf);
}

int main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("KSYMTRACE_SYSROOT", root, 1);
	log_level = LOG_QUIET;
	make_dir("/sys/kernel/tracing");
	snprintf(events_path, sizeof(events_path), "%s/sys/kernel/tracing/kprobe_events", root);
	write_file("/sys/kernel/tracing/kprobe_events", "");
	test_own_group();
	test_stale();
	test_no_tracefs();
	if (fork() == 0)
		execlp("rm", "rm", "-rf", root, (char *)NULL);
	return check_report("tracefs");
}
