import Benchmark
import Foundation
import PageOwnerKit
import PageOwnerSynth

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Inputs shared by every benchmark, generated once (lazily) in memory.
enum BenchInputs {
    /// Size of each generated input (override with PAGE_OWNER_BENCH_MB).
    static let size: Int = {
        if let s = getenv("PAGE_OWNER_BENCH_MB"), let mb = Int(String(cString: s)) { return mb << 20 }
        return 64 << 20
    }()

    static let vocabulary: Vocabulary = {
        let candidates = ["../Fixtures/k6.12-m1024/s1-boot/page_owner"] + Vocabulary.defaultCandidates
        if let p = candidates.first(where: { FileIO.isFile($0) }), let v = try? Vocabulary.harvest(path: p) { return v }
        return Vocabulary.builtin
    }()

    static func make(_ format: ScaleFormat) -> [UInt8] {
        ScaleGenerator(format: format, size: size, stackCount: 5000, seed: 1, vocabulary: vocabulary).bytes()
    }

    static let pageOwner = make(.pageOwner)
    static let showStacks = make(.showStacks)
    static let showHandles = make(.showHandles)

    /// The page_owner input compressed by the system `zstd -1` / `gzip -1` (empty if missing).
    static func compressed(_ tool: String) -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory
        let plain = dir.appendingPathComponent("pos-bench-\(getpid()).txt")
        let packed = dir.appendingPathComponent("pos-bench-\(getpid()).\(tool)")
        defer {
            try? FileManager.default.removeItem(at: plain)
            try? FileManager.default.removeItem(at: packed)
        }
        guard (try? Data(pageOwner).write(to: plain)) != nil else { return [] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "\(tool) -1 -c '\(plain.path)' > '\(packed.path)'"]
        guard (try? p.run()) != nil else { return [] }
        p.waitUntilExit()
        return (try? [UInt8](Data(contentsOf: packed))) ?? []
    }

    static let zstd = compressed("zstd")
    static let gzip = compressed("gzip")

    /// An aggregator over the page_owner input grouped by `keys`, for the formatter benchmarks.
    static func aggregate(_ keys: [GroupKey]) -> Aggregator {
        let agg = Aggregator(keys: keys)
        agg.beginSnapshot(name: "bench")
        try! Ingest().run(MemorySource(pageOwner), consumers: [agg])
        return agg
    }

    static let byStack = aggregate([.stack])

    /// Every page_owner record's stack, back to back, with (start, end) offsets.
    static let stacks: (arena: [UInt8], ranges: [(Int, Int)]) = {
        var arena: [UInt8] = []
        var ranges: [(Int, Int)] = []
        try! Ingest().run(MemorySource(pageOwner)) { r in
            let b = r.bytes(r.stack)
            ranges.append((arena.count, arena.count + b.count))
            arena.append(contentsOf: b)
        }
        return (arena, ranges)
    }()
}

