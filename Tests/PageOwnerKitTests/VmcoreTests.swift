import CLzo
import CSnappy
import CZstd
import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// page_owner read straight from the real kdump vmcore in ../shared/vmcore, against the
/// text snapshot the same boot wrote just before the dump.
final class VmcoreTests: XCTestCase {
    static let dir = TestFixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vmcore")
    static var vmcore: String { dir.appendingPathComponent("vmcore.elf.zst").path }
    static var vmlinux: String { dir.appendingPathComponent("vmlinux.zst").path }

    struct Rec: Equatable {
        var order: Int32, gfp: UInt64, pid: Int32, tgid: Int32, comm: [UInt8], ts: UInt64
        var stack: [UInt8]
        var pages: Int64
        var flags: UInt64, pageType: MigrateType, blockType: MigrateType, node: Int16, zone: Int16
        var memcg: [UInt8], memcgState: MemcgState, slab: Bool, migrateReason: [UInt8]
    }

    /// Records by PFN.
    func records(_ path: String) throws -> [UInt64: Rec] {
        var out: [UInt64: Rec] = [:]
        try Inputs.forEach(path: path, options: input, skipped: { _ in }) { src in
            try Ingest(strict: true).run(src) { r in
                out[r.pfn] = Rec(
                    order: r.order, gfp: r.gfp, pid: r.pid, tgid: r.tgid, comm: r.withBytes(r.comm) { $0.array }, ts: r.ts,
                    stack: r.withBytes(r.stack) { $0.array }, pages: r.pages, flags: r.flags, pageType: r.pageType,
                    blockType: r.blockType, node: r.node, zone: r.zone, memcg: r.withBytes(r.memcg) { $0.array },
                    memcgState: r.memcgState, slab: r.slabCache, migrateReason: r.withBytes(r.migrateReason) { $0.array })
            }
        }
        return out
    }

    /// How the tests read inputs: with the vmlinux unless a test says otherwise, and messages
    /// naming options as the command line spells them.
    var input: InputOptions = {
        var o = InputOptions()
        o.vmlinux = VmcoreTests.vmlinux
        o.spelling = .flags
        return o
    }()

    func testRecordsMatchTheTextSnapshot() throws {
        guard FileManager.default.fileExists(atPath: Self.vmcore) else { throw XCTSkip("../shared/vmcore is absent") }
        let dump = try records(Self.vmcore)
        let text = try records(TestFixtures.dump("k6.12-m1024/s3-after/page_owner"))
        XCTAssertEqual(text.count, 48702)
        XCTAssertEqual(dump.count, 48695)
        let common = Set(dump.keys).intersection(text.keys)
        // An independent reader (drgn) found 48,672 of the text's records still allocated
        // in the dump, 48,658 of them with an identical header.
        XCTAssertEqual(common.count, 48672)
        var header = 0
        var full = 0
        for pfn in common {
            let a = dump[pfn]!
            let b = text[pfn]!
            if a.order == b.order && a.gfp == b.gfp && a.pid == b.pid && a.tgid == b.tgid && a.comm == b.comm && a.ts == b.ts {
                header += 1
                if a.stack == b.stack { full += 1 }
            }
        }
        XCTAssertEqual(header, 48658)
        // The 9 others have frames in crc32c_generic's init text, freed after it loaded.
        XCTAssertEqual(full, 48649)
        // The PFN line: migratetypes, page flags and their node/zone fields.
        let pfnLine = common.filter { p in
            let a = dump[p]!
            let b = text[p]!
            return a.flags == b.flags && a.pageType == b.pageType && a.blockType == b.blockType && a.node == b.node && a.zone == b.zone
        }.count
        XCTAssertEqual(pfnLine, 48665, "the other 7 pages changed state between the two reads")
        // Trailers: migrate reason, Slab cache page, the memcg a page is charged to.
        let trailers = common.filter { p in
            let a = dump[p]!
            let b = text[p]!
            return a.memcg == b.memcg && a.memcgState == b.memcgState && a.slab == b.slab && a.migrateReason == b.migrateReason
        }.count
        XCTAssertEqual(trailers, common.count)
        XCTAssertGreaterThan(Double(full) / Double(common.count), 0.999)

        // The same moment saved by makedumpfile (zlib pages, flattened): the same records.
        let kdump = try records(Self.dir.appendingPathComponent("vmcore.kdump-zlib.zst").path)
        XCTAssertEqual(kdump.count, dump.count)
        XCTAssertEqual(kdump.filter { dump[$0.key] == $0.value }.count, dump.count)

        // Per-stack totals differ only by the records that changed between the two reads.
        var delta: [[UInt8]: Int64] = [:]
        var changed: Int64 = 0
        for (pfn, r) in dump {
            delta[r.stack, default: 0] += r.pages
            if text[pfn] != r { changed += r.pages }
        }
        for (pfn, r) in text {
            delta[r.stack, default: 0] -= r.pages
            if dump[pfn] != r { changed += r.pages }
        }
        let moved = delta.values.reduce(0) { $0 + abs($1) }
        XCTAssertLessThanOrEqual(moved, changed)
        XCTAssertLessThan(changed, 200, "a few dozen records changed between the text read and the dump")
    }

