import CShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why output could not be written.
public struct OutputError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// A buffered writer to a file or stdout. A file is written to a temporary name in the
/// same directory and renamed over the target only by `commit()`, so a failed run leaves
/// no half-written file and never clobbers what was there.
public final class OutputSink {
    public let path: String
    let fd: Int32
    let tempPath: String?
    var buffer: [UInt8] = []
    var committed = false
    var failed = false

    /// Opens `path` (`-` is stdout).
    public init(path: String) throws {
        self.path = path
        buffer.reserveCapacity(1 << 20)
        if path == "-" {
            fd = 1
            tempPath = nil
            return
        }
        var dir = "."
        var base = path
        if let slash = path.lastIndex(of: "/") {
            dir = String(path[..<slash])
            if dir.isEmpty { dir = "/" }
            base = String(path[path.index(after: slash)...])
        }
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw OutputError(path: path, "is a directory")
        }
        // A special file (/dev/null, /dev/full, a FIFO) is written in place.
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            fd = try Syscall.open(path, O_WRONLY | O_CLOEXEC, role: .output)
            tempPath = nil
            return
        }
        let (f, t) = try Syscall.mkstemp(
            "\(dir)/.\(base).tmp-XXXXXX", name: path, doing: "cannot create a file in \(dir)", role: .output)
        fchmod(f, 0o644 & ~Self.umaskValue)
        fd = f
        tempPath = t
        directory = dir
        po_guard_temp(t)  // removed if SIGINT or SIGTERM ends the run (SignalGuard)
    }

    /// The target's directory, synced after the rename.
    var directory = "."

    static let umaskValue: mode_t = {
        let m = umask(0o022)
        umask(m)
        return m
    }()

    deinit {
        if !committed, let t = tempPath {
            close(fd)
            unlink(t)
            po_unguard_temp(t)
        } else if fd > 2 && !committed {
            close(fd)
        }
    }

    /// Appends bytes; flushes when the buffer is large. Bytes of 1 MiB or more are written
    /// as they are, after what the buffer holds (not copied into it first).
    public func write(_ bytes: [UInt8]) throws {
        if bytes.count >= 1 << 20 {
            try flush()
            try bytes.withUnsafeBytes { try writeAll($0) }
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func write(_ s: String) throws {
        var s = s
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func write(_ b: ByteView) throws {
        buffer.append(b)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        // Output on the terminal the progress line is drawn on: the line goes first.
        if fd == 1 { ProgressLine.stop() }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ b: UnsafeRawBufferPointer) throws {
        guard b.count > 0 else { return }
        do {
            try Syscall.writeAll(fd, b.baseAddress!, b.count, name: path, role: .output)
        } catch {
            failed = true
            throw error
        }
    }

    /// Flushes, fsyncs and closes the temporary file, renames it over the target, then
    /// fsyncs the directory: after a crash or power loss the target is the old file or the
    /// whole new one. Stdout and a special file (written in place) are only flushed.
    public func commit() throws {
        try flush()
        guard let t = tempPath else {
            committed = true
            return
        }
        do {
            do {
                try Syscall.fsync(fd, name: path, role: .output)
            } catch {
                Glibc.close(fd)
                throw error
            }
            try Syscall.close(fd, name: path, role: .output)
        } catch {
            failed = true
            committed = true  // the descriptor is closed here; deinit must not close it again
            unlink(t)
            po_unguard_temp(t)
            throw error
        }
        committed = true
        do {
            try Syscall.rename(t, path, role: .output)
        } catch {
            unlink(t)
            po_unguard_temp(t)
            throw error
        }
        po_unguard_temp(t)
        let d = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if d >= 0 {
            _ = fsync(d)
            close(d)
        }
    }
}
