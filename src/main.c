// SPDX-License-Identifier: GPL-2.0
/* ksymtrace: resolve kernel symbols that are not unique, and trace them by address.
 * The top level parses global options, then hands the rest of the command line to
 * one subcommand from the table below. */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ksyms_cache.h"
#include "log.h"
#include "spec.h"

struct global_env env = { .kallsyms = "/proc/kallsyms" };

const char *argp_program_version = "ksymtrace " KSYMTRACE_VERSION;
const char *argp_program_bug_address = NULL;

static const struct argp_option global_opts[] = {
	{ "kallsyms", 'k', "FILE", 0, "Read symbols from FILE instead of /proc/kallsyms ('-' for stdin)", 0 },
	{ "json", 'j', NULL, 0, "Print JSON Lines on stdout", 0 },
	{ "verbose", 'v', NULL, 0, "Say more on stderr; twice shows libbpf's own messages", 0 },
	{ "quiet", 'q', NULL, 0, "Print only errors on stderr", 0 },
	{ "no-cache", OPT_NO_CACHE, NULL, 0, "Read /proc/kallsyms itself, not the per-boot snapshot in /run/ksymtrace", 0 },
	{},
};

static error_t global_parse(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case 'k':
		if (!*arg)
			argp_error(state, "-k needs a file name");
		env.kallsyms = arg;
		env.kallsyms_given = true;
		break;
	case 'j':
		env.json = true;
		break;
	case 'v':
		env.verbose++;
		env.quiet = false;
		log_level = env.verbose > 1 ? LOG_DEBUG : LOG_VERBOSE;
		break;
	case OPT_NO_CACHE:
		env.no_cache = true;
		break;
	case 'q':
		env.quiet = true;
		env.verbose = 0;
		log_level = LOG_QUIET;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp global_argp = { global_opts, global_parse, NULL, NULL, NULL, NULL, NULL };

/* The subcommands. --help's command list and the "unknown command" message are
 * made from this table, so a new command is one row here. */
struct command {
	const char *name;
	const char *args;    /* its operands, as --help shows them */
	const char *summary; /* one line of --help */
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "resolve", "SPEC...", "every symbol each SPEC names: names, globs, addresses", cmd_resolve },
	{ "list", "[GLOB]", "symbols matching GLOB (functions by default), by name", cmd_list },
	{ "attach", "SPEC...", "kprobes/kretprobes at each SPEC; stream events", cmd_attach },
	{ "decode", "[FILE]", "stack traces in log text: each frame's address and instance", cmd_decode },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Before \v: the first paragraph of --help, which top_help_filter() follows
 * with the commands; after it, the closing text. */
static const char top_doc[] =
	"Resolve kernel symbols that are not unique, and trace them by exact address."
	"\v"
	"SPEC := [MOD:]NAME[+OFF[/SIZE]][#N|@ADDR][%return] | ADDR[%return]\n"
	"      | kprobe:[MOD:]NAME[+OFF] | kretprobe:[MOD:]NAME\n"
	"\n"
	"Exit status: 0 success; 1 runtime failure, nothing found, or the kernel\n"
	"refused; 2 usage error; 3 a spec names several symbols and there is no\n"
	"terminal to ask which; 4 an attach --expect did not hold; 128+N attach\n"
	"stopped by signal N before tracing.\n"
	"A reader of stdout that goes away (| head) is a normal end: status 0.\n"
	"\n"
	"Examples:\n"
	"  ksymtrace resolve c_start              # every c_start, address and size\n"
	"  ksymtrace resolve 0xffffffff81234567   # which symbol holds this address\n"
	"  ksymtrace attach vfs_read+0x21 -d 5    # trace an instruction for 5 s\n"
	"  ksymtrace attach c_start --all -c 'cat /proc/cpuinfo'";

/* argp's help filter: TEXT, then "Commands:" with one aligned row per command.
 * argp frees what this returns when it is not TEXT. */
static char *top_help_filter(int key, const char *text, void *input)
{
	size_t width = 0, len;
	char *doc = NULL;
	FILE *f;

	(void)input;
	if (key != ARGP_KEY_HELP_PRE_DOC || !text)
		return (char *)text;
	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t w = strlen(commands[i].name) + 1 + strlen(commands[i].args);

		width = w > width ? w : width;
	}
	f = open_memstream(&doc, &len);
	if (!f)
		return (char *)text;
	fprintf(f, "%s\n\nCommands:\n", text);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct command *c = &commands[i];

		fprintf(f, "  %s %-*s  %s\n", c->name, (int)(width - strlen(c->name) - 1), c->args,
			c->summary);
	}
	fputs("\nRun 'ksymtrace COMMAND --help' for a command's options.", f);
	if (fclose(f)) {
		free(doc);
		return (char *)text;
	}
	return doc;
}

