// SPDX-License-Identifier: GPL-2.0
/* mkrecords: ring-buffer records for the test double (KT_DOUBLE_RECORDS) and the
 * event fuzzer's seeds, from one line of text per record. Built from the same
 * header as the BPF side (bpf/ksymtrace.h), so a record here is laid out as the
 * kernel's are.
 *
 *   mkrecords [-n COUNT] < TEXT > FILE
 *
 * Each line is FIELD=VALUE words; a field left out has a valid default, so
 * "probe=1" alone is a good kprobe event of probe 1:
 *   rec probe ts addr retval pid tid cpu kind flags stack_sz nvals strs_len
 *       numbers: decimal, 0x hex, or negative (as the field's two's complement);
 *       nvals and strs_len, when given, replace the counts vals= sets
 *   kind=kprobe|kretprobe (or a number)
 *   kind=kprobe|kretprobe (or a number)
 *   args=A,B,C,D,E,F     the six argument registers
 *   comm=TEXT            the task name, \xHH for any byte (16 bytes kept, no NUL
 *                        added when all 16 are given)
 *   stack=A,B,...        frames; stack_sz defaults to 8 per frame and the record
 *                        to its full size; stack= and stack_sz= set KT_EV_STACK
 *   vals=V,V,...         the values after the header (and the stack's room), each
 *                        one of: v:N (a value), s:TEXT (a string, \xHH escapes, its
 *                        NUL added), f:ADDR[@STEP] (a read that faulted), n
 *                        (nothing read), x:OFF:LEN (a string at OFF, LEN bytes, of
 *                        the strings, as they are: for corrupt records)
 *   size=N               the record's size as the ring buffer states it: shorter
 *                        cuts it, longer pads it with zero bytes (512 at most)
 *   raw=HEX              the record is these bytes and nothing else
 * "#" starts a comment; empty lines are skipped. With -n, the records of the text
 * are written again and again until COUNT records are out (for benchmarks).
 * The output: per record an 8-byte header (u32 size, u32 0), the record, and zero
 * padding to 8 bytes, as in the kernel's ring buffer. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "ksymtrace.h"

#define REC_MAX 8192

struct rec {
	unsigned char b[REC_MAX];
	size_t size;
	struct kt_value vals[KT_FETCH_MAX];
	size_t nvals;
	char strs[REC_MAX];
	size_t strs_len;
	long nvals_set, strs_len_set; /* -1: from vals= */
	bool raw;
};

static void die(int line, const char *msg, const char *word)
{
	fprintf(stderr, "mkrecords: line %d: %s: %s\n", line, msg, word);
	exit(2);
}

static uint64_t num(int line, const char *s)
{
	char *end;
	uint64_t v;
	bool neg = *s == '-';

	errno = 0;
	v = strtoull(neg ? s + 1 : s, &end, 0);
	if (errno || end == s || *end)
		die(line, "not a number", s);
	return neg ? (uint64_t)0 - v : v;
}

/* A,B,C... into OUT (at most MAX); returns how many. */
static size_t nums(int line, char *s, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (n == max)
			die(line, "too many values", tok);
		out[n++] = num(line, tok);
	}
	return n;
}

/* TEXT with \xHH escapes into OUT (at most MAX bytes); returns how many. */
static size_t unescape(int line, const char *s, char *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		unsigned int c = (unsigned char)*s++;

		if (c == '\\' && *s == 'x') {
			if (sscanf(s + 1, "%2x", &c) != 1)
				die(line, "bad \\x escape", s);
			s += 3;
		}
		if (n == max)
			die(line, "too long (comm: 16 bytes)", s);
		out[n++] = (char)c;
	}
	return n;
}

static void comm(int line, const char *s, char *out)
{
	memset(out, 0, KT_COMM_LEN);
	unescape(line, s, out, KT_COMM_LEN);
}

/* vals=: each value's struct kt_value, and the strings they point into */
static void values(int line, char *s, struct rec *r)
{
	for (char *save, *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct kt_value *kv;
		char *at;

		if (r->nvals == KT_FETCH_MAX)
			die(line, "too many values", tok);
		kv = &r->vals[r->nvals++];
		if (tok[0] == 'v' && tok[1] == ':') {
			kv->state = KT_VAL_VALUE;
			kv->v = num(line, tok + 2);
		} else if (tok[0] == 's' && tok[1] == ':') {
			size_t n = unescape(line, tok + 2, r->strs + r->strs_len,
					    sizeof(r->strs) - r->strs_len - 1);

			kv->state = KT_VAL_STRING;
			kv->str_off = (__u16)r->strs_len;
			kv->str_len = (__u16)(n + 1);
			r->strs[r->strs_len + n] = '\0';
			r->strs_len += n + 1;
		} else if (tok[0] == 'f' && tok[1] == ':') {
			kv->state = KT_VAL_FAULT;
			at = strchr(tok + 2, '@');
			if (at) {
				*at++ = '\0';
				kv->step = (__u8)num(line, at);
			}
			kv->v = num(line, tok + 2);
		} else if (tok[0] == 'x' && tok[1] == ':' && (at = strchr(tok + 2, ':'))) {
			*at++ = '\0';
			kv->state = KT_VAL_STRING;
			kv->str_off = (__u16)num(line, tok + 2);
			kv->str_len = (__u16)num(line, at);
		} else if (strcmp(tok, "n") != 0) {
			die(line, "not a value (v:N, s:TEXT, f:ADDR[@STEP], n, x:OFF:LEN)", tok);
		}
	}
}

static void raw(int line, const char *s, struct rec *r)
{
	r->size = 0;
	while (s[0] && s[1]) {
		unsigned int c;

		if (r->size == REC_MAX || sscanf(s, "%2x", &c) != 1)
			die(line, "bad raw bytes", s);
		r->b[r->size++] = (unsigned char)c;
		s += 2;
	}
}

