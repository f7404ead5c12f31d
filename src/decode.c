// SPDX-License-Identifier: GPL-2.0
/* Stack frames in kernel log text. See decode.h. */
#define _GNU_SOURCE
#include "decode.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/* MODULE_NAME_LEN is 56, with its NUL */
#define MOD_NAME_MAX 55

/* Bytes of a name in a stack trace: C identifiers, and the '.' and '$' of
 * compiler clones and suffixes (foo.isra.0, __func__.0). Not the wider set a
 * kallsyms line allows (ksym_name_byte): in running text, ':', '(' or '/' end
 * a name ("RIP: 0010:foo+0x1/0x2"). */
static bool word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static bool name_byte(unsigned char c)
{
	return word_byte(c) || c == '.' || c == '$';
}

/* "0x" and up to 8 hex digits at P into *V: the bytes taken, or 0. The kernel
 * prints offsets and sizes of functions, never 64-bit values, here. */
static size_t hex32(const char *p, const char *end, uint64_t *v)
{
	char num[11];
	size_t n = 2;

	if (end - p < 3 || p[0] != '0' || p[1] != 'x')
		return 0;
	while (p + n < end && isxdigit((unsigned char)p[n]))
		if (++n > 10)
			return 0;
	if (n == 2)
		return 0;
	memcpy(num, p, n);
	num[n] = '\0';
	return parse_u64(num, v) == 0 ? n : 0;
}

/* " [MOD]" or " [MOD BUILDID]" at P: the bytes taken (0: none), MOD's length. */
static size_t module_part(const char *p, const char *end, size_t *mod_len)
{
	const char *q = p + 2, *id;

	if (end - p < 4 || p[0] != ' ' || p[1] != '[')
		return 0;
	while (q < end && (word_byte((unsigned char)*q) || *q == '-'))
		q++;
	*mod_len = (size_t)(q - (p + 2));
	if (*mod_len == 0 || *mod_len > MOD_NAME_MAX)
		return 0;
	if (q < end && *q == ' ') { /* the build ID: hex */
		for (id = ++q; q < end && isxdigit((unsigned char)*q);)
			q++;
		if (q == id)
			return 0;
	}
	if (q >= end || *q != ']')
		return 0;
	return (size_t)(q + 1 - p);
}

/* The frame whose '+' is at line[P], its name starting no earlier than FROM:
 * true with *F filled in. */
static bool frame_at(const char *line, size_t len, size_t from, size_t p, struct decode_frame *f)
{
	const char *end = line + len, *q;
	size_t s = p, used, mod_used, mod_len = 0;

	while (s > from && name_byte((unsigned char)line[s - 1]))
		s--;
	/* a name starts like an identifier: not "0010:" nor a number */
	if (s == p || p - s > KSYMS_NAME_MAX || !(word_byte((unsigned char)line[s]) &&
						    !(line[s] >= '0' && line[s] <= '9')))
		return false;
	memset(f, 0, sizeof(*f));
	used = hex32(line + p + 1, end, &f->off);
	if (!used)
		return false;
	q = line + p + 1 + used;
	if (q < end && *q == '/') {
		used = hex32(q + 1, end, &f->size);
		if (!used || f->size == 0)
			return false;
		f->has_size = true;
		q += 1 + used;
	}
	if (q < end && word_byte((unsigned char)*q)) /* "+0x10/0x20g": not a frame */
		return false;
	mod_used = module_part(q, end, &mod_len);
	/* without a size, only ksymtrace's own "name+0xoff [mod]" */
	if (!f->has_size && !mod_used)
		return false;
	f->start = f->name = s;
	f->name_len = p - s;
	if (mod_used) {
		f->mod = (size_t)(q + 2 - line);
		f->mod_len = mod_len;
		q += mod_used;
	}
	f->end = (size_t)(q - line);
	f->unreliable = s >= 2 && line[s - 2] == '?' && line[s - 1] == ' ';
	return true;
}

size_t decode__frames(const char *line, size_t len, struct decode_frame *out, size_t max)
{
	size_t n = 0, from = 0, i = 0;

	while (n < max && i < len) {
		const char *plus = memchr(line + i, '+', len - i);
		size_t p;

		if (!plus)
			break;
		p = (size_t)(plus - line);
		i = p + 1;
		if (frame_at(line, len, from, p, &out[n])) {
			from = i = out[n].end;
			n++;
		}
	}
	return n;
}

/* ---- against the table ------------------------------------------------------------ */

