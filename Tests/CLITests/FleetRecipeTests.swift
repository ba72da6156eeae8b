import Foundation
import XCTest

/// The README's fleet recipe: JSONL reports of several hosts (`--label host=…`) queried
/// together with DuckDB's `read_json_auto('hosts/*.jsonl')`. The queries are the README's,
/// word for word; their per-host totals and top stacks equal each host's own report.
/// Skipped when python3 has no `duckdb` module (`python3 -m pip install duckdb`).
final class FleetRecipeTests: CLITestCase {
    /// Pages and records per host (the README's first query).
    static let totalsSQL = """
        SELECT host, sum(pages) AS pages, sum(records) AS records
        FROM read_json_auto('hosts/*.jsonl')
        GROUP BY host
        ORDER BY pages DESC;
        """

    /// Each host's five biggest stacks (the README's second query).
    static let topSQL = """
        SELECT host, pages, stack
        FROM (SELECT host, pages, stack,
                     row_number() OVER (PARTITION BY host ORDER BY pages DESC) AS n
              FROM read_json_auto('hosts/*.jsonl')) AS t
        WHERE n <= 5
        ORDER BY host, n;
        """

    /// Runs `sql` (its `hosts/*.jsonl` pointed at `dir`) with DuckDB; the rows as JSON arrays.
    func duckdb(_ sql: String, in dir: String) throws -> [[Any]] {
        let script = """
            import duckdb, json, sys
            rows = duckdb.sql(sys.argv[1]).fetchall()
            print(json.dumps([list(r) for r in rows]))
            """
        let query = sql.replacingOccurrences(of: "'hosts/*.jsonl'", with: "'\(dir)/*.jsonl'")
        let r = try run(["/usr/bin/env", "python3", "-c", script, query], shell: true)
        XCTAssertEqual(r.status, 0, r.err)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[Any]], r.out)
    }

    func testDuckDBOverHostsEqualsEachHostsReport() throws {
        let probe = try run(["/bin/sh", "-c", "python3 -c 'import duckdb' 2>/dev/null"], shell: true)
        guard probe.status == 0 else { throw XCTSkip("python3 with duckdb is not installed (python3 -m pip install duckdb)") }
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(readme.contains(Self.totalsSQL), "the README's totals query is the one tested")
        XCTAssertTrue(readme.contains(Self.topSQL), "the README's top-stacks query is the one tested")

        let hosts = [
            "web-17": "k6.12-m1024/s2-workload/page_owner.zst", "db-3": "k7.3-m1536-numa/s2-workload/page_owner.zst",
            "edge-1": "k6.1-m1024/s2-workload/page_owner.zst",
        ]
        try FileManager.default.createDirectory(atPath: path("hosts"), withIntermediateDirectories: true)
        for (host, dump) in hosts {
            let r = try run([
                "report", Self.fixture(dump), "--format", "jsonl", "--label", "host=\(host)", "-o", path("hosts/\(host).jsonl"),
            ])
            XCTAssertEqual(r.status, 0, r.err)
        }

        let totals = try duckdb(Self.totalsSQL, in: path("hosts"))
        XCTAssertEqual(totals.count, hosts.count)
        var top: [String: [(pages: Int, stack: [String])]] = [:]
        for row in try duckdb(Self.topSQL, in: path("hosts")) {
            top[row[0] as! String, default: []].append((row[1] as! Int, row[2] as! [String]))
        }
        for (host, dump) in hosts {
            // The host's own report: totals and its five biggest stacks.
            let r = try run(["report", Self.fixture(dump), "--format", "json", "--top", "5"])
            XCTAssertEqual(r.status, 0, r.err)
            let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let t = try XCTUnwrap(doc["totals"] as? [String: Any])
            let row = try XCTUnwrap(totals.first { $0[0] as? String == host }, host)
            XCTAssertEqual(row[1] as? Int, t["pages"] as? Int, "\(host): pages")
            XCTAssertEqual(row[2] as? Int, t["records"] as? Int, "\(host): records")
            let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
            let want = groups.map { (pages: $0["pages"] as! Int, stack: $0["stack"] as! [String]) }
            let got = top[host] ?? []
            XCTAssertEqual(got.map(\.pages), want.map(\.pages), "\(host): the five biggest stacks' pages")
            // Stacks tied in pages may come in either order; the others are the same stacks.
            let all = try run(["report", Self.fixture(dump), "--format", "csv", "--group-by", "stack"])
            let lines = all.out.split(separator: "\r\n")
            let pagesColumn = try XCTUnwrap(PprofCLITests.csvFields(lines[0]).firstIndex(of: "pages"))
            let counts = lines.dropFirst().map { Int(PprofCLITests.csvFields($0)[pagesColumn])! }
            for (g, w) in zip(got, want) where counts.filter({ $0 == w.pages }).count == 1 {
                XCTAssertEqual(g.stack, w.stack, "\(host): the stack of \(w.pages) pages")
            }
            XCTAssertTrue(want.contains { w in counts.filter { $0 == w.pages }.count == 1 }, "\(host): some top stack is not tied")
        }
    }
}
