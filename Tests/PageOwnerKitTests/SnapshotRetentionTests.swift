import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// An archive of many tiny members (issue 18: 16,000 members took 25 s and 541 MB, the cost
/// of a member grew with the members before it). What keeps it linear is structural, and is
/// what these tests check (the times are in scripts/bench-tar-members.sh): a worker holds one
/// snapshot, `report` keeps per-group metrics only for the snapshots it may still choose,
/// `--sum` and `diff` fold each member into one, and the results are those of keeping all.
final class SnapshotRetentionTests: XCTestCase {
    /// A tar of `count` members, member i holding `per` consecutive records of the real
    /// dump `dump` from record i × per on (wrapping), named `name(i)`.
    static func archive(_ dump: String, count: Int, per: Int, name: (Int) -> String) throws -> String {
        let bytes = try TestFixtures.readAll(TestFixtures.dump(dump))
        var records: [ArraySlice<UInt8>] = []
        var start = 0
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 10 && bytes[i + 1] == 10 {
                if i > start { records.append(bytes[start...i]) }
                start = i + 2
                i += 2
                continue
            }
            i += 1
        }
        XCTAssertGreaterThan(records.count, 100, dump)
        var out: [UInt8] = []
        let w = TarWriter { out.append(contentsOf: $0) }
        for m in 0..<count {
            var body: [UInt8] = []
            for j in 0..<per { body += records[(m * per + j) % records.count] + [10] }
            try ByteView.with(body) { try w.add(name: name(m), data: $0, mtime: 0) }
        }
        try w.finish()
        let path = try TestFixtures.tempDir().appendingPathComponent("members.tar").path
        try Data(out).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func read(_ path: String, _ retention: ReportRun.Retention, keys: [GroupKey] = [.stack]) throws -> (Aggregator, [Int]) {
        var run = ReportRun()
        run.keys = keys
        run.workers = 2
        run.retention = retention
        let agg = try run.makeAggregator()
        let snaps = try run.read(path, into: agg)
        agg.resolveLateHandles()
        return (agg, snaps)
    }

    /// Snapshots that hold any per-group metric entry.
    static func holding(_ agg: Aggregator) -> Int { agg.metrics.filter { !$0.isEmpty }.count }

    /// Group key values and metrics of every row: what a report says.
    static func rows(_ agg: Aggregator, _ snapshots: [Int]) -> [String] {
        Report(agg, snapshots: snapshots, selection: Report.Selection()).rows.map { r in
            "\(r.cells.map(\.text)) \(r.metrics.records) \(r.metrics.pages) \(r.metrics.firstTs) \(r.metrics.lastTs)"
        }
    }

    /// page_owner members (they carry ts: capture order) and show_stacks members (no ts:
    /// name order, given out of order in the archive).
    static let cases: [(dump: String, per: Int, name: @Sendable (Int) -> String)] = [
        ("k6.12-m1024/s2-workload/page_owner", 3, { "snap/s\($0)" }),
        ("k6.12-m1024/s2-workload/show_stacks", 2, { "snap/s\(($0 * 7919) % 2000)" }),
    ]

    func testReportKeepsMetricsOnlyForTheSnapshotsItMayChoose() throws {
        for c in Self.cases {
            let path = try Self.archive(c.dump, count: 2000, per: c.per, name: c.name)
            for keys: [GroupKey] in [[.stack], [.comm, .order]] {
                let (all, a) = try Self.read(path, .all, keys: keys)
                let (latest, l) = try Self.read(path, .latest, keys: keys)
                XCTAssertEqual(a.count, 2000, c.dump)
                XCTAssertEqual(l, a, c.dump)
                XCTAssertGreaterThan(Self.holding(all), 1000, c.dump)
                // One candidate by ts and one by name at most, whatever the member count.
                XCTAssertLessThanOrEqual(Self.holding(latest), 2, c.dump)
                XCTAssertLessThanOrEqual(latest.metricEntries, 2 * latest.groups.count, c.dump)
                let ca = SnapshotPlan.report(all, inputs: [a], sum: false, spelling: .flags)
                let cl = SnapshotPlan.report(latest, inputs: [l], sum: false, spelling: .flags)
                XCTAssertEqual(cl.snapshots, ca.snapshots, c.dump)
                XCTAssertEqual(cl.snapshots.count, 1, c.dump)
                XCTAssertEqual(cl.notes, ca.notes, c.dump)
                let expected = Self.rows(all, ca.snapshots)
                XCTAssertFalse(expected.isEmpty, c.dump)
                XCTAssertEqual(Self.rows(latest, cl.snapshots), expected, c.dump)
            }
        }
    }

