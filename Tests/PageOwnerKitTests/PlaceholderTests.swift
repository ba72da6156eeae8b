import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// Early-boot pages: counted, explained and excludable, with stacks or with handles only,
/// whatever the number of workers.
final class PlaceholderTests: XCTestCase {
    static let run73 = "k7.3-m1536-numa"
    /// `register_early_stack` pages of each 7.3 snapshot, counted in the text by
    /// `grep -c 'register_early_stack'` (each is an order-0 record).
    static let earlyPages: Int64 = 6999

    func aggregate(
        _ dump: String, keys: [GroupKey], stacks: [String] = [], exclude: Bool = false, workers: Int = 1,
        chunk: Int? = nil
    ) throws -> Aggregator {
        var run = ReportRun()
        run.keys = keys
        run.strict = true
        run.workers = workers
        run.filters.excludePlaceholders = exclude
        run.stacksFiles = stacks.map(TestFixtures.dump)
        let agg = try run.makeAggregator()
        if let chunk {
            // The same bytes handed out a few KiB at a time, through the streamed pipeline.
            let bytes = try TestFixtures.readAll(TestFixtures.dump(dump))
            let ingest = Ingest(strict: true)
            ingest.pipelineChunkSize = chunk
            ingest.parallelThreshold = chunk
            agg.beginSnapshot(name: dump)
            let helpers = (1..<workers).map { _ in agg.makeWorker() }
            try ingest.run(ChunkedSource(MemorySource(bytes, name: dump), chunk: 4093), consumers: [agg] + helpers)
            for h in helpers { agg.merge(h) }
        } else {
            try run.read(TestFixtures.dump(dump), into: agg)
        }
        agg.resolveLateHandles()
        return agg
    }

    func testEarlyBootPagesAreCountedWithStacksAndWithHandlesOnly() throws {
        for snap in ["s1-boot", "s2-workload", "s3-after"] {
            let dir = "\(Self.run73)/\(snap)/"
            for workers in 1...3 {
                // Stack mode, grouped by a key that does not need the stack.
                let text = try aggregate(dir + "page_owner", keys: [.comm], workers: workers, chunk: workers > 1 ? 1 << 16 : nil)
                XCTAssertEqual(text.totals[0].earlyBootPages, Self.earlyPages, "\(snap) stack mode, \(workers) workers")
                // Handle-only mode: the early-boot handle is never listed in show_stacks_handles.
                let handles = try aggregate(
                    dir + "page_owner.mode_handle", keys: [.caller], stacks: [dir + "show_stacks_handles"], workers: workers,
                    chunk: workers > 1 ? 1 << 16 : nil)
                XCTAssertEqual(handles.totals[0].earlyBootPages, Self.earlyPages, "\(snap) handle mode, \(workers) workers")
                let report = Report(handles, selection: Report.Selection())
                let early = report.rows.first { $0.cells[0].text == "[early boot]" }
                XCTAssertEqual(early?.metrics.pages, Self.earlyPages, "\(snap): [early boot] is a caller, not an unresolved handle")
                let alloc = Report(
                    try aggregate(dir + "page_owner.mode_handle", keys: [.allocator], stacks: [dir + "show_stacks_handles"]),
                    selection: Report.Selection())
                XCTAssertEqual(alloc.rows.first { $0.cells[0].text == "early-boot" }?.metrics.pages, Self.earlyPages)
            }
        }
    }

