import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A system call that fails (an input that cannot be opened, an output folder that cannot
/// take a file, a `$TMPDIR` that cannot take the unpacked vmcore): the exact exit status,
/// and a message naming the path and the errno's text.
final class CLISystemErrorTests: CLITestCase {
    static let fixture = CLITestCase.fixture("k6.12-m1024/s1-boot/page_owner")

    func testUnreadableInputIsExit1() throws {
        let missing = path("missing")
        for args in [[missing, path("out.txt")], ["report", "-o", path("out.txt"), missing], ["info", missing]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
            XCTAssertEqual(r.err, "page-owner-sort: \(missing): No such file or directory\n", "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.txt")))
        }
    }

    func testUnwritableOutputFolderIsExit1() throws {
        // A folder that is a regular file: mkstemp fails with ENOTDIR, even for root.
        FileManager.default.createFile(atPath: path("file"), contents: Data("x".utf8))
        let out = path("file/out.txt")
        for args in [[Self.fixture, out], ["report", "-o", out, Self.fixture]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
            XCTAssertEqual(r.err, "page-owner-sort: \(out): cannot create a file in \(path("file")): Not a directory\n", "\(args)")
        }
    }

    func testBadTMPDIRIsExit2() throws {
        // A gzip-compressed ELF core header: unpacking it needs a temporary file in $TMPDIR.
        var header = [UInt8](repeating: 0, count: 64)
        header[0...6] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]
        header[16] = 4  // ET_CORE
        FileManager.default.createFile(atPath: path("core"), contents: Data(header))
        let gz = Process()
        gz.executableURL = URL(fileURLWithPath: "/bin/sh")
        gz.arguments = ["-c", "gzip -c '\(path("core"))' > '\(path("core.gz"))'"]
        try gz.run()
        gz.waitUntilExit()
        guard gz.terminationStatus == 0 else { throw XCTSkip("gzip is not installed") }
        let tmpdir = path("no-such-tmp")
        let core = path("core.gz")
        for args in [["report", "--vmlinux", core, "-o", path("out.txt"), core], ["--vmlinux", core, core, path("out.txt")]] {
            let r = try run(args, environment: ["TMPDIR": tmpdir])
            XCTAssertEqual(r.status, 2, "\(args): \(r.err)")
            XCTAssertEqual(
                r.err, "page-owner-sort: \(core): cannot create a temporary file in \(tmpdir) to unpack it: No such file or directory\n",
                "\(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.txt")))
        }
    }
}
