import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `report` on the real dumps: every key, filter and format; totals reconcile everywhere.
final class ReportTests: XCTestCase {
    static let s2 = "k7.3-m1536-numa/s2-workload/page_owner"

    func aggregate(_ dumps: [String], keys: [GroupKey], filters: Filters = Filters(), stacks: [String] = []) throws -> Aggregator {
        var run = ReportRun()
        run.keys = keys
        run.filters = filters
        run.strict = true
        run.stacksFiles = stacks.map(TestFixtures.dump)
        let agg = try run.makeAggregator()
        for d in dumps { try run.read(TestFixtures.dump(d), into: agg) }
        agg.resolveLateHandles()
        return agg
    }

    func render(_ report: Report, _ format: ReportFormat, _ ctx: ReportContext = ReportContext()) throws -> String {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try format.formatter.write(report, context: ctx, to: sink)
        try sink.commit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func testEveryKeyReconcilesWithTheInput() throws {
        for key in GroupKey.allCases {
            let agg = try aggregate([Self.s2], keys: [key])
            let report = Report(agg, selection: Report.Selection())
            XCTAssertEqual(report.total.pages, 85349, "\(key): the fixture README counts 85349 base pages")
            XCTAssertEqual(report.total.records, 61476, "\(key)")
            XCTAssertEqual(report.rows.reduce(0) { $0 + $1.metrics.pages }, report.total.pages, "\(key): groups sum to the total")
            XCTAssertEqual(report.rows.count, report.groupCount)
            XCTAssertGreaterThan(report.groupCount, 0)
        }
    }

    func testOrdersAndMigratetypesMatchTheFixtureReadme() throws {
        let agg = try aggregate([Self.s2], keys: [.order])
        let report = Report(agg, selection: Report.Selection())
        var byOrder: [Int64: Int64] = [:]
        for r in report.rows { byOrder[r.cells[0].number!] = r.metrics.records }
        // orders {0: 60181, 1: 464, 2: 640, 3: 122, 4: 12, 5: 1, 8: 32, 9: 24}
        XCTAssertEqual(byOrder, [0: 60181, 1: 464, 2: 640, 3: 122, 4: 12, 5: 1, 8: 32, 9: 24])
        let mt = Report(try aggregate([Self.s2], keys: [.migratetype, .blocktype]), selection: Report.Selection())
        let cma = mt.rows.first { $0.cells[0].text == "Movable" && $0.cells[1].text == "CMA" }
        XCTAssertEqual(cma?.metrics.records, 18, "Movable/CMA: 18 records")
    }

    /// A report for folded output skips the sort (`ordered: false`): the folded bytes are
    /// the same as from the sorted report, on the real dump and with task names that are
    /// equal as `String`s but not as bytes (composed and decomposed "é"), whose merged line
    /// is the byte-smallest spelling whatever order the rows come in.
    func testFoldedIsTheSameFromAnUnsortedReport() throws {
        for keys: [GroupKey] in [[.stack], [.comm, .stack], [.caller, .order]] {
            let agg = try aggregate([Self.s2], keys: keys)
            let sorted = try render(Report(agg, selection: Report.Selection()), .folded)
            let unsorted = try render(Report(agg, selection: Report.Selection(), ordered: false), .folded)
            XCTAssertGreaterThan(sorted.count, 1000, "\(keys)")
            XCTAssertEqual(unsorted, sorted, "\(keys)")
        }
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func record(_ comm: String, pfn: Int) -> String {
            "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (\(comm)), ts 0 ns\n"
                + "PFN 0x\(String(pfn, radix: 16)) type Unmovable Block 0 type Unmovable Flags 0x4(referenced|node=0|zone=0)\n"
                + " alloc_pages+0x36/0x50\n do_thing+0x27/0x330\n\n"
        }
        let composed = "caf\u{e9}"
        let decomposed = "cafe\u{301}"
        XCTAssertEqual(composed, decomposed, "equal as Strings")
        for comms in [[composed, decomposed, decomposed], [decomposed, composed, composed]] {
            let path = dir.appendingPathComponent("dump").path
            try comms.enumerated().map { record($1, pfn: 0x100 + $0) }.joined().write(toFile: path, atomically: true, encoding: .utf8)
            var run = ReportRun()
            run.keys = [.comm, .stack]
            let agg = try run.makeAggregator()
            try run.read(path, into: agg)
            let sorted = try render(Report(agg, selection: Report.Selection()), .folded)
            let unsorted = try render(Report(agg, selection: Report.Selection(), ordered: false), .folded)
            XCTAssertEqual(Array(sorted.utf8), Array(unsorted.utf8))
            XCTAssertEqual(Array(sorted.utf8), Array("cafe\u{301};do_thing;alloc_pages 3\n".utf8), "one line, the byte-smallest spelling, all pages")
        }
    }

    /// Folded lines are held as part ids and compared from the first part where they differ:
    /// the output is the `String` reference's (`GroupRendering.foldedLine`, then `fold`) when
    /// one frame's name is a prefix of another's followed by a byte below `;` (`.`, a space
    /// before `[module]`) or above it (`_`), when names and task names hold `;`, and when a
    /// stack is a prefix of another; with 1 to 3 threads and rows in either order.
    func testFoldedLinesMatchTheStringReferenceWhereNamesArePrefixes() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stacks = [
            [" alloc_pages+0x36/0x50", " f+0x1/0x2", " root+0x1/0x9"],
            [" alloc_pages+0x36/0x50", " f.cold+0x1/0x2", " root+0x1/0x9"],
            [" alloc_pages+0x36/0x50", " f_x+0x1/0x2", " root+0x1/0x9"],
            [" alloc_pages+0x36/0x50", " f+0x5/0x9 [mod]", " root+0x1/0x9"],
            [" alloc_pages+0x36/0x50", " f;g+0x5/0x9", " root+0x1/0x9"],
            [" f+0x1/0x2", " root+0x1/0x9"],
            [" f+0x3/0x4", " root+0x1/0x9"],
            [" root+0x1/0x9"],
            [" rootx+0x1/0x9"],
            [" root.y+0x1/0x9"],
        ]
        let comms = ["a", "a;b", "a.b", "ab", ""]
        var records: [String] = []
        for (i, s) in stacks.enumerated() {
            for (j, c) in comms.enumerated() where (i + j) % 2 == 0 || j == 0 {
                records.append(
                    "Page allocated via order \(j % 3), mask 0x0(), pid 1, tgid 1 (\(c)), ts 0 ns\n"
                        + "PFN 0x\(String(0x100 + records.count, radix: 16)) type Unmovable Block 0 type Unmovable Flags 0x4(referenced|node=0|zone=0)\n"
                        + s.joined(separator: "\n") + "\n\n")
            }
        }
        for order in [records, records.reversed()] {
            let path = dir.appendingPathComponent("dump").path
            try order.joined().write(toFile: path, atomically: true, encoding: .utf8)
            for keys: [GroupKey] in [[.stack], [.comm, .stack]] {
                var run = ReportRun()
                run.keys = keys
                let agg = try run.makeAggregator()
                try run.read(path, into: agg)
                for keepOffsets in [false, true] {
                    let full = Report(agg, selection: Report.Selection())
                    let expected = GroupRendering.fold(
                        full.rows.map {
                            (GroupRendering.foldedLine(keys, $0.cells, frames: $0.frames, label: $0.stackLabel, keepOffsets: keepOffsets), $0.metrics.pages)
                        }
                    ).map { "\($0.0) \($0.1)\n" }.joined()
                    XCTAssertGreaterThanOrEqual(expected.split(separator: "\n").count, 9, "\(keys)")
                    var ctx = ReportContext()
                    ctx.foldedKeepOffsets = keepOffsets
                    for threads in 1...3 {
                        ctx.threads = threads
                        let unsorted = Report(agg, selection: Report.Selection(), frameText: false, ordered: false)
                        XCTAssertEqual(try render(unsorted, .folded, ctx), expected, "\(keys) keepOffsets \(keepOffsets), \(threads) threads")
                    }
                }
            }
        }
    }

