// SPDX-License-Identifier: GPL-2.0
/* --expect: parse, bind to the plan, count, evaluate, report. See expect.h. */
#define _GNU_SOURCE
#include "expect.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "parse.h"
#include "record.h"

enum expect_kind { EXPECT_HITS, EXPECT_MISSED, EXPECT_RETVAL };
enum expect_op { OP_EQ, OP_NE, OP_GE, OP_LE, OP_GT, OP_LT };
/* how a return register compares with a retval expectation's N */
enum expect_width { W_S32, W_S64, W_U64 };

static const char *const op_text[] = { "==", "!=", ">=", "<=", ">", "<" };

struct expectation {
	const char *text;      /* as typed (the caller's string) */
	char *probe;           /* PROBE: a label, or a glob over labels */
	enum expect_kind kind;
	bool any;              /* retval: any (else all) */
	enum expect_op op;
	uint64_t n;            /* a count, or the literal's 64 bits */
	enum expect_width w;
	bool *member;          /* per probe id: PROBE matches its label */
	/* counted per event (retval) */
	uint64_t returns, matched, first_other;
	/* evaluated */
	bool known;            /* actual is known: else why says why not */
	uint64_t actual;       /* hits, missed, or the returns that matched */
	bool ok;
	char why[200];         /* what the report says after "actual" */
};

struct expect_set {
	struct expectation v[EXPECT_MAX];
	size_t n;
	bool has_retval;
	const struct plan *pl;
	size_t n_probes;
};

/* ---- the grammar --------------------------------------------------------------- */

/* One line: "--expect 'TEXT': what is wrong"; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
static int usage(const char *text, const char *fmt, ...)
{
	char q[LOG_QUOTE_MAX], msg[LOG_QUOTE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("--expect '%s': %s", log_quote(q, sizeof(q), text), msg);
	return EXIT_USAGE;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* PROBE ends at a blank or a comparison; a glob's [..] is taken whole, '!' and
 * all. Returns its end. */
static const char *probe_end(const char *s)
{
	while (*s && !strchr(" \t=!<>", *s)) {
		/* "[]...]": a ']' first is a member; "[]" with none after it closes
		 * nothing, and its '[' is a character like any other */
		const char *close = *s == '[' && strchr(s + 1, ']') ? strchr(s + 2, ']') : NULL;

		s = close ? close + 1 : s + 1;
	}
	return s;
}

/* OP at *S: its code, *S moved past it; -1 when there is none. */
static int parse_op(const char **s)
{
	for (int i = 0; i < 6; i++) {
		size_t len = strlen(op_text[i]);

		if (strncmp(*s, op_text[i], len) == 0) {
			*s += len;
			return i;
		}
	}
	return -1;
}

/* A word at *S that ends at a blank, a comparison or the end. */
static bool take_word(const char **s, const char *word)
{
	size_t len = strlen(word);

	if (strncmp(*s, word, len) || !strchr(" \t=!<>", (*s)[len]))
		return false;
	*s = skip_blanks(*s + len);
	return true;
}

/* N of a retval expectation: its bits and how it compares (expect.h). */
static bool parse_retval_n(const char *s, struct expectation *e)
{
	bool neg = *s == '-';
	uint64_t v;

	if (parse_u64(neg ? s + 1 : s, &v))
		return false;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		e->n = 0 - v;
		e->w = v <= (uint64_t)INT32_MAX + 1 ? W_S32 : W_S64;
	} else {
		e->n = v;
		e->w = v <= INT32_MAX ? W_S32 : v <= INT64_MAX ? W_S64 : W_U64;
	}
	return true;
}

/* "OP N" at S, to its end. */
static int parse_comparison(const char *text, const char *s, struct expectation *e)
{
	int op = parse_op(&s);

	char num[32], q[64];
	size_t len;

	if (op < 0 && *s && strchr("=!<>", *s))
		return usage(text, "'%.*s' is not a comparison: OP is ==, !=, >=, <=, > or <",
			     (int)strspn(s, "=!<>"), s);
	if (op < 0)
		return usage(text, "no comparison%s: write PROBE OP N, such as 'c_start#1 >= 1' (OP: == != >= <= > <)",
			     e->kind == EXPECT_RETVAL ? " after retval [any|all]" : "");
	e->op = (enum expect_op)op;
	s = skip_blanks(s);
	for (len = strlen(s); len && (s[len - 1] == ' ' || s[len - 1] == '\t'); len--)
		;
	if (!len)
		return usage(text, "no number after '%s'", op_text[op]);
	snprintf(num, sizeof(num), "%.*s", (int)len, s);
	if (len >= sizeof(num) || (e->kind == EXPECT_RETVAL ? !parse_retval_n(num, e) : parse_u64(num, &e->n) != 0)) {
		log_quote(q, sizeof(q), num);
		if (e->kind != EXPECT_RETVAL && *s == '-')
			return usage(text, "'%s': a count is never negative", q);
		return usage(text, "'%s' is not a number (decimal or 0x hex, 64 bits at most)", q);
	}
	return EXIT_OK;
}

