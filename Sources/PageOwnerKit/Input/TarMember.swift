// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): reads into caller
// buffers (a byte source).
/// One regular file inside a tar archive, read in place from the archive stream and
/// limited to the member's size. Valid until the reader moves to the next member.
public final class TarMember: ByteSource {
    /// `<archive>:<member path>`.
    public let name: String
    /// The member's path inside the archive.
    public let path: String
    /// The member's size in bytes.
    public let size: Int
    /// Bytes of the member not yet read.
    public internal(set) var remaining: Int
    unowned let reader: TarReader

    init(reader: TarReader, path: String, size: Int) {
        self.reader = reader
        self.path = path
        self.size = size
        remaining = size
        name = reader.archiveName + ":" + path
    }

    public var sizeLimit: Int? { remaining }

    /// Reads at most the member's remaining bytes.
    /// - Throws: `InputError(.archive)` when the archive ends inside the member.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if remaining == 0 || buffer.count == 0 { return 0 }
        let want = min(buffer.count, remaining)
        let n = try reader.source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]))
        if n == 0 {
            throw reader.cutShort(path, missing: remaining)
        }
        remaining -= n
        return n
    }
}
