// SPDX-License-Identifier: GPL-2.0
/* What the user typed, checked and quoted for the messages that echo it (cli.h).
 * A name is held to a spec's bytes; free text (a path, a task name, a command)
 * is quoted through log_quote(): never echoed raw. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "parse.h"
#include "spec.h"

const char *cli_name(struct argp_state *state, const char *arg, const char *label,
		     const char *noun, const char *empty)
{
	char err[SPEC_ERR_LEN];

	if (!*arg)
		argp_error(state, "%s", empty);
	if (spec__check_name(arg, label, noun, err, sizeof(err)))
		argp_error(state, "%s", err);
	return arg;
}

void cli_table_waiting(const char *path)
{
	char q[LOG_QUOTE_MAX];

	log_note("%s: a FIFO with nothing written to it yet: waiting for its writer (Ctrl-C to stop)",
		 log_quote(q, sizeof(q), path));
}

const char *cli_table_name(char *buf, size_t len)
{
	if (strcmp(env.kallsyms, "-") == 0)
		return "standard input";
	return log_quote(buf, len, env.kallsyms);
}

/* Ring buffer sizes: KiB by default, K/M/G suffixes; a power of two that is a
 * whole number of pages (the kernel's rule for BPF_MAP_TYPE_RINGBUF). */
void cli_ringbuf_size(struct argp_state *state, const char *text, size_t *out)
{
	size_t len = strlen(text), page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t v, mult = 1024;
	char num[32], q[LOG_QUOTE_MAX];
	const char *arg = log_quote(q, sizeof(q), text); /* for the messages */

	if (len && strchr("kKmMgG", text[len - 1])) {
		char s = (char)(text[len - 1] | 0x20);

		mult = s == 'k' ? 1024 : s == 'm' ? 1024 * 1024 : 1024 * 1024 * 1024;
		len--;
	}
	if (len == 0 || len >= sizeof(num))
		argp_error(state, "--ringbuf-size '%s': give KiB, or a number with K, M or G (such as 8M)", arg);
	memcpy(num, text, len);
	num[len] = '\0';
	if (parse_u64(num, &v) || v == 0 || v > CLI_RINGBUF_MAX / mult)
		argp_error(state, "--ringbuf-size '%s': give a size from %zuK to 1G", arg, page / 1024);
	v *= mult;
	if (v < page)
		argp_error(state, "--ringbuf-size '%s': at least one page (%zuK)", arg, page / 1024);
	if (v & (v - 1)) {
		uint64_t lo = 1;

		while (lo * 2 < v)
			lo *= 2;
		argp_error(state, "--ringbuf-size '%s': the kernel wants a power of two: %" PRIu64 "K or %" PRIu64 "K",
			   arg, lo / 1024, lo * 2 / 1024);
	}
	*out = (size_t)v;
}

double cli_seconds(struct argp_state *state, const char *arg)
{
	char *end, q[LOG_QUOTE_MAX];
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(d) || d <= 0 || d > 1e8)
		argp_error(state, "-d '%s': give a number of seconds greater than 0, such as 5 or 0.5",
			   log_quote(q, sizeof(q), arg));
	return d;
}
