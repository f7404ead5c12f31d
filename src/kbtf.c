// SPDX-License-Identifier: GPL-2.0
/* The running kernel's BTF. See kbtf.h. */
#define _GNU_SOURCE
#include "kbtf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#include "kernel.h"
#include "log.h"
#include "readall.h"

#define MODULE_NAME_MAX 56 /* MODULE_NAME_LEN, with its NUL */

struct kfunc_name {
	const char *name; /* in the BTF's strings */
	uint32_t id;
};

struct kbtf_obj {
	char *name;
	struct btf *btf;
	struct btf_dump *dump;
	uint32_t first_id;        /* the first of its own ids (1 for vmlinux) */
	struct kfunc_name *funcs; /* its FUNCs by name, then id */
	size_t nfuncs;
	uint32_t *kfuncs;         /* FUNC ids tagged bpf_kfunc, sorted */
	size_t nkfuncs;
	char why[KBTF_WHY_LEN];   /* without BTF: why */
	/* the dump's output, while kbtf__decl() writes */
	char *out;
	size_t out_len, out_used;
	bool out_cut;
};

struct kbtf {
	/* [0] is vmlinux, once loaded; each apart, since callers and each dump
	 * keep pointers to them */
	struct kbtf_obj **objs;
	size_t n, cap;
	bool vmlinux_tried;
	char vmlinux_why[KBTF_WHY_LEN];
};

struct kbtf *kbtf__new(void)
{
	return calloc(1, sizeof(struct kbtf));
}

static void obj_free(struct kbtf_obj *o)
{
	if (!o)
		return;
	btf_dump__free(o->dump);
	btf__free(o->btf);
	free(o->funcs);
	free(o->kfuncs);
	free(o->name);
	free(o);
}

void kbtf__free(struct kbtf *kb)
{
	if (!kb)
		return;
	for (size_t i = 0; i < kb->n; i++)
		obj_free(kb->objs[i]);
	free(kb->objs);
	free(kb);
}

/* ---- the index --------------------------------------------------------------- */

static int by_name_id(const void *a, const void *b)
{
	const struct kfunc_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

static int by_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The FUNCs of O's own part by name, and the FUNCs its bpf_kfunc tags name. */
static int obj_index(struct kbtf_obj *o)
{
	uint32_t end = btf__type_cnt(o->btf);
	size_t nf = 0, nk = 0;

	for (uint32_t id = o->first_id; id < end; id++) {
		const struct btf_type *t = btf__type_by_id(o->btf, id);

		if (btf_is_func(t))
			nf++;
		else if (btf_is_decl_tag(t))
			nk++;
	}
	o->funcs = calloc(nf ? nf : 1, sizeof(*o->funcs));
	o->kfuncs = calloc(nk ? nk : 1, sizeof(*o->kfuncs));
	if (!o->funcs || !o->kfuncs)
		return -ENOMEM;
	for (uint32_t id = o->first_id; id < end; id++) {
		const struct btf_type *t = btf__type_by_id(o->btf, id);

		if (btf_is_func(t)) {
			o->funcs[o->nfuncs++] = (struct kfunc_name){ btf__name_by_offset(o->btf, t->name_off), id };
		} else if (btf_is_decl_tag(t) && btf_decl_tag(t)->component_idx == -1 &&
			   strcmp(btf__name_by_offset(o->btf, t->name_off), "bpf_kfunc") == 0 &&
			   btf_is_func(btf__type_by_id(o->btf, t->type))) {
			o->kfuncs[o->nkfuncs++] = t->type;
		}
	}
	qsort(o->funcs, o->nfuncs, sizeof(*o->funcs), by_name_id);
	qsort(o->kfuncs, o->nkfuncs, sizeof(*o->kfuncs), by_id);
	return 0;
}

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	struct kbtf_obj *o = ctx;
	size_t room = o->out_len - o->out_used;
	int n;

	if (o->out_cut || !room)
		return;
	n = vsnprintf(o->out + o->out_used, room, fmt, ap);
	if (n < 0 || (size_t)n >= room) {
		o->out_used = o->out_len - 1;
		o->out_cut = true;
	} else {
		o->out_used += (size_t)n;
	}
}

