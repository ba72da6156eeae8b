// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): syscall-facing reads
// into caller buffers and the mapped file.
import CShims

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
    /// The whole remaining input as one mapped region, when the source is a large regular
    /// file nothing has been read from yet; `nil` otherwise. Parsing a mapping needs no
    /// copies and lets parallel workers fault pages in on their own cores.
    func mapped() -> UnsafeRawBufferPointer?
    /// At most how many bytes remain, when the source knows (an uncompressed tar member);
    /// nil otherwise. A small input is parsed on one thread, without helpers to set up.
    var sizeLimit: Int? { get }
}

extension ByteSource {
    public func mapped() -> UnsafeRawBufferPointer? { nil }
    public var sizeLimit: Int? { nil }
}

/// A file descriptor read with `read(2)` until it returns 0, so that debugfs files whose
/// reported size is 0, pipes and stdin are read to their real end.
///
/// No `read(2)` ever asks for fewer than `minimumRead` bytes: the kernel's page_owner read
/// handler formats one whole record per call into min(count, PAGE_SIZE) bytes and fails with
/// ENOMEM when the record does not fit, so a 4-byte sniff or the short tail of a buffer
/// would fail on the live file. A smaller request is served from a staging buffer of
/// `minimumRead` bytes, filled by one large read.
public final class FileSource: ByteSource {
    public let name: String
    let fd: Int32
    let owned: Bool

    /// The smallest count passed to `read(2)` (well above any page size).
    public static let minimumRead = 64 << 10

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
        fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC, role: .input)
        owned = true
    }

    /// Wraps an already open descriptor (not closed on deinit).
    public init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
        owned = false
    }

    var mapping: UnsafeMutableRawPointer?
    var mappingSize = 0
    var consumed = false
    /// Files smaller than this are read, not mapped (`InputOptions.mapThreshold`).
    public var mapThreshold = InputOptions.defaultMapThreshold
    /// Bytes read ahead for a small request, `[stagedStart, stagedEnd)` not yet handed out.
    var staging: UnsafeMutableRawBufferPointer?
    var stagedStart = 0
    var stagedEnd = 0
    /// Every count passed to `read(2)`, when `traceReads` is set (tests).
    public var traceReads = false
    public private(set) var readCounts: [Int] = []
    /// Bytes `read(2)` returned so far (progress).
    public private(set) var bytesRead = 0

    deinit {
        if let m = mapping {
            po_unguard_mapping(m)
            munmap(m, mappingSize)
        }
        staging?.deallocate()
        if owned { close(fd) }
    }

    public func mapped() -> UnsafeRawBufferPointer? {
        if let m = mapping { return UnsafeRawBufferPointer(start: m, count: mappingSize) }
        guard owned, !consumed else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size >= mapThreshold else { return nil }
        let size = Int(st.st_size)
        guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else { return nil }
        // MADV_WILLNEED reads ahead when the file is not cached; no MADV_SEQUENTIAL, which
        // would drop the page cache behind us.
        _ = madvise(m, size, MADV_WILLNEED)
        po_guard_mapping(m, size, name)  // a file cut while it is read: SignalGuard's message, exit 2
        mapping = m
        mappingSize = size
        return UnsafeRawBufferPointer(start: m, count: size)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 { return 0 }
        if stagedStart == stagedEnd {
            if buffer.count >= Self.minimumRead { return try readFD(buffer) }
            let s = staging ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.minimumRead, alignment: 64)
            staging = s
            stagedStart = 0
            stagedEnd = try readFD(s)
            if stagedEnd == 0 { return 0 }
        }
        let n = min(buffer.count, stagedEnd - stagedStart)
        buffer.baseAddress!.copyMemory(from: staging!.baseAddress! + stagedStart, byteCount: n)
        stagedStart += n
        return n
    }

    /// One `read(2)` into `buffer` (at least `minimumRead` bytes), retried on EINTR.
    func readFD(_ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if traceReads { readCounts.append(buffer.count) }
        let n = try Syscall.read(fd, into: buffer, name: name, role: .input)
        if n > 0 {
            consumed = true
            bytesRead += n
            ProgressLine.count(bytes: n)
        }
        return n
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
