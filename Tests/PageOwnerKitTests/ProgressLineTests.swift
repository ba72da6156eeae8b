import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

#if canImport(Glibc)
import Glibc
#endif

/// The progress line: its text, and the gate that keeps it off files and pipes.
final class ProgressLineTests: XCTestCase {
    func testLineWithAndWithoutATotal() {
        XCTAssertEqual(
            ProgressLine.line(bytes: 3 << 20, total: 12 << 20, records: 4567, seconds: 2),
            "page-owner-sort: read 3.0 MiB of 12.0 MiB (25%), 1.5 MiB/s, 4567 records")
        // A pipe or a debugfs file: bytes so far.
        XCTAssertEqual(
            ProgressLine.line(bytes: 3 << 20, total: nil, records: 30699, seconds: 0.5),
            "page-owner-sort: read 3.0 MiB, 6.0 MiB/s, 30699 records")
        // A mapped file's first bytes are read twice (format sniff): never over 100%.
        XCTAssertEqual(
            ProgressLine.line(bytes: 2000, total: 1000, records: 0, seconds: 0),
            "page-owner-sort: read 2.0 KiB of 1000 B (100%), 0 B/s, 0 records")
    }

    func testShownOnlyOnATerminal() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = open(dir.appendingPathComponent("err").path, O_WRONLY | O_CREAT, 0o600)
        defer { close(file) }
        XCTAssertFalse(ProgressLine.allowed(fd: file, environment: ["TERM": "xterm"]), "a file")
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        XCTAssertFalse(ProgressLine.allowed(fd: fds[1], environment: ["TERM": "xterm"]), "a pipe")
        // A terminal: see CLICommandTests.testProgressOnlyOnATerminal (under script(1)).
    }

    func testTotalOnlyForRegularFilesOfKnownSize() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a").path
        let b = dir.appendingPathComponent("b").path
        let empty = dir.appendingPathComponent("empty").path
        try Data(count: 1000).write(to: URL(fileURLWithPath: a))
        try Data(count: 24).write(to: URL(fileURLWithPath: b))
        try Data().write(to: URL(fileURLWithPath: empty))
        XCTAssertEqual(ProgressLine.totalSize([a, b]), 1024)
        XCTAssertNil(ProgressLine.totalSize([a, "-"]), "stdin")
        XCTAssertNil(ProgressLine.totalSize([a, empty]), "size 0, as debugfs files report")
        let fifo = dir.appendingPathComponent("fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        XCTAssertNil(ProgressLine.totalSize([fifo]), "a FIFO")
    }
}
