// SPDX-License-Identifier: GPL-2.0
/* ksymtrace resolve SPEC...: every symbol each spec names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choose.h"
#include "cli.h"
#include "kernel.h"
#include "ksyms_cache.h"
#include "log.h"
#include "modfile.h"
#include "output.h"
#include "spec.h"
#include "traceable.h"
#include "typing.h"

struct resolve_args {
	char **specs;
	int n_specs;
	bool traceable;
	bool funcs;
	bool proto;
	const char *module;
	struct modfile_files files;
};

enum { OPT_TRACEABLE = 1000, OPT_FUNCS, OPT_PROTO, OPT_MODFILE };

static const struct argp_option opts[] = {
	{ "traceable", OPT_TRACEABLE, NULL, 0, "Say whether each symbol can be probed (ftrace list and kprobes blacklist)", 0 },
	{ "module", 'm', "MOD", 0, "Only symbols of module MOD ('vmlinux' for the core kernel)", 0 },
	{ "functions", OPT_FUNCS, NULL, 0, "Only functions (kallsyms types t and T)", 0 },
	{ "proto", OPT_PROTO, NULL, 0, "Show each function's prototype from the kernel's BTF, and whether it is a kfunc", 0 },
	MODFILE_ARGP_OPTION(OPT_MODFILE, 0),
	{},
};

static error_t parse(int key, char *arg, struct argp_state *state)
{
	struct resolve_args *a = state->input;

	switch (key) {
	case OPT_TRACEABLE:
		a->traceable = true;
		break;
	case OPT_FUNCS:
		a->funcs = true;
		break;
	case OPT_PROTO:
		a->proto = true;
		break;
	case 'm':
		a->module = cli_name(state, arg, "--module ", "a module name", "--module needs a module name");
		break;
	case OPT_MODFILE:
		if (!modfile__files_add(&a->files, cli_nonempty(state, arg, "--module-file needs a file")))
			argp_error(state, "at most %d --module-file options", MODFILE_FILES_MAX);
		break;
	case ARGP_KEY_ARGS:
		cli_take_operands(state, &a->specs, &a->n_specs);
		break;
	case ARGP_KEY_NO_ARGS:
		argp_error(state, "give at least one SPEC: a name, MOD:NAME, a glob or an address");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const char doc[] =
	"Print every symbol each SPEC names: all instances of a duplicated name, with address, "
	"kallsyms type, module and size; or, for an address, the symbol that contains it, the "
	"offset, and every alias at its start.\v"
	"SPEC := [MOD:]NAME[+OFF[/SIZE]][#N|@ADDR] | [MOD:]GLOB | ADDR\n"
	"Names match exactly; when a name has no exact match, its compiler clones "
	"(NAME.isra.0, NAME.constprop.0, ...) are shown, marked as clones. "
	"NAME+OFF/SIZE, as a stack trace prints it, keeps the instances of that size.\n"
	"MOD:NAME works for a module that is not loaded too: its symbols then come from "
	"its file for the running kernel (modules.dep), with their exact ELF sizes, and "
	"its rows say (not loaded).\n"
	"\n"
	"Examples:\n"
	"  ksymtrace resolve c_start              # every c_start\n"
	"  ksymtrace resolve c_start+0x10/0x50    # the one of a stack trace\n"
	"  ksymtrace resolve dummy:dummy_get_stats64\n"
	"  ksymtrace resolve 'dummy:*'            # also when dummy is not loaded\n"
	"  ksymtrace resolve 'vfs_*' --traceable\n"
	"  ksymtrace resolve vfs_read --proto      # ssize_t vfs_read(struct file *file, ...)\n"
	"  ksymtrace resolve 0xffffffff81234567   # which symbol, at what offset\n"
	"  ksymtrace -j resolve c_start#2";

/* An exact name that also has compiler clones: calls through them are not
 * traced by a probe on the name, and attach --clones adds them (one line, after
 * every row).
 * Returns -1 when out of memory. */
static int note_clones(struct ksyms *t, const struct spec *sp, const struct candidates *res,
		       const char *module)
{
	struct resolve_opts ro = { .funcs_only = true, .mod = module };
	struct candidates c = { 0 };
	int n;

	if (sp->glob || sp->is_addr || !res->n || res->v[0].clone)
		return 0;
	n = spec__clones(sp, t, &ro, &c);
	if (n < 0)
		log_error("out of memory");
	choose__clones_note(t, sp, &c, CLONES_RESOLVE);
	candidates__free(&c);
	return n < 0 ? -1 : 0;
}

