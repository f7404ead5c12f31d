// SPDX-License-Identifier: GPL-2.0
/* The running kernel's table, from the per-boot snapshot or read live. See
 * ksyms_cache.h. */
#define _GNU_SOURCE
#include "ksyms_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ksyms_snap.h"
#include "log.h"
#include "readall.h"
#include "spec.h"

#define SNAP_DIR "/run/ksymtrace"
#define SNAP_NAME "kallsyms.snap"
#define SNAP_TMP SNAP_NAME ".tmp."
/* a temporary file this old was left by a writer that died: removed */
#define SNAP_TMP_STALE_SEC 60

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- what can answer ------------------------------------------------------------ */

/* Whether every symbol SP may name (in module MOD, or any), at SP's offset, lies
 * where SNAP can answer. Past the end of a module's last function may lie a BPF
 * program's code, and attach's refusals look at the symbol under the final
 * address (checks.c): only the live table has it. A superset of what the spec
 * resolves to (every instance; the clones when no name matches exactly). */
static bool offsets_covered(struct ksyms *snap, const struct spec *sp, const char *mod)
{
	char clones[KSYMS_NAME_MAX + 2];
	int m = mod ? ksyms__mod_find(snap, mod) : KSYMS_ANY_MOD;
	size_t lo, hi;

	if (!sp->has_off || !sp->off)
		return true;
	if (sp->glob)
		return false;
	if (!ksyms__by_name(snap, sp->name, &lo, &hi)) {
		snprintf(clones, sizeof(clones), "%s.", sp->name);
		ksyms__by_prefix(snap, clones, &lo, &hi);
	}
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *s = ksyms__by_name_at(snap, i);

		if ((m < 0 || s->mod == m) && !ksyms__covers(snap, s->addr + sp->off))
			return false;
	}
	return true;
}

const char *ksyms_cache__needs_live(const struct ksyms_query *q, struct ksyms *snap,
				    char *why, size_t len)
{
	if (!q)
		return NULL;
	if (q->names_later) {
		snprintf(why, len, "the names of a log are not known before it is read");
		return why;
	}
	if (q->module && ksyms__is_pseudo_mod(q->module)) {
		snprintf(why, len, "module %s is a pseudo-module", q->module);
		return why;
	}
	if (q->listing && (q->all_types || !q->module)) {
		snprintf(why, len, "a listing of %s", q->all_types ? "every type" : "every module");
		return why;
	}
	for (size_t i = 0; i < q->n_specs; i++) {
		const struct spec *sp = &q->specs[i];
		const char *mod = sp->mod ? sp->mod : q->module;

		if (sp->is_addr) {
			if (!ksyms__covers(snap, sp->addr)) {
				snprintf(why, len, "%s lies outside the core kernel and the modules' text",
					 sp->text);
				return why;
			}
		} else if (mod && ksyms__is_pseudo_mod(mod)) {
			snprintf(why, len, "%s: module %s is a pseudo-module", sp->text, mod);
			return why;
		} else if (!mod && sp->glob) {
			snprintf(why, len, "%s is a glob over every module", sp->text);
			return why;
		} else if (!mod && ksyms__may_be_pseudo_name(sp->name)) {
			snprintf(why, len, "%s may name a BPF, ftrace or kprobes symbol", sp->text);
			return why;
		} else if (!offsets_covered(snap, sp, mod)) {
			snprintf(why, len, "%s may reach past a module's code", sp->text);
			return why;
		}
	}
	return NULL;
}

/* ---- the keys --------------------------------------------------------------------- */

