import Foundation
import XCTest

/// `--no-cache`, `--verbose` and the cache folder on the command line: a second run uses the
/// facts the first wrote, with the same output; an unwritable folder only costs a note.
final class CLIVmlinuxCacheTests: CLITestCase {
    static var vmcoreDir: URL { packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vmcore") }

    func testSecondRunUsesTheCacheWithTheSameOutput() throws {
        let dump = Self.vmcoreDir.appendingPathComponent("vmcore.kdump-zlib.zst").path
        let vmlinux = Self.vmcoreDir.appendingPathComponent("vmlinux.zst").path
        guard FileManager.default.fileExists(atPath: dump) else { throw XCTSkip("../shared/vmcore is absent") }
        let args = ["report", dump, "--vmlinux", vmlinux, "--group-by", "comm", "--verbose"]
        let folder = path("own-cache")
        let env = ["PAGE_OWNER_SORT_CACHE_DIR": folder]

        let none = try run(["report", dump, "--vmlinux", vmlinux, "--group-by", "comm", "--no-cache"], environment: env)
        XCTAssertEqual(none.status, 0, none.err)
        XCTAssertEqual(none.err, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder), "--no-cache writes nothing")

        let first = try run(args, environment: env)
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertEqual(first.out, none.out)
        XCTAssertTrue(first.err.contains("note: vmlinux cache: wrote"), first.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).count, 1)

        let second = try run(args, environment: env)
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertEqual(second.out, none.out)
        XCTAssertTrue(second.err.contains("note: vmlinux cache: using"), second.err)

        // XDG_CACHE_HOME is used when PAGE_OWNER_SORT_CACHE_DIR is not set.
        let xdg = path("xdg")
        let third = try run(args, environment: ["PAGE_OWNER_SORT_CACHE_DIR": "", "XDG_CACHE_HOME": xdg])
        XCTAssertEqual(third.out, none.out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: xdg + "/page-owner-sort").count, 1)

        // A folder that cannot be made: the same output, and a note under --verbose only.
        FileManager.default.createFile(atPath: path("blocker"), contents: Data("x".utf8))
        let blocked = ["PAGE_OWNER_SORT_CACHE_DIR": path("blocker") + "/cache"]
        let unwritable = try run(args, environment: blocked)
        XCTAssertEqual(unwritable.status, 0, unwritable.err)
        XCTAssertEqual(unwritable.out, none.out)
        XCTAssertTrue(unwritable.err.contains("cannot write"), unwritable.err)
        let quiet = try run(Array(args.dropLast()), environment: blocked)
        XCTAssertEqual(quiet.out, none.out)
        XCTAssertEqual(quiet.err, "")
    }
}
