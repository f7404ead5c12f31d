// SPDX-License-Identifier: GPL-2.0
/* Choosing among a spec's candidates. See choose.h. */
#define _GNU_SOURCE
#include "choose.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "log.h"
#include "output.h"

bool choose__can_ask(void)
{
	/* the menu is written to stderr and read from stdin: both must be a person */
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* ---- narrowing ---------------------------------------------------------------- */

static void keep_selected(struct candidates *c, const bool *sel)
{
	size_t w = 0;

	for (size_t i = 0; i < c->n; i++)
		if (sel[i])
			c->v[w++] = c->v[i];
	c->n = w;
}

/* An address names one place: its symbol's aliases are the same place. */
static void drop_aliases(struct candidates *c)
{
	size_t w = 0;

	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].alias)
			c->v[w++] = c->v[i];
	c->n = w;
}

/* Why a glob's match S cannot be traced, or NULL when it can. A .cold piece
 * goes even with --force: it has no entry (checks.c says why). */
static const char *untraceable(const struct ksyms *t, const struct ksym *s, const struct choose_opts *o)
{
	const char *name = ksyms__name(t, s);

	if (!checks__is_kernel_code(t, s))
		return strncmp(name, "__pfx_", 6) == 0 ? "padding before a function" : "generated code";
	if (ksyms__is_cold(name))
		return "a .cold piece, not a function entry";
	if (o->tr && traceable__blacklisted(o->tr, s) == TRI_TRUE)
		return "in the kprobes blacklist";
	if (o->tr && !o->force && traceable__ftrace(o->tr, s) == TRI_FALSE)
		return "notrace (not in available_filter_functions)";
	return NULL;
}

/* A glob's matches nobody named one by one (FULL): leave out what cannot be
 * traced rather than refuse the whole run over it, in one line; -v lists them.
 * The compiler clones a name without an exact match offers (!FULL): only the
 * .cold pieces go, each said (the rest is checked one by one, as named). */
static void drop_untraceable(const struct ksyms *t, const char *text, struct candidates *c,
			     const struct choose_opts *o, bool full)
{
	size_t w = 0, dropped = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct ksym *s = c->v[i].sym;
		const char *name = ksyms__name(t, s);
		const char *why = full ? untraceable(t, s, o)
				  : ksyms__is_cold(name) ? "a .cold piece, not a function entry" : NULL;

		if (!why) {
			c->v[w++] = c->v[i];
		} else if (!full) {
			log_note("%s: left out %s [%s]: %s", text, name, ksyms__mod_name(t, s->mod), why);
		} else {
			if (!dropped++)
				log_verbose("%s: left out:", text);
			log_verbose("  %s [%s] 0x%" PRIx64 ": %s", name, ksyms__mod_name(t, s->mod), s->addr, why);
		}
	}
	c->n = w;
	if (dropped)
		log_note("%s: left out %zu match%s that cannot be traced (padding, generated code, .cold pieces, blacklisted or notrace%s%s)",
			 text, dropped, dropped == 1 ? "" : "es", o->force ? "" : "; --force keeps notrace ones",
			 log_level >= LOG_VERBOSE ? "" : "; -v lists them");
}

void choose__keep_traceable(const struct ksyms *t, const char *text, struct candidates *c,
			    const struct choose_opts *o)
{
	drop_untraceable(t, text, c, o, true);
}

void choose__clones_note(const struct ksyms *t, const struct spec *sp,
			 const struct candidates *clones, enum clones_note how)
{
	char names[3 * (KSYMS_NAME_MAX + 8)] = "";
	size_t len = 0, shown = clones->n < 3 ? clones->n : 3;
	const char *them = clones->n == 1 ? "it" : "them";

	if (!clones->n)
		return;
	for (size_t i = 0; i < shown && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i == 0 ? "" : i + 1 == clones->n ? " and " : ", ",
					ksyms__name(t, clones->v[i].sym));
	if (clones->n > shown && len < sizeof(names))
		snprintf(names + len, sizeof(names) - len, " and %zu more", clones->n - shown);
	if (how == CLONES_ADDED)
		log_note("%s: with its compiler clone%s %s (--clones)", sp->text, clones->n == 1 ? "" : "s", names);
	else
		log_note("%s: also compiled as %s: calls through %s are not traced%s; %s--clones adds %s",
			 sp->text, names, them, how == CLONES_RESOLVE ? " by a probe on the name" : "",
			 how == CLONES_RESOLVE ? "attach " : "", them);
}

