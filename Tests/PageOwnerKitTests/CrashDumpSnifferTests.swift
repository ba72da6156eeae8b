import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// A vmcore or a kernel object given as a dump is named for what it is, by content.
final class CrashDumpSnifferTests: XCTestCase {
    static let vmcore = TestFixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vmcore")

    func expectFormatError(_ path: String, contains text: String) {
        XCTAssertThrowsError(try Inputs.forEach(path: path) { _ in XCTFail("no stream should reach the parser") }) { e in
            guard let ie = e as? InputError else { return XCTFail("\(e)") }
            XCTAssertEqual(ie.kind, .format)
            XCTAssertTrue(ie.message.contains(text), ie.message)
        }
    }

    func testRealCrashDumpsAreRecognised() throws {
        let elf = Self.vmcore.appendingPathComponent("vmcore.elf.zst").path
        guard FileManager.default.fileExists(atPath: elf) else { throw XCTSkip("../shared/vmcore is absent") }
        expectFormatError(elf, contains: "ELF core dump")
        expectFormatError(Self.vmcore.appendingPathComponent("vmcore.kdump-zlib.zst").path, contains: "flattened kdump file: give the matching vmlinux")
        expectFormatError(Self.vmcore.appendingPathComponent("modules/crc16.ko.zst").path, contains: "ELF object")
    }

    func testHeadsMadeByCode() {
        var core = [UInt8](repeating: 0, count: 64)
        core[0...3] = [0x7f, 0x45, 0x4c, 0x46]
        core[4] = 2  // ELFCLASS64
        core[5] = 1  // little endian
        core[16] = 4  // ET_CORE
        XCTAssertEqual(CrashDumpSniffer.kind(core), .elfCore)
        core[16] = 2  // ET_EXEC
        XCTAssertEqual(CrashDumpSniffer.kind(core), .elfOther)
        XCTAssertEqual(CrashDumpSniffer.kind(Array("KDUMP   \u{0}\u{0}".utf8)), .kdumpCompressed)
        XCTAssertEqual(CrashDumpSniffer.kind(Array("makedumpfile\u{0}".utf8)), .kdumpFlattened)
        XCTAssertNil(CrashDumpSniffer.kind(Array("Page allocated via order 0".utf8)))
    }

    func testVmcoreInfoOfTheRealDump() throws {
        let elf = Self.vmcore.appendingPathComponent("vmcore.elf.zst").path
        guard FileManager.default.fileExists(atPath: elf) else { throw XCTSkip("../shared/vmcore is absent") }
        let (kind, info) = try XCTUnwrap(try Inputs.crashDump(path: elf))
        XCTAssertEqual(kind, .elfCore)
        let v = try XCTUnwrap(info)
        XCTAssertEqual(v["OSRELEASE"], "6.12.107-po", "the README's OSRELEASE")
        XCTAssertEqual(v["PAGESIZE"], "4096")
        XCTAssertEqual(v["NUMBER(SECTION_SIZE_BITS)"], "27")
        XCTAssertEqual(v.segments.count, 4)
        XCTAssertGreaterThan(v.memoryBytes, 1_000_000_000)
        XCTAssertNil(try Inputs.crashDump(path: TestFixtures.dump("k6.12-m1024/s1-boot/page_owner")))
    }

    /// An ELF64 core with one PT_NOTE (VMCOREINFO) and one PT_LOAD, made byte by byte.
    func testVmcoreInfoOfACoreMadeByCode() {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }
        let text = Array("OSRELEASE=9.9.9\nPAGESIZE=4096\n".utf8)
        var note = le(11, 4) + le(UInt64(text.count), 4) + le(0, 4) + Array("VMCOREINFO\0".utf8) + [0]
        note += text
        while note.count % 4 != 0 { note.append(0) }
        var h = [UInt8](repeating: 0, count: 64)
        h[0...5] = [0x7f, 0x45, 0x4c, 0x46, 2, 1]
        h[16] = 4
        h.replaceSubrange(32..<40, with: le(64, 8))
        h.replaceSubrange(54..<56, with: le(56, 2))
        h.replaceSubrange(56..<58, with: le(2, 2))
        let noteOff = 64 + 2 * 56
        var ph =
            le(4, 4) + le(0, 4) + le(UInt64(noteOff), 8) + le(0, 8) + le(0, 8) + le(UInt64(note.count), 8) + le(UInt64(note.count), 8)
            + le(0, 8)
        ph += le(1, 4) + le(0, 4) + le(0x1000, 8) + le(0, 8) + le(0x100000, 8) + le(0x200000, 8) + le(0x200000, 8) + le(0, 8)
        let bytes = h + ph + note
        XCTAssertEqual(CrashDumpSniffer.kind(bytes), .elfCore)
        let v = VmcoreInfo.parse(bytes)
        XCTAssertEqual(v?["OSRELEASE"], "9.9.9")
        XCTAssertEqual(v?["PAGESIZE"], "4096")
        XCTAssertEqual(v?.segments.count, 1)
        XCTAssertEqual(v?.segments.first?.paddr, 0x100000)
        XCTAssertEqual(v?.memoryBytes, 0x200000)
        XCTAssertNil(VmcoreInfo.parse(Array(bytes.prefix(40))), "a cut header is not read")
    }
}