    /// Stacks that start with `register_early_stack` and go on are early-boot placeholders
    /// too, however many there are (one bit a stack, past a 64-bit word): their order-0
    /// pages with mask 0 are counted, and no other stack's, on any number of workers and in
    /// either input order.
    func testManyEarlyPlaceholderStacksAreEachCounted() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var records: [String] = []
        var early: Int64 = 0
        for i in 0..<150 {
            // Every third stack an early placeholder that goes on with a frame of its own;
            // the others ordinary stacks with the same header (order 0, mask 0).
            let placeholder = i % 3 == 0
            let frames = placeholder
                ? " register_early_stack+0x36/0x50\n init_page_owner+0x27/0x370\n frame_\(i)+0x1/0x10\n"
                : " get_page_from_freelist+0x1324/0x13d0\n frame_\(i)+0x1/0x10\n"
            for _ in 0..<(1 + i % 2) {
                records.append(
                    "Page allocated via order 0, mask 0x0(), pid 0, tgid 0 (swapper), ts \(i) ns\n"
                        + "PFN 0x\(String(0x100 + records.count, radix: 16)) type Unmovable Block 0 type Unmovable Flags 0x0(node=0|zone=0)\n"
                        + frames + "\n")
                if placeholder { early += 1 }
            }
        }
        XCTAssertGreaterThan(early, 64)
        for order in [records, records.reversed()] {
            let path = dir.appendingPathComponent("dump").path
            try order.joined().write(toFile: path, atomically: true, encoding: .utf8)
            for workers in 1...3 {
                for keys: [GroupKey] in [[.stack], [.comm]] {
                    var run = ReportRun()
                    run.keys = keys
                    run.strict = true
                    run.workers = workers
                    let agg = try run.makeAggregator()
                    if workers > 1 {
                        let bytes = try TestFixtures.readAll(path)
                        let ingest = Ingest(strict: true)
                        ingest.pipelineChunkSize = 4096
                        ingest.parallelThreshold = 4096
                        agg.beginSnapshot(name: path)
                        let helpers = (1..<workers).map { _ in agg.makeWorker() }
                        try ingest.run(ChunkedSource(MemorySource(bytes, name: path), chunk: 1021), consumers: [agg] + helpers)
                        for h in helpers { agg.merge(h) }
                    } else {
                        try run.read(path, into: agg)
                    }
                    agg.resolveLateHandles()
                    XCTAssertEqual(agg.totals[0].earlyBootPages, early, "\(workers) workers, \(keys)")
                    XCTAssertEqual(agg.totals[0].pages, Int64(records.count))
                }
            }
        }
    }

    func testExcludePlaceholdersDropsThemFromEveryGrouping() throws {
        let dump = "\(Self.run73)/s1-boot/page_owner"
        let all = Report(try aggregate(dump, keys: [.comm]), selection: Report.Selection())
        let kept = try aggregate(dump, keys: [.comm], exclude: true)
        let without = Report(kept, selection: Report.Selection())
        XCTAssertEqual(kept.totals[0].earlyBootPages, 0)
        // Dummy and failure placeholders count too: read their pages from the caller report.
        let callers = Report(try aggregate(dump, keys: [.caller]), selection: Report.Selection())
        let placeholders = callers.rows.filter { ["[early boot]", "[dummy stack]", "[stack depot failure]"].contains($0.cells[0].text) }
            .reduce(0) { $0 + $1.metrics.pages }
        XCTAssertGreaterThanOrEqual(placeholders, Self.earlyPages)
        XCTAssertEqual(without.total.pages, all.total.pages - placeholders)
        // `swapper` (the early pages' task) is no longer the largest comm.
        XCTAssertEqual(all.rows.first?.cells[0].text, "swapper")
        XCTAssertNotEqual(without.rows.first?.cells[0].text, "swapper")
        let handles = Report(
            try aggregate(
                "\(Self.run73)/s1-boot/page_owner.mode_handle", keys: [.caller],
                stacks: ["\(Self.run73)/s1-boot/show_stacks_handles"], exclude: true), selection: Report.Selection())
        XCTAssertNil(handles.rows.first { $0.cells[0].text == "[early boot]" })
    }

    func testNoteExplainsEarlyBootPages() throws {
        let agg = try aggregate("\(Self.run73)/s2-workload/page_owner", keys: [.stack])
        let notes = PlaceholderNote.notes(agg.totals, pageSize: 4096, spelling: .flags)
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes[0].contains("6999 pages (27.3 MiB, 8.2%) are [early boot]"), notes[0])
        XCTAssertTrue(notes[0].contains("before page_owner started"))
        XCTAssertTrue(notes[0].contains("--exclude-placeholders"))
        let none = try aggregate("\(Self.run73)/s2-workload/page_owner", keys: [.stack], exclude: true)
        XCTAssertEqual(PlaceholderNote.notes(none.totals, pageSize: 4096, spelling: .flags), [])
    }
}
