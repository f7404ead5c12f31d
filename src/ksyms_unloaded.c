// SPDX-License-Identifier: GPL-2.0
/* Tables of modules that are not loaded: one module's symbols, read from its file
 * (modfile.h), laid out like any table and chained to the kallsyms table. See
 * ksyms.h, "modules that are not loaded". */
#define _GNU_SOURCE
#include "ksyms_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The placement key of a symbol (ksyms.h): module, section, offset. */
static uint64_t placement_key(size_t mod, const struct ksyms_modsym *m)
{
	return (uint64_t)mod << 48 | (uint64_t)m->section << 32 | m->value;
}

/* Arena and records of U from module MOD (index IDX) and V[0..N). */
static int fill(struct ksyms *u, const char *mod, size_t idx, const struct ksyms_modsym *v,
		size_t n)
{
	size_t len = strlen(mod) + 1, at = 0;

	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(v[i].name);

		if (nl == 0 || nl > KSYMS_NAME_MAX || v[i].section > 0xffff)
			return -EINVAL;
		len += nl + 1;
	}
	if (len > KSYMS_FILE_MAX || n > UINT32_MAX / 2)
		return -E2BIG;
	u->mods = malloc((idx + 1) * sizeof(*u->mods));
	if (!u->mods || ksyms_region_alloc(&u->buf_mem, len + KSYMS_PAD) ||
	    ksyms_region_alloc(&u->syms_mem, (n ? n : 1) * sizeof(*u->syms)))
		return -ENOMEM;
	u->buf = u->buf_mem.p;
	u->syms = u->syms_mem.p;
	/* the slots of the modules before this one are other tables' */
	for (size_t i = 0; i < idx; i++)
		u->mods[i] = UINT32_MAX;
	u->mods[idx] = 0;
	u->n_mods = idx + 1;
	memcpy(u->buf, mod, strlen(mod) + 1);
	at = strlen(mod) + 1;
	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(v[i].name) + 1;

		memcpy(u->buf + at, v[i].name, nl);
		u->syms[i] = (struct ksym){
			.addr = placement_key(idx, &v[i]),
			.name = (uint32_t)at,
			.size = v[i].size,
			.line = (uint32_t)i + 1,
			.mod = (uint16_t)idx,
			.type = v[i].type,
			.flags = KSYM_NOT_LOADED | (v[i].init ? KSYM_INIT : 0),
		};
		at += nl;
	}
	u->buf_len = at;
	u->n = n;
	return 0;
}

int ksyms__add_unloaded(struct ksyms *t, const char *mod, const struct ksyms_modsym *v, size_t n)
{
	size_t idx = ksyms__mod_count(t);
	struct ksyms *u, **tail;
	int err;

	if (ksyms__mod_find(t, mod) >= 0)
		return -EEXIST;
	if (idx >= KSYMS_UNLOADED_MOD_MAX)
		return -E2BIG;
	if (!*mod || strlen(mod) > KSYMS_NAME_MAX)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->unloaded = true;
	err = fill(u, mod, idx, v, n);
	if (!err)
		err = ksyms_index__build(u);
	if (err) {
		ksyms__free(u);
		return err;
	}
	for (tail = &t->ext; *tail; tail = &(*tail)->ext)
		;
	*tail = u;
	return 0;
}
