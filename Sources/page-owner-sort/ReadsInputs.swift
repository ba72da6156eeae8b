import PageOwnerKit

/// A command that reads dumps: its inputs give the progress line its total (see
/// `ProgressLine`), which runs while they are read when stderr is a terminal.
protocol ReadsInputs {
    var inputPaths: [String] { get }
}

extension ReportCommand: ReadsInputs {
    var inputPaths: [String] { options.stacks + inputs }
}

extension DiffCommand: ReadsInputs {
    var inputPaths: [String] { options.stacks + [before, after] }
}

extension SeriesCommand: ReadsInputs {
    var inputPaths: [String] { options.stacks + inputs }
}

extension InfoCommand: ReadsInputs {
    var inputPaths: [String] { inputs }
}

extension CompatCommand: ReadsInputs {
    var inputPaths: [String] { [input] }
}
