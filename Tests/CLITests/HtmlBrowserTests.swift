import Foundation
import XCTest

/// `--format html` pages of real fixtures (k7.3 s1-boot, s2-workload, s3-after) loaded in
/// headless Chromium: the page's `?selftest` hook clicks a frame, zooms out, searches and
/// writes what it saw into the DOM, which `chromium --dump-dom` returns; the numbers are
/// checked against the text, JSON and `--frame` outputs of the same run. A screenshot of each
/// page is written to the test folder (those of report and diff also to docs/ with
/// `RECORD_SCREENSHOTS=1`, for the README).
/// Skipped only when no chromium is installed.
final class HtmlBrowserTests: CLITestCase {
    var chromium: String!
    // Relative to the package root (the working directory of these tests), so that the
    // pages' titles in the recorded screenshots name no machine's folders.
    let s1 = "Fixtures/k7.3-m1536-numa/s1-boot/page_owner.zst"
    let s2 = "Fixtures/k7.3-m1536-numa/s2-workload/page_owner.zst"
    let s3 = "Fixtures/k7.3-m1536-numa/s3-after/page_owner.zst"
    var cwd = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        guard
            let c = dirs.flatMap({ [$0 + "/chromium", $0 + "/chromium-browser"] }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw XCTSkip("chromium is not installed (apt-get install chromium): browser checks skipped") }
        chromium = c
        cwd = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(Self.packageRoot.path)
    }

    override func tearDownWithError() throws {
        if !cwd.isEmpty { FileManager.default.changeCurrentDirectoryPath(cwd) }
        try super.tearDownWithError()
    }

    /// Runs headless chromium on `url` with `args` (90 s at most); stdout and stderr go to
    /// files (its helper processes must not hold a pipe of ours). Returns both.
    func browse(_ url: String, _ args: [String]) throws -> (out: String, err: String) {
        let out = path("chromium-\(UUID().uuidString).out")
        let err = out + ".err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments =
            [
                "-k", "5", "90", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--user-data-dir=" + path("profile-\(UUID().uuidString)"), "--window-size=1400,1100", "--hide-scrollbars",
                "--enable-logging=stderr", "--v=0",
            ] + args + [url]
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "chromium \(args) \(url) (124: timed out)")
        return (try String(contentsOfFile: out, encoding: .utf8), try String(contentsOfFile: err, encoding: .utf8))
    }

    /// Loads `file` with `?selftest` (and `query`); returns the DOM and the self-test's findings.
    func selftest(_ file: String, query: String = "") throws -> (dom: String, result: [String: Any]) {
        let (dom, err) = try browse("file://" + file + "?selftest" + query, ["--dump-dom"])
        // The page logs nothing: any console line or uncaught exception is an error.
        let bad = err.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        XCTAssertEqual(bad, [], "console output of \(file)")
        guard let r = dom.range(of: "<pre id=\"selftest\">"), let e = dom.range(of: "</pre>", range: r.upperBound..<dom.endIndex) else {
            XCTFail("no self-test result in the DOM of \(file)")
            return (dom, [:])
        }
        let text = Self.unescape(String(dom[r.upperBound..<e.lowerBound]))
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual((json["errors"] as? [Any])?.count, 0, "script errors: \(json["errors"] ?? "none reported")")
        XCTAssertNotNil(dom.range(of: "data-draw-ms=\""), "the page never finished drawing")
        return (dom, json)
    }

    /// Writes a screenshot of `file` to the test folder (and docs/`name` when recording).
    func screenshot(_ file: String, _ name: String, record: Bool = true) throws {
        let png = path(name)
        _ = try browse("file://" + file, ["--screenshot=" + png])
        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        XCTAssertGreaterThan(data.count, 10_000, "screenshot of \(file)")
        XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4e, 0x47])
        if record && ProcessInfo.processInfo.environment["RECORD_SCREENSHOTS"] == "1" {
            let dest = Self.packageRoot.appendingPathComponent("docs/" + name)
            try? FileManager.default.removeItem(at: dest)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: png), to: dest)
        }
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(
            of: "&quot;", with: "\""
        )
        .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// A frame as the page names it: `symbol [module]`, offsets dropped.
    static func frameName(_ f: String) -> String {
        let sym = f.prefix { $0 != "+" && $0 != " " }
        if let open = f.lastIndex(of: "["), f.hasSuffix("]") { return sym + " " + f[open...] }
        return String(sym)
    }

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try run(args + ["--format", "json"])
        XCTAssertEqual(r.status, 0, r.err)
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
    }

    /// The cells of the first `n` rows of the first table in `dom`.
    static func tableRows(_ dom: String, _ n: Int, after marker: String = "<tbody>") -> [[String]] {
        guard let start = dom.range(of: marker) else { return [] }
        var rows: [[String]] = []
        var rest = dom[start.upperBound...]
        while rows.count < n, let tr = rest.range(of: "<tr"), let end = rest.range(of: "</tr>", range: tr.upperBound..<rest.endIndex) {
            let row = rest[tr.upperBound..<end.lowerBound]
            var cells: [String] = []
            var r = row[...]
            while let td = r.range(of: "<td"), let gt = r.range(of: ">", range: td.upperBound..<r.endIndex),
                let close = r.range(of: "</td>", range: gt.upperBound..<r.endIndex)
            {
                cells.append(unescape(String(r[gt.upperBound..<close.lowerBound])))
                r = r[close.upperBound...]
            }
            rows.append(cells)
            rest = rest[end.upperBound...]
        }
        return rows
    }

    func testReportPage() throws {
        let page = path("report.html")
        let r = try run(["report", s2, "--format", "html", "-o", page])
        XCTAssertEqual(r.status, 0, r.err)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // Self-contained: nothing is fetched (no src/href to anything but the page itself).
        XCTAssertNil(html.range(of: "src=\""), "the page loads a file")
        XCTAssertNil(html.range(of: "http://"))
        XCTAssertNil(html.range(of: "https://"))

        let (dom, t) = try selftest(page, query: "&search=shmem_alloc_folio")
        // The total equals the text report's.
        let text = try run(["report", s2, "--top", "5"])
        let totalLine = text.out.split(separator: "\n").first { $0.hasPrefix("total: ") }!
        let total = Int(totalLine.split(separator: " ")[1])!
        XCTAssertEqual(t["totalPages"] as? Int, total)
        XCTAssertNotNil(dom.range(of: "<span id=\"total-pages\">\(total)</span>"))
        // The top stacks' frames are drawn with their symbols.
        let top = try json(["report", s2, "--top", "3"])
        for g in top["groups"] as! [[String: Any]] {
            for f in g["stack"] as! [String] {
                let name = Self.frameName(f)
                XCTAssertNotNil(dom.range(of: "aria-label=\"\(name)\">\(name)</div>"), "frame \(name) of a top stack is not drawn")
            }
        }
        // Clicking a frame zooms: its width becomes the full width; the breadcrumb zooms out.
        let zoom = t["zoom"] as! [String: Any]
        let full = t["full"] as! Double
        XCTAssertLessThan(zoom["before"] as! Double, full - 1)
        XCTAssertEqual(zoom["after"] as! Double, full, accuracy: 0.6)
        XCTAssertEqual(zoom["outWidth"] as! Double, full, accuracy: 0.6)
        XCTAssertGreaterThanOrEqual(zoom["crumbs"] as! Int, 2)
        // Search highlights and sums the pages of the stacks with a match: what --frame keeps.
        let search = t["search"] as! [String: Any]
        let framed = try json(["report", s2, "--frame", "shmem_alloc_folio"])
        let framedPages = (framed["totals"] as! [String: Any])["pages"] as! Int
        XCTAssertEqual(search["pages"] as? Int, framedPages)
        XCTAssertGreaterThan(search["highlighted"] as! Int, 0)
        let share = String(format: "%.2f", Double(framedPages) * 100 / Double(total))
        XCTAssertTrue((search["text"] as! String).hasPrefix("matched: \(share)% (\(framedPages) pages"), "\(search)")
        // The table is the text report's: pages, size, %, cum%, records of the top rows.
        let textRows = text.out.split(separator: "\n").filter { $0.first == " " || $0.first?.isNumber == true }
            .filter { !$0.hasPrefix("    ") }.prefix(5).map { $0.split(separator: " ").map(String.init) }
        let pageRows = Self.tableRows(dom, 5)
        XCTAssertEqual(pageRows.count, 5)
        for (a, b) in zip(textRows, pageRows) {
            // text: PAGES SIZE(2 words) % CUM% RECORDS
            XCTAssertEqual([a[0], a[1] + " " + a[2], a[3], a[4], a[5]], Array(b.prefix(5)))
        }
        // Chips for the keys the input carries; the footer says what the text report says.
        for k in ["comm", "module", "node", "memcg", "gfp"] { XCTAssertNotNil(dom.range(of: "data-k=\"\(k)\""), "no \(k) chips") }
        let whole = try run(["report", s2])
        let wholeTotal = whole.out.split(separator: "\n").first { $0.hasPrefix("total: ") }!
        XCTAssertNotNil(dom.range(of: String(wholeTotal)), "footer: \(wholeTotal)")
        try screenshot(page, "html-report.png")
    }

    func testReportPageGroupedByComm() throws {
        let page = path("comm.html")
        let r = try run(["report", s2, "--group-by", "comm", "--format", "html", "-o", page])
        XCTAssertEqual(r.status, 0, r.err)
        let (dom, t) = try selftest(page)
        let text = try run(["report", s2, "--group-by", "comm", "--top", "8"])
        let textRows = text.out.split(separator: "\n").dropFirst().prefix(8).map { $0.split(separator: " ").map(String.init) }
        let pageRows = Self.tableRows(dom, 8)
        XCTAssertEqual(pageRows.count, 8)
        for (a, b) in zip(textRows, pageRows) {
            XCTAssertEqual([a[0], a[1] + " " + a[2], a[3], a[4], a[5], a[6]], Array(b.prefix(6)))
        }
        XCTAssertNotNil(t["zoom"])
    }

    func testDiffPage() throws {
        let page = path("diff.html")
        let r = try run(["diff", s1, s2, "--format", "html", "-o", page])
        XCTAssertEqual(r.status, 0, r.err)
        let (dom, t) = try selftest(page)
        // Totals as the text diff prints them.
        let text = try run(["diff", s1, s2])
        let totalLine = text.out.split(separator: "\n").first { $0.hasPrefix("total: ") }!
        XCTAssertNotNil(dom.range(of: String(totalLine)), "footer: \(totalLine)")
        // The biggest grower's frames are drawn, named by the text diff, and coloured as grown.
        let d = try json(["diff", s1, s2, "--top", "1"])
        let g = (d["groups"] as! [[String: Any]])[0]
        XCTAssertGreaterThan(g["pages_delta"] as! Int, 0)
        let frames = (g["stack"] as! [String]).reversed().map(Self.frameName)
        let drawn = t["grower"] as! [[String: Any]]
        XCTAssertEqual(drawn.map { $0["label"] as! String }, frames)
        for f in drawn {
            XCTAssertEqual(f["drawn"] as? Bool, true, "\(f)")
            XCTAssertTrue((f["cls"] as! String).split(separator: " ").contains("grew"), "\(f)")
        }
        // The growers table starts with the text diff's first row.
        let textRow = text.out.split(separator: "\n")[1].split(separator: " ").map(String.init)
        let pageRow = Self.tableRows(dom, 1)[0]
        XCTAssertEqual(
            [textRow[0], textRow[1] + " " + textRow[2], textRow[3], textRow[4], textRow[5], textRow[6]], Array(pageRow.prefix(6)))
        let zoom = t["zoom"] as! [String: Any]
        XCTAssertEqual(zoom["after"] as! Double, t["full"] as! Double, accuracy: 0.6)
        try screenshot(page, "html-diff.png")
    }

    func testSeriesPage() throws {
        let page = path("series.html")
        let r = try run(["series", s1, s2, s3, "--format", "html", "-o", page])
        XCTAssertEqual(r.status, 0, r.err)
        let (dom, t) = try selftest(page)
        XCTAssertEqual(t["lines"] as? Int, 10, "chart lines")
        XCTAssertNotNil(dom.range(of: "<svg viewBox="))
        // The ranked table is the text series'.
        let text = try run(["series", s1, s2, s3, "--top", "3"])
        let textRows = text.out.split(separator: "\n").dropFirst().prefix(3).map { $0.split(separator: " ").map(String.init) }
        let pageRows = Self.tableRows(dom, 3)
        for (a, b) in zip(textRows, pageRows) {
            XCTAssertEqual(Array(a.prefix(7)), Array(b.prefix(5)) + b[5].split(separator: " ").map(String.init))
        }
        // The flame graph is the last snapshot's.
        let last = try json(["report", s3])
        XCTAssertEqual(t["totalPages"] as? Int, (last["totals"] as! [String: Any])["pages"] as? Int)
        try screenshot(page, "html-series.png", record: false)
    }
}

