#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file calls the synthesisers need: read a whole file, open an output,
/// and write a buffer completely (retrying short writes and EINTR).
public enum FileIO {
    /// The whole content of `path`.
    public static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SynthError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SynthError("\(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Opens `path` for writing (created or truncated, mode 0644); `-` is standard output.
    public static func openOutput(_ path: String) throws -> Int32 {
        if path == "-" { return 1 }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SynthError("\(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Writes all of `bytes` to `fd`.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < bytes.count {
            let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw SynthError("write: \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    /// Whether `path` names an existing regular file.
    public static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Writes `text` to standard error (file descriptor 2, as C's unbuffered `stderr` would,
    /// which the Swift 6 language mode does not let code read). A failed write is dropped:
    /// standard error is where failures are told, so there is nowhere left to tell this one.
    public static func printErr(_ text: String) {
        var text = text
        text.withUTF8 { try? writeAll(2, UnsafeRawBufferPointer($0)) }
    }
}