/* ---- the list and the menu ---------------------------------------------------- */

static const char *what_matched(const struct spec *sp, const struct candidates *c)
{
	if (c->v[0].clone)
		return "compiler clones and no exact name";
	return sp->glob ? "functions match" : "functions have that name";
}

static void print_candidates(const struct ksyms *t, const struct candidates *c,
			     const struct choose_opts *o)
{
	struct sym_col cols[] = {
		{ COL_INDEX, "#", 5, "" },
		{ COL_ADDR, "ADDRESS", -16, "  " },
		{ COL_TYPE, "TYPE", -4, "  " },
		{ COL_MODULE, "MODULE", -6, "  " },
		{ COL_SIZE, "SIZE", 7, "  " },
		{ COL_TRACEABLE, "TRACEABLE", -9, "  " },
		{ COL_LABEL, "NAME", 0, "  " },
		{ COL_CLONE, "", 0, "  " },
	};
	size_t n = sizeof(cols) / sizeof(cols[0]);
	int mw = 6;

	for (size_t i = 0; i < c->n; i++)
		sym_cols__fit(&mw, strlen(ksyms__mod_name(t, c->v[i].sym->mod)), 24);
	cols[3].width = -mw;
	sym_cols__titles(o->out, cols, n);
	fputc('\n', o->out);
	for (size_t i = 0; i < c->n; i++) {
		const struct target *tg = &c->v[i];
		struct sym_cells cells;

		sym_cells__fill(&cells, t, tg->sym, o->tr);
		snprintf(cells.index, sizeof(cells.index), "%zu", i + 1);
		cells.v[COL_INDEX] = cells.index;
		cells.v[COL_LABEL] = format_label(cells.label, sizeof(cells.label),
						  ksyms__name(t, tg->sym), 0, tg->index, tg->count);
		cells.v[COL_CLONE] = tg->clone ? "(clone)" : "";
		sym_cols__print(o->out, cols, n, &cells);
		fputc('\n', o->out);
	}
}

/* SPEC spelled again with #N in place: "[MOD:]NAME[+0xOFF]#N[%return]". */
static void spell_instance(char *buf, size_t len, const struct spec *sp, uint32_t n)
{
	char off[24] = "";

	if (sp->has_off)
		snprintf(off, sizeof(off), "+0x%" PRIx64, sp->off);
	snprintf(buf, len, "%s%s%s%s#%u%s", sp->mod ? sp->mod : "", sp->mod ? ":" : "", sp->name, off,
		 n, sp->ret ? "%return" : "");
}

/* How to say which, in spellings the user can paste. */
static void explain_choices(const struct ksyms *t, const struct spec *sp,
			    const struct candidates *c)
{
	char first[KSYMS_NAME_MAX + 96], last[KSYMS_NAME_MAX + 96];
	bool many_modules = false, clones = false;

	for (size_t i = 0; i < c->n; i++) {
		many_modules |= c->v[i].sym->mod != c->v[0].sym->mod;
		clones |= c->v[i].clone;
	}
	if (sp->glob || clones) {
		log_hint("name one of them (%s%s), or --all for all %zu", ksyms__name(t, c->v[0].sym),
			 c->n > 1 ? ", ..." : "", c->n);
		return;
	}
	spell_instance(first, sizeof(first), sp, 1);
	spell_instance(last, sizeof(last), sp, c->v[c->n - 1].index);
	log_hint("say which with %s .. %s, or NAME@ADDR or --addr ADDR with an address from the list (%s@0x%" PRIx64 "),%s or --all for every one",
		 first, last, sp->name, c->v[0].sym->addr,
		 many_modules ? " --module MOD for one module's," : "");
}

static bool is_sep(char ch)
{
	return ch == ',' || isspace((unsigned char)ch);
}

