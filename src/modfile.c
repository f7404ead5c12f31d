// SPDX-License-Identifier: GPL-2.0
/* Module files: finding the one modprobe would load, reading it, and chaining its
 * symbols to the table. See modfile.h; the ELF itself is modfile_elf.c. */
#define _GNU_SOURCE
#include "modfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kernel.h"
#include "log.h"
#include "readall.h"

void modfile__free(struct modfile *mf)
{
	if (!mf)
		return;
	free(mf->syms);
	free(mf->names);
	free(mf);
}

bool modfile__may_exist(const char *mod)
{
	return strcmp(mod, "vmlinux") != 0 && strcmp(mod, "bpf") != 0 &&
	       strncmp(mod, "__builtin__", 11) != 0;
}

/* The module name of a file: its base name without .ko and a compression
 * suffix, '-' as '_' (modprobe's filename2modname()). Returns false for a file
 * whose name does not end in .ko[.xz|.zst|.gz]. */
static bool name_of_file(const char *path, size_t plen, char *out, size_t outlen)
{
	static const char *const ends[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	const char *base = memrchr(path, '/', plen);
	size_t blen;

	base = base ? base + 1 : path;
	blen = plen - (size_t)(base - path);
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t el = strlen(ends[i]);

		if (blen > el && memcmp(base + blen - el, ends[i], el) == 0 && blen - el < outlen) {
			for (size_t k = 0; k < blen - el; k++)
				out[k] = base[k] == '-' ? '_' : base[k];
			out[blen - el] = '\0';
			return true;
		}
	}
	return false;
}

int modfile__parse(void *data, size_t len, size_t max, const char *fallback, struct modfile **out,
		   char *err, size_t errlen)
{
	struct modfile *mf = calloc(1, sizeof(*mf));
	void *image = data, *plain = NULL;
	size_t ilen = len;
	int r = 0;

	*out = NULL;
	if (!mf)
		return -ENOMEM;
	mf->packing = decompress__kind(data, len);
	if (mf->packing != PACK_NONE)
		r = decompress__all(mf->packing, data, len, max, &plain, &ilen, err, errlen);
	if (plain)
		image = plain;
	if (!r)
		r = modfile__elf(image, ilen, mf, err, errlen);
	free(plain);
	if (!r && !mf->name[0])
		snprintf(mf->name, sizeof(mf->name), "%s", fallback ? fallback : "");
	if (!r && !mf->name[0]) {
		snprintf(err, errlen, "no module name: neither .modinfo nor the file name says it");
		r = -EINVAL;
	}
	if (r) {
		modfile__free(mf);
		return r;
	}
	*out = mf;
	return 0;
}

int modfile__read(const char *path, struct modfile **out, char *err, size_t errlen)
{
	char fallback[MODFILE_NAME_MAX + 1] = "", why[MODFILE_ERR_LEN];
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	r = read_file(path, MODFILE_SIZE_MAX, &buf, &len);
	if (r == -EFBIG) {
		snprintf(err, errlen, "%s: more than %lu MiB: not a kernel module", path,
			 MODFILE_SIZE_MAX >> 20);
		return -EINVAL;
	}
	if (r == -ENOMEM) {
		snprintf(err, errlen, "out of memory");
		return r;
	}
	if (r) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	name_of_file(path, strlen(path), fallback, sizeof(fallback));
	r = modfile__parse(buf, len, MODFILE_SIZE_MAX, fallback, out, why, sizeof(why));
	free(buf);
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	else if (r)
		snprintf(err, errlen, "%s: %s", path, why);
	return r;
}

/* ---- finding the file ------------------------------------------------------------ */

/* The running kernel's release, as uname -r says it; read through kernel__path
 * so that a test root can name its own. */
static void kernel_release(char *buf, size_t len)
{
	char path[KERNEL_PATH_MAX];
	FILE *f = fopen(kernel__path(path, sizeof(path), "/proc/sys/kernel/osrelease"), "re");
	struct utsname u;

	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (!buf[0] && uname(&u) == 0)
		snprintf(buf, len, "%s", u.release);
}

/* The line of FILE (modules.dep, modules.builtin) whose module is MOD: its path,
 * what comes before ':' in modules.dep. Returns a malloc'd path or NULL. */
static char *find_in_list(FILE *f, const char *mod)
{
	char *line = NULL, name[MODFILE_NAME_MAX + 2], want[MODFILE_NAME_MAX + 2];
	size_t cap = 0, ml = strlen(mod);
	ssize_t got;

	if (ml >= sizeof(want))
		return NULL;
	for (size_t i = 0; i <= ml; i++)
		want[i] = mod[i] == '-' ? '_' : mod[i];
	while ((got = getline(&line, &cap, f)) > 0) {
		size_t plen = strcspn(line, ":\n");

		if (name_of_file(line, plen, name, sizeof(name)) && strcmp(name, want) == 0) {
			line[plen] = '\0';
			return line;
		}
	}
	free(line);
	return NULL;
}