/* ---- loading ----------------------------------------------------------------- */

static const char *plain_errno(int err)
{
	return strerror(err < 0 ? -err : err);
}

/* vmlinux's BTF at PATH, or NULL with errno set. Read whole into one buffer,
 * then btf__new(): libbpf 1.1's btf__parse() reads it through stdio and tries
 * it as ELF first, which took 18-41 ms for the host's 5.3 MiB where this takes
 * 6-30 ms (sysfs still hands it out 4 KiB a read(): kernfs caps a read at a
 * page). A module's BTF is small: btf__parse_raw_split() (libbpf 1.1.2 does
 * not export btf__new_split()). */
static struct btf *btf_read(const char *path)
{
	char *buf = NULL;
	size_t n = 0;
	struct btf *btf = NULL;
	int err = -read_file(path, (size_t)UINT32_MAX, &buf, &n);

	if (!err) {
		btf = btf__new(buf, (__u32)n);
		err = btf ? 0 : errno;
	}
	free(buf);
	errno = err;
	return btf;
}

/* NAME's BTF (on top of BASE for a module), with its index; without BTF (and
 * WHY saying why) when it cannot be read. NULL when out of memory. */
static struct kbtf_obj *obj_load(const char *name, struct btf *base, char *why, size_t len)
{
	struct kbtf_obj *o = calloc(1, sizeof(*o));
	char rel[96], path[KERNEL_PATH_MAX];
	struct timespec t0, t1;
	int err;

