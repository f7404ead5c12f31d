/* SPDX-License-Identifier: GPL-2.0 */
/* The run loop of attach: from a loaded engine to the summary.
 *
 *   r = run__new(&opts)          the stop signals are caught from here on;
 *                                -c's command is started, held until every
 *                                probe is attached (its pid filters --follow)
 *   tr = tracer__load(plan, ...) (tracer.h)
 *   status = run__go(r, tr, pl)  attach every probe, release the command,
 *                                stream events until a stop rule, then detach,
 *                                drain, count and print the summary
 *   tracer__free(tr); run__free(r)   and -c's command never outlives the run
 *
 * The stop rules: SIGINT, SIGTERM or SIGHUP; -d, -n; the end of -c's command or
 * of -p's process; a reader of stdout that went away. A stop before the stream
 * has begun (while the BPF programs load or probes attach) ends the run with
 * nothing traced: everything detached, -c's command never run, exit status
 * 128 + the signal, as a shell reports a command a signal ended. A stop while
 * events stream is the normal end: the summary, exit 0. A second signal ends
 * ksymtrace at once (128 + the signal), and -c's process group with it
 * (SIGKILL); the kernel drops the probes with the process.
 *
 * A stop never waits on standard output: the probes are detached within a
 * tick of it whatever the reader does, and output the reader leaves untaken
 * for RUN_STALL_S after the stop is dropped and counted as lost. */
#ifndef KSYMTRACE_RUN_H
#define KSYMTRACE_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "expect.h"
#include "plan.h"
#include "tracer.h"

struct probe_values_set;

#define RUN_STALL_S 2

struct run_opts {
	const char *cmd;     /* -c CMD (/bin/sh -c), or NULL */
	bool json;           /* events as JSON Lines; CMD's stdout then goes to stderr */
	uint32_t pid;        /* -p: stop when it exits (0: none) */
	double duration;     /* -d: seconds (0: none) */
	uint64_t max_events; /* -n (0: none) */
	bool count;          /* --count: the summary is the output, on stdout */
	bool skip_failed;    /* go on without the probes the kernel refuses */
	/* what each probe records and how it prints (probe_values.h), or NULL:
	 * raw registers */
	const struct probe_values_set *pv;
	struct expect_set *expect; /* --expect (expect.h), or NULL: counted and
				    * evaluated by the run, exit 4 when one fails */
};

struct run;

/* A run with O (copied): catches the stop signals, and starts -c's command,
 * held. Prints the cause and returns NULL when the command cannot be started,
 * or memory runs out. */
struct run *run__new(const struct run_opts *o);
/* The pid of -c's command; 0 without -c, or when R is NULL (a dry run). */
pid_t run__child(const struct run *r);

/* Attach every probe of PL with TR, then stream its events until a stop rule,
 * and end with the summary. Returns the exit status (cli.h), 128 + a signal for
 * a run stopped before its stream began. */
int run__go(struct run *r, struct tracer *tr, const struct plan *pl);

/* Ends -c's command if it still runs (it never runs untraced), and frees. */
void run__free(struct run *r);

#endif
