// SPDX-License-Identifier: GPL-2.0
/* ksymtrace list [GLOB]: symbols by name, then address. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ksyms_cache.h"
#include "log.h"
#include "output.h"
#include "spec.h"
#include "traceable.h"

struct list_args {
	const char *glob;
	const char *module;
	bool all_types;
	bool traceable;
};

enum { OPT_ALL_TYPES = 1000, OPT_TRACEABLE };

static const struct argp_option opts[] = {
	{ "all-types", OPT_ALL_TYPES, NULL, 0, "All symbol types, not only functions (t/T)", 0 },
	{ "module", 'm', "MOD", 0, "Only symbols of module MOD ('vmlinux' for the core kernel)", 0 },
	{ "traceable", OPT_TRACEABLE, NULL, 0, "Say whether each symbol can be probed (ftrace list and kprobes blacklist)", 0 },
	{},
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct list_args *a = state->input;

	switch (key) {
	case OPT_ALL_TYPES:
		a->all_types = true;
		break;
	case OPT_TRACEABLE:
		a->traceable = true;
		break;
	case 'm':
		a->module = cli_nonempty(state, arg, "--module needs a module name");
		break;
	case ARGP_KEY_ARG:
		if (a->glob)
			argp_error(state, "list takes one GLOB (quote it: 'vfs_*')");
		a->glob = cli_nonempty(state, arg, "empty GLOB: give a pattern such as 'vfs_*', or none for all");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"List symbols whose name matches GLOB (all when absent), sorted by name, then "
	"address. Functions only unless --all-types.\v"
	"Duplicated names carry their instance number: c_start#2 is itself a spec.\n"
	"\n"
	"Examples:\n"
	"  ksymtrace list 'c_*'\n"
	"  ksymtrace list --module dummy\n"
	"  ksymtrace list --traceable 'tcp_v4_*'\n"
	"  ksymtrace -j list --all-types '__func__*' | jq -r .addr";

struct list_out {
	struct sym_printer pr;
	const char *glob;
};

static int print_row(const struct target *tg, void *arg)
{
	struct list_out *o = arg;

	sym_printer__row(&o->pr, tg, o->glob, false);
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp argp = { opts, parse, "[GLOB]", doc, children, NULL, NULL };
	struct list_args a = { 0 };
	struct ksyms *t = NULL;
	struct traceable *tr = NULL;
	struct list_out out = { 0 };
	struct ksyms_filter f = { .mod = KSYMS_ANY_MOD };
	int shown, ret = EXIT_FAIL;

	cmd_parse(&argp, argc, argv, &a);

	t = cli_load_table(&(struct ksyms_query){ .listing = true, .glob = a.glob, .module = a.module,
						  .all_types = a.all_types });
	if (!t)
		goto cleanup;
	if (a.module) {
		f.mod = ksyms__mod_find(t, a.module);
		if (f.mod < 0) {
			log_error("no module '%s' in the symbol table: is it loaded? (lsmod)", a.module);
			goto cleanup;
		}
	}
	if (a.traceable && !(tr = traceable__load(t))) {
		log_error("out of memory");
		goto cleanup;
	}

	/* instance numbers count within the list's own filter, as resolve's do */
	sym_printer__init(&out.pr, stdout, t, tr, env.json);
	if (a.module)
		sym_printer__fit_mod(&out.pr, a.module);
	out.glob = a.glob;
	f.funcs_only = !a.all_types;
	shown = spec__each_match(t, a.glob, &f, print_row, &out);
	if (shown < 0) {
		log_error("out of memory");
		goto cleanup;
	}
	if (fflush(stdout) != 0) {
		log_error("cannot write the output: %m");
		goto cleanup;
	}
	if (shown == 0) {
		log_error("no %s matches %s%s%s", a.all_types ? "symbol" : "function",
			  a.glob ? a.glob : "(anything)", a.module ? " in module " : "",
			  a.module ? a.module : "");
		if (!a.all_types)
			log_hint("--all-types includes data symbols");
		goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	traceable__free(tr);
	ksyms__free(t);
	return ret;
}
