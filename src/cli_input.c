// SPDX-License-Identifier: GPL-2.0
/* What the user typed, checked and quoted for the messages that echo it (cli.h).
 * A name is held to a spec's bytes; free text (a path, a task name, a command)
 * is quoted through log_quote(): never echoed raw. */
#include <string.h>

#include "cli.h"
#include "log.h"
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
