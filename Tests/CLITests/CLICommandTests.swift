import Foundation
import XCTest

/// The subcommands end to end on real fixtures: exit statuses, stdin and size-0 inputs.
final class CLICommandTests: CLITestCase {
    func testDiffFailOnGrowthExitStatus() throws {
        let a = Self.fixture("k6.12-m1024/s1-boot/page_owner")
        let b = Self.fixture("k6.12-m1024/s2-workload/page_owner.zst")
        let over = try run(["diff", a, b, "--group-by", "comm", "--fail-on-growth", "16417", "-o", path("d.txt")])
        XCTAssertEqual(over.status, 3, over.err)
        XCTAssertTrue(over.err.contains("grew beyond the bound"), over.err)
        XCTAssertTrue(over.err.contains("comm=dd"), over.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("d.txt")), "the report is still written")
        let under = try run(["diff", a, b, "--group-by", "comm", "--fail-on-growth", "100000", "-o", path("d2.txt")])
        XCTAssertEqual(under.status, 0, under.err)
        let pct = try run(["diff", a, a, "--fail-on-growth-percent", "0", "-o", path("d3.txt")])
        XCTAssertEqual(pct.status, 0, "no group grows against itself: \(pct.err)")
        let newGroups = try run(["diff", a, b, "--fail-on-growth-percent", "1000", "-o", "/dev/null"])
        XCTAssertEqual(newGroups.status, 3, "new groups count as unbounded growth")
    }

    /// A debugfs file reports size 0 until read; a FIFO does the same.
    func testSizeZeroInputIsReadToItsEnd() throws {
        let src = Self.fixture("k6.12-m1024/s1-boot/page_owner")
        let fifo = path("fifo")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat '\(src)' > '\(fifo)'"]
        try writer.run()
        let viaFifo = try run(["--cull=stacktrace", fifo, path("fifo.txt")])
        writer.waitUntilExit()
        XCTAssertEqual(viaFifo.status, 0, viaFifo.err)
        let direct = try run(["--cull=stacktrace", src, path("file.txt")])
        XCTAssertEqual(direct.status, 0, direct.err)
        let x = try Data(contentsOf: URL(fileURLWithPath: path("fifo.txt")))
        XCTAssertEqual(x, try Data(contentsOf: URL(fileURLWithPath: path("file.txt"))))
        XCTAssertGreaterThan(x.count, 1000)
    }

    /// `report show_handles show_stacks_handles` in either order, and with `--stacks`, prints
    /// the same report (only the `input:` lines follow the order given); a handle the map
    /// lacks is warned about without asking for the map that was given. Before the fix the
    /// first order warned "290 handle(s) have no stack ... give a show_stacks_handles file".
    func testHandleJoinOrderAndWarning() throws {
        let dir = Self.fixture("k7.3-m1536-numa/s1-boot") + "/"
        let a = try run(["report", dir + "show_handles", dir + "show_stacks_handles", "--group-by", "caller"])
        let b = try run(["report", dir + "show_stacks_handles", dir + "show_handles", "--group-by", "caller"])
        let c = try run(["report", "--stacks", dir + "show_stacks_handles", dir + "show_handles", "--group-by", "caller"])
        func body(_ r: Result) -> String { r.out.split(separator: "\n").filter { !$0.hasPrefix("input: ") }.joined(separator: "\n") }
        for r in [a, b, c] { XCTAssertEqual(r.status, 0, r.err) }
        XCTAssertEqual(body(a), body(b))
        XCTAssertEqual(body(a), body(c))
        XCTAssertFalse(a.out.contains("unresolved"), a.out)
        XCTAssertFalse(a.out.contains("warning"), a.out)
        // A mode=handle dump whose early-boot handles show_stacks_handles does not list.
        let s2 = Self.fixture("k7.3-m1536-numa/s2-workload") + "/"
        var outs: [String] = []
        for threads in ["1", "2", "3"] {
            let r = try run(
                ["report", s2 + "page_owner.mode_handle.zst", "--stacks", s2 + "show_stacks_handles", "--group-by", "caller"],
                environment: ["PAGE_OWNER_SORT_THREADS": threads])
            XCTAssertEqual(r.status, 0, r.err)
            outs.append(r.out)
            let warning = try XCTUnwrap(r.out.split(separator: "\n").first { $0.contains("handle(s)") }, r.out)
            XCTAssertTrue(warning.contains("not in the handle->stack map given"), String(warning))
            XCTAssertFalse(warning.contains("give a show_stacks_handles"), String(warning))
        }
        XCTAssertEqual(Set(outs).count, 1, "the same output on 1, 2 and 3 threads")
        let alone = try run(["report", s2 + "page_owner.mode_handle.zst", "--group-by", "caller"])
        XCTAssertTrue(alone.out.contains("give a show_stacks_handles file with --stacks"), alone.out)
    }

    /// A run of over a second (a pipe that pauses) shows a progress line when stderr is a
    /// terminal (under script(1)), and none when stderr is a file.
    func testProgressOnlyOnATerminal() throws {
        let dump = Self.fixture("k7.3-m1536-numa/s1-boot/page_owner.nid_1")
        let pipeline = "(cat '\(dump)'; sleep 1.6) | '\(bin!)' report - --group-by caller"
        let toFile = try run(["/bin/sh", "-c", pipeline + " > '\(path("out1"))' 2> '\(path("err1"))'"], shell: true)
        XCTAssertEqual(toFile.status, 0)
        let err = try String(contentsOfFile: path("err1"), encoding: .utf8)
        XCTAssertFalse(err.contains("read "), err)
        XCTAssertFalse(err.contains("\r"), err)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no script(1)") }
        let onTerminal = try run(
            ["/usr/bin/script", "-qc", pipeline + " > '\(path("out2"))'", "/dev/null"], stdin: "/dev/null", shell: true, environment: ["TERM": "xterm"])
        XCTAssertEqual(onTerminal.status, 0, onTerminal.err)
        XCTAssertTrue(onTerminal.out.contains("page-owner-sort: read "), onTerminal.out)
        XCTAssertTrue(onTerminal.out.contains(" records"), onTerminal.out)
        let last = try XCTUnwrap(onTerminal.out.range(of: " records", options: .backwards))
        XCTAssertTrue(
            onTerminal.out[last.upperBound...].contains("\r\u{1B}[K"), "the line is erased at the end: \(onTerminal.out.debugDescription)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("out1"))), try Data(contentsOf: URL(fileURLWithPath: path("out2"))))
    }

    func testReportSeriesAndInfoRun() throws {
        let s2 = Self.fixture("k7.3-m1536-numa/s2-workload/page_owner.zst")
        let r = try run(["report", s2, "--group-by", "comm", "--top", "1", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\r\n").first, "comm,records,pages,bytes,percent,first_ts,last_ts")
        XCTAssertTrue(r.out.contains("\r\ndd,"), r.out)
        let bad = try run(["report", s2, "--group-by", "colour"])
        XCTAssertEqual(bad.status, 1, "an unknown key is a usage error")
        XCTAssertTrue(bad.err.contains("unknown group key 'colour'"), bad.err)
        let dir = "k7.3-m1536-numa/s2-workload/"
        let series = try run([
            "series", Self.fixture(dir + "show_handles"), Self.fixture("k7.3-m1536-numa/s3-after/show_handles"),
            Self.fixture(dir + "show_stacks_handles"), "--group-by", "caller", "--format", "json",
        ])
        XCTAssertEqual(series.status, 0, series.err)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(series.out.utf8)) as? [String: Any])
        XCTAssertEqual((doc["snapshots"] as? [String])?.count, 2, "the stacks file resolves handles, it is not a column")
        let info = try run(["info", Self.fixture(dir + "show_stacks"), Self.fixture(dir + "page_owner.mode_handle.zst")])
        XCTAssertEqual(info.status, 0, info.err)
        XCTAssertTrue(info.out.contains("format: show_stacks"))
        XCTAssertTrue(info.out.contains("count=nr_base_pages"))
        XCTAssertTrue(info.out.contains("format: page_owner"))
        XCTAssertTrue(info.out.contains("handle"))
        let none = try run(["report", Self.fixture("README.shared.md")])
        XCTAssertEqual(none.status, 2, "text of no known format is an input error: \(none.err)")
        XCTAssertTrue(none.err.contains("no record of a known format"), none.err)
    }

    /// scripts/check_formats.py: CSV through DuckDB's read_csv_auto and JSON through
    /// Python's json sum to the text footer's totals, for report, diff and series.
    func testCSVLoadsInDuckDBAndJSONInPython() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/bin/sh")
        probe.arguments = ["-c", "python3 -c 'import duckdb' 2>/dev/null"]
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { throw XCTSkip("python3 with duckdb is not installed (pip install duckdb)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.packageRoot.appendingPathComponent("scripts/check_formats.py").path, bin]
        let o = Pipe()
        p.standardOutput = o
        try p.run()
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("all sums agree"), out)
        XCTAssertFalse(out.contains("MISMATCH"), out)
    }
}

/// Placeholders from the command line: the footer explains them, the flag drops them.
final class CLIPlaceholderTests: CLITestCase {
    func testReportExplainsAndExcludesEarlyBoot() throws {
        let dump = Self.fixture("k7.3-m1536-numa/s1-boot/page_owner.zst")
        let r = try run(["report", dump, "--group-by", "caller", "--top", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("[early boot]"))
        XCTAssertTrue(r.out.contains("note: \(dump): 6999 pages (27.3 MiB, 51.8%) are [early boot]"), r.out)
        let x = try run(["report", dump, "--group-by", "caller", "--exclude-placeholders"])
        XCTAssertEqual(x.status, 0, x.err)
        XCTAssertFalse(x.out.contains("[early boot]"))
        XCTAssertFalse(x.out.contains("note:"))
        let j = try run(["report", dump, "--group-by", "comm", "--format", "json"])
        XCTAssertTrue(j.out.contains("\"early_boot_pages\":6999"), String(j.out.prefix(800)))
    }
}
