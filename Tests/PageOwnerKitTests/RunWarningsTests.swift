import Foundation
import PageOwnerSynth
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// What a run must say besides its numbers (issue 12, items 3–5): keys and filters the
/// input cannot answer, snapshots counted twice, and the order of a series.
final class RunWarningsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try TestFixtures.tempDir() }
    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func write(_ bytes: [UInt8], _ name: String) throws -> String { try write([bytes], name) }

    /// Writes the parts one after another (dumps joined into one file).
    func write(_ parts: [[UInt8]], _ name: String) throws -> String {
        let p = dir.appendingPathComponent(name).path
        var d = Data()
        for b in parts { d.append(contentsOf: b) }
        try d.write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Reads each path (one array of snapshots per path) into one aggregator.
    func read(_ paths: [String], keys: [GroupKey], filters: Filters = Filters(), workers: Int = 1) throws -> (
        Aggregator, [[Int]], Diagnostics
    ) {
        var run = ReportRun()
        run.keys = keys
        run.filters = filters
        run.workers = workers
        let agg = try run.makeAggregator()
        var snaps: [[Int]] = []
        for p in paths { snaps.append(try run.read(p, into: agg)) }
        agg.resolveLateHandles()
        return (agg, snaps, run.diagnostics)
    }

    /// A ustar archive of `members` in the order given (as `tar -cf` may store them).
    static func tar(_ members: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, data) in members {
            var h = [UInt8](repeating: 0, count: 512)
            func put(_ s: String, _ at: Int) { for (i, b) in s.utf8.enumerated() { h[at + i] = b } }
            put(name, 0)
            put("0000644", 100)
            put("0000000", 108)
            put("0000000", 116)
            put(String(repeating: "0", count: 11 - String(data.count, radix: 8).count) + String(data.count, radix: 8), 124)
            put("00000000000", 136)
            put("        ", 148)
            h[156] = 48  // '0': a regular file
            put("ustar", 257)
            put("00", 263)
            let sum = h.reduce(0) { $0 + Int($1) }
            put(String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8), 148)
            h[154] = 0
            h[155] = 32
            out += h + data
            out += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    func fixture(_ name: String) throws -> [UInt8] { try TestFixtures.readAll(TestFixtures.dump(name)) }

    // MARK: - Item 3: keys and filters the input cannot answer

    /// Before 5.11 a page_owner header has no pid, comm or ts: `--group-by comm` put every
    /// record in `-` and `--comm dd` kept nothing, without a word.
    func testMissingFieldsOfOldErasAreNamedWithTheirKernel() throws {
        var f = Filters()
        f.comms = [Array("dd".utf8)]
        f.since = 5_000_000_000
        for (era, expectMissing) in [
            (SyntheticEra.v3_19, ["comm", "ts"]), (.v4_6, ["comm", "ts"]), (.v5_11, ["comm"]), (.v5_13, ["comm"]),
        ] {
            let p = try write(EraRenderer.render(era: era, count: 200, seed: 3), "\(era.rawValue).txt")
            let (agg, snaps, d) = try read([p], keys: [.comm, .pid], filters: f)
            let w = RunWarnings.collect(agg, d, snapshots: snaps[0], spelling: .flags)
            XCTAssertEqual(w.missingFields.count, 1, "\(era): \(w.missingFields)")
            let text = try XCTUnwrap(w.missingFields.first)
            for m in expectMissing { XCTAssertTrue(text.contains(m), "\(era): \(text)") }
            XCTAssertTrue(text.contains("--group-by comm") && text.contains("--comm"), text)
            XCTAssertTrue(text.contains("tgid and comm from 5.18"), text)
            XCTAssertEqual(text.contains("from Linux 5.11"), expectMissing.contains("ts"), "\(era): \(text)")
            XCTAssertEqual(text.contains("--group-by pid"), era == .v3_19 || era == .v4_6, "\(era): pid from 5.11: \(text)")
            XCTAssertTrue(w.warnings.contains(text))
            XCTAssertEqual(agg.totals[0].records, 0, "the filter keeps nothing, and now says why")
        }
        // 6.7+ carries every field these keys and filters read: nothing to say.
        let p = try write(EraRenderer.render(era: .v6_7, count: 200, seed: 3), "v6_7.txt")
        let (agg, snaps, d) = try read([p], keys: [.comm, .pid, .tgid, .node], filters: f)
        XCTAssertEqual(RunWarnings.collect(agg, d, snapshots: snaps[0], spelling: .flags).missingFields, [])
    }

    /// The real dumps: page_owner of 6.1, 6.12 and 7.3 carries every field; show_stacks
    /// carries no task, time or order, and says so.
    func testRealDumpsAndShowStacks() throws {
        var f = Filters()
        f.pids = [1]
        f.since = 1
        f.memcgs = [Array("/".utf8)]
        for run in ["k6.1-m1024/s2-workload/page_owner", "k6.12-m1024/s2-workload/page_owner", "k7.3-m1536-numa/s2-workload/page_owner"] {
            let (agg, snaps, d) = try read(
                [TestFixtures.dump(run)], keys: [.comm, .pid, .tgid, .memcg, .node, .gfp, .migratetype, .order], filters: f)
            XCTAssertEqual(RunWarnings.collect(agg, d, snapshots: snaps[0], spelling: .flags).missingFields, [], run)
        }
        let (agg, snaps, d) = try read([TestFixtures.dump("k6.12-m1024/s2-workload/show_stacks")], keys: [.comm])
        let w = RunWarnings.collect(agg, d, snapshots: snaps[0], spelling: .flags).missingFields
        XCTAssertEqual(w.count, 1)
        XCTAssertTrue(w[0].contains("show_stacks and show_handles hold stacks or handles and page counts only"), w[0])
    }

    // MARK: - Item 4: double counting

    /// Two or three dumps joined into one file: the PFNs go back where each starts, the same
    /// count on one, two and three workers, through the mapped and the streamed path; the
    /// real dumps never go back.
    func testJoinedDumpsAreCountedOnAnyWorkerCount() throws {
        let s1 = try fixture("k6.12-m1024/s1-boot/page_owner")
        let s2 = try fixture("k6.12-m1024/s2-workload/page_owner")
        let joined = try write([s1, s2, s1], "joined")
        let single = try write(s2, "single")
        for workers in [1, 2, 3] {
            let (agg, snaps, d) = try read(
                [joined, single, TestFixtures.dump("k6.12-m1024/s3-after/page_owner")], keys: [.stack], workers: workers)
            XCTAssertEqual(agg.pfnRestarts(snaps[0][0]), 2, "\(workers) workers")
            XCTAssertEqual(agg.pfnRestarts(snaps[1][0]), 0, "\(workers) workers")
            XCTAssertEqual(agg.pfnRestarts(snaps[2][0]), 0, "\(workers) workers (streamed .zst)")
            let w = RunWarnings.collect(agg, d, snapshots: snaps[0], spelling: .flags).warnings
            XCTAssertTrue(w.contains { $0.contains("the PFNs go back 2 time(s)") && $0.contains("3 dumps joined") }, "\(w)")
            XCTAssertEqual(RunWarnings.collect(agg, d, snapshots: snaps[1], spelling: .flags).warnings, [])
        }
        // Streamed (zstd) on several workers: chunk edges are not restarts, the joins are.
        let zst = dir.appendingPathComponent("joined.zst").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "command -v zstd >/dev/null && zstd -q -c '\(joined)' > '\(zst)'"]
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus == 0 {
            for workers in [1, 2, 3] {
                let (agg, snaps, _) = try read([zst], keys: [.stack], workers: workers)
                XCTAssertEqual(agg.pfnRestarts(snaps[0][0]), 2, "zstd, \(workers) workers")
            }
        }
    }

    /// Four copies of a workload dump joined: more pages than the highest PFN leaves room for.
    func testMorePagesThanTheMachineHas() throws {
        let s2 = try fixture("k6.12-m1024/s2-workload/page_owner")
        let many = try write([s2, s2, s2, s2], "many")
        let (agg, snaps, d) = try read([many], keys: [.stack])
        let w = RunWarnings.collect(agg, d, snapshots: snaps[0], spelling: .flags).warnings
        XCTAssertTrue(w.contains { $0.contains("the highest PFN leaves room for") }, "\(w)")
    }

    /// `report` of an archive of three snapshots (stored s3, s2, s1) reports the latest, s3,
    /// and says so; with --sum it adds them up and says that.
    func testReportOfAnArchiveTakesTheLatestSnapshot() throws {
        let names = ["s1-boot", "s2-workload", "s3-after"]
        let members = try names.reversed().map { ("run/\($0)/page_owner", try fixture("k6.12-m1024/\($0)/page_owner")) }
        let tar = try write(Self.tar(members), "run.tar")
        let (agg, snaps, _) = try read([tar], keys: [.comm])
        let last = SnapshotPlan.report(agg, inputs: snaps, sum: false, spelling: .flags)
        XCTAssertEqual(last.snapshots.map { agg.totals[$0].name }, ["\(tar):run/s3-after/page_owner"])
        XCTAssertTrue(last.notes.first?.contains("reporting the latest by allocation ts") ?? false, "\(last.notes)")
        XCTAssertEqual(last.warnings, [])
        let report = Report(agg, snapshots: last.snapshots, selection: Report.Selection())
        let (alone, s3, _) = try read([TestFixtures.dump("k6.12-m1024/s3-after/page_owner")], keys: [.comm])
        XCTAssertEqual(report.total, Report(alone, snapshots: s3[0], selection: Report.Selection()).total)
        let sum = SnapshotPlan.report(agg, inputs: snaps, sum: true, spelling: .flags)
        XCTAssertEqual(sum.snapshots.count, 3)
        XCTAssertTrue(sum.notes.first?.contains("as --sum asks") ?? false)
        // Three files on the command line are added up, with a warning.
        let files = try names.map { try write(try fixture("k6.12-m1024/\($0)/page_owner"), $0) }
        let (agg3, snaps3, _) = try read(files, keys: [.comm])
        let three = SnapshotPlan.report(agg3, inputs: snaps3, sum: false, spelling: .flags)
        XCTAssertEqual(three.snapshots.count, 3)
        XCTAssertTrue(three.warnings.first?.contains("3 page_owner snapshots are added up") ?? false, "\(three.warnings)")
        XCTAssertEqual(SnapshotPlan.report(agg3, inputs: snaps3, sum: true, spelling: .flags).warnings, [])
    }

    /// page_owner with show_stacks of the same moment is one snapshot seen twice: a warning.
    /// show_handles with show_stacks_handles is one snapshot: no warning.
    func testTwoViewsOfOneSnapshot() throws {
        let d = "k7.3-m1536-numa/s1-boot/"
        let (agg, snaps, _) = try read([TestFixtures.dump(d + "page_owner"), TestFixtures.dump(d + "show_stacks")], keys: [.stack])
        let both = SnapshotPlan.report(agg, inputs: snaps, sum: false, spelling: .flags)
        XCTAssertEqual(both.warnings.count, 1)
        XCTAssertTrue(both.warnings[0].contains("two views of the same pages"), both.warnings[0])
        let (agg2, snaps2, _) = try read(
            [TestFixtures.dump(d + "show_stacks_handles"), TestFixtures.dump(d + "show_handles")], keys: [.stack])
        let pair = SnapshotPlan.report(agg2, inputs: snaps2, sum: false, spelling: .flags)
        XCTAssertEqual(pair.warnings, [])
        XCTAssertEqual(pair.notes, [])
        XCTAssertEqual(pair.snapshots.count, 2)
    }

    // MARK: - Item 5: series order

    /// `tar -cf` may store s1 s2 s3 as s3, s2, s1: the series follows capture time, so the
    /// tmpfs writer grows, not shrinks; members without timestamps go by name.
    func testSeriesOfAReversedArchiveRunsForward() throws {
        let names = ["s1-boot", "s2-workload", "s3-after"]
        let members = try names.reversed().map { ("run/\($0)/page_owner", try fixture("k7.3-m1536-numa/\($0)/page_owner")) }
        let tar = try write(Self.tar(members), "run.tar")
        let (agg, snaps, _) = try read([tar], keys: [.comm])
        XCTAssertEqual(snaps[0].map { agg.totals[$0].name }, members.map { "\(tar):\($0.0)" }, "archive order is s3, s2, s1")
        let (cols, basis) = SnapshotPlan.order(agg, inputs: snaps)
        XCTAssertEqual(basis, .captureTime)
        XCTAssertEqual(cols.map { agg.totals[$0].name }, names.map { "\(tar):run/\($0)/page_owner" })
        let series = SeriesReport(agg, columns: cols, top: nil, minPages: nil)
        let dd = try XCTUnwrap(series.rows.first { $0.cells[0].text == "dd" })
        XCTAssertGreaterThan(dd.pages[1], dd.pages[0], "dd wrote its tmpfs file between s1 and s2")
        let note = try XCTUnwrap(SnapshotPlan.orderNote(agg, cols, basis, inputs: snaps))
        XCTAssertTrue(note.contains("capture order") && note.contains("not the order given"), note)
        XCTAssertEqual(SnapshotPlan.order(agg, inputs: snaps, keepGiven: true).0, snaps[0])

        // show_handles carry no timestamps: natural name order.
        let handles = try names.reversed().map { ("run/\($0)/show_handles", try fixture("k7.3-m1536-numa/\($0)/show_handles")) }
        let htar = try write(Self.tar(handles), "handles.tar")
        let (hagg, hsnaps, _) = try read([htar], keys: [.handle])
        let (hcols, hbasis) = SnapshotPlan.order(hagg, inputs: hsnaps)
        XCTAssertEqual(hbasis, .name)
        XCTAssertEqual(hcols.map { hagg.totals[$0].name }, names.map { "\(htar):run/\($0)/show_handles" })
    }

    func testNaturalOrder() {
        let sorted = ["s10", "s2", "s1", "s02x", "a", "s2a"].sorted(by: SnapshotPlan.naturalLess)
        XCTAssertEqual(sorted, ["a", "s1", "s2", "s2a", "s02x", "s10"])
    }
}
