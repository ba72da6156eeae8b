import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// A corpus of bad inputs, made by code from one real record, each with its defined result:
/// how many records are kept, how many are skipped under which kind, and where `--strict`
/// stops. Nothing here may crash.
final class ReliabilityTests: XCTestCase {
    /// The first block of a real dump (6 lines, ends with a newline, no blank line).
    static let good: String = {
        let path = TestFixtures.root.appendingPathComponent("k6.12-m1024/s1-boot/page_owner").path
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let block = text.components(separatedBy: "\n\n")[0]
        return block + "\n"
    }()

    static var header: String { String(good.split(separator: "\n")[0]) }
    static var pfnLine: String { String(good.split(separator: "\n")[1]) }
    static var frames: [String] { good.split(separator: "\n").dropFirst(2).map(String.init) }

    /// Blocks joined by blank lines, as the kernel prints them.
    static func doc(_ blocks: [String]) -> [UInt8] { Array(blocks.joined(separator: "\n").utf8) }
    static func docBytes(_ blocks: [[UInt8]]) -> [UInt8] { Array(blocks.joined(separator: Array("\n".utf8))) }

    /// 1-based line of block `i` in `doc(blocks)`.
    static func lineOf(_ blocks: [String], _ i: Int) -> Int {
        1 + blocks[0..<i].map { $0.utf8.filter { $0 == 10 }.count + 1 }.reduce(0, +)
    }

    static func withHeader(_ h: String) -> String {
        ([h, pfnLine] + frames).joined(separator: "\n") + "\n"
    }

    struct Outcome: Equatable {
        var records: Int64 = 0
        var skipped: [String: Int] = [:]
        var warnings: [String: Int] = [:]
        var examples: [String] = []
        var pagesRead: Int64 = 0
        var groups = 0
        var frameCounts: [Int32] = []
        var format: InputFormat?

        /// What the run read and grouped (everything but `frameCounts`).
        mutating func fill(from ing: Ingest, _ agg: Aggregator) {
            records = ing.records
            skipped = ing.diagnostics.skipped
            warnings = ing.diagnostics.warnings
            examples = ing.diagnostics.examples.map(\.description)
            pagesRead = agg.totals[0].pagesRead
            groups = agg.groups.count
            format = ing.format
        }
    }

    /// Reads `bytes` through Ingest into an Aggregator grouped by stack, pid and comm.
    static func ingest(
        _ bytes: [UInt8], strict: Bool = false, sourceChunk: Int? = nil,
        chunkSize: Int? = nil, maxRecord: Int? = nil,
        each: ((inout Record) -> Void)? = nil
    ) throws -> Outcome {
        var src: ByteSource = MemorySource(bytes, name: "mem")
        if let c = sourceChunk { src = ChunkedSource(src, chunk: c) }
        let ing = Ingest(strict: strict)
        if let c = chunkSize { ing.chunkSize = c }
        if let m = maxRecord { ing.maxRecord = m }
        let agg = Aggregator(keys: [.stack, .pid, .comm])
        agg.beginSnapshot(name: "mem")
        var o = Outcome()
        try ing.run(src) { r in
            o.frameCounts.append(r.frameCount)
            each?(&r)
            agg.add(&r)
        }
        o.fill(from: ing, agg)
        return o
    }

    /// Reads `bytes` on `workers` workers (each with its own aggregator, merged at the end),
    /// in chunks of `chunkSize` bytes so that the records spread over the workers.
    static func ingest(_ bytes: [UInt8], workers: Int, strict: Bool = false, chunkSize: Int = 4096) throws -> Outcome {
        let ing = Ingest(strict: strict)
        ing.chunkSize = chunkSize
        ing.parallelThreshold = 1
        let agg = Aggregator(keys: [.stack, .pid, .comm])
        agg.beginSnapshot(name: "mem")
        let helpers = (1..<workers).map { _ in agg.makeWorker() }
        try ing.run(MemorySource(bytes, name: "mem"), consumers: [agg] + helpers)
        for h in helpers { agg.merge(h) }
        var o = Outcome()
        o.fill(from: ing, agg)
        return o
    }

    /// One corpus entry.
    struct Case {
        var name: String
        var input: [UInt8]
        var records: Int64
        var skipped: [String: Int] = [:]
        /// Where `--strict` stops, or nil when the input is fully valid.
        var strictLine: Int?
        var strictKind: InputError.Kind = .malformed
        var warnings: [String: Int]? = nil
    }

