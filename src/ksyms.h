/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel symbol table: /proc/kallsyms loaded once, kept whole, indexed two ways.
 *
 * Every line of the file is kept (all types, the core kernel, modules and the
 * pseudo-modules [bpf], [__builtin__ftrace], [__builtin__kprobes]) because the
 * answer to "which symbol is this?" must consider all of them: one name can sit at
 * several addresses and one address can carry several names (DESIGN.md §1).
 *
 * Storage: a string arena of the names (the file is read and parsed a chunk at a
 * time, never held whole), a compact record array sorted by (address, name), and
 * a name index of record positions sorted by (name, address). Every query is a
 * [lo, hi) range in one of them. The records never change after the load, so
 * results may point into them freely.
 *
 * The name index is completed lazily: the load groups it by the first two bytes of
 * the name, and a query that reaches a group sorts it then (`resolve c_start`
 * sorts the ~1% of names that start "c_"; sorting all of them at load would
 * double the load, see scripts/bench-resolve.sh). So the queries that may sort
 * take a non-const table: ksyms__by_name(), ksyms__by_prefix(),
 * ksyms__instance() and ksyms__instance_at() (which also rank a name's records
 * on first use), ksyms__suggest(), ksyms__index_all(). They never fail: what a
 * sort needs is taken at load. Everything else reads a const table; one thread.
 *
 * A table can also come from a per-boot snapshot (ksyms_snap.h): the same arrays,
 * mapped in place, with the whole name index already sorted, holding the core
 * kernel and the modules but not the pseudo-modules, whose symbols come and go.
 * Such a table answers for an address only where ksyms__covers() says it can.
 *
 * Files: ksyms_line.c (the line grammar), ksyms_read.c (reading), ksyms_index.c
 * (sorting, sizes, the name index), ksyms_query.c (the queries), ksyms_snap.c
 * (the snapshot format).
 */
#ifndef KSYMTRACE_KSYMS_H
#define KSYMTRACE_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* KSYM_NAME_LEN is 512 since v6.1 (commit 61968dbc2d5d): names up to 511 bytes. */
#define KSYMS_NAME_MAX 511
#define KSYMS_CORE_MOD 0 /* module index of the core kernel, printed "vmlinux" */

struct ksym {
	uint64_t addr;
	uint32_t name; /* offset of the NUL-terminated name in the arena */
	uint32_t size; /* bytes to the next distinct address in the same module; 0 = unknown */
	uint32_t line; /* 1-based line number in the file, for messages */
	uint16_t mod;  /* index into the module table; KSYMS_CORE_MOD for vmlinux */
	char type;     /* the kallsyms letter: t, T, d, D, r, b, A, W, ... */
	uint8_t flags; /* KSYM_NOT_LOADED, KSYM_INIT; 0 for every kallsyms line */
};

/* struct ksym.flags: a record of a module that is not loaded (ksyms__add_unloaded
 * below) has no address yet, and may sit in code the kernel frees after init. */
#define KSYM_NOT_LOADED 0x01
#define KSYM_INIT 0x02 /* in an .init section: gone once the module's init has run */

static inline bool ksym_loaded(const struct ksym *s)
{
	return !(s->flags & KSYM_NOT_LOADED);
}

struct ksyms;

struct ksyms_opts {
	/* Read from this stream instead of opening the path (used for "-"). */
	FILE *stream;
	/* Keep going when every address is zero (a kptr_restrict table): tests only. */
	bool allow_zero_addrs;
	/* Called with the path before waiting on a FIFO that nothing has been
	 * written to yet (its writer may not have opened it: open() would have
	 * blocked, silently), so that the wait can be said. May be NULL. */
	void (*waiting)(const char *path);
};

/* Why a load failed, for a one-line message and the right hint. */
enum ksyms_err {
	KSYMS_OK = 0,
	KSYMS_ERR_IO,        /* open/read failed: errno is in ksyms_load_result.sys_errno */
	KSYMS_ERR_EMPTY,     /* no valid symbol line at all */
	KSYMS_ERR_ZERO_ADDRS,/* every address reads 0: kptr_restrict hides them */
	KSYMS_ERR_NOMEM,
	KSYMS_ERR_TOO_BIG,   /* more than KSYMS_FILE_MAX bytes or 2^32 lines */
	KSYMS_ERR_TOO_MANY_MODS, /* more modules than a uint16_t index holds */
};

struct ksyms_load_result {
	enum ksyms_err err;
	int sys_errno;
	size_t bad_lines;      /* malformed lines skipped */
	uint32_t first_bad[8]; /* their line numbers, the first few */
	bool no_final_newline; /* last line unterminated: the file may be truncated */
};

