/// JSON written as bytes for a page's `<script type="application/json">` block: no `<`, `>`
/// or `&` appears raw (each is a `\u00XX` escape), so no text, however odd, can close the
/// block (`</script>`) or open a comment; `JSON.parse` reads the escapes back.
struct HtmlJSON {
    var out: [UInt8] = []

    init(capacity: Int = 1 << 16) { out.reserveCapacity(capacity) }

    mutating func raw(_ s: StaticString) {
        out.append(ByteView(s))
    }

    mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

    /// A JSON string of `bytes` (invalid UTF-8 is passed through; the page decodes it leniently).
    mutating func string(_ bytes: ByteView) {
        out.append(0x22)
        for b in bytes {
            switch b {
            case 0x22: out.append(contentsOf: [0x5c, 0x22])
            case 0x5c: out.append(contentsOf: [0x5c, 0x5c])
            case 0x3c, 0x3e, 0x26, 0..<0x20:
                out.append(contentsOf: [0x5c, 0x75, 0x30, 0x30])
                out.append(Self.hex[Int(b >> 4)])
                out.append(Self.hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    mutating func string(_ s: String) {
        ByteView.with(s) { string($0) }
    }

    mutating func int(_ v: Int64) {
        if v < 0 { out.append(0x2d) }
        var m = v.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(48 + m % 10))
            m /= 10
        } while m > 0
        out[start...].reverse()
    }

    mutating func int(_ v: Int) { int(Int64(v)) }
    mutating func int(_ v: Int32) { int(Int64(v)) }

    /// `"key":` (a key is a plain ASCII name).
    mutating func key(_ k: StaticString) {
        out.append(0x22)
        raw(k)
        out.append(contentsOf: [0x22, 0x3a])
    }

    mutating func ints<S: Sequence>(_ values: S) where S.Element: BinaryInteger {
        out.append(0x5b)
        var first = true
        for v in values {
            if !first { out.append(0x2c) }
            first = false
            int(Int64(v))
        }
        out.append(0x5d)
    }

    mutating func strings(_ values: [String]) {
        out.append(0x5b)
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(0x2c) }
            string(v)
        }
        out.append(0x5d)
    }

    /// Every entry of an interner as a JSON array of strings, by handle.
    mutating func strings(_ table: ByteInterner) {
        out.append(0x5b)
        for h in 0..<Int32(table.count) {
            if h > 0 { out.append(0x2c) }
            table.withBytes(h) { string($0) }
        }
        out.append(0x5d)
    }

    /// Non-negative integers packed into one JSON string, 5 bits a character, low bits first
    /// (a character of value 32 and more says "more follows"): a small number is one byte
    /// and there are no separators. The page's `unpack` reads it back.
    mutating func packed<S: Sequence>(_ values: S) where S.Element: BinaryInteger {
        out.append(0x22)
        for v in values {
            var x = UInt64(v)
            while x >= 32 {
                out.append(Self.digits[Int(32 | (x & 31))])
                x >>= 5
            }
            out.append(Self.digits[Int(x)])
        }
        out.append(0x22)
    }

    /// Signed integers packed as `packed` does, zigzag-coded (0, -1, 1, -2 … as 0, 1, 2, 3 …).
    mutating func packedSigned<S: Sequence>(_ values: S) where S.Element == Int64 {
        packed(values.lazy.map { v -> UInt64 in v >= 0 ? UInt64(v) << 1 : (UInt64(bitPattern: ~v) << 1) | 1 })
    }

    /// The 64 characters of `packed`, in value order (base64url's; none needs escaping).
    static let digits: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
