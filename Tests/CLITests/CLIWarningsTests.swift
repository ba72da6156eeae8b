import Foundation
import XCTest

/// Warnings reach the user in every format and on stderr; `--strict` fails on a key or
/// filter the input cannot answer; archives of several snapshots are reported and put in
/// series in time order (issue 12, items 3, 4, 5 and 8).
final class CLIWarningsTests: CLITestCase {
    func sh(_ cmd: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", cmd]
        p.currentDirectoryURL = tmp
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    func json(_ s: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any], s)
    }

    /// report, diff and series: the warning the text footer shows is on stderr for csv,
    /// json, jsonl, folded and svg (and for text written to a file), and in the JSON and SVG.
    func testWarningsReachStderrInEveryFormat() throws {
        let a = Self.fixture("k6.12-m1024/s1-boot/show_stacks")
        let b = Self.fixture("k6.12-m1024/s2-workload/show_stacks")
        let missing = "warning: --group-by comm needs comm"
        for (command, inputs) in [("report", [b]), ("diff", [a, b]), ("series", [a, b])] {
            let text = try run([command] + inputs + ["--group-by", "comm"])
            XCTAssertEqual(text.status, 0, text.err)
            XCTAssertTrue(text.out.contains("\n" + missing), "\(command) text footer: \(text.out.suffix(600))")
            // series refuses folded (one count per stack, not per snapshot).
            for format in ["csv", "json", "jsonl", "folded", "svg", "text"] where !(command == "series" && format == "folded") {
                let args =
                    [command] + inputs + ["--group-by", "comm", "--format", format] + (format == "text" ? ["-o", path("t.txt")] : [])
                let r = try run(args)
                XCTAssertEqual(r.status, 0, "\(command) \(format): \(r.err)")
                XCTAssertTrue(r.err.contains("page-owner-sort: " + missing), "\(command) \(format) stderr: \(r.err)")
                if format == "json" {
                    let w = try json(r.out)["warnings"] as? [String]
                    XCTAssertTrue(w?.contains { $0.hasPrefix("--group-by comm needs comm") } ?? false, "\(command) json: \(w ?? [])")
                }
                if format == "svg" {
                    XCTAssertTrue(r.out.contains("<desc>" + missing), "\(command) svg")
                }
            }
        }
        // A warning the text footer always had (handles without stacks) now reaches csv users too.
        let handles = Self.fixture("k7.3-m1536-numa/s1-boot/show_handles")
        let csv = try run(["report", handles, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.err)
        XCTAssertTrue(csv.err.contains("handle(s) have no stack in the inputs"), csv.err)
    }

    /// A pre-5.11 dump (generated: the fixtures are 6.1+) has no comm: `--comm dd` keeps
    /// nothing and says why; with --strict it is an input error and no output is written.
    func testStrictFailsOnAFilterTheInputCannotAnswer() throws {
        let gen = URL(fileURLWithPath: bin).deletingLastPathComponent().appendingPathComponent("page-owner-gen").path
        guard FileManager.default.isExecutableFile(atPath: gen) else { throw XCTSkip("page-owner-gen not built") }
        XCTAssertEqual(try sh("'\(gen)' era --era v4_6 --records 200 v46"), 0)
        let lenient = try run(["report", path("v46"), "--comm", "dd", "--since", "5s", "-o", path("out.txt")])
        XCTAssertEqual(lenient.status, 0, lenient.err)
        XCTAssertTrue(
            lenient.err.contains("--comm, --since need comm, ts, which \(path("v46")) does not carry"), lenient.err)
        XCTAssertTrue(lenient.err.contains("pid and ts appear in page_owner from Linux 5.11; tgid and comm from 5.18"), lenient.err)
        let strict = try run(["report", path("v46"), "--group-by", "comm", "--strict", "-o", path("strict.txt")])
        XCTAssertEqual(strict.status, 2, strict.err)
        XCTAssertTrue(strict.err.contains("--group-by comm needs comm"), strict.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("strict.txt")))
        for command in ["diff", "series"] {
            let r = try run([command, path("v46"), path("v46"), "--pid", "1", "--strict", "-o", path("\(command).txt")])
            XCTAssertEqual(r.status, 2, "\(command): \(r.err)")
        }
    }

    /// An archive that stores s3, s2, s1 (in that order): `series` runs s1 → s3 by capture
    /// time, `report` reports s3 (or the sum with --sum), and both say so.
    func testArchiveOfSnapshotsInReverseOrder() throws {
        guard try sh("command -v tar >/dev/null") == 0 else { throw XCTSkip("no tar") }
        let names = ["s1-boot", "s2-workload", "s3-after"]
        for n in names {
            try FileManager.default.createDirectory(atPath: path(n), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: Self.fixture("k7.3-m1536-numa/\(n)/page_owner.zst"), toPath: path("\(n)/page_owner.zst"))
        }
        XCTAssertEqual(try sh("tar -cf run.tar s3-after/page_owner.zst s2-workload/page_owner.zst s1-boot/page_owner.zst"), 0)
        let series = try run(["series", path("run.tar"), "--group-by", "comm", "--format", "json"])
        XCTAssertEqual(series.status, 0, series.err)
        let doc = try json(series.out)
        XCTAssertEqual(doc["snapshots"] as? [String], names.map { "\(path("run.tar")):\($0)/page_owner.zst" })
        XCTAssertTrue((doc["notes"] as? [String])?.first?.contains("capture order") ?? false, "\(doc["notes"] ?? "none")")
        XCTAssertTrue(series.err.contains("note: snapshots in capture order"), series.err)
        let dd = try XCTUnwrap((doc["groups"] as? [[String: Any]])?.first { $0["comm"] as? String == "dd" })
        XCTAssertGreaterThan(dd["slope_pages"] as? Double ?? 0, 0, "dd grew over the run")

        let report = try run(["report", path("run.tar"), "--group-by", "comm", "--format", "json"])
        XCTAssertEqual(report.status, 0, report.err)
        let r = try json(report.out)
        XCTAssertEqual((r["inputs"] as? [[String: Any]])?.map { $0["name"] as? String }, ["\(path("run.tar")):s3-after/page_owner.zst"])
        XCTAssertTrue((r["notes"] as? [String])?.first?.contains("reporting the latest") ?? false)
        XCTAssertTrue(report.err.contains("note: an input holds 3 page_owner snapshots"), report.err)
        let s3 = try run(["report", Self.fixture("k7.3-m1536-numa/s3-after/page_owner.zst"), "--group-by", "comm", "--format", "json"])
        XCTAssertEqual(
            (try json(s3.out)["totals"] as? [String: Any])?["pages"] as? Int, (r["totals"] as? [String: Any])?["pages"] as? Int)
        let sum = try run(["report", path("run.tar"), "--sum", "--group-by", "comm", "--format", "json"])
        XCTAssertEqual((try json(sum.out)["inputs"] as? [[String: Any]])?.count, 3)
        XCTAssertTrue(sum.err.contains("as --sum asks"), sum.err)
    }

    /// Two dumps joined into one file: the text footer and stderr say so.
    func testJoinedDumpsWarn() throws {
        let s1 = Self.fixture("k6.12-m1024/s1-boot/page_owner")
        XCTAssertEqual(try sh("cat '\(s1)' '\(s1)' > joined"), 0)
        let r = try run(["report", path("joined"), "--format", "csv", "-o", path("j.csv")])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("the PFNs go back 1 time(s)"), r.err)
        let t = try run(["report", path("joined"), "--top", "1"])
        XCTAssertTrue(t.out.contains("warning: \(path("joined")): the PFNs go back 1 time(s)"), t.out)
    }
}
