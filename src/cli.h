/* SPDX-License-Identifier: GPL-2.0 */
/* What every subcommand shares: global options, exit codes, the table loader. */
#ifndef KSYMTRACE_CLI_H
#define KSYMTRACE_CLI_H

#include <argp.h>
#include <stdbool.h>

#include "ksyms.h"

/* Exit codes (DESIGN.md §3), documented in --help, the man page and the README. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,      /* runtime failure, nothing found, or the kernel refused */
	EXIT_USAGE = 2,     /* bad option or spec */
	EXIT_AMBIGUOUS = 3, /* a spec names several symbols and there is no way to ask */
	EXIT_EXPECT = 4,    /* the run went fine, and an --expect did not hold */
};

/* Global options that have no one-letter form. */
enum { OPT_NO_CACHE = 900 };

struct global_env {
	const char *kallsyms; /* -k FILE; "-" is stdin */
	bool kallsyms_given;  /* -k: that file, never the per-boot snapshot */
	bool no_cache;        /* --no-cache: /proc/kallsyms itself, never the snapshot */
	bool json;            /* -j */
	int verbose;          /* -v count */
	bool quiet;           /* -q */
};

extern struct global_env env;

/* The global options as an argp child, so they work after the subcommand too. */
extern const struct argp global_argp;
#define GLOBAL_ARGP_CHILD { &global_argp, 0, "Global options:", 100 }

/* Parse a subcommand's arguments: argv[0] is the command name. Exits 2 on a usage
 * error, like argp itself. */
void cmd_parse(const struct argp *argp, int argc, char **argv, void *input);

/* For a command's parser, at ARGP_KEY_ARGS: every operand at once. argp has
 * moved the options ahead of them, so they are the tail of argv; no copy. */
void cli_take_operands(struct argp_state *state, char ***texts, int *n);

/* ARG, or a usage error (exit 2) saying MSG when it is empty. */
const char *cli_nonempty(struct argp_state *state, const char *arg, const char *msg);
/* ARG, a name (list's GLOB, --module): a usage error saying EMPTY when it is
 * empty, or naming the byte when it holds one no name may (spec__check_name,
 * with LABEL and NOUN for the message). */
const char *cli_name(struct argp_state *state, const char *arg, const char *label,
		     const char *noun, const char *empty);

/* -b, --ringbuf-size TEXT: KiB, or with a K, M or G suffix; a power of two that
 * is a whole number of pages, at most CLI_RINGBUF_MAX; else a usage error. */
#define CLI_RINGBUF_MAX (1u << 30)
void cli_ringbuf_size(struct argp_state *state, const char *text, size_t *out);
/* -d SECONDS: a number greater than 0 (decimals allowed); else a usage error. */
double cli_seconds(struct argp_state *state, const char *arg);

struct spec;
/* Parse every spec before the table is read or anything printed. Returns EXIT_OK
 * with *OUT holding N specs, EXIT_USAGE after one error line naming the bad spec,
 * or EXIT_FAIL when out of memory. cli_free_specs() takes what it returned. */
int cli_parse_specs(char **texts, int n, struct spec **out);
void cli_free_specs(struct spec *specs, int n);

/* The table -k names, for messages: "standard input" for "-", else its path
 * quoted (log_quote) into BUF of LEN (LOG_QUOTE_MAX) bytes. */
const char *cli_table_name(char *buf, size_t len);

/* For ksyms_opts.waiting: says that the -k FIFO PATH is waited on. */
void cli_table_waiting(const char *path);

struct ksyms_query;
/* Load the table named by -k, or the running kernel's: its per-boot snapshot
 * when that can answer Q (ksyms_cache.h), else /proc/kallsyms. On failure prints
 * one line naming the cause, a hint where there is one, and returns NULL (exit 1). */
struct ksyms *cli_load_table(const struct ksyms_query *q);

/* Flush stdout at the end of a command's output and check it: EXIT_OK, also
 * when its reader went away (EPIPE: `| head` is a normal end, said nothing of);
 * EXIT_FAIL after one line for any other failure. At exit it runs by itself
 * for output nothing checked (argp's --help and --version). */
int cli_end_output(void);

int cmd_resolve(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_decode(int argc, char **argv);

#endif
