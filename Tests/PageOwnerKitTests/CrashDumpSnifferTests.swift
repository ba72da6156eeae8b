import Foundation
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
        expectFormatError(Self.vmcore.appendingPathComponent("vmcore.kdump-zlib.zst").path, contains: "flattened kdump")
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
}
