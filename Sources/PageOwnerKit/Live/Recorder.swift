#if canImport(Glibc)
import Glibc
#endif

/// `record`: samples a live page_owner tree at an interval into one tar.zst archive that
/// `series`, `diff` and `report` read. show_handles samples are resolved through
/// show_stacks_handles, read at the start, whenever a sample shows a handle not yet
/// resolved, and at the end; each read's new stacks are stored once, in a member placed
/// before the samples that need them, so disk grows with samples × handles, not stacks.
public final class Recorder {
    public struct Options {
        public var debugfs = "/sys/kernel/debug"
        public var intervalNs: UInt64 = 1_000_000_000
        public var count: Int?
        public var durationNs: UInt64?
        public var source: LiveSource = .auto
        public var labels: [(String, String)] = []
        public var output = ""
        /// Stop with status 3 when a group grew by more than this many pages since the first sample.
        public var failOnGrowth: Int64?
        public var keys: [GroupKey] = [.stack]
        public var filters = Filters()
        public init() {}
    }

    /// One sample's cost, for `--verbose` and the benchmark.
    public struct SampleCost {
        public var index: Int
        public var bytes: Int
        public var readNs: UInt64
        public var cpuNs: UInt64
        public var newHandles: Int
    }

    public struct Outcome {
        public var samples = 0
        public var source: LiveSource = .auto
        public var printMode = false
        /// Groups that grew past `failOnGrowth`, described; empty when none did.
        public var offenders: [String] = []
        public var costs: [SampleCost] = []
    }

    let options: Options
    let sampler: LiveSampler
    public var source: LiveSource { sampler.source }
    var tar: TarWriter!
    var gate: Aggregator?
    var gateSnapshots: [Int] = []
    var stackMembers = 0

    /// Checks the tree (exit 2 and no archive when it cannot be read).
    public init(_ options: Options) throws {
        self.options = options
        sampler = try LiveSampler(debugfs: options.debugfs, source: options.source)
    }

    static func now(_ clock: clockid_t) -> UInt64 { LiveSampler.now(clock) }

    /// Records until `count`, `duration`, a growth past the gate, or `stop()` says so.
    /// `log` receives one line per sample (for `--verbose`).
    public func run(stop: () -> Bool, log: ((SampleCost) -> Void)? = nil) throws -> Outcome {
        var outcome = Outcome()
        outcome.source = source
        let sink = try OutputSink(path: options.output)
        let z = try ZstdWriter(sink: sink)
        tar = TarWriter { v in try v.withUnsafeBytes { try z.write($0) } }
        if options.failOnGrowth != nil {
            gate = Aggregator(keys: options.keys, filters: options.filters)
        }
        if let s = try sampler.newStacks() { try storeStacks(s) }
        let start = Self.now(CLOCK_MONOTONIC)
        var index = 0
        while true {
            if stop() { break }
            if let c = options.count, index >= c { break }
            if let d = options.durationNs, index > 0, Self.now(CLOCK_MONOTONIC) &- start >= d { break }
            let cpu0 = Self.now(CLOCK_PROCESS_CPUTIME_ID)
            let cost = try sample(index, &outcome)
            var c = cost
            c.cpuNs = Self.now(CLOCK_PROCESS_CPUTIME_ID) &- cpu0
            outcome.costs.append(c)
            log?(c)
            index += 1
            if !outcome.offenders.isEmpty { break }
            // Sleep to the next tick, in slices, so a signal or the duration ends it promptly.
            let next = start &+ UInt64(index) &* options.intervalNs
            while !stop() {
                let t = Self.now(CLOCK_MONOTONIC)
                if t >= next { break }
                if let d = options.durationNs, t &- start >= d { break }
                if let c = options.count, index >= c { break }
                var ts = timespec(tv_sec: 0, tv_nsec: Int(min(next &- t, 100_000_000)))
                nanosleep(&ts, nil)
            }
        }
        outcome.samples = index
        // The last read resolves handles that appeared in the last sample after its read.
        if let s = try sampler.newStacks(), !s.isEmpty { try storeStacks(s) }
        try tar.finish()
        try z.finish()
        try sink.commit()
        return outcome
    }

    /// One sample: read, store, and (with a gate) count and compare with the first.
    func sample(_ index: Int, _ outcome: inout Outcome) throws -> SampleCost {
        let smp = try sampler.sample { try storeStacks($0) }
        if source == .pageOwner { outcome.printMode = sampler.printMode }
        let name = "sample-" + Self.padded(index + 1) + "." + smp.kind
        // pax `comment` (standard, skipped silently by tar) carries what `mtime` cannot.
        var comment = "page-owner-sort record: monotonic_ns=\(smp.monotonicNs) read_ns=\(smp.readNs) source=\(smp.file)"
        for (k, v) in options.labels { comment += " label.\(k)=\(v)" }
        let records: [(String, String)] = [("mtime", Self.format6(smp.wallSeconds)), ("comment", comment)]
        try ByteView.with(smp.bytes) { try tar.add(name: name, data: $0, mtime: smp.wallSeconds, records: records) }
        if let g = gate {
            gateSnapshots.append(g.beginSnapshot(name: name))
            try Ingest().run(MemorySource(smp.bytes, name: name), consumers: [g])
            outcome.offenders = offenders(g)
        }
        return SampleCost(index: index + 1, bytes: smp.bytes.count, readNs: smp.readNs, cpuNs: 0, newHandles: smp.newHandles)
    }

    static func format6(_ v: Double) -> String {
        let whole = Int64(v)
        let frac = Int64(((v - Double(whole)) * 1e6).rounded())
        let f = String(frac)
        return "\(whole)." + String(repeating: "0", count: max(0, 6 - f.count)) + f
    }

    static func padded(_ i: Int) -> String {
        let s = String(i)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// Stores the stacks of new handles as one member, before the samples that need them.
    func storeStacks(_ fresh: [UInt8]) throws {
        stackMembers += 1
        let name = "stacks-" + Self.padded(stackMembers) + ".show_stacks_handles"
        let wall = Double(Self.now(CLOCK_REALTIME)) / 1e9
        try ByteView.with(fresh) { try tar.add(name: name, data: $0, mtime: wall) }
        if let g = gate {
            g.beginSnapshot(name: name)
            try Ingest().run(MemorySource(fresh, name: name), consumers: [g])
        }
    }

    /// Groups that grew by more than the gate since the first sample.
    func offenders(_ g: Aggregator) -> [String] {
        guard let limit = options.failOnGrowth, gateSnapshots.count >= 2 else { return [] }
        let first = gateSnapshots[0]
        let last = gateSnapshots[gateSnapshots.count - 1]
        var out: [(Int64, String)] = []
        for gi in 0..<g.groups.count {
            let before = gi < g.metrics[first].count ? g.metrics[first][gi].pages : 0
            let after = gi < g.metrics[last].count ? g.metrics[last][gi].pages : 0
            let delta = after &- before
            guard delta > limit else { continue }
            var m = Aggregator.Metrics()
            m.pages = after
            let row = Report.render(g, group: Int32(gi), metrics: m)
            var what = row.cells.filter { !$0.text.isEmpty }.map(\.text).joined(separator: " ")
            if let f = row.frames, !f.isEmpty { what = f.prefix(4).joined(separator: " <- ") + (f.count > 4 ? " …" : "") }
            if let l = row.stackLabel { what = l }
            out.append((delta, "+\(delta) pages (\(before) -> \(after)): \(what)"))
        }
        return out.sorted { $0.0 > $1.0 }.map(\.1)
    }
}
