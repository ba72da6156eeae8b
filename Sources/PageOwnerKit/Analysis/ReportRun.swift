#if canImport(Glibc)
import Glibc
#endif

/// Drives the report-family commands: reads every input (files, archives, stdin) into one
/// `Aggregator`, one snapshot per input stream, with handle→stack files read first.
public struct ReportRun {
    public var keys: [GroupKey] = [.stack]
    public var filters = Filters()
    /// How inputs are read (vmcore's vmlinux and modules, strict, format, threads, mapping).
    public var input = InputOptions()
    public var stacksFiles: [String] = []
    public var allocatorFunctions = AllocatorFunctions()
    public var countDistinctStacks = false
    public var ignoreOffsets = false

    /// `input.strict`.
    public var strict: Bool {
        get { input.strict }
        set { input.strict = newValue }
    }
    /// `input.format`.
    public var inputFormat: InputFormat? {
        get { input.format }
        set { input.format = newValue }
    }
    /// Parsing threads per input, `input.threads` (defaults to the machine's cores).
    public var workers: Int {
        get { input.threads }
        set { input.threads = newValue }
    }
    /// What happens to a snapshot's per-group metrics once it is read: kept (`series`;
    /// compacted to its own groups when they are few, `SnapshotMetrics`),
    /// kept only while `report` may still choose it (`SnapshotPlan.Latest`), or added to
    /// its input's first snapshot (`report --sum`, `diff`: only sums are used). Either of the
    /// last two keeps an archive of many members in the memory of a few.
    /// `none` frees them (`info`, which looks at each in `snapshotRead`).
    public enum Retention: Sendable {
        case all, latest, sum, none
    }
    public var retention = Retention.all
    /// Called with each snapshot once it is read, before `retention` applies.
    public var snapshotRead: ((Aggregator, Int) -> Void)?
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
            try Inputs.forEach(path: path, options: input, skipped: { _ in }) { src in
                let ingest = Ingest(strict: strict)
                try ingest.run(src) { r in
                    guard r.hasStack, r.fields.contains(.handle) else { return }
                    let h = r.withBytes(r.stack) { agg.stacks.intern($0, crlf: r.fields.contains(.crlf)) }
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
        var latest = SnapshotPlan.Latest()
        let retention = self.retention
        defer { notes += skipped.map { "skipped archive member (not a dump): \($0)" } }
        let workers = self.workers
        try Inputs.forEach(path: path, options: input, skipped: { skipped.append($0) }) { src in
            let s = agg.beginSnapshot(name: src.name)
            snaps.append(s)
            let ingest = Ingest(strict: strict, format: format)
            ingest.requireUsable = true
            // A small input (an archive member of a few records) is parsed on this thread:
            // helpers would cost more to set up and merge than its records.
            let small = src.sizeLimit.map { $0 < ingest.parallelThreshold } ?? false
            var helpers = small ? [] : (1..<max(1, workers)).map { _ in agg.makeWorker() }
            try ingest.run(src, consumers: [agg] + helpers)
            // Each helper is freed as soon as it is merged: a merge holds two sides, not all.
            helpers.reverse()
            while let h = helpers.popLast() {
                h.releaseLookupsForMerge()
                agg.merge(h, threads: workers)
            }
            agg.noteFormat(ingest.format)
            diags.merge(ingest.diagnostics)
            snapshotRead?(agg, s)
            switch retention {
            case .all: agg.compactMetrics(s)
            case .latest: for d in latest.add(agg, s) { agg.releaseMetrics(d) }
            case .sum: agg.foldMetrics(s, into: snaps[0])
            case .none: agg.releaseMetrics(s)
            }
        }
        diagnostics.merge(diags)
        return snaps
    }
}
