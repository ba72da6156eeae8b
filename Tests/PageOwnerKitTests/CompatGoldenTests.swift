import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The compatible mode's engine over the real dumps: its fast path, exact path and parallel
/// parts agree. (Every golden output of the kernel's page_owner_sort is compared byte for
/// byte through the real command line, in `CLICompatGoldenTests`.)
final class CompatGoldenTests: XCTestCase {
    func output(_ dump: String, _ flags: String, exact: Bool, workers: Int) throws -> [UInt8] {
        let (f, _) = try CompatFlags.parse(flags.split(separator: " ").map(String.init))
        var options = try f.resolve()
        options.exactPathOnly = exact
        let result = try CompatRun.aggregate(inputPath: TestFixtures.dump(dump), options: options, input: .init(strict: true, threads: workers))
        if !exact { XCTAssertEqual(result.exactPath, 0, "real records take the fast path") }
        // Totals reconcile: every record kept by the filters lands in exactly one group.
        XCTAssertEqual(result.totals.times, result.kept)
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o")
        let sink = try OutputSink(path: out.path)
        try result.write(to: sink)
        try sink.commit()
        return try [UInt8](Data(contentsOf: out))
    }

    /// The fast path (typed fields) and the exact path (the kernel tool's expressions on the
    /// text) give the same bytes; one worker and several give the same bytes.
    func testFastPathExactPathAndWorkersAgree() throws {
        for dump in ["k6.1-m1024/s1-boot/page_owner", "k7.3-m1536-numa/s1-boot/page_owner.mode_handle"] {
            for flags in ["", "-a", "-s", "--cull=tg,n,st", "-m --cull=st,ator", "--name=swapper/0,init --cull=pid,st"] {
                let fast = try output(dump, flags, exact: false, workers: 2)
                XCTAssertEqual(fast, try output(dump, flags, exact: true, workers: 1), "\(dump) [\(flags)] exact path")
                XCTAssertEqual(fast, try output(dump, flags, exact: false, workers: 1), "\(dump) [\(flags)] one worker")
                XCTAssertEqual(fast, try output(dump, flags, exact: false, workers: 3), "\(dump) [\(flags)] three workers")
            }
        }
    }

    /// The same with the 2026 tool's module sort, cull and selection, on a dump with module
    /// frames.
    func testModuleFlagsFastPathExactPathAndWorkersAgree() throws {
        let dump = "k7.3-m1536-numa/s2-workload/page_owner.nid_1"
        for flags in ["-M --cull=mod", "--cull=mod,st --module=ext4", "-m --cull=pid,mod --module=vmlinux,ext4", "--sort=-mod,p"] {
            let fast = try output(dump, flags, exact: false, workers: 2)
            XCTAssertFalse(fast.isEmpty, flags)
            XCTAssertEqual(fast, try output(dump, flags, exact: true, workers: 1), "\(dump) [\(flags)] exact path")
            XCTAssertEqual(fast, try output(dump, flags, exact: false, workers: 3), "\(dump) [\(flags)] three workers")
        }
    }
}
