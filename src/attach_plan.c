// SPDX-License-Identifier: GPL-2.0
/* attach's plan from its specs and options. See attach_plan.h. */
#define _GNU_SOURCE
#include "attach_plan.h"

#include <errno.h>
#include <stdio.h>

#include "attach_mods.h"
#include "checks.h"
#include "choose.h"
#include "cli.h"
#include "kernel.h"
#include "log.h"
#include "modfile.h"

/* What one spec came to. */
enum spec_outcome { SPEC_PLANNED, SPEC_FAILED, SPEC_AMBIGUOUS, SPEC_QUIT };

/* Add every target of C to PL as asked for by SP. */
static enum spec_outcome add_targets(const struct spec *sp, const struct candidates *c, bool ret,
				     struct ksyms *t, struct plan *pl)
{
	for (size_t k = 0; k < c->n; k++) {
		int r = plan__add(pl, &c->v[k], ret, sp->text);

		if (r < 0) {
			log_error("out of memory");
			return SPEC_FAILED;
		}
		if (r > 0)
			log_note("%s: %s%s is already in the list: one probe there", sp->text,
				 ksyms__name(t, c->v[k].sym), ret ? "%return" : "");
	}
	return SPEC_PLANNED;
}

/* An exact name's compiler clones: said in one line, or with --clones added
 * (what cannot be traced left out, as for a glob). A glob names its clones
 * itself, an address names one place, an offset into the name is nowhere in
 * a clone (other code), and a name without an exact match was offered its
 * clones already. */
static enum spec_outcome clones(const struct attach_plan_opts *o, const struct spec *sp,
				const struct resolve_opts *ro, const struct candidates *chosen,
				struct ksyms *t, const struct traceable *trc, struct plan *pl)
{
	struct choose_opts co = { .all = true, .force = o->force, .out = stderr, .tr = trc };
	struct candidates c = { 0 };
	enum spec_outcome res = SPEC_PLANNED;

	if (sp->glob || sp->is_addr || sp->off || !chosen->n || chosen->v[0].clone)
		return SPEC_PLANNED;
	if (spec__clones(sp, t, ro, &c) < 0) {
		log_error("out of memory");
		candidates__free(&c);
		return SPEC_FAILED;
	}
	if (!o->clones) {
		choose__clones_note(t, sp, &c, CLONES_ATTACH);
	} else if (c.n) {
		/* as a glob's matches: every one, less the untraceable */
		choose__keep_traceable(t, sp->text, &c, &co);
		choose__clones_note(t, sp, &c, CLONES_ADDED);
		res = add_targets(sp, &c, sp->ret || o->ret, t, pl);
	}
	candidates__free(&c);
	return res;
}

/* A glob takes every match, up to --max-probes. */
static bool within_max(const struct attach_plan_opts *o, const struct spec *sp, const struct candidates *c)
{
	if (!sp->glob || c->n <= o->max_probes)
		return true;
	log_error("%s: %zu functions match, more than --max-probes %zu: refused, nothing attached",
		  sp->text, c->n, o->max_probes);
	log_hint("--max-probes %zu takes them all, or give a narrower glob", c->n);
	return false;
}

/* Resolve SP, choose among its candidates, and unless !ADD (an earlier spec
 * failed: only its messages matter now) add them and, where they apply, its
 * clones. */
static enum spec_outcome plan_spec(const struct attach_plan_opts *o, const struct spec *sp,
				   bool add, struct ksyms *t, const struct traceable *trc, struct plan *pl)
{
	struct resolve_opts ro = { .funcs_only = true, .mod = o->module, .at = o->addr,
				   .has_at = o->has_addr };
	struct choose_opts co = { .all = o->all, .force = o->force, .can_ask = choose__can_ask(),
				  .in = stdin, .out = stderr, .tr = trc };
	struct candidates c = { 0 };
	char err[SPEC_ERR_LEN];
	enum spec_outcome res = SPEC_FAILED;
	enum spec_res sres;
	enum choose_res cr;

	if (modfile__need(t, sp->mod ? sp->mod : o->module, err, sizeof(err))) {
		log_error("%s: %s", sp->text, err);
		return SPEC_FAILED;
	}
	sres = spec__resolve(sp, t, &ro, &c, err, sizeof(err));
	if (sres != SPEC_RES_OK) {
		if (sres != SPEC_RES_NOT_FOUND || !attach_mods__init_gone(sp, o->module, t))
			log_error("%s", err);
		goto out;
	}
	cr = choose__pick(t, sp, &c, &co);
	if (cr == CHOOSE_QUIT) {
		log_error("%s: nothing chosen: nothing attached", sp->text);
		res = SPEC_QUIT;
	} else if (cr == CHOOSE_AMBIGUOUS) {
		res = SPEC_AMBIGUOUS;
	} else if (c.n == 0) {
		log_error("%s: no match can be traced: nothing to attach", sp->text);
	} else if (!within_max(o, sp, &c)) {
		res = SPEC_FAILED;
	} else if (!add) {
		res = SPEC_PLANNED;
	} else {
		res = add_targets(sp, &c, sp->ret || o->ret, t, pl);
		if (res == SPEC_PLANNED)
			res = clones(o, sp, &ro, &c, t, trc, pl);
	}
out:
	candidates__free(&c);
	return res;
}

/* Every spec, so that one run reports every problem. Returns an exit code. */
static int collect_probes(const struct attach_plan_opts *o, struct spec *specs, int n,
			  struct ksyms *t, const struct traceable *trc, struct plan *pl)
{
	bool failed = false, ambiguous = false;

	for (int i = 0; i < n; i++) {
		enum spec_outcome r = plan_spec(o, &specs[i], !failed && !ambiguous, t, trc, pl);

		if (r == SPEC_QUIT)
			return EXIT_AMBIGUOUS;
		failed |= r == SPEC_FAILED;
		ambiguous |= r == SPEC_AMBIGUOUS;
	}
	return failed ? EXIT_FAIL : ambiguous ? EXIT_AMBIGUOUS : EXIT_OK;
}

int attach_plan__build(const struct attach_plan_opts *o, struct spec *specs, int n, struct ksyms *t,
		       const struct traceable *trc, struct plan *pl)
{
	int ret = collect_probes(o, specs, n, t, trc, pl);
	char shown[LOG_QUOTE_MAX];

	if (ret != EXIT_OK)
		return ret;
	if (plan__refuse(pl, trc, o->force, o->skip_failed))
		return EXIT_FAIL;
	if (plan__merge_same_addr(pl) < 0) {
		log_error("out of memory");
		return EXIT_FAIL;
	}
	if (attach_mods__refuse_unnamed(pl))
		return EXIT_FAIL;
	if (!o->dry_run && !kernel__is_live_table(env.kallsyms) &&
	    !checks__table_is_live(pl, cli_table_name(shown, sizeof(shown)), env.no_cache))
		return EXIT_FAIL;
	return EXIT_OK;
}
