// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the system calls
// themselves.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call that failed: its errno, which call, and the file the message names.
///
/// Its description is `path: [doing: ]strerror(errno)`, e.g.
/// `out/report.txt: cannot create a file in out: Permission denied`.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Whose file failed; the command line maps it to an exit status: an input that cannot
    /// be opened or read and an output that cannot be written are exit status 1, a
    /// temporary file (unpacking a compressed vmcore into `$TMPDIR`) is an I/O error, 2.
    public enum Role: Sendable, Equatable {
        case input, output, temporary
    }

    public var errno: Int32
    public var syscall: Syscall
    /// The file the message names (an input or output path; not always the one the call took).
    public var path: String
    /// What was being done, when the path alone does not say it (`cannot map`).
    public var doing: String?
    public var role: Role

    public init(_ syscall: Syscall, errno: Int32, path: String, doing: String? = nil, role: Role) {
        self.syscall = syscall
        self.errno = errno
        self.path = path
        self.doing = doing
        self.role = role
    }

    /// `strerror(errno)`: "No such file or directory".
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        if let doing { return "\(path): \(doing): \(reason)" }
        return "\(path): \(reason)"
    }
}

/// The system calls this tool makes on files, each retried on EINTR where that applies and
/// turned into a `SystemError` (with the errno of the failing call) when it fails.
public enum Syscall: String, Sendable {
    case open, read, write, pwrite, fsync, close, rename, mkstemp, mmap, ftruncate

    /// `open(2)`; `path` is opened, `name` (default `path`) is named in the error.
    static func open(
        _ path: String, _ flags: Int32, mode: mode_t = 0, name: String? = nil, doing: String? = nil,
        role: SystemError.Role
    ) throws -> Int32 {
        let fd = Glibc.open(path, flags, mode)
        guard fd >= 0 else { throw SystemError(.open, errno: errno, path: name ?? path, doing: doing, role: role) }
        return fd
    }

    /// One `read(2)`, retried on EINTR; 0 at the end.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, name: String, role: SystemError.Role) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemError(.read, errno: errno, path: name, role: role)
        }
    }

    /// `write(2)` until all `count` bytes are written.
    static func writeAll(
        _ fd: Int32, _ p: UnsafeRawPointer, _ count: Int, name: String, doing: String? = nil, role: SystemError.Role
    ) throws {
        var done = 0
        while done < count {
            let w = Glibc.write(fd, p + done, count - done)
            if w < 0 && errno == EINTR { continue }
            guard w > 0 else { throw SystemError(.write, errno: errno, path: name, doing: doing, role: role) }
            done += w
        }
    }

    /// `pwrite(2)` until all `count` bytes are written at `offset`.
    static func pwriteAll(
        _ fd: Int32, _ p: UnsafeRawPointer, _ count: Int, at offset: Int, name: String, doing: String? = nil,
        role: SystemError.Role
    ) throws {
        var done = 0
        while done < count {
            let w = Glibc.pwrite(fd, p + done, count - done, off_t(offset + done))
            if w < 0 && errno == EINTR { continue }
            guard w > 0 else { throw SystemError(.pwrite, errno: errno, path: name, doing: doing, role: role) }
            done += w
        }
    }

    /// `ftruncate(2)`.
    static func ftruncate(_ fd: Int32, _ size: Int, name: String, doing: String? = nil, role: SystemError.Role) throws {
        guard Glibc.ftruncate(fd, off_t(size)) == 0 else {
            throw SystemError(.ftruncate, errno: errno, path: name, doing: doing, role: role)
        }
    }

    /// `mkstemp(3)` on `template` (ending in `XXXXXX`): the open descriptor and the file's name.
    static func mkstemp(_ template: String, name: String, doing: String? = nil, role: SystemError.Role) throws -> (
        fd: Int32, path: String
    ) {
        var t = Array(template.utf8CString)
        let fd = t.withUnsafeMutableBufferPointer { Glibc.mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SystemError(.mkstemp, errno: errno, path: name, doing: doing, role: role) }
        return (fd, t.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// `mmap(2)` of `size` bytes; `fd` -1 with `MAP_ANONYMOUS`.
    static func mmap(
        _ size: Int, _ prot: Int32, _ flags: Int32, _ fd: Int32, name: String, doing: String? = "cannot map",
        role: SystemError.Role
    ) throws -> UnsafeMutableRawPointer {
        guard let m = Glibc.mmap(nil, size, prot, flags, fd, 0), m != MAP_FAILED else {
            throw SystemError(.mmap, errno: errno, path: name, doing: doing, role: role)
        }
        return m
    }

    /// `fsync(2)`.
    static func fsync(_ fd: Int32, name: String, role: SystemError.Role) throws {
        guard Glibc.fsync(fd) == 0 else { throw SystemError(.fsync, errno: errno, path: name, role: role) }
    }

    /// `close(2)` (whose failure can report a delayed write error).
    static func close(_ fd: Int32, name: String, role: SystemError.Role) throws {
        guard Glibc.close(fd) == 0 else { throw SystemError(.close, errno: errno, path: name, role: role) }
    }

    /// `rename(2)` of `from` over `to`; the error names `to`.
    static func rename(_ from: String, _ to: String, role: SystemError.Role) throws {
        guard Glibc.rename(from, to) == 0 else { throw SystemError(.rename, errno: errno, path: to, role: role) }
    }
}

/// Text on standard error without C's `stderr`, a global variable that the Swift 6 language
/// mode does not let code read (it could be reassigned on another thread): each call is
/// written straight to file descriptor 2, as C's unbuffered `stderr` writes it, so the bytes
/// and their order next to other stderr writes are the same.
public enum StandardError {
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { b in
            var done = 0
            while done < b.count {
                let w = Glibc.write(2, b.baseAddress! + done, b.count - done)
                if w < 0 && errno == EINTR { continue }
                // Like fputs: a message that cannot be written is dropped.
                guard w > 0 else { return }
                done += w
            }
        }
    }
}
