/// The one way from inputs to a loaded aggregation, for every command that reports on dumps
/// (report, diff, series, info): an `Aggregator` made from the run's options, with the
/// handle→stack files read first; each input read into it, one snapshot per stream; then
/// the handles read before their stacks resolved.
///
/// `load(inputs:options:)` does all of it; `init`, `read` and `resolve` are its steps, for a
/// caller that looks at each input as it is read (`info`).
public struct Pipeline {
    /// The run's options, and what reading met (`diagnostics`, `notes`).
    public private(set) var run: ReportRun
    public let aggregator: Aggregator
    /// The snapshot indices of each input read, in order.
    public private(set) var perInput: [[Int]] = []

    /// Makes the aggregator (`ReportRun.makeAggregator`: the `stacksFiles` are read).
    public init(_ options: ReportRun) throws {
        var r = options
        aggregator = try r.makeAggregator()
        run = r
    }

    /// Reads one input (a file, an archive, `-`) into the aggregator; returns its snapshots.
    @discardableResult
    public mutating func read(_ path: String) throws -> [Int] {
        let s = try run.read(path, into: aggregator)
        perInput.append(s)
        return s
    }

    /// Gives the handles read before their stacks their stacks.
    public func resolve() { aggregator.resolveLateHandles() }

    /// Makes the aggregator, reads every input into it and resolves late handles.
    /// - Throws: `InputError`, `SystemError` from reading.
    public static func load(inputs: [String], options: ReportRun) throws -> Pipeline {
        var p = try Pipeline(options)
        for i in inputs { try p.read(i) }
        p.resolve()
        return p
    }

    /// Skipped records and other things reading met.
    public var diagnostics: Diagnostics { run.diagnostics }
    /// Archive members and inputs that were skipped as not dumps.
    public var notes: [String] { run.notes }
}
