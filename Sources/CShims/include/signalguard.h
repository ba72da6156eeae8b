#ifndef PAGE_OWNER_SIGNALGUARD_H
#define PAGE_OWNER_SIGNALGUARD_H
#include <stddef.h>

/// Mapped inputs and temporary output files the signal handlers know about.
///
/// A mapped file that shrinks while it is read raises SIGBUS on the next access past its new
/// end. With the handlers installed (`po_install_signal_guards`), a SIGBUS inside a guarded
/// mapping prints "<name>: input changed while reading" on stderr, removes the guarded
/// temporary files and exits with status 2. SIGINT and SIGTERM remove them and exit with
/// 130 and 143. Up to 64 mappings and 16 temporary files; more are simply not guarded.

/// Guards `[start, start + size)`, read from `name` (copied).
void po_guard_mapping(const void *start, size_t size, const char *name);
/// Stops guarding the mapping that starts at `start`.
void po_unguard_mapping(const void *start);
/// Removes `path` (copied) if the process is ended by a guarded signal.
void po_guard_temp(const char *path);
/// Forgets `path` (after it was renamed or removed).
void po_unguard_temp(const char *path);
/// Installs the SIGBUS, SIGINT and SIGTERM handlers (once; later calls do nothing).
void po_install_signal_guards(void);
/// Replaces the SIGINT and SIGTERM handlers with one that only sets the stop flag
/// (`record` and `top` end their loops cleanly when they see it).
void po_install_stop_handlers(void);
/// Whether SIGINT or SIGTERM arrived since `po_install_stop_handlers` (1) or not (0).
int po_stop_requested(void);

#endif
