// SPDX-License-Identifier: GPL-2.0
#include "output.h"

#include <inttypes.h>
#include <string.h>

char *format_label(char *buf, size_t len, const char *name, uint64_t off, uint32_t index,
		   uint32_t count)
{
	int n;

	if (!off && count <= 1) { /* most rows: the name as it is, no printf */
		size_t l = strnlen(name, len - 1);

		memcpy(buf, name, l);
		buf[l] = '\0';
		return buf;
	}
	n = snprintf(buf, len, "%s", name);

	if (off && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "+0x%" PRIx64, off);
	if (count > 1 && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "#%u", index);
	return buf;
}

/* ---- one symbol row -------------------------------------------------------------- */

static const char *tri_word(enum tri v)
{
	return v == TRI_TRUE ? "yes" : v == TRI_FALSE ? "no" : "?";
}

/* A table of every function is 120k rows, and printf's parse of its format was
 * most of list's time: the cells are made and laid out by hand. */
static void hex16(char out[17], uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 0xf];
	out[16] = '\0';
}

static void decimal(char *out, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*out++ = tmp[--n];
	*out = '\0';
}

void sym_cells__fill(struct sym_cells *c, const struct ksyms *t, const struct ksym *s,
		     const struct traceable *trc)
{
	memset(c->v, 0, sizeof(c->v));
	if (ksym_loaded(s))
		hex16(c->addr, s->addr);
	else /* its addr is a placement key (ksyms.h), not an address */
		snprintf(c->addr, sizeof(c->addr), "%-16s", "(not loaded)");
	c->type[0] = s->type;
	c->type[1] = '\0';
	if (s->size)
		decimal(c->size, s->size);
	else
		memcpy(c->size, "?", 2);
	c->v[COL_ADDR] = c->addr;
	c->v[COL_TYPE] = c->type;
	c->v[COL_MODULE] = ksyms__mod_name(t, s->mod);
	c->v[COL_SIZE] = c->size;
	c->v[COL_TRACEABLE] = trc ? tri_word(traceable__get(trc, s)) : "?";
}

static void spaces(FILE *out, size_t n)
{
	static const char blank[] = "                                ";

	for (size_t k; n; n -= k) {
		k = n < sizeof(blank) - 1 ? n : sizeof(blank) - 1;
		fwrite(blank, 1, k, out);
	}
}

void sym_cols__print(FILE *out, const struct sym_col *cols, size_t n, const struct sym_cells *c)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = c->v[cols[i].id] ? c->v[cols[i].id] : "";

		int w = cols[i].width < 0 ? -cols[i].width : cols[i].width;
		size_t len = strlen(v), pad = len < (size_t)w ? (size_t)w - len : 0;

		if (cols[i].id == COL_CLONE && !*v)
			continue;
		/* as "%s%*s" would: right-aligned to a positive width, left to a negative */
		fputs(cols[i].sep, out);
		if (cols[i].width > 0)
			spaces(out, pad);
		fwrite(v, 1, len, out);
		if (cols[i].width < 0)
			spaces(out, pad);
	}
}

void sym_cols__titles(FILE *out, const struct sym_col *cols, size_t n)
{
	struct sym_cells titles = { 0 };

	for (size_t i = 0; i < n; i++)
		titles.v[cols[i].id] = cols[i].title;
	sym_cols__print(out, cols, n, &titles);
}

void sym_cols__fit(int *w, size_t len, int max)
{
	if ((int)len > *w)
		*w = (int)len < max ? (int)len : max;
}

void sym_json_size(struct json *j, const struct ksym *s)
{
	json_key(j, "size");
	if (s->size)
		json_u64(j, s->size);
	else
		json_null(j);
}

void sym_json_traceable(struct json *j, const struct traceable *trc, const struct ksym *s)
{
	enum tri ok = trc ? traceable__get(trc, s) : TRI_UNKNOWN;

	json_key(j, "traceable");
	if (ok == TRI_UNKNOWN)
		json_null(j);
	else
		json_bool(j, ok == TRI_TRUE);
}

/* ---- resolve and list --------------------------------------------------------------- */

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

