import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The library pieces behind the command line's guidance: size bounds, "did you mean", the
/// dump sniffer and stack ids.
final class CommandLineHelpersTests: XCTestCase {
    func testSizeBoundsAreExactInPages() throws {
        let cases: [(String, Int64)] = [
            ("4096", 4096), ("4096p", 4096), ("12 pages", 12), ("4096B", 1), ("4095B", 0), ("8191b", 1), ("512KiB", 128), ("512K", 128),
            ("10MiB", 2560), ("10MB", 2560), ("1G", 262_144), ("1.5GiB", 393_216), ("1T", 268_435_456), ("0", 0), ("-1", -1),
        ]
        for (text, pages) in cases {
            XCTAssertEqual(try SizeBound.parse(text).pages(pageSize: 4096), pages, text)
        }
        // A size bound means bytes_delta > bytes: delta pages d exceed it exactly when d > pages(...).
        for bytes in [-8193, -4096, -1, 0, 1, 4095, 4096, 4097, 12_288] as [Int64] {
            let b = SizeBound(value: bytes, unit: .bytes, text: "")
            for d in -4...4 as ClosedRange<Int64> {
                XCTAssertEqual(d * 4096 > bytes, d > b.pages(pageSize: 4096), "\(bytes) B, \(d) pages")
            }
        }
        XCTAssertEqual(try SizeBound.parse("2MiB").pages(pageSize: 65536), 32, "sizes follow --page-size")
        for bad in ["", "MiB", "10MB/s", "1.5", "ten", "99999999999T"] {
            XCTAssertThrowsError(try SizeBound.parse(bad), bad)
        }
    }

    func testSuggestionsAreNearAndUnambiguous() {
        let keys = GroupKey.allCases.map(\.rawValue)
        XCTAssertEqual(Suggestion.closest(to: "comn", among: keys), "comm")
        XCTAssertEqual(Suggestion.closest(to: "calelr", among: keys), "caller", "a swap of neighbours is one edit")
        XCTAssertEqual(Suggestion.closest(to: "jsn", among: ReportFormat.allCases.map(\.rawValue)), "json")
        XCTAssertNil(Suggestion.closest(to: "colour", among: keys))
        XCTAssertNil(Suggestion.closest(to: "x", among: ["a", "b"]), "no guess for one letter")
        XCTAssertNil(Suggestion.closest(to: "ab", among: ["ac", "ad"]), "a tie is no suggestion")
    }

    /// The man page's `--format` list names every format value (html included).
    func testManPageNamesEveryFormat() throws {
        let man = try String(contentsOf: TestFixtures.packageRoot.appendingPathComponent("man/page-owner-sort.1"), encoding: .utf8)
        guard let start = man.range(of: ".SS Formats"), let end = man.range(of: ".SS ", range: start.upperBound..<man.endIndex) else {
            return XCTFail("no Formats section in the man page")
        }
        let section = man[start.upperBound..<end.lowerBound]
        for f in ReportFormat.allCases { XCTAssertNotNil(section.range(of: "\n.B \(f.rawValue)\n"), "man page: --format \(f.rawValue)") }
    }

    func testDumpSnifferReadsOnlyDumps() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sniff-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ text: String) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try Data(text.utf8).write(to: URL(fileURLWithPath: p))
            return p
        }
        XCTAssertEqual(DumpSniffer.describe(path: TestFixtures.dump("k6.12-m1024/s1-boot/page_owner")), "a page_owner dump")
        XCTAssertEqual(
            DumpSniffer.describe(path: TestFixtures.dump("k7.3-m1536-numa/s1-boot/page_owner.zst")), "a zstd-compressed page_owner dump")
        XCTAssertEqual(DumpSniffer.describe(path: TestFixtures.dump("k6.12-m1024/s1-boot/show_stacks")), "a show_stacks dump")
        // CRLF line ends, as the readers take them.
        let crlf = try String(contentsOfFile: TestFixtures.dump("k6.12-m1024/s1-boot/page_owner"), encoding: .utf8).prefix(4000)
            .replacingOccurrences(of: "\n", with: "\r\n")
        XCTAssertEqual(DumpSniffer.describe(path: try file("crlf", crlf)), "a page_owner dump")
        // Reports, sorted output, empty files, directories and devices are not dumps.
        let blocks = try String(contentsOfFile: TestFixtures.dump("k6.12-m1024/s1-boot/page_owner"), encoding: .utf8).prefix(20000)
            .components(separatedBy: "\n\n")
        let sorted = blocks.map { "1 times, 1 pages, allocated by OTHERS :\n" + $0 }.joined(separator: "\n\n")
        XCTAssertNil(DumpSniffer.describe(path: try file("sorted", sorted)), "the compatible mode's output")
        XCTAssertNil(DumpSniffer.describe(path: try file("csv", "comm,records,pages\r\ndd,1,1\r\n")))
        XCTAssertNil(DumpSniffer.describe(path: try file("empty", "")))
        XCTAssertNil(DumpSniffer.describe(path: dir.path))
        XCTAssertNil(DumpSniffer.describe(path: "/dev/null"))
        XCTAssertNil(DumpSniffer.describe(path: dir.appendingPathComponent("missing").path))
    }

    func testStackIDsAreShortAndStable() {
        let a = StackID.of(frames: ["get_page_from_freelist+0x2b9/0x1300", "__alloc_pages_noprof+0x10d/0x2a0"])
        XCTAssertEqual(a.count, 10)
        XCTAssertTrue(a.allSatisfy(\.isHexDigit))
        XCTAssertEqual(a, StackID.of(frames: ["get_page_from_freelist+0x2b9/0x1300", "__alloc_pages_noprof+0x10d/0x2a0"]))
        XCTAssertNotEqual(a, StackID.of(frames: ["get_page_from_freelist+0x2b9/0x1300", "__alloc_pages_noprof+0x10d/0x2a1"]))
        XCTAssertNotEqual(a, StackID.of(frames: ["__alloc_pages_noprof+0x10d/0x2a0", "get_page_from_freelist+0x2b9/0x1300"]))
    }
}
