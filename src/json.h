/* SPDX-License-Identifier: GPL-2.0 */
/* A streaming JSON writer: one object per line (JSON Lines). Every string goes
 * through one escaper that handles quotes, backslashes, control bytes and
 * invalid UTF-8 (replaced by U+FFFD so the line always parses). Every number
 * goes through one rule: a JSON number while a double holds it exactly
 * (|v| <= 2^53 - 1, what JavaScript calls a safe integer), otherwise a string of
 * its decimal digits, so that no reader (jq, JavaScript) rounds it.
 * A line is put together in the writer's own buffer and goes to the FILE in one
 * write once whole (or when the buffer fills): one stdio call per line. */
#ifndef KSYMTRACE_JSON_H
#define KSYMTRACE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

#define JSON_BUF_SIZE 4096

struct json {
	FILE *out;
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
	bool after_key;             /* a key was written: its value takes no comma */
	size_t len;                 /* bytes of the line in buf, not yet in OUT */
	char buf[JSON_BUF_SIZE];
};

void json_init(struct json *j, FILE *out);
void json_obj_begin(struct json *j);      /* as a value (array element or top level) */
void json_obj_end(struct json *j);        /* at depth 0 ends the line */
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key); /* a member's key; the value follows */
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
/* The largest integer a double holds exactly, with every one below it. */
#define JSON_SAFE_MAX ((1ull << 53) - 1)
void json_u64(struct json *j, uint64_t v); /* a number up to JSON_SAFE_MAX, else "digits" */
void json_i64(struct json *j, int64_t v);  /* the same rule for |v| */
void json_hex(struct json *j, uint64_t v); /* "0x…": u64 does not fit a double */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* shorthands for "key": value */
void json_kstr(struct json *j, const char *key, const char *s);
void json_ku64(struct json *j, const char *key, uint64_t v);
void json_ki64(struct json *j, const char *key, int64_t v);
void json_khex(struct json *j, const char *key, uint64_t v);
void json_kbool(struct json *j, const char *key, bool v);
void json_knull(struct json *j, const char *key);

/* Escape S into OUT as a JSON string body (no quotes). */
void json_escape(FILE *out, const char *s, size_t n);
/* What of the current line is still in J's buffer goes to its FILE (a line is
 * sent whole at its end anyway). */
void json_flush(struct json *j);

#endif