struct ksyms *ksyms__load(const char *path, const struct ksyms_opts *opts,
			  struct ksyms_load_result *res);
void ksyms__free(struct ksyms *t);
const char *ksyms__strerror(const struct ksyms_load_result *res);

size_t ksyms__count(const struct ksyms *t);
/* Records in (address, name) order: i in [0, count). */
const struct ksym *ksyms__at(const struct ksyms *t, size_t i);
/* The i-th record in (name, address) order, for i inside a range that
 * ksyms__by_name() or ksyms__by_prefix() returned, or anywhere after
 * ksyms__index_all(). */
const struct ksym *ksyms__by_name_at(const struct ksyms *t, size_t i);
/* Complete the whole name index now (list, suggestions). */
void ksyms__index_all(struct ksyms *t);
/* Names and module names answer for the records and modules of the chained
 * tables of modules not loaded too (below). */
const char *ksyms__name(const struct ksyms *t, const struct ksym *s);
const char *ksyms__mod_name(const struct ksyms *t, uint16_t mod);
/* Modules, those of the chained tables included: indexes [0, count). */
size_t ksyms__mod_count(const struct ksyms *t);
/* Module index for a name ("vmlinux" is the core kernel), in T or a chained
 * table; -1 if absent. '-' and '_' are the same in module names, as for
 * modprobe (the kernel shows snd-hda-intel.ko as [snd_hda_intel]). */
int ksyms__mod_find(const struct ksyms *t, const char *name);
/* Position of a record in the address order (for alias and neighbour walks);
 * S must be T's own record (ksyms__owner). */
size_t ksyms__pos(const struct ksyms *t, const struct ksym *s);

/* All records named exactly NAME: name positions [*lo, *hi), address order.
 * Returns the number of matches. May sort NAME's part of the name index. */
size_t ksyms__by_name(struct ksyms *t, const char *name, size_t *lo, size_t *hi);
/* Names starting with PREFIX: name positions [*lo, *hi). May sort the index. */
size_t ksyms__by_prefix(struct ksyms *t, const char *prefix, size_t *lo, size_t *hi);
/* All records at exactly ADDR: address positions [*lo, *hi), name order. */
size_t ksyms__by_addr(const struct ksyms *t, uint64_t addr, size_t *lo, size_t *hi);
/* The symbol that contains ADDR: the last record starting at or below ADDR whose
 * known size covers it. NULL if ADDR lies before the first symbol, in a gap, or
 * past a symbol of unknown size (the last of its module), or where the table
 * cannot answer (ksyms__covers()). */
const struct ksym *ksyms__containing(const struct ksyms *t, uint64_t addr);
/* The first record (in name order) at the highest start at or below ADDR,
 * whatever its size: where code at ADDR belongs when no size can say, as past
 * the last symbol of a module. NULL if ADDR lies before the first symbol, or
 * where the table cannot answer (ksyms__covers()): a snapshot must not say that
 * a BPF program's code belongs to the module function below it. */
const struct ksym *ksyms__floor(const struct ksyms *t, uint64_t addr);

/* Whether T can say what lies at ADDR: a table read from a file always can. A
 * snapshot lacks the pseudo-modules, whose code the kernel allocates among the
 * modules: it answers at the start of any of its symbols, inside the core
 * kernel's span, and inside a module function whose end is another function of
 * the same module: where nothing else can lie. */
bool ksyms__covers(const struct ksyms *t, uint64_t addr);
/* Whether T is a snapshot (core kernel and modules only, mapped in place). */
bool ksyms__is_snapshot(const struct ksyms *t);

/* kallsyms' pseudo-modules: generated code that comes and goes while the system
 * runs, never in a snapshot. [bpf] holds BPF programs' JIT images, trampolines
 * and dispatchers; [__builtin__ftrace] ftrace's trampolines and
 * [__builtin__kprobes] kprobes' instruction slots (both Linux 5.9). */
bool ksyms__is_pseudo_mod(const char *mod);
/* Whether a symbol called NAME could be in a pseudo-module: the kernel names
 * them bpf_prog_TAG_NAME, bpf_trampoline_KEY, bpf_dispatcher_NAME,
 * bpf__STRUCT_MEMBER (kernel/bpf), ftrace_trampoline, kprobe_insn_page and
 * kprobe_optinsn_page. */
bool ksyms__may_be_pseudo_name(const char *name);

static inline bool ksym_is_func(const struct ksym *s)
{
	return s->type == 't' || s->type == 'T';
}

