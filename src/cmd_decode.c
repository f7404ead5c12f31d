// SPDX-License-Identifier: GPL-2.0
/* ksymtrace decode [FILE]: kernel log text with every stack frame annotated. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "decode.h"
#include "json.h"
#include "ksyms_cache.h"
#include "log.h"
#include "output.h"

struct decode_args {
	const char *file; /* NULL or "-": standard input */
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct decode_args *a = state->input;

	switch (key) {
	case ARGP_KEY_ARG:
		if (a->file)
			argp_error(state, "decode reads one FILE (or standard input)");
		a->file = cli_nonempty(state, arg, "empty FILE: give a file, '-' or nothing for standard input");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Print kernel log text (an oops, a WARN, sysrq backtraces, /proc/PID/stack, "
	"ksymtrace's own --stack output) from FILE or standard input back, with every "
	"stack frame NAME+0xOFF/0xSIZE [MOD] annotated: its exact address and, when the "
	"name is duplicated, which instance the size says it is (#N), or 'ambiguous: #2 "
	"or #5' when the size cannot tell.\v"
	"The table is /proc/kallsyms, or -k FILE: a table saved on the machine that "
	"printed the log decodes it anywhere. Lines without frames pass through "
	"unchanged; a line over 64 KiB is passed through undecoded. With -j, one JSON "
	"object per frame: line, frame, name, offset, size, module, reliable, status "
	"(exact, ambiguous, size_differs, no_size, not_found, bad), addr, index, count, "
	"candidates, spec, reason.\n"
	"\n"
	"Examples:\n"
	"  dmesg | ksymtrace decode\n"
	"  ksymtrace decode /proc/$(pgrep -n sshd)/stack\n"
	"  ksymtrace -k saved-kallsyms decode oops.txt\n"
	"  dmesg | ksymtrace -j decode | jq -r 'select(.status == \"exact\") | .addr'";

/* A line longer than this is passed through undecoded: printk's lines are under
 * 1 KiB, and memory stays one buffer whatever the input. */
#define DECODE_LINE_MAX (64UL << 10)

struct decoder {
	struct ksyms *t;
	FILE *out;
	bool json;
	struct json j;
	uint64_t lineno;
	struct decode_result r; /* one frame's, reused: its reason is 4 KiB */
};

/* " (0xffffffff81234567 #2)", " (ambiguous: #2 or #5)", ... after a frame. */
static void annotate(FILE *o, const struct decode_result *r)
{
	size_t shown = r->n_cand < DECODE_CANDIDATES_MAX ? r->n_cand : DECODE_CANDIDATES_MAX;

	switch (r->status) {
	case DECODE_EXACT:
	case DECODE_SIZE_DIFFERS:
		fprintf(o, " (0x%" PRIx64, r->addr);
		if (r->count > 1)
			fprintf(o, " #%u", r->index);
		if (r->status == DECODE_SIZE_DIFFERS)
			fprintf(o, ", %s", r->reason);
		fputc(')', o);
		break;
	case DECODE_AMBIGUOUS:
		fputs(" (ambiguous: ", o);
		for (size_t i = 0; i < shown; i++)
			fprintf(o, "%s#%u", i == 0 ? "" : i + 1 < shown || r->n_cand > shown ? ", " : " or ",
				r->cand[i]);
		if (r->n_cand > shown)
			fprintf(o, " or %zu more", r->n_cand - shown);
		fputc(')', o);
		break;
	case DECODE_NO_SIZE:
		fputs(" (no instance of that size)", o);
		break;
	case DECODE_NOT_FOUND:
		fputs(" (not in the table)", o);
		break;
	case DECODE_BAD:
		fputs(" (offset past the size)", o);
		break;
	}
}

static const char *status_name(enum decode_status s)
{
	static const char *const names[] = {
		[DECODE_EXACT] = "exact", [DECODE_AMBIGUOUS] = "ambiguous",
		[DECODE_SIZE_DIFFERS] = "size_differs", [DECODE_NO_SIZE] = "no_size",
		[DECODE_NOT_FOUND] = "not_found", [DECODE_BAD] = "bad",
	};

	return names[s];
}

static void frame_json(struct decoder *d, const char *line, const struct decode_frame *f)
{
	const struct decode_result *r = &d->r;
	bool found = r->status == DECODE_EXACT || r->status == DECODE_SIZE_DIFFERS;
	char label[KSYMS_NAME_MAX + 64];
	struct json *j = &d->j;

	json_obj_begin(j);
	json_ku64(j, "line", d->lineno);
	json_key(j, "frame");
	json_strn(j, line + f->start, f->end - f->start);
	json_key(j, "name");
	json_strn(j, line + f->name, f->name_len);
	json_ku64(j, "offset", f->off);
	if (f->has_size)
		json_ku64(j, "size", f->size);
	else
		json_knull(j, "size");
	json_key(j, "module");
	json_strn(j, f->mod_len ? line + f->mod : "vmlinux", f->mod_len ? f->mod_len : 7);
	json_kbool(j, "reliable", !f->unreliable);
	json_kstr(j, "status", status_name(r->status));
	if (found)
		json_khex(j, "addr", r->addr);
	else
		json_knull(j, "addr");
	if (found)
		json_ku64(j, "index", r->index);
	else
		json_knull(j, "index");
	json_ku64(j, "count", r->count);
	json_key(j, "candidates");
	json_arr_begin(j);
	if (found)
		json_u64(j, r->index);
	for (size_t i = 0; i < r->n_cand && i < DECODE_CANDIDATES_MAX; i++)
		json_u64(j, r->cand[i]);
	json_arr_end(j);
	if (found) /* NAME+0xOFF#N: a spec that names this instance */
		json_kstr(j, "spec", format_label(label, sizeof(label), ksyms__name(d->t, r->sym),
						  f->off, r->index, r->count));
	else
		json_knull(j, "spec");
	if (r->reason[0])
		json_kstr(j, "reason", r->reason);
	else
		json_knull(j, "reason");
	json_obj_end(j);
}

/* One line, LEN bytes without its newline (NL: it had one). */
static void decode_line(struct decoder *d, const char *line, size_t len, bool nl)
{
	struct decode_frame frames[DECODE_FRAMES_MAX];
	size_t n = decode__frames(line, len, frames, DECODE_FRAMES_MAX), at = 0;

	d->lineno++;
	for (size_t i = 0; i < n; i++) {
		decode__resolve(d->t, line, &frames[i], &d->r);
		if (d->json) {
			frame_json(d, line, &frames[i]);
			continue;
		}
		fwrite(line + at, 1, frames[i].end - at, d->out);
		annotate(d->out, &d->r);
		at = frames[i].end;
	}
	if (!d->json) {
		fwrite(line + at, 1, len - at, d->out);
		if (nl)
			fputc('\n', d->out);
	}
}

/* Every line of FD, decoded as it comes (dmesg -w | ksymtrace decode). Returns
 * 0 or -errno of a failed read. */
static int decode_stream(struct decoder *d, int fd)
{
	char *buf = malloc(DECODE_LINE_MAX);
	size_t have = 0;
	bool skipping = false; /* in a line longer than the buffer: passed through */
	int err = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t got = read(fd, buf + have, DECODE_LINE_MAX - have);
		char *p = buf, *nl;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0) { /* the last line, without its newline */
			if (have && skipping && !d->json)
				fwrite(buf, 1, have, d->out);
			else if (have)
				decode_line(d, buf, have, false);
			break;
		}
		have += (size_t)got;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf)))) {
			if (skipping && !d->json)
				fwrite(p, 1, (size_t)(nl + 1 - p), d->out);
			else if (!skipping)
				decode_line(d, p, (size_t)(nl - p), true);
			skipping = false;
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == DECODE_LINE_MAX) {
			if (!d->json)
				fwrite(buf, 1, have, d->out);
			if (!skipping)
				d->lineno++;
			skipping = true;
			have = 0;
		}
		fflush(d->out);
	}
	free(buf);
	return err;
}

