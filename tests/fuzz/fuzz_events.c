// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as a record from the ring buffer -> record__decode,
 * then the event printers (text and JSON) of what it accepts, and the summary
 * printers on counts taken from the bytes, over a plan of probes with what makes
 * printing hard: a kretprobe, an offset, a module, a duplicated name.
 *
 * The plans' values come from the fixture kernel's BTF (tests/fixtures/btf):
 * the first plan's probes are typed (every kind of value, a struct by value,
 * stack parameters, typed return values) or raw (an offset, a module without
 * BTF); the second's one probe records --arg expressions (strings, $comm, a
 * bitfield, several reads).
 *
 * The first byte chooses: bit 0 JSON, bit 1 the second plan, bit 2 the summary
 * instead of an event. The rest is the record, handed over 8-byte aligned, SIZE
 * as the ring buffer states it.
 *
 * Checks: a decoded event names a probe of the plan (or none), a stack of at most
 * KT_STACK_MAX frames or an errno; its text is whole lines of printable bytes,
 * beginning with a time of day; its JSON is one line of balanced brackets whose
 * strings hold no raw control byte and whose numbers a double holds exactly. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "events.h"
#include "fetch.h"
#include "fixture_btf.h"
#include "kbtf.h"
#include "fuzz_common.h"
#include "fuzz_plan.h"
#include "ksymtrace.h"
#include "plan.h"
#include "probe_values.h"
#include "record.h"

static const char table_text[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000110 t c_start\n"
	"ffffffff81000180 t c_next\n"
	"ffffffff81000200 T vfs_read\n"
	"ffffffff81000300 T vfs_write\n"
	"ffffffff81000480 t c_start\n"
	"ffffffff81000500 T set_mode\n"
	"ffffffff81000540 T many_args\n"
	"ffffffff81000580 t show_cpuinfo\n"
	"ffffffff810005c0 T make_big\n"
	"ffffffff81000700 T _etext\n"
	"ffffffffc0395080 t dummy_get_stats64\t[dummy]\n"
	"ffffffffc0395100 t c_start\t[dummy]\n";

static const char *const specs[] = { "vfs_read", "vfs_write%return", "vfs_read+0x10",
				     "dummy:dummy_get_stats64", "c_start#2", "set_mode",
				     "many_args", "show_cpuinfo%return", "make_big%return",
				     "c_start#1%return" };
#define NSPECS (sizeof(specs) / sizeof(specs[0]))
/* the second plan's one probe (vfs_read) records these */
static const char *const exprs[] = { "name=file->f_path.dentry->d_name.name:string", "$comm",
				     "file->f_state", "+8(%si):x32", "buf:string" };
#define NEXPRS (sizeof(exprs) / sizeof(exprs[0]))

static struct ksyms *table;
static struct plan *plans[2]; /* every spec; the first alone */
static struct probe_values_set *pvs[2];
static struct kbtf *kb;
static struct fetch_expr fe[NEXPRS];

static void cleanup(void)
{
	for (int i = 0; i < 2; i++)
		probe_values__free(pvs[i]);
	for (size_t i = 0; i < NEXPRS; i++)
		fetch__free(&fe[i]);
	kbtf__free(kb);
}

/* What each plan's probes record, from the fixture kernel's BTF. */
static void make_values(void)
{
	struct probe_values_opts o = { .string_size = 16 };
	char err[FETCH_ERR_LEN];
	int e;

	CHECK(fixture_btf__temp_sysroot() == 0);
	atexit(cleanup);
	kb = kbtf__new();
	CHECK(kb);
	pvs[0] = probe_values__build(plans[0], kb, &o, &e);
	CHECK(pvs[0]);
	CHECK(fetch__parse_all(exprs, NEXPRS, fe, err, sizeof(err)) == 0);
	o.exprs = fe;
	o.nexprs = NEXPRS;
	pvs[1] = probe_values__build(plans[1], kb, &o, &e);
	CHECK(pvs[1]);
}

/* Whole lines of printable ASCII. */
static void check_lines(const char *s, size_t n)
{
	CHECK(n > 0 && s[n - 1] == '\n');
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] == '\n' || (s[i] >= 0x20 && s[i] < 0x7f));
}

/* An event's text: lines that begin with a time of day. */
static void check_text(const char *s, size_t n)
{
	check_lines(s, n);
	CHECK((isdigit((unsigned char)s[0]) && s[2] == ':') || strncmp(s, "??:??:??.", 9) == 0);
}