/* The first line of the kernel's file REL into BUF, without its newline. */
static bool read_line(const char *rel, char *buf, size_t len, char *why, size_t wlen)
{
	char path[KERNEL_PATH_MAX];
	int fd = open(kernel__path(path, sizeof(path), rel), O_RDONLY | O_CLOEXEC);
	ssize_t got = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (got <= 0) {
		snprintf(why, wlen, "cannot read %s: %s", path, got < 0 ? strerror(errno) : "empty");
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* The whole of the kernel's file REL, NUL-terminated (malloc'd), or NULL with
 * errno set. */
static char *read_kernel_file(const char *rel)
{
	char path[KERNEL_PATH_MAX], *buf = NULL;
	size_t len;
	int e = -read_file(kernel__path(path, sizeof(path), rel), SIZE_MAX / 2, &buf, &len);

	errno = e;
	return e ? NULL : buf;
}

static uint64_t fnv64(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* The loaded modules, from /proc/modules: "NAME SIZE REFS DEPS STATE ADDR [TAINT]". */
struct loaded {
	char *text;         /* /proc/modules, cut into fields */
	const char **names;
	size_t n;
	bool settled;       /* every module Live: none half-loaded (its init symbols) */
	bool hidden;        /* an address reads 0: kptr_restrict */
};

static void loaded_free(struct loaded *m)
{
	free(m->text);
	free(m->names);
	memset(m, 0, sizeof(*m));
}

/* A module rebuilt and loaded again may get the same address and size (sizes
 * are page-aligned) with other symbols in it: its build id (the ELF note, in
 * sysfs) tells the two apart. Absent when the module was built without one. */
static uint64_t hash_build_id(uint64_t h, const char *name)
{
	char rel[128], path[KERNEL_PATH_MAX];
	unsigned char note[128];
	ssize_t got = -1;
	int fd;

	snprintf(rel, sizeof(rel), "/sys/module/%.64s/notes/.note.gnu.build-id", name);
	fd = open(kernel__path(path, sizeof(path), rel), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, note, sizeof(note));
		close(fd);
	}
	return got > 0 ? fnv64(h, note, (size_t)got) : fnv64(h, "-", 1);
}

/* Parse /proc/modules into M and its fingerprint into *FP. */
static bool read_modules(struct loaded *m, uint64_t *fp, char *why, size_t wlen)
{
	size_t cap = 0;
	char *save = NULL, *line;

	memset(m, 0, sizeof(*m));
	m->settled = true;
	*fp = 0xcbf29ce484222325ULL;
	m->text = read_kernel_file("/proc/modules");
	if (!m->text && errno == ENOENT) /* CONFIG_MODULES=n: no modules, ever */
		return true;
	if (!m->text) {
		snprintf(why, wlen, "cannot read /proc/modules: %s", strerror(errno));
		return false;
	}
	for (line = strtok_r(m->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *fs = NULL;
		int k = 0;

		for (char *tok = strtok_r(line, " ", &fs); tok && k < 6; tok = strtok_r(NULL, " ", &fs))
			f[k++] = tok;
		if (k < 6) {
			snprintf(why, wlen, "/proc/modules has a line it should not: '%.64s'", line);
			loaded_free(m);
			return false;
		}
		if (m->n == cap) {
			const char **nn = realloc(m->names, (cap = cap ? 2 * cap : 64) * sizeof(*nn));

			if (!nn) {
				snprintf(why, wlen, "out of memory");
				loaded_free(m);
				return false;
			}
			m->names = nn;
		}
		m->names[m->n++] = f[0];
		m->settled &= strcmp(f[4], "Live") == 0;
		m->hidden |= strtoull(f[5], NULL, 16) == 0;
		/* name, size, state and address; not the use count or dependants */
		for (int i = 0; i < 6; i++)
			if (i != 2 && i != 3)
				*fp = fnv64(*fp, f[i], strlen(f[i]) + 1);
		*fp = hash_build_id(*fp, f[0]);
	}
	return true;
}

static bool read_keys(struct ksyms_snap_keys *k, struct loaded *m, char *why, size_t wlen)
{
	memset(k, 0, sizeof(*k));
	return read_line("/proc/sys/kernel/random/boot_id", k->boot_id, sizeof(k->boot_id), why, wlen) &&
	       read_line("/proc/sys/kernel/osrelease", k->release, sizeof(k->release), why, wlen) &&
	       read_modules(m, &k->modules, why, wlen);
}

/* ---- the snapshot file ------------------------------------------------------------ */

enum dir_state { DIR_OK, DIR_ABSENT, DIR_UNSAFE };

/* The snapshot's directory, opened without following a symbolic link: a
 * directory of ours (root's) that nobody else can write into. */
static int open_dir(bool create, enum dir_state *state, char *why, size_t wlen)
{
	char path[KERNEL_PATH_MAX];
	struct stat st;
	int dfd;

	kernel__path(path, sizeof(path), SNAP_DIR);
	*state = DIR_ABSENT;
	if (create && mkdir(path, 0700) && errno != EEXIST) {
		snprintf(why, wlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		snprintf(why, wlen, "there is none yet");
		return -1;
	}
	if (dfd < 0 && errno != ELOOP && errno != ENOTDIR) {
		snprintf(why, wlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (dfd >= 0 && fstat(dfd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & 022)) {
		*state = DIR_OK;
		return dfd;
	}
	if (dfd >= 0)
		close(dfd);
	*state = DIR_UNSAFE;
	snprintf(why, wlen, "%s is not a directory of root's that only root can write", path);
	return -1;
}

/* The snapshot in DFD, if it is ours, sound and has keys K. */
static struct ksyms *open_snapshot(int dfd, const struct ksyms_snap_keys *k, char *why,
				   size_t wlen)
{
	enum ksyms_snap_miss miss;
	struct ksyms *t = NULL;
	struct stat st;
	int err, fd;

	/* O_NONBLOCK: a FIFO in its place must not hang the open */
	fd = openat(dfd, SNAP_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wlen, "%s", errno == ENOENT ? "there is none yet"
					  : errno == ELOOP ? "it is a symbolic link"
							   : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		snprintf(why, wlen, "it is not a regular file");
	else if (st.st_uid != geteuid())
		snprintf(why, wlen, "it is owned by uid %u, not by root", (unsigned)st.st_uid);
	else if (st.st_mode & 077)
		snprintf(why, wlen, "its mode %04o lets others read or write it",
			 (unsigned)(st.st_mode & 07777));
	else if (!(t = ksyms_snap__map(fd, k, &miss, &err)))
		snprintf(why, wlen, "%s%s%s", ksyms_snap__why(miss), err ? ": " : "",
			 err ? strerror(err) : "");
	close(fd);
	return t;
}

/* Which of LIVE's modules go into the snapshot: *N_KEEP, the loaded ones, which
 * come first; the pseudo-modules follow them in kallsyms. False, with the
 * reason, when the table or the modules do not allow a snapshot. */
static bool may_write(const struct ksyms *live, const struct loaded *m,
		      const struct ksyms_snap_keys *k, size_t *n_keep, char *why, size_t wlen)
{
	size_t n_mods = ksyms__mod_count(live);
	struct ksyms_snap_keys now;
	struct loaded m2;
	bool same;

	if (m->hidden) {
		snprintf(why, wlen, "/proc/modules hides the module addresses (kptr_restrict)");
		return false;
	}
	if (!m->settled) {
		snprintf(why, wlen, "a module is being loaded or unloaded");
		return false;
	}
	*n_keep = n_mods;
	for (size_t i = 1; i < n_mods; i++) {
		const char *name = ksyms__mod_name(live, (uint16_t)i);
		bool loaded = false;

		for (size_t j = 0; j < m->n && !loaded; j++)
			loaded = strcmp(m->names[j], name) == 0;
		if (ksyms__is_pseudo_mod(name) && *n_keep == n_mods) {
			*n_keep = i;
		} else if (!ksyms__is_pseudo_mod(name) && (*n_keep < n_mods || !loaded)) {
			snprintf(why, wlen, "[%s] is in /proc/kallsyms but is neither a loaded module nor a pseudo-module",
				 name);
			return false;
		}
	}
	/* a module that came or went while the file was read may be half in it */
	if (!read_keys(&now, &m2, why, wlen))
		return false;
	same = memcmp(&now, k, sizeof(now)) == 0;
	loaded_free(&m2);
	if (!same)
		snprintf(why, wlen, "modules were loaded or unloaded while /proc/kallsyms was read");
	return same;
}

/* Temporary files older than SNAP_TMP_STALE_SEC: left by writers that died. */
static void remove_stale(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	time_t now = time(NULL);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;

		if (strncmp(e->d_name, SNAP_TMP, strlen(SNAP_TMP)) == 0 &&
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_uid == geteuid() && now - st.st_mtime > SNAP_TMP_STALE_SEC)
			unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
}

/* Write LIVE's snapshot with keys K: to a new file of our own, renamed over the
 * old one, so a reader sees the old file or the new one, never half of one. */
static void write_snapshot(struct ksyms *live, const struct ksyms_snap_keys *k,
			   const struct loaded *m)
{
	char why[KERNEL_PATH_MAX + 128], tmp[64];
	struct timespec t0;
	enum dir_state ds;
	size_t n_keep;
	struct stat st;
	int dfd, fd = -1, err = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!may_write(live, m, k, &n_keep, why, sizeof(why)) ||
	    (dfd = open_dir(true, &ds, why, sizeof(why))) < 0) {
		log_verbose("snapshot not written: %s", why);
		return;
	}
	for (int i = 0; i < 16 && fd < 0; i++) {
		snprintf(tmp, sizeof(tmp), SNAP_TMP "%d.%ld", (int)getpid(), (long)t0.tv_nsec + i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = errno;
	} else {
		err = -ksyms_snap__write(fd, live, n_keep, k);
		if (!err && fstat(fd, &st))
			err = errno;
		if (close(fd) && !err)
			err = errno;
		if (!err && renameat(dfd, tmp, dfd, SNAP_NAME))
			err = errno;
		if (err)
			unlinkat(dfd, tmp, 0);
	}
	if (err) {
		log_verbose("snapshot not written: %s", strerror(err));
	} else {
		remove_stale(dfd);
		log_verbose("snapshot rebuilt: %zu symbols, %.1f MiB, written in %.1f ms",
			    ksyms__count(live), (double)st.st_size / (1 << 20), ms_since(&t0));
	}
	close(dfd);
}

/* ---- the table -------------------------------------------------------------------- */

struct ksyms *ksyms_cache__load(const struct ksyms_cache_opts *o, struct ksyms_cache_result *r)
{
	char why[KERNEL_PATH_MAX + 128], live_why[512];
	struct ksyms_snap_keys keys;
	struct loaded mods = { 0 };
	struct ksyms *t = NULL;
	struct timespec t0;
	enum dir_state ds;
	int dfd;

	memset(r, 0, sizeof(*r));
	kernel__path(r->path, sizeof(r->path), "/proc/kallsyms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o->no_cache) {
		log_verbose("snapshot not used: --no-cache");
		return ksyms__load(r->path, NULL, &r->load);
	}
	/* it holds kernel addresses: root's alone (and only root reads them) */
	if (geteuid() != 0) {
		log_verbose("snapshot not used: not running as root");
		return ksyms__load(r->path, NULL, &r->load);
	}
	if (!read_keys(&keys, &mods, why, sizeof(why))) {
		log_verbose("snapshot not used: %s", why);
		return ksyms__load(r->path, NULL, &r->load);
	}
	dfd = open_dir(false, &ds, why, sizeof(why));
	if (dfd >= 0) {
		t = open_snapshot(dfd, &keys, why, sizeof(why));
		close(dfd);
	}
	if (t && !ksyms_cache__needs_live(o->q, t, live_why, sizeof(live_why))) {
		r->snapshot = true;
		kernel__path(r->path, sizeof(r->path), SNAP_DIR "/" SNAP_NAME);
		log_verbose("snapshot used: %s: %zu symbols in %zu modules, checked and mapped in %.1f ms",
			    r->path, ksyms__count(t), ksyms__mod_count(t), ms_since(&t0));
	} else if (t) {
		log_verbose("snapshot not used: %s: the live table answers that", live_why);
		ksyms__free(t);
		t = ksyms__load(r->path, NULL, &r->load);
	} else {
		if (ds == DIR_UNSAFE)
			log_warn("%s: the symbol snapshot is not used", why);
		else
			log_verbose("snapshot missed: %s", why);
		t = ksyms__load(r->path, NULL, &r->load);
		if (t && ds != DIR_UNSAFE)
			write_snapshot(t, &keys, &mods);
	}
	loaded_free(&mods);
	return t;
}
