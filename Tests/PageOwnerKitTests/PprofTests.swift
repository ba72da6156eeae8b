import Foundation
import SwiftProtobuf
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `--format pprof` on the real dumps: the written file is gunzipped and decoded with
/// swift-protobuf, and its ids, string table, sample values and labels are checked against
/// the reports of the same input.
final class PprofTests: XCTestCase {
    static let k612 = "k6.12-m1024/s2-workload/page_owner"
    static let k73 = "k7.3-m1536-numa/s2-workload/page_owner"

    func aggregate(_ dumps: [String], keys: [GroupKey], stacks: [String] = []) throws -> Aggregator {
        var run = ReportRun()
        run.keys = keys
        run.strict = true
        run.stacksFiles = stacks.map(TestFixtures.dump)
        let agg = try run.makeAggregator()
        for d in dumps { try run.read(TestFixtures.dump(d), into: agg) }
        agg.resolveLateHandles()
        return agg
    }

    /// The profile `PprofFormatter` writes for `dumps`, read back from its gzip file.
    func profile(
        _ dumps: [String], keys: [GroupKey] = PprofFormatter.defaultKeys(), stacks: [String] = [],
        labels: [(key: String, value: String)] = [], captureTimeNanos: Int64? = nil
    ) throws -> PProfProfile {
        let agg = try aggregate(dumps, keys: keys, stacks: stacks)
        let report = Report(agg, selection: Report.Selection(), frameText: false)
        XCTAssertTrue(report.rows.allSatisfy { $0.frames == nil }, "a pprof report renders no frame strings")
        var ctx = ReportContext()
        ctx.inputs = agg.totals
        ctx.labels = labels
        ctx.captureTimeNanos = captureTimeNanos
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("p.pb.gz").path
        let sink = try OutputSink(path: path)
        try PprofFormatter().write(report, context: ctx, to: sink)
        try sink.commit()
        let gz = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(gz.prefix(2)), [0x1f, 0x8b], "gzip-compressed")
        let raw = try TestFixtures.readAll(path)
        let p = try PProfProfile(serializedBytes: raw)
        try checkStructure(p)
        // The samples are encoded by hand (SampleEncoder): swift-protobuf writes the same bytes.
        XCTAssertTrue(p.unknownFields.data.isEmpty)
        XCTAssertEqual(try p.serializedBytes() as [UInt8], [UInt8](raw), "byte for byte what swift-protobuf writes")
        return p
    }

    /// What every profile must satisfy (pprof's and Parca's validators).
    func checkStructure(_ p: PProfProfile, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(p.stringTable.first, "", "string_table[0] is empty", file: file, line: line)
        XCTAssertEqual(p.mapping.map(\.id), Array(1...UInt64(p.mapping.count)), "mapping ids from 1", file: file, line: line)
        XCTAssertEqual(p.location.map(\.id), Array(1...UInt64(p.location.count)), "location ids from 1", file: file, line: line)
        XCTAssertEqual(p.function.map(\.id), Array(1...UInt64(p.function.count)), "function ids from 1", file: file, line: line)
        XCTAssertEqual(p.stringTable[Int(p.mapping[0].filename)], "[kernel]", file: file, line: line)
        XCTAssertTrue(p.mapping.allSatisfy(\.hasFunctions_p), "no tool symbolizes", file: file, line: line)
        XCTAssertEqual(Set(p.mapping.map(\.filename)).count, p.mapping.count, "one mapping per module", file: file, line: line)
        let types = p.sampleType.map { "\(p.stringTable[Int($0.type)])/\(p.stringTable[Int($0.unit)])" }
        XCTAssertEqual(types, ["allocations/count", "pages/count", "space/bytes"], file: file, line: line)
        XCTAssertEqual(p.stringTable[Int(p.defaultSampleType)], "space", file: file, line: line)
        let n = UInt64(p.location.count)
        for l in p.location {
            XCTAssertTrue((1...UInt64(p.mapping.count)).contains(l.mappingID), file: file, line: line)
            XCTAssertEqual(l.line.count, 1, file: file, line: line)
            XCTAssertTrue((1...UInt64(p.function.count)).contains(l.line[0].functionID), file: file, line: line)
        }
        XCTAssertEqual(Set(p.function.map { "\($0.name) \($0.systemName)" }).count, p.function.count, file: file, line: line)
        for s in p.sample {
            XCTAssertEqual(s.value.count, 3, file: file, line: line)
            XCTAssertEqual(s.value[2], s.value[1] * 4096, "space = pages x 4096", file: file, line: line)
            XCTAssertFalse(s.locationID.isEmpty, file: file, line: line)
            XCTAssertTrue(s.locationID.allSatisfy { (1...n).contains($0) }, file: file, line: line)
        }
    }

    /// A frame as `symbol@offset@[module]`, read from the profile.
    func signatures(_ p: PProfProfile, _ s: PProfSample) -> [String] {
        s.locationID.map { id in
            let l = p.location[Int(id) - 1]
            let f = p.function[Int(l.line[0].functionID) - 1]
            let m = p.mapping[Int(l.mappingID) - 1]
            return "\(p.stringTable[Int(f.name)])@\(String(l.address, radix: 16))@\(p.stringTable[Int(m.filename)])"
        }
    }

    /// The same signature, read from a frame's text as the kernel printed it.
    static func signature(_ frame: String) -> String {
        var s = Substring(frame)
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") { s = s[s.index(after: close)...].drop { $0 == " " } }
        let sym = s.prefix { $0 != "+" && $0 != " " }
        var off = "0"
        if let plus = s.firstIndex(of: "+"), s[plus...].hasPrefix("+0x") {
            off = String(s[s.index(plus, offsetBy: 3)...].prefix { $0.isHexDigit }).lowercased()
            off = String(UInt64(off, radix: 16) ?? 0, radix: 16)
        }
        var module = "[kernel]"
        if s.hasSuffix("]"), let open = s.lastIndex(of: "["), open > s.startIndex, s[s.index(before: open)] == " " {
            module = String(s[open...])
        }
        return "\(sym)@\(off)@\(module)"
    }

    /// A report row's expected frames: placeholders end in their bracketed pseudo-frame;
    /// unresolved handles and stackless records are one.
    static func expected(_ r: Report.Row) -> [String] {
        let frames = r.frames!.map(signature)
        guard let l = r.stackLabel else { return frames }
        if l.hasPrefix("early boot") { return frames + ["[early boot]@0@[kernel]"] }
        if l.hasPrefix("dummy") { return frames + ["[dummy stack]@0@[kernel]"] }
        if l.hasPrefix("stack depot failure") { return frames + ["[stack depot failure]@0@[kernel]"] }
        return ["[\(r.frames!.joined())]@0@[kernel]"]
    }

    /// Equal maps, or a short message naming what differs.
    func assertSame<K: Hashable, V: Equatable>(_ got: [K: V], _ want: [K: V], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let keys = Set(got.keys).union(want.keys).filter { got[$0] != want[$0] }
        guard let k = keys.first else { return }
        XCTFail(
            "\(what): \(keys.count) of \(want.count) differ, e.g. \(k): got \(got[k].map { "\($0)" } ?? "nothing"), want \(want[k].map { "\($0)" } ?? "nothing")",
            file: file, line: line)
    }

    func label(_ p: PProfProfile, _ s: PProfSample, _ key: String) -> PProfLabel? {
        s.label.first { p.stringTable[Int($0.key)] == key }
    }

    func testProfileOfK612MatchesTheReportPerStackAndPerComm() throws {
        let p = try profile([Self.k612])
        let stackReport = Report(try aggregate([Self.k612], keys: [.stack]), selection: Report.Selection())
        XCTAssertEqual(p.sample.reduce(0) { $0 + $1.value[1] }, stackReport.total.pages)
        XCTAssertEqual(p.sample.reduce(0) { $0 + $1.value[0] }, stackReport.total.records, "allocations are the records")
        XCTAssertEqual(stackReport.total.pages, 80661)
        // Per stack: frame by frame (symbol, offset, module), leaf first.
        var want: [[String]: Int64] = [:]
        for r in stackReport.rows { want[Self.expected(r), default: 0] += r.metrics.pages }
        var got: [[String]: Int64] = [:]
        for s in p.sample { got[signatures(p, s), default: 0] += s.value[1] }
        assertSame(got, want, "pages per stack")
        XCTAssertTrue(stackReport.rows.contains { $0.stackLabel != nil }, "the fixture has placeholder stacks")
        XCTAssertEqual(p.location.count, Set(stackReport.rows.flatMap { Self.expected($0) }).count, "one location per frame text")
        // Per comm, and the labels a default profile carries.
        let commReport = Report(try aggregate([Self.k612], keys: [.comm]), selection: Report.Selection())
        var wantComm: [String: Int64] = [:]
        for r in commReport.rows { wantComm[r.cells[0].text, default: 0] += r.metrics.pages }
        var gotComm: [String: Int64] = [:]
        for s in p.sample {
            let c = try XCTUnwrap(label(p, s, "comm"))
            gotComm[p.stringTable[Int(c.str)], default: 0] += s.value[1]
            let keys = Set(s.label.map { p.stringTable[Int($0.key)] })
            XCTAssertTrue(keys.isSubset(of: ["comm", "gfp", "migratetype", "memcg", "module", "order", "node"]), "\(keys)")
            XCTAssertTrue(keys.isSuperset(of: ["comm", "gfp", "migratetype", "module", "order"]), "\(keys)")
            let order = try XCTUnwrap(label(p, s, "order"))
            XCTAssertEqual(p.stringTable[Int(order.numUnit)], "order", "a numeric label has a unit")
        }
        assertSame(gotComm, wantComm, "pages per comm")
        // gfp labels are flag names; a function is a symbol without +off/size.
        XCTAssertTrue(p.sample.contains { label(p, $0, "gfp").map { p.stringTable[Int($0.str)] } == "GFP_HIGHUSER_MOVABLE|__GFP_COMP" })
        let alloc = try XCTUnwrap(p.function.first { p.stringTable[Int($0.name)] == "get_page_from_freelist" })
        XCTAssertEqual(p.stringTable[Int(alloc.systemName)], "get_page_from_freelist+0x1324/0x13d0")
        XCTAssertTrue(p.mapping.contains { p.stringTable[Int($0.filename)] == "[ext4]" })
        let comments = p.comment.map { p.stringTable[Int($0)] }
        XCTAssertTrue(comments.contains { $0.hasPrefix("input: ") && $0.hasSuffix("s2-workload/page_owner.zst") }, "\(comments)")
        XCTAssertTrue(comments.contains("format: page_owner"))
        XCTAssertTrue(comments.contains { $0.hasPrefix("era: ") && $0.contains("era=6.7+") }, "\(comments)")
    }

    /// The command line builds a pprof report without row cells (`cells: false`: each
    /// distinct cell once); the profile is the same bytes as from a report with cells.
    func testProfileFromCompactCellsEqualsProfileFromRowCells() throws {
        for keys in [PprofFormatter.defaultKeys(extra: [.pid, .tgid]), [.stack, .comm], [.comm, .order]] {
            let agg = try aggregate([Self.k73, Self.k612], keys: keys)
            var ctx = ReportContext()
            ctx.inputs = agg.totals
            let full = Report(agg, selection: Report.Selection(), frameText: false)
            let compact = Report(agg, selection: Report.Selection(), frameText: false, cells: false)
            XCTAssertTrue(compact.rows.allSatisfy { $0.cells.isEmpty })
            XCTAssertEqual(compact.cellIDs.count, compact.rows.count * keys.count)
            XCTAssertLessThan(compact.cellTable.count, compact.cellIDs.count, "each distinct cell once")
            XCTAssertEqual(compact.rows.map(\.group), full.rows.map(\.group))
            for (i, r) in full.rows.enumerated() {
                for pos in keys.indices {
                    XCTAssertEqual(compact.cellTable[Int(compact.cellIDs[i * keys.count + pos])].text, r.cells[pos].text)
                }
            }
            XCTAssertEqual(try PprofFormatter.encoded(compact, ctx), try PprofFormatter.encoded(full, ctx), "\(keys)")
        }
    }

    func testNumaNodesAreNumericLabelsAndPidNeedsAskingFor() throws {
        let p = try profile([Self.k73])
        let nodeReport = Report(try aggregate([Self.k73], keys: [.node]), selection: Report.Selection())
        var want: [Int64: Int64] = [:]
        for r in nodeReport.rows { want[r.cells[0].number!, default: 0] += r.metrics.pages }
        XCTAssertGreaterThan(want.count, 1, "a NUMA fixture")
        var got: [Int64: Int64] = [:]
        for s in p.sample {
            let n = try XCTUnwrap(label(p, s, "node"))
            XCTAssertEqual(n.str, 0)
            XCTAssertEqual(p.stringTable[Int(n.numUnit)], "node")
            got[n.num, default: 0] += s.value[1]
            XCTAssertNil(label(p, s, "pid"), "pid only when asked for")
        }
        XCTAssertEqual(got, want)
        XCTAssertEqual(got.values.reduce(0, +), 85349)
        let withPid = try profile([Self.k73], keys: PprofFormatter.defaultKeys(extra: [.pid, .tgid]))
        XCTAssertTrue(withPid.sample.allSatisfy { label(withPid, $0, "pid") != nil && label(withPid, $0, "tgid") != nil })
        XCTAssertGreaterThan(withPid.sample.count, p.sample.count)
    }

    func testShowStacksCountNoAllocationsAndPlaceholdersKeepABracketedRoot() throws {
        let p = try profile(["k6.12-m1024/s2-workload/show_stacks"])
        let report = Report(try aggregate(["k6.12-m1024/s2-workload/show_stacks"], keys: [.stack]), selection: Report.Selection())
        XCTAssertEqual(p.sample.reduce(0) { $0 + $1.value[1] }, report.total.pages)
        XCTAssertGreaterThan(report.total.pages, 0)
        XCTAssertTrue(p.sample.allSatisfy { $0.value[0] == 0 }, "show_stacks has no allocation count")
        XCTAssertTrue(p.sample.allSatisfy { $0.label.allSatisfy { p.stringTable[Int($0.key)] == "module" } }, "show_stacks carries no comm, gfp…")
        XCTAssertTrue(p.comment.map { p.stringTable[Int($0)] }.contains { $0.hasPrefix("allocations: 0") })
        // The dummy-stack placeholder: its frames, then `[dummy stack]` as the root.
        let dummy = try XCTUnwrap(report.rows.first { $0.stackLabel?.hasPrefix("dummy") == true })
        let sample = try XCTUnwrap(p.sample.first { signatures(p, $0).last == "[dummy stack]@0@[kernel]" })
        XCTAssertEqual(Array(signatures(p, sample).dropLast()), dummy.frames!.map(Self.signature))
        XCTAssertEqual(sample.value[1], dummy.metrics.pages)
        var want: [[String]: Int64] = [:]
        for r in report.rows { want[Self.expected(r), default: 0] += r.metrics.pages }
        var got: [[String]: Int64] = [:]
        for s in p.sample { got[signatures(p, s), default: 0] += s.value[1] }
        assertSame(got, want, "pages per stack")
    }

    func testHandlesJoinedWithStacksAndUnresolvedHandles() throws {
        let joined = try profile(["k7.3-m1536-numa/s2-workload/show_handles"], stacks: ["k7.3-m1536-numa/s2-workload/show_stacks_handles"])
        let names = Set(joined.function.map { joined.stringTable[Int($0.name)] })
        XCTAssertTrue(names.contains("get_page_from_freelist"))
        XCTAssertFalse(names.contains { $0.hasPrefix("[unresolved handle") }, "every handle resolved")
        let alone = try profile(["k7.3-m1536-numa/s2-workload/page_owner.mode_handle"])
        // Every sample is an unresolved handle, but the early-boot handle, recognised by its records.
        let leafNames = alone.sample.map { s in
            s.locationID.map { alone.stringTable[Int(alone.function[Int(alone.location[Int($0) - 1].line[0].functionID) - 1].name)] }
        }
        XCTAssertTrue(
            leafNames.allSatisfy { n in (n.count == 1 && n[0].hasPrefix("[unresolved handle ")) || n.contains { $0.contains("early boot") } },
            "\(leafNames.filter { !($0.first ?? "").hasPrefix("[unresolved") })")
        XCTAssertGreaterThanOrEqual(leafNames.filter { $0.contains { $0.contains("early boot") } }.count, 1, "one per label set (node)")
        let joinedReport = Report(
            try aggregate(["k7.3-m1536-numa/s2-workload/show_handles"], keys: [.stack], stacks: ["k7.3-m1536-numa/s2-workload/show_stacks_handles"]),
            selection: Report.Selection())
        XCTAssertEqual(joined.sample.reduce(0) { $0 + $1.value[1] }, joinedReport.total.pages)
        XCTAssertTrue(joined.sample.allSatisfy { $0.value[0] == 0 }, "show_handles has no allocation count")
        let aloneReport = Report(try aggregate(["k7.3-m1536-numa/s2-workload/page_owner.mode_handle"], keys: [.stack]), selection: Report.Selection())
        XCTAssertEqual(alone.sample.reduce(0) { $0 + $1.value[1] }, aloneReport.total.pages)
        XCTAssertEqual(alone.sample.reduce(0) { $0 + $1.value[0] }, aloneReport.total.records)
    }

    func testLabelOptionOnEverySampleAndEveryRow() throws {
        let p = try profile([Self.k612], keys: [.stack, .comm], labels: [("host", "web-17"), ("dc", "x,y")], captureTimeNanos: 1_700_000_000_000_000_000)
        XCTAssertEqual(p.timeNanos, 1_700_000_000_000_000_000, "time_nanos from the capture time")
        XCTAssertEqual(try profile(["k6.12-m1024/s2-workload/show_stacks"]).timeNanos, 0, "unset when the input has none")
        XCTAssertTrue(p.sample.allSatisfy { label(p, $0, "host").map { p.stringTable[Int($0.str)] } == "web-17" })
        XCTAssertTrue(p.sample.allSatisfy { label(p, $0, "gfp") == nil }, "--group-by keys only")
        let agg = try aggregate([Self.k612], keys: [.comm])
        let report = Report(agg, selection: Report.Selection())
        var ctx = ReportContext()
        ctx.labels = [("host", "web-17"), ("dc", "x,y")]
        let csv = try render(report, .csv, ctx).split(separator: "\r\n")
        XCTAssertEqual(csv[0], "host,dc,comm,records,pages,bytes,percent,first_ts,last_ts")
        XCTAssertTrue(csv.dropFirst().allSatisfy { $0.hasPrefix("web-17,\"x,y\",") })
        let jsonl = try render(report, .jsonl, ctx).split(separator: "\n")
        XCTAssertTrue(jsonl.allSatisfy { $0.hasPrefix("{\"host\":\"web-17\",\"dc\":\"x,y\",\"comm\":") })
        XCTAssertEqual(jsonl.count, report.rows.count)
    }

    /// `-o DIR/`: one file per snapshot, named by the shortest tail of its path that tells
    /// it apart, compression suffix dropped, sanitized; names still alike are numbered.
    func testSnapshotProfileNames() throws {
        XCTAssertEqual(
            SnapshotProfiles.fileNames(["s3-after/page_owner.zst", "s1-boot/page_owner", "s2-workload/page_owner.gz"]),
            ["s3-after_page_owner", "s1-boot_page_owner", "s2-workload_page_owner"])
        XCTAssertEqual(
            SnapshotProfiles.fileNames(["sample-000001.show_handles", "x y/.hidden", "a/b", "a/b", "/abs/dir/c.zst", "stdin", "é"]),
            ["sample-000001.show_handles", "_hidden", "a_b", "a_b-2", "c", "stdin", "__"])
        XCTAssertEqual(SnapshotProfiles.fileNames(["run/x", "x", "other/x"]), ["run_x", "x", "other_x"])
        XCTAssertEqual(SnapshotProfiles.memberPath("/t/run.tar:s1/page_owner", input: "/t/run.tar"), "s1/page_owner")
        XCTAssertEqual(SnapshotProfiles.memberPath("/t/page_owner", input: "/t/page_owner"), "/t/page_owner")
        XCTAssertEqual(SnapshotProfiles.memberPath("-", input: "-"), "stdin")
        XCTAssertTrue(SnapshotProfiles.isDirectory("out/"))
        XCTAssertTrue(SnapshotProfiles.isDirectory(NSTemporaryDirectory()))
        XCTAssertFalse(SnapshotProfiles.isDirectory("-"))
        XCTAssertFalse(SnapshotProfiles.isDirectory("/nonexistent/p.pb.gz"))

        // The archive of s1..s3 read into one aggregator: three planned profiles, in the folder.
        var run = ReportRun()
        run.keys = PprofFormatter.defaultKeys()
        let agg = try run.makeAggregator()
        let inputs = ["k6.12-m1024/s1-boot/page_owner", "k6.12-m1024/s2-workload/show_stacks"].map(TestFixtures.dump)
        let perInput = try inputs.map { try run.read($0, into: agg) }
        let plan = SnapshotProfiles.plan(agg, inputs: inputs, perInput: perInput, directory: "out//")
        XCTAssertEqual(plan.map(\.path), ["out/page_owner.pb.gz", "out/show_stacks.pb.gz"])
        XCTAssertEqual(plan.map(\.input), [0, 1])
        XCTAssertEqual(plan.map(\.snapshot), perInput.flatMap { $0 })
    }

    func render(_ report: Report, _ format: ReportFormat, _ ctx: ReportContext) throws -> String {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try format.formatter.write(report, context: ctx, to: sink)
        try sink.commit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }
}