    func testSumAndDiffFoldEveryMemberIntoOne() throws {
        for c in Self.cases {
            let path = try Self.archive(c.dump, count: 2000, per: c.per, name: c.name)
            let (all, a) = try Self.read(path, .all)
            let (sum, s) = try Self.read(path, .sum)
            XCTAssertEqual(Self.holding(sum), 1, c.dump)
            XCTAssertLessThanOrEqual(sum.metricEntries, sum.groups.count, c.dump)
            let expected = Self.rows(all, a)
            XCTAssertEqual(expected.count, all.groups.count, c.dump)
            XCTAssertEqual(Self.rows(sum, s), expected, c.dump)
            XCTAssertEqual(s.map { sum.totals[$0].pages }, a.map { all.totals[$0].pages }, c.dump)
        }
    }

    func testInfoFreesEveryMembersMetricsAfterLookingAtThem() throws {
        let path = try Self.archive(Self.cases[0].dump, count: 500, per: 3, name: Self.cases[0].name)
        var run = ReportRun()
        run.retention = .none
        var seen: [Int] = []
        run.snapshotRead = { agg, s in seen.append(agg.metrics[s].filter { $0.records != 0 }.count) }
        let agg = try run.makeAggregator()
        try run.read(path, into: agg)
        XCTAssertEqual(seen.count, 500)
        XCTAssertTrue(seen.allSatisfy { $0 >= 1 && $0 <= 3 }, "\(seen.prefix(10))")
        XCTAssertEqual(agg.metricEntries, 0)
        XCTAssertEqual(agg.totals.map(\.recordsRead), Array(repeating: 3, count: 500))
    }

    /// A worker made after many snapshots holds only the one being read, and merges back
    /// into it.
    func testAWorkerHoldsOnlyTheSnapshotBeingRead() throws {
        let bytes = try TestFixtures.readAll(TestFixtures.dump("k6.12-m1024/s2-workload/page_owner"))
        let agg = Aggregator(keys: [.stack])
        for i in 0..<3000 { agg.beginSnapshot(name: "s\(i)") }
        let w = agg.makeWorker()
        XCTAssertEqual(w.snapshotCount, 1)
        XCTAssertEqual(w.totals[0].name, "s2999")
        try Ingest(strict: true).run(MemorySource(bytes, name: "whole"), consumers: [w])
        agg.merge(w)
        XCTAssertEqual(agg.snapshotCount, 3000)
        XCTAssertEqual(agg.totals[2999].recordsRead, w.totals[0].recordsRead)
        XCTAssertGreaterThan(agg.totals[2999].recordsRead, 10_000)
        XCTAssertEqual(agg.totals[..<2999].map(\.recordsRead).reduce(0, +), 0)
        XCTAssertEqual(Self.holding(agg), 1)
        XCTAssertEqual(agg.metrics[2999].reduce(Int64(0)) { $0 + $1.pages }, w.totals[0].pages)
    }

    /// Series ranks from per-group sums made column by column; the rows it shows carry the
    /// columns, and their order is the rank order `Row.slope` gives.
    func testSeriesOfManyMembersRanksLikeItsRows() throws {
        let path = try Self.archive(Self.cases[0].dump, count: 2000, per: 3, name: Self.cases[0].name)
        let (agg, snaps) = try Self.read(path, .all)
        let s = SeriesReport(agg, columns: snaps, top: nil, minPages: nil)
        XCTAssertEqual(s.snapshots.count, 2000)
        XCTAssertGreaterThan(s.rows.count, 10)
        XCTAssertEqual(s.rows.count, s.groupCount)
        for r in s.rows {
            XCTAssertEqual(r.pages, snaps.map { agg.metrics($0, Int(r.group)).pages })
        }
        for (x, y) in zip(s.rows, s.rows.dropFirst()) {
            XCTAssertTrue(x.slope > y.slope || (x.slope == y.slope && x.growth >= y.growth), "\(x.slope) \(y.slope)")
        }
        XCTAssertEqual(s.totals.reduce(0, +), snaps.map { agg.totals[$0].pages }.reduce(0, +))
    }

