/* SPDX-License-Identifier: GPL-2.0 */
/* tracefs kprobe events: the kernel's other way to place a kprobe, for what the
 * perf kprobe PMU cannot do: a kretprobe with its own maxactive (rN:, DESIGN.md
 * §2: accepted by address on 5.10, 6.1 and 6.12), and a probe on a module that is
 * not loaded yet (MOD:SYM, pending until the module comes).
 *
 *   tracefs__remove_stale()              events left by ksymtrace processes that are gone
 *   tf = tracefs__new()                  this process's group, ksymtrace_<pid>; nothing created
 *   ev = tracefs__add(tf, &probe)        one kprobe or kretprobe event
 *   fd = tracefs__perf_open(tf, ev)      a perf event of it, to attach a BPF program to
 *   tracefs__read_profile(tf)            hits and misses of every event (kprobe_profile)
 *   tracefs__remove(tf, ev)              once nothing holds it open (EBUSY until then)
 *   tracefs__free(tf)                    removes every event still there
 *
 * Events outlive the process that made them: the kernel drops perf events and
 * BPF links with their process, never kprobe_events lines. So every way out of
 * ksymtrace must go through tracefs__free(), and what a killed process leaves
 * (SIGKILL, a second Ctrl-C) is removed by the next run's
 * tracefs__remove_stale(). No libbpf here: the caller attaches its program to
 * the perf event. Every path goes through kernel__path(). */
#ifndef KSYMTRACE_TRACEFS_H
#define KSYMTRACE_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* kretprobe instances at most: the kernel's KRETPROBE_MAXACTIVE_MAX */
#define TRACEFS_MAXACTIVE_MAX 4096

struct tracefs_probe {
	bool ret;               /* a kretprobe */
	unsigned int maxactive; /* a kretprobe's instances (rN:); 0: the kernel's default */
	uint64_t addr;          /* where, by absolute address; 0: by MOD:SYM+OFF */
	const char *mod;        /* with SYM: a module, which need not be loaded yet */
	const char *sym;
	uint64_t off;
};

struct tracefs;

/* This process's group of events. NULL when out of memory; a kernel without
 * kprobe events fails at the first tracefs__add(). */
struct tracefs *tracefs__new(void);
/* Removes every event still in the group, and frees. NULL is fine. */
void tracefs__free(struct tracefs *tf);

/* The group's name, "ksymtrace_<pid>", for messages and tests. */
const char *tracefs__group(const struct tracefs *tf);

/* Creates the event P describes. Returns its index (0, 1, ... in the order of
 * creation), or the kernel's refusal as a negative errno (nothing printed:
 * kernel__explain_attach says what it means). */
int tracefs__add(struct tracefs *tf, const struct tracefs_probe *p);
/* The name of event EV ("kt<pid>_<ev>"), as kprobe_events and kprobe_profile show it. */
const char *tracefs__event_name(const struct tracefs *tf, int ev, char *buf, size_t len);

/* Opens a perf event on event EV (PERF_TYPE_TRACEPOINT, all CPUs' hits reach a
 * BPF program attached to it): a descriptor, or a negative errno. Registering
 * the kprobe happens here on some kernels, so the kernel's refusal of the
 * address may come here rather than from tracefs__add(). */
int tracefs__perf_open(struct tracefs *tf, int ev);

/* Reads kprobe_profile once: the hits and misses of every event of the group
 * (read them after the last perf event is closed, before removing). Returns 0,
 * or -errno when the file cannot be read. */
int tracefs__read_profile(struct tracefs *tf);
/* From the last tracefs__read_profile(): event EV's hits (for a kretprobe, the
 * returns its handler saw) and misses (for a kretprobe, also the calls that
 * found no free instance: maxactive). False when the profile did not list it. */
bool tracefs__profile(const struct tracefs *tf, int ev, uint64_t *hits, uint64_t *missed);

/* Removes event EV. Returns 0 (also when it is gone already), or -errno
 * (EBUSY while a perf event holds it). */
int tracefs__remove(struct tracefs *tf, int ev);
/* How many of the group's events exist now. */
size_t tracefs__live(const struct tracefs *tf);

/* Removes the events of every ksymtrace_<pid> group whose process is gone (or
 * is no ksymtrace any more: pids are reused), with one line saying how many.
 * Returns how many were removed, or -errno when kprobe_events cannot be read
 * (no kprobe events in this kernel: nothing to do, and nothing said). */
int tracefs__remove_stale(void);

#endif
