// SPDX-License-Identifier: GPL-2.0
/* The probes of a run that sit in modules. See run_mods.h. */
#define _GNU_SOURCE
#include "run_mods.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "modfile.h"
#include "modwatch.h"

struct run_mods {
	const struct plan *pl;
	const struct tracer *tr;
	struct modwatch *mw;
	size_t n;         /* plan__count(pl) */
	int *mod;         /* per probe id: its module's watch index, or -1 */
	bool *live;       /* per probe id: attached */
	bool *dead;       /* per probe id: by address, and its module went away once */
	bool *unloaded;   /* per probe id: what run_mods__unloaded() hands out */
	bool *was_loaded; /* per watch index: loaded at some point of the run */
	bool idle_said;   /* "every probe waits ..." said, and no probe armed since */
	struct timespec last;
};

static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

void run_mods__free(struct run_mods *rm)
{
	if (!rm)
		return;
	modwatch__free(rm->mw);
	free(rm->mod);
	free(rm->live);
	free(rm->dead);
	free(rm->unloaded);
	free(rm->was_loaded);
	free(rm);
}

struct run_mods *run_mods__new(const struct plan *pl, const struct tracer *tr)
{
	struct run_mods *rm = calloc(1, sizeof(*rm));
	const struct ksyms *t = plan__table(pl);

	if (!rm || !(rm->mw = modwatch__new()))
		goto nomem;
	rm->pl = pl;
	rm->tr = tr;
	rm->n = plan__count(pl);
	rm->mod = zalloc(rm->n, sizeof(*rm->mod));
	rm->live = zalloc(rm->n, sizeof(*rm->live));
	rm->dead = zalloc(rm->n, sizeof(*rm->dead));
	rm->unloaded = zalloc(rm->n, sizeof(*rm->unloaded));
	if (!rm->mod || !rm->live || !rm->dead || !rm->unloaded)
		goto nomem;
	for (size_t i = 0; i < rm->n; i++) {
		const char *name = ksyms__mod_name(t, plan__probe(pl, i)->sym->mod);

		rm->mod[i] = -1;
		if (plan__probe(pl, i)->sym->mod == KSYMS_CORE_MOD || !modfile__may_exist(name))
			continue;
		rm->mod[i] = modwatch__add(rm->mw, name);
		if (rm->mod[i] == -ENOMEM)
			goto nomem;
	}
	rm->was_loaded = zalloc(modwatch__count(rm->mw), sizeof(*rm->was_loaded));
	if (!rm->was_loaded)
		goto nomem;
	for (size_t m = 0; m < modwatch__count(rm->mw); m++)
		rm->was_loaded[m] = modwatch__loaded(rm->mw, m);
	clock_gettime(CLOCK_MONOTONIC, &rm->last);
	return rm;
nomem:
	log_error("out of memory");
	run_mods__free(rm);
	return NULL;
}

void run_mods__attached(struct run_mods *rm, size_t id)
{
	if (rm && id < rm->n)
		rm->live[id] = true;
}

/* Probe I can fire now: attached, and its module (if any) is there with it. */
static bool armed(const struct run_mods *rm, size_t i)
{
	if (!rm->live[i])
		return false;
	if (rm->mod[i] < 0)
		return true;
	return !rm->dead[i] && modwatch__loaded(rm->mw, (size_t)rm->mod[i]);
}

/* Attached probes of module M: all, those the kernel arms on a load, those gone
 * for good. */
static void count_mod(const struct run_mods *rm, int m, size_t *all, size_t *rearm, size_t *dead)
{
	*all = *rearm = *dead = 0;
	for (size_t i = 0; i < rm->n; i++) {
		if (!rm->live[i] || rm->mod[i] != m)
			continue;
		(*all)++;
		if (rm->dead[i])
			(*dead)++;
		else if (tracer__rearms(rm->tr, i))
			(*rearm)++;
	}
}

static const char *probes(size_t n)
{
	return n == 1 ? "probe" : "probes";
}

/* When no attached probe can fire: said once, until one is armed again. */
static void say_idle(struct run_mods *rm)
{
	bool any_live = false, can_come = false;

	for (size_t i = 0; i < rm->n; i++) {
		if (armed(rm, i)) {
			rm->idle_said = false;
			return;
		}
		any_live |= rm->live[i];
		can_come |= rm->live[i] && !rm->dead[i];
	}
	if (!any_live || rm->idle_said)
		return;
	rm->idle_said = true;
	if (can_come)
		log_note("every probe waits for its module to load: waiting until a stop (Ctrl-C, -d, -c's end, -p's end)");
	else
		log_note("no probe can fire again (attached by address, they went with their modules): waiting until a stop (Ctrl-C, -d, -c's end, -p's end)");
}

void run_mods__started(struct run_mods *rm)
{
	for (size_t m = 0; m < modwatch__count(rm->mw); m++) {
		size_t all, rearm, dead;

		count_mod(rm, (int)m, &all, &rearm, &dead);
		if (all && !modwatch__loaded(rm->mw, m))
			log_note("waiting for module %s to load: %zu %s armed as it loads, before its init runs",
				 modwatch__name(rm->mw, m), all, probes(all));
	}
	say_idle(rm);
}

static void on_change(void *ctx, size_t m, bool loaded)
{
	struct run_mods *rm = ctx;
	const char *name = modwatch__name(rm->mw, m);
	bool again = rm->was_loaded[m];
	size_t all, rearm, dead;

	count_mod(rm, (int)m, &all, &rearm, &dead);
	if (!all)
		return;
	if (!loaded) {
		/* the kernel's kprobes went on MODULE_STATE_GOING; by address, for good
		 * (those gone at an earlier unload are not said again) */
		if (all > dead)
			log_note("%s unloaded: %zu %s gone", name, all - dead, probes(all - dead));
		for (size_t i = 0; i < rm->n; i++)
			if (rm->live[i] && rm->mod[i] == (int)m && !tracer__rearms(rm->tr, i))
				rm->dead[i] = true;
		return;
	}
	rm->was_loaded[m] = true;
	count_mod(rm, (int)m, &all, &rearm, &dead);
	if (!dead)
		log_note("%s loaded: %zu %s armed%s", name, rearm, probes(rearm), again ? " again" : "");
	else
		log_note("%s loaded: %zu %s armed%s; %zu attached by address stay%s gone (the kernel arms again only events it can name by MOD:SYM)",
			 name, rearm, probes(rearm), again ? " again" : "", dead, dead == 1 ? "s" : "");
}

void run_mods__tick(struct run_mods *rm)
{
	struct timespec now;
	long ms;

	if (!rm || !modwatch__count(rm->mw))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - rm->last.tv_sec) * 1000 + (now.tv_nsec - rm->last.tv_nsec) / 1000000;
	if (ms < MODWATCH_PERIOD_MS)
		return;
	rm->last = now;
	if (modwatch__check(rm->mw, on_change, rm))
		say_idle(rm);
}

const bool *run_mods__unloaded(struct run_mods *rm)
{
	if (!rm)
		return NULL;
	/* one last look: a module that went within the last period */
	if (modwatch__count(rm->mw))
		modwatch__check(rm->mw, on_change, rm);
	for (size_t i = 0; i < rm->n; i++)
		rm->unloaded[i] = rm->live[i] && rm->mod[i] >= 0 && !armed(rm, i);
	return rm->unloaded;
}
