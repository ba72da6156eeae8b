import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// Every real dump is detected by content and parsed to the counts the fixture README
/// gives, plain, gzip- and zstd-compressed, and as members of one `.tar.zst` of them all.
final class FixtureInventoryTests: XCTestCase {
    struct Expected {
        var path: String  // relative to Fixtures/, as stored (maybe .zst)
        var records: Int64
        var pages: Int64?
        var format: InputFormat?
    }

    /// Rows of the README's "Record counts" table.
    static func expectations() throws -> [Expected] {
        let text = try String(contentsOf: TestFixtures.root.appendingPathComponent("README.shared.md"), encoding: .utf8)
        var out: [Expected] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| k") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let path = cells[0]
            let records = Int64(cells[2].split(separator: " ")[0]) ?? -1
            let pages = Int64(cells[3])
            let name = (path as NSString).lastPathComponent
            let format: InputFormat?
            if records == 0 {
                format = nil
            } else if name.hasPrefix("page_owner") {
                format = .pageOwner
            } else if name.hasPrefix("show_stacks_handles") {
                format = .showStacksHandles
            } else if name.hasPrefix("show_stacks") {
                format = .showStacks
            } else {
                format = .showHandles
            }
            out.append(Expected(path: path, records: records, pages: pages, format: format))
        }
        return out
    }

    /// Reads every stream at `path`; returns (name, format, records, pages) per stream.
    func read(_ path: String) throws -> [(String, InputFormat?, Int64, Int64)] {
        var run = ReportRun()
        run.keys = [.stack]
        run.strict = true
        let agg = try run.makeAggregator()
        try run.read(path, into: agg)
        return agg.totals.map { ($0.name, $0.format, $0.recordsRead, $0.pagesRead) }
    }

    func check(_ e: Expected, _ got: (String, InputFormat?, Int64, Int64), _ how: String) {
        XCTAssertEqual(got.1, e.format, "\(e.path) \(how): format")
        XCTAssertEqual(got.2, e.records, "\(e.path) \(how): records")
        if let p = e.pages { XCTAssertEqual(got.3, p, "\(e.path) \(how): base pages") }
    }

    @discardableResult
    func shell(_ cmd: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", cmd]
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    func testEveryFixtureInEveryContainer() throws {
        let all = try Self.expectations()
        XCTAssertEqual(all.count, 38, "the README lists 38 files")
        guard try shell("command -v zstd >/dev/null && command -v gzip >/dev/null && command -v tar >/dev/null") == 0 else {
            throw XCTSkip("zstd, gzip or tar is missing")
        }
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let plainDir = dir.appendingPathComponent("plain")
        for e in all {
            let src = TestFixtures.root.appendingPathComponent(e.path).path
            // As stored (plain, or .zst as the fixture set keeps large files).
            let stored = try read(src)
            XCTAssertEqual(stored.count, 1)
            check(e, stored[0], "as stored")
            // Plain, gzip and zstd copies under names that say nothing of their content.
            let plainPath = plainDir.appendingPathComponent(e.path.hasSuffix(".zst") ? String(e.path.dropLast(4)) : e.path).path
            try FileManager.default.createDirectory(
                atPath: (plainPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try shell("zstd -q -d -c -f '\(src)' 2>/dev/null > '\(plainPath)' || cp '\(src)' '\(plainPath)'")
            let g = dir.appendingPathComponent("g.bin").path
            let z = dir.appendingPathComponent("z.bin").path
            try shell("gzip -c '\(plainPath)' > '\(g)' && zstd -q -c '\(plainPath)' > '\(z)'")
            for (how, p) in [("plain", plainPath), ("gzip", g), ("zstd", z)] {
                let r = try read(p)
                XCTAssertEqual(r.count, 1)
                check(e, r[0], how)
            }
        }
        // One .tar.zst of every plain file: one snapshot per member that is a dump.
        let tar = dir.appendingPathComponent("all.tar.zst").path
        XCTAssertEqual(try shell("cd '\(plainDir.path)' && tar -cf - k* | zstd -q -c > '\(tar)'"), 0)
        let members = try read(tar)
        let nonEmpty = all.filter { $0.records > 0 }
        XCTAssertEqual(members.count, nonEmpty.count, "every non-empty dump is a member snapshot")
        for e in nonEmpty {
            let name = e.path.hasSuffix(".zst") ? String(e.path.dropLast(4)) : e.path
            guard let m = members.first(where: { $0.0.hasSuffix(":" + name) }) else {
                XCTFail("no member for \(name)")
                continue
            }
            check(e, m, "in tar.zst")
        }
    }
}
