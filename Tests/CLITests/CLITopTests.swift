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
