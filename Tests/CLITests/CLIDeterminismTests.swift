import Foundation
import XCTest

/// Output is a function of the input and the options alone: two separate processes (each
/// with its own randomly seeded `Hasher`), on 1 and 3 parsing threads, write the same bytes
/// in every format and in the compatible mode.
final class CLIDeterminismTests: CLITestCase {
    static let dump = CLITestCase.fixture("k6.12-m1024/s1-boot/page_owner")

    func bytes(_ args: [String], threads: Int) throws -> Data {
        let out = path("out-\(UUID().uuidString)")
        let r = try run(args + [out], environment: ["PAGE_OWNER_SORT_THREADS": String(threads)])
        XCTAssertEqual(r.status, 0, "\(args): \(r.err)")
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    func testEveryFormatIsTheSameInTwoProcesses() throws {
        for format in ["text", "csv", "json", "jsonl", "folded", "svg", "html", "pprof"] {
            for keys in ["stack", "comm,order,caller"] {
                let args = ["report", "--format", format, "--group-by", keys, Self.dump, "-o"]
                let first = try bytes(args, threads: 1)
                XCTAssertGreaterThan(first.count, 100, "\(format) \(keys)")
                XCTAssertEqual(try bytes(args, threads: 1), first, "\(format) \(keys): a second process differs")
                XCTAssertEqual(try bytes(args, threads: 3), first, "\(format) \(keys): 3 threads differ")
            }
        }
    }

    func testCompatibleModeIsTheSameInTwoProcesses() throws {
        for flags in [["--cull=stacktrace"], ["-m"], ["--cull=pid,name", "--sort=-tg,n"], []] {
            let args = flags + [Self.dump]
            let first = try bytes(args, threads: 1)
            XCTAssertEqual(try bytes(args, threads: 1), first, "\(flags): a second process differs")
            XCTAssertEqual(try bytes(args, threads: 3), first, "\(flags): 3 threads differ")
        }
    }

    func testDiffAndSeriesAreTheSameInTwoProcesses() throws {
        let s1 = Self.dump
        let s2 = CLITestCase.fixture("k6.12-m1024/s2-workload/page_owner.zst")
        for args in [["diff", "--format", "csv", s1, s2, "-o"], ["series", "--format", "json", s1, s2, "-o"]] {
            let first = try bytes(args, threads: 1)
            XCTAssertEqual(try bytes(args, threads: 1), first, "\(args[0]): a second process differs")
            XCTAssertEqual(try bytes(args, threads: 3), first, "\(args[0]): 3 threads differ")
        }
    }
}
