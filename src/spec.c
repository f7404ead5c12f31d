// SPDX-License-Identifier: GPL-2.0
/* The spec grammar. See spec.h; resolution is spec_resolve.c. */
#define _GNU_SOURCE
#include "spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse.h"

/* One spec being parsed: the text as typed, for messages, and where the reason
 * for a refusal goes. */
struct parser {
	const char *text;
	struct spec *sp;
	char *err;
	size_t errlen;
};

static int fail(const struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(const struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->err, ps->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int nomem(const struct parser *ps)
{
	snprintf(ps->err, ps->errlen, "out of memory");
	return -ENOMEM;
}

/* Number field WHAT: one message for every way it can be wrong. */
static int parse_num(const struct parser *ps, const char *what, const char *s, uint64_t *out)
{
	int r;

	if (!*s)
		return fail(ps, "%s: missing %s (decimal or 0x-hex)", ps->text, what);
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && !s[2])
		return fail(ps, "%s: missing hex digits after '%s' in the %s", ps->text, s, what);
	r = parse_u64(s, out);
	if (r == -ERANGE)
		return fail(ps, "%s: %s '%s' is out of range (over 64 bits)", ps->text, what, s);
	if (r)
		return fail(ps, "%s: bad %s '%s': use decimal or 0x-hex digits", ps->text, what, s);
	return 0;
}

/* How many leading bytes of S are name characters that a message may quote as
 * they are (log_safe_span: no control byte, no broken UTF-8). */
static size_t name_span(const char *s)
{
	size_t n = 0, safe = log_safe_span(s);

	while (s[n] && ksym_name_byte((unsigned char)s[n]))
		n++;
	return n < safe ? n : safe;
}

/* TEXT, which is not all name bytes, refused in ERR: quoted whole (log_quote),
 * with the first bad byte. */
static int refuse_bytes(char *err, size_t errlen, const char *label, const char *text,
			const char *noun, const char *tail)
{
	char q[LOG_QUOTE_MAX];
	size_t bad = name_span(text);

	snprintf(err, errlen, "%s'%s': spaces and control characters are not allowed in %s (byte %zu is 0x%02x)%s",
		 label, log_quote(q, sizeof(q), text), noun, bad + 1, (unsigned char)text[bad], tail);
	return -EINVAL;
}

int spec__check_name(const char *text, const char *label, const char *noun, char *err,
		     size_t errlen)
{
	if (text[name_span(text)])
		return refuse_bytes(err, errlen, label, text, noun, "");
	return 0;
}

void spec__free(struct spec *sp)
{
	if (!sp)
		return;
	free(sp->text);
	free(sp->mod);
	free(sp->name);
	memset(sp, 0, sizeof(*sp));
}

/* The steps of spec__parse, in order over a copy of the text: each takes its
 * part off the copy at *P (cutting it with a NUL where it starts), and returns
 * 0, or -EINVAL (-ENOMEM) with the reason in the parser's ERR. */

/* bpftrace's kprobe:/kretprobe: in front, perf's %return behind. */
static int take_kind(const struct parser *ps, char **p)
{
	bool kret_prefix = false;
	char *pct;

	if (strncmp(*p, "kprobe:", 7) == 0) {
		*p += 7;
	} else if (strncmp(*p, "kretprobe:", 10) == 0) {
		*p += 10;
		kret_prefix = true;
		ps->sp->ret = true;
	}
	pct = strchr(*p, '%');
	if (!pct)
		return 0;
	if (strcmp(pct, "%return") != 0)
		return fail(ps, "%s: unknown suffix '%s': the only one is %%return", ps->text, pct);
	if (kret_prefix)
		return fail(ps, "%s: kretprobe: and %%return say the same thing: use one", ps->text);
	*pct = '\0';
	ps->sp->ret = true;
	return 0;
}

/* MOD: */
static int take_module(const struct parser *ps, char **p)
{
	char *colon = strchr(*p, ':');

	if (!colon)
		return 0;
	if (strchr(colon + 1, ':'))
		return fail(ps, "%s: too many ':': write MOD:NAME (or kprobe:MOD:NAME)", ps->text);
	*colon = '\0';
	if (!**p)
		return fail(ps, "%s: empty module name before ':': write MOD:NAME, or drop the ':'", ps->text);
	ps->sp->mod = strdup(*p);
	if (!ps->sp->mod)
		return nomem(ps);
	*p = colon + 1;
	return 0;
}

/* #N or @ADDR */
static int take_selector(const struct parser *ps, char *p)
{
	char *sel = strpbrk(p, "#@");
	uint64_t n;
	int r;

	if (!sel)
		return 0;
	if (strpbrk(sel + 1, "#@"))
		return fail(ps, "%s: give one selector, #N or @ADDR, not both", ps->text);
	if (*sel == '@') {
		*sel = '\0';
		ps->sp->has_at = true;
		return parse_num(ps, "address after '@'", sel + 1, &ps->sp->at);
	}
	*sel = '\0';
	r = parse_num(ps, "instance number after '#'", sel + 1, &n);
	if (r)
		return r;
	if (n == 0)
		return fail(ps, "%s: instance numbers start at 1 (#1 is the lowest address)", ps->text);
	if (n > UINT32_MAX)
		return fail(ps, "%s: instance number %" PRIu64 " is out of range", ps->text, n);
	ps->sp->inst = (uint32_t)n;
	return 0;
}

/* +OFF, or the kernel's +OFF/SIZE */
static int take_offset(const struct parser *ps, char *p)
{
	char *plus = strchr(p, '+'), *slash = strchr(p, '/');
	struct spec *sp = ps->sp;
	int r;

	if (slash && (!plus || slash < plus))
		return fail(ps, "%s: /SIZE goes after an offset, as in a stack trace: NAME+OFF/SIZE (c_start+0x10/0x50)", ps->text);
	if (!plus)
		return 0;
	*plus = '\0';
	sp->has_off = true;
	if (!slash)
		return parse_num(ps, "offset after '+'", plus + 1, &sp->off);
	*slash = '\0';
	sp->has_size = true;
	r = parse_num(ps, "offset after '+'", plus + 1, &sp->off);
	if (!r)
		r = parse_num(ps, "size after '/'", slash + 1, &sp->size);
	if (r)
		return r;
	if (sp->size == 0)
		return fail(ps, "%s: size 0: a function has at least one byte", ps->text);
	/* OFF == SIZE is a return address: a stack trace prints the symbol of the
	 * call (address - 1) and its offset + 1 (sprint_backtrace(), %pB), so a
	 * call that ends a function reads NAME+0x70/0x70 */
	if (sp->off > sp->size)
		return fail(ps, "%s: offset 0x%" PRIx64 " is past the end of a function of 0x%" PRIx64 " bytes: OFF is at most SIZE in NAME+OFF/SIZE",
			    ps->text, sp->off, sp->size);
	return 0;
}

/* What is left, P: an address, or a name or glob. */
static int take_target(const struct parser *ps, const char *p)
{
	struct spec *sp = ps->sp;
	int r;

	if (!*p)
		return fail(ps, "%s: empty symbol name: write NAME, NAME+OFF or an address", ps->text);
	if (strlen(p) > KSYMS_NAME_MAX)
		return fail(ps, "%.40s...: symbol name longer than %d bytes", ps->text, KSYMS_NAME_MAX);
	/* C identifiers never start with a digit: this is an address */
	if (*p >= '0' && *p <= '9') {
		r = parse_num(ps, "address", p, &sp->addr);
		if (r)
			return r;
		if (sp->has_off || sp->inst || sp->has_at)
			return fail(ps, "%s: an address takes no +OFF, #N or @ADDR: give the final address", ps->text);
		if (sp->mod)
			return fail(ps, "%s: an address needs no module: drop '%s:'", ps->text, sp->mod);
		sp->is_addr = true;
		return 0;
	}
	sp->glob = strpbrk(p, "*?[") != NULL;
	if (sp->glob && (sp->inst || sp->has_at))
		return fail(ps, "%s: #N and @ADDR pick one instance of one name, not of a glob", ps->text);
	sp->name = strdup(p);
	return sp->name ? 0 : nomem(ps);
}

int spec__parse(const char *text, struct spec *sp, char *err, size_t errlen)
{
	struct parser ps = { .text = text, .sp = sp, .err = err, .errlen = errlen };
	char *buf = NULL, *p;
	size_t safe;
	int r;

	memset(sp, 0, sizeof(*sp));
	if (!text || !*text)
		return fail(&ps, "empty spec: give a symbol name (vfs_read), NAME+OFF or an address");
	/* A spec is name bytes only, so that every message below may quote it as
	 * it is; this refusal quotes it through log_quote(): a newline or an escape
	 * sequence echoed would split the message or reach the terminal. */
	safe = name_span(text);
	if (strlen(text) > SPEC_TEXT_MAX)
		return fail(&ps, "%.*s...: spec longer than %d bytes: a symbol name has at most %d",
			    (int)(safe < 40 ? safe : 40), text, SPEC_TEXT_MAX, KSYMS_NAME_MAX);
	if (text[safe])
		return refuse_bytes(err, errlen, "", text, "a spec", ": a spec is one word, such as vfs_read+0x10");
	sp->text = strdup(text);
	p = buf = strdup(text);
	if (!sp->text || !buf)
		r = nomem(&ps);
	else if (!(r = take_kind(&ps, &p)) && !(r = take_module(&ps, &p)) &&
		 !(r = take_selector(&ps, p)) && !(r = take_offset(&ps, p)))
		r = take_target(&ps, p);
	free(buf);
	if (r)
		spec__free(sp);
	return r;
}
