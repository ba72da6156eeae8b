import Foundation
import PageOwnerKit
import PageOwnerTestSupport
import XCTest

/// The compatible mode through the real command line: every golden output of the kernel's
/// page_owner_sort over the real dumps, byte for byte, from the built binary with the
/// golden's flags as its arguments.
final class CLICompatGoldenTests: CLITestCase {
    static let goldenDir = packageRoot.appendingPathComponent("Fixtures/golden")

    /// Rows of golden.tsv: dump, flags, expected file, line count.
    static func goldenRows() throws -> [(dump: String, flags: [String], expected: String, lines: Int)] {
        let text = try String(contentsOf: goldenDir.appendingPathComponent("golden.tsv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4 else { return nil }
            return (f[0], f[1].split(separator: " ").map(String.init), f[2], Int(f[3]) ?? -1)
        }
    }

    func testEveryGoldenOutputThroughTheCommandLine() throws {
        let rows = try Self.goldenRows()
        XCTAssertEqual(rows.count, 238, "golden.tsv lists 14 dumps x 17 flag sets")
        var failures: [String] = []
        for (i, row) in rows.enumerated() {
            let out = path("out-\(i).txt")
            let r = try run(row.flags + ["--strict", TestFixtures.dump(row.dump), out])
            XCTAssertEqual(r.status, 0, "\(row.dump) \(row.flags): \(r.err)")
            let got = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
            let expected = try TestFixtures.readAll(Self.goldenDir.appendingPathComponent(row.expected).path)
            XCTAssertEqual(got.filter { $0 == 10 }.count, row.lines, "\(row.dump) \(row.flags) line count")
            if got != expected { failures.append("\(row.dump) \(row.flags): \(got.count) bytes, expected \(expected.count)") }
            try? FileManager.default.removeItem(atPath: out)
        }
        XCTAssert(failures.isEmpty, "\(failures.count) golden mismatches:\n" + failures.prefix(5).joined(separator: "\n"))
    }

    /// The 2026 tool's module of each block of a dump, found by Foundation's regular
    /// expressions (an oracle independent of the tool's byte scanner): the first
    /// `\+0x[0-9a-f]+/0x[0-9a-f]+\s*\[([a-zA-Z0-9_-]+)\]` of the block, else `vmlinux`;
    /// with each module's blocks and pages.
    static func modulesByOracle(_ text: String) throws -> [String: (times: Int, pages: Int)] {
        let module = try NSRegularExpression(pattern: #"\+0x[0-9a-f]+/0x[0-9a-f]+\s*\[([a-zA-Z0-9_-]+)\]"#)
        let order = try NSRegularExpression(pattern: #"order\s*([0-9]*),"#)
        var out: [String: (times: Int, pages: Int)] = [:]
        for block in text.components(separatedBy: "\n\n") where block.hasPrefix("Page allocated") {
            let text = block.split(separator: "\n").filter { !$0.hasPrefix("PFN") }.joined(separator: "\n") as NSString
            let all = NSRange(location: 0, length: text.length)
            let name = module.firstMatch(in: text as String, range: all).map { text.substring(with: $0.range(at: 1)) } ?? "vmlinux"
            let o = order.firstMatch(in: text as String, range: all).map { Int(text.substring(with: $0.range(at: 1))) ?? 0 } ?? 0
            out[name, default: (0, 0)].times += 1
            out[name, default: (0, 0)].pages += 1 << o
        }
        return out
    }

    /// `-M --cull=mod` counts every block under its module, modules in ascending order;
    /// `--sort=-mod` reverses them.
    func testModuleCullMatchesTheOracle() throws {
        let dump = TestFixtures.dump("k7.3-m1536-numa/s2-workload/page_owner.nid_1")
        let expected = try Self.modulesByOracle(String(decoding: try TestFixtures.readAll(dump), as: UTF8.self))
        XCTAssertEqual(Set(expected.keys), ["ext4", "vmlinux"], "the fixture has module frames and others")
        let r = try run(["-M", "--cull=mod", dump, "-"])
        XCTAssertEqual(r.status, 0, r.err)
        var got: [String: (times: Int, pages: Int)] = [:]
        var order: [String] = []
        for line in r.out.split(separator: "\n") {
            // N times, P pages, module: X
            let f = line.split(separator: " ")
            XCTAssertEqual(f.count, 6, String(line))
            guard f.count == 6 else { continue }
            got[String(f[5])] = (Int(f[0]) ?? -1, Int(f[2]) ?? -1)
            order.append(String(f[5]))
        }
        XCTAssertEqual(order, expected.keys.sorted())
        for (m, c) in expected {
            XCTAssertEqual(got[m]?.times, c.times, "times of \(m)")
            XCTAssertEqual(got[m]?.pages, c.pages, "pages of \(m)")
        }
        let reversed = try run(["--sort=-mod", "--cull=module", dump, "-"])
        XCTAssertEqual(reversed.status, 0, reversed.err)
        XCTAssertEqual(reversed.out.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }, order.reversed())
    }

    /// `--module=ext4` keeps only blocks with an ext4 frame first among module frames,
    /// and prints the module of each group; `--module=vmlinux` keeps the rest.
    func testModuleSelection() throws {
        let dump = TestFixtures.dump("k7.3-m1536-numa/s2-workload/page_owner.nid_1")
        let expected = try Self.modulesByOracle(String(decoding: try TestFixtures.readAll(dump), as: UTF8.self))
        for m in ["ext4", "vmlinux"] {
            let r = try run(["--module=\(m)", "--cull=st", dump, "-"])
            XCTAssertEqual(r.status, 0, r.err)
            var times = 0
            for group in r.out.components(separatedBy: "\n\n") where !group.isEmpty {
                let header = group.prefix { $0 != "\n" }
                XCTAssertTrue(header.hasSuffix(", module: \(m):"), String(header))
                times += Int(header.prefix { $0 != " " }) ?? 0
                XCTAssertEqual(group.contains(" [ext4]"), m == "ext4", String(header))
            }
            XCTAssertEqual(times, expected[m]?.times, m)
        }
        let none = try run(["--module=xfs", "--cull=st", dump, "-"])
        XCTAssertEqual(none.status, 0, none.err)
        XCTAssertEqual(none.out, "", "no block has an xfs frame")
    }

    /// `-M` is one of the single-letter sort flags: with another it is a usage error, and it
    /// sorts as `--sort=mod` does.
    func testModuleSortFlag() throws {
        let dump = TestFixtures.dump("k7.3-m1536-numa/s2-workload/page_owner.nid_1")
        let both = try run(["-M", "-m", dump, "-"])
        XCTAssertEqual(both.status, 1)
        XCTAssertTrue(both.err.contains("-M"), both.err)
        let flag = try run(["-M", "--cull=st,mod", dump, "-"])
        let word = try run(["--sort=module", "--cull=mod,st", dump, "-"])
        XCTAssertEqual(flag.status, 0, flag.err)
        XCTAssertEqual(flag.out, word.out)
        let modules = flag.out.components(separatedBy: "\n\n").compactMap { g in
            g.prefix { $0 != "\n" }.components(separatedBy: ", module: ").last.map { $0.dropLast() }
        }.filter { !$0.isEmpty }
        XCTAssertEqual(modules, modules.sorted(), "groups in module order")
        XCTAssertEqual(Set(modules), ["ext4", "vmlinux"])
    }
}
