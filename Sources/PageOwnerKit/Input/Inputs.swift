#if canImport(Glibc)
import Glibc
#endif

/// Opens what the user named and yields every input stream in it: a plain file, a
/// compressed file (decompressed), or each member of a tar archive, in order.
///
/// Containers are recognised by their content, never by the file name: zstd and gzip by
/// their magic bytes, tar by `ustar` at offset 257 of the (decompressed) first block.
public enum Inputs {
    /// Calls `body` once per input stream found at `path` (`-` is stdin).
    /// Tar members that are not dumps are skipped silently.
    /// - Throws: `InputError` (`.unreadable`, `.corrupt`, `.archive`) and whatever `body` throws.
    public static func forEach(path: String, _ body: (ByteSource) throws -> Void) throws {
        try forEach(path: path, skipped: { _ in }, body)
    }

    /// Calls `body` once per input stream found at `path` (`-` is stdin), and `skipped`
    /// with the name (`archive:member`) of every tar member that is empty or does not
    /// start like a dump, in archive order.
    /// - Throws: `InputError` (`.unreadable`, `.corrupt`, `.archive`) and whatever `body` throws.
    ///
    /// A vmcore (read with `options.vmlinux` and `options.modules`) reports its unreadable
    /// pages and records through `options.warn` after `body`; with `options.strict` they end
    /// its stream with an error instead. A regular file of `options.mapThreshold` bytes or
    /// more is mapped.
    public static func forEach(
        path: String, options: InputOptions = InputOptions(), skipped: (String) -> Void, _ body: (ByteSource) throws -> Void
    ) throws {
        let file = try FileSource(path: path)
        file.mapThreshold = options.mapThreshold
        try forEach(file: file, path: path, options: options, skipped: skipped, body)
    }

    /// `forEach(path:options:skipped:_:)` on an already opened file.
    static func forEach(
        file: FileSource, path: String, options: InputOptions = InputOptions(), skipped: (String) -> Void,
        _ body: (ByteSource) throws -> Void
    ) throws {
        let source = try decode(file)
        let head = try source.peek(TarReader.blockSize)
        if let dump = CrashDumpSniffer.kind(head) {
            guard dump != .elfOther, let vmlinux = options.vmlinux else {
                throw CrashDumpSniffer.error(dump, input: path, vmlinuxGiven: options.vmlinux != nil, spelling: options.spelling)
            }
            do {
                let (src, stored) = try openVmcore(path: path, vmlinux: vmlinux, options: options)
                defer { stored() }
                src.strict = options.strict
                src.spelling = options.spelling
                src.workers = options.threads
                try body(src)
                for line in src.reader.layoutWarnings { options.warn(line) }
                for line in src.problems { options.warn(line) }
            } catch let e as VmcoreError {
                if case .walk = e { throw InputError(.format, input: path, e.description) }
                throw InputError(.format, input: vmlinux, e.description)
            }
            return
        }
        guard isTar(head) else {
            try body(source)
            return
        }
        let reader = TarReader(source: source, name: path)
        while let member = try reader.next() {
            if member.size == 0 {
                skipped(member.name)
                continue
            }
            let inner = try decode(member)
            let head = try inner.peek(dumpPeek)
            if !looksLikeDump(head) {
                skipped(member.name)
                continue
            }
            try body(inner)
        }
    }