	if (!o || !(o->name = strdup(name))) {
		free(o);
		return NULL;
	}
	snprintf(rel, sizeof(rel), "/sys/kernel/btf/%s", name);
	kernel__path(path, sizeof(path), rel);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	o->btf = base ? btf__parse_raw_split(path, base) : btf_read(path);
	err = errno; /* libbpf 1.1 sets errno and returns NULL */
	if (!o->btf) {
		if (err == ENOENT && base)
			snprintf(why, len, "module %s has no BTF (no %s: module BTF needs Linux 5.11+ with CONFIG_DEBUG_INFO_BTF_MODULES)",
				 name, rel);
		else if (err == ENOENT)
			snprintf(why, len, "this kernel has no BTF (no %s: it needs CONFIG_DEBUG_INFO_BTF)", rel);
		else
			snprintf(why, len, "cannot read BTF from %s: %s", path, plain_errno(err));
		return o;
	}
	o->first_id = base ? btf__type_cnt(base) : 1;
	o->dump = btf_dump__new(o->btf, dump_printf, o, NULL);
	if (!o->dump || obj_index(o)) {
		obj_free(o);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_verbose("%s: BTF of %s: %u types, %zu functions, %zu kfuncs, read and indexed in %.1f ms",
		    path, name, btf__type_cnt(o->btf) - o->first_id, o->nfuncs, o->nkfuncs,
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	return o;
}

/* Keep O (loaded or not, so that each file is tried once). */
static int keep(struct kbtf *kb, struct kbtf_obj *o)
{
	if (kb->n == kb->cap) {
		size_t ncap = kb->cap ? kb->cap * 2 : 8;
		struct kbtf_obj **nv = realloc(kb->objs, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		kb->objs = nv;
		kb->cap = ncap;
	}
	kb->objs[kb->n++] = o;
	return 0;
}

static const struct kbtf_obj *vmlinux(struct kbtf *kb, char *why, size_t len)
{
	if (!kb->vmlinux_tried) {
		struct kbtf_obj *o = obj_load("vmlinux", NULL, kb->vmlinux_why, sizeof(kb->vmlinux_why));

		if (!o || keep(kb, o)) {
			obj_free(o);
			snprintf(kb->vmlinux_why, sizeof(kb->vmlinux_why), "out of memory");
			return NULL; /* tried again next time */
		}
		kb->vmlinux_tried = true;
	}
	if (kb->objs[0]->btf)
		return kb->objs[0];
	snprintf(why, len, "%s", kb->vmlinux_why);
	return NULL;
}

/* A module name from kallsyms, fit to be a file name under /sys/kernel/btf. */
static bool module_name_ok(const char *mod)
{
	size_t n = strlen(mod);

	return n > 0 && n < MODULE_NAME_MAX && !strchr(mod, '/') && mod[0] != '.';
}

const struct kbtf_obj *kbtf__get(struct kbtf *kb, const char *mod, char *why, size_t len)
{
	const struct kbtf_obj *base = vmlinux(kb, why, len);
	struct kbtf_obj *o;

	if (!base || strcmp(mod, "vmlinux") == 0)
		return base;
	if (!module_name_ok(mod)) {
		snprintf(why, len, "'%s' is not a module name that BTF can be looked up by", mod);
		return NULL;
	}
	for (size_t i = 1; i < kb->n; i++) {
		o = kb->objs[i];
		if (strcmp(o->name, mod) == 0) {
			if (!o->btf)
				snprintf(why, len, "%s", o->why);
			return o->btf ? o : NULL;
		}
	}
	o = obj_load(mod, kb->objs[0]->btf, why, len);
	if (!o || keep(kb, o)) {
		obj_free(o);
		snprintf(why, len, "out of memory");
		return NULL;
	}
	if (!o->btf)
		snprintf(o->why, sizeof(o->why), "%s", why);
	return o->btf ? o : NULL;
}

/* ---- queries ----------------------------------------------------------------- */

size_t kbtf__funcs(const struct kbtf_obj *o, const char *name, uint32_t *ids, size_t max)
{
	size_t lo = 0, hi = o->nfuncs, n = 0;

	while (lo < hi) { /* the first entry not below NAME */
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(o->funcs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < o->nfuncs && strcmp(o->funcs[i].name, name) == 0; i++, n++)
		if (n < max)
			ids[n] = o->funcs[i].id;
	return n;
}

bool kbtf__is_kfunc(const struct kbtf_obj *o, uint32_t id)
{
	return bsearch(&id, o->kfuncs, o->nkfuncs, sizeof(*o->kfuncs), by_id) != NULL;
}

bool kbtf__kfunc_tags(struct kbtf *kb)
{
	char why[KBTF_WHY_LEN];
	const struct kbtf_obj *o = vmlinux(kb, why, sizeof(why));

	return o && o->nkfuncs > 0;
}

bool kbtf__protos_checked(struct kbtf *kb)
{
	return kbtf__kfunc_tags(kb);
}

const struct btf *kbtf__btf(const struct kbtf_obj *o)
{
	return o->btf;
}

const char *kbtf__name(const struct kbtf_obj *o)
{
	return o->name;
}

int kbtf__decl(const struct kbtf_obj *co, uint32_t type_id, const char *name, char *buf,
	       size_t len)
{
	/* the dump writes through O's output fields: not const while it runs */
	struct kbtf_obj *o = (struct kbtf_obj *)co;
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = name);
	int err;

	if (len < 4)
		return -ENOSPC;
	o->out = buf;
	o->out_len = len;
	o->out_used = 0;
	o->out_cut = false;
	buf[0] = '\0';
	err = btf_dump__emit_type_decl(o->dump, type_id, &opts);
	o->out = NULL;
	if (err)
		return err;
	if (o->out_cut) {
		memcpy(buf + len - 4, "...", 4);
		return -ENOSPC;
	}
	return 0;
}

int kbtf__proto(const struct kbtf_obj *o, uint32_t func_id, char *buf, size_t len)
{
	const struct btf_type *t = btf__type_by_id(o->btf, func_id);
	size_t n;
	int err;

	if (!t || !btf_is_func(t))
		return -EINVAL;
	err = kbtf__decl(o, t->type, btf__name_by_offset(o->btf, t->name_off), buf, len);
	n = strlen(buf);
	/* btf_dump writes "f()" for a function without parameters: C says (void) */
	if (!err && n >= 2 && strcmp(buf + n - 2, "()") == 0 && n + 5 <= len)
		memcpy(buf + n - 1, "void)", 6);
	return err;
}
