import Foundation
import PageOwnerSynth
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

#if canImport(Glibc)
import Glibc
#endif

/// Crash dumps come from machines already in trouble: every value read from a dump or a
/// vmlinux may be garbage. Each test here derives a damaged input from the real dumps in
/// ../shared/vmcore by code (a field set to what a corrupt or hostile file holds) and requires
/// a clear error or a counted loss: before these checks, each one trapped, hung or lost
/// records silently. Set `KEEP_DERIVED=<dir>` to keep the derived files (to run other builds on them).
final class VmcoreCorruptionTests: XCTestCase {
    static var flatPath: String { VmcoreTests.dir.appendingPathComponent("vmcore.kdump-zlib.zst").path }

    /// The real kdump-zlib dump, unflattened. `nonisolated(unsafe)` (and `vmlinuxCache`): XCTest
    /// runs a class's tests one after another on one thread, the only one that uses them.
    nonisolated(unsafe) static var kdumpCache: [UInt8]?
    func kdumpBytes() throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: Self.flatPath) else { throw XCTSkip("../shared/vmcore is absent") }
        if let b = Self.kdumpCache { return b }
        let flat = try MappedFile(path: Self.flatPath)
        let fd = try MappedFile.temporaryFile(for: "test")
        defer { close(fd) }
        try KdumpFile.unflatten(flat.bytes, name: Self.flatPath, to: fd, output: "a temporary file")
        let m = try MappedFile(fd: fd, name: "kdump")
        let b = Array(m.bytes)
        Self.kdumpCache = b
        return b
    }

    nonisolated(unsafe) static var vmlinuxCache: MappedFile?
    func vmlinux() throws -> MappedFile {
        guard FileManager.default.fileExists(atPath: VmcoreTests.vmlinux) else { throw XCTSkip("../shared/vmcore is absent") }
        if let v = Self.vmlinuxCache { return v }
        let v = try MappedFile(path: VmcoreTests.vmlinux)
        Self.vmlinuxCache = v
        return v
    }

    /// `bytes` as a mapped file (an unlinked temporary; kept under $KEEP_DERIVED when set).
    func mapped(_ bytes: [UInt8], _ name: String) throws -> MappedFile {
        if let keep = ProcessInfo.processInfo.environment["KEEP_DERIVED"] {
            try Data(bytes).write(to: URL(fileURLWithPath: keep).appendingPathComponent(name))
        }
        let fd = try MappedFile.temporaryFile(for: name)
        defer { close(fd) }
        try bytes.withUnsafeBytes { try Syscall.writeAll(fd, $0.baseAddress!, $0.count, name: name, role: .temporary) }
        return try MappedFile(fd: fd, name: name)
    }

    static func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64, _ n: Int) {
        for i in 0..<n { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }
    static func get(_ b: [UInt8], _ at: Int, _ n: Int) -> UInt64 {
        (0..<n).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
    }

    /// Every record of `k`, and the reader (its `lost` counts).
    func records(_ k: KdumpFile) throws -> (count: Int, reader: VmcorePageOwner) {
        try records(try VmcorePageOwner(memory: VmcoreMemory(kdump: k), vmlinux: try vmlinux()))
    }

    func records(_ r: VmcorePageOwner) throws -> (count: Int, reader: VmcorePageOwner) {
        var out: [UInt8] = []
        var n = 0
        for (lo, hi) in r.pfnRanges {
            var pfn = lo
            while pfn < hi {
                let c = out.count
                pfn += r.appendRecord(pfn: pfn, to: &out)
                if out.count != c { n += 1 }
                if out.count > 1 << 24 { out.removeAll(keepingCapacity: true) }
            }
        }
        return (n, r)
    }

    // MARK: headers

    /// ELF header and program header fields of the real ELF vmcore (its first MiB), and
    /// section header fields of the real vmlinux, set out of range.
    func testELFFieldsFromTheFileAreChecked() throws {
        guard FileManager.default.fileExists(atPath: VmcoreTests.vmcore) else { throw XCTSkip("../shared/vmcore is absent") }
        var head = [UInt8](repeating: 0, count: 1 << 20)
        _ = try Inputs.withDecoded(path: VmcoreTests.vmcore) { src in try head.withUnsafeMutableBytes { try src.read(into: $0) } }
        XCTAssertNotNil(VmcoreInfo.parse(head))
        let phoff = Int(Self.get(head, 32, 8))
        let phentsize = Int(Self.get(head, 54, 2))
        let phnum = Int(Self.get(head, 56, 2))
        let note = try XCTUnwrap((0..<phnum).map { phoff + $0 * phentsize }.first { Self.get(head, $0, 4) == 4 })
        let cases: [(String, Int, UInt64, Int)] = [
            ("e_phoff", 32, 0xffff_ffff_ffff_fff0, 8), ("e_phoff", 32, 1 << 63, 8), ("e_phnum", 56, 0xffff, 2),
            ("p_offset", phoff + 8, 1 << 63, 8), ("p_filesz", phoff + 32, 0xffff_ffff_ffff_ffff, 8),
            ("PT_NOTE offset", note + 8, (1 << 63) - 16, 8), ("PT_NOTE size", note + 32, (1 << 63) - 1, 8),
        ]
        for (what, at, value, n) in cases {
            var b = head
            Self.put(&b, at, value, n)
            _ = VmcoreInfo.parse(b)  // nil or a partial answer, never a trap
            try b.withUnsafeBytes { raw in
                if what.hasPrefix("PT_NOTE") { return }
                XCTAssertThrowsError(try ELFFile(raw), what) { XCTAssertTrue("\($0)".contains("out of the file") || "\($0)".contains("past any file"), "\($0)") }
            }
        }
        // An ELF error in the dump names the dump, not the vmlinux.
        var b = head
        Self.put(&b, 32, 1 << 63, 8)
        XCTAssertThrowsError(try VmcoreMemory(try mapped(b, "bad-phoff.core"))) { e in
            XCTAssertEqual((e as? InputError)?.input, "bad-phoff.core", "\(e)")
        }

        let image = try vmlinux()
        var v = Array(image.bytes)
        let shoff = Int(Self.get(v, 40, 8))
        let shentsize = Int(Self.get(v, 58, 2))
        for (what, at, value) in [
            ("e_shoff", 40, UInt64(1) << 63), ("e_phoff", 32, 0xffff_ffff_ffff_ff00),
            ("sh_size of section 1", shoff + shentsize + 32, UInt64(1) << 63),
            ("sh_offset of section 2", shoff + 2 * shentsize + 24, 0xffff_ffff_ffff_fff0),
        ] {
            let saved = Self.get(v, at, 8)
            Self.put(&v, at, value, 8)
            try v.withUnsafeBytes { raw in XCTAssertThrowsError(try ELFFile(raw), what) }
            Self.put(&v, at, saved, 8)
        }
    }

    /// A small ELF with `.debug_info` and `.debug_abbrev` holding `info` and `abbrev`.
    static func elf(info: [UInt8], abbrev: [UInt8]) -> [UInt8] {
        let names: [UInt8] = Array("\0.debug_info\0.debug_abbrev\0.shstrtab\0".utf8)
        var b = [UInt8](repeating: 0, count: 64)
        b[0] = 0x7f
        b[1] = 0x45
        b[2] = 0x4c
        b[3] = 0x46
        b[4] = 2
        b[5] = 1
        b[6] = 1
        let infoAt = b.count
        b += info
        let abbrevAt = b.count
        b += abbrev
        let namesAt = b.count
        b += names
        while b.count % 8 != 0 { b.append(0) }
        let shoff = b.count
        func section(_ name: Int, _ type: UInt32, _ off: Int, _ size: Int) -> [UInt8] {
            var s = [UInt8](repeating: 0, count: 64)
            put(&s, 0, UInt64(name), 4)
            put(&s, 4, UInt64(type), 4)
            put(&s, 24, UInt64(off), 8)
            put(&s, 32, UInt64(size), 8)
            return s
        }
        b += section(0, 0, 0, 0) + section(1, 1, infoAt, info.count) + section(13, 1, abbrevAt, abbrev.count)
            + section(27, 3, namesAt, names.count)
        put(&b, 16, 1, 2)  // ET_REL
        put(&b, 40, UInt64(shoff), 8)
        put(&b, 52, 64, 2)
        put(&b, 58, 64, 2)
        put(&b, 60, 4, 2)
        put(&b, 62, 3, 2)
        return b
    }

    /// One DWARF 4 unit: a compile unit holding `struct s` (with children) whose DW_AT_sibling
    /// is `sibling` (relative to the unit) and whose byte size is the implicit constant `sleb`.
    static func unit(sibling: UInt32, sleb: [UInt8]) -> (info: [UInt8], abbrev: [UInt8]) {
        let abbrev: [UInt8] =
            [1, 0x11, 1, 0, 0]  // compile_unit, children
            + [2, 0x13, 1, 0x03, 0x08, 0x01, 0x13, 0x0b, 0x21] + sleb + [0, 0]  // structure_type: name, sibling, byte_size
            + [0]
        var dies: [UInt8] = [1, 2, UInt8(ascii: "s"), 0]
        dies += (0..<4).map { UInt8(truncatingIfNeeded: sibling >> (8 * UInt32($0))) }
        dies += [0, 0]
        var info: [UInt8] = [0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 8] + dies
        put(&info, 0, UInt64(info.count - 4), 4)
        return (info, abbrev)
    }

    func testDWARFValuesFromTheFileAreChecked() throws {
        func index(_ b: [UInt8]) throws -> DWARF {
            try b.withUnsafeBytes { raw in
                var d = try DWARF(try ELFFile(raw))
                try d.index(types: ["s", "absent"], variables: [], enumerators: [])
                return d
            }
        }
        // A well-formed unit: the struct is found and its implicit size read.
        let good = Self.unit(sibling: 18, sleb: [0x10])
        XCTAssertNotNil(try index(Self.elf(info: good.info, abbrev: good.abbrev)).types["s"])
        // DW_AT_sibling pointing at its own DIE (offset 12): the walk must still end.
        let loop = Self.unit(sibling: 12, sleb: [0x10])
        let start = Date()
        XCTAssertNotNil(try index(Self.elf(info: loop.info, abbrev: loop.abbrev)).types["s"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        // An SLEB whose sign extension is -(2^63) in .debug_abbrev.
        let sleb = Self.unit(sibling: 18, sleb: [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40])
        XCTAssertNotNil(try index(Self.elf(info: sleb.info, abbrev: sleb.abbrev)).types["s"])
        // A 64-bit unit length of all ones.
        var huge = good.info
        huge.replaceSubrange(0..<4, with: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        XCTAssertThrowsError(try index(Self.elf(info: huge, abbrev: good.abbrev))) { XCTAssertTrue("\($0)".contains("past the section's end"), "\($0)") }
    }

    // MARK: kdump and flattened files

    func testKdumpHeaderFieldsAreChecked() throws {
        let base = try kdumpBytes()
        let block = Int(Self.get(base, 428, 4))
        XCTAssertGreaterThanOrEqual(Self.get(base, 8, 4), 6, "a version-6 header (max_mapnr_64)")
        for (what, at, value) in [
            ("offset_vmcoreinfo", block + 32, UInt64(1) << 63), ("size_vmcoreinfo", block + 40, (UInt64(1) << 63) - 1),
            ("offset_vmcoreinfo", block + 32, 0xffff_ffff_ffff_fff0),
        ] {
            var b = base
            Self.put(&b, at, value, 8)
            XCTAssertThrowsError(try KdumpFile(try mapped(b, "bad-\(what).kdump")), what) { e in
                XCTAssertEqual((e as? InputError)?.kind, .corrupt, "\(e)")
                XCTAssertTrue("\(e)".contains(what), "\(e)")
            }
        }
        // max_mapnr_64 of 2^40: the PFN walk ends at the bitmap's end, at once.
        var b = base
        Self.put(&b, block + 96, 1 << 40, 8)
        let start = Date()
        let k = try KdumpFile(try mapped(b, "huge-max_mapnr.kdump"))
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertEqual(k.info.segments.map { $0.size }.reduce(0, +), try KdumpFile(try mapped(base, "real.kdump")).info.segments.map { $0.size }.reduce(0, +))
    }

    /// Page descriptors with the top bit set, pages whose zlib data is corrupt, and a file cut
    /// short: each page counted with its reason; records of the others still read.
    func testUnreadablePagesAreCountedAndReported() throws {
        let base = try kdumpBytes()
        let real = try KdumpFile(try mapped(base, "real.kdump"))
        let (expected, _) = try records(real)
        XCTAssertGreaterThan(expected, 40000)
        let pfns = (0..<real.maxPFN).filter { real.isDumped($0) }
        // 0.75% of the pages: every 133rd has its zlib data scribbled, and one descriptor
        // offset has its top bit set.
        var b = base
        var corrupt = Set<UInt64>()
        for pfn in stride(from: 7, to: pfns.count, by: 133).map({ pfns[$0] }) {
            let d = try XCTUnwrap(real.descriptorOffset(pfn))
            let off = Int(Self.get(b, d, 8))
            let size = Int(Self.get(b, d + 8, 4))
            guard Self.get(b, d + 12, 4) & 1 != 0, size > 8 else { continue }
            for i in 0..<4 { b[off + i] ^= 0xa5 }  // the zlib header and first bits
            corrupt.insert(pfn)
        }
        let topBit = pfns[pfns.count / 2]
        Self.put(&b, try XCTUnwrap(real.descriptorOffset(topBit)) , 1 << 63 | 4096, 8)
        corrupt.insert(topBit)
        let k = try KdumpFile(try mapped(b, "corrupt-pages.kdump"))
        for pfn in pfns { _ = k.physical(pfn << 12, 8) }
        XCTAssertEqual(Set(k.failedPages.keys), corrupt)
        XCTAssertTrue(k.lossSummary().contains { $0.contains("does not inflate (zlib)") }, "\(k.lossSummary())")
        XCTAssertTrue(k.lossSummary().contains { $0.contains("page descriptor") }, "\(k.lossSummary())")

        // A file cut short, as makedumpfile on a full disk leaves it: 2.7% missing.
        let cut = Array(base.prefix(base.count - base.count * 27 / 1000))
        let short = try KdumpFile(try mapped(cut, "cut.kdump"))
        let (n, reader) = try records(short)
        XCTAssertTrue(short.lossSummary().contains { $0.contains("past the end of the file") }, "\(short.lossSummary())")
        XCTAssertFalse(short.failedPages.isEmpty)
        XCTAssertLessThan(n, expected)
        XCTAssertTrue(n == 0 || !reader.lost.isEmpty || !short.failedPages.isEmpty)
    }

    /// Through the stream: losses end a --strict read with an error (exit 2), and are printed
    /// (file, PFN ranges, reason) otherwise; a dump with no record at all is an error.
    func testLossesReachStderrAndStrict() throws {
        let base = try kdumpBytes()
        var input = InputOptions()
        input.vmlinux = VmcoreTests.vmlinux
        final class Lines { var all: [String] = [] }
        let lines = Lines()
        input.warn = { lines.all.append($0) }
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cut.kdump").path
        try Data(base.prefix(base.count - base.count * 27 / 1000)).write(to: URL(fileURLWithPath: path))
        func drain(strict: Bool) throws -> Int {
            var total = 0
            var o = input
            o.strict = strict
            try Inputs.forEach(path: path, options: o, skipped: { _ in }) { src in
                var buf = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                    if n == 0 { break }
                    total += n
                }
            }
            return total
        }
        XCTAssertThrowsError(try drain(strict: true)) { e in
            XCTAssertEqual((e as? InputError)?.kind, .corrupt, "\(e)")
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("PFN"), "\(e)")
        }
        do {
            let bytes = try drain(strict: false)
            XCTAssertGreaterThan(bytes, 0)
            XCTAssertTrue(lines.all.contains { $0.hasPrefix(path) && $0.contains("past the end of the file") && $0.contains("PFN 0x") }, "\(lines.all)")
        } catch {
            // No record at all: an error, never an empty success.
            XCTAssertTrue("\(error)".contains("no page_owner record"), "\(error)")
        }
        // Nothing but the headers: no record, an error naming why.
        let headers = dir.appendingPathComponent("headers.kdump").path
        let real = try KdumpFile(try mapped(base, "real.kdump"))
        try Data(base.prefix(real.descriptors + 4096)).write(to: URL(fileURLWithPath: headers))
        XCTAssertThrowsError(try Inputs.forEach(path: headers, options: input, skipped: { _ in }) { src in
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while try buf.withUnsafeMutableBytes({ try src.read(into: $0) }) > 0 {}
        }) { e in
            XCTAssertTrue("\(e)".contains("no page_owner record") || "\(e)".contains("cannot read page_ext_size"), "\(e)")
            XCTAssertEqual((e as? InputError)?.kind == .unreadable, false, "\(e)")
        }
    }

    // MARK: layouts the debug info lacks

    /// The real vmlinux with every string in `.debug_str` that ends in `name` changed in its
    /// last byte: the debug info then has no member, type or variable called `name`, as when
    /// it is damaged or cut (the ELF symbol table is untouched).
    func vmlinux(without names: [String]) throws -> [UInt8] {
        var v = Array(try vmlinux().bytes)
        let elf = try v.withUnsafeBytes { try ELFFile($0) }
        guard let str = elf.sections.first(where: { $0.name == ".debug_str" }) else { throw XCTSkip("no .debug_str") }
        for name in names {
            let w = Array(name.utf8) + [0]
            var changed = 0
            var i = str.offset
            while i + w.count <= str.offset + str.size {
                if v[i] == w[0] && Array(v[i..<(i + w.count)]) == w {
                    v[i + w.count - 2] = UInt8(ascii: "Q")
                    changed += 1
                    i += w.count
                } else {
                    i += 1
                }
            }
            XCTAssertGreaterThan(changed, 0, name)
        }
        return v
    }

    /// Each layout value the debug info may lack (issue 18: six `try?` took a default
    /// silently): an error when no default is the layout of every kernel (the offset moved,
    /// the size depends on the configuration, the type has two forms), else a warning that
    /// names the vmlinux, what was missing and what was used.
    func testMissingLayoutIsAnErrorOrANamedWarning() throws {
        let k = try KdumpFile(try mapped(try kdumpBytes(), "real.kdump"))
        let real = try VmcorePageOwner(memory: VmcoreMemory(kdump: k), vmlinux: try vmlinux())
        XCTAssertEqual(real.layoutWarnings, [])
        XCTAssertNotNil(real.memcg)
        func reader(without names: [String]) throws -> VmcorePageOwner {
            let m = try mapped(try vmlinux(without: names), "vmlinux-without-\(names.joined(separator: "-"))")
            return try VmcorePageOwner(memory: VmcoreMemory(kdump: k), vmlinux: m)
        }
        // No default: an error that names what is missing.
        for (name, what) in [
            ("pageblock_flags", "mem_section_usage.pageblock_flags"), ("stack_pools", "variable stack_pools"),
            ("module_memory", "size of module_memory"),
        ] {
            XCTAssertThrowsError(try reader(without: [name]), name) { e in
                XCTAssertTrue(e is VmcoreError, "\(e)")
                XCTAssertTrue("\(e)".contains(what), "\(e)")
            }
        }
        // The layout of every kernel that has the struct: a warning.
        // (`symtab` is the tail of `num_symtab` in .debug_str: both go.)
        let noSymtabCount = try reader(without: ["num_symtab"])
        XCTAssertEqual(noSymtabCount.layoutWarnings.count, 2, "\(noSymtabCount.layoutWarnings)")
        XCTAssertTrue(
            noSymtabCount.layoutWarnings.contains {
                $0.hasPrefix("vmlinux-without-num_symtab: ") && $0.contains("mod_kallsyms.num_symtab") && $0.contains("offset 8")
            }, "\(noSymtabCount.layoutWarnings)")
        XCTAssertTrue(noSymtabCount.layoutWarnings.contains { $0.contains("mod_kallsyms.symtab") && $0.contains("offset 0") })
        XCTAssertEqual(try records(noSymtabCount).count, try records(real).count)
        // A field left out: memcg lines (the counts stay right).
        let noMemcg = try reader(without: ["memcg_data"])
        XCTAssertNil(noMemcg.memcg)
        XCTAssertEqual(noMemcg.layoutWarnings.count, 1)
        XCTAssertTrue(noMemcg.layoutWarnings[0].contains("page.memcg_data") && noMemcg.layoutWarnings[0].contains("memcg line"), "\(noMemcg.layoutWarnings)")
    }

    /// page_owner.tgid missing: records are read, with the pid as tgid, and the warning
    /// reaches stderr (`Inputs.warn`) naming the vmlinux.
    func testMissingTgidWarnsOnStderrAndReadsRecords() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let image = dir.appendingPathComponent("vmlinux-no-tgid").path
        try Data(try vmlinux(without: ["tgid"])).write(to: URL(fileURLWithPath: image))
        let core = dir.appendingPathComponent("real.kdump").path
        try Data(try kdumpBytes()).write(to: URL(fileURLWithPath: core))
        var input = InputOptions()
        input.vmlinux = image
        final class Lines { var all: [String] = [] }
        let warned = Lines()
        input.warn = { warned.all.append($0) }
        var text: [UInt8] = []
        try Inputs.forEach(path: core, options: input, skipped: { _ in }) { src in
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                if text.count < 1 << 20 { text += buf[0..<n] }
            }
        }
        XCTAssertEqual(warned.all.filter { $0.contains("page_owner.tgid") }.count, 1, "\(warned.all)")
        XCTAssertTrue(warned.all.contains { $0.hasPrefix(image) && $0.contains("pid as tgid") }, "\(warned.all)")
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("Page allocated") }
        XCTAssertGreaterThan(lines.count, 1000)
        // `pid P, tgid P (`: the pid stands in for the tgid.
        for l in lines.prefix(2000) {
            let pid = l.split(separator: ",")[2].split(separator: " ").last!
            XCTAssertTrue(l.contains("tgid \(pid) ("), String(l))
        }
    }

    func testFlattenedRecordsAreChecked() throws {
        guard FileManager.default.fileExists(atPath: Self.flatPath) else { throw XCTSkip("../shared/vmcore is absent") }
        let flat = try MappedFile(path: Self.flatPath)
        var head = Array(flat.bytes.prefix(1 << 20))
        func be(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(7 - i))) } }
        func unflatten(_ b: [UInt8]) -> Error? {
            do {
                let fd = try MappedFile.temporaryFile(for: "t")
                defer { close(fd) }
                try b.withUnsafeBytes { try KdumpFile.unflatten($0, name: "dump.flat", to: fd, output: "a temporary file") }
                return nil
            } catch { return error }
        }
        var b = head
        be(&b, 4096 + 8, (1 << 63) - 1)  // the first record's size
        let e1 = unflatten(b)
        XCTAssertEqual((e1 as? InputError)?.kind, .corrupt, "\(String(describing: e1))")
        XCTAssertEqual((e1 as? InputError)?.input, "dump.flat")
        be(&head, 4096, 1 << 62)  // the first record's offset
        let e2 = unflatten(head)
        XCTAssertEqual((e2 as? InputError)?.kind, .corrupt, "a corrupt offset is corrupt input (exit 2), not an unwritable file: \(String(describing: e2))")
        XCTAssertEqual((e2 as? InputError)?.input, "dump.flat")
    }

    // MARK: memory corruption

    /// ERR_PTR (0xffff_ffff_ffff_fff4) in one struct page's memcg_data, in a mem_section's
    /// usage, in stack_pools[0] and in modules.next, then in the mem_section root: the pages
    /// are patched into the real kdump (as raw pages appended to it), as a machine in trouble
    /// would have them.
    func testErrorPointersInMemoryAreUnreadableNotFatal() throws {
        let base = try kdumpBytes()
        let real = try KdumpFile(try mapped(base, "real.kdump"))
        let image = try vmlinux()
        let r = try VmcorePageOwner(memory: VmcoreMemory(kdump: real), vmlinux: image)
        let mem = r.memory
        let errPtr: UInt64 = 0xffff_ffff_ffff_fff4
        // A PFN with a record, its section, its struct page.
        var out: [UInt8] = []
        var pfn: UInt64 = 0
        for (lo, hi) in r.pfnRanges {
            pfn = lo
            while pfn < hi && out.isEmpty { pfn += r.appendRecord(pfn: pfn, to: &out) }
            if !out.isEmpty { break }
        }
        XCTAssertFalse(out.isEmpty)
        let nr = pfn >> UInt64(r.sectionShift)
        let rootSlot = r.roots + (nr / r.sectionsPerRoot) * 8
        let root = try XCTUnwrap(mem.u64(rootSlot))
        let ms = root + (nr % r.sectionsPerRoot) * UInt64(r.layout.msSize)
        let memMap = (mem.u64(ms) ?? 0) & r.sectionMapMask
        let page = (memMap != 0 ? memMap : r.vmemmap) + pfn * r.pageStructSize
        let memcg = try XCTUnwrap(r.memcg)
        let pools = r.layout.stackPoolsIsArray ? r.layout.stackPoolsAddr : try XCTUnwrap(mem.u64(r.layout.stackPoolsAddr))
        let modules = try XCTUnwrap(ELFFile(image.bytes).symbols().first { $0.name == "modules" }?.value)
        func patched(_ words: [UInt64], _ name: String) throws -> KdumpFile {
            var b = base
            var pages: [UInt64: [UInt8]] = [:]
            for v in words {
                let p = try XCTUnwrap(mem.translate(v))
                if pages[p >> 12] == nil { pages[p >> 12] = Array(UnsafeRawBufferPointer(start: try XCTUnwrap(try real.page(p >> 12)), count: 4096)) }
                Self.put(&pages[p >> 12]!, Int(p & 0xfff), errPtr, 8)
            }
            for (pfn, bytes) in pages {
                let d = try XCTUnwrap(real.descriptorOffset(pfn))
                Self.put(&b, d, UInt64(b.count), 8)
                Self.put(&b, d + 8, 4096, 4)
                Self.put(&b, d + 12, 0, 4)
                b += bytes
            }
            return try KdumpFile(try mapped(b, name))
        }
        let (expected, _) = try records(r)
        XCTAssertTrue(r.lost.isEmpty, "the real dump reads whole: \(r.lossSummary("dump"))")
        let k = try patched([page + memcg.pageMemcgData, ms + UInt64(r.layout.msUsage), pools, modules], "errptr.kdump")
        let (n, reader) = try records(k)
        XCTAssertEqual(n, expected, "every record is still read")
        XCTAssertTrue(reader.lost.keys.contains { $0.contains("stack") }, "records of pool 0 lose their stack, counted: \(reader.lost.keys)")
        // The root: no section of it reads, so no record, and the reader says why.
        let noRoot = try patched([rootSlot], "errptr-root.kdump")
        let (none, rootReader) = try records(noRoot)
        XCTAssertLessThan(none, expected)
        XCTAssertTrue(rootReader.lossSummary("dump").contains { $0.contains("mem_section") }, "\(rootReader.lossSummary("dump"))")
    }

    // MARK: mutation

    /// Seeded mutants of a small real-derived ELF vmcore head, kdump file and vmlinux: bytes
    /// flipped, or an 8-byte field set to 0, all ones, 2^63, 2^63-1 or an ERR_PTR, mostly in the
    /// headers and tables a reader trusts, some cut short. Every one must end in a value or an
    /// error the command line maps to exit 2 (InputError, VmcoreError), never
    /// a trap (which would end this test process) or a hang.
    func testMutantsEndInAValueOrAnError() throws {
        var rng = SplitMix64(seed: 18)
        let values: [UInt64] = [0, .max, 1 << 63, (1 << 63) - 1, 0xffff_ffff_ffff_fff4, 1 << 40]
        func mutate(_ b: inout [UInt8], hot: Int) {
            let end = rng.chance(3, in: 4) ? min(hot, b.count) : b.count
            if rng.chance(1, in: 2) {
                let at = rng.below(max(1, end - 8)) & ~7
                Self.put(&b, at, rng.pick(values), 8)
            } else {
                for _ in 0..<(1 + rng.below(8)) { b[rng.below(end)] ^= UInt8(truncatingIfNeeded: 1 + rng.below(255)) }
            }
            if rng.chance(1, in: 10) { b.removeLast(rng.below(b.count)) }
        }
        func expected(_ e: Error) -> Bool { e is InputError || e is VmcoreError }
        let start = Date()
        var outcomes: [String: Int] = [:]

        // ELF vmcore: its first 64 KiB (headers, VMCOREINFO note; the segments lie past it).
        guard FileManager.default.fileExists(atPath: VmcoreTests.vmcore) else { throw XCTSkip("../shared/vmcore is absent") }
        var head = [UInt8](repeating: 0, count: 1 << 16)
        _ = try Inputs.withDecoded(path: VmcoreTests.vmcore) { src in try head.withUnsafeMutableBytes { try src.read(into: $0) } }
        // Its memory segments made to lie in these 64 KiB, so that an unmutated head reads.
        let phoff = Int(Self.get(head, 32, 8))
        for i in 0..<Int(Self.get(head, 56, 2)) where Self.get(head, phoff + i * 56, 4) == 1 {
            Self.put(&head, phoff + i * 56 + 8, UInt64(32768 + 4096 * i), 8)
            Self.put(&head, phoff + i * 56 + 32, 4096, 8)
        }
        XCTAssertNoThrow(try VmcoreMemory(try head.withUnsafeBytes { try MappedFile(copying: $0, name: "head.core") }))
        for _ in 0..<300 {
            var b = head
            mutate(&b, hot: 4096)
            _ = VmcoreInfo.parse(b)
            do {
                let m = try VmcoreMemory(try b.withUnsafeBytes { try MappedFile(copying: $0, name: "mutant.core") })
                _ = m.read(0xffff_ffff_8100_0000, 64)
                outcomes["elf: value", default: 0] += 1
            } catch {
                XCTAssertTrue(expected(error), "\(error)")
                outcomes["elf: error", default: 0] += 1
            }
        }

        // kdump: the real file's headers, bitmaps and first descriptors and pages (1 MiB).
        let kdump = Array(try kdumpBytes().prefix(1 << 20))
        for _ in 0..<300 {
            var b = kdump
            mutate(&b, hot: 3 * 4096)
            do {
                let k = try KdumpFile(try b.withUnsafeBytes { try MappedFile(copying: $0, name: "mutant.kdump") })
                for s in k.info.segments.prefix(4) { _ = k.physical(s.paddr, 64) }
                outcomes["kdump: value", default: 0] += 1
            } catch {
                XCTAssertTrue(expected(error), "\(error)")
                outcomes["kdump: error", default: 0] += 1
            }
        }

        // vmlinux: its ELF header and section table, symbols and DWARF unit headers.
        var v = Array(try vmlinux().bytes)
        let shoff = Int(Self.get(v, 40, 8))
        for _ in 0..<12 {
            var edits: [(Int, UInt8)] = []
            let region = rng.chance(1, in: 3) ? 0..<64 : shoff..<(v.count)
            for _ in 0..<(1 + rng.below(8)) {
                let at = region.lowerBound + rng.below(region.count)
                edits.append((at, v[at]))
                v[at] ^= UInt8(truncatingIfNeeded: 1 + rng.below(255))
            }
            do {
                try v.withUnsafeBytes { raw in
                    let e = try ELFFile(raw)
                    _ = KernelSymbols(vmlinux: e).format(0xffff_ffff_8100_0000)
                    var d = try DWARF(e)
                    try d.readUnits()
                }
                outcomes["vmlinux: value", default: 0] += 1
            } catch {
                XCTAssertTrue(expected(error), "\(error)")
                outcomes["vmlinux: error", default: 0] += 1
            }
            for (at, old) in edits.reversed() { v[at] = old }
        }
        print("mutants: \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertLessThan(Date().timeIntervalSince(start), 300)
    }

    /// Found by the FuzzVmcore tar target: a pax record whose length is shorter than its own
    /// length field and space ("1 x") trapped (a range with lowerBound > upperBound).
    func testPaxRecordShorterThanItsLengthField() {
        var path: String?
        var size: Int?
        for text in ["1 x", "2 path=a\n", "1 ", "3 k=\n"] {
            TarReader.parsePax(Array(text.utf8), path: &path, size: &size)
        }
        XCTAssertNil(path)
        TarReader.parsePax(Array("11 path=ab\n".utf8), path: &path, size: &size)
        XCTAssertEqual(path, "ab")
    }
}
