// SPDX-License-Identifier: GPL-2.0
/* Modules coming and going. See modwatch.h. */
#define _GNU_SOURCE
#include "modwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"

#define MOD_NAME_MAX 55 /* MODULE_NAME_LEN 56, with its NUL */

struct watched {
	char name[MOD_NAME_MAX + 1];
	bool loaded;
};

struct modwatch {
	struct watched *v;
	size_t n, cap;
};

struct modwatch *modwatch__new(void)
{
	return calloc(1, sizeof(struct modwatch));
}

void modwatch__free(struct modwatch *mw)
{
	if (!mw)
		return;
	free(mw->v);
	free(mw);
}

/* /sys/module/MOD/initstate: "live" or "coming" (kernel/module/sysfs.c,
 * show_initstate()); any other word, or no file, is a module that is not
 * there (or is on its way out, its kprobes gone already). */
static bool is_loaded(const char *mod)
{
	char rel[96], path[KERNEL_PATH_MAX], buf[16];
	ssize_t got;
	int fd;

	snprintf(rel, sizeof(rel), "/sys/module/%s/initstate", mod);
	fd = open(kernel__path(path, sizeof(path), rel), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return false;
	buf[got] = '\0';
	return strncmp(buf, "live", 4) == 0 || strncmp(buf, "coming", 6) == 0;
}

int modwatch__add(struct modwatch *mw, const char *mod)
{
	size_t len = strlen(mod);

	if (len == 0 || len > MOD_NAME_MAX || strchr(mod, '/') || strcmp(mod, ".") == 0 ||
	    strcmp(mod, "..") == 0)
		return -EINVAL;
	for (size_t i = 0; i < mw->n; i++)
		if (strcmp(mw->v[i].name, mod) == 0)
			return (int)i;
	if (mw->n == mw->cap) {
		size_t cap = mw->cap ? mw->cap * 2 : 4;
		struct watched *nv = realloc(mw->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		mw->v = nv;
		mw->cap = cap;
	}
	memcpy(mw->v[mw->n].name, mod, len + 1);
	mw->v[mw->n].loaded = is_loaded(mod);
	return (int)mw->n++;
}

size_t modwatch__count(const struct modwatch *mw)
{
	return mw->n;
}

const char *modwatch__name(const struct modwatch *mw, size_t i)
{
	return mw->v[i].name;
}

bool modwatch__loaded(const struct modwatch *mw, size_t i)
{
	return mw->v[i].loaded;
}

size_t modwatch__check(struct modwatch *mw, modwatch_fn fn, void *ctx)
{
	size_t changed = 0;

	for (size_t i = 0; i < mw->n; i++) {
		bool now = is_loaded(mw->v[i].name);

		if (now == mw->v[i].loaded)
			continue;
		mw->v[i].loaded = now;
		changed++;
		if (fn)
			fn(ctx, i, now);
	}
	return changed;
}
