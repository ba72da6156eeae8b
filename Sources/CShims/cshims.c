#define _GNU_SOURCE
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "cshims.h"

const void *po_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen) {
    return memmem(haystack, haystacklen, needle, needlelen);
}

const void *po_memrchr(const void *s, int c, size_t n) {
    return memrchr(s, c, n);
}

int po_mmap_large_allocations(size_t threshold) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, (int)threshold);
#else
    (void)threshold;
    return 0;
#endif
}
