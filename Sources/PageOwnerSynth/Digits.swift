/// Appends numbers as ASCII text, in decimal or lower-case hex, without going through
/// `String`: the helpers the renderers and the scale generator use on their byte buffers.
public enum Digits {
    /// Writes `v` in decimal at `p`; returns the number of bytes written (at most 20).
    @inlinable
    public static func writeDecimal(_ v: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if v < 10 {
            p[0] = 48 &+ UInt8(truncatingIfNeeded: v)
            return 1
        }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        return withUnsafeMutableBytes(of: &tmp) { raw -> Int in
            let t = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var n = 0
            var x = v
            while x > 0 {
                t[n] = 48 &+ UInt8(truncatingIfNeeded: x % 10)
                x /= 10
                n += 1
            }
            for i in 0..<n { p[i] = t[n - 1 - i] }
            return n
        }
    }

    /// Writes `v` in lower-case hex (no `0x`) at `p`; returns the number of bytes written.
    @inlinable
    public static func writeHex(_ v: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let bits = 64 - (v | 1).leadingZeroBitCount
        let n = (bits + 3) / 4
        var x = v
        var i = n - 1
        while i >= 0 {
            let d = UInt8(truncatingIfNeeded: x & 15)
            p[i] = d < 10 ? 48 &+ d : 87 &+ d
            x >>= 4
            i -= 1
        }
        return n
    }

    /// Appends `v` in decimal.
    public static func appendDecimal(_ v: UInt64, to out: inout [UInt8]) {
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let n = writeDecimal(v, to: p)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        }
    }

    /// Appends a signed `v` in decimal (`%d`).
    public static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 { out.append(45) }
        appendDecimal(v.magnitude, to: &out)
    }

    /// Appends `v` in lower-case hex, without `0x`.
    public static func appendHex(_ v: UInt64, to out: inout [UInt8]) {
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buf) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let n = writeHex(v, to: p)
            out.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        }
    }

    /// Appends `v` in lower-case hex, zero-padded to `width` digits.
    public static func appendHex(_ v: UInt64, width: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        appendHex(v, to: &digits)
        if digits.count < width { out.append(contentsOf: repeatElement(48, count: width - digits.count)) }
        out.append(contentsOf: digits)
    }

    /// Appends `v` as the kernel's `%#x` does: always `0x…`, so zero is `0x0` (glibc
    /// would print a bare `0`; the kernel's vsprintf does not).
    public static func appendAltHex(_ v: UInt64, to out: inout [UInt8]) {
        out.append(48)
        out.append(120)
        appendHex(v, to: &out)
    }
}
