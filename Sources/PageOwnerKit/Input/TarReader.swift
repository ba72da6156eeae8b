// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): tar headers read in
// place from the stream buffer.
/// Reads a tar archive as a stream: ustar, pax (`x` headers with `path=`/`size=` records,
/// `g` headers skipped) and GNU long names (`L`). Only regular files are returned;
/// directories, links, devices and other entries are skipped.
///
/// Every header checksum is verified. The archive ends at a zero block (normally two)
/// or a clean end of stream at a block boundary; anything else malformed is an
/// `InputError(.archive)` naming the archive.
public final class TarReader {
    let source: ByteSource
    /// The archive's name in messages and in member names.
    public let archiveName: String
    /// One 512-byte header block, reused.
    let block: UnsafeMutableRawBufferPointer
    /// Scratch space for skipping data.
    let scratch: UnsafeMutableRawBufferPointer
    var current: TarMember?
    /// Padding after the current member's data.
    var currentPadding = 0
    var ended = false

    static let blockSize = 512
    /// Upper bound on the size of a pax or GNU long-name header read into memory.
    static let maxMetaSize = 1 << 20

    /// - Parameters:
    ///   - source: the (decompressed) archive stream, positioned at its first header.
    ///   - name: the archive's name; defaults to the source's name.
    public init(source: ByteSource, name: String? = nil) {
        self.source = source
        archiveName = name ?? source.name
        block = UnsafeMutableRawBufferPointer.allocate(byteCount: TarReader.blockSize, alignment: 64)
        scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 64)
    }

    deinit {
        block.deallocate()
        scratch.deallocate()
    }

    func error(_ message: String) -> InputError {
        InputError(.archive, input: archiveName, message)
    }

    func cutShort(_ path: String, missing: Int) -> InputError {
        error("member \(path) is cut short (the archive ends \(missing) bytes early)")
    }

    /// The next regular file, or `nil` at the end of the archive. Skips whatever the
    /// caller left unread of the previous member.
    /// - Throws: `InputError(.archive)` for a bad checksum, a bad size field or a
    ///   truncated archive; errors of the underlying source as they are.
    public func next() throws -> TarMember? {
        if let member = current {
            try skip(member.remaining + currentPadding, member: member.path)
            member.remaining = 0
            current = nil
        }
        if ended { return nil }
        var longName: String?
        var paxPath: String?
        var paxSize: Int?
        while true {
            guard try readBlock() else {
                ended = true
                try drain()
                return nil
            }
            if isZeroBlock() {
                // End of archive: a second zero block (or the end of the stream) follows.
                ended = true
                try drain()
                return nil
            }
            try verifyChecksum()
            let bytes = UnsafeRawBufferPointer(block)
            let type = bytes[156]
            let headerName = TarReader.name(bytes)
            var size =
                try TarReader.number(bytes, 124, 12)
                ?? {
                    throw error("entry \(headerName) has a non-octal size field")
                }()
            let meta =
                type == UInt8(ascii: "x") || type == UInt8(ascii: "g")
                || type == UInt8(ascii: "L") || type == UInt8(ascii: "K")
            if type == UInt8(ascii: "1") || type == UInt8(ascii: "2") || type == UInt8(ascii: "3")
                || type == UInt8(ascii: "4") || type == UInt8(ascii: "6")
            {
                size = 0  // links, devices and fifos carry no data
            } else if !meta, let s = paxSize {
                size = s
            }
            let padding = (TarReader.blockSize - size % TarReader.blockSize) % TarReader.blockSize
            // A size near Int.max (base-256 allows it) cannot be followed by its padding.
            guard size <= Int.max - padding else { throw error("entry \(headerName) has an impossible size (\(size) bytes)") }
            switch type {
            case UInt8(ascii: "x"):
                let data = try readMeta(size, padding: padding, what: "pax header of \(headerName)")
                TarReader.parsePax(data, path: &paxPath, size: &paxSize)
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "K"):
                // Global pax headers and GNU long link names say nothing this reader uses.
                try skip(size + padding, member: headerName)
                continue
            case UInt8(ascii: "L"):
                var data = try readMeta(size, padding: padding, what: "GNU long name")
                if let nul = data.firstIndex(of: 0) { data.removeSubrange(nul...) }
                longName = String(decoding: data, as: UTF8.self)
                continue
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                let path = paxPath ?? longName ?? headerName
                let member = TarMember(reader: self, path: path, size: size)
                current = member
                currentPadding = padding
                return member
            default:
                try skip(size + padding, member: paxPath ?? longName ?? headerName)
                longName = nil
                paxPath = nil
                paxSize = nil
            }
        }
    }

    /// Reads one header block; `false` at a clean end of stream.
    func readBlock() throws -> Bool {
        var filled = 0
        while filled < TarReader.blockSize {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: block[filled...]))
            if n == 0 {
                if filled == 0 { return false }
                throw error("the archive ends inside a header block")
            }
            filled += n
        }
        return true
    }

    func isZeroBlock() -> Bool {
        let words = UnsafeRawBufferPointer(block)
        var i = 0
        while i < TarReader.blockSize {
            if words.loadUnaligned(fromByteOffset: i, as: UInt64.self) != 0 { return false }
            i += 8
        }
        return true
    }

    func verifyChecksum() throws {
        let bytes = UnsafeRawBufferPointer(block)
        var unsigned = 0
        var signed = 0
        for i in 0..<TarReader.blockSize {
            let b = (148..<156).contains(i) ? UInt8(ascii: " ") : bytes[i]
            unsigned += Int(b)
            signed += Int(Int8(bitPattern: b))
        }
        guard let stored = TarReader.octal(bytes, 148, 8) else {
            throw error("entry \(TarReader.name(bytes)) has a non-octal header checksum field")
        }
        if stored != unsigned && stored != signed {
            throw error("header checksum mismatch for entry \(TarReader.name(bytes)) (stored \(stored), computed \(unsigned))")
        }
    }

    /// Reads a metadata entry's data (pax header, long name) into memory.
    func readMeta(_ size: Int, padding: Int, what: String) throws -> [UInt8] {
        if size > TarReader.maxMetaSize {
            throw error("\(what) is too large (\(size) bytes)")
        }
        var data = [UInt8](repeating: 0, count: size)
        var filled = 0
        try data.withUnsafeMutableBytes { dst in
            while filled < size {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: dst[filled...]))
                if n == 0 { throw cutShort(what, missing: size - filled) }
                filled += n
            }
        }
        try skip(padding, member: what)
        return data
    }

    /// Discards `count` bytes of the stream.
    func skip(_ count: Int, member: String) throws {
        var left = count
        while left > 0 {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<min(left, scratch.count)]))
            if n == 0 { throw cutShort(member, missing: left) }
            left -= n
        }
    }

    /// Reads the rest of the stream after the end of the archive, so that a compressed
    /// archive is checked to its real end (a truncated or corrupt tail is reported).
    func drain() throws {
        while try source.read(into: scratch) > 0 {}
    }

    /// The header's name: the ustar prefix (POSIX ustar only) joined to the name field.
    static func name(_ b: UnsafeRawBufferPointer) -> String {
        let name = cString(b, 0, 100)
        // "ustar\0" + "00" is POSIX; GNU's "ustar  \0" keeps other data in the prefix.
        if b[257] == UInt8(ascii: "u") && b[262] == 0 && b[263] == UInt8(ascii: "0") {
            let prefix = cString(b, 345, 155)
            if !prefix.isEmpty { return prefix + "/" + name }
        }
        return name
    }

    static func cString(_ b: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> String {
        var end = offset
        while end < offset + length && b[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[offset..<end]), as: UTF8.self)
    }

    /// A numeric field: octal (spaces and NULs around it allowed) or GNU base-256.
    static func number(_ b: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> Int? {
        if b[offset] & 0x80 != 0 {
            if b[offset] & 0x40 != 0 { return nil }  // negative
            var v = Int(b[offset] & 0x3f)
            for i in offset + 1..<offset + length {
                if v > (Int.max >> 8) { return nil }
                v = v << 8 | Int(b[i])
            }
            return v
        }
        return octal(b, offset, length)
    }

    static func octal(_ b: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> Int? {
        var i = offset
        let end = offset + length
        while i < end && b[i] == UInt8(ascii: " ") { i += 1 }
        var v = 0
        var digits = 0
        while i < end, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "7") {
            if v > (Int.max >> 3) { return nil }
            v = v << 3 | Int(b[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        while i < end && (b[i] == 0 || b[i] == UInt8(ascii: " ")) { i += 1 }
        if i != end || digits == 0 { return nil }
        return v
    }

    /// Applies the `path` and `size` records of a pax extended header
    /// (`"<length> <key>=<value>\n"` records).
    static func parsePax(_ data: [UInt8], path: inout String?, size: inout Int?) {
        var i = 0
        while i < data.count {
            var length = 0
            var j = i
            while j < data.count, data[j] >= UInt8(ascii: "0"), data[j] <= UInt8(ascii: "9") {
                length = length * 10 + Int(data[j] - UInt8(ascii: "0"))
                j += 1
                if length > data.count { return }
            }
            // The length counts its own digits and space: one shorter than them is corrupt.
            guard length > j - i, j < data.count, data[j] == UInt8(ascii: " "), i + length <= data.count else { return }
            let record = data[(j + 1)..<(i + length)]
            let body = record.last == 10 ? record.dropLast() : record
            if let eq = body.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: body[body.startIndex..<eq], as: UTF8.self)
                let value = body[(eq + 1)...]
                if key == "path" {
                    path = String(decoding: value, as: UTF8.self)
                } else if key == "size" {
                    var v = 0
                    var ok = !value.isEmpty
                    for c in value {
                        guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9"), v <= (Int.max - 9) / 10 else {
                            ok = false
                            break
                        }
                        v = v * 10 + Int(c - UInt8(ascii: "0"))
                    }
                    if ok { size = v }
                }
            }
            i += length
        }
    }
}
