import Foundation
import XCTest

/// `report --format pprof` read back by Debian's `go tool pprof` (golang-go), offline:
/// per-stack and per-comm pages equal the CSV report, `-diff_base` deltas equal `diff`,
/// and a profile of every input kind parses. Skipped only when `go` is not installed.
final class PprofCLITests: CLITestCase {
    var go: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/lib/go/bin", "/usr/local/go/bin"]
        guard let g = dirs.map({ $0 + "/go" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("go is not installed (apt-get install golang-go): go tool pprof checks skipped")
        }
        go = g
    }

    /// `go tool pprof ARGS`, offline, with a private HOME and build cache.
    func pprof(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: go)
        p.arguments = ["tool", "pprof"] + args
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.path
        env["GOCACHE"] = tmp.appendingPathComponent("gocache").path
        env["PPROF_TMPDIR"] = tmp.path
        env["GOTOOLCHAIN"] = "local"
        env["GOFLAGS"] = "-mod=mod"
        env["GOPROXY"] = "off"
        p.environment = env
        let o = Pipe()
        let e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        // Written by the reading block before `g.leave()`, read here after `g.wait()`.
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async {
            box.data = e.fileHandleForReading.readDataToEndOfFile()
            g.leave()
        }
        let out = o.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        p.waitUntilExit()
        let err = String(decoding: box.data, as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, "go tool pprof \(args.joined(separator: " ")): \(err)")
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes the profile of `inputs` (and `extra` options) to a file; returns its path.
    func profile(_ name: String, _ inputs: [String], _ extra: [String] = []) throws -> String {
        let out = path(name)
        let r = try run(["report", "--format", "pprof", "-o", out] + extra + inputs)
        XCTAssertEqual(r.status, 0, r.err)
        return out
    }

