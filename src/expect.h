/* SPDX-License-Identifier: GPL-2.0 */
/* --expect: what a scripted test states about a run, checked at its end.
 *
 *   EXPECT := [missed:]PROBE OP N
 *           | PROBE retval [any|all] OP N
 *   OP     := == | != | >= | <= | > | <
 *
 * PROBE is a probe's label as the summary prints it (c_start#1,
 * vfs_read%return) or a glob (* ? [..]) over them; a glob sums the hits of
 * every probe it matches. N counts hits, or with missed: the hits the kernel
 * saw but could not deliver. A retval expectation is about a kretprobe's
 * returns: all (the default) holds when there was at least one and every one
 * compares true, any when at least one does. N's literal says how the 64-bit
 * return register compares: from -2^31 to 2^31-1 as its low 32 bits, signed
 * (x86-64 leaves an int's upper 32 bits undefined), other negatives and values
 * below 2^63 as a signed 64-bit number, larger ones unsigned.
 *
 *   expect__parse(texts)      the grammar, before the table is read (exit 2)
 *   expect__bind(ex, plan)    PROBE against the plan's labels (exit 2)
 *   expect__event(ex, ev)     each event: return values counted (run.c)
 *   expect__evaluate(ex, st)  at the end, against the kernel's counters
 *   expect__report(ex)        one stderr line per expectation that failed
 *   expect__json(ex, j)       the summary's "expectations" member
 *
 * No libbpf and no I/O but the messages: the host test double and a fuzzer can
 * drive it. */
#ifndef KSYMTRACE_EXPECT_H
#define KSYMTRACE_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "plan.h"
#include "tracer.h"

/* At most this many --expect in one run. */
#define EXPECT_MAX 64

struct event;
struct expect_set;

/* Parse the N texts of --expect. EVENTS says whether the run will send events
 * (not --count): return values need them. Returns the exit status: EXIT_OK
 * with *OUT set (NULL when N is 0), EXIT_USAGE after one line naming the text
 * and what is wrong, EXIT_FAIL when memory runs out. */
int expect__parse(const char *const *texts, size_t n, bool events, struct expect_set **out);

/* Each PROBE against the labels of PL, which must outlive EX: one that matches
 * no probe, or a retval expectation on a kprobe, is a usage error (one line
 * naming the labels there are). Returns the exit status. NULL EX is fine. */
int expect__bind(struct expect_set *ex, const struct plan *pl);

/* One decoded event of the run; cheap when it is not a return. */
void expect__event(struct expect_set *ex, const struct event *ev);

/* Decide every expectation from the kernel's counters ST (tracer__collect)
 * and the events counted. Returns how many failed. */
size_t expect__evaluate(struct expect_set *ex, const struct tracer_stats *st);

/* After expect__evaluate: one error line per expectation that failed, saying
 * what was expected and what was seen; a note when all held. */
void expect__report(const struct expect_set *ex);

/* After expect__evaluate: "expectations":[{"expr","actual","ok"}...] as a
 * member of the summary object J is writing. */
void expect__json(const struct expect_set *ex, struct json *j);

void expect__free(struct expect_set *ex);

#endif
