import CShims

/// The process's handlers for signals that must not lose or leave anything: SIGBUS in a
/// mapped input (the file shrank while it was read) ends the run with "input changed while
/// reading" and exit status 2; SIGINT and SIGTERM remove the output's temporary file and
/// exit with 130 and 143. Mappings (`MappedFile`, `FileSource.mapped()`) and output
/// temporary files (`OutputSink`) register themselves; the command line installs the handlers.
public enum SignalGuard {
    public static func install() { po_install_signal_guards() }
}
