// SPDX-License-Identifier: GPL-2.0
/* The __pfx_ padding symbols in the whole name index: placed after their
 * functions instead of sorted. See ksyms_impl.h. */
#define _GNU_SOURCE
#include "ksyms_impl.h"

#include <stdlib.h>
#include <string.h>

/* Since Linux 6.2 ("x86: Add prefix symbols for function padding"), x86-64
 * kernels built with function padding give each function a symbol __pfx_NAME
 * for the padding just before it: on 6.12 and 7.x about half of all names. They
 * share one bucket, "__", where they made up most of the whole sort (this
 * host's 122,117 names: 7.4 ms with them, 2.6 ms without, bench_load). Their
 * order is their functions' order: when each __pfx_NAME has its NAME among the
 * next few records, the rest of the index, once sorted, lists them in order
 * (ksyms_pfx__place()). Equal names must keep address order, as the sort keeps them:
 * so the functions must come in the order their padding symbols do. Otherwise
 * the bucket is sorted whole, as any other. */
#define PFX "__pfx_"
#define PFX_LEN 6
/* how far after __pfx_NAME its NAME may be: its aliases come between */
#define PFX_REACH 8
/* below this many, the walk over the whole index costs more than it saves */
#define PFX_MIN 1024

/* memcmp, not strncmp: a fixed 6 bytes compile to two loads, and a shorter name
 * differs at its NUL; the arena has KSYMS_PAD readable bytes past its end */
static bool is_pfx(const struct ksyms *t, uint32_t pos)
{
	return memcmp(t->buf + t->syms[pos].name, PFX, PFX_LEN) == 0;
}

/* The record NAME of the __pfx_NAME at position P: after it, within reach, not
 * taken, and after the one the __pfx_ name before P took (LAST). */
static uint32_t pfx_target(const struct ksyms *t, uint32_t p, uint32_t last, const uint32_t *pfx_of)
{
	const char *name = t->buf + t->syms[p].name + PFX_LEN;

	if (strncmp(name, PFX, PFX_LEN) == 0)
		return UINT32_MAX; /* __pfx___pfx_x: its function is not in the walk */
	for (uint32_t j = p + 1; j < t->n && j <= p + PFX_REACH; j++)
		if (pfx_of[j] == UINT32_MAX && strcmp(t->buf + t->syms[j].name, name) == 0)
			return last != UINT32_MAX && j <= last ? UINT32_MAX : j;
	return UINT32_MAX;
}

/* Pair each __pfx_ name of bucket "__" with its function, and move the bucket's
 * other names before them (both stay in address order). False, nothing changed,
 * when there are too few, one has no function, or the memory is not there. */
bool ksyms_pfx__link(struct ksyms *t, struct ksyms_pfx_plan *pp)
{
	uint32_t lo = t->bucket[KSYMS_PFX_BUCKET], n = t->bucket[KSYMS_PFX_BUCKET + 1] - lo, last = UINT32_MAX;
	uint32_t *part; /* the rest from the front, the __pfx_ names from the back */

	memset(pp, 0, sizeof(*pp));
	if (t->bucket_done[KSYMS_PFX_BUCKET] || n < PFX_MIN || !(part = malloc(n * sizeof(*part))))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = t->by_name[lo + i];

		if (is_pfx(t, p))
			part[n - ++pp->n_pfx] = p;
		else
			part[pp->n_rest++] = p;
	}
	if (pp->n_pfx < PFX_MIN || !(pp->pfx_of = malloc(t->n * sizeof(*pp->pfx_of))))
		goto no;
	memset(pp->pfx_of, 0xff, t->n * sizeof(*pp->pfx_of));
	/* from the back: the __pfx_ names in address order */
	for (uint32_t i = n; i-- > pp->n_rest;) {
		uint32_t x = pfx_target(t, part[i], last, pp->pfx_of);

		if (x == UINT32_MAX)
			goto no;
		pp->pfx_of[x] = part[i];
		last = x;
	}
	/* the rest first; the __pfx_ names' records are in pfx_of */
	memcpy(t->by_name + lo, part, pp->n_rest * sizeof(*part));
	free(part);
	return true;
no:
	free(pp->pfx_of);
	free(part);
	memset(pp, 0, sizeof(*pp));
	return false;
}

/* With every other bucket sorted and bucket "__"'s rest too: the __pfx_ names
 * in their functions' order, put where "__pfx_" sorts among the rest. */
void ksyms_pfx__place(struct ksyms *t, struct ksyms_pfx_plan *pp)
{
	uint32_t lo = t->bucket[KSYMS_PFX_BUCKET], *rest = t->by_name + lo;
	uint32_t *out = rest + pp->n_rest, split = 0, n_tail, k = 0;

	/* the walk reads the rest of this bucket, never the slots after it */
	for (unsigned b = 0; b < KSYMS_BUCKETS; b++) {
		uint32_t end = b == KSYMS_PFX_BUCKET ? lo + pp->n_rest : t->bucket[b + 1];

		for (uint32_t i = t->bucket[b]; i < end; i++) {
			uint32_t p = pp->pfx_of[t->by_name[i]];

			if (p != UINT32_MAX)
				out[k++] = p;
		}
	}
	/* [rest before "__pfx_"][rest after it][__pfx_ names]: swap the last two,
	 * the rest after it copied to pfx_of, which the walk no longer needs */
	while (split < pp->n_rest && strncmp(t->buf + t->syms[rest[split]].name, PFX, PFX_LEN) < 0)
		split++;
	n_tail = pp->n_rest - split;
	memcpy(pp->pfx_of, rest + split, n_tail * sizeof(*rest));
	memmove(rest + split, out, pp->n_pfx * sizeof(*rest));
	memcpy(rest + split + pp->n_pfx, pp->pfx_of, n_tail * sizeof(*rest));
	free(pp->pfx_of);
	pp->pfx_of = NULL;
	t->bucket_done[KSYMS_PFX_BUCKET] = 1;
	t->pfx_placed = pp->n_pfx;
}