static void field(int line, char *word, struct rec *r, bool *sized, bool *stack_sized)
{
	struct kt_event *e = (void *)r->b;
	char *v = strchr(word, '=');
	size_t n;

	if (!v)
		die(line, "not FIELD=VALUE", word);
	*v++ = '\0';
	if (!strcmp(word, "rec"))
		e->rec = (__u32)num(line, v);
	else if (!strcmp(word, "probe"))
		e->probe = (__u32)num(line, v);
	else if (!strcmp(word, "ts"))
		e->ts_ns = num(line, v);
	else if (!strcmp(word, "addr"))
		e->addr = num(line, v);
	else if (!strcmp(word, "retval"))
		e->retval = num(line, v);
	else if (!strcmp(word, "pid"))
		e->pid = (__u32)num(line, v);
	else if (!strcmp(word, "tid"))
		e->tid = (__u32)num(line, v);
	else if (!strcmp(word, "cpu"))
		e->cpu = (__u32)num(line, v);
	else if (!strcmp(word, "flags"))
		e->flags = (__u8)num(line, v);
	else if (!strcmp(word, "nvals"))
		r->nvals_set = (long)num(line, v);
	else if (!strcmp(word, "strs_len"))
		r->strs_len_set = (long)num(line, v);
	else if (!strcmp(word, "vals"))
		values(line, v, r);
	else if (!strcmp(word, "kind"))
		e->kind = !strcmp(v, "kprobe") ? KT_KPROBE : !strcmp(v, "kretprobe") ? KT_KRETPROBE : (__u32)num(line, v);
	else if (!strcmp(word, "stack_sz")) {
		e->stack_sz = (__s32)(int64_t)num(line, v);
		e->flags |= KT_EV_STACK;
		*stack_sized = true;
	} else if (!strcmp(word, "args"))
		nums(line, v, (uint64_t *)e->args, KT_NARGS);
	else if (!strcmp(word, "comm"))
		comm(line, v, e->comm);
	else if (!strcmp(word, "stack")) {
		n = nums(line, v, (uint64_t *)e->stack, KT_STACK_MAX);
		e->flags |= KT_EV_STACK;
		if (!*stack_sized)
			e->stack_sz = (__s32)(n * sizeof(e->stack[0]));
		if (!*sized)
			r->size = sizeof(*e);
	} else if (!strcmp(word, "size")) {
		r->size = (size_t)num(line, v);
		if (r->size > REC_MAX)
			die(line, "size past 8192", v);
		*sized = true;
	} else if (!strcmp(word, "raw"))
	{
		raw(line, v, r);
		r->raw = true;
	} else
		die(line, "unknown field", word);
}

/* The values and strings after the header, or the stack's room with
 * KT_EV_STACK, as the BPF side lays them out; the size they make, unless size=
 * gave one. */
static void place_values(int line, struct rec *r, bool sized)
{
	struct kt_event *e = (void *)r->b;
	size_t at = e->flags & KT_EV_STACK ? sizeof(*e) : KT_EVENT_NOSTACK_SZ;
	size_t vals = r->nvals * sizeof(r->vals[0]);

	if (!r->nvals && !r->strs_len && r->nvals_set < 0 && r->strs_len_set < 0)
		return;
	if (at + vals + r->strs_len > REC_MAX)
		die(line, "values past 8192 bytes", "vals");
	memcpy(r->b + at, r->vals, vals);
	memcpy(r->b + at + vals, r->strs, r->strs_len);
	e->nvals = (__u8)(r->nvals_set < 0 ? (long)r->nvals : r->nvals_set);
	e->strs_len = (__u16)(r->strs_len_set < 0 ? (long)r->strs_len : r->strs_len_set);
	if (!sized)
		r->size = at + vals + r->strs_len;
}

static void parse(int line, char *text, struct rec *r)
{
	struct kt_event *e = (void *)r->b;
	bool sized = false, stack_sized = false;

	memset(r, 0, sizeof(*r));
	e->rec = KT_REC_EVENT;
	e->ts_ns = 1000000000;
	e->pid = e->tid = 100;
	memcpy(e->comm, "cat", 4);
	r->size = KT_EVENT_NOSTACK_SZ;
	r->nvals_set = r->strs_len_set = -1;
	for (char *save, *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		field(line, w, r, &sized, &stack_sized);
	if (!r->raw)
		place_values(line, r, sized);
}

static void put(const struct rec *r)
{
	static const unsigned char zero[8];
	__u32 hdr[2] = { (__u32)r->size, 0 };

	fwrite(hdr, sizeof(hdr), 1, stdout);
	fwrite(r->b, 1, r->size, stdout);
	fwrite(zero, 1, (8 - r->size % 8) % 8, stdout);
}

int main(int argc, char **argv)
{
	struct rec *recs = NULL;
	size_t n = 0;
	unsigned long long count = 0;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;

	if (argc == 3 && !strcmp(argv[1], "-n"))
		count = num(0, argv[2]);
	else if (argc != 1) {
		fprintf(stderr, "usage: mkrecords [-n COUNT] < TEXT > FILE\n");
		return 2;
	}
	while (getline(&line, &cap, stdin) > 0) {
		char *p = line + strspn(line, " \t");

		lineno++;
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		recs = realloc(recs, (n + 1) * sizeof(*recs));
		if (!recs)
			die(lineno, "out of memory", "");
		parse(lineno, p, &recs[n++]);
	}
	free(line);
	for (unsigned long long i = 0; i < (count ? count : n) && n; i++)
		put(&recs[i % n]);
	free(recs);
	return fflush(stdout) ? 1 : 0;
}
