/* SPDX-License-Identifier: GPL-2.0 */
/* Printers for symbols, in plain/JSON pairs fed by the same data. */
#ifndef KSYMTRACE_OUTPUT_H
#define KSYMTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"
#include "ksyms.h"
#include "spec.h"
#include "traceable.h"

/* --proto: what resolve and list show of a symbol's prototype. */
struct sym_proto {
	const char *proto; /* the prototype, or NULL */
	const char *note;  /* why there is none, or what to keep in mind; or NULL */
	enum tri kfunc;    /* tagged bpf_kfunc; TRI_UNKNOWN when BTF cannot tell */
};
typedef void (*sym_proto_fn)(void *ctx, const struct target *tg, struct sym_proto *out);

struct sym_printer {
	FILE *out;
	const struct ksyms *t;
	const struct traceable *tr; /* NULL: traceable not asked for (JSON null) */
	bool json;
	int mod_width; /* text: widest module name */
	struct json j;
	sym_proto_fn proto_fn; /* NULL: --proto not asked for */
	void *proto_ctx;
};

void sym_printer__init(struct sym_printer *p, FILE *out, const struct ksyms *t,
		       const struct traceable *tr, bool json);
/* Text: size the module column to the rows about to be printed. */
void sym_printer__fit(struct sym_printer *p, const struct candidates *c);
/* Text: size it to module MOD's rows only (list -m MOD): not to modules that
 * are not printed, which a snapshot does not even hold (ksyms_cache.h). */
void sym_printer__fit_mod(struct sym_printer *p, const char *mod);
/* Text: "QUERY: N instances" (or what an address falls in); JSON: nothing. */
void sym_printer__header(struct sym_printer *p, const struct spec *sp,
			 const struct candidates *c, size_t from, size_t n);
/* One symbol: a text row or a JSON object. QUERY is the spec it answers (JSON
 * "query"; NULL prints null); ADDR_QUERY adds "offset". */
void sym_printer__row(struct sym_printer *p, const struct target *tg, const char *query,
		      bool addr_query);

/* ---- one symbol row, in every table of symbols ---------------------------------
 * resolve and list, the duplicate menu (choose.c) and the --dry-run plan
 * (events.c) show the same cells of a symbol: sym_cells__fill() makes their
 * text once, and each table is a list of columns that sym_cols__print() lays
 * out, its header included. */

enum sym_col_id {
	COL_INDEX,     /* the menu's number */
	COL_SPEC,      /* the spec as typed */
	COL_LABEL,     /* "name+0xoff#N", as the caller formats it */
	COL_KIND,      /* kprobe / kretprobe */
	COL_ADDR,      /* 16 hex digits */
	COL_TYPE,      /* the kallsyms letter */
	COL_MODULE,    /* "vmlinux" for the core kernel */
	COL_SIZE,      /* bytes, or "?" when unknown */
	COL_TRACEABLE, /* yes / no / ? */
	COL_CLONE,     /* "(clone)" or "": a column only where it is not empty */
	COL_N,
};

struct sym_col {
	enum sym_col_id id;
	const char *title; /* header text */
	int width;         /* printf's: negative aligns left, 0 prints as is */
	const char *sep;   /* printed before the cell */
};

struct sym_cells {
	const char *v[COL_N]; /* the text of each cell; NULL is "" */
	char addr[20], type[2], size[12], index[24];
	char label[KSYMS_NAME_MAX + 96];
};

/* The cells of symbol S: address, type, module, size and, from TRC (NULL:
 * unknown), traceable. The others are the caller's to set. */
void sym_cells__fill(struct sym_cells *c, const struct ksyms *t, const struct ksym *s,
		     const struct traceable *trc);
/* One row of the N columns COLS, without the newline. */
void sym_cols__print(FILE *out, const struct sym_col *cols, size_t n, const struct sym_cells *c);
/* The header: each column's title, laid out as its cells are. */
void sym_cols__titles(FILE *out, const struct sym_col *cols, size_t n);
/* Widen *W to fit LEN, up to MAX. */
void sym_cols__fit(int *w, size_t len, int max);

/* The JSON pair of size and traceable: a number or null, true/false or null. */
void sym_json_size(struct json *j, const struct ksym *s);
void sym_json_traceable(struct json *j, const struct traceable *trc, const struct ksym *s);

/* "name+0xoff#N": the probe label, itself a valid spec. #N only when the name has
 * more than one instance, +0xoff only when OFF is not 0. Returns BUF. */
char *format_label(char *buf, size_t len, const char *name, uint64_t off, uint32_t index,
		   uint32_t count);

#endif
