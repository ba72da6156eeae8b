#include "linescan.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PO_X86 1
#endif

static inline int po_is_stop(const uint8_t *p, ptrdiff_t i, ptrdiff_t to) {
    uint8_t c = p[i];
    if (c == '\n') return i + 2 >= to || p[i + 1] != ' ' || p[i + 2] == '[';
    if (c == 0 || c == '\r') return 1;
    if (c == ' ') return i + 1 >= to || p[i + 1] == '\n';
    return 0;
}

/// The byte loop from `i` on, continuing counts already made.
static inline ptrdiff_t po_scan_tail(const uint8_t *p, ptrdiff_t i, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines) {
    ptrdiff_t n = *newlines;
    for (; i < to; i++) {
        if (po_is_stop(p, i, to)) break;
        if (p[i] == '\n') {
            if (*first_newline < 0) *first_newline = i;
            n++;
        }
    }
    *newlines = n;
    return i;
}

ptrdiff_t po_scan_lines_scalar(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines) {
    *first_newline = -1;
    *newlines = 0;
    return po_scan_tail(p, from, to, first_newline, newlines);
}

#ifdef PO_X86
/// 32 bytes a step: `stop` is po_is_stop for every byte of the block (exact while the
/// block and the two bytes after it lie before `to`), `nl` marks its newlines.
__attribute__((target("avx2,popcnt,bmi")))
static ptrdiff_t po_scan_avx2(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines) {
    const __m256i vnl = _mm256_set1_epi8('\n'), vsp = _mm256_set1_epi8(' '), vlb = _mm256_set1_epi8('[');
    const __m256i vcr = _mm256_set1_epi8('\r'), vz = _mm256_setzero_si256();
    ptrdiff_t i = from, n = 0, first = -1;
    while (i + 34 <= to) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(p + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(p + i + 1));
        __m256i c = _mm256_loadu_si256((const __m256i *)(p + i + 2));
        __m256i nla = _mm256_cmpeq_epi8(a, vnl);
        __m256i spb = _mm256_cmpeq_epi8(b, vsp);
        __m256i lbc = _mm256_cmpeq_epi8(c, vlb);
        __m256i stop = _mm256_and_si256(nla, _mm256_or_si256(_mm256_xor_si256(spb, _mm256_set1_epi8(-1)), lbc));
        stop = _mm256_or_si256(stop, _mm256_and_si256(_mm256_cmpeq_epi8(a, vsp), _mm256_cmpeq_epi8(b, vnl)));
        stop = _mm256_or_si256(stop, _mm256_or_si256(_mm256_cmpeq_epi8(a, vz), _mm256_cmpeq_epi8(a, vcr)));
        uint32_t m = (uint32_t)_mm256_movemask_epi8(stop);
        uint32_t nl = (uint32_t)_mm256_movemask_epi8(nla);
        if (m) {
            uint32_t before = nl & ((m & -m) - 1);  // newline bits below the first stop bit
            if (first < 0 && before) first = i + __builtin_ctz(before);
            *first_newline = first;
            *newlines = n + __builtin_popcount(before);
            return i + __builtin_ctz(m);
        }
        if (first < 0 && nl) first = i + __builtin_ctz(nl);
        n += __builtin_popcount(nl);
        i += 32;
    }
    *first_newline = first;
    *newlines = n;
    return po_scan_tail(p, i, to, first_newline, newlines);
}

static ptrdiff_t po_scan_sse2(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines) {
    const __m128i vnl = _mm_set1_epi8('\n'), vsp = _mm_set1_epi8(' '), vlb = _mm_set1_epi8('[');
    const __m128i vcr = _mm_set1_epi8('\r'), vz = _mm_setzero_si128();
    ptrdiff_t i = from, n = 0, first = -1;
    while (i + 18 <= to) {
        __m128i a = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(p + i + 1));
        __m128i c = _mm_loadu_si128((const __m128i *)(p + i + 2));
        __m128i nla = _mm_cmpeq_epi8(a, vnl);
        __m128i stop = _mm_and_si128(nla, _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(b, vsp), _mm_set1_epi8(-1)), _mm_cmpeq_epi8(c, vlb)));
        stop = _mm_or_si128(stop, _mm_and_si128(_mm_cmpeq_epi8(a, vsp), _mm_cmpeq_epi8(b, vnl)));
        stop = _mm_or_si128(stop, _mm_or_si128(_mm_cmpeq_epi8(a, vz), _mm_cmpeq_epi8(a, vcr)));
        uint32_t m = (uint32_t)_mm_movemask_epi8(stop);
        uint32_t nl = (uint32_t)_mm_movemask_epi8(nla);
        if (m) {
            uint32_t before = nl & ((m & -m) - 1);
            if (first < 0 && before) first = i + __builtin_ctz(before);
            *first_newline = first;
            *newlines = n + __builtin_popcount(before);
            return i + __builtin_ctz(m);
        }
        if (first < 0 && nl) first = i + __builtin_ctz(nl);
        n += __builtin_popcount(nl);
        i += 16;
    }
    *first_newline = first;
    *newlines = n;
    return po_scan_tail(p, i, to, first_newline, newlines);
}

typedef ptrdiff_t (*po_scan_fn)(const uint8_t *, ptrdiff_t, ptrdiff_t, ptrdiff_t *, ptrdiff_t *);
static po_scan_fn po_scan_impl;

ptrdiff_t po_scan_lines(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines) {
    po_scan_fn f = __atomic_load_n(&po_scan_impl, __ATOMIC_RELAXED);
    if (!f) {
        __builtin_cpu_init();
        f = __builtin_cpu_supports("avx2") ? po_scan_avx2 : po_scan_sse2;
        __atomic_store_n(&po_scan_impl, f, __ATOMIC_RELAXED);
    }
    return f(p, from, to, first_newline, newlines);
}
#else
ptrdiff_t po_scan_lines(const uint8_t *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t *first_newline, ptrdiff_t *newlines) {
    return po_scan_lines_scalar(p, from, to, first_newline, newlines);
}
#endif
