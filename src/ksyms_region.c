// SPDX-License-Identifier: GPL-2.0
/* The memory of the table's big arrays (names, records, sort scratch, ranks: up
 * to 17 MiB for 122k symbols): anonymous mappings, grown with mremap. See
 * ksyms_impl.h.
 *
 * Under AddressSanitizer the same mappings are used, not malloc: what the
 * sanitizer runs (the asan test step, every fuzzer) is what ships. ASan cannot
 * see into a mapping by itself, so the guarded variant below shows it what it
 * would see after a malloc: the bytes from a region's end to its last page are
 * poisoned (an overrun there is a report), a PROT_NONE page on each side turns
 * a longer one into a SEGV that ASan reports with its stack, and every growth
 * moves the region (mremap to a fresh place), so that a pointer kept across a
 * growth is caught, where an in-place mremap would hide it. A region never
 * unmapped goes with its table, whose malloc'd parts LeakSanitizer reports. */
#define _GNU_SOURCE
#include "ksyms_impl.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define KSYMS_REGIONS_GUARDED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KSYMS_REGIONS_GUARDED 1
#endif
#endif

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

#ifndef KSYMS_REGIONS_GUARDED
static void *map(size_t len, int flags)
{
	return mmap(NULL, len, RW, ANON | flags, -1, 0);
}

static void *remap(void *old, size_t old_len, size_t len)
{
	return mremap(old, old_len, len, MREMAP_MAYMOVE);
}

static void unmap(void *p, size_t len)
{
	munmap(p, len);
}
#else
#include <sanitizer/asan_interface.h>

static size_t page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t pages(size_t len)
{
	return (len + page() - 1) & ~(page() - 1);
}

/* A PROT_NONE reservation for LEN bytes between two guard pages; the region
 * goes at its second page. */
static char *reserve(size_t len)
{
	char *base = mmap(NULL, pages(len) + 2 * page(), PROT_NONE, ANON, -1, 0);

	return base == MAP_FAILED ? NULL : base;
}

/* The shadow of a region at P of LEN bytes: addressable up to LEN, poisoned to
 * the end of its last page. */
static void *shadow(char *p, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(p, len);
	ASAN_POISON_MEMORY_REGION(p + len, pages(len) - len);
	return p;
}

static void *map(size_t len, int flags)
{
	char *base = reserve(len), *p;

	if (!base)
		return MAP_FAILED;
	p = mmap(base + page(), pages(len), RW, ANON | MAP_FIXED | flags, -1, 0);
	if (p == MAP_FAILED) {
		munmap(base, pages(len) + 2 * page());
		return MAP_FAILED;
	}
	return shadow(p, len);
}

static void *remap(void *old, size_t old_len, size_t len)
{
	char *base = reserve(len), *p;

	if (!base)
		return MAP_FAILED;
	/* into the middle of the new reservation: always a move */
	p = mremap(old, pages(old_len), pages(len), MREMAP_MAYMOVE | MREMAP_FIXED, base + page());
	if (p == MAP_FAILED) {
		munmap(base, pages(len) + 2 * page());
		return MAP_FAILED;
	}
	/* the old guards, and the old place's shadow, clean for whoever maps it next */
	ASAN_UNPOISON_MEMORY_REGION(old, pages(old_len));
	munmap((char *)old - page(), page());
	munmap((char *)old + pages(old_len), page());
	return shadow(p, len);
}

static void unmap(void *p, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(p, pages(len));
	munmap((char *)p - page(), pages(len) + 2 * page());
}
#endif

static int region_map(struct ksyms_region *r, size_t len, int flags)
{
	void *p = map(len ? len : 1, flags);

	if (p == MAP_FAILED)
		return -ENOMEM;
	r->p = p;
	r->len = len ? len : 1;
	return 0;
}

/* MAP_POPULATE: faulting the arrays in one 4 KiB page at a time cost more than
 * parsing and sorting together (measured: a third of load time under a
 * paravirtualised kernel); populating them in one call does not. */
int ksyms_region_alloc(struct ksyms_region *r, size_t len)
{
	return region_map(r, len, MAP_POPULATE);
}

/* Zero pages that cost nothing until written: for arrays a query fills in a
 * little at a time (the ranks). calloc() would not do: once glibc has raised its
 * mmap threshold it takes them from the heap and clears every page. */
int ksyms_region_alloc_lazy(struct ksyms_region *r, size_t len)
{
	return region_map(r, len, 0);
}

int ksyms_region_grow(struct ksyms_region *r, size_t len)
{
	void *p = remap(r->p, r->len, len);

	if (p == MAP_FAILED)
		return -ENOMEM;
	r->p = p;
	r->len = len;
	return 0;
}

void ksyms_region_free(struct ksyms_region *r)
{
	if (r->p)
		unmap(r->p, r->len);
	r->p = NULL;
	r->len = 0;
}
