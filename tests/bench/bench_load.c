// SPDX-License-Identifier: GPL-2.0
/* Load a saved table N times; print the median load time, and the median time to
 * complete the whole name index after it (what `list` with no glob pays once).
 * Used by scripts/bench-resolve.sh; not a test. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ksyms.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 21;
	double *load, *index;
	size_t n = 0;

	if (argc < 2 || runs < 1) {
		fprintf(stderr, "usage: bench_load FILE [RUNS]\n");
		return 2;
	}
	load = calloc((size_t)runs, sizeof(*load));
	index = calloc((size_t)runs, sizeof(*index));
	if (!load || !index)
		return 1;
	for (int i = 0; i < runs; i++) {
		struct ksyms_load_result res;
		double t0 = now_ms(), t1, t2;
		struct ksyms *t = ksyms__load(argv[1], NULL, &res);

		t1 = now_ms();
		if (!t) {
			fprintf(stderr, "bench_load: %s: %s\n", argv[1], ksyms__strerror(&res));
			return 1;
		}
		ksyms__index_all(t);
		t2 = now_ms();
		n = ksyms__count(t);
		ksyms__free(t);
		load[i] = t1 - t0;
		index[i] = t2 - t1;
	}
	qsort(load, (size_t)runs, sizeof(*load), cmp_double);
	qsort(index, (size_t)runs, sizeof(*index), cmp_double);
	printf("symbols %zu load_ms %.2f full_index_ms %.2f\n", n, load[runs / 2], index[runs / 2]);
	free(load);
	free(index);
	return 0;
}
