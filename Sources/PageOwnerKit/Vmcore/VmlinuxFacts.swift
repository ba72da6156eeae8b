// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the cached facts file
// read in place.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Everything a vmcore's page_owner walk takes from its vmlinux: the answers to the debug-info
/// questions it asks (member offsets and bit fields, struct sizes, enumerators, whether a
/// variable is an array), the addresses of the symbols it names, and the kernel's symbol
/// table as `%pS` uses it.
///
/// Made from the vmlinux (`recording`), the facts answer from its DWARF and symbol table and
/// remember every answer, so that they can be written to a `VmlinuxCache` and, made from that
/// file (`cached`), answer a later run without reading the vmlinux at all. A question a cached
/// file has no answer for throws `Gap` (the caller reads the vmlinux instead): answers are
/// never guessed.
public final class VmlinuxFacts {
    /// One answer, as the vmlinux gave it.
    enum Answer: Equatable {
        case absent  // a symbol or an enumerator the vmlinux lacks
        case value(Int64)
        case member(offset: Int64, bitOffset: Int64?, bitSize: Int64?)
        case failure(missing: Bool, String)  // a debug-info VmcoreError, thrown again as it was
    }

    /// A question the cached facts cannot answer (made by a different build of this tool?).
    struct Gap: Error {}

    /// The member facts used by the page_owner walk.
    struct Member {
        var offset: Int
        var bitOffset: Int?
        var bitSize: Int?
    }

    /// The vmlinux's path, for messages.
    public let path: String
    /// The vmlinux's NT_GNU_BUILD_ID, when it has one.
    public internal(set) var buildID: [UInt8]?
    private(set) var answers: [String: Answer] = [:]
    /// The kernel's own symbols, in kallsyms order (see `KernelSymbols`).
    private(set) var kernelSymbols: [(UInt64, String)] = []

    // Recording only.
    private var elf: ELFFile?
    private var dwarf: DWARF?
    private var addr: [String: UInt64] = [:]
    private var rawSymbols: [ELFFile.Symbol] = []
    /// False when an answer could not be recorded faithfully (an error other than a debug-info VmcoreError).
    private(set) var cacheable = true

    /// Facts read from the vmlinux `image` (mapped), answered from its symbol table and debug info.
    init(recording image: MappedFile) throws {
        path = image.path
        let elf = try ELFFile(image.bytes)
        self.elf = elf
        rawSymbols = elf.symbols()
        for s in rawSymbols where !s.name.isEmpty && addr[s.name] == nil { addr[s.name] = s.value }
        buildID = VmlinuxCache.buildID(elf)
    }

    /// Facts read back from a cache file.
    init(path: String, buildID: [UInt8], answers: [String: Answer], kernelSymbols: [(UInt64, String)]) {
        self.path = path
        self.buildID = buildID
        self.answers = answers
        self.kernelSymbols = kernelSymbols
    }

    var isRecording: Bool { elf != nil }

    /// Reads the debug info (recording only): where the walk used to index it.
    func prepareDebugInfo(types: Set<String>, variables: Set<String>, enumerators: Set<String>) throws {
        guard let elf, dwarf == nil else { return }
        var d = try DWARF(elf)
        try d.index(types: types, variables: variables, enumerators: enumerators)
        dwarf = d
    }

    private func answer(_ key: String, _ compute: (inout DWARF) throws -> Answer) throws -> Answer {
        if let a = answers[key] { return a }
        guard var d = dwarf else { throw Gap() }
        let a: Answer
        do {
            a = try compute(&d)
        } catch VmcoreError.missingDebugInfo(let s) {
            a = .failure(missing: true, s)
        } catch VmcoreError.malformedDebugInfo(let s) {
            a = .failure(missing: false, s)
        } catch {
            cacheable = false
            throw error
        }
        answers[key] = a
        return a
    }

    private static func rethrow(_ a: Answer) throws {
        if case .failure(let missing, let s) = a { throw missing ? VmcoreError.missingDebugInfo(s) : VmcoreError.malformedDebugInfo(s) }
    }