    /// `series` keeps every member (one column each), compacted to the member's own groups:
    /// group ids are shared by all members, so a late member's dense metrics held one entry
    /// per group of the archive (15 KB a member at 20,000 members; 4.2 GB at 100,000 with the
    /// text table). The series is the one the dense metrics give, and its text the bytes
    /// `GroupRendering.table` wrote.
    func testSeriesHoldsEachMembersOwnGroups() throws {
        for c in Self.cases {
            let path = try Self.archive(c.dump, count: 2000, per: c.per, name: c.name)
            let (agg, snaps) = try Self.read(path, .all)
            let (dense, d) = try Self.read(path, .all)
            for s in d { dense.metrics[s].expand() }
            XCTAssertEqual(snaps, d, c.dump)
            XCTAssertGreaterThan(agg.groups.count, 100, c.dump)
            // A member holds at most 4 entries a record (a dense array is kept while a
            // quarter of it is live), whatever the member count and the archive's groups.
            XCTAssertTrue(snaps.allSatisfy { agg.metrics[$0].entriesHeld <= 4 * c.per }, c.dump)
            XCTAssertGreaterThan(snaps.filter { agg.metrics[$0].isCompacted }.count, snaps.count / 2, c.dump)
            XCTAssertLessThanOrEqual(agg.metricEntries, 2 * snaps.count * c.per, c.dump)
            XCTAssertGreaterThan(dense.metricEntries, 20 * agg.metricEntries, c.dump)
            for s in snaps {
                XCTAssertEqual(agg.metrics[s].count, dense.metrics[s].count, c.dump)
                XCTAssertTrue(agg.metrics[s].elementsEqual(dense.metrics[s]), c.dump)
            }
            let (columns, _) = SnapshotPlan.order(agg, inputs: [snaps])
            let a = SeriesReport(agg, columns: columns, top: nil, minPages: nil)
            let b = SeriesReport(dense, columns: columns, top: nil, minPages: nil)
            XCTAssertEqual(a.rows.map(\.group), b.rows.map(\.group), c.dump)
            XCTAssertEqual(a.rows.map(\.pages), b.rows.map(\.pages), c.dump)
            XCTAssertEqual(a.rows.map(\.records), b.rows.map(\.records), c.dump)
            XCTAssertEqual(a.rows.map(\.slope), b.rows.map(\.slope), c.dump)
            XCTAssertEqual(a.totals, b.totals, c.dump)
            XCTAssertEqual(a.totals.reduce(0, +), snaps.map { agg.totals[$0].pages }.reduce(0, +), c.dump)
            let text = try Self.render(a)
            XCTAssertEqual(text, try Self.render(b), c.dump)
            XCTAssertEqual(text, Self.tableText(b), c.dump)
            XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 1 + a.rows.count + 1, c.dump)
        }
    }

    /// Compacting keeps the values, and a change to a compacted snapshot makes it dense again.
    func testSnapshotMetricsCompactAndExpand() {
        var x = Aggregator.Metrics()
        x.records = 2
        x.pages = 8
        x.firstTs = 5
        x.lastTs = 9
        var m = SnapshotMetrics(Array(repeating: Aggregator.Metrics(), count: 100))
        m[3] = x
        m[97] = x
        let before = Array(m)
        m.compact()
        XCTAssertTrue(m.isCompacted)
        XCTAssertEqual(m.entriesHeld, 2)
        XCTAssertEqual(m.count, 100)
        XCTAssertEqual(Array(m), before)
        XCTAssertEqual(m[97], x)
        XCTAssertEqual(m[50], Aggregator.Metrics())
        var seen: [Int] = []
        m.forEachEntry { g, v in
            seen.append(g)
            XCTAssertEqual(v, x)
        }
        XCTAssertEqual(seen, [3, 97])
        m[50].add(x)
        XCTAssertFalse(m.isCompacted)
        XCTAssertEqual(m.entriesHeld, 100)
        XCTAssertEqual(m[50], x)
        XCTAssertEqual(m[97], x)
        m.append(contentsOf: [x])
        XCTAssertEqual(m.count, 101)
        // Half live: stays dense.
        var half = SnapshotMetrics(Array(repeating: x, count: 10) + Array(repeating: Aggregator.Metrics(), count: 10))
        half.compact()
        XCTAssertFalse(half.isCompacted)
    }

    static func render(_ s: SeriesReport) throws -> String {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try SeriesText.write(s, keyCell: { r, _, _ in SeriesFormatter(.text).keyText(s, r, sep: "") }, to: sink)
        try sink.commit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The table as `SeriesFormatter` wrote it before (a string per cell).
    static func tableText(_ s: SeriesReport) -> String {
        var header = ["SLOPE", "GROWTH"] + (1...max(1, s.snapshots.count)).map { "S\($0)" }
        header += s.keys.map { $0 == .stack ? "STACK" : $0.rawValue.uppercased() }
        let rows = s.rows.map { r in
            [Render.fixed(r.slope, 1), (r.growth > 0 ? "+" : "") + String(r.growth)] + r.pages.map(String.init)
                + [SeriesFormatter(.text).keyText(s, r, sep: "")]
        }
        return GroupRendering.table(header: header, rows: rows, numeric: Set(0..<(2 + s.snapshots.count))).joined()
    }
}
