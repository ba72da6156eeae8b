import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `HandleMap` against a Dictionary model: -1 where nothing is set, the last value set
/// elsewhere, whatever order the handles come in (it grows to the largest set).
final class HandleMapTests: XCTestCase {
    func testMatchesADictionaryModel() {
        var rng = SeededRandom(seed: 7)
        var map = HandleMap()
        var model: [Int32: Int32] = [:]
        XCTAssertEqual(map[0], -1)
        XCTAssertEqual(map[1000], -1)
        for _ in 0..<20000 {
            let h = Int32.random(in: 0..<3000, using: &rng)
            if Bool.random(using: &rng) {
                let v = Int32.random(in: -1..<100, using: &rng)
                map[h] = v
                model[h] = v
            } else {
                XCTAssertEqual(map[h], model[h] ?? -1)
            }
        }
        for h in Int32(0)..<3100 { XCTAssertEqual(map[h], model[h] ?? -1) }
        XCTAssertLessThanOrEqual(map.values.count, Int(model.keys.max()! + 1))
    }
}
