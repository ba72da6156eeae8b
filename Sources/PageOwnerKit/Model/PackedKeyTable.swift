// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): an arena: packed keys
// stored inline in the slots.
import CShims

/// Interns fixed-size keys (`width` 64-bit words: packed group keys) and hands out dense
/// handles (0, 1, 2, …) in first-seen order, like `ByteInterner`, but each slot holds its
/// key inline next to the handle: a lookup reads one cache line, not a slot, an offset table
/// and an arena. Group tables are large and hit by every record, so that is what counts.
public struct PackedKeyTable {
    /// Words per key.
    public let width: Int
    /// `capacity` slots of `width + 1` words: word 0 is 0 when empty, else
    /// (hash high 32 bits << 32) | (handle + 1); the key follows.
    @usableFromInline var slots: [UInt64]
    @usableFromInline var mask: Int
    /// Every key, by handle, back to back.
    @usableFromInline var keys: [UInt64] = []
    public private(set) var count = 0
    /// Whether `slots` index every key. `append(new:)` of a table with no key yet leaves
    /// them unbuilt (a table its owner looks up by other means: the groups of a report by
    /// stack, found through the stack's handle); the first lookup builds them.
    public private(set) var indexed = true

    public init(width: Int, capacity: Int = 1024) {
        self.width = width
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n * (width + 1))
        mask = n - 1
    }

    /// Returns the handle of the key in `bytes` (`width` words), adding it if new.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        intern(bytes, hash: hash(bytes))
    }

    /// `intern(_:)` of a key's bytes seen through a view.
    @inline(__always)
    public mutating func intern(_ v: ByteView) -> Int32 { v.withUnsafeBytes { intern($0) } }

    /// The hash `intern` files the key in `bytes` under.
    @inline(__always)
    public func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        precondition(bytes.count == width * 8, "key of \(bytes.count) bytes in a table of \(width)-word keys")
        return width == 0 ? 0 : ByteHash.hash(bytes.baseAddress!, bytes.count)
    }

    /// Starts loading the slot where `intern` of a key of hash `h` looks first, so that
    /// interning it a key later does not wait for memory (a table of 10^5 keys of 8 words
    /// is larger than the caches). Mutating only so that the slots are not retained.
    @inline(__always)
    public mutating func prefetch(hash h: UInt64) {
        guard indexed else { return }
        let at = (Int(truncatingIfNeeded: h >> 32) & mask) * (width + 1)
        let n = (width + 1) * 8
        slots.withUnsafeMutableBufferPointer { po_prefetch(UnsafeRawPointer($0.baseAddress! + at), n) }
    }

    /// `intern(bytes)` of a key whose `hash(bytes)` is `h`.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer, hash h: UInt64) -> Int32 {
        precondition(bytes.count == width * 8, "key of \(bytes.count) bytes in a table of \(width)-word keys")
        if !indexed { buildIndex() }
        let key = bytes.bindMemory(to: UInt64.self)
        let tag = h & 0xffff_ffff_0000_0000
        let stride = width + 1
        // The slot comes from the hash's high half, which the slot keeps (`grow` needs no
        // rehash).
        var i = Int(truncatingIfNeeded: h >> 32) & mask
        let found: Int32? = slots.withUnsafeMutableBufferPointer { s in
            while true {
                let at = i * stride
                let w0 = s[at]
                if w0 == 0 {
                    s[at] = tag | UInt64(count + 1)
                    for k in 0..<width { s[at + 1 + k] = key[k] }
                    return nil
                }
                if w0 & 0xffff_ffff_0000_0000 == tag {
                    var equal = true
                    for k in 0..<width where s[at + 1 + k] != key[k] {
                        equal = false
                        break
                    }
                    if equal { return Int32(truncatingIfNeeded: (w0 & 0xffff_ffff) - 1) }
                }
                i = (i + 1) & mask
            }
        }
        if let found { return found }
        let handle = Int32(count)
        keys.append(contentsOf: key)
        count += 1
        if count * 2 > mask { grow() }
        return handle
    }

    /// Adds a key the caller knows is not in the table (`width` words) and returns its
    /// handle. A table that holds no key yet then stops indexing: keys are only appended
    /// (8 bytes a word, no slot of `width + 1` words at a quarter to half load), until a
    /// lookup (`intern`) builds the index once, sized for the keys it holds.
    public mutating func append(new bytes: UnsafeRawBufferPointer) -> Int32 {
        precondition(bytes.count == width * 8, "key of \(bytes.count) bytes in a table of \(width)-word keys")
        if indexed && count > 0 { return intern(bytes) }
        if indexed {
            indexed = false
            slots = []
            mask = 0
        }
        keys.append(contentsOf: bytes.bindMemory(to: UInt64.self))
        count += 1
        return Int32(count - 1)
    }

    /// Reserves room for `n` keys in all (an unindexed table: its key words only).
    public mutating func reserveCapacity(_ n: Int) {
        if !indexed { keys.reserveAtLeast(n * width) }
    }

    /// Frees the index (the table is only read by handle afterwards, until a lookup builds
    /// it again).
    public mutating func releaseIndex() {
        indexed = false
        slots = []
        mask = 0
    }

    /// Builds the index of an unindexed table (`append(new:)`), at most half full.
    mutating func buildIndex() {
        var n = 16
        while n < (count + 1) * 2 { n <<= 1 }
        let step = width + 1
        var built = [UInt64](repeating: 0, count: n * step)
        let newMask = n - 1
        keys.withUnsafeBufferPointer { k in
            built.withUnsafeMutableBufferPointer { b in
                for handle in 0..<count {
                    let h = width == 0 ? 0 : ByteHash.hash(UnsafeRawPointer(k.baseAddress! + handle * width), width * 8)
                    var i = Int(truncatingIfNeeded: h >> 32) & newMask
                    while b[i * step] != 0 { i = (i + 1) & newMask }
                    b[i * step] = (h & 0xffff_ffff_0000_0000) | UInt64(handle + 1)
                    for w in 0..<width { b[i * step + 1 + w] = k[handle * width + w] }
                }
            }
        }
        slots = built
        mask = newMask
        indexed = true
    }

    mutating func grow() {
        let n = (mask + 1) * 2
        let step = width + 1
        var bigger = [UInt64](repeating: 0, count: n * step)
        let newMask = n - 1
        // Each slot keeps its hash's high half: it gives the new slot, no key is hashed again.
        slots.withUnsafeBufferPointer { old in
            bigger.withUnsafeMutableBufferPointer { b in
                for at in stride(from: 0, to: old.count, by: step) where old[at] != 0 {
                    var i = Int(truncatingIfNeeded: old[at] >> 32) & newMask
                    while b[i * step] != 0 { i = (i + 1) & newMask }
                    for k in 0...width { b[i * step + k] = old[at + k] }
                }
            }
        }
        slots = bigger
        mask = newMask
    }

    /// Key `pos` of entry `handle`.
    @inlinable @inline(__always)
    public func value(_ handle: Int32, _ pos: Int) -> UInt64 {
        keys[Int(handle) * width + pos]
    }

    /// Starts loading the key of `handle`, for a `value` read a little later.
    @inline(__always)
    public func prefetchKey(_ handle: Int32) { keys.prefetch(Int(handle) * width) }

    /// Calls `body` with the key of `handle`.
    public func withBytes<R>(_ handle: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let a = Int(handle) * width * 8
        return try keys.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[a..<(a + width * 8)])) }
    }

    #if DEBUG
    /// Checks the slots against the keys (debug builds; tests call it): one used slot per
    /// key, at most half full, and each slot holds its handle's key.
    func checkInvariants() {
        precondition(keys.count == count * width, "one key of width words per handle")
        guard indexed else { return }
        let stride = width + 1
        var used = 0
        for i in 0...mask where slots[i * stride] != 0 {
            used += 1
            let h = Int(slots[i * stride] & 0xffff_ffff) - 1
            precondition(h < count, "a slot's handle must exist")
            for k in 0..<width { precondition(slots[i * stride + 1 + k] == keys[h * width + k], "slot key must be its handle's") }
        }
        precondition(used == count && count * 2 <= mask + 1, "one slot per key, at most half full")
    }
    #endif
}