    /// `DWARF.member`.
    func member(_ type: String, _ path: String) throws -> Member {
        let a = try answer("m\u{1}\(type)\u{1}\(path)") { d in
            let m = try d.member(type, path)
            return .member(offset: Int64(m.offset), bitOffset: m.bitOffset.map { Int64($0) }, bitSize: m.bitSize.map { Int64($0) })
        }
        try Self.rethrow(a)
        guard case .member(let o, let bo, let bs) = a, let oi = Int(exactly: o) else { throw Gap() }
        return Member(
            offset: oi,
            bitOffset: try bo.map {
                guard let v = Int(exactly: $0) else { throw Gap() }
                return v
            },
            bitSize: try bs.map {
                guard let v = Int(exactly: $0) else { throw Gap() }
                return v
            })
    }

    /// `DWARF.size(of:)`.
    func size(of type: String) throws -> Int {
        let a = try answer("z\u{1}\(type)") { d in .value(Int64(try d.size(of: type))) }
        try Self.rethrow(a)
        guard case .value(let v) = a, let i = Int(exactly: v) else { throw Gap() }
        return i
    }

    /// `DWARF.enumerators[name]`.
    func enumerator(_ name: String) throws -> Int64? {
        let a = try answer("e\u{1}\(name)") { d in d.enumerators[name].map { .value($0) } ?? .absent }
        switch a {
        case .absent: return nil
        case .value(let v): return v
        default: throw Gap()
        }
    }

    /// Whether the debug info has the struct `name`.
    func hasType(_ name: String) throws -> Bool {
        let a = try answer("t\u{1}\(name)") { d in .value(d.types[name] == nil ? 0 : 1) }
        guard case .value(let v) = a else { throw Gap() }
        return v != 0
    }

    /// Whether the variable `name` is an array (`DWARF.isArray(variableType(name))`).
    func variableIsArray(_ name: String) throws -> Bool {
        let a = try answer("a\u{1}\(name)") { d in .value(d.isArray(try d.variableType(name)) ? 1 : 0) }
        try Self.rethrow(a)
        guard case .value(let v) = a else { throw Gap() }
        return v != 0
    }

    /// The address of the symbol `name` (the first with that name in the symbol table).
    func symbol(_ name: String) throws -> UInt64? {
        let key = "s\u{1}\(name)"
        if let a = answers[key] {
            switch a {
            case .absent: return nil
            case .value(let v): return UInt64(bitPattern: v)
            default: throw Gap()
            }
        }
        guard isRecording else { throw Gap() }
        let v = addr[name]
        answers[key] = v.map { .value(Int64(bitPattern: $0)) } ?? .absent
        return v
    }

    /// Every symbol the walk may name, so that a cached file answers whatever a dump asks.
    static let symbolNames = [
        "linux_banner", "init_top_pgt", "page_offset_base", "page_ext_size", "page_owner_ops", "stack_pools",
        "gfpflag_names", "pageflag_names", "migratetype_names", "migrate_reason_names", "vmemmap_populate",
        "vmemmap_populate_hugepages", "vmemmap_base", "modules",
    ]

    /// The kernel's symbols for `%pS` (sorted in kallsyms order once, recording or not).
    func kernelSymbolTable() -> KernelSymbols {
        if isRecording && kernelSymbols.isEmpty {
            let s = KernelSymbols(symbols: rawSymbols)
            kernelSymbols = s.entries.map { ($0.address, $0.name) }
            return s
        }
        return KernelSymbols(entries: kernelSymbols)
    }

    /// After a walk's setup succeeded on a recording: asks what a dump with other VMCOREINFO
    /// could ask too, so that the cached facts answer any dump of this kernel.
    func completeForCache() {
        guard isRecording else { return }
        // Nothing is lost by ignoring these errors: a recording files every answer, a failed
        // lookup as `.failure`, which a dump that asks for it gets again from the cache.
        for n in Self.symbolNames { _ = try? symbol(n) }
        _ = try? size(of: "page")
        if kernelSymbols.isEmpty { _ = kernelSymbolTable() }
    }

