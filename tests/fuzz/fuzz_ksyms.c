// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: bytes as a saved kallsyms file -> ksyms__load -> every query
 * on the table it builds (by name, by prefix, by address, containing, instance
 * numbers, suggest, clone check) and the resolution of a few specs made from its
 * own names. The queries run before the name index is completed (it sorts itself
 * lazily, a bucket at a time) and the order checks after.
 *
 * Beyond "no crash, no leak, no hang", it checks what the queries promise
 * (fuzz_table.c) and aborts when a promise fails. */
#include "fuzz_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ksyms_load_result res;
	struct ksyms *t = fuzz_load(data, size, size & 2, size & 1, &res);

	if (!t) {
		CHECK(res.err != KSYMS_OK);
		CHECK(ksyms__strerror(&res)[0]);
		return 0;
	}
	CHECK(res.err == KSYMS_OK);
	for (size_t k = 1; k < res.bad_lines && k < 8; k++)
		CHECK(res.first_bad[k - 1] < res.first_bad[k]);
	CHECK(ksyms__count(t) > 0);
	fuzz_check_table(t);
	ksyms__free(t);
	return 0;
}
