import Foundation
import XCTest

/// `top` on a pipe prints one table per sample. (A tmux test of the terminal view is still to come.)
final class CLITopTests: CLITestCase {
    /// An archive like `record` writes, from the real 7.3 snapshots s1, s2, s3.
    func archive() throws -> String {
        let dir = path("members")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var names: [String] = []
        for (i, s) in ["s1-boot", "s2-workload", "s3-after"].enumerated() {
            let src = Self.fixture("k7.3-m1536-numa/\(s)") + "/"
            let stacks = "stacks-00000\(i + 1).show_stacks_handles"
            let sample = "sample-00000\(i + 1).show_handles"
            try FileManager.default.copyItem(atPath: src + "show_stacks_handles", toPath: dir + "/" + stacks)
            try FileManager.default.copyItem(atPath: src + "show_handles", toPath: dir + "/" + sample)
            names += [stacks, sample]
        }
        let out = path("run.tar")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-cf", out, "-C", dir] + names
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        return out
    }

    func testPlainTablesOnAPipe() throws {
        let r = try run(["top", try archive(), "--top", "3"])
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
