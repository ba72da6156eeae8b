import CShims

/// Whether SIGINT/SIGTERM arrived while `record` or `top` runs: their loops end cleanly at
/// the next check (the archive is kept, the terminal restored) instead of the default exit
/// 130/143. The flag is an atomic in C (`po_stop_requested`), set by the handler.
var stopRequested: Bool { po_stop_requested() != 0 }

/// Replaces the SIGINT/SIGTERM handlers with one that only sets the stop flag.
func installStopHandlers() {
    po_install_stop_handlers()
}