/// Reports MB/s of input for a benchmark whose every iteration reads `bytes`.
func reportThroughput(_ benchmark: Benchmark, bytes: Int, start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    guard seconds > 0 else { return }
    benchmark.measurement(
        .custom("MB/s", polarity: .prefersLarger, useScalingFactor: false),
        Int(Double(bytes) / 1_048_576 / seconds))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [
            .wallClock, .throughput, .peakMemoryResident, .mallocCountTotal,
            .custom("MB/s", polarity: .prefersLarger, useScalingFactor: false),
        ],
        warmupIterations: 1,
        maxDuration: .seconds(20),
        maxIterations: 8
    )

    /// Chunking + record splitting + the trivial parse of show_handles blocks.
    Benchmark("scan: Ingest show_handles") { benchmark in
        let input = BenchInputs.showHandles
        let t = ContinuousClock.now
        var n = 0
        try Ingest().run(MemorySource(input)) { r in n &+= Int(r.handle & 1) }
        blackHole(n)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// Splitting + stack-frame recognition of show_stacks blocks.
    Benchmark("scan: Ingest show_stacks") { benchmark in
        let input = BenchInputs.showStacks
        let t = ContinuousClock.now
        var pages: Int64 = 0
        try Ingest().run(MemorySource(input)) { r in pages &+= r.pages }
        blackHole(pages)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// Header + PFN line parsing (RecordParser) of page_owner records.
    Benchmark("parse: Ingest page_owner") { benchmark in
        let input = BenchInputs.pageOwner
        let t = ContinuousClock.now
        var sum: Int64 = 0
        try Ingest().run(MemorySource(input)) { r in sum &+= r.pages &+ Int64(r.pid) }
        blackHole(sum)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// Interning every record's stack bytes (few distinct, many repeats).
    Benchmark("intern: ByteInterner stacks") { benchmark in
        let (arena, ranges) = BenchInputs.stacks
        let t = ContinuousClock.now
        var interner = ByteInterner(capacity: 8192)
        var acc: Int32 = 0
        arena.withUnsafeBytes { a in
            for (s, e) in ranges { acc ^= interner.intern(UnsafeRawBufferPointer(rebasing: a[s..<e])) }
        }
        blackHole(acc)
        blackHole(interner.count)
        reportThroughput(benchmark, bytes: arena.count, start: t)
    }

    /// The compatible mode's aggregation, `--cull=stacktrace`, from bytes to groups.
    Benchmark("compat: --cull=stacktrace") { benchmark in
        let input = BenchInputs.pageOwner
        let t = ContinuousClock.now
        var options = CompatOptions()
        options.cull = .stacktrace
        let agg = Aggregator(keys: [], compat: options)
        try Ingest().run(MemorySource(input)) { r in agg.add(&r) }
        blackHole(agg.groups.count)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// The compatible mode's default grouping (whole block text, ts digits cut).
    Benchmark("compat: default (whole text)") { benchmark in
        let input = BenchInputs.pageOwner
        let t = ContinuousClock.now
        let agg = Aggregator(keys: [], compat: CompatOptions())
        try Ingest().run(MemorySource(input)) { r in agg.add(&r) }
        blackHole(agg.groups.count)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// The compatible mode's exact path (the kernel tool's expressions on every block).
    Benchmark("compat: exact path") { benchmark in
        let input = BenchInputs.pageOwner
        let t = ContinuousClock.now
        var options = CompatOptions()
        options.exactPathOnly = true
        let agg = Aggregator(keys: [], compat: options)
        try Ingest().run(MemorySource(input)) { r in agg.add(&r) }
        blackHole(agg.groups.count)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// Aggregation by stack and by comm+caller (parse included), one worker.
    for keys in [[GroupKey.stack], [.comm, .caller], [.pid, .order, .migratetype]] {
        Benchmark("aggregate: \(keys.map(\.rawValue).joined(separator: ","))") { benchmark in
            let input = BenchInputs.pageOwner
            let t = ContinuousClock.now
            let agg = Aggregator(keys: keys)
            agg.beginSnapshot(name: "bench")
            try Ingest().run(MemorySource(input), consumers: [agg])
            blackHole(agg.groups.count)
            reportThroughput(benchmark, bytes: input.count, start: t)
        }
    }

    /// The same with two parsing workers and a merge.
    Benchmark("aggregate: stack, 2 workers") { benchmark in
        let input = BenchInputs.pageOwner
        let t = ContinuousClock.now
        let agg = Aggregator(keys: [.stack])
        agg.beginSnapshot(name: "bench")
        let helper = agg.makeWorker()
        try Ingest().run(MemorySource(input), consumers: [agg, helper])
        agg.merge(helper)
        blackHole(agg.groups.count)
        reportThroughput(benchmark, bytes: input.count, start: t)
    }

    /// zstd and gzip input: decode on a thread, parse, aggregate by stack.
    for (label, bytes) in [("zstd", BenchInputs.zstd), ("gzip", BenchInputs.gzip)] {
        Benchmark("input: \(label) page_owner") { benchmark in
            guard !bytes.isEmpty else { return }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pos-bench-in-\(getpid()).\(label)")
            try Data(bytes).write(to: dir)
            defer { try? FileManager.default.removeItem(at: dir) }
            let t = ContinuousClock.now
            let agg = Aggregator(keys: [.stack])
            try Inputs.forEach(path: dir.path) { src in
                agg.beginSnapshot(name: src.name)
                try Ingest().run(src, consumers: [agg])
            }
            blackHole(agg.groups.count)
            reportThroughput(benchmark, bytes: BenchInputs.pageOwner.count, start: t)
        }
    }

    /// Each report formatter over the by-stack groups.
    for format in ReportFormat.allCases {
        Benchmark("format: \(format.rawValue)") { benchmark in
            let report = Report(BenchInputs.byStack, selection: Report.Selection())
            let out = try OutputSink(path: "/dev/null")
            try format.formatter.write(report, context: ReportContext(), to: out)
            try out.commit()
            blackHole(report.rows.count)
        }
    }

    /// The scale generator itself, into a reused buffer.
    Benchmark("gen: ScaleGenerator page_owner") { benchmark in
        let gen = ScaleGenerator(
            format: .pageOwner, size: BenchInputs.size, stackCount: 5000, seed: 2,
            vocabulary: BenchInputs.vocabulary)
        let t = ContinuousClock.now
        var n = 0
        gen.generate { n &+= $0.count }
        blackHole(n)
        reportThroughput(benchmark, bytes: n, start: t)
    }
}
