import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `GzipWriter` deflates 1 MiB parts on several threads and joins them into one gzip
/// member: what it writes must decompress to the input, and be the same bytes on any
/// number of threads.
final class GzipWriterTests: XCTestCase {
    /// Text-like bytes over several parts (3.5 MiB: three whole parts and a short one),
    /// repetitive enough that matches reach across part boundaries.
    func sample(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var x: UInt64 = 0x9e37_79b9_7f4a_7c15
        while out.count < count {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let line = " frame_\(x >> 54)+0x\(String(x >> 40 & 0xfff, radix: 16))/0x200\n"
            out.append(contentsOf: line.utf8.prefix(count - out.count))
        }
        return out
    }

    func gunzip(_ gz: [UInt8]) throws -> [UInt8] {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.gz").path
        try Data(gz).write(to: URL(fileURLWithPath: path))
        return try TestFixtures.readAll(path)
    }

    func testPartsJoinIntoOneMemberOnAnyNumberOfThreads() throws {
        for size in [0, 1, GzipWriter.partSize - 1, GzipWriter.partSize, GzipWriter.partSize * 7 / 2] {
            let input = sample(size)
            let one = try GzipWriter.compress(input, threads: 1)
            XCTAssertEqual(try gunzip(one), input, "\(size) bytes round-trip")
            XCTAssertEqual(Array(one.prefix(3)), [0x1f, 0x8b, 8], "a gzip member")
            for t in [2, 3] {
                XCTAssertEqual(try GzipWriter.compress(input, threads: t), one, "\(size) bytes: same on \(t) threads")
            }
        }
    }

    /// Priming each part with the window before it keeps the size of one deflate pass.
    func testPartsCompressAsWellAsOnePass() throws {
        let input = sample(GzipWriter.partSize * 3)
        let parts = try GzipWriter.compress(input, threads: 2)
        let tiny = try GzipWriter.compress(Array(input.prefix(GzipWriter.partSize)), threads: 1)
        // Three parts cost no more than three times one part plus a little framing.
        XCTAssertLessThanOrEqual(parts.count, tiny.count * 3 + 64)
        XCTAssertLessThan(parts.count, input.count / 3, "compresses")
    }
}
