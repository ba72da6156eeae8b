import PageOwnerTestSupport
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
                XCTAssertEqual(RadixSort.sorted(keys: keys, payloads: payloads, threads: 3), want, "\(name), \(n) keys, 3 threads")
            }
        }
    }

    /// The parallel passes (inputs of 2^17 keys and more) give the one-thread order, element
    /// for element, on any number of threads: the parts meet within each digit in input order.
    func testThreadsGiveTheOneThreadOrder() {
        var rng = SeededRandom(seed: 17)
        func next() -> UInt64 { rng.next() }
        for (name, make) in [("ties", { next() % 1000 }), ("wide", { next() }), ("two bytes apart", { (next() % 7) << 40 | (next() % 3) })] as [(String, () -> UInt64)] {
            let n = 300_001
            let keys = (0..<n).map { _ in make() }
            let payloads = (0..<Int32(n)).map { $0 }
            let one = RadixSort.sorted(keys: keys, payloads: payloads)
            for t in [2, 3, 5] {
                XCTAssertEqual(RadixSort.sorted(keys: keys, payloads: payloads, threads: t), one, "\(name), \(t) threads")
            }
            XCTAssertTrue(zip(one, one.dropFirst()).allSatisfy { keys[Int($0)] < keys[Int($1)] || (keys[Int($0)] == keys[Int($1)] && $0 < $1) }, name)
        }
    }
}
