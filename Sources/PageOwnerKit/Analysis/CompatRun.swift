/// Runs the compatible mode end to end: every input stream → parser → a compatible-mode
/// `Aggregator` (see `CompatGrouping`), one per parsing worker, merged at the end;
/// `CompatFormatter` writes the result.
public enum CompatRun {
    public struct Result {
        public var diagnostics: Diagnostics
        public var records: Int64
        public var groups: Int
        /// The groups (`isCompat`).
        public var aggregator: Aggregator
        /// Threads the output is rendered on.
        public var threads = 1

        /// Blocks kept by the filters, and those that took the exact path.
        public var kept: Int64 { aggregator.compat.kept }
        public var exactPath: Int64 { aggregator.compat.exactPath }
        /// Blocks and base pages over every group.
        public var totals: (times: Int64, pages: Int64) { aggregator.compatTotals }

        /// Writes the kernel tool's output.
        public func write(to out: OutputSink) throws { try CompatFormatter.write(aggregator, threads: threads, to: out) }
    }

    /// Record offsets continued across the streams of an archive: a group's first block is
    /// the first in the whole input.
    final class Shifted: RecordConsumer {
        let agg: Aggregator
        let shift: Int64
        init(_ a: Aggregator, _ s: Int64) {
            agg = a
            shift = s
        }
        func consume(_ r: inout Record) {
            r.offset += shift
            agg.add(&r)
        }
        func prepare(_ r: inout Record) { agg.prepare(&r) }
        func consumeRange(_ loop: (_ step: ConsumeStep) throws -> Void) throws {
            try agg.consumeRange(shift: shift, late: false, loop)
        }
    }

    /// Reads `inputPath` and returns the culled, sortable groups.
    public static func aggregate(inputPath: String, options: CompatOptions, input: InputOptions) throws -> Result {
        let strict = input.strict
        let workers = input.threads
        let main = Aggregator(keys: [], compat: options)
        main.beginSnapshot(name: inputPath)
        var diagnostics = Diagnostics()
        var records: Int64 = 0
        var base: Int64 = 0
        try Inputs.forEach(path: inputPath, options: input, skipped: { _ in }) { source in
            let ingest = Ingest(strict: strict)
            ingest.requireUsable = true
            let parts = [main] + (1..<max(1, workers)).map { _ in main.makeWorker() }
            try ingest.run(source, consumers: parts.map { Shifted($0, base) })
            for p in parts.dropFirst() { main.merge(p, threads: workers) }
            base += Int64(ingest.bytes) + 1
            diagnostics.merge(ingest.diagnostics)
            records += ingest.records
        }
        return Result(diagnostics: diagnostics, records: records, groups: main.groups.count, aggregator: main, threads: max(1, workers))
    }
}
