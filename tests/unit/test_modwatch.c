// SPDX-License-Identifier: GPL-2.0
/* The module watcher on a directory that stands for /sys (KSYMTRACE_SYSROOT):
 * modules appear, go, come back, with each initstate word the kernel writes.
 * On a real kernel, insmod and rmmod: tests/vm/modules_life.bats. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "modwatch.h"

static char root[] = "/tmp/ksymtrace-modwatch-XXXXXX";

/* Module MOD with initstate STATE, or gone (STATE NULL). */
static void set_state(const char *mod, const char *state)
{
	char dir[4096], path[4200];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/sys/module/%s", root, mod);
	snprintf(path, sizeof(path), "%s/initstate", dir);
	if (!state) {
		unlink(path);
		rmdir(dir);
		return;
	}
	mkdir(dir, 0700);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%s\n", state) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

struct seen {
	char log[256];
};

static void on_change(void *ctx, size_t i, bool loaded)
{
	struct seen *s = ctx;
	size_t len = strlen(s->log);

	snprintf(s->log + len, sizeof(s->log) - len, "%zu%s ", i, loaded ? "+" : "-");
}

static void test_life(void)
{
	struct modwatch *mw = modwatch__new();
	struct seen s = { "" };
	int dummy, other;

	CHECK(mw != NULL);
	set_state("other", "live");
	dummy = modwatch__add(mw, "dummy");
	other = modwatch__add(mw, "other");
	CHECK(dummy == 0 && other == 1);
	CHECK(modwatch__add(mw, "dummy") == 0); /* one watch per module */
	CHECK(modwatch__count(mw) == 2);
	CHECK_STR(modwatch__name(mw, 1), "other");
	CHECK(!modwatch__loaded(mw, 0) && modwatch__loaded(mw, 1));

	/* nothing changed: nothing said */
	CHECK(modwatch__check(mw, on_change, &s) == 0);
	CHECK_STR(s.log, "");
	/* insmod: "coming" while init runs (the kernel armed its probes already) */
	set_state("dummy", "coming");
	CHECK(modwatch__check(mw, on_change, &s) == 1);
	CHECK_STR(s.log, "0+ ");
	set_state("dummy", "live");
	CHECK(modwatch__check(mw, on_change, &s) == 0);
	/* rmmod: "going" is gone already for kprobes, then the directory goes */
	set_state("dummy", "going");
	set_state("other", NULL);
	CHECK(modwatch__check(mw, on_change, &s) == 2);
	CHECK_STR(s.log, "0+ 0- 1- ");
	set_state("dummy", NULL);
	CHECK(modwatch__check(mw, on_change, &s) == 0);
	CHECK(!modwatch__loaded(mw, 0));
	/* and back */
	set_state("dummy", "live");
	CHECK(modwatch__check(mw, NULL, NULL) == 1);
	CHECK(modwatch__loaded(mw, 0));
	set_state("dummy", NULL);
	modwatch__free(mw);
}

static void test_bad_names(void)
{
	struct modwatch *mw = modwatch__new();

	CHECK(modwatch__add(mw, "") == -EINVAL);
	CHECK(modwatch__add(mw, "../../etc") == -EINVAL);
	CHECK(modwatch__add(mw, "..") == -EINVAL);
	CHECK(modwatch__add(mw, "a_module_name_that_is_longer_than_the_56_bytes_the_kernel_allows") == -EINVAL);
	CHECK(modwatch__count(mw) == 0);
	modwatch__free(mw);
	modwatch__free(NULL);
}

int main(void)
{
	char dir[4096];

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("KSYMTRACE_SYSROOT", root, 1);
	snprintf(dir, sizeof(dir), "%s/sys", root);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/sys/module", root);
	mkdir(dir, 0700);
	test_life();
	test_bad_names();
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/sys", root);
	rmdir(dir);
	rmdir(root);
	return check_report("modwatch");
}
