// SPDX-License-Identifier: GPL-2.0
#include "fuzz_plan.h"

#include "fuzz_common.h"
#include "spec.h"

struct plan *fuzz_plan(struct ksyms *t, const char *const *specs, size_t n)
{
	struct plan *pl = plan__new(t);

	CHECK(pl);
	for (size_t i = 0; i < n; i++) {
		struct resolve_opts ro = { .funcs_only = true };
		struct candidates c = { 0 };
		char err[SPEC_ERR_LEN];
		struct spec sp;

		CHECK(spec__parse(specs[i], &sp, err, sizeof(err)) == 0);
		CHECK(spec__resolve(&sp, t, &ro, &c, err, sizeof(err)) == SPEC_RES_OK && c.n == 1);
		CHECK(plan__add(pl, &c.v[0], sp.ret, specs[i]) == 0);
		candidates__free(&c);
		spec__free(&sp);
	}
	return pl;
}
