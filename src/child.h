/* SPDX-License-Identifier: GPL-2.0 */
/* -c CMD: the command attach runs, and everything it starts.
 *
 *   c = child__spawn(cmd, json)   forked now, held before exec until released:
 *                                 its pid is known before the BPF programs load
 *                                 (--follow), and it never runs untraced
 *   child__release(c)             every probe is attached: run CMD
 *   child__exited(c)              CMD (the shell) has exited: a stop rule
 *   child__stop(c)                the run ends: SIGTERM to CMD's process group
 *   status = child__finish(c)     wait a bound, SIGKILL what is left, say CMD's
 *                                 fate in one line; EXIT_FAIL when it could not run
 *   child__free(c)
 *
 * CMD runs in a process group of its own, so that the group, grandchildren
 * included, can be signalled at every way out; ksymtrace is made their subreaper
 * (PR_SET_CHILD_SUBREAPER) so that it can also reap what CMD left behind. When
 * ksymtrace's standard input is its terminal's foreground, the terminal goes to
 * CMD's group while it runs (a command that reads it is not stopped by SIGTTIN,
 * and Ctrl-C reaches it), and comes back at the end. */
#ifndef KSYMTRACE_CHILD_H
#define KSYMTRACE_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct child;

/* Fork CMD (run later with /bin/sh -c), held. With JSON, its stdout is
 * ksymtrace's stderr, to keep stdout for JSON Lines. Prints the cause and
 * returns NULL on failure. */
struct child *child__spawn(const char *cmd, bool json);
pid_t child__pid(const struct child *c);
/* Its process group, for a signal handler that must end it at once. */
pid_t child__pgid(const struct child *c);

void child__release(struct child *c);
/* Whether CMD has exited (reaps it without waiting). */
bool child__exited(struct child *c);
/* SIGTERM to the whole group (and SIGCONT, for stopped members): without
 * waiting, so that the probes can be detached meanwhile. */
void child__stop(struct child *c);
/* Ends what is left of the group: never released, CMD does not run at all;
 * otherwise SIGTERM (if child__stop did not), up to CHILD_TERM_WAIT_MS, then
 * SIGKILL. Takes the terminal back. Says CMD's fate in one line (nothing when it
 * exited with status 0, or never ran). Returns EXIT_FAIL when the shell could not
 * find (127) or run (126) CMD, else EXIT_OK. */
int child__finish(struct child *c);
void child__free(struct child *c);

#define CHILD_TERM_WAIT_MS 1000

#endif
