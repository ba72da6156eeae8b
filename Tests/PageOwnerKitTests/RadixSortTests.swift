import XCTest

@testable import PageOwnerKit

/// `RadixSort` against the standard library's stable sort, on keys that differ in few
/// bytes (page counts), in many (hashes), and not at all.
final class RadixSortTests: XCTestCase {
    func testMatchesAStableSortByKey() {
        var x: UInt64 = 0x2545_f491_4f6c_dd1d
        func next() -> UInt64 {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            return x
        }
        let shapes: [(String, () -> UInt64)] = [
            ("small", { next() % 64 }),
            ("wide", { next() }),
            ("high bytes", { (next() % 5) << 56 | (next() % 3) }),
            ("same", { 7 }),
        ]
        for (name, make) in shapes {
            for n in [0, 1, 2, 100, 5000] {
                let keys = (0..<n).map { _ in make() }
                let payloads = (0..<Int32(n)).map { $0 * 3 }
                let want = zip(keys, payloads).enumerated()
                    .sorted { $0.element.0 != $1.element.0 ? $0.element.0 < $1.element.0 : $0.offset < $1.offset }
                    .map(\.element.1)
                XCTAssertEqual(RadixSort.sorted(keys: keys, payloads: payloads), want, "\(name), \(n) keys")
            }
        }
    }
}
