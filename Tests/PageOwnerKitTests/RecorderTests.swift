import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `record` on a fake debugfs tree made of the real 7.3 snapshots, swapped between samples.
final class RecorderTests: XCTestCase {
    static let snaps = ["s1-boot", "s2-workload", "s3-after"]
    var dir: URL!

    override func setUpWithError() throws {
        dir = try TestFixtures.tempDir()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("page_owner_stacks"), withIntermediateDirectories: true)
        try install(0)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Puts snapshot `i`'s files where a live tree has them.
    func install(_ i: Int) throws {
        let src = "k7.3-m1536-numa/\(Self.snaps[i])/"
        for f in ["show_handles", "show_stacks_handles", "show_stacks"] {
            try Data(try TestFixtures.readAll(TestFixtures.dump(src + f))).write(to: dir.appendingPathComponent("page_owner_stacks/" + f))
        }
        try Data(try TestFixtures.readAll(TestFixtures.dump(src + "page_owner"))).write(to: dir.appendingPathComponent("page_owner"))
    }

    func record(_ source: LiveSource, gate: Int64? = nil, keys: [GroupKey] = [.stack]) throws -> (String, Recorder.Outcome) {
        var o = Recorder.Options()
        o.debugfs = dir.path
        o.source = source
        o.count = 3
        o.intervalNs = 1_000_000
        o.output = dir.appendingPathComponent("run-\(source.rawValue).tar.zst").path
        o.failOnGrowth = gate
        o.keys = keys
        let r = try Recorder(o)
        var taken = 0
        let outcome = try r.run(stop: { false }) { _ in
            taken += 1
            if taken < 3 { try? self.install(taken) }
        }
        try install(0)
        return (o.output, outcome)
    }

    func series(_ paths: [String], keys: [GroupKey]) throws -> SeriesReport {
        var run = ReportRun()
        run.keys = keys
        run.strict = true
        let agg = try run.makeAggregator()
        for p in paths { try run.read(p, into: agg) }
        agg.resolveLateHandles()
        return SeriesReport(agg, top: nil, minPages: nil)
    }

    func testEverySourceRecordsTheColumnsOfTheFiles() throws {
        let cases: [(LiveSource, [String])] = [
            (.showHandles, ["show_handles"]), (.showStacks, ["show_stacks"]), (.pageOwner, ["page_owner"]),
        ]
        for (source, files) in cases {
            let (archive, outcome) = try record(source)
            XCTAssertEqual(outcome.samples, 3)
            XCTAssertEqual(outcome.source, source)
            XCTAssertFalse(outcome.printMode, "a copy is never written to")
            let fromArchive = try series([archive], keys: [.caller])
            XCTAssertEqual(fromArchive.snapshots.count, 3, "\(source): one column per sample")
            var direct: [String] = []
            for s in Self.snaps {
                for f in files {
                    if source == .showHandles {
                        direct.append(TestFixtures.dump("k7.3-m1536-numa/\(s)/show_stacks_handles"))
                    }
                    direct.append(TestFixtures.dump("k7.3-m1536-numa/\(s)/\(f)"))
                }
            }
            let fromFiles = try series(direct, keys: [.caller])
            XCTAssertEqual(fromArchive.totals, fromFiles.totals, "\(source)")
            let a = Dictionary(uniqueKeysWithValues: fromArchive.rows.map { ($0.cells[0].text, $0.pages) })
            let b = Dictionary(uniqueKeysWithValues: fromFiles.rows.map { ($0.cells[0].text, $0.pages) })
            XCTAssertEqual(a, b, "\(source): the same columns as series on the files")
            if source == .showHandles {
                XCTAssertNil(a["[unresolved handle]"], "every handle resolved")
            }
        }
    }

    func testNewHandlesAreResolvedAndStoredOnce() throws {
        let (archive, outcome) = try record(.showHandles)
        // s2 and s3 bring handles s1's show_stacks_handles lacked: each sample re-reads it.
        XCTAssertGreaterThan(outcome.costs[1].newHandles, 0)
        let names = try TarMemberNames.of(archive)
        XCTAssertEqual(names.filter { $0.hasPrefix("sample-") }.count, 3)
        XCTAssertEqual(names.first, "stacks-000001.show_stacks_handles", "stacks precede the samples")
        // Each stacks member holds only new handles: their total is the distinct handles seen.
        var handles = Set<UInt32>()
        var stored = 0
        for s in Self.snaps {
            let b = try TestFixtures.readAll(TestFixtures.dump("k7.3-m1536-numa/\(s)/show_stacks_handles"))
            handles.formUnion(LiveSampler.handles(b))
        }
        try Inputs.forEach(path: archive) { src in
            guard src.name.hasSuffix("show_stacks_handles") else { return }
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            var all: [UInt8] = []
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                all += buf[0..<n]
            }
            stored += LiveSampler.handles(all).count
        }
        XCTAssertEqual(stored, handles.count)
    }

    func testGrowthGateTripsOnTheTmpfsWrite() throws {
        // s1 -> s2: dd writes 64 MiB into tmpfs (shmem_alloc_folio, 16384+ pages).
        let (archive, outcome) = try record(.showHandles, gate: 8192, keys: [.caller])
        XCTAssertEqual(outcome.samples, 2, "stops at the sample that grew")
        XCTAssertTrue(outcome.offenders.first?.contains("shmem_alloc_folio") ?? false, "\(outcome.offenders)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: archive), "the archive is kept")
        let (_, quiet) = try record(.showHandles, gate: 1 << 30)
        XCTAssertEqual(quiet.samples, 3)
        XCTAssertEqual(quiet.offenders, [])
    }

    func testDurations() {
        XCTAssertEqual(DurationParser.nanoseconds("0.2"), 200_000_000)
        XCTAssertEqual(DurationParser.nanoseconds("200ms"), 200_000_000)
        XCTAssertEqual(DurationParser.nanoseconds("5s"), 5_000_000_000)
        XCTAssertEqual(DurationParser.nanoseconds("1m"), 60_000_000_000)
        XCTAssertEqual(DurationParser.nanoseconds("250us"), 250_000)
        XCTAssertNil(DurationParser.nanoseconds("-1s"))
        XCTAssertNil(DurationParser.nanoseconds("fast"))
        XCTAssertNil(DurationParser.nanoseconds(""))
        XCTAssertNil(DurationParser.nanoseconds("1e30"))
    }
}

/// Member names of a (compressed) tar archive, in order.
enum TarMemberNames {
    static func of(_ path: String) throws -> [String] {
        var names: [String] = []
        try Inputs.forEach(path: path) { src in names.append(String(src.name.split(separator: ":").last ?? "")) }
        return names
    }
}
