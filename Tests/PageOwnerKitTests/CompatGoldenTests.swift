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
}