    // MARK: the cache file

    static let magic = Array("POSVMLNX".utf8)
    /// Bumped whenever what is recorded, or how the debug info is read, changes.
    static let formatVersion: UInt32 = 1

    /// The cache file's bytes.
    func serialized() -> [UInt8] {
        var p: [UInt8] = []
        p.reserveCapacity(kernelSymbols.count * 40 + answers.count * 64 + 64)
        func u8(_ v: UInt8) { p.append(v) }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { p.append(contentsOf: $0) } }
        func u32(_ v: UInt64) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { p.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { p.append(contentsOf: $0) } }
        func str(_ s: String) {
            var s = s
            s.withUTF8 { b in
                let n = min(b.count, 0xffff)
                u16(n)
                p.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<n]))
            }
        }
        u32(UInt64(answers.count))
        for (k, a) in answers.sorted(by: { $0.key < $1.key }) {
            str(k)
            switch a {
            case .absent: u8(0)
            case .value(let v):
                u8(1)
                u64(UInt64(bitPattern: v))
            case .member(let o, let bo, let bs):
                u8(2)
                u64(UInt64(bitPattern: o))
                u8((bo == nil ? 0 : 1) | (bs == nil ? 0 : 2))
                u64(UInt64(bitPattern: bo ?? 0))
                u64(UInt64(bitPattern: bs ?? 0))
            case .failure(let missing, let s):
                u8(3)
                u8(missing ? 1 : 0)
                str(s)
            }
        }
        u32(UInt64(kernelSymbols.count))
        for (a, n) in kernelSymbols {
            u64(a)
            str(n)
        }
        var out = Self.magic
        let id = buildID ?? []
        func h32(_ v: UInt64) { for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        func h64(_ v: UInt64) { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        h32(UInt64(Self.formatVersion))
        h32(UInt64(id.count))
        out += id
        h64(UInt64(p.count))
        h64(p.withUnsafeBytes { ByteHash.hash($0, seed: 0x706f_7376_6d6c_6e78) })
        out += p
        return out
    }

    /// Why a cache file was not used.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Facts from a cache file's bytes, checked: its magic, version, build ID (`expected`),
    /// length and checksum, and every count and length inside it against the bytes left.
    static func parse(_ b: UnsafeRawBufferPointer, expected: [UInt8], path: String) throws -> VmlinuxFacts {
        var at = 0
        func need(_ n: Int) throws {
            guard n >= 0, n <= b.count - at else { throw Invalid(description: "it is truncated") }
        }
        func u8() throws -> UInt8 {
            try need(1)
            defer { at += 1 }
            return b[at]
        }
        func le(_ n: Int) throws -> UInt64 {
            try need(n)
            defer { at += n }
            return ELFFile.read(b, at, n)
        }
        func str() throws -> String {
            let n = Int(try le(2))
            try need(n)
            defer { at += n }
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[at..<(at + n)]), as: UTF8.self)
        }
        try need(magic.count)
        guard b.prefix(magic.count).elementsEqual(magic) else { throw Invalid(description: "it is not a page-owner-sort vmlinux cache") }
        at = magic.count
        let version = try le(4)
        guard version == UInt64(formatVersion) else { throw Invalid(description: "it has format version \(version), not \(formatVersion)") }
        let idLength = Int(try le(4))
        guard idLength <= 256 else { throw Invalid(description: "its build ID length (\(idLength)) is implausible") }
        try need(idLength)
        let id = Array(b[at..<(at + idLength)])
        at += idLength
        guard id == expected else { throw Invalid(description: "it is for another build ID") }
        let length = try le(8)
        let sum = try le(8)
        guard length == UInt64(b.count - at) else { throw Invalid(description: "its length does not match (truncated or extended)") }
        guard ByteHash.hash(UnsafeRawBufferPointer(rebasing: b[at...]), seed: 0x706f_7376_6d6c_6e78) == sum else {
            throw Invalid(description: "its checksum does not match")
        }
        var answers: [String: Answer] = [:]
        let count = Int(try le(4))
        guard count <= b.count - at else { throw Invalid(description: "its answer count is implausible") }
        for _ in 0..<count {
            let k = try str()
            let kind = try u8()
            switch kind {
            case 0: answers[k] = .absent
            case 1: answers[k] = .value(Int64(bitPattern: try le(8)))
            case 2:
                let o = Int64(bitPattern: try le(8))
                let flags = try u8()
                let bo = Int64(bitPattern: try le(8))
                let bs = Int64(bitPattern: try le(8))
                answers[k] = .member(offset: o, bitOffset: flags & 1 != 0 ? bo : nil, bitSize: flags & 2 != 0 ? bs : nil)
            case 3:
                let missing = try u8() != 0
                answers[k] = .failure(missing: missing, try str())
            default: throw Invalid(description: "it holds an unknown answer kind \(kind)")
            }
        }
        let symbolCount = Int(try le(4))
        guard symbolCount <= (b.count - at) / 10 else { throw Invalid(description: "its symbol count is implausible") }
        var symbols: [(UInt64, String)] = []
        symbols.reserveCapacity(symbolCount)
        for _ in 0..<symbolCount {
            let a = try le(8)
            // In kallsyms order, so by address: `KernelSymbols` searches them.
            if let last = symbols.last, last.0 > a { throw Invalid(description: "its symbols are out of order") }
            symbols.append((a, try str()))
        }
        guard at == b.count else { throw Invalid(description: "it has bytes after its symbols") }
        return VmlinuxFacts(path: path, buildID: id, answers: answers, kernelSymbols: symbols)
    }
}

