import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `PackedKeyTable` against a Dictionary model, for key widths 0 to 4 words: random keys
/// drawn from a small range (many repeats, many keys differing in one word), enough to grow.
final class PackedKeyTableTests: XCTestCase {
    func testMatchesADictionaryModel() {
        for width in 0...4 {
            var rng = SeededRandom(seed: UInt64(100 + width))
            var table = PackedKeyTable(width: width, capacity: 2)
            var model: [[UInt64]: Int32] = [:]
            var order: [[UInt64]] = []
            for _ in 0..<6000 {
                let key = (0..<width).map { w -> UInt64 in
                    w == 0 ? UInt64.random(in: 0..<40, using: &rng) : UInt64.random(in: 0..<3, using: &rng) << 60
                }
                let h = key.withUnsafeBytes { table.intern($0) }
                if let known = model[key] {
                    XCTAssertEqual(h, known, "width \(width)")
                } else {
                    XCTAssertEqual(Int(h), order.count, "width \(width): dense handles in first-seen order")
                    model[key] = h
                    order.append(key)
                }
            }
            XCTAssertEqual(table.count, model.count, "width \(width)")
            #if DEBUG
            table.checkInvariants()
            #endif
            if width == 0 { XCTAssertEqual(table.count, 1, "the one empty key") }
            for (h, key) in order.enumerated() {
                for pos in 0..<width { XCTAssertEqual(table.value(Int32(h), pos), key[pos]) }
                table.withBytes(Int32(h)) { b in XCTAssertEqual(Array(b.bindMemory(to: UInt64.self)), key) }
            }
        }
    }
}
