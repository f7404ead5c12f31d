// SPDX-License-Identifier: GPL-2.0
/* The fetch-expression grammar. See fetch.h. A recursive descent over the text
 * with one cursor; every failure says what was expected, and at which byte. */
#define _GNU_SOURCE
#include "fetch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

static const char *const type_names[] = {
	[FETCH_T_NONE] = "", [FETCH_T_U8] = "u8", [FETCH_T_U16] = "u16", [FETCH_T_U32] = "u32",
	[FETCH_T_U64] = "u64", [FETCH_T_S8] = "s8", [FETCH_T_S16] = "s16", [FETCH_T_S32] = "s32",
	[FETCH_T_S64] = "s64", [FETCH_T_X8] = "x8", [FETCH_T_X16] = "x16", [FETCH_T_X32] = "x32",
	[FETCH_T_X64] = "x64", [FETCH_T_STRING] = "string",
};
#define N_TYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *fetch__type_name(enum fetch_type t)
{
	return (size_t)t < N_TYPES ? type_names[t] : "?";
}

struct cursor {
	const char *s; /* the whole text */
	size_t i;
	struct fetch_expr *e;
	char *err;
	size_t errlen;
	int ret; /* -EINVAL or -ENOMEM once failed */
};

static int fail(struct cursor *c, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct cursor *c, size_t at, const char *fmt, ...)
{
	char why[FETCH_TEXT_MAX + 256]; /* may quote the rest of the expression */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "--arg '%s': %s (byte %zu)", c->s, why, at + 1);
	c->ret = -EINVAL;
	return -1;
}

static bool ident_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool ident_char(char ch)
{
	return ident_start(ch) || (ch >= '0' && ch <= '9');
}

static size_t ident_len(const char *p)
{
	size_t n = 0;

	if (!ident_start(p[0]))
		return 0;
	while (ident_char(p[n]))
		n++;
	return n;
}

static char *dup_n(struct cursor *c, const char *p, size_t n)
{
	char *d = strndup(p, n);

	if (!d) {
		snprintf(c->err, c->errlen, "out of memory");
		c->ret = -ENOMEM;
	}
	return d;
}