/// Facts of vmlinux images by build ID, in files under `directory` (one per build,
/// `vmlinux-BUILDID.facts`): a later run on a dump of the same kernel reads a few hundred
/// KiB instead of the vmlinux and its debug info. Files are written atomically (temporary
/// file, fsync, rename) and checked when read; one that does not check out is ignored (and
/// named by `note`), never trusted. Deleting them is always safe.
public struct VmlinuxCache {
    public var directory: String
    /// Receives a line on what the cache did (`--verbose`).
    public var note: (String) -> Void

    public init(directory: String, note: @escaping (String) -> Void = { _ in }) {
        self.directory = directory
        self.note = note
    }

    /// `$PAGE_OWNER_SORT_CACHE_DIR`, else `$XDG_CACHE_HOME/page-owner-sort`, else
    /// `~/.cache/page-owner-sort`; nil when none can be named.
    public static func defaultDirectory(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let d = env["PAGE_OWNER_SORT_CACHE_DIR"], !d.isEmpty { return d }
        if let x = env["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/page-owner-sort" }
        if let h = env["HOME"], h.hasPrefix("/") { return h + "/.cache/page-owner-sort" }
        return nil
    }

    func file(_ id: [UInt8]) -> String { directory + "/vmlinux-" + VmlinuxCache.hex(id) + ".facts" }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    /// The cached facts of the vmlinux with build ID `id`, or nil (with a note on why).
    func load(_ id: [UInt8], vmlinux: String) -> VmlinuxFacts? {
        let f = file(id)
        let fd = open(f, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            note("vmlinux cache: no entry for build ID \(VmlinuxCache.hex(id)) in \(directory) (reading \(vmlinux))")
            return nil
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0, st.st_size < 1 << 30 else {
            note("vmlinux cache: ignoring \(f): not a regular file of a plausible size")
            return nil
        }
        var buf = [UInt8](repeating: 0, count: Int(st.st_size))
        var got = 0
        while got < buf.count {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            got += n
        }
        guard got == buf.count else {
            note("vmlinux cache: ignoring \(f): it cannot be read")
            return nil
        }
        do {
            let facts = try buf.withUnsafeBytes { try VmlinuxFacts.parse($0, expected: id, path: vmlinux) }
            note("vmlinux cache: using \(f) for \(vmlinux)")
            return facts
        } catch {
            note("vmlinux cache: ignoring \(f): \(error)")
            return nil
        }
    }

    /// `store(facts)` on another thread (after `completeForCache`), so that a first run pays
    /// for it on the second core while it reads the dump; the closure returned waits for it.
    func storeInBackground(_ facts: VmlinuxFacts) -> () -> Void {
        let done = DispatchSemaphore(value: 0)
        // The facts and the cache are the thread's alone until `done`, which the closure
        // returned waits for: the dump's reader asked the facts everything in its setup
        // (`VmcorePageOwner.init`), and the walk reads none of their tables.
        let box = Handoff((facts: facts, cache: self))
        let thread = Thread {
            box.value.facts.completeForCache()
            box.value.cache.store(box.value.facts)
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        var waited = false
        return {
            if !waited {
                waited = true
                done.wait()
            }
        }
    }

    /// Writes `facts` for its build ID: temporary file in the folder, fsync, rename. Failing
    /// (an unwritable folder, a full disk) only costs the next run its speed: a note, no error.
    func store(_ facts: VmlinuxFacts) {
        guard let id = facts.buildID, !id.isEmpty, facts.cacheable else { return }
        let bytes = facts.serialized()
        let f = file(id)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            // The parent (~/.cache) may be missing too. If the folder cannot be made, its
            // error is not lost: mkstemp fails next and its note says why (with errno's text).
            _ = try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var template = Array("\(f).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            note("vmlinux cache: cannot write in \(directory): \(String(cString: strerror(errno)))")
            return
        }
        let tmp = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = true
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                ok = false
                break
            }
            done += n
        }
        let error = ok ? nil : String(cString: strerror(errno))
        if ok && fsync(fd) != 0 { ok = false }
        _ = fchmod(fd, 0o644)
        close(fd)
        guard ok, rename(tmp, f) == 0 else {
            note("vmlinux cache: cannot write \(f): \(error ?? String(cString: strerror(errno)))")
            unlink(tmp)
            return
        }
        note("vmlinux cache: wrote \(f) (\(bytes.count) bytes)")
    }

