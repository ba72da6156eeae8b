import XCTest

@testable import PageOwnerKit

/// `WordMap` against a `Dictionary` holding the same keys.
final class WordMapTests: XCTestCase {
    func testMatchesADictionaryThroughGrowth() {
        var map = WordMap(capacity: 4)
        var reference: [UInt64: Int32] = [:]
        var rng = SystemRandomNumberGenerator()
        // Keys that collide in their low bits, zero and all ones among them.
        var keys: [UInt64] = [0, .max, 1 << 32, 1 << 63]
        for i in 0..<5000 { keys.append(UInt64(i) << 32 | UInt64(i % 7)) }
        for _ in 0..<5000 { keys.append(rng.next()) }
        for (i, k) in keys.enumerated() {
            XCTAssertEqual(map.get(k), reference[k] ?? -1)
            map.set(k, Int32(i))
            reference[k] = Int32(i)
        }
        XCTAssertEqual(map.count, reference.count)
        for (k, v) in reference { XCTAssertEqual(map.get(k), v) }
        // Setting a key again replaces its value, and the count stays.
        map.set(keys[10], 99)
        XCTAssertEqual(map.get(keys[10]), 99)
        XCTAssertEqual(map.count, reference.count)
        map.removeAll()
        XCTAssertEqual(map.count, 0)
        XCTAssertEqual(map.get(keys[10]), -1)
    }
}
