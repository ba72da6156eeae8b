#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM while `record` or `top` runs: their loops end cleanly at the next
/// check (the archive is kept, the terminal restored) instead of the default exit 130/143.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

/// Replaces the SIGINT/SIGTERM handlers with one that only sets `stopRequested`.
func installStopHandlers() {
    var sa = sigaction()
    sa.__sigaction_handler.sa_handler = { _ in stopRequested = 1 }
    sigemptyset(&sa.sa_mask)
    sa.sa_flags = 0
    sigaction(SIGINT, &sa, nil)
    sigaction(SIGTERM, &sa, nil)
}