static int parse_one(const char *text, struct expectation *e)
{
	const char *s = skip_blanks(text), *end;

	e->text = text;
	if (strncmp(s, "missed:", 7) == 0) {
		e->kind = EXPECT_MISSED;
		s += 7;
	}
	end = probe_end(s);
	if (end == s)
		return usage(text, "no PROBE: write PROBE OP N, such as 'c_start#1 >= 1'");
	if (!(e->probe = strndup(s, (size_t)(end - s)))) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	if (log_safe_span(e->probe) != strlen(e->probe))
		return usage(text, "PROBE holds a control byte: give a probe label as the summary prints it");
	s = skip_blanks(end);
	if (take_word(&s, "retval")) {
		if (e->kind == EXPECT_MISSED)
			return usage(text, "a missed count has no return values: drop missed: or retval");
		e->kind = EXPECT_RETVAL;
		if (take_word(&s, "any"))
			e->any = true;
		else
			take_word(&s, "all");
	} else if (*s && !strchr("=!<>", *s)) {
		char q[64];

		log_quote(q, sizeof(q), s);
		return usage(text, "'%s': after PROBE comes OP N, or retval [any|all] OP N", q);
	}
	return parse_comparison(text, s, e);
}

int expect__parse(const char *const *texts, size_t n, bool events, struct expect_set **out)
{
	struct expect_set *ex;

	*out = NULL;
	if (n == 0)
		return EXIT_OK;
	if (n > EXPECT_MAX) {
		log_error("--expect: at most %d expectations in one run", EXPECT_MAX);
		return EXIT_USAGE;
	}
	if (!(ex = calloc(1, sizeof(*ex)))) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		int ret = parse_one(texts[i], &ex->v[ex->n++]);

		if (ret == EXIT_OK && ex->v[i].kind == EXPECT_RETVAL && !events)
			ret = usage(texts[i], "--count sends no events, so no return values: drop --count");
		if (ret != EXIT_OK) {
			expect__free(ex);
			return ret;
		}
		ex->has_retval |= ex->v[i].kind == EXPECT_RETVAL;
	}
	*out = ex;
	return EXIT_OK;
}

/* ---- against the plan ---------------------------------------------------------- */

/* PR's label as the summary prints it: "label" or "label%return". */
static const char *summary_label(char *buf, size_t len, const struct probe *pr)
{
	snprintf(buf, len, "%s%s", pr->label, pr->ret ? "%return" : "");
	return buf;
}

/* The labels of PL for a message: the first few, and how many more. */
static const char *some_labels(char *buf, size_t len, const struct plan *pl)
{
	size_t n = plan__count(pl), shown = 0, at = 0;
	char label[KSYMS_NAME_MAX + 128];

	buf[0] = '\0';
	for (size_t i = 0; i < n && shown < 8; i++, shown++) {
		int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "",
				 summary_label(label, sizeof(label), plan__probe(pl, i)));

		if (w < 0 || (size_t)w >= len - at - 24)
			break;
		at += (size_t)w;
	}
	if (shown < n)
		snprintf(buf + at, len - at, " (and %zu more)", n - shown);
	return buf;
}

