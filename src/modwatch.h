/* SPDX-License-Identifier: GPL-2.0 */
/* Modules coming and going while attach runs.
 *
 *   mw = modwatch__new()
 *   i = modwatch__add(mw, "dummy")        watch one module (its state is read now)
 *   modwatch__loaded(mw, i)               as of the last look
 *   modwatch__check(mw, fn, ctx)          look again: FN for each module that
 *                                         came or went since
 *   modwatch__free(mw)
 *
 * The kernel tells a BPF program nothing when the module it probes unloads: the
 * kprobe is just gone (kernel/kprobes.c kprobes_module_callback() marks it
 * KPROBE_FLAG_GONE on MODULE_STATE_GOING). So the run loop looks at
 * /sys/module/MOD/initstate (through kernel__path) every ~150 ms: "live" and
 * "coming" are loaded (the kernel arms pending kprobe events on COMING, before
 * the module's init runs, trace_kprobe.c trace_kprobe_module_callback(), since
 * v3.17 commit 61424318), "going" and no file are not. initstate exists for
 * loadable modules only, never for built-in ones.
 *
 * Why a timer and not the kernel's uevents (NETLINK_KOBJECT_UEVENT, "add@" and
 * "remove@/module/MOD"): polling one small file per module costs nothing at
 * that rate, needs no privilege and no network namespace of the host's (uevents
 * reach the initial one only), and tests stand a directory in for /sys. What it
 * misses is an unload and a reload both within one period: the kernel re-arms
 * the pending events by itself all the same, only the two lines are not said. */
#ifndef KSYMTRACE_MODWATCH_H
#define KSYMTRACE_MODWATCH_H

#include <stdbool.h>
#include <stddef.h>

#define MODWATCH_PERIOD_MS 150

struct modwatch;

/* NULL when out of memory. */
struct modwatch *modwatch__new(void);
void modwatch__free(struct modwatch *mw);

/* Watch module MOD (the name as kallsyms shows it). Returns its index, the
 * same for a name added twice, or -ENOMEM / -EINVAL (a name that cannot be a
 * module's: empty, too long, or with a '/'). */
int modwatch__add(struct modwatch *mw, const char *mod);
size_t modwatch__count(const struct modwatch *mw);
const char *modwatch__name(const struct modwatch *mw, size_t i);
/* Whether module I was loaded at the last look (modwatch__add or __check). */
bool modwatch__loaded(const struct modwatch *mw, size_t i);

/* Looks at every module again and calls FN(CTX, I, LOADED) for each whose state
 * changed since the last look, in the order they were added. Returns how many
 * changed. */
typedef void (*modwatch_fn)(void *ctx, size_t i, bool loaded);
size_t modwatch__check(struct modwatch *mw, modwatch_fn fn, void *ctx);

#endif
