import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// Groups of a stack and keys of the record (the default pprof labels): found through the
/// (stack, rest-of-key) cache, they must be the groups an independent count of the records
/// finds, on one, two and three workers.
final class MultiKeyGroupingTests: XCTestCase {
    /// Every record's (stack text, comm, gfp, order, node) and pages, counted apart.
    final class Reference: RecordConsumer {
        var pages: [String: Int64] = [:]
        func consume(_ r: inout Record) {
            guard r.kind == .pageOwner else { return }
            let stack = r.withBytes(r.stack) { $0.string }
            let comm = r.withBytes(r.comm) { $0.string }
            let gfp = r.fields.contains(.mask) ? String(r.gfp, radix: 16) : "-"
            pages["\(stack)|\(comm)|\(gfp)|\(r.order)|\(r.node)", default: 0] += r.pages
        }
    }

    func aggregate(_ bytes: [UInt8], keys: [GroupKey], workers: Int) throws -> Aggregator {
        let agg = Aggregator(keys: keys)
        let ingest = Ingest(strict: true)
        ingest.pipelineChunkSize = 1 << 16
        ingest.parallelThreshold = 1 << 16
        agg.beginSnapshot(name: "s2")
        let helpers = (1..<workers).map { _ in agg.makeWorker() }
        try ingest.run(ChunkedSource(MemorySource(bytes, name: "s2"), chunk: 4093), consumers: [agg] + helpers)
        for h in helpers { agg.merge(h) }
        return agg
    }

    func testStackAndRecordKeysMatchAnIndependentCount() throws {
        let bytes = try TestFixtures.readAll(TestFixtures.dump("k7.3-m1536-numa/s2-workload/page_owner"))
        let reference = Reference()
        try Ingest(strict: true).run(MemorySource(bytes, name: "s2"), consumers: [reference])
        // Pages per (comm, gfp, order, node), summed over stacks.
        var byRest: [String: Int64] = [:]
        for (k, p) in reference.pages {
            let parts = k.split(separator: "|", omittingEmptySubsequences: false)
            byRest[parts.suffix(4).joined(separator: "|"), default: 0] += p
        }
        let keys: [GroupKey] = [.stack, .comm, .gfp, .order, .node]
        var first: [String]?
        for workers in 1...3 {
            let agg = try aggregate(bytes, keys: keys, workers: workers)
            let report = Report(agg, selection: Report.Selection(), frameText: false)
            XCTAssertEqual(report.groupCount, reference.pages.count, "\(workers) workers: one group per distinct tuple")
            var got: [String: Int64] = [:]
            for row in report.rows {
                let gfpText = row.cells[2].text
                let gfp = gfpText.isEmpty ? "-" : String(UInt64(gfpText.dropFirst(2).prefix { $0 != "(" }, radix: 16)!, radix: 16)
                got["\(row.cells[1].text)|\(gfp)|\(row.cells[3].text)|\(row.cells[4].text)", default: 0] += row.metrics.pages
            }
            XCTAssertEqual(got, byRest, "\(workers) workers")
            // The same rows in the same order, whatever the number of workers.
            let lines = report.rows.map { "\($0.stack >= 0 ? agg.stacks.frames($0.stack).joined(separator: ";") : "")|\($0.cells.map(\.text))|\($0.metrics.pages)" }
            if let first { XCTAssertEqual(lines, first, "\(workers) workers") } else { first = lines }
        }
    }

    /// A record's own module line (openEuler's `Page allocated by module X`) and another
    /// record's stack can name the same module: grouped by stack and module, the two pairs
    /// (stack, rest) must make one group, in either order.
    func testModuleLineAndStackModuleMakeOneGroup() throws {
        func record(_ pfn: Int, moduleLine: Bool) -> String {
            var b = "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 7, tgid 7 (modprobe), ts \(1000 + pfn) ns\n"
            b += "PFN 0x\(String(pfn, radix: 16)) type Unmovable Block 1 type Unmovable Flags 0x0(node=0|zone=1)\n"
            b += " ext4_fill_super+0x10/0x200 [ext4]\n mount_bdev+0x1/0x2\n"
            if moduleLine { b += "Page allocated by module ext4\n" }
            return b + "\n"
        }
        for lineFirst in [false, true] {
            let text = (0..<6).map { record(0x1000 + $0, moduleLine: ($0 % 2 == 0) == lineFirst) }.joined()
            let agg = try aggregate(Array(text.utf8), keys: [.stack, .module, .comm], workers: 1)
            let report = Report(agg, selection: Report.Selection(), frameText: false)
            XCTAssertEqual(report.groupCount, 1, "module line first: \(lineFirst)")
            XCTAssertEqual(report.rows.first?.cells[1].text, "ext4")
            XCTAssertEqual(report.rows.first?.metrics.pages, 6)
        }
    }
}
