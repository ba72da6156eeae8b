// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): an arena: the map's slot
// storage.
import CShims

/// A map from 64-bit words to dense handles (`Int32` ≥ 0): open addressing, linear
/// probing, keys and values side by side so one probe reads one cache line. For caches
/// looked up once per record (a group by its stack and the rest of its key), where a
/// Swift `Dictionary` costs a SipHash per lookup.
struct WordMap {
    /// `capacity` slots of two words: the key, then the value + 1 (0 = empty).
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n * 2)
        mask = n - 1
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        let m = (key ^ 0xa076_1d64_78bd_642f).multipliedFullWidth(by: 0xe703_7ed1_a0b4_28db)
        return Int(truncatingIfNeeded: m.high ^ m.low) & mask
    }

    /// The value of `key`, or -1.
    @inline(__always)
    func get(_ key: UInt64) -> Int32 {
        var i = Self.slot(key, mask)
        return slots.withUnsafeBufferPointer { s in
            while true {
                let v = s[2 * i + 1]
                if v == 0 { return -1 }
                if s[2 * i] == key { return Int32(truncatingIfNeeded: v - 1) }
                i = (i + 1) & mask
            }
        }
    }

    /// Starts loading the slot where a lookup of `key` begins, so that a `get` of it a
    /// record later does not wait for memory (a map of 10^5 keys is larger than the caches).
    /// Mutating only so that the slots are not retained around the call.
    @inline(__always)
    mutating func prefetch(_ key: UInt64) {
        let i = Self.slot(key, mask)
        slots.withUnsafeMutableBufferPointer { po_prefetch(UnsafeRawPointer($0.baseAddress! + 2 * i), 16) }
    }

    /// Sets the value of `key` (a value ≥ 0).
    mutating func set(_ key: UInt64, _ value: Int32) {
        precondition(value >= 0, "WordMap holds handles ≥ 0")
        var i = Self.slot(key, mask)
        let added: Bool = slots.withUnsafeMutableBufferPointer { s in
            while true {
                if s[2 * i + 1] == 0 || s[2 * i] == key {
                    let new = s[2 * i + 1] == 0
                    s[2 * i] = key
                    s[2 * i + 1] = UInt64(value) + 1
                    return new
                }
                i = (i + 1) & mask
            }
        }
        if added {
            count += 1
            if count * 2 > mask { grow() }
        }
    }

    /// Forgets every key.
    mutating func removeAll() {
        self = WordMap()
    }

    private mutating func grow() {
        let old = slots
        let n = (mask + 1) * 2
        slots = [UInt64](repeating: 0, count: n * 2)
        mask = n - 1
        count = 0
        for i in 0..<(old.count / 2) where old[2 * i + 1] != 0 {
            set(old[2 * i], Int32(truncatingIfNeeded: old[2 * i + 1] - 1))
        }
    }
}
