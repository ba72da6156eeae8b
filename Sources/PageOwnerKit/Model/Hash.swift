// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the byte hash over raw
// memory, which the arenas and `ByteView.hash` call.
/// A fast, deterministic 64-bit hash over bytes (a wyhash-style multiply-fold).
/// Never seeded per process: the same bytes hash the same in every run, so nothing
/// that depends on it can make output order vary.
@usableFromInline
enum ByteHash {
    @usableFromInline static let k0: UInt64 = 0xa076_1d64_78bd_642f
    @usableFromInline static let k1: UInt64 = 0xe703_7ed1_a0b4_28db
    @usableFromInline static let k2: UInt64 = 0x8ebc_6af0_9c88_c6e3
    @usableFromInline static let k3: UInt64 = 0x5899_65cc_7537_4cc3

    @inlinable @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    @inlinable
    static func hash(_ p: UnsafeRawPointer, _ count: Int, seed: UInt64 = 0) -> UInt64 {
        var h = seed ^ k0 ^ UInt64(truncatingIfNeeded: count)
        var i = 0
        if count >= 64 {
            // Four independent lanes, so the multiplies overlap instead of waiting on each other.
            var h1 = h ^ k1
            var h2 = h ^ k2
            var h3 = h ^ k3
            while i + 64 <= count {
                h = mix(
                    p.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ k1, p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self) ^ h)
                h1 = mix(
                    p.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self) ^ k2,
                    p.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self) ^ h1)
                h2 = mix(
                    p.loadUnaligned(fromByteOffset: i + 32, as: UInt64.self) ^ k3,
                    p.loadUnaligned(fromByteOffset: i + 40, as: UInt64.self) ^ h2)
                h3 = mix(
                    p.loadUnaligned(fromByteOffset: i + 48, as: UInt64.self) ^ k0,
                    p.loadUnaligned(fromByteOffset: i + 56, as: UInt64.self) ^ h3)
                i += 64
            }
            h = mix(h ^ k2, h1 ^ k3) ^ mix(h2 ^ k1, h3 ^ k0)
        }
        while i + 16 <= count {
            let a = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = p.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            h = mix(a ^ k1, b ^ h)
            i += 16
        }
        var a: UInt64 = 0
        var b: UInt64 = 0
        let rest = count - i
        if rest >= 8 {
            a = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            b = p.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else if rest > 0 {
            // Up to 7 bytes: read them one by one (no over-read).
            var j = 0
            while j < rest {
                a |= UInt64(p.load(fromByteOffset: i + j, as: UInt8.self)) << UInt64(8 * j)
                j += 1
            }
        }
        h = mix(a ^ k1, b ^ h ^ k2)
        return mix(h ^ k0, UInt64(truncatingIfNeeded: count) ^ k1)
    }

    @inlinable @inline(__always)
    static func hash(_ b: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        b.count == 0 ? hash(UnsafeRawPointer(bitPattern: 1)!, 0, seed: seed) : hash(b.baseAddress!, b.count, seed: seed)
    }

    @inlinable @inline(__always)
    static func hash(_ x: UInt64, seed: UInt64 = 0) -> UInt64 {
        mix(x ^ k1 ^ seed, k2 ^ (x >> 32))
    }
}
