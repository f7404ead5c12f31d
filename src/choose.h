/* SPDX-License-Identifier: GPL-2.0 */
/* Choosing among the symbols a spec names (DESIGN.md §3): never silently.
 *
 * One candidate is taken (a lone compiler clone with a note saying so); --all
 * takes every one; otherwise, with a terminal on stdin and on stderr, a numbered
 * menu asks; without one, the candidates and the ways to pick are printed and
 * the answer is CHOOSE_AMBIGUOUS (exit 3). #N, @ADDR, --addr and --module have
 * already narrowed the candidates in spec__resolve(). */
#ifndef KSYMTRACE_CHOOSE_H
#define KSYMTRACE_CHOOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ksyms.h"
#include "spec.h"
#include "traceable.h"

struct choose_opts {
	bool all;                   /* --all */
	bool force;                 /* --force: keep a glob's notrace matches */
	bool can_ask;               /* a terminal on stdin and stderr */
	FILE *in;                   /* answers (stdin) */
	FILE *out;                  /* the menu and messages (stderr) */
	const struct traceable *tr; /* the menu's traceable column; NULL: unknown */
};

enum choose_res {
	CHOOSE_OK = 0,
	CHOOSE_AMBIGUOUS, /* several candidates and no way to ask: listed on out */
	CHOOSE_QUIT,      /* the user quit the menu (q, or end of input) */
};

/* Narrow C, the candidates of SP, in place to the ones to attach. */
enum choose_res choose__pick(const struct ksyms *t, const struct spec *sp, struct candidates *c,
			     const struct choose_opts *o);

/* One line about the compiler clones (CLONES, from spec__clones) of SP, an
 * exact name: for resolve and attach, that calls through them are not traced
 * by a probe on the name, and that attach --clones adds them; or that they
 * were added (--clones). */
enum clones_note { CLONES_RESOLVE, CLONES_ATTACH, CLONES_ADDED };
void choose__clones_note(const struct ksyms *t, const struct spec *sp,
			 const struct candidates *clones, enum clones_note how);

/* A glob's way with candidates C (asked for by TEXT): those that cannot be
 * traced (padding, generated code, .cold pieces, blacklisted, notrace without
 * --force) are left out, in one line, and listed with -v. */
void choose__keep_traceable(const struct ksyms *t, const char *text, struct candidates *c,
			    const struct choose_opts *o);

/* Parse a menu answer for N choices: "2", "1,3", "1-3", "2 4", "a" (all), "q"
 * (quit). Fills SEL[0..N) and returns 1 for a choice, 0 for quit, -1 (with a
 * reason in ERR) when the answer makes no sense. */
int choose__parse_answer(const char *line, size_t n, bool *sel, char *err, size_t errlen);

/* Whether ksymtrace may ask: a terminal on both ends of the conversation. */
bool choose__can_ask(void);

#endif