/* One line of JSON: brackets balanced outside strings, no raw control byte in a
 * string, and no number of more than 16 digits (2^53 has 16). */
static void check_json(const char *s, size_t n)
{
	int depth = 0, digits = 0;
	bool in_str = false;

	CHECK(n > 0 && s[n - 1] == '\n' && !memchr(s, '\n', n - 1));
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (in_str) {
			CHECK(c >= 0x20);
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		digits = isdigit(c) ? digits + 1 : 0;
		CHECK(digits <= 16);
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			CHECK(--depth >= 0);
	}
	CHECK(depth == 0 && !in_str);
}

static void summary(struct event_printer *pr, const struct plan *pl, const uint8_t *d, size_t n)
{
	/* a hit count and an attached flag for every probe of the plan */
	uint64_t v[8] = { 0 }, hits[NSPECS] = { 0 };
	bool attached[NSPECS] = { 0 };
	struct tracer_stats st = { .hits = hits, .attached = attached };
	struct event_counts c;

	memcpy(v, d, n < sizeof(v) ? n : sizeof(v));
	for (size_t i = 0; i < plan__count(pl) && i < 8; i++) {
		hits[i] = v[i] >> 1;
		attached[i] = v[i] & 1;
	}
	st.lost = v[5];
	st.unknown = v[6] >> 32;
	c = (struct event_counts){ .events = v[7] & 1, .printed = v[7] >> 1, .unwritten = v[6] & 0xffffffff,
				   .stall_s = 2, .malformed = v[6] >> 48 };
	event_printer__summary(pr, pr->out, &st, &c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static __u64 rec[(KT_REC_MAX + 7) / 8];
	struct event_printer pr;
	const struct plan *pl;
	const struct probe_values_set *pv;
	struct event ev;
	const char *why = NULL;
	char *out = NULL;
	size_t len = 0, n;
	FILE *f;
	bool json;

	if (!table) {
		struct ksyms_load_result res;

		table = fuzz_load((const uint8_t *)table_text, sizeof(table_text) - 1, false, false, &res);
		CHECK(table);
		plans[0] = fuzz_plan(table, specs, NSPECS);
		plans[1] = fuzz_plan(table, specs, 1);
		make_values();
	}
	if (size < 1 || size - 1 > sizeof(rec))
		return 0;
	json = data[0] & 1;
	pl = plans[(data[0] >> 1) & 1];
	pv = pvs[(data[0] >> 1) & 1];
	n = size - 1;
	memcpy(rec, data + 1, n);

	f = open_memstream(&out, &len);
	CHECK(f);
	CHECK(event_printer__init(&pr, f, pl, pv, json) == 0);
	if (data[0] & 4) {
		summary(&pr, pl, data + 1, n);
	} else if (record__decode(rec, n, event_printer__shape(&pr), &ev, &why)) {
		CHECK(ev.probe < plan__count(pl) || ev.probe == KT_PROBE_UNKNOWN);
		CHECK(ev.n_frames <= KT_STACK_MAX && ev.comm_len <= KT_COMM_LEN);
		CHECK(ev.stack_err >= 0 && ev.stack_err <= RECORD_ERRNO_MAX && !(ev.stack_err && ev.n_frames));
		CHECK(ev.cpu < RECORD_CPU_MAX && ev.pid <= RECORD_PID_MAX && ev.tid <= RECORD_PID_MAX);
		/* values: as many as the probe records, strings inside the record and
		 * within --string-size */
		CHECK(ev.nvals <= RECORD_VALS_MAX);
		for (size_t i = 0; i < ev.nvals; i++)
			CHECK(ev.vals[i].state != KT_VAL_STRING ||
			      ((const char *)ev.vals[i].str >= (const char *)rec &&
			       ev.vals[i].str + ev.vals[i].str_len <= (const char *)rec + n &&
			       ev.vals[i].str_len <= probe_values__string_size(pv)));
		event_printer__event(&pr, &ev);
	} else {
		CHECK(why && *why);
	}
	event_printer__fini(&pr);
	CHECK(fclose(f) == 0);
	if (len && json)
		check_json(out, len);
	else if (len && !(data[0] & 4))
		check_text(out, len);
	else if (len)
		check_lines(out, len);
	free(out);
	return 0;
}
