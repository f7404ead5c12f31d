// SPDX-License-Identifier: GPL-2.0
/* The attach engine's fetch programs (issue 9): what each probe records, laid
 * out for the BPF side's fetch_progs and fetch_of maps (bpf/ksymtrace.bpf.c),
 * whichever way the probe is attached. See tracer_impl.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "kernel.h"
#include "ksymtrace.h"
#include "ksymtrace.skel.h"
#include "probe_values.h"
#include "tracer_impl.h"

/* Probe ID's fetch programs as the BPF side reads them (bpf/ksymtrace.h); false
 * when it records none. */
static bool probe_fetch(const struct probe_values_set *pv, size_t id, struct kt_probe_fetch *out)
{
	const struct probe_values *p = probe_values__get(pv, id);

	memset(out, 0, sizeof(*out));
	if (!p || !p->n)
		return false;
	out->n = (__u32)(p->n < KT_FETCH_MAX ? p->n : KT_FETCH_MAX);
	for (size_t i = 0; i < out->n; i++)
		out->f[i] = p->v[i].prog;
	return true;
}

static uint64_t set_hash(const struct kt_probe_fetch *f)
{
	const unsigned char *b = (const unsigned char *)f;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*f); i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* Every probe's set, each distinct one kept once (a hash table of indexes into
 * tr->sets): a glob over a thousand functions has a few dozen ways of placing
 * their parameters. Then where each probe's programs are once the sets are
 * laid out one after the other. */
int tracer__build_sets(struct tracer *tr, const struct probe_values_set *pv)
{
	size_t tcap = 16, *first = NULL;
	uint32_t *table = NULL, *set_of = NULL; /* set index + 1; 0: none */
	struct kt_probe_fetch f;
	int err = -ENOMEM;

	while (tcap < 2 * tr->n)
		tcap *= 2;
	tr->range_of = calloc(tr->n ? tr->n : 1, sizeof(*tr->range_of));
	set_of = calloc(tr->n ? tr->n : 1, sizeof(*set_of));
	table = calloc(tcap, sizeof(*table));
	if (!tr->range_of || !set_of || !table)
		goto out;
	for (size_t i = 0; pv && i < tr->n; i++) {
		size_t slot;

		if (!probe_fetch(pv, i, &f))
			continue;
		for (slot = set_hash(&f) & (tcap - 1); table[slot]; slot = (slot + 1) & (tcap - 1))
			if (memcmp(&tr->sets[table[slot] - 1], &f, sizeof(f)) == 0)
				break;
		if (!table[slot]) {
			if (tr->nsets % 64 == 0) {
				struct kt_probe_fetch *ns = realloc(tr->sets, (tr->nsets + 64) * sizeof(*ns));

				if (!ns)
					goto out;
				tr->sets = ns;
			}
			tr->sets[tr->nsets++] = f;
			table[slot] = (uint32_t)tr->nsets;
		}
		set_of[i] = table[slot];
	}
	first = calloc(tr->nsets + 1, sizeof(*first));
	if (!first)
		goto out;
	for (size_t k = 0; k < tr->nsets; k++)
		first[k + 1] = first[k] + tr->sets[k].n;
	tr->nprogs = first[tr->nsets];
	for (size_t i = 0; i < tr->n; i++)
		if (set_of[i])
			tr->range_of[i] = (struct kt_fetch_range){ (__u32)first[set_of[i] - 1],
								   tr->sets[set_of[i] - 1].n };
	err = 0;
out:
	free(first);
	free(set_of);
	free(table);
	return err;
}

int tracer__fill_fetch_maps(struct tracer *tr)
{
	struct bpf_map *of = tr->skel->maps.fetch_of, *progs = tr->skel->maps.fetch_progs;
	__u32 key = 0;

	for (size_t k = 0; k < tr->nsets; k++) {
		for (__u32 i = 0; i < tr->sets[k].n; i++, key++)
			if (bpf_map__update_elem(progs, &key, sizeof(key), &tr->sets[k].f[i],
						 sizeof(tr->sets[k].f[i]), 0))
				goto fail;
	}
	for (size_t i = 0; i < tr->n && tr->nsets; i++) {
		key = (__u32)i;
		if (tr->range_of[i].n &&
		    bpf_map__update_elem(of, &key, sizeof(key), &tr->range_of[i], sizeof(tr->range_of[i]), 0))
			goto fail;
	}
	return 0;
fail:
	kernel__explain_bpf("cannot fill the map of fetch programs", errno);
	return -1;
}
