#include <stdatomic.h>
#include "progress.h"

static _Atomic long bytes_read;
static _Atomic long records_parsed;

void po_progress_add(long bytes, long records) {
    if (bytes) atomic_fetch_add_explicit(&bytes_read, bytes, memory_order_relaxed);
    if (records) atomic_fetch_add_explicit(&records_parsed, records, memory_order_relaxed);
}

long po_progress_bytes(void) { return atomic_load_explicit(&bytes_read, memory_order_relaxed); }
long po_progress_records(void) { return atomic_load_explicit(&records_parsed, memory_order_relaxed); }

void po_progress_reset(void) {
    atomic_store_explicit(&bytes_read, 0, memory_order_relaxed);
    atomic_store_explicit(&records_parsed, 0, memory_order_relaxed);
}
