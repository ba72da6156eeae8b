#if canImport(Glibc)
import Glibc
#endif

/// Tells, from its first bytes alone, whether an existing file is a dump this tool reads, so
/// that a slip on the command line (`page-owner-sort s1 s2`) cannot write a report over it.
///
/// It detects what the readers detect: page_owner text of any era, swap_page_owner,
/// show_stacks, show_handles, show_stacks_handles (by the record parser, on the first
/// record), zstd or gzip compressed, a tar archive of them (by its first non-empty member),
/// and crash dumps (ELF cores, makedumpfile kdump files).
public enum DumpSniffer {
    /// Decompressed bytes looked at.
    static let window = 64 << 10

    /// What the regular file at `path` is when it is such a dump (e.g. "a page_owner dump",
    /// "a zstd-compressed show_stacks dump"); nil for anything else, for a file that cannot be
    /// read, and for anything but a non-empty regular file (a FIFO or device is never read).
    public static func describe(path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 else { return nil }
        do {
            let raw = PeekSource(try FileSource(path: path))
            let magic = try raw.peek(4)
            let packing = Inputs.isZstd(magic) ? "zstd-compressed " : Inputs.isGzip(magic) ? "gzip-compressed " : ""
            let source = try Inputs.decode(raw)
            let head = try source.peek(window)
            if let kind = CrashDumpSniffer.kind(head) {
                return kind == .elfOther ? nil : kind.rawValue
            }
            guard Inputs.isTar(head) else { return format(head).map { "a \(packing)\($0.rawValue) dump" } }
            let reader = TarReader(source: source, name: path)
            while let member = try reader.next() {
                if member.size == 0 { continue }
                let inner = try Inputs.decode(member)
                guard let f = format(try inner.peek(window)) else { return nil }
                return "a \(packing)tar archive of dumps (\(member.path): \(f.rawValue))"
            }
        } catch {
            return nil
        }
        return nil
    }

    /// The format of the first well-formed record in `head`.
    static func format(_ head: [UInt8]) -> InputFormat? {
        ByteView.with(head) { base -> InputFormat? in
            guard base.count > 0 else { return nil }
            let nl = Bytes.find(10, base, 0, base.count)
            let crlf = nl > 0 && nl < base.count && base[nl - 1] == 13
            return Ingest.firstFormat(base, base.count, crlf: crlf)
        }
    }
}