static int cmd_index;

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_ARG:
		(void)arg;
		/* the command: stop here and leave the rest to it */
		cmd_index = state->next - 1;
		state->next = state->argc;
		return 0;
	case ARGP_KEY_NO_ARGS:
		argp_usage(state);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

void cmd_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	char name[64];
	char *saved = argv[0];

	/* "Usage: ksymtrace resolve ..." in argp's messages */
	snprintf(name, sizeof(name), "ksymtrace %s", argv[0]);
	argv[0] = name;
	argp_parse(argp, argc, argv, 0, NULL, input);
	argv[0] = saved;
}

void cli_take_operands(struct argp_state *state, char ***texts, int *n)
{
	*texts = state->argv + state->next;
	*n = state->argc - state->next;
	state->next = state->argc;
}

const char *cli_nonempty(struct argp_state *state, const char *arg, const char *msg)
{
	if (!*arg)
		argp_error(state, "%s", msg);
	return arg;
}

/* "unknown command 'x': the commands are resolve, list and attach (see --help)" */
static void unknown_command(const char *name)
{
	char *names = NULL;
	size_t len;
	FILE *f = open_memstream(&names, &len);

	for (size_t i = 0; f && i < N_COMMANDS; i++)
		fprintf(f, "%s%s", i == 0 ? "" : i + 1 < N_COMMANDS ? ", " : " and ", commands[i].name);
	if (f && fclose(f) == 0)
		log_error("unknown command '%s': the commands are %s (see --help)", name, names);
	else
		log_error("unknown command '%s' (see --help)", name);
	free(names);
}

/* Descriptors 0-2 that the caller closed (>&-, 2>&-) are /dev/null from the
 * start: otherwise the next file ksymtrace opened would take the number, and
 * events or -c's output would be written into it. Before anything opens a file. */
static void open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number: this one, as those below are open */
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd) {
			/* to stderr if that one is open */
			fprintf(stderr, "ksymtrace: cannot open /dev/null for closed descriptor %d: %m\n", fd);
			_exit(EXIT_FAIL);
		}
	}
}

/* A pipe whose reader went away: poll(2) says POLLERR on its write end. */
static bool stdout_reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static bool output_ended;

int cli_end_output(void)
{
	int err;

	output_ended = true;
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_OK;
	err = errno ? errno : EIO;
	/* `| head`: the reader has what it wanted, a normal end */
	if (err == EPIPE || stdout_reader_gone())
		return EXIT_OK;
	log_error("cannot write the output: %s", strerror(err));
	return EXIT_FAIL;
}

/* What argp prints (--help, --version, usage) and exits with 0, and anything a
 * command did not check itself: output that did not reach stdout is a failure. */
static void end_output_at_exit(void)
{
	if (!output_ended && cli_end_output() != EXIT_OK)
		_exit(EXIT_FAIL);
}

int main(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp top = { NULL, top_parse, "COMMAND [ARGS...]", top_doc, children,
				  top_help_filter, NULL };

	open_std_fds();
	/* a closed stdout is EPIPE, a normal end each command handles, not a death
	 * by SIGPIPE (141) in the middle of a table */
	signal(SIGPIPE, SIG_IGN);
	atexit(end_output_at_exit);
	argp_err_exit_status = EXIT_USAGE;
	argp_parse(&top, argc, argv, ARGP_IN_ORDER, NULL, NULL);

	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[cmd_index], commands[i].name) == 0)
			return commands[i].fn(argc - cmd_index, argv + cmd_index);

	unknown_command(argv[cmd_index]);
	return EXIT_USAGE;
}