    /// RFC 4180 fields of one line (no line breaks inside fields in these reports).
    static func csvFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var cur = ""
        var quoted = false
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if quoted {
                if c == "\"" {
                    let n = line.index(after: i)
                    if n < line.endIndex && line[n] == "\"" {
                        cur.append("\"")
                        i = n
                    } else {
                        quoted = false
                    }
                } else {
                    cur.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(cur)
                cur = ""
            } else {
                cur.append(c)
            }
            i = line.index(after: i)
        }
        fields.append(cur)
        return fields
    }

    /// `column` summed by `key` (a function of the row) over a CSV report of `args`.
    func csvSums(_ args: [String], key: ([String: String]) -> String, column: String) throws -> [String: Int64] {
        let r = try run(args + ["--format", "csv"])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\r\n")
        guard !lines.isEmpty else { return [:] }
        let header = Self.csvFields(lines[0])
        var sums: [String: Int64] = [:]
        for l in lines.dropFirst() {
            let f = Self.csvFields(l)
            let row = Dictionary(uniqueKeysWithValues: zip(header, f))
            sums[key(row), default: 0] += Int64(row[column]!)!
        }
        return sums.filter { $0.value != 0 }
    }

    /// A CSV stack as pprof names its functions: symbols, leaf first, `;`-joined.
    static func symbols(_ stack: String) -> String {
        if stack.hasPrefix("unresolved handle") || stack == "no stack" { return "[\(stack)]" }
        return stack.split(separator: ";").map { f -> String in
            var s = Substring(f)
            if s.hasPrefix("["), let close = s.firstIndex(of: "]") { s = s[s.index(after: close)...].drop { $0 == " " } }
            return String(s.prefix { $0 != "+" && $0 != " " })
        }.joined(separator: ";")
    }

    struct Trace {
        var labels: [String: String] = [:]
        var value: Int64 = 0
        var frames: [String] = []
    }

    /// The samples `pprof -traces` prints: labels, value, functions leaf first. The
    /// placeholder roots (`[early boot]`, …) are left out, as the CSV has no such frame.
    static func traces(_ text: String) -> [Trace] {
        var out: [Trace] = []
        var cur: Trace?
        var inFrames = false
        let pseudoRoots: Set<String> = ["[early boot]", "[dummy stack]", "[stack depot failure]"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-----------+") {
                if let c = cur { out.append(c) }
                cur = Trace()
                inFrames = false
                continue
            }
            guard cur != nil else { continue }
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            if inFrames {
                if !pseudoRoots.contains(t) { cur!.frames.append(t) }
                continue
            }
            // The value line: a number, then the leaf function.
            let parts = t.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, let v = Int64(parts[0]) {
                cur!.value = v
                cur!.frames = [parts[1].trimmingCharacters(in: .whitespaces)]
                inFrames = true
            } else if let colon = t.range(of: ":  ") {
                cur!.labels[String(t[..<colon.lowerBound])] = String(t[colon.upperBound...])
            }
        }
        if let c = cur { out.append(c) }
        return out
    }

    static func sumTraces(_ ts: [Trace], key: (Trace) -> String) -> [String: Int64] {
        var sums: [String: Int64] = [:]
        for t in ts { sums[key(t), default: 0] += t.value }
        return sums.filter { $0.value != 0 }
    }

    /// `comm: Total N` section of `pprof -tags`: value per comm.
    static func tags(_ text: String, key: String) -> [String: Int64] {
        var sums: [String: Int64] = [:]
        var inSection = false
        for line in text.split(separator: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.range(of: #"^\S+: Total "#, options: .regularExpression) != nil {
                inSection = t.hasPrefix(key + ": Total ")
                continue
            }
            guard inSection, let colon = t.range(of: "): ") else { continue }
            let number = t.prefix { $0 != " " }
            sums[String(t[colon.upperBound...]), default: 0] += Int64(Double(number)!)
        }
        return sums
    }

    /// The values of `pprof -raw`'s samples: allocations, pages, space.
    static func rawValues(_ text: String) -> [[Int64]] {
        var out: [[Int64]] = []
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let nums = line[..<colon].split(separator: " ").compactMap { Int64($0) }
            if nums.count == 3 && line[..<colon].split(separator: " ").count == 3 { out.append(nums) }
        }
        return out
    }

    func assertSame(_ got: [String: Int64], _ want: [String: Int64], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(want.isEmpty, what, file: file, line: line)
        let keys = Set(got.keys).union(want.keys).filter { got[$0] != want[$0] }
        guard let k = keys.first else { return }
        XCTFail("\(what): \(keys.count) of \(want.count) differ, e.g. \(k): pprof \(got[k] ?? 0), page-owner-sort \(want[k] ?? 0)", file: file, line: line)
    }

    func testTracesTagsAndTotalsEqualTheCSVReport() throws {
        for dump in ["k6.12-m1024/s2-workload/page_owner.zst", "k7.3-m1536-numa/s2-workload/page_owner.zst", "k6.1-m1024/s2-workload/page_owner.zst"] {
            let input = Self.fixture(dump)
            guard FileManager.default.fileExists(atPath: input) else {
                XCTFail("missing fixture \(dump)")
                continue
            }
            let prof = try profile("p.pb.gz", [input])
            let traces = Self.traces(try pprof(["-traces", "-sample_index=pages", prof]))
            let perStack = try csvSums(["report", "--group-by", "stack", input], key: { Self.symbols($0["stack"]!) }, column: "pages")
            assertSame(Self.sumTraces(traces) { $0.frames.joined(separator: ";") }, perStack, "\(dump): pages per stack")
            let perComm = try csvSums(["report", "--group-by", "comm", input], key: { $0["comm"]! }, column: "pages")
            assertSame(Self.tags(try pprof(["-tags", "-sample_index=pages", prof]), key: "comm"), perComm, "\(dump): pages per comm")
            let raw = Self.rawValues(try pprof(["-raw", prof]))
            let pages = raw.reduce(0) { $0 + $1[1] }
            XCTAssertEqual(pages, perStack.values.reduce(0, +), dump)
            XCTAssertEqual(raw.reduce(0) { $0 + $1[2] }, pages * 4096, "\(dump): space = pages x 4096")
            // -tagfocus works on a default profile (its value is a regular expression).
            let dd = Self.traces(try pprof(["-traces", "-sample_index=pages", "-tagfocus=comm=^dd$", prof]))
            XCTAssertEqual(dd.reduce(0) { $0 + $1.value }, perComm["dd"] ?? 0, "\(dump): -tagfocus=comm=dd")
        }
    }

    func testDiffBaseEqualsDiff() throws {
        for (a, b) in [
            ("k6.12-m1024/s1-boot/page_owner", "k6.12-m1024/s2-workload/page_owner.zst"),
            ("k7.3-m1536-numa/s2-workload/page_owner.zst", "k7.3-m1536-numa/s3-after/page_owner.zst"),
        ] {
            let s1 = Self.fixture(a)
            let s2 = Self.fixture(b)
            let p1 = try profile("s1.pb.gz", [s1])
            let p2 = try profile("s2.pb.gz", [s2])
            let traces = Self.traces(try pprof(["-traces", "-sample_index=pages", "-diff_base", p1, p2]))
            let perStack = try csvSums(["diff", "--group-by", "stack", s1, s2], key: { Self.symbols($0["stack"]!) }, column: "pages_delta")
            assertSame(Self.sumTraces(traces) { $0.frames.joined(separator: ";") }, perStack, "\(a) -> \(b): pages per stack")
            let perComm = try csvSums(["diff", "--group-by", "comm", s1, s2], key: { $0["comm"]! }, column: "pages_delta")
            assertSame(Self.sumTraces(traces) { $0.labels["comm"] ?? "" }, perComm, "\(a) -> \(b): pages per comm")
        }
    }

    func testEveryInputKindParses() throws {
        let k73 = Self.fixture("k7.3-m1536-numa/s2-workload") + "/"
        let cases: [(String, [String])] = [
            ("show_stacks", [Self.fixture("k6.12-m1024/s2-workload/show_stacks")]),
            ("show_handles", ["--stacks", k73 + "show_stacks_handles", k73 + "show_handles"]),
            ("mode_handle", [k73 + "page_owner.mode_handle.zst"]),
            ("mode_handle+stacks", ["--stacks", k73 + "show_stacks_handles", k73 + "page_owner.mode_handle.zst"]),
            ("mode_stack_handle", [k73 + "page_owner.mode_stack_handle.zst"]),
        ]
        for (name, args) in cases {
            let prof = try profile(name + ".pb.gz", args)
            let raw = Self.rawValues(try pprof(["-raw", prof]))
            XCTAssertFalse(raw.isEmpty, name)
            let perStack = try csvSums(["report", "--group-by", "stack"] + args, key: { $0["stack"]! }, column: "pages")
            XCTAssertEqual(raw.reduce(0) { $0 + $1[1] }, perStack.values.reduce(0, +), name)
            // Handles unresolved in the report are the profile's `[unresolved handle N]` frames.
            let unresolved = Set(perStack.keys.filter { $0.hasPrefix("unresolved handle ") }.map { "[\($0)]" })
            let frames = Set(Self.traces(try pprof(["-traces", "-sample_index=pages", prof])).flatMap(\.frames).filter { $0.hasPrefix("[unresolved handle ") })
            XCTAssertEqual(frames, unresolved, name)
            if name == "mode_handle" { XCTAssertFalse(unresolved.isEmpty, "a handle-only dump without --stacks") }
            if name == "show_handles" { XCTAssertTrue(unresolved.isEmpty, "show_handles joined with its show_stacks_handles") }
        }
        // `-o -` writes the same bytes to stdout.
        let input = Self.fixture("k6.12-m1024/s2-workload/show_stacks")
        let file = try Data(contentsOf: URL(fileURLWithPath: try profile("f.pb.gz", [input])))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["report", "--format", "pprof", "-o", "-", input]
        let o = Pipe()
        p.standardOutput = o
        try p.run()
        let stdout = o.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(stdout, file, "the same profile on stdout and in a file")
    }
}
