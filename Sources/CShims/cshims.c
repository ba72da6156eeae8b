#define _GNU_SOURCE
#include <string.h>
#include "cshims.h"

const void *po_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen) {
    return memmem(haystack, haystacklen, needle, needlelen);
}

const void *po_memrchr(const void *s, int c, size_t n) {
    return memrchr(s, c, n);
}
