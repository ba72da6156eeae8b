// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): an arena: the interned
// bytes and the probe loop over them.
import CShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Stores each distinct byte string once, in one arena, and hands out dense handles
/// (0, 1, 2, …) in first-seen order. The lookup is an open-addressing table keyed by a
/// deterministic 64-bit hash, so memory grows with the number of distinct strings, never
/// with how often they occur.
public struct ByteInterner {
    /// Bytes of every string, back to back.
    @usableFromInline var arena: [UInt8] = []
    /// `starts[h]` is where string `h` begins; `starts[count]` is the arena's end.
    @usableFromInline var starts: [Int] = [0]
    /// Slots: 0 = empty, else (hash high 32 bits << 32) | (handle + 1).
    @usableFromInline var slots: [UInt64]
    @usableFromInline var mask: Int

    public init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
    }

    /// Number of distinct strings.
    @inlinable public var count: Int { starts.count - 1 }

    /// Total bytes held in the arena.
    @inlinable public var arenaBytes: Int { arena.count }

    /// A short key (at most 16 bytes) and its handle: the last one interned through
    /// `intern(_:recent:)`. Records read in PFN order often repeat the previous one's
    /// task name, and two word compares are cheaper than a hash and a probe.
    public struct RecentKey {
        var w0: UInt64 = 0
        var w1: UInt64 = 0
        var count = -1
        var handle: Int32 = -1
        public init() {}
    }

    /// `intern(bytes)`, answered from `recent` when `bytes` are the same as last time.
    @inline(__always)
    public mutating func intern(_ bytes: UnsafeRawBufferPointer, recent: inout RecentKey) -> Int32 {
        let n = bytes.count
        guard n <= 16 else { return intern(bytes) }
        let w = Self.words(bytes)
        if n == recent.count && w.0 == recent.w0 && w.1 == recent.w1 { return recent.handle }
        let h = intern(bytes, hash: Self.shortHash(w, n))
        recent.w0 = w.0
        recent.w1 = w.1
        recent.count = n
        recent.handle = h
        return h
    }

    /// Up to 16 bytes as two words, read without reading past them: two overlapping loads
    /// of 8 (or 4) bytes, one at each end. Equal bytes of equal length give equal words.
    @usableFromInline @inline(__always)
    static func words(_ b: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let n = b.count
        guard n > 0, let p = b.baseAddress else { return (0, 0) }
        if n >= 8 { return (p.loadUnaligned(as: UInt64.self), p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)) }
        if n >= 4 {
            return (UInt64(p.loadUnaligned(as: UInt32.self)), UInt64(p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)))
        }
        var a: UInt64 = 0
        for i in 0..<n { a |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << UInt64(8 * i) }
        return (a, 0)
    }

    /// Returns the handle of `bytes`, adding them if they are new.
    /// - Complexity: O(bytes.count) expected.
    @inlinable
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        intern(bytes, hash: Self.hash(bytes))
    }

    /// The hash a string is filed under. A string of at most 16 bytes (task names, module
    /// and memcg names: what is interned once a record) is its two `words` folded by two
    /// multiplies, a fifth of `ByteHash`'s work at that length; longer ones `ByteHash`.
    /// Every lookup, insert and `grow` hashes through here, so the two never mix.
    @inlinable @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        guard n <= 16 else { return ByteHash.hash(bytes) }
        return shortHash(words(bytes), n)
    }

    /// `hash` of a string of `n` ≤ 16 bytes whose `words` are `w`.
    @inlinable @inline(__always)
    static func shortHash(_ w: (UInt64, UInt64), _ n: Int) -> UInt64 {
        let c = UInt64(truncatingIfNeeded: n)
        let h = ByteHash.mix(w.0 ^ ByteHash.k1, w.1 ^ ByteHash.k2 ^ c)
        return ByteHash.mix(h ^ ByteHash.k0, c ^ ByteHash.k3)
    }

    @inlinable
    public mutating func intern(_ bytes: UnsafeRawBufferPointer, hash h: UInt64) -> Int32 {
        let tag = h & 0xffff_ffff_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        let n = bytes.count
        while true {
            let s = slots[i]
            if s == 0 { break }
            if s & 0xffff_ffff_0000_0000 == tag {
                let handle = Int(s & 0xffff_ffff) - 1
                let a = starts[handle]
                let len = starts[handle + 1] - a
                if len == n {
                    let equal = n == 0 || arena.withUnsafeBytes { Self.equal($0.baseAddress! + a, bytes.baseAddress!, n) }
                    if equal { return Int32(handle) }
                }
            }
            i = (i + 1) & mask
        }
        let handle = count
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        slots[i] = tag | UInt64(handle + 1)
        if count * 2 > mask { grow() }
        return Int32(handle)
    }

    /// Whether `n` bytes at `a` and `b` are equal: short strings (task names, memcg
    /// paths' leaves) byte by byte in place, longer ones by `memcmp`, whose call costs
    /// more than comparing a few bytes.
    @inlinable @inline(__always)
    static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        guard n <= 16 else { return memcmp(a, b, n) == 0 }
        let x = words(UnsafeRawBufferPointer(start: a, count: n))
        let y = words(UnsafeRawBufferPointer(start: b, count: n))
        return x.0 == y.0 && x.1 == y.1
    }

    /// Starts loading what `intern(_:hash:)` will compare for the string hashing to `h`
    /// (the bytes of the first entry its slot holds), so that a lookup done a little later
    /// finds them in cache. (Mutating only so that calling it on a class's property works in
    /// place, without copying the table's arrays.)
    @inlinable
    public mutating func prefetch(hash h: UInt64) {
        let s = slots[Int(truncatingIfNeeded: h) & mask]
        guard s != 0 else { return }
        let handle = Int(s & 0xffff_ffff) - 1
        let a = starts[handle]
        arena.withUnsafeBytes { po_prefetch($0.baseAddress! + a, starts[handle + 1] - a) }
    }

    /// A lookup of the string hashing to `h` started in `step`s (see
    /// `StackStore.internFrames`): 0 loads its slot, 1 reads it and loads where the string it
    /// names begins, 2 loads that string's bytes. A slot whose tag is not `h`'s starts no
    /// load. (Mutating only so that calling it on a struct's property copies nothing.)
    @inlinable @inline(__always)
    public mutating func prefetch(hash h: UInt64, step: Int) {
        let i = Int(truncatingIfNeeded: h) & mask
        if step == 0 {
            slots.withUnsafeBufferPointer { po_prefetch($0.baseAddress! + i, 8) }
            return
        }
        let s = slots[i]
        guard s != 0, s & 0xffff_ffff_0000_0000 == h & 0xffff_ffff_0000_0000 else { return }
        let handle = Int(s & 0xffff_ffff) - 1
        if step == 1 {
            starts.withUnsafeBufferPointer { po_prefetch($0.baseAddress! + handle, 16) }
            return
        }
        let a = starts[handle]
        let n = starts[handle + 1] - a
        arena.withUnsafeBytes { if n > 0, let b = $0.baseAddress { po_prefetch(b + a, n) } }
    }

    /// Handle of `bytes` if present, without adding.
    @inlinable
    public func lookup(_ bytes: UnsafeRawBufferPointer) -> Int32? {
        let h = Self.hash(bytes)
        let tag = h & 0xffff_ffff_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        let n = bytes.count
        while true {
            let s = slots[i]
            if s == 0 { return nil }
            if s & 0xffff_ffff_0000_0000 == tag {
                let handle = Int(s & 0xffff_ffff) - 1
                let a = starts[handle]
                if starts[handle + 1] - a == n {
                    let equal = n == 0 || arena.withUnsafeBytes { Self.equal($0.baseAddress! + a, bytes.baseAddress!, n) }
                    if equal { return Int32(handle) }
                }
            }
            i = (i + 1) & mask
        }
    }

    @usableFromInline
    mutating func grow() {
        let n = (mask + 1) * 2
        var newSlots = [UInt64](repeating: 0, count: n)
        let newMask = n - 1
        arena.withUnsafeBytes { a in
            for handle in 0..<count {
                let s = starts[handle]
                let len = starts[handle + 1] - s
                let h = Self.hash(UnsafeRawBufferPointer(start: len == 0 ? nil : a.baseAddress! + s, count: len))
                var i = Int(truncatingIfNeeded: h) & newMask
                while newSlots[i] != 0 { i = (i + 1) & newMask }
                newSlots[i] = (h & 0xffff_ffff_0000_0000) | UInt64(handle + 1)
            }
        }
        slots = newSlots
        mask = newMask
    }

    /// Room for `n` strings of `bytes` bytes in all (the arena and offsets; the slots still
    /// grow as strings come).
    public mutating func reserve(count n: Int, bytes: Int) {
        arena.reserveCapacity(bytes)
        starts.reserveCapacity(n + 1)
    }

    /// Calls `body` with the bytes of `handle` (a view valid inside `body` only).
    @inlinable
    public func withBytes<R>(_ handle: Int32, _ body: (ByteView) throws -> R) rethrows -> R {
        let a = starts[Int(handle)]
        let b = starts[Int(handle) + 1]
        return try arena.withUnsafeBytes { try body(ByteView(UnsafeRawBufferPointer(rebasing: $0[a..<b]))) }
    }

    /// `intern(_:recent:)` of a view's bytes.
    @inlinable @inline(__always)
    public mutating func intern(_ v: ByteView, recent: inout RecentKey) -> Int32 {
        v.withUnsafeBytes { intern($0, recent: &recent) }
    }

    /// `intern(_:)` of a view's bytes.
    @inlinable @inline(__always)
    public mutating func intern(_ v: ByteView) -> Int32 { v.withUnsafeBytes { intern($0) } }

    /// `lookup(_:)` of a view's bytes.
    @inlinable @inline(__always)
    public func lookup(_ v: ByteView) -> Int32? { v.withUnsafeBytes { lookup($0) } }

    /// Length in bytes of `handle`.
    @inlinable public func length(_ handle: Int32) -> Int { starts[Int(handle) + 1] - starts[Int(handle)] }

    /// The bytes of `handle` as an array (for formatters and tests, not the hot path).
    public func bytes(_ handle: Int32) -> [UInt8] { withBytes(handle) { $0.array } }

    /// The string of `handle`, decoding invalid UTF-8 leniently (edge use only).
    public func string(_ handle: Int32) -> String { withBytes(handle) { $0.string } }

    /// Compares two handles' bytes like `strcmp` (unsigned, shorter prefix first).
    public func compare(_ a: Int32, _ b: Int32) -> Int {
        if a == b { return 0 }
        return arena.withUnsafeBytes { ar in
            let sa = starts[Int(a)]
            let ea = starts[Int(a) + 1]
            let sb = starts[Int(b)]
            let eb = starts[Int(b) + 1]
            return ByteView(UnsafeRawBufferPointer(rebasing: ar[sa..<ea])).compare(ByteView(UnsafeRawBufferPointer(rebasing: ar[sb..<eb])))
        }
    }

    /// A rank for every handle, in ascending byte order (ties impossible: strings are distinct).
    public func sortedRanks() -> [Int32] {
        var order = Array(0..<Int32(count))
        order.sort { compare($0, $1) < 0 }
        var rank = [Int32](repeating: 0, count: count)
        for (r, h) in order.enumerated() { rank[Int(h)] = Int32(r) }
        return rank
    }

    #if DEBUG
    /// Checks the table against the arena (debug builds; tests call it): offsets ascend from
    /// 0 to the arena's end, the table is at most half full, and every string's slot leads
    /// back to its handle.
    func checkInvariants() {
        precondition(starts.first == 0 && starts.last == arena.count, "starts must span the arena")
        for h in 0..<count { precondition(starts[h] <= starts[h + 1], "starts must ascend") }
        let used = slots.filter { $0 != 0 }
        precondition(used.count == count && count * 2 <= mask + 1, "one slot per string, at most half full")
        for s in used { precondition(Int(s & 0xffff_ffff) - 1 < count, "a slot's handle must exist") }
        for h in 0..<count { precondition(withBytes(Int32(h)) { lookup($0) } == Int32(h), "string \(h) must find itself") }
    }
    #endif
}
