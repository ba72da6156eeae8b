import CShims
import Foundation
import PageOwnerSynth
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The parser's fast path (`RecordParser.parseFast` over the vector line scan) must agree
/// with the careful path (`RecordSplitter` + `RecordParser.parse`) on every record it
/// takes, and take nearly every record of a real dump.
final class FastPathTests: XCTestCase {
    /// The vector scan (AVX2 or SSE2 here) and the byte loop give the same answer on every
    /// slice of text made of the bytes the scan tests for, at every alignment and length.
    func testVectorScanMatchesByteLoop() {
        var rng = SplitMix64(seed: 0x5ca1)
        let alphabet: [UInt8] = Array("\n\n   [\r\0aP\t".utf8)
        let frame = Array(" get_page_from_freelist+0x1324/0x13d0\n".utf8)
        var vectorStops = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(1 + rng.next() % 160)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            } else {
                // Frame runs (long stretches with no stop) with a few bytes changed.
                bytes = []
                for _ in 0..<Int(1 + rng.next() % 12) { bytes += frame }
                for _ in 0..<Int(rng.next() % 3) {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                }
            }
            let n = bytes.count
            let from = Int(rng.next() % UInt64(n))
            let to = from + Int(rng.next() % UInt64(n - from + 1))
            bytes.withUnsafeBufferPointer { b in
                var f1 = 0
                var n1 = 0
                var f2 = 0
                var n2 = 0
                let a = po_scan_lines(b.baseAddress!, from, to, &f1, &n1)
                let c = po_scan_lines_scalar(b.baseAddress!, from, to, &f2, &n2)
                XCTAssertEqual(a, c, "stop, round \(round)")
                XCTAssertEqual(f1, f2, "first newline, round \(round)")
                XCTAssertEqual(n1, n2, "newlines, round \(round)")
                if a - from >= 34 { vectorStops += 1 }
            }
        }
        XCTAssertGreaterThan(vectorStops, 1000, "slices long enough for the vector loop")
    }

    /// Runs both paths from every record start the careful splitter finds; returns how
    /// many records there were and how many the fast path took.
    func compare(_ bytes: [UInt8], _ label: String) -> (records: Int, fast: Int) {
        let (records, fast, mismatch) = ByteView.with(bytes) { RecordParser.compareFastPath($0) }
        XCTAssertNil(mismatch, label)
        return (records, fast)
    }

    /// Every synthetic era, with the paths agreeing record by record.
    func testErasAgree() {
        for era in SyntheticEra.allCases {
            let bytes = EraRenderer.render(era: era, count: 400, seed: 11)
            let (records, fast) = compare(bytes, era.rawValue)
            XCTAssertGreaterThan(records, 0, era.rawValue)
            // Eras printing `[<address>]` frames take the careful path, by design.
            if ![.mm2005, .mm2005mask, .v3_19].contains(era) {
                XCTAssertEqual(fast, records, "\(era.rawValue): every record takes the fast path")
            }
        }
    }

    /// The first `size` bytes of a real dump, cut after a blank line (debug builds compare
    /// slowly; a few thousand records of each kernel are plenty).
    func head(_ name: String, _ size: Int = 1 << 20) throws -> [UInt8] {
        let bytes = try TestFixtures.readAll(TestFixtures.dump(name))
        var end = min(size, bytes.count)
        while end < bytes.count && !(bytes[end - 1] == 10 && bytes[end] == 10) { end += 1 }
        return Array(bytes[0..<min(end + 1, bytes.count)])
    }

    /// Real dumps: every record takes the fast path, with the careful path's result.
    func testRealDumpsAgree() throws {
        for name in ["k6.1-m1024/s2-workload/page_owner", "k6.12-m1024/s3-after/page_owner", "k7.3-m1536-numa/s2-workload/page_owner"] {
            let bytes = try head(name)
            let (records, fast) = compare(bytes, name)
            XCTAssertGreaterThan(records, 1_000, name)
            XCTAssertEqual(fast, records, name)
        }
    }

    /// A real dump with hundreds of damaged spots (CR, NUL, tabs, stray spaces and `[`,
    /// lines joined or split, blank lines added): wherever the fast path still takes a
    /// record it agrees with the careful path, and it hands the damaged ones over.
    func testDamagedInputAgrees() throws {
        var bytes = try head("k7.3-m1536-numa/s2-workload/page_owner")
        var rng = SplitMix64(seed: 42)
        let damage: [[UInt8]] = [[13], [0], [9], [32], [91], [32, 91], [10], [10, 10], [32, 10], [13, 10], [80]]
        for _ in 0..<300 {
            let at = Int(rng.next() % UInt64(bytes.count))
            if rng.next() % 4 == 0 {
                bytes.remove(at: at)
            } else {
                bytes.insert(contentsOf: damage[Int(rng.next() % UInt64(damage.count))], at: at)
            }
        }
        let (records, fast) = compare(bytes, "damaged")
        XCTAssertGreaterThan(fast, records / 2)
        XCTAssertLessThan(fast, records)
    }
}
