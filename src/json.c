// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "json.h"

#include <inttypes.h>
#include <string.h>

#include "fmt.h"

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->after_key = false;
	j->len = 0;
	memset(j->first, 0, sizeof(j->first));
}

void json_flush(struct json *j)
{
	if (j->len)
		fwrite(j->buf, 1, j->len, j->out);
	j->len = 0;
}

/* Room for N more bytes in the buffer (N <= JSON_BUF_SIZE). */
static char *room(struct json *j, size_t n)
{
	if (j->len + n > JSON_BUF_SIZE)
		json_flush(j);
	return j->buf + j->len;
}

static inline void put(struct json *j, const char *s, size_t n)
{
	if (n > JSON_BUF_SIZE) {
		json_flush(j);
		fwrite(s, 1, n, j->out);
		return;
	}
	memcpy(room(j, n), s, n);
	j->len += n;
}

static void putc1(struct json *j, char c)
{
	*room(j, 1) = c;
	j->len++;
}

/* separator before a value at the current depth (keys write their own) */
static void sep(struct json *j)
{
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		putc1(j, ',');
	j->first[j->depth] = false;
}

static void value_start(struct json *j)
{
	if (j->after_key)
		j->after_key = false;
	else
		sep(j);
}

static void push(struct json *j, char c)
{
	value_start(j);
	putc1(j, c);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void pop(struct json *j, char c)
{
	putc1(j, c);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0) {
		putc1(j, '\n');
		json_flush(j);
	}
}

void json_obj_begin(struct json *j) { push(j, '{'); }
void json_obj_end(struct json *j) { pop(j, '}'); }
void json_arr_begin(struct json *j) { push(j, '['); }
void json_arr_end(struct json *j) { pop(j, ']'); }

/* Length of a valid UTF-8 sequence at S (at most N bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Bytes that stand for themselves in a JSON string: printable ASCII but the
 * quote and the backslash (a table: escaping runs over every byte of every
 * string, key and name). */
static const bool plain[256] = {
	[0x20 ... 0x21] = true, /* '"' is 0x22 */
	[0x23 ... 0x5b] = true, /* '\\' is 0x5c */
	[0x5d ... 0x7e] = true,
};

static void escape(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		char u[8];

		/* a run of plain bytes at once: names, labels, most of any string */
		for (len = 0; i + len < n && plain[s[i + len]]; len++)
			;
		if (len) {
			put(j, str + i, len);
			i += len;
			continue;
		}
		switch (c) {
		case '"': put(j, "\\\"", 2); i++; continue;
		case '\\': put(j, "\\\\", 2); i++; continue;
		case '\n': put(j, "\\n", 2); i++; continue;
		case '\t': put(j, "\\t", 2); i++; continue;
		case '\r': put(j, "\\r", 2); i++; continue;
		case '\b': put(j, "\\b", 2); i++; continue;
		case '\f': put(j, "\\f", 2); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			put(j, u, 6);
			i++;
			continue;
		}
		len = utf8_len(s + i, n - i);
		if (len == 0) {
			put(j, "\\ufffd", 6);
			i++;
			continue;
		}
		put(j, str + i, len);
		i += len;
	}
}

void json_escape(FILE *out, const char *s, size_t n)
{
	struct json j;

	json_init(&j, out);
	escape(&j, s, n);
	json_flush(&j);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	putc1(j, '"');
	escape(j, key, strlen(key));
	put(j, "\":", 2);
	j->after_key = true;
}

void json_strn(struct json *j, const char *s, size_t n)
{
	value_start(j);
	putc1(j, '"');
	escape(j, s, n);
	putc1(j, '"');
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

/* MAG with a minus sign when NEG: a number while exact in a double, else a
 * string (json.h). */
static void number(struct json *j, uint64_t mag, bool neg)
{
	bool quote = mag > JSON_SAFE_MAX;
	char *p, *o;

	value_start(j);
	p = room(j, FMT_U64_MAX + 3);
	o = p;
	if (quote)
		*o++ = '"';
	if (neg)
		*o++ = '-';
	o = fmt_u64(o, mag);
	if (quote)
		*o++ = '"';
	j->len += (size_t)(o - p);
}

void json_u64(struct json *j, uint64_t v)
{
	number(j, v, false);
}

void json_i64(struct json *j, int64_t v)
{
	/* the magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64_t */
	number(j, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void json_hex(struct json *j, uint64_t v)
{
	char *p, *o;

	value_start(j);
	p = o = room(j, FMT_U64_MAX + 4);
	*o++ = '"';
	o = fmt_hex(o, v);
	*o++ = '"';
	j->len += (size_t)(o - p);
}

void json_bool(struct json *j, bool v)
{
	value_start(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void json_null(struct json *j)
{
	value_start(j);
	put(j, "null", 4);
}

void json_kstr(struct json *j, const char *key, const char *s) { json_key(j, key); json_str(j, s); }
void json_ku64(struct json *j, const char *key, uint64_t v) { json_key(j, key); json_u64(j, v); }
void json_ki64(struct json *j, const char *key, int64_t v) { json_key(j, key); json_i64(j, v); }
void json_khex(struct json *j, const char *key, uint64_t v) { json_key(j, key); json_hex(j, v); }
void json_kbool(struct json *j, const char *key, bool v) { json_key(j, key); json_bool(j, v); }
void json_knull(struct json *j, const char *key) { json_key(j, key); json_null(j); }