    static func corpus() -> [Case] {
        let G = good
        let H = header
        let P = pfnLine
        let F = frames
        var cases: [Case] = []
        func bad(_ name: String, _ block: String, kind: String, warnings: [String: Int]? = nil) {
            let blocks = [G, block, G]
            cases.append(
                Case(name: name, input: doc(blocks), records: 2, skipped: [kind: 1], strictLine: lineOf(blocks, 1), warnings: warnings))
        }
        func ok(_ name: String, _ blocks: [String], records: Int64, warnings: [String: Int]? = [:]) {
            cases.append(Case(name: name, input: doc(blocks), records: records, warnings: warnings))
        }

        ok("valid", [G, G, G], records: 3)
        ok("truncated record (header only)", [G, H + "\n", G], records: 3, warnings: ["no-pfn-line": 1])
        bad("header cut mid-field", "Page allocated via order 0, mask 0x\n", kind: "bad-header")
        bad("header cut after order", "Page allocated via order \n", kind: "bad-header")
        bad("header 'Page allocated via' alone", "Page allocated via\n", kind: "no-header")
        ok("record without PFN line", [G, ([H] + F).joined(separator: "\n") + "\n", G], records: 3, warnings: ["no-pfn-line": 1])
        // Deterministic junk without NUL and newline bytes.
        var junk: [UInt8] = []
        var x: UInt32 = 12345
        for _ in 0..<4096 {
            x = x &* 1_103_515_245 &+ 12345
            var b = UInt8(truncatingIfNeeded: x >> 16)
            if b == 0 || b == 10 { b = 0xFF }
            junk.append(b)
        }
        junk.append(10)
        cases.append(
            Case(
                name: "binary junk", input: docBytes([Array(G.utf8), junk, Array(G.utf8)]), records: 2,
                skipped: ["no-header": 1], strictLine: 8))
        bad("NUL bytes inside a record", G.replacingOccurrences(of: "init_page_owner", with: "init\0page_owner"), kind: "binary")
        ok("1 MB frame line", [G, ([H, P, " " + String(repeating: "x", count: 1 << 20)] + F).joined(separator: "\n") + "\n"], records: 2)
        bad("1 MB junk line", String(repeating: "y", count: 1 << 20) + "\n", kind: "no-header")
        ok("100 000-frame stack", [([H, P] + Array(repeating: " f+0x1/0x2", count: 100_000)).joined(separator: "\n") + "\n"], records: 1)
        bad(
            "order 99999999999999999999", withHeader(H.replacingOccurrences(of: "order 0,", with: "order 99999999999999999999,")),
            kind: "bad-header")
        bad("order 64", withHeader(H.replacingOccurrences(of: "order 0,", with: "order 64,")), kind: "bad-header")
        ok("order 63 (saturated pages)", [withHeader(H.replacingOccurrences(of: "order 0,", with: "order 63,"))], records: 1)
        bad("pid 2^40", withHeader(H.replacingOccurrences(of: "pid 0,", with: "pid 1099511627776,")), kind: "bad-header")
        bad("tgid 2^40", withHeader(H.replacingOccurrences(of: "tgid 0 ", with: "tgid 1099511627776 ")), kind: "bad-header")
        bad("ts overflow", withHeader(H.replacingOccurrences(of: "ts 0 ns", with: "ts 18446744073709551616 ns")), kind: "bad-header")
        bad("mask overflow", withHeader(H.replacingOccurrences(of: "mask 0x0", with: "mask 0x1ffffffffffffffff")), kind: "bad-header")
        bad("header with trailing garbage", withHeader(H + " garbage"), kind: "bad-header")
        bad("ts 12s (no ' ns')", withHeader(H.replacingOccurrences(of: "ts 0 ns", with: "ts 12s")), kind: "bad-header")
        bad(
            "comm of 200 000 '('",
            withHeader(H.replacingOccurrences(of: "(swapper), ts 0 ns", with: "(" + String(repeating: "(", count: 200_000))),
            kind: "bad-header")
        bad("line of 200 000 '('", String(repeating: "(", count: 200_000) + "\n", kind: "no-header")
        ok("frame of 200 000 '('", [([H, P, " " + String(repeating: "(", count: 200_000)]).joined(separator: "\n") + "\n"], records: 1)
        bad("record that is only a PFN line", P + "\n", kind: "no-header")
        let showStacks = " a+0x1/0x2\n b+0x3/0x4\nnr_base_pages: 5\n"
        cases.append(
            Case(
                name: "mixed formats (page_owner then show_stacks)", input: doc([G, G, showStacks]), records: 2,
                skipped: ["mixed-format": 1], strictLine: 15, strictKind: .format))
        cases.append(
            Case(
                name: "show_stacks block missing nr_base_pages", input: doc([" a+0x1/0x2\n b+0x3/0x4\n", showStacks]), records: 1,
                skipped: ["bad-stack-block": 1], strictLine: 1))
        cases.append(
            Case(
                name: "show_handles with a bad number", input: doc(["handle: 12x\nnr_base_pages: 4\n", "handle: 7\nnr_base_pages: 4\n"]),
                records: 1,
                skipped: ["bad-stack-block": 1], strictLine: 1))
        cases.append(
            Case(
                name: "show_handles handle overflow",
                input: doc(["handle: 7\nnr_base_pages: 4\n", "handle: 99999999999\nnr_base_pages: 1\n"]), records: 1,
                skipped: ["bad-stack-block": 1], strictLine: 4))
        cases.append(
            Case(
                name: "nr_base_pages overflow", input: doc([showStacks, " a+0x1/0x2\nnr_base_pages: 99999999999999999999999\n"]),
                records: 1,
                skipped: ["bad-stack-block": 1], strictLine: 5))
        bad("orphan frames after page_owner records", " a+0x1/0x2\n b+0x3/0x4\n", kind: "bad-stack-block")
        ok("empty file", [], records: 0)
        cases.append(Case(name: "only blank lines", input: Array("\n\n\n".utf8), records: 0))
        cases.append(Case(name: "only CRLF blank lines", input: Array("\r\n\r\n\r\n".utf8), records: 0))
        var utf = Array(withHeader(H).utf8)
        let w = utf.firstIndex(of: UInt8(ascii: "w"))!
        utf[w] = 0xFF
        utf[w + 1] = 0xC3
        cases.append(Case(name: "invalid UTF-8 in comm", input: docBytes([Array(G.utf8), utf]), records: 2))
        ok(
            "'), ts ' inside a comm", [withHeader(H.replacingOccurrences(of: "(swapper), ts 0 ns", with: "(a), ts 5 ns (b), ts 42 ns"))],
            records: 1)
        ok(
            "comm with spaces and parentheses", [withHeader(H.replacingOccurrences(of: "(swapper)", with: "(kworker/u8:2 (x) y)"))],
            records: 1)
        cases.append(Case(name: "last record without a trailing newline", input: Array((G + "\n" + G.dropLast()).utf8), records: 2))
        let blanks = [G + String(repeating: "\n", count: 1000), "Page allocated via order x\n", G]
        cases.append(
            Case(
                name: "many blank lines between records", input: doc(blanks), records: 2, skipped: ["bad-header": 1],
                strictLine: lineOf(blanks, 1)))
        ok("tabs instead of the leading space", [G, G.replacingOccurrences(of: "\n ", with: "\n\t")], records: 2)
        ok("swap_page_owner block", ["Page allocated via pid 5, tgid 5 (a), ts 1 ns\nSWP entry 0x12\n f+0x1/0x2\n"], records: 1)
        ok("show_handles negative handle", ["handle: -5\nnr_base_pages: 1\n"], records: 1)
        return cases
    }