/* FILE, or standard input for NULL and "-". Prints why not and returns -1. */
static int open_input(const char *file)
{
	struct stat st;
	int fd;

	if (!file || strcmp(file, "-") == 0)
		return STDIN_FILENO;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot read %s: %m", file);
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_error("cannot read %s: %s", file, strerror(EISDIR));
		close(fd);
		return -1;
	}
	return fd;
}

int cmd_decode(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp argp = { NULL, parse, "[FILE]", doc, children, NULL, NULL };
	struct decode_args a = { 0 };
	struct decoder *d = NULL;
	int fd = -1, err, ret = EXIT_FAIL;

	cmd_parse(&argp, argc, argv, &a);
	/* the input first: nothing is printed for a file that cannot be read */
	fd = open_input(a.file);
	if (fd < 0)
		goto cleanup;
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_error("out of memory");
		goto cleanup;
	}
	/* a frame may be a BPF program's: the live table */
	d->t = cli_load_table(&(struct ksyms_query){ .names_later = true });
	if (!d->t)
		goto cleanup;
	d->out = stdout;
	d->json = env.json;
	json_init(&d->j, stdout);
	err = decode_stream(d, fd);
	if (err) {
		fflush(stdout);
		log_error("cannot read %s: %s", a.file && strcmp(a.file, "-") ? a.file : "standard input",
			  strerror(-err));
		goto cleanup;
	}
	if (fflush(stdout) != 0) {
		log_error("cannot write the output: %m");
		goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	if (fd > STDIN_FILENO)
		close(fd);
	if (d)
		ksyms__free(d->t);
	free(d);
	return ret;
}