/* A decimal or 0x-hex number up to MAX at the cursor. */
static int number(struct cursor *c, uint64_t max, uint64_t *out, const char *what)
{
	const char *p = c->s + c->i;
	bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
	size_t start = c->i, k = hex ? 2 : 0;
	uint64_t v = 0;

	for (;; k++) {
		char ch = p[k];
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (hex && ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else if (hex && ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A' + 10);
		else
			break;
		if (v > (max - d) / (hex ? 16 : 10))
			return fail(c, start, "%s is too big (at most %llu)", what, (unsigned long long)max);
		v = v * (hex ? 16 : 10) + d;
	}
	if (k == (hex ? 2u : 0u))
		return fail(c, start, "%s must be a number (decimal or 0x-hex)", what);
	c->i += k;
	*out = v;
	return 0;
}

static int expect(struct cursor *c, char ch, const char *what)
{
	if (c->s[c->i] != ch)
		return fail(c, c->i, "%s", what);
	c->i++;
	return 0;
}

static int base_core(struct cursor *c)
{
	struct fetch_expr *e = c->e;
	const char *p = c->s + c->i;
	size_t start = c->i, n;
	uint64_t v;

	if (strncmp(p, "$retval", 7) == 0 && !ident_char(p[7])) {
		e->base = FETCH_RETVAL;
		c->i += 7;
	} else if (strncmp(p, "$comm", 5) == 0 && !ident_char(p[5])) {
		e->base = FETCH_COMM;
		c->i += 5;
	} else if (strncmp(p, "$arg", 4) == 0) {
		c->i += 4;
		if (number(c, KT_FETCH_MAX, &v, "the N of $argN") || v == 0)
			return c->ret ? -1 : fail(c, start + 4, "$argN counts from 1: $arg1 is the first argument");
		e->base = FETCH_ARGN;
		e->argn = (unsigned int)v;
	} else if (p[0] == '$') {
		return fail(c, start, "unknown variable: give $argN, $retval or $comm");
	} else if (p[0] == '%') {
		char name[16];

		n = ident_len(p + 1);
		if (!n || n >= sizeof(name))
			return fail(c, start, "a register name must follow '%%' (such as %%di)");
		memcpy(name, p + 1, n);
		name[n] = '\0';
		e->reg = abi__reg_find(name);
		if (e->reg < 0)
			return fail(c, start, "unknown register '%%%s': give di, si, dx, cx, r8, r9, ax, bx, bp, sp, r10-r15 or ip", name);
		e->base = FETCH_REG;
		c->i += 1 + n;
	} else if ((n = ident_len(p))) {
		e->base = FETCH_PARAM;
		e->param = dup_n(c, p, n);
		if (!e->param)
			return -1;
		c->i += n;
	} else {
		return fail(c, start, "expected a parameter name, $argN, %%REG, $retval, $comm or +OFF(...)");
	}
	e->base_span = (struct fetch_span){ (uint16_t)start, (uint16_t)(c->i - start) };
	return 0;
}

/* BASE, with its +OFF( ) wrappings: the innermost base is parsed first, so the
 * offsets are recorded innermost first on the way out. */
static int base(struct cursor *c, unsigned int depth)
{
	size_t start = c->i;
	char sign = c->s[c->i];
	uint64_t off;

	if (sign != '+' && sign != '-')
		return base_core(c);
	if (depth == FETCH_NEST_MAX)
		return fail(c, start, "more than %d +OFF( ) around a base", FETCH_NEST_MAX);
	c->i++;
	if (number(c, sign == '-' ? 1ull << 31 : (1ull << 31) - 1, &off, "the offset in +OFF(...)") ||
	    expect(c, '(', "'(' must follow the offset in +OFF(BASE)") || base(c, depth + 1) ||
	    expect(c, ')', "')' must close +OFF(BASE)"))
		return -1;
	c->e->deref_off[c->e->nderefs] = sign == '-' ? (int32_t)-(int64_t)off : (int32_t)off;
	c->e->deref_span[c->e->nderefs++] = (struct fetch_span){ (uint16_t)start, (uint16_t)(c->i - start) };
	return 0;
}

static int postfix(struct cursor *c)
{
	struct fetch_expr *e = c->e;

	for (;;) {
		const char *p = c->s + c->i;
		size_t start = c->i, n;
		struct fetch_op op = { 0 };

		if (p[0] == '-' && p[1] == '>') {
			op.kind = FETCH_ARROW;
			c->i += 2;
		} else if (p[0] == '.') {
			op.kind = FETCH_DOT;
			c->i += 1;
		} else if (p[0] == '[') {
			op.kind = FETCH_INDEX;
			c->i += 1;
		} else {
			return 0;
		}
		if (e->nops == FETCH_OPS_MAX)
			return fail(c, start, "more than %d steps ('->', '.', '[N]')", FETCH_OPS_MAX);
		if (op.kind == FETCH_INDEX) {
			if (number(c, (1u << 31) - 1, &op.index, "the index in [N]") ||
			    expect(c, ']', "']' must close [N]"))
				return -1;
		} else {
			n = ident_len(c->s + c->i);
			if (!n)
				return fail(c, c->i, "a member name must follow '%s'", op.kind == FETCH_ARROW ? "->" : ".");
			op.field = dup_n(c, c->s + c->i, n);
			if (!op.field)
				return -1;
			c->i += n;
		}
		op.span = (struct fetch_span){ (uint16_t)start, (uint16_t)(c->i - start) };
		e->ops[e->nops++] = op;
	}
}

static int type_suffix(struct cursor *c)
{
	const char *p = c->s + c->i;

	if (p[0] != ':')
		return 0;
	for (size_t t = FETCH_T_U8; t < N_TYPES; t++) {
		if (strcmp(p + 1, type_names[t]) == 0) {
			c->e->type = (enum fetch_type)t;
			c->i += 1 + strlen(type_names[t]);
			return 0;
		}
	}
	if (!p[1])
		return fail(c, c->i + 1, "a type must follow ':': u8..u64, s8..s64, x8..x64 or string");
	return fail(c, c->i + 1, "unknown type '%s': give u8, u16, u32, u64, s8, s16, s32, s64, x8, x16, x32, x64 or string",
		    p + 1);
}

/* "LABEL=" at the start, if any. */
static int label(struct cursor *c)
{
	size_t n = ident_len(c->s);

	if (!n || c->s[n] != '=')
		return 0;
	if (n >= FETCH_LABEL_MAX)
		return fail(c, 0, "a label has at most %d bytes", FETCH_LABEL_MAX - 1);
	c->e->label = dup_n(c, c->s, n);
	if (!c->e->label)
		return -1;
	c->i = n + 1;
	return 0;
}

/* Bytes no expression has: spaces, control bytes and anything past ASCII. */
static int check_bytes(struct cursor *c)
{
	size_t len = strlen(c->s);

	if (len == 0)
		return fail(c, 0, "empty expression: give a parameter name, $argN, %%REG, $retval or $comm");
	/* The bytes first: the length message quotes the text, which must then be printable. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)c->s[i];

		if (ch <= 0x20 || ch >= 0x7f) {
			snprintf(c->err, c->errlen, "--arg: byte %zu is 0x%02x: an expression is one word of printable ASCII, such as file->f_flags",
				 i + 1, ch);
			c->ret = -EINVAL;
			return -1;
		}
	}
	if (len > FETCH_TEXT_MAX) {
		snprintf(c->err, c->errlen, "--arg '%.40s...': longer than %d bytes", c->s, FETCH_TEXT_MAX);
		c->ret = -EINVAL;
		return -1;
	}
	return 0;
}

int fetch__parse(const char *text, struct fetch_expr *e, char *err, size_t errlen)
{
	struct cursor c = { .s = text, .e = e, .err = err, .errlen = errlen };
	size_t body;

	memset(e, 0, sizeof(*e));
	err[0] = '\0';
	if (check_bytes(&c) || label(&c))
		return c.ret;
	body = c.i;
	if (base(&c, 0) || postfix(&c) || type_suffix(&c))
		return c.ret;
	if (c.s[c.i]) {
		fail(&c, c.i, "unexpected '%c': after the base come '->FIELD', '.FIELD' or '[N]', then ':TYPE'",
		     c.s[c.i]);
		return c.ret;
	}
	e->text = dup_n(&c, text, strlen(text));
	if (!e->text)
		return c.ret;
	if (!e->label) {
		const char *colon = strchr(text + body, ':');

		e->label = dup_n(&c, text + body, colon ? (size_t)(colon - text - body) : strlen(text + body));
		if (!e->label)
			return c.ret;
	}
	return 0;
}

void fetch__free(struct fetch_expr *e)
{
	if (!e)
		return;
	free(e->text);
	free(e->label);
	free(e->param);
	for (size_t i = 0; i < e->nops; i++)
		free(e->ops[i].field);
	memset(e, 0, sizeof(*e));
}