    /// NT_GNU_BUILD_ID of a mapped ELF file (its PT_NOTE segments, else its note sections).
    static func buildID(_ elf: ELFFile) -> [UInt8]? {
        var areas: [(Int, Int)] = elf.segments.filter { $0.type == 4 }.map { ($0.offset, $0.filesz) }
        if areas.isEmpty { areas = elf.sections.filter { $0.type == 7 }.map { ($0.offset, $0.size) } }
        for (o, n) in areas {
            guard o >= 0, n >= 0, o <= elf.bytes.count, n <= elf.bytes.count - o else { continue }
            if let id = noteBuildID(UnsafeRawBufferPointer(rebasing: elf.bytes[o..<(o + n)])) { return id }
        }
        return nil
    }

    /// NT_GNU_BUILD_ID in a run of ELF notes.
    static func noteBuildID(_ b: UnsafeRawBufferPointer) -> [UInt8]? {
        var p = 0
        while p + 12 <= b.count {
            let namesz = Int(ELFFile.read(b, p, 4))
            let descsz = Int(ELFFile.read(b, p + 4, 4))
            let type = ELFFile.read(b, p + 8, 4)
            let name = p + 12
            let (nameEnd, o1) = name.addingReportingOverflow((namesz + 3) / 4 * 4)
            let (descEnd, o2) = nameEnd.addingReportingOverflow((descsz + 3) / 4 * 4)
            guard !o1, !o2, descEnd <= b.count, nameEnd + descsz <= b.count else { return nil }
            if type == 3, namesz == 4, b[name] == 0x47, b[name + 1] == 0x4e, b[name + 2] == 0x55, b[name + 3] == 0, descsz > 0,
                descsz <= 64
            {
                return Array(b[nameEnd..<(nameEnd + descsz)])
            }
            p = descEnd
        }
        return nil
    }

