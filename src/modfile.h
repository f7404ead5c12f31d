/* SPDX-License-Identifier: GPL-2.0 */
/* Module files: the symbols of a module that is not loaded, read from its .ko
 * (DESIGN.md §3: "MOD:NAME also works for a module that is not loaded").
 *
 *   modfile__find(mod, path, ...)       the file modprobe would load for MOD: the
 *                                       running kernel's modules.dep
 *   modfile__read(path, &mf, ...)       its symbols: decompressed (xz, zstd, gzip
 *                                       by their magic), the ELF read with libelf
 *   modfile__parse(data, len, ...)      the same from bytes (the fuzz target)
 *   modfile__add(t, mod, path, ...)     MOD's symbols chained to the table T
 *                                       (ksyms__add_unloaded) when MOD is not in it
 *
 * The symbols kept are those the kernel will show in /proc/kallsyms once the
 * module is loaded (kernel/module/kallsyms.c: named, defined in an allocated
 * section, not .modinfo or __versions), typed as it will type them (elf_type(),
 * upper case when exported), plus the .init ones it shows only while init runs
 * (marked init). A function's size is its ELF st_size, exactly. Every path goes
 * through kernel__path(), so tests stand a directory in for /lib/modules. */
#ifndef KSYMTRACE_MODFILE_H
#define KSYMTRACE_MODFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "decompress.h"
#include "ksyms.h"

#define MODFILE_NAME_MAX 55          /* MODULE_NAME_LEN 56, with its NUL */
#define MODFILE_SIZE_MAX (512UL << 20) /* read or decompressed; Debian's largest is ~40 MiB */
#define MODFILE_ERR_LEN 1024

struct modfile {
	char name[MODFILE_NAME_MAX + 1]; /* .modinfo's name=, else the file's; '-' read as '_' */
	char release[65];                /* the kernel release of .modinfo's vermagic, or "" */
	struct ksyms_modsym *syms;       /* their names point into NAMES */
	size_t n;
	char *names;
	enum packing packing;            /* how the file was compressed */
	size_t skipped;                  /* symbols that made no sense (past their section) */
};

/* Symbols of DATA (LEN bytes: a .ko, compressed or not; the buffer may be
 * changed). FALLBACK names the module when .modinfo does not. Decompressed size
 * at most MAX. Returns 0 with *OUT, or -EINVAL (a one-line reason in ERR:
 * "not an ELF file", "truncated xz data", ...) or -ENOMEM. */
int modfile__parse(void *data, size_t len, size_t max, const char *fallback, struct modfile **out,
		   char *err, size_t errlen);
/* The same for the file at PATH (as given: not through kernel__path). The
 * reason in ERR starts with PATH. */
int modfile__read(const char *path, struct modfile **out, char *err, size_t errlen);
void modfile__free(struct modfile *mf);

/* The module file of MOD for the running kernel, as modprobe finds it: the line
 * of modules.dep under /lib/modules/RELEASE whose file is MOD.ko (.ko.xz, .ko.zst,
 * .ko.gz; '-' and '_' alike). Returns 0 with the path (through kernel__path) in
 * PATH, or -ENOENT with the reason in ERR (no modules.dep, no such module, or a
 * module built into the kernel: modules.builtin). */
int modfile__find(const char *mod, char *path, size_t len, char *err, size_t errlen);

/* Make module MOD's symbols resolvable in T when MOD is not loaded: from PATH,
 * else from modfile__find(). Returns 0 when T already has MOD (loaded, or added
 * before), 1 when it was added now (with a note naming the file), -1 with the
 * reason in ERR. With PATH, MOD may be NULL: the file names its module. */
int modfile__add(struct ksyms *t, const char *mod, const char *path, char *err, size_t errlen);

/* What a command does before resolving a spec of module MOD (NULL: none):
 * modfile__add() when MOD is a module that T does not have. 0 (nothing to do,
 * or added), or -1 with the reason in ERR. */
int modfile__need(struct ksyms *t, const char *mod, char *err, size_t errlen);

/* Whether NAME is a function of module MOD's .init code, by its file
 * (modfile__find): once the module is loaded, the kernel has freed that code
 * and kallsyms no longer lists it, so a spec naming it finds nothing; this
 * says why. False when the file cannot be read, or does not say so. */
bool modfile__is_init(const char *mod, const char *name);

/* --module-file FILE in resolve, list and attach: repeatable, up to
 * MODFILE_FILES_MAX times (struct modfile_files). */
#define MODFILE_FILES_MAX 16
#define MODFILE_ARGP_OPTION(key, group)                                                   \
	{ "module-file", key, "FILE", 0,                                                  \
	  "Read the symbols of a module that is not loaded from FILE (.ko, .ko.xz, "     \
	  ".ko.zst), not from the running kernel's modules.dep; repeatable", group }

struct modfile_files {
	const char *v[MODFILE_FILES_MAX];
	int n;
};

/* Add FILE to F (the option's argument). False when F is full. */
bool modfile__files_add(struct modfile_files *f, const char *file);
/* Chain every file of F to T (modfile__add). Prints the reason and returns -1
 * at the first that cannot be read. */
int modfile__add_files(struct ksyms *t, const struct modfile_files *f);

/* Whether MOD may have a module file: not vmlinux, nor kallsyms' pseudo-modules
 * ([bpf], [__builtin__ftrace], [__builtin__kprobes]). */
bool modfile__may_exist(const char *mod);

/* Internal to modfile.c and modfile_elf.c: the ELF image IMAGE into MF. */
int modfile__elf(void *image, size_t len, struct modfile *mf, char *err, size_t errlen);

#endif