/// `--format html` from the command line without a browser: the same bytes on one thread and
/// on two (ids and row order do not follow the order groups were first seen in), for
/// report (with its chips), diff and series; and what the page is not (no fetch).
final class HtmlCLITests: CLITestCase {
    func testPagesDoNotDependOnThreads() throws {
        let s1 = Self.fixture("k7.3-m1536-numa/s1-boot/page_owner.zst")
        let s2 = Self.fixture("k7.3-m1536-numa/s2-workload/page_owner.zst")
        let s3 = Self.fixture("k7.3-m1536-numa/s3-after/page_owner.zst")
        for args in [["report", s2, "--group-by", "comm"], ["diff", s1, s2], ["series", s1, s2, s3]] {
            var pages: [Data] = []
            for threads in ["1", "2"] {
                let out = path("\(args[0])-\(threads).html")
                let r = try run(args + ["--format", "html", "-o", out], environment: ["PAGE_OWNER_SORT_THREADS": threads])
                XCTAssertEqual(r.status, 0, r.err)
                pages.append(try Data(contentsOf: URL(fileURLWithPath: out)))
            }
            XCTAssertGreaterThan(pages[0].count, 20_000)
            XCTAssertEqual(pages[0], pages[1], "\(args[0]) page differs between 1 and 2 threads")
            let html = String(decoding: pages[0], as: UTF8.self)
            XCTAssertTrue(html.contains("content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'\""))
            XCTAssertEqual(html.components(separatedBy: "</script>").count, 3, "two script blocks, nothing else closes one")
        }
    }
}