    /// The vmcore at `path` as page_owner text, with what `vmlinux` says about its kernel: from
    /// `options.vmlinuxCache` when it has the facts of the vmlinux's build ID, else from the vmlinux
    /// (then stored there for the next run).
    /// The closure returned waits until the cache file is written (when one is).
    static func openVmcore(path: String, vmlinux: String, options: InputOptions) throws -> (VmcoreSource, () -> Void) {
        guard let cache = options.vmlinuxCache, let id = VmlinuxCache.buildID(path: vmlinux) else {
            if let c = options.vmlinuxCache { c.note("vmlinux cache: no build ID (NT_GNU_BUILD_ID) could be read from \(vmlinux): not cached") }
            let (core, image) = try MappedFile.pair(path, vmlinux)
            return (try VmcoreSource(name: path, vmcore: core, vmlinux: image, facts: nil, moduleFiles: options.modules), {})
        }
        if let facts = cache.load(id, vmlinux: vmlinux) {
            let core = try MappedFile(path: path)
            do {
                return (try VmcoreSource(name: path, vmcore: core, vmlinux: nil, facts: facts, moduleFiles: options.modules), {})
            } catch is VmlinuxFacts.Gap {
                cache.note("vmlinux cache: the cached facts do not answer everything this dump asks; reading \(vmlinux)")
            }
        }
        let (core, image) = try MappedFile.pair(path, vmlinux)
        let src = try VmcoreSource(name: path, vmcore: core, vmlinux: image, facts: nil, moduleFiles: options.modules)
        guard src.facts.buildID == id else { return (src, {}) }
        return (src, cache.storeInBackground(src.facts))
    }

    /// Calls `body` with the file at `path`, decompressed when its first bytes say so, with
    /// no further sniffing (for binary inputs such as vmcores and vmlinux images).
    public static func withDecoded<R>(path: String, _ body: (ByteSource) throws -> R) throws -> R {
        let file = try FileSource(path: path)
        return try body(try decode(file))
    }

    /// When `path` is a crash dump or a kernel object, what it is, and for an ELF core its
    /// VMCOREINFO; nil for anything else.
    public static func crashDump(path: String) throws -> (CrashDumpSniffer.Kind, VmcoreInfo?)? {
        let file = try FileSource(path: path)
        let source = try decode(file)
        guard let kind = CrashDumpSniffer.kind(try source.peek(64)) else { return nil }
        return (kind, kind == .elfCore ? VmcoreInfo.parse(try source.peek(1 << 20)) : nil)
    }

    /// Bytes looked at to decide whether a tar member is a dump.
    static let dumpPeek = 32

    /// Wraps `source` in a decompressor when its first bytes are a zstd or gzip magic
    /// number. It decompresses on the thread that reads it: the parser's reading thread,
    /// which parses chunks itself whenever it is ahead of the other workers (see
    /// `Ingest.runPipelined`), so a separate decoder thread would only add a copy.
    static func decode(_ source: ByteSource) throws -> PeekSource {
        let peek = PeekSource(source)
        let head = try peek.peek(4)
        let decoder: ByteSource
        if isZstd(head) {
            decoder = try ZstdSource(peek)
        } else if isGzip(head) {
            decoder = try GzipSource(peek)
        } else {
            return peek
        }
        return PeekSource(decoder)
    }

    /// A zstd frame (`28 B5 2F FD`) or a zstd skippable frame (`5? 2A 4D 18`).
    static func isZstd(_ h: [UInt8]) -> Bool {
        guard h.count >= 4 else { return false }
        if h[0] == 0x28 && h[1] == 0xB5 && h[2] == 0x2F && h[3] == 0xFD { return true }
        return h[0] & 0xF0 == 0x50 && h[1] == 0x2A && h[2] == 0x4D && h[3] == 0x18
    }

    /// A gzip member (`1F 8B`).
    static func isGzip(_ h: [UInt8]) -> Bool {
        h.count >= 2 && h[0] == 0x1F && h[1] == 0x8B
    }

    /// `ustar` at offset 257 of the first 512-byte block (POSIX and GNU tar).
    static func isTar(_ h: [UInt8]) -> Bool {
        guard h.count >= TarReader.blockSize else { return false }
        return h[257] == UInt8(ascii: "u") && h[258] == UInt8(ascii: "s") && h[259] == UInt8(ascii: "t")
            && h[260] == UInt8(ascii: "a") && h[261] == UInt8(ascii: "r")
    }

    /// Whether the first bytes of a stream look like a page_owner dump of any kind: a
    /// record header, a stack line (space-indented or `[<`-style), or a `handle: ` line.
    static func looksLikeDump(_ h: [UInt8]) -> Bool {
        func starts(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard h.count >= n else { return false }
            for i in 0..<n where h[i] != s.utf8Start[i] { return false }
            return true
        }
        return starts("Page allocated via") || starts(" ") || starts("[<") || starts("handle: ")
    }
}
