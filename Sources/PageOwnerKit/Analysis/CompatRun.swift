/// Runs the compatible mode end to end: every input stream → parser → `CompatSort`,
/// one `CompatSort` per parsing worker, merged in input order at the end.
public enum CompatRun {
    public struct Result {
        public var diagnostics: Diagnostics
        public var records: Int64
        public var groups: Int
        public var sort: CompatSort
    }

    /// One worker's share of the compatible mode.
    final class Part: RecordConsumer {
        var sort: CompatSort
        init(_ options: CompatOptions) { sort = CompatSort(options: options) }
        func consume(_ r: inout Record) {
            sort.add(r)
        }
        func prepare(_ r: inout Record) { sort.prepare(&r) }
    }

    /// Reads `inputPath` and returns the culled, sortable groups.
    public static func aggregate(inputPath: String, options: CompatOptions, input: InputOptions) throws -> Result {
        let strict = input.strict
        let workers = input.threads
        let main = Part(options)
        var diagnostics = Diagnostics()
        var records: Int64 = 0
        var base: Int64 = 0
        try Inputs.forEach(path: inputPath, options: input, skipped: { _ in }) { source in
            let ingest = Ingest(strict: strict)
            ingest.requireUsable = true
            let parts = [main] + (1..<max(1, workers)).map { _ in Part(options) }
            // Offsets continue across the streams of an archive.
            let shift = base
            final class Shifted: RecordConsumer {
                let part: Part
                let shift: Int64
                init(_ p: Part, _ s: Int64) {
                    part = p
                    shift = s
                }
                func consume(_ r: inout Record) {
                    r.offset += shift
                    part.consume(&r)
                }
                func prepare(_ r: inout Record) { part.prepare(&r) }
            }
            try ingest.run(source, consumers: parts.map { Shifted($0, shift) })
            for p in parts.dropFirst() { main.sort.merge(p.sort) }
            base += Int64(ingest.bytes) + 1
            diagnostics.merge(ingest.diagnostics)
            records += ingest.records
        }
        return Result(diagnostics: diagnostics, records: records, groups: main.sort.groupCount, sort: main.sort)
    }
}