/* Each spec resolved, a failure's line kept in ERRS[i]. True when one failed. */
static bool resolve_all(const struct resolve_args *a, struct spec *specs, struct ksyms *t,
			struct candidates *res, char (*errs)[SPEC_ERR_LEN])
{
	bool any_failed = false;

	for (int i = 0; i < a->n_specs; i++) {
		struct resolve_opts ro = { .funcs_only = a->funcs, .mod = a->module };
		char merr[MODFILE_ERR_LEN];

		if (modfile__need(t, specs[i].mod ? specs[i].mod : a->module, merr, sizeof(merr))) {
			snprintf(errs[i], sizeof(errs[i]), "%s: %s", specs[i].text, merr);
			any_failed = true;
		} else if (spec__resolve(&specs[i], t, &ro, &res[i], errs[i], sizeof(errs[i])) != SPEC_RES_OK) {
			any_failed = true;
		}
	}
	return any_failed;
}

/* The rows of each spec in the order given; a failed one's line where its rows would be. */
static void print_all(struct sym_printer *pr, int n, const struct spec *specs, struct candidates *res,
		      char (*errs)[SPEC_ERR_LEN])
{
	for (int i = 0; i < n; i++) {
		if (errs[i][0]) {
			fflush(stdout);
			log_error("%s", errs[i]);
			continue;
		}
		sym_printer__fit(pr, &res[i]);
		sym_printer__header(pr, &specs[i], &res[i], 0, res[i].n);
		for (size_t k = 0; k < res[i].n; k++)
			sym_printer__row(pr, &res[i].v[k], specs[i].text, specs[i].is_addr);
	}
}

int cmd_resolve(int argc, char **argv)
{
	static const struct argp_child children[] = { GLOBAL_ARGP_CHILD, {} };
	const struct argp argp = { opts, parse, "SPEC...", doc, children, NULL, NULL };
	struct resolve_args a = { 0 };
	struct spec *specs = NULL;
	struct candidates *res = NULL;
	struct ksyms *t = NULL;
	struct traceable *tr = NULL;
	struct sym_printer pr;
	struct typing_protos *tp = NULL;
	char (*errs)[SPEC_ERR_LEN] = NULL;
	int ret = EXIT_FAIL;
	bool any_failed = false;

	cmd_parse(&argp, argc, argv, &a);

	/* every spec is checked before the table is read and anything is printed */
	ret = cli_parse_specs(a.specs, a.n_specs, &specs);
	if (ret != EXIT_OK)
		goto cleanup;
	ret = EXIT_FAIL;
	res = calloc((size_t)a.n_specs, sizeof(*res));
	errs = calloc((size_t)a.n_specs, sizeof(*errs));
	if (!res || !errs) {
		log_error("out of memory");
		goto cleanup;
	}

	t = cli_load_table(&(struct ksyms_query){ .specs = specs, .n_specs = (size_t)a.n_specs,
						  .module = a.module });
	if (!t || modfile__add_files(t, &a.files))
		goto cleanup;
	if (a.traceable) {
		tr = traceable__load(t, kernel__is_live_table(env.kallsyms));
		if (!tr) {
			log_error("out of memory");
			goto cleanup;
		}
	}

	any_failed = resolve_all(&a, specs, t, res, errs);

	sym_printer__init(&pr, stdout, t, tr, env.json);
	if (a.proto) {
		tp = malloc(sizeof(*tp));
		if (!tp || typing_protos__init(tp, t, true)) {
			if (!tp)
				log_error("out of memory");
			goto cleanup;
		}
		pr.proto_fn = typing__sym_proto;
		pr.proto_ctx = tp;
	}
	print_all(&pr, a.n_specs, specs, res, errs);
	if (cli_end_output() != EXIT_OK)
		goto cleanup;
	/* once the rows are out: output that failed is the one line to read */
	for (int i = 0; i < a.n_specs; i++)
		if (!errs[i][0] && note_clones(t, &specs[i], &res[i], a.module))
			goto cleanup;
	ret = any_failed ? EXIT_FAIL : EXIT_OK;

cleanup:
	if (tp)
		typing_protos__fini(tp);
	free(tp);
	cli_free_specs(specs, a.n_specs);
	for (int i = 0; res && i < a.n_specs; i++)
		candidates__free(&res[i]);
	free(res);
	free(errs);
	traceable__free(tr);
	ksyms__free(t);
	return ret;
}
