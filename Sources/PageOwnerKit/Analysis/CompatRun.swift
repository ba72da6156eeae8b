/// Runs the compatible mode end to end: every input stream → parser → `CompatSort`.
public enum CompatRun {
    public struct Result {
        public var diagnostics: Diagnostics
        public var records: Int64
        public var groups: Int
        public var sort: CompatSort
    }

    /// Reads `inputPath` and returns the culled, sortable groups.
    public static func aggregate(inputPath: String, options: CompatOptions, strict: Bool) throws -> Result {
        var sort = CompatSort(options: options)
        var diagnostics = Diagnostics()
        var records: Int64 = 0
        try Inputs.forEach(path: inputPath) { source in
            let ingest = Ingest(strict: strict)
            try ingest.run(source) { r in
                sort.add(r.base, Int(r.whole.start), Int(r.whole.end))
            }
            diagnostics.merge(ingest.diagnostics)
            records += ingest.records
        }
        return Result(diagnostics: diagnostics, records: records, groups: sort.groupCount, sort: sort)
    }
}