int modfile__find(const char *mod, char *path, size_t len, char *err, size_t errlen)
{
	char rel[128], dir[KERNEL_PATH_MAX], file[KERNEL_PATH_MAX + 32];
	char *hit = NULL;
	FILE *f;

	kernel_release(rel, sizeof(rel));
	snprintf(dir, sizeof(dir), "/lib/modules/%s", rel);
	snprintf(file, sizeof(file), "%s/modules.dep", dir);
	f = fopen(kernel__path(path, len, file), "re");
	if (!f) {
		snprintf(err, errlen, "no module '%s' in the symbol table, and no %s to look for its file in (%s): is it loaded (lsmod)? --module-file names its file",
			 mod, path, strerror(errno));
		return -ENOENT;
	}
	hit = find_in_list(f, mod);
	fclose(f);
	if (hit) {
		/* modules.dep names files relative to the release's directory */
		snprintf(file, sizeof(file), "%s%s%s", hit[0] == '/' ? "" : dir, hit[0] == '/' ? "" : "/", hit);
		free(hit);
		kernel__path(path, len, file);
		return 0;
	}
	snprintf(file, sizeof(file), "%s/modules.builtin", dir);
	f = fopen(kernel__path(path, len, file), "re");
	hit = f ? find_in_list(f, mod) : NULL;
	if (f)
		fclose(f);
	if (hit)
		snprintf(err, errlen, "module %s is built into %s (modules.builtin): its symbols are vmlinux's; drop '%s:'",
			 mod, rel, mod);
	else
		snprintf(err, errlen, "no module '%s' in the symbol table, nor in the modules.dep of %s: is it loaded (lsmod), or built for this kernel? --module-file names its file",
			 mod, rel);
	free(hit);
	path[0] = '\0';
	return -ENOENT;
}

/* ---- into the table -------------------------------------------------------------- */

/* NAME (as a module file names itself: '_' only) is MOD, '-' read as '_'. */
static bool same_module(const char *name, const char *mod)
{
	for (; *name && *mod; name++, mod++)
		if (*name != (*mod == '-' ? '_' : *mod))
			return false;
	return *name == *mod;
}

int modfile__add(struct ksyms *t, const char *mod, const char *path, char *err, size_t errlen)
{
	char found[KERNEL_PATH_MAX], rel[128];
	struct modfile *mf = NULL;
	int r;

	if (mod && ksyms__mod_find(t, mod) >= 0)
		return 0;
	if (!path) {
		if (modfile__find(mod, found, sizeof(found), err, errlen))
			return -1;
		path = found;
	}
	if (modfile__read(path, &mf, err, errlen))
		return -1;
	if (ksyms__mod_find(t, mf->name) >= 0) {
		if (ksyms__mod_loaded(t, ksyms__mod_find(t, mf->name)))
			log_warn("%s: module %s is loaded: its symbols come from the kernel, not from this file",
				 path, mf->name);
		else
			log_warn("%s: module %s is read from another file already: this one is left out",
				 path, mf->name);
		modfile__free(mf);
		return 0;
	}
	if (mod && !same_module(mf->name, mod)) {
		/* MOD's file names itself otherwise: the spec could never find it */
		snprintf(err, errlen, "%s: the file of module %s says it is module %s", path, mod, mf->name);
		modfile__free(mf);
		return -1;
	}
	r = ksyms__add_unloaded(t, mf->name, mf->syms, mf->n);
	if (r) {
		snprintf(err, errlen, "%.960s: %s", path, r == -ENOMEM ? "out of memory" : "cannot hold its symbols");
		modfile__free(mf);
		return -1;
	}
	log_note("%s is not loaded: its symbols are read from %s%s", mf->name, path,
		 mf->skipped ? " (some made no sense and were left out)" : "");
	kernel_release(rel, sizeof(rel));
	if (mf->release[0] && strcmp(mf->release, rel) != 0)
		log_warn("%s is built for %s, not for the running %s: it may not load, and its symbols may not be what loads",
			 path, mf->release, rel);
	modfile__free(mf);
	return 1;
}

int modfile__need(struct ksyms *t, const char *mod, char *err, size_t errlen)
{
	if (!mod || !modfile__may_exist(mod) || ksyms__mod_find(t, mod) >= 0)
		return 0;
	return modfile__add(t, mod, NULL, err, errlen) < 0 ? -1 : 0;
}

bool modfile__is_init(const char *mod, const char *name)
{
	char path[KERNEL_PATH_MAX], err[MODFILE_ERR_LEN];
	struct modfile *mf = NULL;
	bool init = false;

	if (!modfile__may_exist(mod) || modfile__find(mod, path, sizeof(path), err, sizeof(err)) ||
	    modfile__read(path, &mf, err, sizeof(err)))
		return false;
	for (size_t i = 0; i < mf->n && !init; i++)
		init = mf->syms[i].init && strcmp(mf->syms[i].name, name) == 0;
	modfile__free(mf);
	return init;
}

bool modfile__files_add(struct modfile_files *f, const char *file)
{
	if (f->n == MODFILE_FILES_MAX)
		return false;
	f->v[f->n++] = file;
	return true;
}

int modfile__add_files(struct ksyms *t, const struct modfile_files *f)
{
	char err[MODFILE_ERR_LEN];

	for (int i = 0; i < f->n; i++) {
		if (modfile__add(t, NULL, f->v[i], err, sizeof(err)) < 0) {
			log_error("%s", err);
			return -1;
		}
	}
	return 0;
}
