import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `ByteInterner` against a Dictionary model: random byte strings (many repeats, the empty
/// string, long ones that share prefixes), enough to grow the table several times.
final class ByteInternerTests: XCTestCase {
    func testMatchesADictionaryModel() {
        for seed: UInt64 in [1, 2, 3] {
            var rng = SeededRandom(seed: seed)
            var interner = ByteInterner(capacity: 4)
            var model: [[UInt8]: Int32] = [:]
            var order: [[UInt8]] = []
            let pool = (0..<600).map { i -> [UInt8] in
                let n = i == 0 ? 0 : Int.random(in: 1...(i % 7 == 0 ? 300 : 12), using: &rng)
                return (0..<n).map { _ in UInt8.random(in: 0...3, using: &rng) }
            }
            for _ in 0..<5000 {
                let s = pool[Int.random(in: 0..<pool.count, using: &rng)]
                let h = s.withUnsafeBytes { interner.intern($0) }
                if let known = model[s] {
                    XCTAssertEqual(h, known, "seed \(seed): a known string gets its first handle")
                } else {
                    XCTAssertEqual(Int(h), order.count, "seed \(seed): handles are dense, in first-seen order")
                    model[s] = h
                    order.append(s)
                }
            }
            XCTAssertEqual(interner.count, model.count)
            #if DEBUG
            interner.checkInvariants()
            #endif
            XCTAssertEqual(interner.arenaBytes, order.reduce(0) { $0 + $1.count })
            for (h, s) in order.enumerated() {
                XCTAssertEqual(interner.bytes(Int32(h)), s)
                XCTAssertEqual(interner.length(Int32(h)), s.count)
                XCTAssertEqual(s.withUnsafeBytes { interner.lookup($0) }, Int32(h))
            }
            // A string never interned is not found, and lookup adds nothing.
            let absent: [UInt8] = Array(repeating: 9, count: 5)
            XCTAssertNil(absent.withUnsafeBytes { interner.lookup($0) })
            XCTAssertEqual(interner.count, model.count)
            // Ranks follow the byte order (unsigned, shorter prefix first).
            let ranks = interner.sortedRanks()
            let sorted = order.indices.sorted { order[$0].lexicographicallyPrecedes(order[$1]) }
            for (r, h) in sorted.enumerated() { XCTAssertEqual(ranks[h], Int32(r)) }
            for _ in 0..<200 {
                let a = Int32.random(in: 0..<Int32(order.count), using: &rng)
                let b = Int32.random(in: 0..<Int32(order.count), using: &rng)
                let want = order[Int(a)] == order[Int(b)] ? 0 : order[Int(a)].lexicographicallyPrecedes(order[Int(b)]) ? -1 : 1
                XCTAssertEqual(interner.compare(a, b).signum(), want)
            }
        }
    }
}
