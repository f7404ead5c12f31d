// SPDX-License-Identifier: GPL-2.0
/* The one JSON writer: the number rule (numbers only while a double holds them
 * exactly), escaping, and lines longer than its buffer written whole. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "json.h"

/* What STMT writes as the value of member "v", in its one-line object, into BUF. */
#define WRITTEN(buf, stmt)                                           \
	do {                                                         \
		char *_s = NULL;                                     \
		size_t _n = 0;                                       \
		FILE *_f = open_memstream(&_s, &_n);                 \
		struct json _j;                                      \
		struct json *j = &_j;                                \
		json_init(j, _f);                                    \
		json_obj_begin(j);                                   \
		json_key(j, "v");                                    \
		stmt;                                                \
		json_obj_end(j);                                     \
		fclose(_f);                                          \
		snprintf(buf, sizeof(buf), "%s", _s);                \
		free(_s);                                            \
	} while (0)

static void numbers(void)
{
	char out[128];

	WRITTEN(out, json_u64(j, 0));
	CHECK_STR(out, "{\"v\":0}\n");
	WRITTEN(out, json_u64(j, (1ull << 53) - 1));
	CHECK_STR(out, "{\"v\":9007199254740991}\n");
	/* 2^53 is a double, but so is 2^53 + 1 read back: not exact any more */
	WRITTEN(out, json_u64(j, 1ull << 53));
	CHECK_STR(out, "{\"v\":\"9007199254740992\"}\n");
	WRITTEN(out, json_u64(j, UINT64_MAX));
	CHECK_STR(out, "{\"v\":\"18446744073709551615\"}\n");
	WRITTEN(out, json_i64(j, -((1ll << 53) - 1)));
	CHECK_STR(out, "{\"v\":-9007199254740991}\n");
	WRITTEN(out, json_i64(j, -(1ll << 53)));
	CHECK_STR(out, "{\"v\":\"-9007199254740992\"}\n");
	WRITTEN(out, json_i64(j, INT64_MIN));
	CHECK_STR(out, "{\"v\":\"-9223372036854775808\"}\n");
	WRITTEN(out, json_i64(j, INT64_MAX));
	CHECK_STR(out, "{\"v\":\"9223372036854775807\"}\n");
	WRITTEN(out, json_hex(j, 0xffffffff81001010ull));
	CHECK_STR(out, "{\"v\":\"0xffffffff81001010\"}\n");
}

static void strings(void)
{
	char out[128];

	WRITTEN(out, json_strn(j, "a\"b\\c\n\x01\x7f\xff\xc3\xa9", 11));
	CHECK_STR(out, "{\"v\":\"a\\\"b\\\\c\\n\\u0001\\u007f\\ufffd\xc3\xa9\"}\n");
	WRITTEN(out, json_str(j, NULL));
	CHECK_STR(out, "{\"v\":null}\n");
}

/* A line past the writer's buffer still comes out whole and in order. */
static void long_line(void)
{
	size_t n = 3 * JSON_BUF_SIZE + 7, len = 0;
	char *s = malloc(n + 1), *got = NULL;
	FILE *f = open_memstream(&got, &len);
	struct json j;

	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	s[n] = '\0';
	json_init(&j, f);
	json_obj_begin(&j);
	for (int k = 0; k < 3; k++)
		json_kstr(&j, "k", s);
	json_obj_end(&j);
	fclose(f);
	CHECK_U64(len, 1 + 3 * (4 + n + 2) + 2 + 2); /* {, 3 members, 2 commas, }\n */
	CHECK(got && got[len - 1] == '\n' && got[len - 2] == '}');
	CHECK(got && strncmp(got + 6, s, n) == 0);
	free(got);
	free(s);
}

int main(void)
{
	numbers();
	strings();
	long_line();
	return check_report("test_json");
}
