#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only. A compressed file (zstd or gzip, found by content) is
/// first unpacked to a temporary file, which is removed when the mapping goes away: vmcores
/// and vmlinux images need random access.
public final class MappedFile {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    var temporary: String?

    public init(path: String) throws {
        self.path = path
        var source = path
        var head = [UInt8](repeating: 0, count: 4)
        let probe = try FileSource(path: path)
        _ = try head.withUnsafeMutableBytes { try probe.read(into: $0) }
        if Inputs.isZstd(head) || Inputs.isGzip(head) {
            let tmp = try MappedFile.temporaryPath()
            let fd = open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { throw InputError(.unreadable, input: tmp, "cannot open a temporary file to unpack \(path)") }
            temporary = tmp
            do {
                try Inputs.withDecoded(path: path) { src in
                    var buf = [UInt8](repeating: 0, count: 4 << 20)
                    while true {
                        let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                        if n == 0 { break }
                        let w = buf.withUnsafeBytes { write(fd, $0.baseAddress!, n) }
                        if w != n {
                            throw InputError(.unreadable, input: path, "cannot unpack into \(tmp): \(String(cString: strerror(errno)))")
                        }
                    }
                }
            } catch {
                close(fd)
                unlink(tmp)
                throw error
            }
            close(fd)
            source = tmp
        }
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(.unreadable, input: path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { throw InputError(.unreadable, input: path, "empty or unreadable") }
        guard let m = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
            throw InputError(.unreadable, input: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: m, count: Int(st.st_size))
    }

    /// A new empty temporary file's path (the caller removes it).
    public static func temporaryPath() throws -> String {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(dir)/page-owner-sort-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw InputError(.unreadable, input: dir, "cannot create a temporary file") }
        close(fd)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        if let t = temporary { unlink(t) }
    }
}
