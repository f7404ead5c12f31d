// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as kernel log text -> decode__frames, line by line,
 * and each frame against a small table with what makes decoding hard:
 * duplicated names of one size and of several, a module's copy, clones, a
 * data symbol of a function's name, the last symbol of a module.
 *
 * Checks what decode.h promises: frames in order, inside their line, never
 * overlapping; a name that starts like an identifier, followed by +0x; sizes
 * and offsets of 32 bits, the offset below a size; " [MOD]" whenever there is
 * no size; "? " exactly when marked unreliable; and each frame read again on
 * its own is the same frame. Resolution: an exact answer is an instance of
 * that name in that module whose address is start + offset, numbered within
 * its count; an ambiguous one lists increasing instance numbers; any other
 * says why, in one line. */
#define _GNU_SOURCE
#include <string.h>

#include "decode.h"
#include "fuzz_common.h"

static const char table_text[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 t __pfx_c_start\n"
	"ffffffff81000110 t c_start\n"
	"ffffffff81000140 t c_next\n"
	"ffffffff81000180 t c_start\n"
	"ffffffff810001c0 t init_once\n"
	"ffffffff81000200 t init_once\n"
	"ffffffff81000240 t vfs_read.isra.0\n"
	"ffffffff81000280 T ksys_read\n"
	"ffffffff81000280 T __x64_sys_read_alias\n"
	"ffffffff810002c0 T _etext\n"
	"ffffffff82000000 d init_once\n"
	"ffffffffc0395000 t c_start\t[dummy]\n"
	"ffffffffc0395040 t dummy_xmit\t[dummy]\n"
	"ffffffffc0396000 d dummy_ops\t[dummy]\n"
	"ffffffffc0400000 t last_fn\t[other]\n";

static struct ksyms *table;

static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void check_frame(const char *line, size_t len, const struct decode_frame *f)
{
	struct decode_frame again[2];

	CHECK(f->start == f->name && f->start < f->end && f->end <= len);
	CHECK(f->name_len >= 1 && f->name_len <= KSYMS_NAME_MAX);
	CHECK(ident_start((unsigned char)line[f->name]));
	CHECK(f->name + f->name_len + 3 <= f->end);
	CHECK(memcmp(line + f->name + f->name_len, "+0x", 3) == 0);
	CHECK(f->off <= UINT32_MAX && f->size <= UINT32_MAX);
	CHECK(!f->has_size || f->size >= 1);
	CHECK(f->has_size || f->mod_len > 0);
	CHECK(f->mod_len <= 55);
	CHECK(!f->mod_len || (f->mod > f->name && f->mod + f->mod_len < f->end &&
			      line[f->end - 1] == ']'));
	CHECK(f->unreliable == (f->start >= 2 && line[f->start - 2] == '?' &&
				line[f->start - 1] == ' '));
	/* the frame alone parses to itself */
	CHECK(decode__frames(line + f->start, f->end - f->start, again, 2) == 1);
	CHECK(again[0].end == f->end - f->start && again[0].name_len == f->name_len &&
	      again[0].off == f->off && again[0].size == f->size &&
	      again[0].has_size == f->has_size && again[0].mod_len == f->mod_len);
}

static void check_result(const char *line, const struct decode_frame *f,
			 const struct decode_result *r)
{
	switch (r->status) {
	case DECODE_EXACT:
	case DECODE_SIZE_DIFFERS:
		CHECK(r->sym && ksym_is_func(r->sym));
		CHECK(strlen(ksyms__name(table, r->sym)) == f->name_len &&
		      memcmp(ksyms__name(table, r->sym), line + f->name, f->name_len) == 0);
		CHECK(r->addr == r->sym->addr + f->off);
		CHECK(r->index >= 1 && r->index <= r->count);
		CHECK(r->status == DECODE_SIZE_DIFFERS || !f->has_size || !r->sym->size ||
		      r->sym->size == f->size);
		CHECK(r->status == DECODE_EXACT || message_ok(r->reason, sizeof(r->reason)));
		break;
	case DECODE_AMBIGUOUS:
		CHECK(r->n_cand >= 2);
		for (size_t i = 1; i < r->n_cand && i < DECODE_CANDIDATES_MAX; i++)
			CHECK(r->cand[i - 1] < r->cand[i]);
		CHECK(r->cand[0] >= 1 && r->count >= r->n_cand);
		break;
	case DECODE_NO_SIZE:
	case DECODE_NOT_FOUND:
	case DECODE_BAD:
		CHECK(message_ok(r->reason, sizeof(r->reason)));
		break;
	default:
		CHECK(!"a status decode.h does not know");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct decode_frame frames[DECODE_FRAMES_MAX];
	static struct decode_result r;
	const char *text = (const char *)data, *end = text + size;

	if (!table) {
		struct ksyms_load_result res;

		table = fuzz_load((const uint8_t *)table_text, sizeof(table_text) - 1, false, false,
				  &res);
		CHECK(table);
	}
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
		size_t n = decode__frames(text, len, frames, DECODE_FRAMES_MAX);

		CHECK(n <= DECODE_FRAMES_MAX);
		for (size_t i = 0; i < n; i++) {
			check_frame(text, len, &frames[i]);
			CHECK(i == 0 || frames[i - 1].end <= frames[i].start);
			decode__resolve(table, text, &frames[i], &r);
			check_result(text, &frames[i], &r);
		}
		text += len + 1;
	}
	return 0;
}