int choose__parse_answer(const char *line, size_t n, bool *sel, char *err, size_t errlen)
{
	const char *p = line;
	size_t len;
	bool any = false;

	memset(sel, 0, n * sizeof(*sel));
	while (*p && isspace((unsigned char)*p))
		p++;
	len = strlen(p);
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (len == 0) {
		snprintf(err, errlen, "nothing chosen: type a number from the list, a or q");
		return -1;
	}
	if ((len == 1 && (p[0] == 'q' || p[0] == 'Q')) || (len == 4 && strncmp(p, "quit", 4) == 0))
		return 0;
	if ((len == 1 && (p[0] == 'a' || p[0] == 'A')) || (len == 3 && strncmp(p, "all", 3) == 0)) {
		for (size_t i = 0; i < n; i++)
			sel[i] = true;
		return 1;
	}
	while (len) {
		/* the quote is cut to fit: 32 control bytes quoted are 128 bytes, and
		 * the reason must fit the menu's buffer whole */
		char tok[32], q[40], *dash, *end;
		unsigned long lo, hi;
		size_t tl = 0;

		while (len && is_sep(*p))
			p++, len--;
		while (tl < len && !is_sep(p[tl]))
			tl++;
		if (tl == 0)
			break;
		if (tl >= sizeof(tok)) {
			memcpy(tok, p, 20);
			tok[20] = '\0';
			snprintf(err, errlen, "'%s...' is not a number from the list", log_quote(q, sizeof(q), tok));
			return -1;
		}
		memcpy(tok, p, tl);
		tok[tl] = '\0';
		p += tl;
		len -= tl;
		dash = strchr(tok, '-');
		if (dash)
			*dash = '\0';
		errno = 0;
		lo = strtoul(tok, &end, 10);
		if (!isdigit((unsigned char)tok[0]) || *end || errno) {
			snprintf(err, errlen, "'%s' is not a number: type 2, 1,3, 1-3, a or q",
				 log_quote(q, sizeof(q), tok));
			return -1;
		}
		hi = lo;
		if (dash) {
			hi = strtoul(dash + 1, &end, 10);
			if (!isdigit((unsigned char)dash[1]) || *end || errno || hi < lo) {
				*dash = '-';
				snprintf(err, errlen, "'%s' is not a range: write LOW-HIGH, such as 1-3",
					 log_quote(q, sizeof(q), tok));
				return -1;
			}
		}
		if (lo < 1 || hi > n) {
			snprintf(err, errlen, "%lu is not in the list: choose 1 to %zu", lo < 1 ? lo : hi, n);
			return -1;
		}
		for (unsigned long i = lo; i <= hi; i++)
			sel[i - 1] = true;
		any = true;
	}
	if (!any) {
		snprintf(err, errlen, "nothing chosen: type a number from the list, a or q");
		return -1;
	}
	return 1;
}

static enum choose_res menu(const struct ksyms *t, const struct spec *sp, struct candidates *c,
			    const struct choose_opts *o)
{
	enum choose_res res = CHOOSE_QUIT;
	char *line = NULL, err[128];
	size_t cap = 0;
	bool *sel = calloc(c->n, sizeof(*sel));

	if (!sel) {
		log_error("out of memory");
		return CHOOSE_QUIT;
	}
	fprintf(o->out, "%s: %zu %s:\n", sp->text, c->n, what_matched(sp, c));
	print_candidates(t, c, o);
	for (;;) {
		int r;

		fprintf(o->out, "%s: which? (2, 1,3, 1-3, a = all, q = quit): ", sp->text);
		fflush(o->out);
		if (getline(&line, &cap, o->in) < 0) {
			fputc('\n', o->out); /* end of input: quit, on a line of its own */
			break;
		}
		r = choose__parse_answer(line, c->n, sel, err, sizeof(err));
		if (r == 0)
			break;
		if (r > 0) {
			keep_selected(c, sel);
			res = CHOOSE_OK;
			break;
		}
		fprintf(o->out, "  %s\n", err);
	}
	free(line);
	free(sel);
	return res;
}

enum choose_res choose__pick(const struct ksyms *t, const struct spec *sp, struct candidates *c,
			     const struct choose_opts *o)
{
	if (sp->is_addr)
		drop_aliases(c);
	if (sp->glob || (c->n && c->v[0].clone))
		drop_untraceable(t, sp->text, c, o, sp->glob);
	/* a glob takes every match: one asks for many by writing one */
	if (c->n <= 1 || o->all || sp->glob) {
		if (c->n == 1 && c->v[0].clone)
			log_note("%s: no function has that exact name; tracing its compiler clone %s [%s]",
				 sp->text, ksyms__name(t, c->v[0].sym), ksyms__mod_name(t, c->v[0].sym->mod));
		else if (c->n > 1 && c->v[0].clone)
			log_note("%s: no function has that exact name; tracing its %zu compiler clones",
				 sp->text, c->n);
		return CHOOSE_OK;
	}
	if (o->can_ask)
		return menu(t, sp, c, o);
	log_error("%s: %zu %s; say which to trace (there is no terminal to ask on):", sp->text, c->n,
		  what_matched(sp, c));
	print_candidates(t, c, o);
	explain_choices(t, sp, c);
	return CHOOSE_AMBIGUOUS;
}
