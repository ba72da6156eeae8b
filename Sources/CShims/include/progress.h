#ifndef PAGE_OWNER_PROGRESS_H
#define PAGE_OWNER_PROGRESS_H

/// Run-wide progress counters (bytes read, records parsed), added to by the reading and
/// parsing threads a chunk or a read(2) at a time and read by the progress timer thread.
void po_progress_add(long bytes, long records);
long po_progress_bytes(void);
long po_progress_records(void);
void po_progress_reset(void);

#endif
