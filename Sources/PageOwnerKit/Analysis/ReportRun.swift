/// Drives the report-family commands: reads every input (files, archives, stdin) into one
/// `Aggregator`, one snapshot per input stream, with handle→stack files read first.
public struct ReportRun {
    public var keys: [GroupKey] = [.stack]
    public var filters = Filters()
    public var strict = false
    public var inputFormat: InputFormat?
    public var stacksFiles: [String] = []
    public var allocatorFunctions = AllocatorFunctions()
    public var countDistinctStacks = false
    public var ignoreOffsets = false
    public var diagnostics = Diagnostics()
    /// Archive members and inputs that were skipped as not dumps.
    public var notes: [String] = []

    public init() {}

    /// A new aggregator with the handle→stack maps of `stacksFiles` loaded.
    public mutating func makeAggregator() throws -> Aggregator {
        let agg = Aggregator(keys: keys, filters: filters, allocatorFunctions: allocatorFunctions)
        agg.countDistinctStacks = countDistinctStacks
        agg.ignoreOffsets = ignoreOffsets
        for path in stacksFiles {
            try Inputs.forEach(path: path) { src in
                let ingest = Ingest(strict: strict)
                try ingest.run(src) { r in
                    guard r.hasStack, r.fields.contains(.handle) else { return }
                    let h = agg.stacks.intern(r.bytes(r.stack), crlf: r.fields.contains(.crlf))
                    agg.handleStacks[r.handle] = h
                }
                diagnostics.merge(ingest.diagnostics)
            }
        }
        return agg
    }

    /// Reads `path` into `agg`, one snapshot per stream; returns the snapshot indices.
    @discardableResult
    public mutating func read(_ path: String, into agg: Aggregator) throws -> [Int] {
        var snaps: [Int] = []
        let strict = self.strict
        let format = inputFormat
        var diags = Diagnostics()
        var skipped: [String] = []
        defer { notes += skipped.map { "skipped archive member (not a dump): \($0)" } }
        try Inputs.forEach(path: path, skipped: { skipped.append($0) }) { src in
            let s = agg.beginSnapshot(name: src.name)
            snaps.append(s)
            let ingest = Ingest(strict: strict, format: format)
            try ingest.run(src) { r in agg.add(&r) }
            agg.noteFormat(ingest.format)
            diags.merge(ingest.diagnostics)
        }
        diagnostics.merge(diags)
        return snaps
    }
}
