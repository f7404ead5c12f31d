// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: --expect texts -> expect__parse, expect__bind against a plan
 * of duplicated, module, offset and return probes, then a run's end from the
 * bytes: return events, the kernel's counters, expect__evaluate, the report
 * and the JSON summary member.
 *
 * The input is a byte of options (bit 0: the run sends events, as without
 * --count), the counters (16 bytes), then up to EXPECT_MAX + 1 texts split at
 * NUL bytes (a text may hold a newline, as an argument can).
 *
 * Checks what the grammar promises: a refusal is exactly one line on stderr,
 * whole, with nothing a terminal would act on, and leaves nothing allocated;
 * an accepted set says nothing; at the end, one report line per failed
 * expectation (and only then), each as safe, and a JSON member on one line
 * with its brackets balanced and no raw control byte. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "expect.h"
#include "fuzz_common.h"
#include "fuzz_plan.h"
#include "log.h"
#include "record.h"

static const char table_text[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000110 t c_start\n"
	"ffffffff81000200 T vfs_read\n"
	"ffffffff81000300 T vfs_write\n"
	"ffffffff81000480 t c_start\n"
	"ffffffff81000700 T _etext\n"
	"ffffffffc0395080 t dummy_get_stats64\t[dummy]\n";

/* labels: c_start#1, c_start#2%return, vfs_read, vfs_read+0x10, vfs_write%return,
 * dummy_get_stats64 */
static const char *const specs[] = { "c_start#1", "c_start#2%return", "vfs_read",
				     "vfs_read+0x10", "vfs_write%return",
				     "dummy:dummy_get_stats64" };
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static struct ksyms *table;
static struct plan *plan;
static int cap_fd = -1; /* stderr, captured */

static void setup(void)
{
	struct ksyms_load_result res;

	table = fuzz_load((const uint8_t *)table_text, sizeof(table_text) - 1, false, false, &res);
	CHECK(table);
	plan = fuzz_plan(table, specs, NSPECS);
	cap_fd = memfd_create("stderr", 0);
	CHECK(cap_fd >= 0);
}

/* Start capturing stderr; stop_capture() returns what was written (static). */
static int start_capture(void)
{
	int saved = dup(STDERR_FILENO);

	CHECK(saved >= 0 && ftruncate(cap_fd, 0) == 0 && lseek(cap_fd, 0, SEEK_SET) == 0);
	fflush(stderr);
	CHECK(dup2(cap_fd, STDERR_FILENO) == STDERR_FILENO);
	return saved;
}

static const char *stop_capture(int saved, size_t *len)
{
	static char buf[1 << 16];
	ssize_t n;

	fflush(stderr);
	CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	n = pread(cap_fd, buf, sizeof(buf) - 1, 0);
	CHECK(n >= 0);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* LEN bytes of whole lines, each starting with PREFIX and safe to show. */
static size_t check_lines(const char *s, size_t len, const char *prefix)
{
	size_t lines = 0;

	CHECK(len == 0 || s[len - 1] == '\n');
	for (const char *p = s, *nl; p < s + len; p = nl + 1, lines++) {
		nl = memchr(p, '\n', (size_t)(s + len - p));
		CHECK(strncmp(p, prefix, strlen(prefix)) == 0);
		CHECK(log_safe_span(p) == (size_t)(nl - p)); /* it stops at the newline */
	}
	return lines;
}

/* One JSON member on one line: brackets balanced outside strings, no raw control. */
static void check_json(const char *s, size_t len)
{
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c >= 0x20 || (c == '\n' && i == len - 1));
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			CHECK(--depth >= 0);
		}
	}
	CHECK(!in_str && depth == 0);
}

/* The end of a run: return events and counters from D, then the verdicts. */
static void run_end(struct expect_set *ex, const uint8_t *d, size_t n)
{
	uint64_t hits[NSPECS], missed[NSPECS];
	bool attached[NSPECS];
	struct tracer_stats st = { .hits = hits, .attached = attached, .missed = missed };
	char *json = NULL;
	size_t failed, len, json_len = 0;
	const char *out;
	struct json j;
	FILE *f;
	int saved;

	for (size_t i = 0; i < NSPECS; i++) {
		uint8_t b = i < n ? d[i] : 0;

		hits[i] = b & 0x80 ? UINT64_MAX - (b & 3) : b & 0x3f;
		missed[i] = b & 0x40 ? TRACER_MISSED_UNKNOWN : b & 7;
		attached[i] = !(b & 0x20);
	}
	st.lost = n > NSPECS ? d[NSPECS] & 3 : 0;
	st.unknown = n > NSPECS + 1 ? d[NSPECS + 1] & 3 : 0;
	/* return events of the two kretprobes, values from the bytes */
	for (size_t i = NSPECS + 2; i + 1 < n && i < 16; i += 2) {
		struct event ev = { .probe = d[i] & 1 ? 1 : 4, .ret = true };

		ev.retval = d[i + 1] & 0x80 ? (uint64_t)(int64_t)(int8_t)d[i + 1] : d[i + 1];
		expect__event(ex, &ev);
	}
	failed = expect__evaluate(ex, &st);
	saved = start_capture();
	expect__report(ex);
	out = stop_capture(saved, &len);
	/* a failed one is an error line; when all held, a note says so */
	if (failed)
		CHECK(check_lines(out, len, "ksymtrace: --expect '") == failed);
	else
		check_lines(out, len, "ksymtrace: ");
	f = open_memstream(&json, &json_len);
	CHECK(f);
	json_init(&j, f);
	json_obj_begin(&j);
	expect__json(ex, &j);
	json_obj_end(&j);
	json_flush(&j);
	fclose(f);
	check_json(json, json_len);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *texts[EXPECT_MAX + 1], *out;
	struct expect_set *ex = (struct expect_set *)1;
	size_t n = 0, len, head = 1 + 16;
	char *buf;
	int r, saved;

	if (!table)
		setup();
	if (size < head)
		return 0;
	buf = malloc(size - head + 1);
	CHECK(buf);
	memcpy(buf, data + head, size - head);
	buf[size - head] = '\0';
	for (char *p = buf; p <= buf + (size - head) && n <= EXPECT_MAX; p += strlen(p) + 1)
		texts[n++] = p;
	saved = start_capture();
	r = expect__parse(texts, n, data[0] & 1, &ex);
	out = stop_capture(saved, &len);
	if (r != EXIT_OK) {
		/* one line, whole and safe, and nothing kept */
		CHECK(r == EXIT_USAGE && !ex);
		CHECK(check_lines(out, len, "ksymtrace: --expect") == 1);
		free(buf);
		return 0;
	}
	CHECK(ex && len == 0);
	saved = start_capture();
	r = expect__bind(ex, plan);
	out = stop_capture(saved, &len);
	if (r != EXIT_OK)
		CHECK(r == EXIT_USAGE && check_lines(out, len, "ksymtrace: --expect '") == 1);
	else
		run_end(ex, data + 1, 16);
	expect__free(ex);
	free(buf);
	return 0;
}
