import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// What the HTML pages are built on: a projection of finer groups gives the report, diff and
/// series a run with the coarse keys gives (whole text output compared), and the page's data
/// cannot close its script block whatever the frame text.
final class HtmlPageTests: XCTestCase {
    static let s1 = "k7.3-m1536-numa/s1-boot/page_owner"
    static let s2 = "k7.3-m1536-numa/s2-workload/page_owner"

    func aggregate(_ dumps: [String], keys: [GroupKey]) throws -> (Aggregator, [[Int]]) {
        var run = ReportRun()
        run.keys = keys
        run.strict = true
        let agg = try run.makeAggregator()
        var snaps: [[Int]] = []
        for d in dumps { snaps.append(try run.read(TestFixtures.dump(d), into: agg)) }
        agg.resolveLateHandles()
        return (agg, snaps)
    }

    func text(_ write: (OutputSink) throws -> Void) throws -> String {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try write(sink)
        try sink.commit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    func testProjectionGivesTheCoarseReport() throws {
        for keys: [GroupKey] in [[.stack], [.comm], [.caller], [.comm, .order], [.module, .node], [.allocator], [.gfp, .memcg]] {
            let (direct, _) = try aggregate([Self.s2], keys: keys)
            let (fine, _) = try aggregate([Self.s2], keys: HtmlFormatter.keys(keys, command: "report"))
            let (view, groupOf) = fine.projected(onto: keys)
            XCTAssertEqual(groupOf.count, fine.groups.count)
            XCTAssertEqual(view.groups.count, direct.groups.count, "\(keys)")
            let want = try text {
                try TableFormatter().write(Report(direct, selection: Report.Selection()), context: ReportContext(), to: $0)
            }
            let got = try text { try TableFormatter().write(Report(view, selection: Report.Selection()), context: ReportContext(), to: $0) }
            XCTAssertEqual(got, want, "report by \(keys)")
            // Every fine group lands in the group of its key values.
            for g in 0..<Int32(fine.groups.count) {
                let v = fine.keyValues(g)
                let p = view.keyValues(groupOf[Int(g)])
                XCTAssertEqual(p, keys.map { v[fine.keys.firstIndex(of: $0)!] })
            }
        }
    }

    func testProjectionGivesTheCoarseDiff() throws {
        for keys: [GroupKey] in [[.stack], [.comm], [.caller, .order]] {
            let (direct, d) = try aggregate([Self.s1, Self.s2], keys: keys)
            let (fine, f) = try aggregate([Self.s1, Self.s2], keys: HtmlFormatter.keys(keys, command: "diff"))
            let view = fine.projected(onto: keys).aggregator
            let want = try text {
                try DiffFormatter(.text).write(
                    DiffReport(direct, before: d[0], after: d[1], selection: Report.Selection()), context: ReportContext(), to: $0)
            }
            let got = try text {
                try DiffFormatter(.text).write(
                    DiffReport(view, before: f[0], after: f[1], selection: Report.Selection()), context: ReportContext(), to: $0)
            }
            XCTAssertEqual(got, want, "diff by \(keys)")
        }
    }

    func testPageDataNeverClosesItsScriptBlock() {
        var j = HtmlJSON()
        j.string("evil</script><script>alert(1)</script> & <!-- \"q\" \\ \u{1}")
        let s = String(decoding: j.out, as: UTF8.self)
        XCTAssertFalse(s.contains("<"))
        XCTAssertFalse(s.contains(">"))
        XCTAssertFalse(s.contains("&"))
        XCTAssertEqual(s, #""evil\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e \u0026 \u003c!-- \"q\" \\ \u0001""#)
        let back = try? JSONSerialization.jsonObject(with: Data(j.out), options: .fragmentsAllowed) as? String
        XCTAssertEqual(back, "evil</script><script>alert(1)</script> & <!-- \"q\" \\ \u{1}")
    }

    func testPackedIntegers() {
        var j = HtmlJSON()
        j.packed([0, 1, 31, 32, 1023, 1024, 1 << 40] as [Int64])
        // Below 32 one digit; 32: "g" (more, 0) "B" (1); 1023: "_f"; 1024: "ggB"; 1 << 40: nine.
        XCTAssertEqual(String(decoding: j.out, as: UTF8.self), "\"ABfgB_fggBggggggggB\"")
        var z = HtmlJSON()
        z.packedSigned([0, -1, 1, -2] as [Int64])
        XCTAssertEqual(String(decoding: z.out, as: UTF8.self), "\"ABCD\"")
    }
}
