import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `diff` and `series` on the real snapshot pairs and series.
final class DiffSeriesTests: XCTestCase {
    func aggregate(keys: [GroupKey], sides: [[String]], ignoreOffsets: Bool = false) throws -> (Aggregator, [[Int]]) {
        var run = ReportRun()
        run.keys = keys
        run.strict = true
        run.ignoreOffsets = ignoreOffsets
        let agg = try run.makeAggregator()
        var snaps: [[Int]] = []
        for side in sides {
            var s: [Int] = []
            for d in side { s += try run.read(TestFixtures.dump(d), into: agg) }
            snaps.append(s)
        }
        return (agg, snaps)
    }

    func diff(_ a: String, _ b: String, keys: [GroupKey], top: Int? = nil, ignoreOffsets: Bool = false) throws -> DiffReport {
        let (agg, s) = try aggregate(keys: keys, sides: [[a], [b]], ignoreOffsets: ignoreOffsets)
        var sel = Report.Selection()
        sel.top = top
        return DiffReport(agg, before: s[0], after: s[1], selection: sel)
    }

    func render(_ d: DiffReport, _ f: ReportFormat) throws -> String {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try DiffFormatter(f).write(d, context: ReportContext(), to: sink)
        try sink.commit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The workload wrote a 64 MiB tmpfs file with dd, and 8 MiB more in memcg `gone`:
    /// 18432 pages. By comm, dd grows most; by stack, the tmpfs write is the largest
    /// growth after the anonymous-fault stack shared by wl-anon and the wl-fork children.
    func testTmpfsWriteGrowthOnEveryKernel() throws {
        for run in ["k6.1-m1024", "k6.12-m1024", "k7.3-m1536-numa"] {
            let byStack = try diff("\(run)/s1-boot/page_owner", "\(run)/s2-workload/page_owner", keys: [.stack])
            let tmpfs = try XCTUnwrap(byStack.allRows.first { $0.frames!.contains { $0.hasPrefix("shmem_write_begin") } })
            XCTAssertEqual(tmpfs.pagesDelta, 18432, run)
            XCTAssertLessThanOrEqual(byStack.allRows.firstIndex { $0.group == tmpfs.group }!, 1, "\(run): among the top two")
            let byCommStack = try diff("\(run)/s1-boot/page_owner", "\(run)/s2-workload/page_owner", keys: [.comm, .stack])
            let top = try XCTUnwrap(byCommStack.allRows.first)
            XCTAssertEqual(top.cells[0].text, "dd", run)
            XCTAssertTrue(top.frames!.contains { $0.hasPrefix("shmem_write_begin") }, run)
            XCTAssertEqual(top.pagesDelta, 18432, run)
            XCTAssertEqual(top.status, .new)
            let byComm = try diff("\(run)/s1-boot/page_owner", "\(run)/s2-workload/page_owner", keys: [.comm])
            XCTAssertEqual(byComm.allRows.first?.cells[0].text, "dd", run)
            XCTAssertGreaterThanOrEqual(byComm.allRows.first!.pagesDelta, 18432, run)
        }
    }

    func testDiffGoldens() throws {
        let a = "k6.12-m1024/s1-boot/page_owner"
        let b = "k6.12-m1024/s2-workload/page_owner"
        try Golden.check("diff-k6.12-s1-s2-stack-top5.txt", try render(try diff(a, b, keys: [.stack], top: 5), .text))
        try Golden.check("diff-k6.12-s1-s2-comm.csv", try render(try diff(a, b, keys: [.comm]), .csv))
        try Golden.check("diff-k6.12-s2-s3-comm.json", try render(try diff(b, "k6.12-m1024/s3-after/page_owner", keys: [.comm]), .json))
    }

    func testDiffCSVAndJSONCarryBeforeAfterDelta() throws {
        let d = try diff("k7.3-m1536-numa/s2-workload/page_owner", "k7.3-m1536-numa/s3-after/page_owner", keys: [.comm])
        let csv = try render(d, .csv)
        XCTAssertTrue(
            csv.hasPrefix(
                "comm,status,records_before,records_after,records_delta,pages_before,pages_after,pages_delta,bytes_before,bytes_after,bytes_delta,ratio\r\n"
            ))
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try render(d, .json).utf8)) as? [String: Any])
        let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
        let totals = try XCTUnwrap(doc["totals"] as? [String: Any])
        XCTAssertEqual(groups.reduce(0) { $0 + ($1["pages_before"] as! Int) }, totals["pages_before"] as? Int)
        XCTAssertEqual(groups.reduce(0) { $0 + ($1["pages_after"] as! Int) }, totals["pages_after"] as? Int)
        XCTAssertEqual(totals["pages_before"] as? Int, 85349)
        XCTAssertEqual(totals["pages_after"] as? Int, 75486)
        // wl-anon was killed between s2 and s3: all but a handful of its pages are gone.
        let wlAnon = try XCTUnwrap(groups.first { $0["comm"] as? String == "wl-anon" })
        XCTAssertEqual(wlAnon["status"] as? String, "shrank")
        XCTAssertLessThan((wlAnon["pages_after"] as! Int) * 100, wlAnon["pages_before"] as! Int)
        XCTAssertEqual(groups.first { $0["comm"] as? String == "wl-anon2" }?["status"] as? String, "new")
    }

    func testFailOnGrowthBounds() throws {
        let d = try diff("k6.12-m1024/s1-boot/page_owner", "k6.12-m1024/s2-workload/page_owner", keys: [.comm])
        XCTAssertEqual(d.offenders(pages: 100_000, percent: nil).count, 0)
        let off = d.offenders(pages: 16_417, percent: nil)
        XCTAssertEqual(off.map(\.cells[0].text), ["dd"], "only dd grew by more than wl-anon's 16417 pages")
        XCTAssertFalse(d.offenders(pages: nil, percent: 1000).isEmpty, "new groups count as infinite growth")
        let same = try diff("k6.12-m1024/s1-boot/page_owner", "k6.12-m1024/s1-boot/page_owner", keys: [.stack])
        XCTAssertEqual(same.offenders(pages: 0, percent: 0).count, 0)
        XCTAssertTrue(same.allRows.allSatisfy { $0.status == .same })
    }

    func testAcrossFormatsAndIgnoringOffsets() throws {
        // page_owner against show_stacks of the same moment: stacks match by content.
        let d = try diff("k6.12-m1024/s2-workload/page_owner", "k6.12-m1024/s2-workload/show_stacks", keys: [.stack])
        let changed = d.allRows.filter { $0.status != .gone && $0.pagesDelta != 0 }
        XCTAssertLessThan(changed.count, 20, "only a few stacks differ between the two reads")
        // Two kernel builds: 6.12 and 7.3 stacks differ by offsets and names; by caller they meet.
        let x = try diff(
            "k6.12-m1024/s2-workload/page_owner", "k7.3-m1536-numa/s2-workload/page_owner", keys: [.stack], ignoreOffsets: true)
        XCTAssertGreaterThan(x.allRows.filter { $0.status != .new && $0.status != .gone }.count, 0)
    }

    func testSeriesEqualsReportPerSnapshot() throws {
        let snaps = ["k7.3-m1536-numa/s1-boot/page_owner", "k7.3-m1536-numa/s2-workload/page_owner", "k7.3-m1536-numa/s3-after/page_owner"]
        let (agg, s) = try aggregate(keys: [.comm, .caller], sides: snaps.map { [$0] })
        let series = SeriesReport(agg, top: nil, minPages: nil)
        XCTAssertEqual(series.snapshots.count, 3)
        for (i, snap) in snaps.enumerated() {
            // The same snapshot alone through `report`.
            var run = ReportRun()
            run.keys = [.comm, .caller]
            let alone = try run.makeAggregator()
            try run.read(TestFixtures.dump(snap), into: alone)
            let report = Report(alone, selection: Report.Selection())
            var expected: [String: Int64] = [:]
            for r in report.rows { expected[r.cells.map(\.text).joined(separator: "|")] = r.metrics.pages }
            var got: [String: Int64] = [:]
            for r in series.rows where r.pages[i] != 0 { got[r.cells.map(\.text).joined(separator: "|")] = r.pages[i] }
            XCTAssertEqual(got, expected, "snapshot \(i + 1)")
            XCTAssertEqual(series.totals[i], agg.totals[s[i][0]].pages)
        }
        // Ranked by slope: the first row grows at least as fast as any other.
        XCTAssertTrue(series.rows.allSatisfy { $0.slope <= series.rows[0].slope })
        let top = series.rows[0]
        XCTAssertEqual(top.growth, top.pages[2] - top.pages[0])
    }
}
