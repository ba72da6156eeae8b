import CShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only. A compressed file (zstd or gzip, found by content) is
/// first unpacked to a temporary file that is unlinked as soon as it is created, so no copy
/// is left behind whatever ends the run: vmcores and vmlinux images need random access.
/// The mapping is registered with `SignalGuard`, so a file truncated while it is read ends
/// the run with "input changed while reading", not a bus error.
public final class MappedFile {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        var head = [UInt8](repeating: 0, count: 4)
        let probe = try FileSource(path: path)
        _ = try head.withUnsafeMutableBytes { try probe.read(into: $0) }
        var fd: Int32
        if Inputs.isZstd(head) || Inputs.isGzip(head) {
            fd = try MappedFile.temporaryFile(for: path)
            do {
                try Inputs.withDecoded(path: path) { src in
                    var buf = [UInt8](repeating: 0, count: 4 << 20)
                    var size = 0
                    while true {
                        let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                        if n == 0 { break }
                        try buf.withUnsafeBytes { try MappedFile.writeSparse(fd, $0.baseAddress!, n, at: size, unpacking: path) }
                        size += n
                    }
                    // The pages of zeros at the end are a hole too.
                    try Syscall.ftruncate(fd, size, name: path, doing: Self.unpacking, role: .temporary)
                }
            } catch {
                close(fd)
                throw error
            }
        } else {
            fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC, role: .input)
        }
        defer { close(fd) }
        bytes = try MappedFile.map(fd, name: path)
    }

    /// Maps two files at once, the second on another thread: unpacking a compressed vmcore
    /// and its vmlinux takes two cores instead of one after the other. The first's error wins.
    public static func pair(_ first: String, _ second: String) throws -> (MappedFile, MappedFile) {
        final class Box: @unchecked Sendable {
            var result: Result<MappedFile, any Error>?
        }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try MappedFile(path: second) }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        let a = Result { try MappedFile(path: first) }
        done.wait()
        return (try a.get(), try box.result!.get())
    }

    /// Maps the file open at `fd` (the caller closes it); `name` is used in messages.
    public init(fd: Int32, name: String) throws {
        path = name
        bytes = try MappedFile.map(fd, name: name)
    }

    /// A private anonymous mapping holding a copy of `bytes` (tests and fuzzers: no file).
    public init(copying bytes: UnsafeRawBufferPointer, name: String) throws {
        path = name
        let size = max(1, bytes.count)
        let m = try Syscall.mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, name: name, role: .input)
        if bytes.count > 0 { m.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        self.bytes = UnsafeRawBufferPointer(start: m, count: bytes.count)
    }

    static func map(_ fd: Int32, name: String) throws -> UnsafeRawBufferPointer {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { throw InputError(.unreadable, input: name, "empty or unreadable") }
        guard let size = Int(exactly: st.st_size) else { throw InputError(.unreadable, input: name, "too large to map") }
        let m = try Syscall.mmap(size, PROT_READ, MAP_PRIVATE, fd, name: name, role: .input)
        po_guard_mapping(m, size, name)
        return UnsafeRawBufferPointer(start: m, count: size)
    }

    /// A page of zeros, to compare with.
    static let zeroPage = [UInt8](repeating: 0, count: 4096)

    /// Writes `n` bytes at file offset `at`, leaving out the whole pages of zeros: they stay
    /// holes that read as zeros (a memory dump is mostly free pages), so unpacking writes
    /// only what the dump holds.
    static func writeSparse(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, at: Int, unpacking path: String) throws {
        var i = 0
        var run = -1  // start of the pending run of bytes to write
        while i < n {
            let pageEnd = min(n, (at + i) / 4096 * 4096 + 4096 - at)
            let zero = pageEnd - i == 4096 && zeroPage.withUnsafeBytes { memcmp(p + i, $0.baseAddress!, 4096) == 0 }
            if zero {
                if run >= 0 { try pwriteAll(fd, p + run, i - run, at: at + run, unpacking: path) }
                run = -1
            } else if run < 0 {
                run = i
            }
            i = pageEnd
        }
        if run >= 0 { try pwriteAll(fd, p + run, n - run, at: at + run, unpacking: path) }
    }

    static func pwriteAll(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, at: Int, unpacking path: String) throws {
        try Syscall.pwriteAll(fd, p, n, at: at, name: path, doing: unpacking, role: .temporary)
    }

    /// What a failed write to the temporary file was doing, in its message.
    static let unpacking = "cannot unpack it into a temporary file"

    /// A new temporary file in `$TMPDIR`, open for reading and writing and already unlinked:
    /// it goes away with its last descriptor or mapping, however the process ends.
    public static func temporaryFile(for path: String) throws -> Int32 {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let (fd, name) = try Syscall.mkstemp(
            "\(dir)/page-owner-sort-XXXXXX", name: path, doing: "cannot create a temporary file in \(dir) to unpack it",
            role: .temporary)
        unlink(name)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    deinit {
        po_unguard_mapping(bytes.baseAddress)
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), max(1, bytes.count))
    }
}