int cli_parse_specs(char **texts, int n, struct spec **out)
{
	struct spec *specs = calloc(n > 0 ? (size_t)n : 1, sizeof(*specs));

	*out = NULL;
	if (!specs) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	for (int i = 0; i < n; i++) {
		char err[SPEC_ERR_LEN];
		int r = spec__parse(texts[i], &specs[i], err, sizeof(err));

		if (r) {
			log_error("%s", err);
			cli_free_specs(specs, i);
			return r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
		}
	}
	*out = specs;
	return EXIT_OK;
}

void cli_free_specs(struct spec *specs, int n)
{
	for (int i = 0; specs && i < n; i++)
		spec__free(&specs[i]);
	free(specs);
}

struct ksyms *cli_load_table(const struct ksyms_query *q)
{
	struct ksyms_opts opts = { .waiting = cli_table_waiting };
	struct ksyms_cache_result cr;
	struct ksyms_load_result res;
	bool is_stdin = strcmp(env.kallsyms, "-") == 0;
	char quoted[LOG_QUOTE_MAX];
	const char *what = cli_table_name(quoted, sizeof(quoted));
	struct ksyms *t;

	struct timespec t0, t1;

	if (is_stdin)
		opts.stream = stdin;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (env.kallsyms_given) { /* -k: that file, never the snapshot */
		t = ksyms__load(env.kallsyms, &opts, &res);
	} else {
		t = ksyms_cache__load(&(struct ksyms_cache_opts){ .q = q, .no_cache = env.no_cache }, &cr);
		if (t && cr.snapshot)
			return t; /* said with -v, by ksyms_cache__load */
		res = cr.load;
		what = log_quote(quoted, sizeof(quoted), cr.path);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (res.bad_lines) {
		char lines[96] = "";
		int len = 0;
		size_t shown = res.bad_lines < 8 ? res.bad_lines : 8;

		for (size_t i = 0; i < shown && len >= 0 && (size_t)len < sizeof(lines); i++)
			len += snprintf(lines + len, sizeof(lines) - (size_t)len, "%s%u", i ? ", " : "",
					res.first_bad[i]);
		log_verbose("%s: skipped %zu malformed line%s (line %s%s)", what, res.bad_lines,
			    res.bad_lines == 1 ? "" : "s", lines, res.bad_lines > shown ? ", ..." : "");
	}
	if (t && res.no_final_newline)
		log_warn("%s: the last line has no newline: the file may be truncated", what);
	if (t) {
		log_verbose("%s: %zu symbols in %zu modules, loaded in %.1f ms", what, ksyms__count(t),
			    ksyms__mod_count(t),
			    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		return t;
	}

	switch (res.err) {
	case KSYMS_ERR_IO:
		log_error("cannot read %s: %s", what, ksyms__strerror(&res));
		if (res.sys_errno == ENOENT && !is_stdin)
			log_hint("give a saved copy of /proc/kallsyms with -k FILE");
		else if (res.sys_errno == EISDIR)
			log_hint("-k takes a file, such as a saved copy of /proc/kallsyms");
		break;
	case KSYMS_ERR_ZERO_ADDRS:
		log_error("%s: %s", what, ksyms__strerror(&res));
		log_hint("run as root (CAP_SYSLOG); if that is not enough, sysctl kernel.kptr_restrict=0 (2 hides them from everyone)");
		break;
	case KSYMS_ERR_EMPTY:
		log_error("%s: no kernel symbols in it%s", what,
			  res.bad_lines ? " (every line is malformed: is it a copy of /proc/kallsyms?)" : "");
		break;
	default:
		log_error("%s: %s", what, ksyms__strerror(&res));
		break;
	}
	return NULL;
}
