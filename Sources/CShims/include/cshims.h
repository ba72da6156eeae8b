#ifndef PAGE_OWNER_CSHIMS_H
#define PAGE_OWNER_CSHIMS_H
#include <stddef.h>
#include "linescan.h"

/// memmem(3) and memrchr(3) are GNU extensions that Swift's Glibc module does not export.
const void *po_memmem(const void *haystack, size_t haystacklen, const void *needle, size_t needlelen);
const void *po_memrchr(const void *s, int c, size_t n);

#endif