    func testBadDumpsAndImagesSayWhatIsWrong() throws {
        guard FileManager.default.fileExists(atPath: Self.vmcore) else { throw XCTSkip("../shared/vmcore is absent") }
        let tmp = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        func failure(_ path: String) -> String {
            do {
                try Inputs.forEach(path: path, options: input, skipped: { _ in }) { src in
                    var b = [UInt8](repeating: 0, count: 1 << 16)
                    while try b.withUnsafeMutableBytes({ try src.read(into: $0) }) > 0 {}
                }
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        // A dump cut short: its memory segments run past the end of the file.
        let cut = tmp.appendingPathComponent("cut.core").path
        let full = try MappedFile(path: Self.vmcore)
        try Data(full.bytes.prefix(64 << 20)).write(to: URL(fileURLWithPath: cut))
        XCTAssertTrue(failure(cut).contains("truncated"), failure(cut))
        // A kernel module given as the vmlinux.
        input.vmlinux = Self.dir.appendingPathComponent("modules/crc16.ko.zst").path
        XCTAssertTrue(failure(Self.vmcore).contains("no symbol"), failure(Self.vmcore))
        // No vmlinux at all.
        input.vmlinux = nil
        XCTAssertTrue(failure(Self.vmcore).contains("--vmlinux"), failure(Self.vmcore))
        // Without a vmlinux, the flattened kdump file is named, not misread.
        XCTAssertTrue(failure(Self.dir.appendingPathComponent("vmcore.kdump-zlib.zst").path).contains("flattened kdump file: give"))
        // A flattened dump cut short.
        input.vmlinux = Self.vmlinux
        let flat = try MappedFile(path: Self.dir.appendingPathComponent("vmcore.kdump-zlib.zst").path)
        let cutFlat = tmp.appendingPathComponent("cut.flat").path
        try Data(flat.bytes.prefix(flat.bytes.count / 2)).write(to: URL(fileURLWithPath: cutFlat))
        XCTAssertTrue(failure(cutFlat).contains("truncated"), failure(cutFlat))
    }
}

/// `--modules`: symbols from `.ko` files, placed as the module loader places them, agree with
/// the modules' own kallsyms in the dump.
final class VmcoreModuleFileTests: XCTestCase {
    func testModuleObjectsGiveTheSameFramesAsTheDumpsKallsyms() throws {
        let dir = VmcoreTests.dir
        guard FileManager.default.fileExists(atPath: VmcoreTests.vmcore) else { throw XCTSkip("../shared/vmcore is absent") }
        let core = try MappedFile(path: VmcoreTests.vmcore)
        let image = try MappedFile(path: VmcoreTests.vmlinux)
        let fromDump = try VmcorePageOwner(vmcore: core, vmlinux: image)
        let fromFiles = try VmcorePageOwner(
            vmcore: core, vmlinux: image, moduleFiles: dir.appendingPathComponent("modules").path, preferModuleFiles: true)
        XCTAssertEqual(
            Set(fromFiles.symbolsFromFiles),
            ["ext4", "jbd2", "mbcache", "crc16", "crc32c_generic", "crypto", "crypto_algapi", "crypto_hash"])
        var a: [UInt8] = []
        var b: [UInt8] = []
        var moduleFrames = 0
        for (lo, hi) in fromDump.pfnRanges {
            var pfn = lo
            while pfn < hi {
                let n = fromDump.appendRecord(pfn: pfn, to: &a)
                _ = fromFiles.appendRecord(pfn: pfn, to: &b)
                pfn += n
            }
        }
        moduleFrames = String(decoding: a, as: UTF8.self).components(separatedBy: " [ext4]").count - 1
        XCTAssertGreaterThan(moduleFrames, 500, "the dump has hundreds of ext4 frames")
        XCTAssertEqual(a, b, "every frame symbolized the same way")
    }
}

/// lzo, snappy and zstd kdump pages: the real kdump-zlib dump re-encoded page by page with each,
/// by code here, reads back to the same records.
final class KdumpCompressionTests: XCTestCase {
    enum Codec { case lzo, snappy, zstd }

    /// The kdump file `k` with every page re-compressed by `codec` (raw where it does not shrink).
    func reencode(_ k: KdumpFile, _ codec: Codec) throws -> [UInt8] {
        var out = Array(k.bytes[0..<k.descriptors])
        let pfns = (0..<k.maxPFN).filter { k.isDumped($0) }
        var descs: [UInt8] = []
        var data: [UInt8] = []
        let dataStart = k.descriptors + pfns.count * 24
        var work = [UInt8](repeating: 0, count: 1 << 18)
        var buf = [UInt8](repeating: 0, count: 8192)
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }
        for pfn in pfns {
            let page = try XCTUnwrap(try k.page(pfn))
            var size = 0
            var flags: UInt64 = 0
            switch codec {
            case .lzo:
                var n: lzo_uint = lzo_uint(buf.count)
                let rc = buf.withUnsafeMutableBytes { b in
                    work.withUnsafeMutableBytes { w in
                        lzo1x_1_compress(
                            page.assumingMemoryBound(to: UInt8.self), 4096, b.baseAddress!.assumingMemoryBound(to: UInt8.self), &n,
                            w.baseAddress)
                    }
                }
                XCTAssertEqual(rc, LZO_E_OK)
                size = Int(n)
                flags = 0x2
            case .zstd:
                let n = buf.withUnsafeMutableBytes { ZSTD_compress($0.baseAddress, $0.count, page, 4096, 3) }
                XCTAssertEqual(ZSTD_isError(n), 0)
                size = n
                flags = 0x20
            case .snappy:
                var n = buf.count
                let rc = buf.withUnsafeMutableBytes { b in
                    snappy_compress(page.assumingMemoryBound(to: CChar.self), 4096, b.baseAddress!.assumingMemoryBound(to: CChar.self), &n)
                }
                XCTAssertEqual(rc, SNAPPY_OK)
                size = n
                flags = 0x4
            }
            descs += le(UInt64(dataStart + data.count), 8)
            if size >= 4096 {
                descs += le(4096, 4) + le(0, 4) + le(0, 8)
                data += UnsafeRawBufferPointer(start: page, count: 4096)
            } else {
                descs += le(UInt64(size), 4) + le(flags, 4) + le(0, 8)
                data += buf[0..<size]
            }
        }
        out += descs
        out += data
        return out
    }

    func testLzoAndSnappyPages() throws {
        let flatPath = VmcoreTests.dir.appendingPathComponent("vmcore.kdump-zlib.zst").path
        guard FileManager.default.fileExists(atPath: flatPath) else { throw XCTSkip("../shared/vmcore is absent") }
        let tmp = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let plain = tmp.appendingPathComponent("zlib.kdump").path
        let flat = try MappedFile(path: flatPath)
        try withExtendedLifetime(flat) { try KdumpFile.unflatten(flat.bytes, name: flatPath, to: plain) }
        let zlib = try KdumpFile(try MappedFile(path: plain))
        let image = try MappedFile(path: VmcoreTests.vmlinux)
        func text(_ k: KdumpFile) throws -> [UInt8] {
            let r = try VmcorePageOwner(memory: VmcoreMemory(kdump: k), vmlinux: image)
            var out: [UInt8] = []
            for (lo, hi) in r.pfnRanges {
                var pfn = lo
                while pfn < hi { pfn += r.appendRecord(pfn: pfn, to: &out) }
            }
            return out
        }
        let expected = try text(zlib)
        XCTAssertGreaterThan(expected.count, 10_000_000)
        for codec in [Codec.lzo, .snappy, .zstd] {
            let path = tmp.appendingPathComponent("\(codec).kdump").path
            try Data(try reencode(zlib, codec)).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try text(try KdumpFile(try MappedFile(path: path))), expected, "\(codec)")
        }
    }
}

/// `--modules` finds a module's object anywhere below the folder, as /lib/modules nests them.
final class ModuleFileLookupTests: XCTestCase {
    func testNestedTreeAndSpellings() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let nested = dir.appendingPathComponent("kernel/fs/ext4")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try Data([1]).write(to: nested.appendingPathComponent("ext4.ko.zst"))
        try Data([1]).write(to: dir.appendingPathComponent("crc32c-generic.ko"))
        XCTAssertEqual(VmcorePageOwner.moduleFile(dir.path, "ext4"), nested.appendingPathComponent("ext4.ko.zst").path)
        XCTAssertEqual(VmcorePageOwner.moduleFile(dir.path, "crc32c_generic"), dir.appendingPathComponent("crc32c-generic.ko").path)
        XCTAssertNil(VmcorePageOwner.moduleFile(dir.path, "jbd2"))
    }
}