    func testCorpusHasEnoughKinds() {
        XCTAssertGreaterThanOrEqual(Self.corpus().count, 30)
        XCTAssertTrue(Self.good.hasPrefix("Page allocated via order 0"), "base record from Fixtures")
    }

    func testEveryKindHasItsDefinedResult() throws {
        for c in Self.corpus() {
            let o = try Self.ingest(c.input)
            XCTAssertEqual(o.records, c.records, "\(c.name): records")
            XCTAssertEqual(o.skipped, c.skipped, "\(c.name): skipped")
            if let w = c.warnings { XCTAssertEqual(o.warnings, w, "\(c.name): warnings") }
            // Every skip names the input and a line.
            for e in o.examples { XCTAssertTrue(e.hasPrefix("mem:"), "\(c.name): \(e)") }
            if let l = c.strictLine {
                XCTAssertEqual(o.examples.first?.hasPrefix("mem:\(l): "), true, "\(c.name): example \(o.examples)")
            }
            // Strict mode: stops at the first bad record, naming its line.
            do {
                let s = try Self.ingest(c.input, strict: true)
                XCTAssertNil(c.strictLine, "\(c.name): strict did not throw")
                XCTAssertEqual(s, o, "\(c.name): strict and lenient differ on a valid input")
            } catch let e as InputError {
                XCTAssertEqual(e.kind, c.strictKind, "\(c.name): \(e)")
                XCTAssertEqual(e.line, c.strictLine, "\(c.name): \(e)")
                XCTAssertEqual(e.input, "mem")
                XCTAssertTrue(e.description.hasPrefix("mem:\(c.strictLine ?? -1): "), "\(c.name): \(e)")
            }
        }
    }

