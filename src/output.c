// SPDX-License-Identifier: GPL-2.0
#include "output.h"

#include <inttypes.h>
#include <string.h>

char *format_label(char *buf, size_t len, const char *name, uint64_t off, uint32_t index,
		   uint32_t count)
{
	int n = snprintf(buf, len, "%s", name);

	if (off && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "+0x%" PRIx64, off);
	if (count > 1 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "#%u", index);
	return buf;
}

void sym_printer__init(struct sym_printer *p, FILE *out, const struct ksyms *t,
		       const struct traceable *tr, bool json)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->t = t;
	p->tr = tr;
	p->json = json;
	json_init(&p->j, out);
	p->mod_width = 7; /* "vmlinux" */
	for (size_t i = 1; i < ksyms__mod_count(t); i++) {
		int w = (int)strlen(ksyms__mod_name(t, (uint16_t)i));

		if (w > p->mod_width && w <= 40)
			p->mod_width = w;
	}
}

void sym_printer__fit(struct sym_printer *p, const struct candidates *c)
{
	p->mod_width = 7; /* "vmlinux" */
	for (size_t i = 0; i < c->n; i++) {
		int w = (int)strlen(ksyms__mod_name(p->t, c->v[i].sym->mod));

		if (w > p->mod_width && w <= 40)
			p->mod_width = w;
	}
}

void sym_printer__header(struct sym_printer *p, const struct spec *sp,
			 const struct candidates *c, size_t from, size_t n)
{
	const struct target *first = &c->v[from];

	if (p->json)
		return;
	if (sp->is_addr) {
		char label[600];

		format_label(label, sizeof(label), ksyms__name(p->t, first->sym), first->off,
			     first->index, first->count);
		fprintf(p->out, "%s: %s [%s]", sp->text, label, ksyms__mod_name(p->t, first->sym->mod));
		if (n > 1)
			fprintf(p->out, ", %zu names at 0x%" PRIx64, n, first->sym->addr);
		fputc('\n', p->out);
		return;
	}
	if (first->clone) {
		fprintf(p->out, "%s: no exact match; %zu compiler clone%s\n", sp->text, n,
			n == 1 ? "" : "s");
		return;
	}
	fprintf(p->out, "%s: %zu %s\n", sp->text, n,
		sp->glob ? (n == 1 ? "match" : "matches") : (n == 1 ? "instance" : "instances"));
}

static const char *tri_word(enum tri v)
{
	return v == TRI_TRUE ? "yes" : v == TRI_FALSE ? "no" : "?";
}

static void aliases_json(struct sym_printer *p, const struct ksym *s)
{
	size_t lo, hi;

	json_key(&p->j, "aliases");
	json_arr_begin(&p->j);
	ksyms__by_addr(p->t, s->addr, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct ksym *a = ksyms__at(p->t, i);

		if (a != s && a->mod == s->mod)
			json_str(&p->j, ksyms__name(p->t, a));
	}
	json_arr_end(&p->j);
}

static void row_json(struct sym_printer *p, const struct target *tg, const char *query,
		     bool addr_query)
{
	const struct ksym *s = tg->sym;
	char type[2] = { s->type, 0 };

	json_obj_begin(&p->j);
	json_kstr(&p->j, "name", ksyms__name(p->t, s));
	json_khex(&p->j, "addr", s->addr);
	json_kstr(&p->j, "type", type);
	json_kstr(&p->j, "module", ksyms__mod_name(p->t, s->mod));
	json_key(&p->j, "size");
	if (s->size)
		json_u64(&p->j, s->size);
	else
		json_null(&p->j);
	json_ku64(&p->j, "index", tg->index);
	json_ku64(&p->j, "count", tg->count);
	json_key(&p->j, "traceable");
	if (p->tr && traceable__get(p->tr, s) != TRI_UNKNOWN)
		json_bool(&p->j, traceable__get(p->tr, s) == TRI_TRUE);
	else
		json_null(&p->j);
	aliases_json(p, s);
	json_kbool(&p->j, "clone", tg->clone);
	json_kstr(&p->j, "query", query);
	if (addr_query)
		json_khex(&p->j, "offset", tg->off);
	json_obj_end(&p->j);
}

static void row_text(struct sym_printer *p, const struct target *tg, bool addr_query)
{
	const struct ksym *s = tg->sym;
	char label[600], size[24];
	size_t lo, hi, shown = 0;

	format_label(label, sizeof(label), ksyms__name(p->t, s), addr_query ? tg->off : 0,
		     tg->index, tg->count);
	if (s->size)
		snprintf(size, sizeof(size), "%u", s->size);
	else
		snprintf(size, sizeof(size), "?");
	fprintf(p->out, "  %016" PRIx64 "  %c  %-*s %7s", s->addr, s->type, p->mod_width,
		ksyms__mod_name(p->t, s->mod), size);
	if (p->tr)
		fprintf(p->out, "  %-3s", tri_word(traceable__get(p->tr, s)));
	fprintf(p->out, "  %s", label);
	if (tg->clone)
		fputs("  (clone)", p->out);
	/* the other names at this start, unless an address query lists them as rows */
	if (!addr_query) {
		ksyms__by_addr(p->t, s->addr, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			const struct ksym *a = ksyms__at(p->t, i);

			if (a == s || a->mod != s->mod)
				continue;
			if (shown == 3) {
				fprintf(p->out, " ...(%zu)", hi - lo - 1);
				break;
			}
			fprintf(p->out, "%s%s", shown++ ? " " : "  = ", ksyms__name(p->t, a));
		}
	}
	fputc('\n', p->out);
}

void sym_printer__row(struct sym_printer *p, const struct target *tg, const char *query,
		      bool addr_query)
{
	if (p->json)
		row_json(p, tg, query, addr_query);
	else
		row_text(p, tg, addr_query);
}