static int bind_one(struct expectation *e, const struct plan *pl)
{
	size_t n = plan__count(pl), hits = 0;
	char label[KSYMS_NAME_MAX + 128], list[512];
	const char *kprobe = NULL;

	if (!(e->member = calloc(n ? n : 1, sizeof(*e->member)))) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct probe *pr = plan__probe(pl, i);

		summary_label(label, sizeof(label), pr);
		if (fnmatch(e->probe, label, 0) != 0)
			continue;
		e->member[i] = true;
		hits++;
		if (!pr->ret && !kprobe)
			kprobe = pr->label;
	}
	if (hits == 0)
		return usage(e->text, "%s %s; the probes are: %s", strpbrk(e->probe, "*?[") ?
			     "no probe's label matches" : "no probe is labelled", e->probe,
			     some_labels(list, sizeof(list), pl));
	if (e->kind == EXPECT_RETVAL && kprobe)
		return usage(e->text, "%s is a kprobe: return values are a kretprobe's (%s%%return)", kprobe,
			     kprobe);
	return EXIT_OK;
}

int expect__bind(struct expect_set *ex, const struct plan *pl)
{
	if (!ex)
		return EXIT_OK;
	ex->pl = pl;
	ex->n_probes = plan__count(pl);
	for (size_t i = 0; i < ex->n; i++) {
		int ret = bind_one(&ex->v[i], pl);

		if (ret != EXIT_OK)
			return ret;
	}
	return EXIT_OK;
}

/* ---- counting and comparing ---------------------------------------------------- */

/* A OP B, as the width says: signed when it is not W_U64. */
static bool compare(enum expect_op op, uint64_t a, uint64_t b, bool is_signed)
{
	int c = is_signed ? ((int64_t)a > (int64_t)b) - ((int64_t)a < (int64_t)b) : (a > b) - (a < b);

	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_GE: return c >= 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_LT: return c < 0;
	}
	return false;
}

/* A return register as the expectation compares it: W_S32 keeps the low 32
 * bits, sign-extended. */
static uint64_t as_width(const struct expectation *e, uint64_t reg)
{
	return e->w == W_S32 ? (uint64_t)(int64_t)(int32_t)(uint32_t)reg : reg;
}

void expect__event(struct expect_set *ex, const struct event *ev)
{
	if (!ex || !ex->has_retval || !ev->ret || ev->probe >= ex->n_probes)
		return;
	for (size_t i = 0; i < ex->n; i++) {
		struct expectation *e = &ex->v[i];
		uint64_t v;

		if (e->kind != EXPECT_RETVAL || !e->member[ev->probe])
			continue;
		v = as_width(e, ev->retval);
		if (compare(e->op, v, e->n, e->w != W_U64))
			e->matched++;
		else if (e->returns - e->matched == 0)
			e->first_other = v;
		e->returns++;
	}
}

/* ---- after the run ------------------------------------------------------------- */

/* The kernel's count of probe ID's missed hits, the one the summary's MISSED
 * column prints (tracer.h). Unknown where the kernel keeps none (before Linux
 * 6.7 for a BPF kprobe) or keeps one for several probes at once (a
 * kprobe_multi link): then false, and an expectation on it fails rather than
 * pass on a count nobody made. */
static bool missed_of(const struct tracer_stats *st, size_t id, uint64_t *out)
{
	*out = 0;
	if (!st->missed || st->missed[id] == TRACER_MISSED_UNKNOWN)
		return false;
	*out = st->missed[id];
	return true;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The hits (or missed hits) of every probe E matches, into E->actual; false
 * with E->why set when a count is unknown. */
static bool sum_counts(struct expectation *e, const struct plan *pl, const struct tracer_stats *st)
{
	e->actual = 0;
	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *pr = plan__probe(pl, i);
		uint64_t v = st->hits[i];

		if (!e->member[i])
			continue;
		if (!st->attached[i]) {
			snprintf(e->why, sizeof(e->why), "%.60s%s was not attached: its hits are unknown",
				 pr->label, pr->ret ? "%return" : "");
			return false;
		}
		if (e->kind == EXPECT_MISSED && !missed_of(st, i, &v)) {
			/* as the summary's notes tell the two apart (summary.c) */
			if (st->shared && !st->unavailable)
				snprintf(e->why, sizeof(e->why),
					 "%.60s%s's misses are counted with other probes' (a kprobe_multi link): --no-multi counts them per probe",
					 pr->label, pr->ret ? "%return" : "");
			else
				snprintf(e->why, sizeof(e->why), "missed counts are not available on this kernel");
			return false;
		}
		e->actual = add_sat(e->actual, v);
	}
	return true;
}

/* A count: the hits the kernel could not tell the probe of (UNKNOWN) may be
 * this expectation's too, so it holds only if it holds for every total from
 * actual to actual + unknown. */
