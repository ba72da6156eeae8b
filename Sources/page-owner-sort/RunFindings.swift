import PageOwnerKit

/// What `report`, `diff` and `series` say besides their numbers: the library's warnings and
/// notes go into the output (text footer, JSON, SVG) and, for the formats that have no place
/// for them or when the output goes to a file, on stderr too.
extension ReportOptions {
    /// Puts the warnings and notes in the output's context; with `--strict`, a key or filter
    /// the input cannot answer ends the run (exit 2, no output).
    func apply(_ w: RunWarnings, to ctx: inout ReportContext) throws {
        if input.strict, let m = w.strictFailure { throw CommandFailure(status: ExitStatus.input, message: m) }
        ctx.warnings = w.warnings
        ctx.notes = w.notes
    }

    /// Prints the warnings and notes on stderr unless they are in a text output on stdout.
    func tell(_ w: RunWarnings, format: ReportFormat) {
        if format == .text && output == "-" { return }
        for l in w.stderrLines() { printErr(l) }
    }
}
