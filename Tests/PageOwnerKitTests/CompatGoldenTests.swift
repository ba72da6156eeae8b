import Foundation
import XCTest

@testable import PageOwnerKit

/// Every golden output of the kernel's page_owner_sort over the real dumps, byte for byte.
final class CompatGoldenTests: XCTestCase {
    func runCompat(dump: String, flags: String, out: URL) throws {
        let args = flags.split(separator: " ").map(String.init)
        let (f, positional) = try CompatFlags.parse(args)
        XCTAssertEqual(positional, [])
        let options = try f.resolve()
        let result = try CompatRun.aggregate(inputPath: TestFixtures.dump(dump), options: options, strict: true)
        let sink = try OutputSink(path: out.path)
        try result.sort.write(to: sink)
        try sink.commit()
        // Totals reconcile: every record kept by the filters lands in exactly one group.
        XCTAssertEqual(result.sort.totals.times, result.sort.kept)
    }

    func testEveryGoldenOutput() throws {
        let rows = try TestFixtures.goldenRows()
        XCTAssertEqual(rows.count, 238, "golden.tsv lists 14 dumps x 17 flag sets")
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var failures: [String] = []
        for (i, row) in rows.enumerated() {
            let out = dir.appendingPathComponent("out-\(i).txt")
            try runCompat(dump: row.dump, flags: row.flags, out: out)
            let got = try [UInt8](Data(contentsOf: out))
            let expected = try TestFixtures.readAll(TestFixtures.root.appendingPathComponent("golden/\(row.expected)").path)
            XCTAssertEqual(got.filter { $0 == 10 }.count, row.lines, "\(row.dump) [\(row.flags)] line count")
            if got != expected {
                failures.append("\(row.dump) [\(row.flags)]: \(TestFixtures.firstDifference(got, expected))")
            }
            try? FileManager.default.removeItem(at: out)
        }
        XCTAssert(failures.isEmpty, "\(failures.count) golden mismatches:\n" + failures.prefix(5).joined(separator: "\n"))
    }

    func output(_ dump: String, _ flags: String, exact: Bool, workers: Int) throws -> [UInt8] {
        let (f, _) = try CompatFlags.parse(flags.split(separator: " ").map(String.init))
        var options = try f.resolve()
        options.exactPathOnly = exact
        let result = try CompatRun.aggregate(inputPath: TestFixtures.dump(dump), options: options, strict: true, workers: workers)
        if !exact { XCTAssertEqual(result.sort.exactPath, 0, "real records take the fast path") }
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o")
        let sink = try OutputSink(path: out.path)
        try result.sort.write(to: sink)
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
}