void sym_printer__fit_mod(struct sym_printer *p, const char *mod)
{
	int w = (int)strlen(mod);

	p->mod_width = w > 7 && w <= 40 ? w : 7;
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

/* The other names at S's start (the same code, whatever module kallsyms
 * puts them in): the first ALIASES_SHOWN, and how many there are. A row shows
 * a few, as every row of a table with k names at one address showing all of
 * them would print k^2 names (20,000 aliases made 1.88 GB of JSON in 35 s);
 * and both cost O(1) a row, however many names share the address. */
#define ALIASES_SHOWN 3

struct aliases {
	const struct ksym *shown[ALIASES_SHOWN];
	size_t n_shown, total;
};

static void aliases_of(const struct sym_printer *p, const struct ksym *s, struct aliases *a)
{
	const struct ksyms *t = ksyms__owner(p->t, s); /* a module not loaded: its table */
	size_t lo, hi;

	ksyms__by_addr(t, s->addr, &lo, &hi);
	a->total = hi - lo - 1;
	a->n_shown = 0;
	for (size_t i = lo; i < hi && a->n_shown < ALIASES_SHOWN; i++)
		if (ksyms__at(t, i) != s)
			a->shown[a->n_shown++] = ksyms__at(t, i);
}

static void aliases_json(struct sym_printer *p, const struct ksym *s)
{
	struct aliases a;

	aliases_of(p, s, &a);
	json_key(&p->j, "aliases");
	json_arr_begin(&p->j);
	for (size_t i = 0; i < a.n_shown; i++)
		json_str(&p->j, ksyms__name(p->t, a.shown[i]));
	json_arr_end(&p->j);
	json_ku64(&p->j, "aliases_total", a.total);
}

/* --proto's members: "proto", "kfunc", "proto_note". */
static void proto_json(struct sym_printer *p, const struct target *tg)
{
	struct sym_proto sp = { NULL, NULL, TRI_UNKNOWN };

	p->proto_fn(p->proto_ctx, tg, &sp);
	json_key(&p->j, "proto");
	if (sp.proto)
		json_str(&p->j, sp.proto);
	else
		json_null(&p->j);
	json_key(&p->j, "kfunc");
	if (sp.kfunc == TRI_UNKNOWN)
		json_null(&p->j);
	else
		json_bool(&p->j, sp.kfunc == TRI_TRUE);
	json_key(&p->j, "proto_note");
	if (sp.note)
		json_str(&p->j, sp.note);
	else
		json_null(&p->j);
}

/* --proto's line under a row: the prototype and what to know about it. */
static void proto_text(struct sym_printer *p, const struct target *tg)
{
	struct sym_proto sp = { NULL, NULL, TRI_UNKNOWN };

	p->proto_fn(p->proto_ctx, tg, &sp);
	if (!sp.proto && !sp.note)
		return;
	fprintf(p->out, "      %s%s", sp.proto ? sp.proto : "(no prototype)",
		sp.kfunc == TRI_TRUE ? "  [kfunc]" : "");
	if (sp.note)
		fprintf(p->out, "  [%s]", sp.note);
	fputc('\n', p->out);
}

static void row_json(struct sym_printer *p, const struct target *tg, const char *query,
		     bool addr_query)
{
	const struct ksym *s = tg->sym;
	char type[2] = { s->type, 0 };

	json_obj_begin(&p->j);
	json_kstr(&p->j, "name", ksyms__name(p->t, s));
	if (ksym_loaded(s)) {
		json_khex(&p->j, "addr", s->addr);
	} else { /* from the file of a module that is not loaded: no address yet */
		json_knull(&p->j, "addr");
		json_kbool(&p->j, "loaded", false);
		json_kbool(&p->j, "init", s->flags & KSYM_INIT);
	}
	json_kstr(&p->j, "type", type);
	json_kstr(&p->j, "module", ksyms__mod_name(p->t, s->mod));
	sym_json_size(&p->j, s);
	json_ku64(&p->j, "index", tg->index);
	json_ku64(&p->j, "count", tg->count);
	sym_json_traceable(&p->j, p->tr, s);
	aliases_json(p, s);
	json_kbool(&p->j, "clone", tg->clone);
	json_kstr(&p->j, "query", query);
	if (addr_query)
		json_khex(&p->j, "offset", tg->off);
	if (p->proto_fn)
		proto_json(p, tg);
	json_obj_end(&p->j);
}

/* The other names at S's start, after its row. */
static void aliases_text(struct sym_printer *p, const struct ksym *s)
{
	struct aliases a;

	aliases_of(p, s, &a);
	for (size_t i = 0; i < a.n_shown; i++)
		fprintf(p->out, "%s%s", i ? " " : "  = ", ksyms__name(p->t, a.shown[i]));
	if (a.total > a.n_shown)
		fprintf(p->out, " ...(%zu)", a.total);
}

static void row_text(struct sym_printer *p, const struct target *tg, bool addr_query)
{
	struct sym_col cols[7];
	struct sym_cells c;
	size_t n = 0;

	cols[n++] = (struct sym_col){ COL_ADDR, "ADDRESS", 0, "  " };
	cols[n++] = (struct sym_col){ COL_TYPE, "TYPE", 0, "  " };
	cols[n++] = (struct sym_col){ COL_MODULE, "MODULE", -p->mod_width, "  " };
	cols[n++] = (struct sym_col){ COL_SIZE, "SIZE", 7, " " };
	if (p->tr) /* asked for with --traceable */
		cols[n++] = (struct sym_col){ COL_TRACEABLE, "TRACEABLE", -3, "  " };
	cols[n++] = (struct sym_col){ COL_LABEL, "NAME", 0, "  " };
	cols[n++] = (struct sym_col){ COL_CLONE, "", 0, "  " };
	sym_cells__fill(&c, p->t, tg->sym, p->tr);
	c.v[COL_LABEL] = format_label(c.label, sizeof(c.label), ksyms__name(p->t, tg->sym),
				      addr_query ? tg->off : 0, tg->index, tg->count);
	/* init code of a module not loaded: the kernel frees it after init */
	c.v[COL_CLONE] = tg->clone ? "(clone)" : (tg->sym->flags & KSYM_INIT) ? "(init)" : "";
	sym_cols__print(p->out, cols, n, &c);
	/* the other names at this start, unless an address query lists them as rows */
	if (!addr_query)
		aliases_text(p, tg->sym);
	fputc('\n', p->out);
	if (p->proto_fn)
		proto_text(p, tg);
}

void sym_printer__row(struct sym_printer *p, const struct target *tg, const char *query,
		      bool addr_query)
{
	if (p->json)
		row_json(p, tg, query, addr_query);
	else
		row_text(p, tg, addr_query);
}