    /// Folded lines that merge stacks of huge orders hold their sum at `Int64.max`, as the
    /// groups' own sums do, instead of overflowing.
    func testFoldedSumsSaturate() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("dump").path
        let text = (0..<4).map { i in
            "Page allocated via order 62, mask 0x0(), pid 1, tgid 1 (t), ts 0 ns\n"
                + "PFN 0x\(String(0x100 + i, radix: 16)) type Unmovable Block 0 type Unmovable Flags 0x4(referenced|node=0|zone=0)\n"
                + " alloc_pages+0x\(i)/0x50\n do_thing+0x27/0x330\n\n"
        }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var run = ReportRun()
        run.keys = [.stack]
        let agg = try run.makeAggregator()
        try run.read(path, into: agg)
        let report = Report(agg, selection: Report.Selection(), frameText: false, ordered: false)
        XCTAssertEqual(report.rows.count, 4, "four stacks")
        XCTAssertEqual(try render(report, .folded), "do_thing;alloc_pages \(Int64.max)\n")
    }

    func testCommAndCallerNameTheTmpfsWriter() throws {
        let agg = try aggregate([Self.s2], keys: [.comm, .caller])
        let report = Report(agg, selection: Report.Selection())
        let top = try XCTUnwrap(report.rows.first)
        XCTAssertEqual(top.cells[0].text, "dd")
        XCTAssertEqual(top.cells[1].text, "shmem_alloc_folio")
        // 64 MiB tmpfs file, plus the 8 MiB dd wrote in memcg `gone` (2048 pages).
        XCTAssertEqual(top.metrics.pages, 16384 + 2048)
        let comm = Report(try aggregate([Self.s2], keys: [.comm]), selection: Report.Selection())
        XCTAssertEqual(comm.rows.first?.cells[0].text, "dd")
    }

    func testFiltersAreAppliedBeforeGrouping() throws {
        var f = Filters()
        f.comms = [Array("dd".utf8)]
        f.frame = try Regex("^shmem_")
        let agg = try aggregate([Self.s2], keys: [.stack], filters: f)
        let report = Report(agg, selection: Report.Selection())
        // The 64 MiB + 8 MiB tmpfs writes (18432 pages) and 40 more shmem pages of dd.
        XCTAssertEqual(report.total.pages, 18472)
        XCTAssertEqual(report.rows.first?.metrics.pages, 18432)
        XCTAssertTrue(report.rows.allSatisfy { $0.frames!.contains { $0.hasPrefix("shmem_") } })
        var g = Filters()
        g.orders = [9]
        let huge = Report(try aggregate([Self.s2], keys: [.comm], filters: g), selection: Report.Selection())
        XCTAssertEqual(huge.total.records, 24)
        XCTAssertEqual(huge.total.pages, 24 * 512)
        var h = Filters()
        h.gfpFlags = ["__GFP_MOVABLE"]
        h.memcgs = [Array("wl".utf8)]
        let movable = Report(try aggregate([Self.s2], keys: [.memcg], filters: h), selection: Report.Selection())
        XCTAssertEqual(movable.rows.map(\.cells[0].text), ["wl"])
        var t = Filters()
        t.since = 0
        t.until = 1
        let boot = Report(try aggregate([Self.s2], keys: [.stack], filters: t), selection: Report.Selection())
        XCTAssertGreaterThan(boot.total.records, 0, "ts 0 records (early boot) pass --until 1")
    }

    /// The one filter engine's task and module tests, which the compatible mode applies too:
    /// pid and comm (its exact bytes) compared in place for a few values, looked up for many;
    /// modules by any frame (`report`) or by the stack's module, else `vmlinux` (the kernel
    /// tool's).
    func testFilterEngineTaskAndModuleRules() throws {
        var f = Filters()
        f.pids = [7]
        f.comms = [Array("dd".utf8)]
        let dd = Array("dd".utf8)
        let d = Array("d".utf8)
        for many in [false, true] {
            if many {
                f.comms = Set((0..<10).map { Array("c\($0)".utf8) } + [dd])
                f.pids = Set([7] + (100..<120).map { Int32($0) })
            }
            ByteView.with(dd) { XCTAssertTrue(f.passesTask(pid: 7, tgid: 3, comm: $0)) }
            ByteView.with(dd) { XCTAssertFalse(f.passesTask(pid: 8, tgid: 3, comm: $0)) }
            ByteView.with(d) { XCTAssertFalse(f.passesTask(pid: 7, tgid: 3, comm: $0)) }
        }
        f.tgids = [4]
        ByteView.with(dd) { XCTAssertFalse(f.passesTask(pid: 7, tgid: 3, comm: $0)) }
        f.modules = ["ext4", "vmlinux"]
        ByteView.with(Array("ext4".utf8)) { XCTAssertTrue(f.selectsModule($0)) }
        ByteView.with(Array("ext".utf8)) { XCTAssertFalse(f.selectsModule($0)) }
        XCTAssertTrue(Filters().selectsModule(.empty))

        var o = CompatOptions()
        o.modules = ["ext4"]
        o.pids = [1]
        XCTAssertEqual(o.filters.moduleRule, .stackModule)
        XCTAssertEqual(o.filters.pids, [1])

        // By the stack's module: exactly the records of the module's row.
        let byModule = Report(try aggregate([Self.s2], keys: [.module]), selection: Report.Selection())
        let ext4 = try XCTUnwrap(byModule.rows.first { $0.cells[0].text == "ext4" })
        let vmlinux = try XCTUnwrap(byModule.rows.first { $0.cells[0].text == "vmlinux" })
        for (name, row) in [("ext4", ext4), ("vmlinux", vmlinux)] {
            var m = Filters()
            m.modules = [name]
            m.moduleRule = .stackModule
            let r = Report(try aggregate([Self.s2], keys: [.module], filters: m), selection: Report.Selection())
            XCTAssertEqual(r.rows.map(\.cells[0].text), [name])
            XCTAssertEqual(r.total.records, row.metrics.records)
        }
        // By any frame: ext4's own records and more (stacks that pass through ext4 frames but
        // whose innermost module is another); no stack is vmlinux's by a frame.
        var any = Filters()
        any.modules = ["ext4"]
        let anyFrame = Report(try aggregate([Self.s2], keys: [.module], filters: any), selection: Report.Selection())
        XCTAssertGreaterThanOrEqual(anyFrame.total.records, ext4.metrics.records)
        any.modules = ["vmlinux"]
        XCTAssertEqual(Report(try aggregate([Self.s2], keys: [.module], filters: any), selection: Report.Selection()).total.records, 0)
    }

    func testSelectionTopAndThresholdsKeepTotals() throws {
        let agg = try aggregate([Self.s2], keys: [.comm])
        var sel = Report.Selection()
        sel.top = 3
        let r = Report(agg, selection: sel)
        XCTAssertEqual(r.rows.count, 3)
        XCTAssertEqual(r.total.pages, 85349)
        XCTAssertEqual(r.shown.pages, r.rows.reduce(0) { $0 + $1.metrics.pages })
        sel.top = nil
        sel.minPercent = 5
        XCTAssertTrue(Report(agg, selection: sel).rows.allSatisfy { Double($0.metrics.pages) * 100 / 85349 >= 5 })
        sel.minPercent = nil
        sel.sort = try Report.SortField.parseList("comm:asc")
        let names = Report(agg, selection: sel).rows.map(\.cells[0].text)
        XCTAssertEqual(names, names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    func testEveryFormatReconciles() throws {
        let agg = try aggregate([Self.s2], keys: [.comm, .stack])
        let report = Report(agg, selection: Report.Selection())
        // CSV: header, key columns by name, then records, pages, bytes.
        let csv = try render(report, .csv)
        let lines = csv.split(separator: "\r\n", omittingEmptySubsequences: true)
        XCTAssertTrue(lines[0].hasPrefix("comm,stack,records,pages,bytes"))
        XCTAssertEqual(lines.count - 1, report.groupCount)
        // JSON parses, and its groups sum to its totals.
        let json = try render(report, .json)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let totals = try XCTUnwrap(doc["totals"] as? [String: Any])
        let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
        XCTAssertEqual(totals["pages"] as? Int, 85349)
        XCTAssertEqual(groups.reduce(0) { $0 + ($1["pages"] as! Int) }, 85349)
        XCTAssertEqual(groups.reduce(0) { $0 + ($1["bytes"] as! Int) }, 85349 * 4096)
        XCTAssertNotNil(groups.first?["stack"] as? [String])
        XCTAssertFalse((groups.first?["stack"] as! [String]).contains { $0.hasPrefix("Charged") }, "trailers are never frames")
        // JSONL: one object per group.
        let jsonl = try render(report, .jsonl)
        XCTAssertEqual(jsonl.split(separator: "\n").count, report.groupCount)
        // Folded: `a;b;c pages`, root first, sums to the total.
        let folded = try render(report, .folded)
        var sum: Int64 = 0
        for l in folded.split(separator: "\n") {
            let parts = l.split(separator: " ")
            sum += Int64(parts.last!)!
        }
        XCTAssertEqual(sum, 85349)
        XCTAssertTrue(folded.contains("dd;entry_SYSCALL_64_after_hwframe;do_syscall_64;"))
        // Text footer says the total.
        let text = try render(report, .text)
        XCTAssertTrue(text.contains("total: 85349 pages (333.4 MiB) in 61476 records"))
        // SVG is a self-contained document.
        let svg = try render(report, .svg)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertTrue(svg.contains("<title>all (85349 pages"))
        XCTAssertFalse(svg.contains("<script"))
    }

    func testOutputIsDeterministic() throws {
        let a = try render(Report(try aggregate([Self.s2], keys: [.caller, .pid]), selection: Report.Selection()), .csv)
        let b = try render(Report(try aggregate([Self.s2], keys: [.caller, .pid]), selection: Report.Selection()), .csv)
        XCTAssertEqual(a, b)
    }

    func testShowHandlesJoinWithShowStacksHandles() throws {
        let dir = "k7.3-m1536-numa/s2-workload/"
        let joined = try aggregate([dir + "show_handles"], keys: [.stack], stacks: [dir + "show_stacks_handles"])
        let report = Report(joined, selection: Report.Selection())
        XCTAssertEqual(report.total.pages, 76135, "sum of nr_base_pages")
        let unresolved = report.rows.filter { $0.stackLabel == StackTable.Kind.unresolvedHandle.label }
        XCTAssertEqual(unresolved.count, 0, "show_stacks_handles lists every stack of show_handles")
        let alone = Report(try aggregate([dir + "show_handles"], keys: [.stack]), selection: Report.Selection())
        XCTAssertEqual(alone.total.pages, 76135)
        XCTAssertTrue(alone.rows.allSatisfy { $0.stackLabel == StackTable.Kind.unresolvedHandle.label })
    }

    func testHandleOnlyDumpResolvesThroughStacksFile() throws {
        let dir = "k7.3-m1536-numa/s2-workload/"
        let agg = try aggregate([dir + "page_owner.mode_handle"], keys: [.stack], stacks: [dir + "show_stacks_handles"])
        let report = Report(agg, selection: Report.Selection())
        XCTAssertEqual(report.total.records, 61477)
        XCTAssertEqual(report.total.pages, 85351)
        let resolved = report.rows.filter { $0.stackLabel == nil }.reduce(0) { $0 + $1.metrics.pages }
        // Early-boot and dummy handles never enter the kernel's stack list.
        XCTAssertGreaterThan(Double(resolved) / Double(report.total.pages), 0.85)
        // The same dump with its stacks printed agrees on the resolved stacks.
        let full = Report(try aggregate([dir + "page_owner.mode_stack_handle"], keys: [.stack]), selection: Report.Selection())
        let top = try XCTUnwrap(report.rows.first { $0.stackLabel == nil })
        let same = full.rows.first { $0.frames == top.frames }
        XCTAssertEqual(same.map { Double($0.metrics.pages) / Double(top.metrics.pages) } ?? 0, 1, accuracy: 0.01)
    }

    /// page_owner and show_stacks of one snapshot agree per stack, up to the pages the
    /// kernel's stack counters leave out (early-boot pages) and the records that changed
    /// between the two reads.
    func testShowStacksAgreesWithPageOwner() throws {
        for run in ["k6.12-m1024/s2-workload/", "k7.3-m1536-numa/s2-workload/"] {
            let po = Report(try aggregate([run + "page_owner"], keys: [.stack]), selection: Report.Selection())
            let ss = Report(try aggregate([run + "show_stacks"], keys: [.stack]), selection: Report.Selection())
            var poPages: [[String]: Int64] = [:]
            for r in po.rows where r.stackLabel == nil { poPages[r.frames!] = r.metrics.pages }
            var matched: Int64 = 0
            var exact = 0
            for r in ss.rows {
                let p = poPages[r.frames!] ?? 0
                matched += min(p, r.metrics.pages)
                if p == r.metrics.pages { exact += 1 }
            }
            let share = Double(matched) / Double(ss.total.pages)
            XCTAssertGreaterThan(share, 0.999, "\(run): \(share) of show_stacks pages agree with page_owner")
            XCTAssertGreaterThan(Double(exact) / Double(ss.rows.count), 0.9, "\(run): most stacks agree exactly")
        }
    }

    /// Full outputs pinned as golden files (RECORD_GOLDENS=1 re-records them on purpose).
    func testReportGoldens() throws {
        let s2 = "k6.12-m1024/s2-workload/page_owner"
        var top = Report.Selection()
        top.top = 10
        try Golden.check(
            "report-k6.12-s2-comm.txt", try render(Report(try aggregate([s2], keys: [.comm]), selection: Report.Selection()), .text))
        try Golden.check(
            "report-k6.12-s2-caller.csv", try render(Report(try aggregate([s2], keys: [.caller]), selection: Report.Selection()), .csv))
        try Golden.check(
            "report-k6.12-s2-comm-stack-top10.json", try render(Report(try aggregate([s2], keys: [.comm, .stack]), selection: top), .json))
        try Golden.check(
            "report-k6.12-s2-stack.folded", try render(Report(try aggregate([s2], keys: [.stack]), selection: Report.Selection()), .folded))
        try Golden.check(
            "report-k6.12-s2-memcg-order-mt.jsonl",
            try render(Report(try aggregate([s2], keys: [.memcg, .order, .migratetype]), selection: Report.Selection()), .jsonl))
        try Golden.check(
            "report-k7.3-s2-module-allocator-node.txt",
            try render(
                Report(
                    try aggregate(["k7.3-m1536-numa/s2-workload/page_owner"], keys: [.module, .allocator, .node, .zone]),
                    selection: Report.Selection()), .text))
        try Golden.check(
            "report-k6.1-s2-gfp-swapped.csv",
            try render(
                Report(
                    try aggregate(["k6.1-m1024/s2-workload/page_owner"], keys: [.gfp, .swapped, .blocktype]), selection: Report.Selection()),
                .csv))
        try Golden.check(
            "report-k7.3-s2-handle-top10.txt",
            try render(
                Report(
                    try aggregate(["k7.3-m1536-numa/s2-workload/page_owner.mode_handle"], keys: [.handle, .tgid, .pid]), selection: top),
                .text))
        try Golden.check("report-k6.12-s2-stack-top10.svg", try render(Report(try aggregate([s2], keys: [.stack]), selection: top), .svg))
    }
}
