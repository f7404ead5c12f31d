// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <sys/mman.h>
#include <unistd.h>

/* One memfd for the whole run: rewritten for each input. */
static int memfd = -1;
static FILE *stream;

struct ksyms *fuzz_load(const uint8_t *data, size_t size, bool by_path, bool allow_zero,
			struct ksyms_load_result *res)
{
	struct ksyms_opts opts = { .allow_zero_addrs = allow_zero };
	char path[64];
	size_t done = 0;

	if (memfd < 0) {
		memfd = memfd_create("ksymtrace-fuzz", MFD_CLOEXEC);
		CHECK(memfd >= 0);
		stream = fdopen(memfd, "r");
		CHECK(stream);
	}
	CHECK(ftruncate(memfd, 0) == 0);
	while (done < size) {
		ssize_t w = pwrite(memfd, data + done, size - done, (off_t)done);

		CHECK(w > 0);
		done += (size_t)w;
	}
	/* the stream path reads from the descriptor's offset */
	CHECK(lseek(memfd, 0, SEEK_SET) == 0);
	if (by_path) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
		return ksyms__load(path, &opts, res);
	}
	opts.stream = stream;
	return ksyms__load("-", &opts, res);
}
