#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream of bytes: a file, stdin, a decompressor or a tar member. Every parser reads
/// through this one interface, so every format is read from every container.
public protocol ByteSource: AnyObject {
    /// The name used in messages (a path, `-`, or `archive.tar:member`).
    var name: String { get }
    /// Fills up to `buffer.count` bytes and returns how many; 0 means the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A file descriptor read with `read(2)` until it returns 0, so that debugfs files whose
/// reported size is 0, pipes and stdin are read to their real end.
public final class FileSource: ByteSource {
    public let name: String
    let fd: Int32
    let owned: Bool

    /// Opens `path` for reading; `-` is standard input.
    public init(path: String) throws {
        if path == "-" {
            name = "-"
            fd = 0
            owned = false
            return
        }
        name = path
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw InputError(.unreadable, input: path, "is a directory")
        }
        let f = open(path, O_RDONLY | O_CLOEXEC)
        if f < 0 {
            throw InputError(.unreadable, input: path, String(cString: strerror(errno)))
        }
        fd = f
        owned = true
    }

    /// Wraps an already open descriptor (not closed on deinit).
    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        owned = false
    }

    deinit {
        if owned { close(fd) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw InputError(.unreadable, input: name, String(cString: strerror(errno)))
        }
    }
}

/// Bytes already in memory (tests, tar members held whole, generated input).
public final class MemorySource: ByteSource {
    public let name: String
    let bytes: [UInt8]
    var offset = 0

    public init(_ bytes: [UInt8], name: String = "<memory>") {
        self.bytes = bytes
        self.name = name
    }

    public convenience init(_ text: String, name: String = "<memory>") {
        self.init(Array(text.utf8), name: name)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
            }
            offset += n
        }
        return n
    }
}

/// A source that hands out at most `chunk` bytes per read: used by tests to feed the
/// same input in every chunking.
public final class ChunkedSource: ByteSource {
    let inner: ByteSource
    let chunk: Int
    public var name: String { inner.name }

    public init(_ inner: ByteSource, chunk: Int) {
        self.inner = inner
        self.chunk = max(1, chunk)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(chunk, buffer.count)]))
    }
}
