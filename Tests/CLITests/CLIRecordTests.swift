import Foundation
import XCTest

/// `record` from the command line: clear errors without an archive, and SIGINT ends a
/// recording cleanly with every sample kept.
final class CLIRecordTests: CLITestCase {
    func fakeTree() throws -> String {
        let root = path("debugfs")
        try FileManager.default.createDirectory(atPath: root + "/page_owner_stacks", withIntermediateDirectories: true)
        let src = Self.fixture("k7.3-m1536-numa/s1-boot") + "/"
        for f in ["show_handles", "show_stacks_handles", "show_stacks"] {
            try FileManager.default.copyItem(atPath: src + f, toPath: root + "/page_owner_stacks/" + f)
        }
        return root
    }

    func testSetupErrorsExitTwoWithoutAnArchive() throws {
        let out = path("run.tar.zst")
        let missing = try run(["record", "--debugfs", path("nowhere"), "-o", out])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.err.contains("is debugfs mounted"), missing.err)
        try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
        let empty = try run(["record", "--debugfs", path("empty"), "-o", out])
        XCTAssertEqual(empty.status, 2)
        XCTAssertTrue(empty.err.contains("debugfs is not mounted"), empty.err)
        try FileManager.default.createDirectory(atPath: path("other/x"), withIntermediateDirectories: true)
        let none = try run(["record", "--debugfs", path("other"), "-o", out])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.err.contains("CONFIG_PAGE_OWNER") && none.err.contains("page_owner=on"), none.err)
        let bad = try run(["record", "--debugfs", try fakeTree(), "--source", "show_handles", "--interval", "soon", "-o", out])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        if getuid() != 0 {
            let root = try fakeTree()
            chmod(root + "/page_owner_stacks/show_handles", 0)
            let denied = try run(["record", "--debugfs", root, "-o", out])
            XCTAssertEqual(denied.status, 2)
            XCTAssertTrue(denied.err.contains("permission denied"), denied.err)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testSigintKeepsEverySample() throws {
        let root = try fakeTree()
        let out = path("run.tar.zst")
        for sig in [SIGINT, SIGTERM] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = ["record", "--debugfs", root, "--interval", "100ms", "-o", out, "--verbose"]
            let e = Pipe()
            p.standardError = e
            try p.run()
            // Wait for the third sample line, then interrupt.
            var seen = Data()
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, !String(decoding: seen, as: UTF8.self).contains("sample 3:") {
                seen += e.fileHandleForReading.availableData
            }
            kill(p.processIdentifier, sig)
            seen += e.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let log = String(decoding: seen, as: UTF8.self)
            XCTAssertEqual(p.terminationStatus, 0, log)
            let taken = log.components(separatedBy: "\n").filter { $0.hasPrefix("sample ") }.count
            XCTAssertGreaterThanOrEqual(taken, 3)
            let s = try run(["series", out, "--group-by", "caller", "--format", "csv"])
            XCTAssertEqual(s.status, 0, s.err)
            let header = s.out.split(separator: "\r\n").first.map(String.init) ?? ""
            let columns = header.split(separator: ",").filter { $0.hasPrefix("pages_") }
            XCTAssertEqual(columns.count, taken, "every sample taken is in the archive: \(header)")
            XCTAssertFalse(s.out.contains("[unresolved handle]"))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.contains(".tmp-") }
            XCTAssertEqual(leftovers, [])
        }
    }
}