/* Which records count: the filters of resolve, list and attach. */
#define KSYMS_ANY_MOD (-1)
struct ksyms_filter {
	int mod;         /* a module index, or KSYMS_ANY_MOD */
	bool funcs_only; /* functions (t/T) only */
};

static inline bool ksyms__passes(const struct ksym *s, const struct ksyms_filter *f)
{
	return (f->mod == KSYMS_ANY_MOD || s->mod == f->mod) && (!f->funcs_only || ksym_is_func(s));
}

/* The instance number of S (the N of NAME#N): 1-based, in address order, among
 * the records of S's name that pass F; *COUNT gets how many pass. 0, and *COUNT
 * 0, when S itself does not pass F. Resolution, list, the probe labels and the
 * traceable lookup all number through here, so that NAME#N names one record
 * everywhere. O(log n) once S's name is ranked (its first numbering ranks all
 * of the name's records); it may sort S's part of the name index. */
uint32_t ksyms__instance(struct ksyms *t, const struct ksym *s, const struct ksyms_filter *f,
			 uint32_t *count);
/* The same for the record at name position I of the range [LO, HI) that
 * ksyms__by_name() returned for its name: O(1) once the name is ranked (on its
 * first numbering, O(HI - LO)), for walks over a name's records. */
uint32_t ksyms__instance_at(struct ksyms *t, size_t lo, size_t hi, size_t i,
			    const struct ksyms_filter *f, uint32_t *count);

/* ---- modules that are not loaded ------------------------------------------------
 * kallsyms has no line for a module that is not loaded, but the module's file has
 * a symbol table with exact sizes (modfile.h reads it). ksyms__add_unloaded()
 * makes a table of one such module and chains it to T. T's own queries by name,
 * prefix and address never see its records, so no spec and no #N changes meaning
 * because a module file was read; a spec that names the module resolves in its
 * table (ksyms__mod_table). Everything that takes a record or a module index
 * (ksyms__name, ksyms__mod_name, ksyms__mod_find, ksyms__instance) answers for
 * the chained tables through T, so a plan or a printer built on T handles their
 * records unchanged.
 *
 * Their records carry KSYM_NOT_LOADED and the ELF sizes, exactly. Their addr is a
 * placement key, not an address: module index << 48 | ELF section << 32 | offset
 * in the section. Key order is the order the module loader lays functions out
 * (sections in index order, kernel/module/main.c layout_sections()), so #N
 * numbers a module's duplicates as kallsyms will once it is loaded; .init code
 * is placed apart by the loader and may number differently then. Keys are below
 * 2^63, so never a kernel address, and differ between modules: never print one. */
struct ksyms_modsym {
	const char *name;
	uint32_t section; /* ELF section index, below 65536 */
	uint32_t value;   /* offset in that section */
	uint32_t size;    /* st_size; 0 = unknown */
	char type;        /* the letter kallsyms will show once it is loaded */
	bool init;        /* in an .init section */
};
/* At most this many modules in all, tables chained included (keys stay < 2^63). */
#define KSYMS_UNLOADED_MOD_MAX 0x8000

/* Chain a table of module MOD (not in T) made of V[0..N) to T, which then owns
 * it. 0, -EEXIST (T has a module of that name), -EINVAL (a name longer than
 * KSYMS_NAME_MAX, or a section >= 65536), -E2BIG (too many modules), -ENOMEM. */
int ksyms__add_unloaded(struct ksyms *t, const char *mod, const struct ksyms_modsym *v, size_t n);
/* The table that holds module MOD's records: T, or a chained table. */
struct ksyms *ksyms__mod_table(struct ksyms *t, int mod);
/* False for a module that is not loaded (its records come from its file). */
bool ksyms__mod_loaded(const struct ksyms *t, int mod);
/* The table that holds S: T, or a chained table. */
const struct ksyms *ksyms__owner(const struct ksyms *t, const struct ksym *s);

/* Name bytes: anything printable or high-bit; no spaces, tabs or control bytes,
 * which is what separates a name from the fields around a kallsyms line. */
static inline bool ksym_name_byte(unsigned char c)
{
	return c > 0x20 && c != 0x7f;
}

/* "foo.isra.0", "foo.constprop.0", "foo.part.0", "foo.cold", "foo.llvm.123":
 * true when NAME is BASE followed by compiler clone suffixes only. */
bool ksyms__is_clone_of(const char *name, const char *base);

/* Up to MAX (at most KSYMS_SUGGEST_MAX) distinct names nearest to NAME by edit
 * distance, nearest first; returns how many. Completes the name index. */
#define KSYMS_SUGGEST_MAX 8
size_t ksyms__suggest(struct ksyms *t, const char *name, const char **out, size_t max);

#endif
