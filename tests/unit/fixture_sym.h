/* SPDX-License-Identifier: GPL-2.0 */
/* Unit tests pick fixture symbols by name, instance and module. */
#ifndef KSYMTRACE_FIXTURE_SYM_H
#define KSYMTRACE_FIXTURE_SYM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

/* The Nth symbol (1-based, address order) named NAME in module MOD ("vmlinux")
 * of T; a fixture without it ends the test. */
static inline const struct ksym *fixture_sym(const struct ksyms *t, const char *name, unsigned int n,
					     const char *mod)
{
	for (size_t i = 0; i < ksyms__count(t); i++) {
		const struct ksym *s = ksyms__at(t, i);

		if (strcmp(ksyms__name(t, s), name) == 0 &&
		    strcmp(ksyms__mod_name(t, s->mod), mod) == 0 && --n == 0)
			return s;
	}
	fprintf(stderr, "no %s in the fixture\n", name);
	exit(1);
}

#endif
