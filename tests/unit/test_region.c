// SPDX-License-Identifier: GPL-2.0
/* The table's memory regions (src/ksyms_region.c), the production mmap/mremap
 * allocator in every build.
 *
 *   test_region              contents kept across growth, zero-filled, freed
 *   test_region past-end     writes one byte past a region's end
 *   test_region past-page    writes one byte past its last page
 *   test_region after-grow   writes through a pointer kept across a growth
 *
 * The last three must die under AddressSanitizer (CTest checks its report when
 * built with KSYMTRACE_SANITIZE): proof that the guarded regions show the
 * sanitizer what a malloc would. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ksyms_impl.h"

#define LEN 5000 /* not a whole number of pages */

static volatile char sink;

static void contents(void)
{
	struct ksyms_region r, z;

	CHECK(ksyms_region_alloc(&r, LEN) == 0);
	CHECK(r.len == LEN);
	for (size_t i = 0; i < LEN; i++)
		CHECK(((char *)r.p)[i] == 0);
	memset(r.p, 'x', LEN);
	CHECK(ksyms_region_grow(&r, 3 * LEN) == 0);
	CHECK(r.len == 3 * LEN);
	for (size_t i = 0; i < LEN; i++)
		CHECK(((char *)r.p)[i] == 'x');
	memset(r.p, 'y', 3 * LEN);
	ksyms_region_free(&r);
	CHECK(r.p == NULL && r.len == 0);
	ksyms_region_free(&r); /* twice is harmless */

	CHECK(ksyms_region_alloc_lazy(&z, 3 * LEN) == 0);
	for (size_t i = 0; i < 3 * LEN; i += 97)
		CHECK(((char *)z.p)[i] == 0);
	((char *)z.p)[3 * LEN - 1] = 1;
	ksyms_region_free(&z);
}

int main(int argc, char **argv)
{
	struct ksyms_region r;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *kept;

	if (argc < 2) {
		contents();
		return check_report("test_region");
	}
	CHECK(ksyms_region_alloc(&r, LEN) == 0);
	if (strcmp(argv[1], "past-end") == 0) {
		((char *)r.p)[LEN] = 1;
	} else if (strcmp(argv[1], "past-page") == 0) {
		((char *)r.p)[(LEN + page - 1) / page * page] = 1;
	} else if (strcmp(argv[1], "after-grow") == 0) {
		kept = r.p;
		CHECK(ksyms_region_grow(&r, 2 * LEN) == 0);
		sink = kept[0];
	}
	ksyms_region_free(&r);
	return check_report("test_region");
}