    /// NT_GNU_BUILD_ID of the ELF file at `path` (plain or compressed), reading only up to its
    /// note: the first few MiB of a vmlinux, not the whole of it. Nil when it has none, or
    /// (compressed) when the note lies further than 64 MiB in, or when it cannot be read: then
    /// the caller notes it is not cached and reads the vmlinux itself, which reports the error.
    public static func buildID(path: String) -> [UInt8]? {
        // A plain file: read the header, program headers and notes where they lie.
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        guard magic.withUnsafeMutableBytes({ pread(fd, $0.baseAddress!, 4, 0) }) == 4 else { return nil }
        if magic == [0x7f, 0x45, 0x4c, 0x46] {
            return buildID(reading: { at, n in
                var b = [UInt8](repeating: 0, count: n)
                let got = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, n, off_t(at)) }
                return got == n ? b : nil
            })
        }
        return try? Inputs.withDecoded(path: path) { src -> [UInt8]? in
            var head: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            func fill(_ n: Int) throws -> Bool {
                while head.count < n {
                    let got = try chunk.withUnsafeMutableBytes {
                        try src.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<min($0.count, n - head.count)]))
                    }
                    if got == 0 { return false }
                    head += chunk[0..<got]
                }
                return true
            }
            guard try fill(64), head[0] == 0x7f, head[1] == 0x45, head[2] == 0x4c, head[3] == 0x46, head[4] == 2, head[5] == 1 else {
                return nil
            }
            let r = { (at: Int, n: Int) in head.withUnsafeBytes { ELFFile.read($0, at, n) } }
            guard let phoff = Int(exactly: r(32, 8)), phoff < 1 << 20 else { return nil }
            let phentsize = Int(r(54, 2))
            let phnum = Int(r(56, 2))
            guard phentsize >= 56, phnum > 0, phnum < 256, try fill(phoff + phnum * phentsize) else { return nil }
            var notes: [(Int, Int)] = []
            for i in 0..<phnum {
                let p = phoff + i * phentsize
                guard r(p, 4) == 4, let o = Int(exactly: r(p + 8, 8)), let n = Int(exactly: r(p + 32, 8)), n <= 1 << 16,
                    o <= 64 << 20
                else { continue }
                notes.append((o, n))
            }
            for (o, n) in notes.sorted(by: { $0.0 < $1.0 }) {
                guard try fill(o + n) else { return nil }
                if let id = head.withUnsafeBytes({ noteBuildID(UnsafeRawBufferPointer(rebasing: $0[o..<(o + n)])) }) { return id }
            }
            return nil
        } ?? nil
    }

    /// NT_GNU_BUILD_ID of an ELF file read with `read(offset, count)` (nil past its end).
    static func buildID(reading read: (Int, Int) -> [UInt8]?) -> [UInt8]? {
        guard let h = read(0, 64), h[0] == 0x7f, h[1] == 0x45, h[2] == 0x4c, h[3] == 0x46, h[4] == 2, h[5] == 1 else { return nil }
        let r = { (b: [UInt8], at: Int, n: Int) in b.withUnsafeBytes { ELFFile.read($0, at, n) } }
        guard let phoff = Int(exactly: r(h, 32, 8)), phoff < 1 << 20 else { return nil }
        let phentsize = Int(r(h, 54, 2))
        let phnum = Int(r(h, 56, 2))
        guard phentsize >= 56, phnum > 0, phnum < 256, let ph = read(phoff, phnum * phentsize) else { return nil }
        for i in 0..<phnum {
            let p = i * phentsize
            guard r(ph, p, 4) == 4, let o = Int(exactly: r(ph, p + 8, 8)), let n = Int(exactly: r(ph, p + 32, 8)), n <= 1 << 16,
                o <= 1 << 40, let notes = read(o, n)
            else { continue }
            if let id = notes.withUnsafeBytes({ noteBuildID($0) }) { return id }
        }
        return nil
    }
}
