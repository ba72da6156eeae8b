/// Writes a tar archive (POSIX ustar, with a pax `x` header before each member that has
/// extended records) member by member into a byte sink.
public struct TarWriter {
    /// Where the archive's bytes go (a file, a compressor).
    let emit: (ByteView) throws -> Void

    public init(_ emit: @escaping (ByteView) throws -> Void) {
        self.emit = emit
    }

    /// One regular file. `records` become pax extended header records (`mtime` with
    /// sub-second precision, tool-specific keys), which readers that do not know them skip.
    public func add(name: String, data: ByteView, mtime: Double, records: [(String, String)] = []) throws {
        if !records.isEmpty {
            var pax: [UInt8] = []
            for (k, v) in records {
                let body = " \(k)=\(v)\n"
                // The record's length counts its own digits.
                var n = body.utf8.count + 1
                while String(n).utf8.count + body.utf8.count != n { n += 1 }
                pax.append(contentsOf: Array("\(n)\(body)".utf8))
            }
            try ByteView.with(pax) { try member(name: "PaxHeader/" + String(name.suffix(80)), type: 0x78, data: $0, mtime: mtime) }
        }
        try member(name: name, type: 0x30, data: data, mtime: mtime)
    }

    /// The two zero blocks that end an archive.
    public func finish() throws {
        let zero = [UInt8](repeating: 0, count: 1024)
        try ByteView.with(zero) { try emit($0) }
    }

    func member(name: String, type: UInt8, data: ByteView, mtime: Double) throws {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ s: String, _ at: Int, _ len: Int) {
            for (i, b) in s.utf8.prefix(len).enumerated() { h[at + i] = b }
        }
        func octal(_ v: UInt64, _ at: Int, _ len: Int) {
            let digits = String(v, radix: 8)
            put(String(repeating: "0", count: max(0, len - 1 - digits.count)) + digits, at, len - 1)
        }
        put(name, 0, 100)
        octal(0o644, 100, 8)
        octal(0, 108, 8)
        octal(0, 116, 8)
        octal(UInt64(data.count), 124, 12)
        octal(UInt64(max(0, mtime)), 136, 12)
        put("        ", 148, 8)
        h[156] = type
        put("ustar", 257, 6)
        put("00", 263, 2)
        let sum = h.reduce(0) { $0 + UInt64($1) }
        octal(sum, 148, 7)
        h[155] = 32
        try ByteView.with(h) { try emit($0) }
        try emit(data)
        let pad = (512 - data.count % 512) % 512
        if pad > 0 {
            let zero = [UInt8](repeating: 0, count: pad)
            try ByteView.with(zero) { try emit($0) }
        }
    }
}
