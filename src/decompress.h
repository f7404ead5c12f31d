/* SPDX-License-Identifier: GPL-2.0 */
/* Whole-buffer decompression of the formats the kernel's build compresses modules
 * with (CONFIG_MODULE_COMPRESS_XZ, _ZSTD, _GZIP: dummy.ko.xz on Debian 13,
 * .ko.zst on Arch and Fedora), told apart by their magic bytes, not by the file
 * name. In process, through liblzma, libzstd and zlib: no xz or zstd program
 * needs to be installed, nothing is forked, the size of the result is bounded
 * as it grows, and a fuzzer reaches every decoder. */
#ifndef KSYMTRACE_DECOMPRESS_H
#define KSYMTRACE_DECOMPRESS_H

#include <stddef.h>

enum packing {
	PACK_NONE, /* not compressed (or not in a format we know: the caller decides) */
	PACK_XZ,
	PACK_ZSTD,
	PACK_GZIP,
};

enum packing decompress__kind(const void *data, size_t len);
/* "xz", "zstd", "gzip"; "" for PACK_NONE. */
const char *decompress__name(enum packing p);

/* Decompress DATA (LEN bytes of kind P, not PACK_NONE) into a new buffer of at
 * most MAX bytes, *OUT (free() it) and *OUTLEN. Returns 0; or -EINVAL with a
 * one-line reason in ERR ("corrupt xz data: ...", "truncated zstd data", "more
 * than 512 MiB once decompressed"); or -ENOMEM. Trailing garbage after the
 * compressed stream is an error: a module file is one stream. */
int decompress__all(enum packing p, const void *data, size_t len, size_t max, void **out,
		    size_t *outlen, char *err, size_t errlen);

#endif
