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

struct sym_printer {
	FILE *out;
	const struct ksyms *t;
	const struct traceable *tr; /* NULL: traceable not asked for (JSON null) */
	bool json;
	int mod_width; /* text: widest module name */
	struct json j;
};

void sym_printer__init(struct sym_printer *p, FILE *out, const struct ksyms *t,
		       const struct traceable *tr, bool json);
/* Text: size the module column to the rows about to be printed. */
void sym_printer__fit(struct sym_printer *p, const struct candidates *c);
/* Text: "QUERY: N instances" (or what an address falls in); JSON: nothing. */
void sym_printer__header(struct sym_printer *p, const struct spec *sp,
			 const struct candidates *c, size_t from, size_t n);
/* One symbol: a text row or a JSON object. QUERY is the spec it answers (JSON
 * "query"; NULL prints null); ADDR_QUERY adds "offset". */
void sym_printer__row(struct sym_printer *p, const struct target *tg, const char *query,
		      bool addr_query);

/* "name+0xoff#N": the probe label, itself a valid spec. #N only when the name has
 * more than one instance, +0xoff only when OFF is not 0. Returns BUF. */
char *format_label(char *buf, size_t len, const char *name, uint64_t off, uint32_t index,
		   uint32_t count);

#endif
