// SPDX-License-Identifier: GPL-2.0
/* ksymtrace list [GLOB]: symbols by name, then address. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel.h"
#include "ksyms_cache.h"
#include "log.h"
#include "modfile.h"
#include "output.h"
#include "spec.h"
#include "traceable.h"
#include "typing.h"

struct list_args {
	const char *glob;
	const char *module;
	const char *query;  /* GLOB as given, MOD: included */
	const char *glob_mod; /* the MOD of MOD:GLOB, in mod_buf */
	char mod_buf[KSYMS_NAME_MAX + 1];
	bool all_types;
	bool traceable;
	bool proto;
	bool kfuncs;
	struct modfile_files files;
};

enum { OPT_ALL_TYPES = 1000, OPT_TRACEABLE, OPT_PROTO, OPT_KFUNCS, OPT_MODFILE };

static const struct argp_option opts[] = {
	{ "all-types", OPT_ALL_TYPES, NULL, 0, "All symbol types, not only functions (t/T)", 0 },
	{ "module", 'm', "MOD", 0, "Only symbols of module MOD ('vmlinux' for the core kernel)", 0 },
	{ "traceable", OPT_TRACEABLE, NULL, 0, "Say whether each symbol can be probed (ftrace list and kprobes blacklist)", 0 },
	{ "proto", OPT_PROTO, NULL, 0, "Show each function's prototype from the kernel's BTF, and whether it is a kfunc", 0 },
	{ "kfuncs", OPT_KFUNCS, NULL, 0, "Only kfuncs (functions the kernel offers to BPF programs), with their prototypes", 0 },
	MODFILE_ARGP_OPTION(OPT_MODFILE, 0),
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
	case OPT_PROTO:
		a->proto = true;
		break;
	case OPT_KFUNCS:
		a->kfuncs = a->proto = true;
		break;
	case 'm':
		a->module = cli_name(state, arg, "--module ", "a module name", "--module needs a module name");
		break;
	case OPT_MODFILE:
		if (!modfile__files_add(&a->files, cli_nonempty(state, arg, "--module-file needs a file")))
			argp_error(state, "at most %d --module-file options", MODFILE_FILES_MAX);
		break;
	case ARGP_KEY_ARG:
		if (a->glob)
			argp_error(state, "list takes one GLOB (quote it: 'vfs_*')");
		a->glob = a->query = cli_name(state, arg, "", "a GLOB", "empty GLOB: give a pattern such as 'vfs_*', or none for all");
		/* MOD:GLOB, as in a spec: MOD: is the module */
		if (strchr(arg, ':')) {
			size_t ml = (size_t)(strchr(arg, ':') - arg);

			a->glob = arg + ml + 1;
			if (ml == 0 || ml >= sizeof(a->mod_buf) || !*a->glob || strchr(a->glob, ':'))
				argp_error(state, "'%.40s': write MOD:GLOB, such as 'dummy:*'", arg);
			memcpy(a->mod_buf, arg, ml);
			a->mod_buf[ml] = '\0';
			a->glob_mod = a->mod_buf;
		}
		break;
	case ARGP_KEY_END:
		if (a->glob_mod && a->module && strcmp(a->glob_mod, a->module) != 0)
			argp_error(state, "module %s in the GLOB contradicts --module %s", a->glob_mod, a->module);
		if (a->glob_mod)
			a->module = a->glob_mod;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"List symbols whose name matches GLOB (all when absent), sorted by name, then "
	"address. Functions only unless --all-types.\v"
	"GLOB may start with MOD: ('dummy:*'), like --module. "
	"Duplicated names carry their instance number: c_start#2 is itself a spec. "
	"A module that is not loaded is listed from its file for the running kernel "
	"(modules.dep), or --module-file; its rows say (not loaded).\n"
	"\n"
	"Examples:\n"
	"  ksymtrace list 'c_*'\n"
	"  ksymtrace list --module dummy\n"
	"  ksymtrace list 'dummy:*'               # also when dummy is not loaded\n"
	"  ksymtrace list --traceable 'tcp_v4_*'\n"
	"  ksymtrace list --kfuncs 'bpf_*'            # kfuncs, with their prototypes\n"
	"  ksymtrace -j list --all-types '__func__*' | jq -r .addr";

struct list_out {
	struct sym_printer pr;
	const char *glob;
	struct typing_protos *tp; /* --proto */
	bool kfuncs;
	int shown;
};

static int print_row(const struct target *tg, void *arg)
{
	struct list_out *o = arg;

	if (o->kfuncs) {
		typing__func(o->tp->kb, o->tp->t, tg->sym, &o->tp->ty);
		if (o->tp->ty.verdict != TYPING_OK || !o->tp->ty.kfunc)
			return 0;
	}
	sym_printer__row(&o->pr, tg, o->glob, false);
	o->shown++;
	return 0;
}

/* --proto and --kfuncs: BTF, and for --kfuncs its kfunc tags, or one line
 * saying why not. */
static int load_protos(struct list_out *o, struct ksyms *t, bool kfuncs)
{
	char why[KBTF_WHY_LEN];

	o->tp = malloc(sizeof(*o->tp));
	if (!o->tp) {
		log_error("out of memory");
		return -1;
	}
	if (typing_protos__init(o->tp, t, !kfuncs))
		return -1;
	o->pr.proto_fn = typing__sym_proto;
	o->pr.proto_ctx = o->tp;
	o->kfuncs = kfuncs;
	if (!kfuncs || kbtf__kfunc_tags(o->tp->kb))
		return 0;
	if (kbtf__get(o->tp->kb, "vmlinux", why, sizeof(why)))
		log_error("this kernel's BTF marks no kfuncs: the bpf_kfunc declaration tags came with Linux 6.11 and pahole 1.27 (Linux 5.10 and 6.1 have none)");
	else
		log_error("%s: no kfuncs to list", why);
	return -1;
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
	if (!t || modfile__add_files(t, &a.files))
		goto cleanup;
	if (a.module) {
		char merr[MODFILE_ERR_LEN];

		if (modfile__need(t, a.module, merr, sizeof(merr))) {
			log_error("%s", merr);
			goto cleanup;
		}
		f.mod = ksyms__mod_find(t, a.module);
		if (f.mod < 0) {
			log_error("no module '%s' in the symbol table: is it loaded? (lsmod)", a.module);
			goto cleanup;
		}
	}
	if (a.traceable && !(tr = traceable__load(t, kernel__is_live_table(env.kallsyms)))) {
		log_error("out of memory");
		goto cleanup;
	}

	/* instance numbers count within the list's own filter, as resolve's do */
	sym_printer__init(&out.pr, stdout, t, tr, env.json);
	if (a.module)
		sym_printer__fit_mod(&out.pr, a.module);
	out.glob = a.query;
	if (a.proto && load_protos(&out, t, a.kfuncs))
		goto cleanup;
	f.funcs_only = !a.all_types;
	shown = spec__each_match(t, a.glob, &f, print_row, &out);
	if (shown < 0) {
		log_error("out of memory");
		goto cleanup;
	}
	if (cli_end_output() != EXIT_OK)
		goto cleanup;
	if (out.shown == 0) {
		log_error("no %s matches %s%s%s", a.kfuncs ? "kfunc" : a.all_types ? "symbol" : "function",
			  a.glob ? a.glob : "(anything)", a.module ? " in module " : "",
			  a.module ? a.module : "");
		if (!a.all_types && !a.kfuncs)
			log_hint("--all-types includes data symbols");
		goto cleanup;
	}
	ret = EXIT_OK;
cleanup:
	if (out.tp)
		typing_protos__fini(out.tp);
	free(out.tp);
	traceable__free(tr);
	ksyms__free(t);
	return ret;
}
