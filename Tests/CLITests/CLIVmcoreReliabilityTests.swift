import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Signals, files changed under the tool, and inputs with nothing in them (issue 18): the
/// run ends with a documented status and message, and leaves no file behind.
final class CLIVmcoreReliabilityTests: CLITestCase {
    static var vmcoreDir: URL { packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vmcore") }

    /// The flattened kdump and a plain copy of the vmlinux in the test's folder.
    func dumpAndPlainVmlinux() throws -> (dump: String, vmlinux: String) {
        let flat = Self.vmcoreDir.appendingPathComponent("vmcore.kdump-zlib.zst").path
        guard FileManager.default.fileExists(atPath: flat) else { throw XCTSkip("../shared/vmcore is absent") }
        let vmlinux = path("vmlinux")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "zstd -dcq '\(Self.vmcoreDir.appendingPathComponent("vmlinux.zst").path)' > '\(vmlinux)'"]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw XCTSkip("zstd is not installed") }
        return (flat, vmlinux)
    }

    /// Starts the binary with `args`; stderr goes to a file (read with `stderr()`).
    func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: path("stderr"), contents: nil)
        p.standardError = FileHandle(forWritingAtPath: path("stderr"))
        try p.run()
        return p
    }

    func stderr() -> String { (try? String(contentsOfFile: path("stderr"), encoding: .utf8)) ?? "" }

    /// The vmlinux cut to 1 MiB while its debug info is being read (it is mapped): before,
    /// a SIGBUS killed the run.
    func testInputCutWhileReadingIsExit2() throws {
        let (dump, vmlinux) = try dumpAndPlainVmlinux()
        let p = try start(["report", dump, "--vmlinux", vmlinux, "-o", path("out.txt")])
        usleep(1_500_000)
        XCTAssertTrue(p.isRunning, "the debug build reads the vmlinux's debug info for longer than 1.5 s")
        XCTAssertEqual(truncate(vmlinux, 1 << 20), 0)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .exit, "ended by signal \(p.terminationStatus): \(stderr())")
        XCTAssertEqual(p.terminationStatus, 2, stderr())
        XCTAssertTrue(stderr().contains("\(vmlinux): input changed while reading"), stderr())
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.txt")))
    }

    /// SIGTERM and SIGINT while the output is being written (`--as-text` opens it first):
    /// exit 143 and 130, and the temporary output file is gone.
    func testSignalsRemoveTheOutputTemporaryFile() throws {
        let (dump, vmlinux) = try dumpAndPlainVmlinux()
        for (sig, status) in [(SIGTERM, Int32(143)), (SIGINT, Int32(130))] {
            let p = try start(["report", "--as-text", dump, "--vmlinux", vmlinux, "-o", path("out.txt")])
            var temp: String?
            for _ in 0..<200 where temp == nil {
                temp = try FileManager.default.contentsOfDirectory(atPath: tmp.path).first { $0.hasPrefix(".out.txt.tmp-") }
                usleep(20_000)
            }
            XCTAssertNotNil(temp, "the output's temporary file appears")
            XCTAssertTrue(p.isRunning)
            kill(p.processIdentifier, sig)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .exit, "ended by signal \(p.terminationStatus)")
            XCTAssertEqual(p.terminationStatus, status)
            let left = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.contains(".tmp-") }
            XCTAssertEqual(left, [], "no temporary file is left")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.txt")))
        }
    }

    /// Nothing to read: exit 0, and stderr says so (before, silence).
    func testEmptyInputSaysNoRecords() throws {
        FileManager.default.createFile(atPath: path("empty"), contents: Data())
        for args in [["report", "/dev/null", "-o", path("r.txt")], ["report", path("empty"), "-o", path("r.txt")], ["/dev/null", path("c.txt")]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("no records"), "\(args): \(r.err)")
        }
    }

    /// A tar `g` header and a directory whose base-256 size is near Int.max: before, the
    /// size plus its padding trapped.
    func testTarSizeNearIntMaxIsAnArchiveError() throws {
        for type in [UInt8(ascii: "g"), UInt8(ascii: "5")] {
            var h = [UInt8](repeating: 0, count: 512)
            for (i, c) in "entry".utf8.enumerated() { h[i] = c }
            h[124] = 0x80  // base-256: 0x7fff_ffff_ffff_ff00 (its padding would pass Int.max)
            h[128] = 0x7f
            for i in 129..<135 { h[i] = 0xff }
            h[156] = type
            for (i, c) in "ustar\u{0}00".utf8.enumerated() { h[257 + i] = c }
            for i in 148..<156 { h[i] = 0x20 }
            let sum = h.reduce(0) { $0 + Int($1) }
            for (i, c) in String(format: "%06o\u{0} ", sum).utf8.enumerated() { h[148 + i] = c }
            let archive = path("huge.tar")
            try Data(h + [UInt8](repeating: 0, count: 1024)).write(to: URL(fileURLWithPath: archive))
            let r = try run(["report", archive, "-o", path("r.txt")])
            XCTAssertEqual(r.status, 2, r.err)
            XCTAssertTrue(r.err.contains("impossible size"), r.err)
        }
    }

    /// Three `order 63` records: 2^63 pages each. Before, the page counters wrapped
    /// (9223372036854775805 pages); now they hold at Int64.max.
    func testOrder63DoesNotWrapPageCounters() throws {
        var text = ""
        for i in 1...3 {
            text += "Page allocated via order 63, mask 0x0(), pid 0, tgid 0 (swapper), ts 0 ns\n"
            text += "PFN 0x\(i)00 type Unmovable Block 0 type Unmovable Flags 0x0(section=0|node=0|zone=0)\n"
            text += " register_early_stack+0x36/0x50\n init_page_owner+0x27/0x370\n\n"
        }
        try text.write(toFile: path("o63.txt"), atomically: true, encoding: .utf8)
        let r = try run(["report", path("o63.txt"), "--format", "json", "-o", "-"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertFalse(r.out.contains("9223372036854775805"), r.out)
        XCTAssertTrue(r.out.contains("\"pages\":9223372036854775807"), r.out)
    }
}