static void evaluate_count(struct expectation *e, const struct plan *pl, const struct tracer_stats *st)
{
	uint64_t hi;

	e->known = sum_counts(e, pl, st);
	if (!e->known)
		return;
	hi = e->kind == EXPECT_HITS ? add_sat(e->actual, st->unknown) : e->actual;
	e->ok = compare(e->op, e->actual, e->n, false) && compare(e->op, hi, e->n, false);
	if (e->op == OP_NE)
		e->ok = e->n < e->actual || e->n > hi;
	snprintf(e->why, sizeof(e->why), "actual: %" PRIu64 " %s%s", e->actual,
		 e->kind == EXPECT_MISSED ? "missed" : e->actual == 1 ? "hit" : "hits",
		 hi == e->actual ? "" : ", and some of the unidentified events may be its own");
}

/* V as E's N compares it: signed decimal unless W_U64. */
static const char *num_text(char *buf, size_t len, const struct expectation *e, uint64_t v)
{
	if (e->w == W_U64)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRId64, (int64_t)v);
	return buf;
}

/* Returns: every return compared (all), at least one true (any). Returns that
 * the kernel counted but never delivered (a full ring buffer) leave all
 * unknowable, and any unknowable unless one already compared true. */
static void evaluate_retval(struct expectation *e, const struct plan *pl, const struct tracer_stats *st)
{
	uint64_t hits = 0, lost;
	char other[48] = "", n[24], first[24];

	for (size_t i = 0; i < plan__count(pl); i++)
		if (e->member[i])
			hits = add_sat(hits, st->hits[i]);
	lost = hits > e->returns ? hits - e->returns : 0;
	e->known = true;
	e->actual = e->matched;
	if (e->any)
		e->ok = e->matched > 0;
	else
		e->ok = e->returns > 0 && e->matched == e->returns && lost == 0;
	num_text(n, sizeof(n), e, e->n);
	if (e->returns > e->matched)
		snprintf(other, sizeof(other), " (the first other: %s)",
			 num_text(first, sizeof(first), e, e->first_other));
	if (e->returns == 0 && lost == 0)
		snprintf(e->why, sizeof(e->why), "actual: no return was seen");
	else
		snprintf(e->why, sizeof(e->why), "actual: %" PRIu64 " of %" PRIu64 " returns %s %s%s%s", e->matched,
			 e->returns, op_text[e->op], n, other,
			 lost && !e->ok ? ", and more were lost (a full ring buffer): cannot tell" : "");
}

size_t expect__evaluate(struct expect_set *ex, const struct tracer_stats *st)
{
	size_t failed = 0;

	for (size_t i = 0; ex && i < ex->n; i++) {
		struct expectation *e = &ex->v[i];

		if (e->kind == EXPECT_RETVAL)
			evaluate_retval(e, ex->pl, st);
		else
			evaluate_count(e, ex->pl, st);
		if (!e->known)
			e->ok = false;
		failed += !e->ok;
	}
	return failed;
}

void expect__report(const struct expect_set *ex)
{
	char q[LOG_QUOTE_MAX];
	size_t held = 0;

	for (size_t i = 0; ex && i < ex->n; i++) {
		const struct expectation *e = &ex->v[i];

		if (e->ok) {
			held++;
			continue;
		}
		log_error("--expect '%s' failed: %s", log_quote(q, sizeof(q), e->text), e->why);
	}
	if (ex && held == ex->n)
		log_note("%zu expectation%s held", held, held == 1 ? "" : "s");
}

void expect__json(const struct expect_set *ex, struct json *j)
{
	if (!ex)
		return;
	json_key(j, "expectations");
	json_arr_begin(j);
	for (size_t i = 0; i < ex->n; i++) {
		const struct expectation *e = &ex->v[i];

		json_obj_begin(j);
		json_kstr(j, "expr", e->text);
		if (e->known)
			json_ku64(j, "actual", e->actual);
		else
			json_knull(j, "actual");
		if (e->kind == EXPECT_RETVAL)
			json_ku64(j, "returns", e->returns);
		json_kbool(j, "ok", e->ok);
		if (!e->ok)
			json_kstr(j, "why", e->why);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void expect__free(struct expect_set *ex)
{
	for (size_t i = 0; ex && i < ex->n; i++) {
		free(ex->v[i].probe);
		free(ex->v[i].member);
	}
	free(ex);
}