    func testEveryKindIsTheSameInEveryChunking() throws {
        for c in Self.corpus() where c.input.count < 300_000 {
            let whole = try Self.ingest(c.input)
            for chunk in [1, 7, 4096] {
                XCTAssertEqual(try Self.ingest(c.input, sourceChunk: chunk), whole, "\(c.name): source chunk \(chunk)")
            }
            for size in [64, 4096] {
                XCTAssertEqual(try Self.ingest(c.input, sourceChunk: 7, chunkSize: size), whole, "\(c.name): chunkSize \(size)")
            }
        }
    }

    /// The corpus on 1, 2 and 3 workers: the same records, skips, warnings, pages and
    /// groups as one worker reading the whole input; under strict, the same first bad line.
    func testEveryKindIsTheSameOn1To3Workers() throws {
        for c in Self.corpus() where c.input.count < 300_000 {
            var whole = try Self.ingest(c.input)
            whole.frameCounts = []
            for workers in 1...3 {
                XCTAssertEqual(try Self.ingest(c.input, workers: workers), whole, "\(c.name): \(workers) worker(s)")
                guard let line = c.strictLine else { continue }
                XCTAssertThrowsError(try Self.ingest(c.input, workers: workers, strict: true), "\(c.name): \(workers) worker(s)") { e in
                    XCTAssertEqual((e as? InputError)?.line, line, "\(c.name): \(workers) worker(s): \(e)")
                    XCTAssertEqual((e as? InputError)?.kind, c.strictKind, "\(c.name): \(workers) worker(s): \(e)")
                }
            }
        }
    }

    func testFieldValuesOfOddButValidRecords() throws {
        func one(_ h: String) throws -> Record {
            var rec = Record()
            var comm: [UInt8] = []
            _ = try Self.ingest(Array(Self.withHeader(h).utf8)) { r in
                rec = r
                comm = r.withBytes(r.comm) { $0.array }
            }
            rec.chunk = .empty
            commBytes = comm
            return rec
        }
        let H = Self.header
        var r = try one(H.replacingOccurrences(of: "(swapper), ts 0 ns", with: "(a), ts 5 ns (b), ts 42 ns"))
        XCTAssertEqual(String(decoding: commBytes, as: UTF8.self), "a), ts 5 ns (b")
        XCTAssertEqual(r.ts, 42)
        r = try one(H.replacingOccurrences(of: "(swapper)", with: "(kworker/u8:2 (x) y)"))
        XCTAssertEqual(String(decoding: commBytes, as: UTF8.self), "kworker/u8:2 (x) y")
        r = try one(H.replacingOccurrences(of: "(swapper)", with: "(sw\u{1}pper)").replacingOccurrences(of: "\u{1}", with: "\u{7F}"))
        XCTAssertEqual(commBytes, Array("sw\u{7F}pper".utf8))
        r = try one(H.replacingOccurrences(of: "order 0,", with: "order 63,"))
        XCTAssertEqual(r.order, 63)
        XCTAssertEqual(r.pages, Int64.max)
        r = try one(H.replacingOccurrences(of: "pid 0,", with: "pid 2147483647,"))
        XCTAssertEqual(r.pid, Int32.max)
        // Invalid UTF-8 bytes in the comm are kept as bytes.
        var bytes = Array(Self.withHeader(H).utf8)
        let i = bytes.firstIndex(of: UInt8(ascii: "w"))!
        bytes[i] = 0xFF
        bytes[i + 1] = 0xFE
        var got: [UInt8] = []
        let o = try Self.ingest(bytes) { r in got = r.withBytes(r.comm) { $0.array } }
        XCTAssertEqual(o.records, 1)
        XCTAssertEqual(got, [UInt8(ascii: "s"), 0xFF, 0xFE] + Array("pper".utf8))
        // The 100 000-frame stack keeps every frame; tabs count as frame lines.
        let deep = Self.corpus().first { $0.name == "100 000-frame stack" }!
        XCTAssertEqual(try Self.ingest(deep.input).frameCounts, [100_000])
        let tabs = Self.corpus().first { $0.name == "tabs instead of the leading space" }!
        XCTAssertEqual(try Self.ingest(tabs.input).frameCounts, [4, 4])
    }
    var commBytes: [UInt8] = []

