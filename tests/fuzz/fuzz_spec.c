// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as a spec typed on the command line -> spec__parse, and
 * the number parser it uses, and resolution against a small table that has what
 * makes resolution hard: duplicated names, modules, clones, aliases, __pfx_
 * symbols, data symbols and zero addresses.
 *
 * Checks what the grammar promises: a rejected spec leaves a one-line reason and
 * nothing allocated; an accepted one is a name or an address, never both, with a
 * name of at most 511 bytes; parse_u64 agrees with strtoull on plain numbers. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "fuzz_common.h"
#include "parse.h"
#include "spec.h"

static const char table_text[] =
	"0000000000000000 A fixed_percpu_data\n"
	"0000000000001000 A cpu_debug_store\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T _text\n"
	"ffffffff81000100 t __pfx_c_start\n"
	"ffffffff81000110 t c_start\n"
	"ffffffff81000180 t c_next\n"
	"ffffffff81000200 T vfs_read\n"
	"ffffffff81000300 t vfs_read.isra.0\n"
	"ffffffff81000400 t do_thing.constprop.0\n"
	"ffffffff81000440 t do_thing.part.0.cold\n"
	"ffffffff81000480 t c_start\n"
	"ffffffff81000500 t init_once\n"
	"ffffffff81000500 t init_once_alias\n"
	"ffffffff81000600 d __func__.0\n"
	"ffffffff81000610 d __func__.0\n"
	"ffffffff81000700 T _etext\n"
	"ffffffffc0395080 t dummy_get_stats64\t[dummy]\n"
	"ffffffffc0395100 t c_start\t[dummy]\n"
	"ffffffffc0395180 t init_once\t[dummy]\n"
	"ffffffffc0395200 T dummy_exit\t[dummy]\n"
	"ffffffffc0390000 t c_start\t[other]\n"
	"ffffffffc0390100 t other_fn\t[other]\n"
	"ffffffffc0400000 t bpf_prog_6deef7357e7b4530\t[bpf]\n";

static struct ksyms *table;

/* parse_u64 against strtoull, on strings made only of digits (with 0x) */
static void check_number(const char *s)
{
	const char *digits = s;
	int base = 10;
	uint64_t v = 0;
	int r = parse_u64(s, &v);

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	if (!*digits || strspn(digits, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") !=
				strlen(digits)) {
		CHECK(r == -EINVAL || r == -ERANGE); /* too many digits before the bad byte */
		return;
	}
	errno = 0;
	unsigned long long want = strtoull(digits, NULL, base);

	if (errno == ERANGE) {
		CHECK(r == -ERANGE);
	} else {
		CHECK(r == 0);
		CHECK(v == want);
	}
}

static void resolve(const struct spec *sp, const struct resolve_opts *ro)
{
	struct candidates c = { 0 };
	char err[SPEC_ERR_LEN] = "";
	enum spec_res r = spec__resolve(sp, table, ro, &c, err, sizeof(err));

	if (r != SPEC_RES_OK) {
		CHECK(message_ok(err, sizeof(err)));
		CHECK(c.n == 0);
	}
	CHECK(r != SPEC_RES_OK || c.n > 0);
	for (size_t k = 0; k < c.n; k++) {
		const struct target *tg = &c.v[k];

		CHECK(ksyms__pos(table, tg->sym) < ksyms__count(table));
		CHECK(tg->index >= 1 && tg->index <= tg->count);
		if (ro->funcs_only)
			CHECK(ksym_is_func(tg->sym));
		if (sp->inst)
			CHECK(tg->index == sp->inst);
		if (sp->has_at)
			CHECK(tg->sym->addr == sp->at);
		if (sp->is_addr)
			CHECK(tg->off == sp->addr - tg->sym->addr);
		else
			CHECK(tg->off == sp->off);
	}
	candidates__free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, err[SPEC_ERR_LEN];
	struct spec sp;

	if (!table) {
		struct ksyms_load_result res;

		table = fuzz_load((const uint8_t *)table_text, sizeof(table_text) - 1, false, false,
				  &res);
		CHECK(table);
	}
	/* a command-line argument: a C string */
	text = strndup((const char *)data, size);
	CHECK(text);

	check_number(text);
	memset(err, 0, sizeof(err));
	if (spec__parse(text, &sp, err, sizeof(err)) != 0) {
		CHECK(message_ok(err, sizeof(err)));
		CHECK(!sp.text && !sp.mod && !sp.name);
		free(text);
		return 0;
	}
	CHECK(sp.text && strcmp(sp.text, text) == 0);
	CHECK(sp.is_addr == !sp.name);
	CHECK(!sp.name || (*sp.name && strlen(sp.name) <= KSYMS_NAME_MAX));
	CHECK(!sp.glob || (!sp.inst && !sp.has_at));
	CHECK(!sp.is_addr || (!sp.has_off && !sp.inst && !sp.has_at));
	CHECK(!sp.mod || *sp.mod);

	struct resolve_opts plain = { 0 }, funcs = { .funcs_only = true },
			    in_dummy = { .funcs_only = true, .mod = "dummy" },
			    at = { .has_at = true, .at = 0xffffffff81000480 };

	resolve(&sp, &plain);
	resolve(&sp, &funcs);
	resolve(&sp, &in_dummy);
	resolve(&sp, &at);
	spec__free(&sp);
	free(text);
	return 0;
}
