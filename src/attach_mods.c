// SPDX-License-Identifier: GPL-2.0
/* attach's rules for probes on modules. See attach_mods.h. */
#define _GNU_SOURCE
#include "attach_mods.h"

#include "log.h"
#include "modfile.h"

/* A probe in a module that is not loaded is a tracefs event "MOD:NAME+OFF"
 * that the kernel arms as the module loads: NAME must be the only symbol so
 * named in MOD, else the kernel refuses it (EADDRNOTAVAIL, Linux 6.6 commit
 * b022f0c7e404) or, before that, probes the first. Returns how many probes are
 * refused. */
size_t attach_mods__refuse_unnamed(const struct plan *pl)
{
	struct ksyms *t = plan__table(pl);
	size_t refused = 0;

	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *p = plan__probe(pl, i);
		const char *mod = ksyms__mod_name(t, p->sym->mod);
		struct ksyms_filter in_mod = { .mod = p->sym->mod };
		uint32_t count = 0;

		if (ksym_loaded(p->sym) || p->mod_unique)
			continue;
		ksyms__instance(t, p->sym, &in_mod, &count);
		log_error("%s: %s has %u symbols named %s, and before it loads the kernel can name a probe only as %s:%s: load the module first, then pick one",
			  p->label, mod, count, ksyms__name(t, p->sym), mod, ksyms__name(t, p->sym));
		refused++;
	}
	return refused;
}

/* A probe on a module that is not loaded has no address for the BPF side to
 * find it by: it needs attach cookies. Returns how many probes are refused. */
size_t attach_mods__refuse_waiting(const struct plan *pl, bool can_wait)
{
	size_t refused = 0;

	if (can_wait)
		return 0;
	for (size_t i = 0; i < plan__count(pl); i++) {
		const struct probe *p = plan__probe(pl, i);

		if (ksym_loaded(p->sym))
			continue;
		if (refused++ == 0)
			log_error("%s: module %s is not loaded, and this kernel has no attach cookies (Linux 5.15) to tell its probes apart before they have addresses",
				  p->label, ksyms__mod_name(plan__table(pl), p->sym->mod));
	}
	if (refused)
		log_hint("load the module first (modprobe), then attach");
	return refused;
}

/* A spec that names nothing in a loaded module may name its init code, which
 * the kernel freed once init ran (kernel/module/main.c do_free_init()) and
 * kallsyms no longer lists; its file says so. */
bool attach_mods__init_gone(const struct spec *sp, const char *module, const struct ksyms *t)
{
	const char *mod = sp->mod ? sp->mod : module;
	int m = mod ? ksyms__mod_find(t, mod) : -1;

	if (m < 0 || !ksyms__mod_loaded(t, m) || sp->glob || !sp->name ||
	    !modfile__is_init(ksyms__mod_name(t, (uint16_t)m), sp->name))
		return false;
	attach_mods__say_init_gone(sp->text, sp->name, ksyms__mod_name(t, (uint16_t)m), "");
	return true;
}

void attach_mods__say_init_gone(const char *what, const char *name, const char *mod,
				const char *why)
{
	log_error("%s: %s is init code of module %s, which is loaded: the kernel freed it once init ran%s",
		  what, name, mod, why);
	log_hint("rmmod %s, then attach before it loads again (with -c 'modprobe %s', for one)",
		 mod, mod);
}