    func testCRLFParsesLikeLF() throws {
        let lf = Self.doc([
            Self.good, Self.good, Self.withHeader(Self.header.replacingOccurrences(of: "pid 0,", with: "pid 9,")),
            "Page allocated via order x\n", Self.good,
        ])
        var crlf: [UInt8] = []
        for b in lf {
            if b == 10 { crlf.append(13) }
            crlf.append(b)
        }
        let a = try Self.ingest(lf)
        let b = try Self.ingest(crlf)
        XCTAssertEqual(a.records, 4)
        XCTAssertEqual(a, b)
        for chunk in [1, 7, 4096] {
            XCTAssertEqual(try Self.ingest(crlf, sourceChunk: chunk, chunkSize: 64), a, "chunk \(chunk)")
        }
    }

    /// A real dump with bad records spliced in: identical aggregates, diagnostics and
    /// strict line numbers in every chunking.
    func testRealDumpInEveryChunking() throws {
        let path = TestFixtures.root.appendingPathComponent("k6.12-m1024/s1-boot/page_owner").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var blocks = Array(text.components(separatedBy: "\n\n").prefix(300)).map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }
        blocks.insert("Page allocated via order 0, mask 0x\n", at: 100)
        blocks.insert("PFN 1 type x\n", at: 200)
        let input = Self.doc(blocks)
        let whole = try Self.ingest(input)
        XCTAssertEqual(whole.records, 300)
        XCTAssertEqual(whole.skipped, ["bad-header": 1, "no-header": 1])
        XCTAssertEqual(
            whole.examples,
            [
                "mem:\(Self.lineOf(blocks, 100)): malformed header: expected a hex value after 'mask'",
                "mem:\(Self.lineOf(blocks, 200)): expected a record header ('Page allocated via order N, …'), a stack, or 'handle: N'",
            ])
        for chunk in [1, 7, 4096] {
            XCTAssertEqual(try Self.ingest(input, sourceChunk: chunk), whole, "source chunk \(chunk)")
        }
        for size in [64, 4096] {
            XCTAssertEqual(try Self.ingest(input, chunkSize: size), whole, "chunkSize \(size)")
            XCTAssertEqual(try Self.ingest(input, sourceChunk: 7, chunkSize: size), whole, "chunkSize \(size), source chunk 7")
            XCTAssertThrowsError(try Self.ingest(input, strict: true, chunkSize: size)) { e in
                XCTAssertEqual((e as? InputError)?.line, Self.lineOf(blocks, 100))
            }
        }
        // The compat pipeline gives the same bytes in every chunking.
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var flags = CompatFlags()
        flags.cull = "stacktrace"
        let options = try flags.resolve()
        func compat(_ chunk: Int?, size: Int?) throws -> [UInt8] {
            let agg = Aggregator(keys: [], compat: options)
            var src: ByteSource = MemorySource(input, name: "mem")
            if let chunk { src = ChunkedSource(src, chunk: chunk) }
            let ing = Ingest()
            if let size { ing.chunkSize = size }
            try ing.run(src) { r in agg.addCompatExact(r) }
            let out = dir.appendingPathComponent("out-\(chunk ?? 0)-\(size ?? 0)").path
            let sink = try OutputSink(path: out)
            try CompatFormatter.write(agg, to: sink)
            try sink.commit()
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        }
        let ref = try compat(nil, size: nil)
        XCTAssertFalse(ref.isEmpty)
        for (c, s) in [(1, 64), (7, 4096), (4096, 64), (7, 64)] {
            XCTAssertEqual(try compat(c, size: s), ref, "compat chunk \(c) size \(s)")
        }
    }

    /// Regression: a record longer than `maxRecord` used to be cut at a line end and its
    /// halves parsed as two records (the first kept with a truncated stack). It is now
    /// skipped whole as `too-long`, and the records after it are read normally.
    func testRecordLongerThanMaxRecordIsSkippedWhole() throws {
        let long = ([Self.header, Self.pfnLine] + Array(repeating: " f+0x1/0x2", count: 2000)).joined(separator: "\n") + "\n"
        let blocks = [Self.good, long, Self.good, Self.good]
        let input = Self.doc(blocks)
        for chunk in [nil, 1, 7, 4096] as [Int?] {
            for size in [64, 4096] {
                let o = try Self.ingest(input, sourceChunk: chunk, chunkSize: size, maxRecord: 8192)
                XCTAssertEqual(o.records, 3, "chunk \(String(describing: chunk)) size \(size)")
                XCTAssertEqual(o.skipped, ["too-long": 1], "chunk \(String(describing: chunk)) size \(size)")
                XCTAssertEqual(o.examples.first?.hasPrefix("mem:8: "), true, "\(o.examples)")
                XCTAssertEqual(o.frameCounts, [4, 4, 4])
                XCTAssertThrowsError(try Self.ingest(input, strict: true, sourceChunk: chunk, chunkSize: size, maxRecord: 8192)) { e in
                    XCTAssertEqual((e as? InputError)?.kind, .malformed)
                    XCTAssertEqual((e as? InputError)?.line, 8)
                }
            }
        }
        // A single line longer than maxRecord, at the end, with CRLF.
        var crlf: [UInt8] = []
        for b in Self.doc([Self.good, String(repeating: "z", count: 20_000) + "\n", Self.good]) {
            if b == 10 { crlf.append(13) }
            crlf.append(b)
        }
        let o = try Self.ingest(crlf, chunkSize: 64, maxRecord: 4096)
        XCTAssertEqual(o.records, 2)
        XCTAssertEqual(o.skipped, ["too-long": 1])
        XCTAssertEqual(o.examples.first?.hasPrefix("mem:8: "), true, "\(o.examples)")
    }

    /// Regression: sums of pages never go negative from one absurd order.
    func testAbsurdOrdersDoNotWrapTotals() throws {
        let o = try Self.ingest(
            Self.doc([
                Self.good, Self.withHeader(Self.header.replacingOccurrences(of: "order 0,", with: "order 64,")),
                Self.withHeader(Self.header.replacingOccurrences(of: "order 0,", with: "order 99999999999999999999,")), Self.good,
            ]))
        XCTAssertEqual(o.pagesRead, 2)
        XCTAssertEqual(o.skipped, ["bad-header": 2])
    }

    /// The compat and report pipelines over files skip the same records and name the file.
    func testCompatRunAndReportRunOverFiles() throws {
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("dump").path
        let blocks = [Self.good, "Page allocated via order 0, mask 0x\n", Self.good]
        try Data(Self.doc(blocks)).write(to: URL(fileURLWithPath: path))
        var flags = CompatFlags()
        flags.cull = "stacktrace"
        let res = try CompatRun.aggregate(inputPath: path, options: try flags.resolve(), input: .init(strict: false))
        XCTAssertEqual(res.records, 2)
        XCTAssertEqual(res.diagnostics.skipped, ["bad-header": 1])
        XCTAssertEqual(res.diagnostics.summary().first, "page-owner-sort: skipped 1 malformed record(s) (bad-header: 1)")
        XCTAssertEqual(res.diagnostics.summary().dropFirst().first, "  \(path):8: malformed header: expected a hex value after 'mask'")
        XCTAssertThrowsError(try CompatRun.aggregate(inputPath: path, options: try flags.resolve(), input: .init(strict: true))) { e in
            XCTAssertEqual((e as? InputError)?.description, "\(path):8: malformed header: expected a hex value after 'mask'")
        }
        var run = ReportRun()
        let agg = try run.makeAggregator()
        try run.read(path, into: agg)
        XCTAssertEqual(agg.totals[0].recordsRead, 2)
        XCTAssertEqual(run.diagnostics.skipped, ["bad-header": 1])
        run.strict = true
        XCTAssertThrowsError(try run.read(path, into: try run.makeAggregator())) { e in
            XCTAssertEqual((e as? InputError)?.line, 8)
        }
    }
}
