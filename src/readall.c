// SPDX-License-Identifier: GPL-2.0
#include "readall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* All of FD: read_file()'s rules. */
static int read_fd(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t cap, have = 0;
	char *p;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* A regular file says its size (sysfs's BTF too): room for it, its NUL, and
	 * the byte the read that meets the end asks for, so it is never grown. /proc
	 * and tracefs say 0: the buffer grows by doubling. */
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((size_t)st.st_size > max)
			return -EFBIG;
		cap = (size_t)st.st_size + 2;
	} else {
		cap = 65536;
	}
	p = malloc(cap);
	if (!p)
		return -ENOMEM;
	for (;;) {
		ssize_t got;

		/* one byte is always kept for the NUL */
		if (have + 1 == cap) {
			char *np = cap > max ? NULL : realloc(p, cap * 2);

			if (!np) {
				free(p);
				return cap > max ? -EFBIG : -ENOMEM;
			}
			p = np;
			cap *= 2;
		}
		got = read(fd, p + have, cap - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(p);
			return -e;
		}
		if (got == 0)
			break;
		have += (size_t)got;
	}
	p[have] = '\0';
	*buf = p;
	*len = have;
	return 0;
}

int read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = read_fd(fd, max, buf, len);
	close(fd);
	return r;
}