static void set_instance(struct ksyms *t, const struct ksym *s, const struct decode_frame *f,
			 struct decode_result *r)
{
	static const struct ksyms_filter label = { KSYMS_ANY_MOD, true };

	r->sym = s;
	r->addr = s->addr + f->off;
	r->index = ksyms__instance(t, s, &label, &r->count);
}

/* The frame's size matches none of the name's instances there: with one
 * instance, that one, whose size the table computes otherwise (a module's last
 * function: the kernel stops it at the end of the module's text, the table at
 * its next symbol). SP is the frame as a spec. */
static void size_differs(struct ksyms *t, struct spec *sp, const struct decode_frame *f,
			 struct decode_result *r)
{
	static const struct resolve_opts funcs = { .funcs_only = true };
	struct candidates c = { 0 };
	char err[SPEC_ERR_LEN];

	r->status = DECODE_NO_SIZE;
	sp->has_size = false;
	if (spec__resolve(sp, t, &funcs, &c, err, sizeof(err)) == SPEC_RES_OK && c.n == 1 &&
	    !c.v[0].clone && (!c.v[0].sym->size || f->off < c.v[0].sym->size)) {
		r->status = DECODE_SIZE_DIFFERS;
		set_instance(t, c.v[0].sym, f, r);
		snprintf(r->reason, sizeof(r->reason), "the trace says 0x%" PRIx64 " bytes, the table 0x%x",
			 f->size, c.v[0].sym->size);
	}
	candidates__free(&c);
}

/* The candidates C of frame F: one, several, or none that the offset fits. */
static void pick(struct ksyms *t, struct candidates *c, const struct decode_frame *f,
		 struct decode_result *r)
{
	static const struct ksyms_filter label = { KSYMS_ANY_MOD, true };
	const char *name = ksyms__name(t, c->v[0].sym);
	size_t w = 0;

	/* no size (ksymtrace's own frames): the offset must fall inside */
	for (size_t i = 0; i < c->n; i++)
		if (f->has_size || !c->v[i].sym->size || f->off < c->v[i].sym->size)
			c->v[w++] = c->v[i];
	c->n = w;
	if (c->n == 0) {
		r->status = DECODE_NOT_FOUND;
		snprintf(r->reason, sizeof(r->reason), "offset 0x%" PRIx64 " is past the end of every %s there",
			 f->off, name);
		return;
	}
	if (c->n == 1) {
		r->status = DECODE_EXACT;
		set_instance(t, c->v[0].sym, f, r);
		return;
	}
	r->status = DECODE_AMBIGUOUS;
	r->n_cand = c->n;
	for (size_t i = 0; i < c->n && i < DECODE_CANDIDATES_MAX; i++)
		r->cand[i] = ksyms__instance(t, c->v[i].sym, &label, &r->count);
}

void decode__resolve(struct ksyms *t, const char *line, const struct decode_frame *f,
		     struct decode_result *r)
{
	static const struct resolve_opts funcs = { .funcs_only = true };
	char text[MOD_NAME_MAX + KSYMS_NAME_MAX + 48];
	struct candidates c = { 0 };
	enum spec_res res;
	struct spec sp;

	memset(r, 0, offsetof(struct decode_result, reason));
	r->reason[0] = '\0';
	/* the frame is a spec: MOD:NAME+OFF/SIZE, vmlinux when no [MOD] */
	snprintf(text, sizeof(text), "%.*s:%.*s+0x%" PRIx64, f->mod_len ? (int)f->mod_len : 7,
		 f->mod_len ? line + f->mod : "vmlinux", (int)f->name_len, line + f->name, f->off);
	if (f->has_size)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "/0x%" PRIx64, f->size);
	if (spec__parse(text, &sp, r->reason, sizeof(r->reason))) {
		r->status = DECODE_BAD;
		return;
	}
	res = spec__resolve(&sp, t, &funcs, &c, r->reason, sizeof(r->reason));
	if (res == SPEC_RES_OK && c.v[0].clone) {
		/* a trace names the clone itself: NAME alone is not in this table */
		res = SPEC_RES_NOT_FOUND;
		snprintf(r->reason, sizeof(r->reason), "%s: no such function (only its compiler clones)",
			 text);
	}
	if (res == SPEC_RES_OK)
		pick(t, &c, f, r);
	else if (res == SPEC_RES_BAD_SIZE)
		size_differs(t, &sp, f, r);
	else
		r->status = DECODE_NOT_FOUND;
	candidates__free(&c);
	spec__free(&sp);
}
