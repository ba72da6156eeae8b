import CShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, allocation-free helpers over bytes, read through a `ByteView` (positions are
/// indices into the view). Every parser works through these, so that the hot loops never
/// build a `String`; none of them holds a pointer.
@usableFromInline
enum Bytes {
    /// Position of the first `byte` in `[from, to)` of `base`, or `to` when absent.
    @inlinable @inline(__always)
    static func find(_ byte: UInt8, _ base: ByteView, _ from: Int, _ to: Int) -> Int {
        base.find(byte, from, to)
    }

    /// Position of `byte` in the short range `[from, to)`, or `to`: a plain loop, cheaper
    /// than a `memchr` call for the few bytes of one field.
    @inlinable @inline(__always)
    static func findShort(_ byte: UInt8, _ base: ByteView, _ from: Int, _ to: Int) -> Int {
        var i = from
        #if _endian(little)
        // Eight bytes a step: the lowest flagged byte of the classic zero-byte test is exact.
        let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
        while i + 8 <= to {
            let w = base.loadWord(i) ^ pattern
            let z = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            if z != 0 { return i + z.trailingZeroBitCount / 8 }
            i += 8
        }
        #endif
        while i < to && base[i] != byte { i += 1 }
        return i
    }

    /// Position of the first occurrence of `needle` in `[from, to)`, or `nil`.
    @inlinable
    static func find(_ needle: StaticString, _ base: ByteView, _ from: Int, _ to: Int) -> Int? {
        base.find(needle, from, to)
    }

    /// Position of the first occurrence of the bytes `needle` in `[from, to)`, or `nil`.
    @inlinable
    static func find(_ needle: ByteView, _ base: ByteView, _ from: Int, _ to: Int) -> Int? {
        base.find(needle, from, to)
    }

    /// Whether a short `needle` occurs in the short range `[from, to)`: a plain loop, cheaper
    /// than `memmem`'s setup for the few dozen bytes of one line.
    @inlinable
    static func contains(_ needle: StaticString, _ base: ByteView, _ from: Int, _ to: Int) -> Bool {
        let nd = ByteView(needle)
        let n = nd.count
        let first = nd[0]
        var i = from
        while i + n <= to {
            if base[i] == first {
                var k = 1
                while k < n && base[i + k] == nd[k] { k += 1 }
                if k == n { return true }
            }
            i += 1
        }
        return false
    }

    /// Position of the last occurrence of `needle` in `[from, to)`, or `nil`.
    @inlinable
    static func findLast(_ needle: StaticString, _ base: ByteView, _ from: Int, _ to: Int) -> Int? {
        let n = needle.utf8CodeUnitCount
        var i = to - n
        let first = ByteView(needle)[0]
        while i >= from {
            if base[i] == first && base.matches(needle, at: i, to) { return i }
            i -= 1
        }
        return nil
    }

    /// Whether `[at, to)` starts with `prefix`.
    @inlinable @inline(__always)
    static func hasPrefix(_ prefix: StaticString, _ base: ByteView, _ at: Int, _ to: Int) -> Bool {
        base.matches(prefix, at: at, to)
    }

    /// Parses decimal digits at `i`; returns the value (saturating) and the end index.
    /// `nil` when there is no digit at `i`. A value over `UInt64.max` saturates and
    /// sets `overflow`.
    @inlinable @inline(__always)
    static func decimal(_ base: ByteView, _ i: Int, _ to: Int) -> (value: UInt64, end: Int, overflow: Bool)? {
        var j = i
        var v: UInt64 = 0
        var overflow = false
        // 19 digits always fit in 64 bits: no overflow test for those.
        let quick = min(to, i + 19)
        while j < quick {
            let d = base[j] &- 48
            if d > 9 { return j == i ? nil : (v, j, false) }
            v = v &* 10 &+ UInt64(d)
            j += 1
        }
        while j < to {
            let d = base[j] &- 48
            if d > 9 { break }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 {
                overflow = true
                v = .max
            } else if !overflow {
                v = a
            }
            j += 1
        }
        return j == i ? nil : (v, j, overflow)
    }

    /// Parses hex digits at `i` (no `0x`); `nil` when there is none.
    @inlinable @inline(__always)
    static func hex(_ base: ByteView, _ i: Int, _ to: Int) -> (value: UInt64, end: Int, overflow: Bool)? {
        var j = i
        var v: UInt64 = 0
        var overflow = false
        while j < to {
            let c = base[j]
            var d: UInt8
            if c &- 48 <= 9 { d = c &- 48 } else if c &- 97 <= 5 { d = c &- 87 } else if c &- 65 <= 5 { d = c &- 55 } else { break }
            if v >> 60 != 0 { overflow = true }
            v = (v << 4) | UInt64(d)
            j += 1
        }
        return j == i ? nil : (overflow ? .max : v, j, overflow)
    }

    /// Lexicographic comparison of two byte ranges, like `strcmp` on unsigned bytes.
    @inlinable
    static func compare(_ a: ByteView, _ b: ByteView) -> Int { a.compare(b) }

    @inlinable @inline(__always)
    static func isSpace(_ c: UInt8) -> Bool { c == 32 || (c >= 9 && c <= 13) }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of a static string without creating a `String`.
    @inlinable @inline(__always)
    mutating func append(_ s: StaticString) {
        append(ByteView(s))
    }

    /// Appends a decimal rendering of `v`.
    @inlinable
    mutating func appendDecimal(_ v: Int64) {
        if v < 0 {
            append(45)
            appendDecimal(UInt64(v.magnitude))
        } else {
            appendDecimal(UInt64(v))
        }
    }


    @inlinable
    mutating func appendDecimal(_ v: Int) { appendDecimal(Int64(v)) }

    @inlinable
    mutating func appendDecimal(_ v: Int32) { appendDecimal(Int64(v)) }

    /// Appends lower-case hex digits of `v` (no prefix).
    @inlinable
    mutating func appendHex(_ v: UInt64) {
        var started = false
        for shift in stride(from: 60, through: 0, by: -4) {
            let d = UInt8((v >> UInt64(shift)) & 0xf)
            if d != 0 || started || shift == 0 {
                started = true
                append(d < 10 ? 48 + d : 87 + d)
            }
        }
    }

    @inlinable
    mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }
}
