#ifndef PAGE_OWNER_LINESCAN_H
#define PAGE_OWNER_LINESCAN_H
#include <stddef.h>
#include <stdint.h>

/// Finds where a run of stack lines ends, 32 bytes at a time (AVX2, else SSE2, else a
/// byte loop; chosen once per process).
///
/// Scans `p[from, to)` for the first byte `i` that is
///   - a newline not followed by a space (the run ends, or a line of another kind starts),
///     or followed by " [" (an `[<address>]` frame, which the careful parser handles);
///   - NUL or CR;
///   - a space followed by a newline (a line ending in a space, such as a lone " ").
/// A test that would need bytes at or past `to` counts as met.
///
/// Returns that index, or `to` when there is none. `*newlines` gets the number of newlines
/// in `[from, i)` and `*first_newline` the first of them, or -1.
ptrdiff_t po_scan_lines(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines);

/// The same with the byte loop only (the reference the vector versions are tested against).
ptrdiff_t po_scan_lines_scalar(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines);

#endif
