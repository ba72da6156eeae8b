import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// Parsing on several workers gives the records, counts and line numbers of one worker.
final class ParallelIngestTests: XCTestCase {
    final class Counter: RecordConsumer {
        var records = 0
        var pages: Int64 = 0
        var offsets: [Int64] = []
        func consume(_ r: inout Record) {
            records += 1
            pages += r.pages
            offsets.append(r.offset)
        }
    }

    /// ~3 MiB of real records with one bad block at a known line.
    func input() throws -> (bytes: [UInt8], badLine: Int, good: Int) {
        let text = try String(contentsOfFile: TestFixtures.dump("k6.12-m1024/s1-boot/page_owner"), encoding: .utf8)
        var out = ""
        var lines = 0
        var badLine = 0
        var good = 0
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        for (i, b) in blocks.enumerated() {
            if i == 4000 {
                badLine = lines + 1
                out += "Page allocated via order 0, mask 0x\n\n"
                lines += 2
            }
            out += b + "\n\n"
            lines += b.split(separator: "\n", omittingEmptySubsequences: false).count + 1
            good += 1
        }
        return (Array(out.utf8), badLine, good)
    }

    func run(_ bytes: [UInt8], workers: Int, strict: Bool) throws -> (Ingest, [Counter]) {
        let ingest = Ingest(strict: strict)
        ingest.chunkSize = 256 << 10
        ingest.pipelineChunkSize = 256 << 10
        ingest.parallelThreshold = 64 << 10
        let counters = (0..<workers).map { _ in Counter() }
        try ingest.run(MemorySource(bytes, name: "big"), consumers: counters)
        return (ingest, counters)
    }

    func testWorkersAgreeOnCountsAndLines() throws {
        let (bytes, badLine, good) = try input()
        XCTAssertGreaterThan(bytes.count, 2 << 20)
        let (one, c1) = try run(bytes, workers: 1, strict: false)
        for workers in [2, 3] {
            let (many, cs) = try run(bytes, workers: workers, strict: false)
            XCTAssertEqual(cs.reduce(0) { $0 + $1.records }, good)
            XCTAssertEqual(cs.reduce(0) { $0 + $1.pages }, c1[0].pages)
            XCTAssertGreaterThan(cs[1].records, 0, "the second worker parsed records")
            XCTAssertEqual(Set(cs.flatMap(\.offsets)), Set(c1[0].offsets), "same records, same offsets")
            for c in cs { XCTAssertEqual(c.offsets, c.offsets.sorted(), "each consumer gets its records in input order") }
            XCTAssertEqual(many.diagnostics.examples.map(\.line), [badLine])
            XCTAssertEqual(many.diagnostics.skipped, one.diagnostics.skipped)
        }
        XCTAssertEqual(one.diagnostics.examples.map(\.line), [badLine])
        for workers in [1, 2] {
            XCTAssertThrowsError(try run(bytes, workers: workers, strict: true)) { e in
                XCTAssertEqual((e as? InputError)?.line, badLine, "\(workers) workers")
            }
        }
    }

    /// An over-long record in the middle of a stream, read on one, two and three workers:
    /// skipped and counted at the same line, every other record kept.
    func testOverLongRecordInAStream() throws {
        let (bytes, _, _) = try input()
        let half = bytes.count / 2
        var cut = half
        while !(bytes[cut - 1] == 10 && bytes[cut] == 10) { cut += 1 }
        let long = Array("Page allocated via order 0, mask 0x0, pid 1, ts 5 ns\n".utf8)
            + Array(repeating: Array(" frame+0x1/0x2\n".utf8), count: 20_000).flatMap { $0 }
        let doc = Array(bytes[0...cut]) + long + [10] + Array(bytes[(cut + 1)...])
        let longLine = 1 + doc[0...cut].filter { $0 == 10 }.count
        var results: [(Int64, [Int])] = []
        for workers in [1, 2, 3] {
            let ingest = Ingest()
            ingest.chunkSize = 64 << 10
            ingest.pipelineChunkSize = 64 << 10
            ingest.maxRecord = 128 << 10
            let counters = (0..<workers).map { _ in Counter() }
            try ingest.run(MemorySource(doc, name: "long"), consumers: counters)
            XCTAssertEqual(ingest.diagnostics.skipped["too-long"], 1, "\(workers) workers")
            results.append((ingest.records, ingest.diagnostics.examples.map(\.line)))
        }
        XCTAssertTrue(results.allSatisfy { $0.0 == results[0].0 && $0.1 == results[0].1 }, "\(results)")
        XCTAssertTrue(results[0].1.contains(longLine), "the long record's line \(longLine) in \(results[0].1)")
    }

    /// The parts of a mapped chunk shrink as they go (guided scheduling): they cover the
    /// chunk exactly, in order, none is empty, and the last ones are small, so the workers
    /// finish within a small part of each other.
    func testPartsShrinkTowardTheEnd() {
        for (n, workers, minimum) in [(1 << 30, 2, 1 << 20), (1 << 30, 3, 1 << 20), (3 << 19, 2, 1 << 20), (1 << 20, 2, 1 << 20), (100, 2, 1 << 20), (5, 4, 1)] {
            let ends = Ingest.partEnds(n, workers: workers, minimum: minimum)
            XCTAssertEqual(ends.last, n, "\(n) \(workers)")
            var at = 0
            var sizes: [Int] = []
            for e in ends {
                XCTAssertGreaterThan(e, at, "parts are not empty and go forward")
                sizes.append(e - at)
                at = e
            }
            XCTAssertGreaterThanOrEqual(ends.count, min(n, 2 * workers), "\(n) \(workers): \(sizes)")
            XCTAssertLessThanOrEqual(ends.count, 40 * workers, "\(n) \(workers): \(sizes)")
            XCTAssertEqual(Array(sizes.dropLast()), Array(sizes.dropLast().sorted(by: >)), "sizes never grow, but the rest")
            XCTAssertEqual(sizes.min(), sizes.last, "the last part is the smallest")
            XCTAssertLessThanOrEqual(sizes.last!, max(1, n / (2 * workers)), "\(n) \(workers): \(sizes)")
        }
        let big = Ingest.partEnds(1 << 30, workers: 2, minimum: 1 << 20)
        XCTAssertEqual(big.first, 1 << 28, "the first part is a quarter of the chunk on two workers")
        XCTAssertLessThanOrEqual(big.last! - big[big.count - 2], (1 << 30) / 64, "the last part is at most 1/64 of it")
    }
}
