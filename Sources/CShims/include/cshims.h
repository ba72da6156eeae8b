#ifndef PAGE_OWNER_CSHIMS_H
#define PAGE_OWNER_CSHIMS_H
#include <stddef.h>
#include "linescan.h"
#include "progress.h"
#include "signalguard.h"

/// memmem(3) and memrchr(3) are GNU extensions that Swift's Glibc module does not export.
const void *po_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
const void *po_memrchr(const void *s, int c, size_t n);

/// Serves allocations of at least `threshold` bytes with their own mappings, a fixed
/// threshold (glibc's `M_MMAP_THRESHOLD`; no-op elsewhere). Returns mallopt's result.
int po_mmap_large_allocations(size_t threshold);

/// Asks for the cache lines of `[p, p + n)` (at most the first 1 KiB) ahead of use.
static inline void po_prefetch(const void *p, size_t n) {
    const char *c = (const char *)p;
    if (n > 1024) n = 1024;
    for (size_t i = 0; i < n; i += 64) __builtin_prefetch(c + i, 0, 3);
}

#endif
