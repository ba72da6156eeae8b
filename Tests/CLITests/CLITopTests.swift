import Foundation
import XCTest

/// `top` on a pipe prints one table per sample (the terminal view: CLITopTmuxTests).
final class CLITopTests: CLITestCase {
    func testPlainTablesOnAPipe() throws {
        let r = try run(["top", try liveArchive(), "--top", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        let tables = r.out.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(tables.count, 3, "one table per sample")
        // s1 -> s3: anonymous memory (wl-anon2's 48 MiB among it, faulted in by
        // __handle_mm_fault) grew the most; s2's tmpfs file is gone again by s3.
        let last = tables[2].split(separator: "\n").map(String.init)
        XCTAssertTrue(last[0].contains("sample 3"), last[0])
        XCTAssertTrue(last[2].hasSuffix("__handle_mm_fault"), last.joined(separator: "\n"))
        let second = tables[1].split(separator: "\n").map(String.init)
        XCTAssertTrue(second[2].hasSuffix("__handle_mm_fault") || second[2].hasSuffix("shmem_alloc_folio"), second.joined(separator: "\n"))
    }
}

/// The man page documents every option of `record` and `top` in their own sections.
final class LiveManPageTests: CLITestCase {
    func testManPageCoversRecordAndTopOptions() throws {
        let man = try String(contentsOf: Self.packageRoot.appendingPathComponent("man/page-owner-sort.1"), encoding: .utf8)
        for (command, section) in [("record", ".SH RECORD"), ("top", ".SH TOP")] {
            let start = try XCTUnwrap(man.range(of: section + "\n"), section)
            let rest = man[start.upperBound...]
            let text = String(rest[..<(rest.range(of: "\n.SH ")?.lowerBound ?? rest.endIndex)])
            let help = try run([command, "--help"])
            XCTAssertEqual(help.status, 0, help.err)
            var options = Set<String>()
            for word in help.out.split(whereSeparator: { " ,\n[]<>=:.()".contains($0) }) where word.hasPrefix("--") && word.count > 2 {
                options.insert(String(word.dropFirst(2)))
            }
            options.subtract(["help", "version"])
            XCTAssertGreaterThanOrEqual(options.count, command == "record" ? 12 : 7, "\(options)")
            for o in options.sorted() {
                let escaped = "\\-\\-" + o.replacingOccurrences(of: "-", with: "\\-")
                XCTAssertTrue(text.contains(escaped), "man page \(section) lacks --\(o)")
            }
        }
    }
}
