import Foundation
import XCTest

/// Runs the built `page-owner-sort` on bad inputs and checks exit statuses, messages and
/// that no output (or temp file) is left behind on an error. Needs the executable built
/// (`swift build --build-tests`, as `.ci/run` does).
final class CLIReliabilityTests: CLITestCase {
    func write(_ s: String, _ n: String) throws { try Data(s.utf8).write(to: URL(fileURLWithPath: path(n))) }
    func write(_ b: [UInt8], _ n: String) throws { try Data(b).write(to: URL(fileURLWithPath: path(n))) }
    func exists(_ n: String) -> Bool { FileManager.default.fileExists(atPath: path(n)) }
    func leftovers(_ dir: String? = nil) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir ?? tmp.path).filter { $0.contains(".tmp-") }
    }

    static let good: String = {
        let p = packageRoot.appendingPathComponent("Fixtures/k6.12-m1024/s1-boot/page_owner").path
        let t = (try? String(contentsOfFile: p, encoding: .utf8)) ?? ""
        return t.components(separatedBy: "\n\n")[0] + "\n"
    }()
    static var header: String { String(good.split(separator: "\n")[0]) }
    static func withHeader(_ h: String) -> String { good.replacingOccurrences(of: header, with: h) }

    /// Bad blocks, each put between two good records (so at line 8).
    static let badBlocks: [(String, String, String)] = [
        ("header cut mid-field", "Page allocated via order 0, mask 0x\n", "expected a hex value after 'mask'"),
        ("order 64", withHeader(header.replacingOccurrences(of: "order 0,", with: "order 64,")), "order out of range"),
        ("pid 2^40", withHeader(header.replacingOccurrences(of: "pid 0,", with: "pid 1099511627776,")), "pid out of range"),
        ("ts overflow", withHeader(header.replacingOccurrences(of: "ts 0 ns", with: "ts 99999999999999999999 ns")), "ts out of range"),
        ("ts 12s", withHeader(header.replacingOccurrences(of: "ts 0 ns", with: "ts 12s")), "expected ' ns'"),
        ("trailing garbage", withHeader(header + " junk"), "unexpected text"),
        ("only a PFN line", "PFN 0x100 type Unmovable Block 0 type Unmovable Flags 0x0()\n", "expected a record header"),
        ("NUL byte", good.replacingOccurrences(of: "init_page_owner", with: "init\0owner"), "binary data"),
        ("200 000 '('", String(repeating: "(", count: 200_000) + "\n", "expected a record header"),
        ("orphan stack", " a+0x1/0x2\n", "malformed stack block"),
        ("mixed format", " a+0x1/0x2\nnr_base_pages: 3\n", "mixed formats"),
    ]

    func testEveryBadKindInCompatAndReport() throws {
        try everyBadKind(threads: nil)
    }

    /// The same on 1, 2 and 3 parsing threads (`PAGE_OWNER_SORT_THREADS`).
    func testEveryBadKindOn1To3Threads() throws {
        for t in 1...3 { try everyBadKind(threads: t) }
    }

    func everyBadKind(threads: Int?) throws {
        let env = threads.map { ["PAGE_OWNER_SORT_THREADS": String($0)] } ?? [:]
        func run(_ args: [String]) throws -> Result { try self.run(args, environment: env) }
        for (name, block, message) in Self.badBlocks {
            let input = path("in")
            try write([Self.good, block, Self.good].joined(separator: "\n"), "in")
            // Lenient: exit 0, output written, summary names file and line.
            for args in [["--cull=stacktrace", input, path("out.txt")], ["report", "-o", path("out.txt"), input]] {
                try? FileManager.default.removeItem(atPath: path("out.txt"))
                let r = try run(args)
                XCTAssertEqual(r.status, 0, "\(name) \(args[0]): \(r.err)")
                XCTAssertTrue(r.err.contains("page-owner-sort: skipped 1 malformed record(s)"), "\(name): \(r.err)")
                XCTAssertTrue(r.err.contains("\(input):8: "), "\(name): \(r.err)")
                XCTAssertTrue(r.err.contains(message), "\(name): \(r.err)")
                XCTAssertTrue(exists("out.txt"), name)
                // Strict: exit 2, `<file>:<line>: …`, no output, no temp file.
                try? FileManager.default.removeItem(atPath: path("out.txt"))
                let s = try run(args[0] == "report" ? ["report", "--strict"] + args.dropFirst() : ["--strict"] + args)
                XCTAssertEqual(s.status, 2, "\(name) strict \(args[0]): \(s.err)")
                XCTAssertTrue(s.err.contains("page-owner-sort: \(input):8: "), "\(name): \(s.err)")
                XCTAssertTrue(s.err.contains(message), "\(name): \(s.err)")
                XCTAssertFalse(exists("out.txt"), "\(name): strict left an output")
                XCTAssertEqual(try leftovers(), [], name)
            }
        }
    }

    func which(_ tool: String) -> String? {
        for d in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(d)/\(tool)") {
            return "\(d)/\(tool)"
        }
        return nil
    }

    func tool(_ t: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: which(t)!)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "\(t) \(args)")
    }

    func truncated(_ n: String) throws {
        var d = try Data(contentsOf: URL(fileURLWithPath: path(n)))
        d = d.prefix(d.count / 2)
        try d.write(to: URL(fileURLWithPath: path(n)))
    }

    func testTruncatedCompressedInputAndCorruptTar() throws {
        let dump = String(repeating: Self.good + "\n", count: 2000)
        var cases: [(String, String)] = []
        if which("zstd") != nil {
            try write(dump, "z")
            try tool("zstd", ["-q", "-f", path("z"), "-o", path("d.zst")])
            try truncated("d.zst")
            cases.append(("d.zst", "zstd"))
        }
        if which("gzip") != nil {
            try write(dump, "d.gz.src")
            try tool("gzip", ["-q", "-f", "-k", path("d.gz.src")])
            try FileManager.default.moveItem(atPath: path("d.gz.src.gz"), toPath: path("d.gz"))
            try truncated("d.gz")
            cases.append(("d.gz", "gzip"))
        }
        if which("tar") != nil {
            try FileManager.default.createDirectory(atPath: path("t"), withIntermediateDirectories: true)
            try write(dump, "t/page_owner")
            try tool("tar", ["-C", path("t"), "-cf", path("d.tar"), "page_owner"])
            var bad = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("d.tar"))))
            bad[148] = UInt8(ascii: "9")  // checksum field: not octal / wrong
            bad[149] = UInt8(ascii: "9")
            try write(bad, "badhdr.tar")
            cases.append(("badhdr.tar", "tar"))
            let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("d.tar"))))
            try write(Array(full.prefix(512 + dump.utf8.count / 2)), "cut.tar")
            cases.append(("cut.tar", "tar member"))
        }
        XCTAssertFalse(cases.isEmpty, "no zstd, gzip or tar on this system")
        for (n, what) in cases {
            for args in [[path(n), path("out.txt")], ["report", "-o", path("out.txt"), path(n)]] {
                let r = try run(args)
                XCTAssertEqual(r.status, 2, "\(what) \(args[0]): \(r.err)")
                XCTAssertTrue(r.err.hasPrefix("page-owner-sort: \(path(n))"), "\(what): \(r.err)")
                XCTAssertFalse(exists("out.txt"), what)
                XCTAssertEqual(try leftovers(), [], what)
            }
        }
    }

    func testUnopenableInputsAndOutputs() throws {
        try write(Self.good, "in")
        try FileManager.default.createDirectory(atPath: path("dir"), withIntermediateDirectories: true)
        // A directory, a missing file.
        for (input, msg) in [(path("dir"), "is a directory"), (path("missing"), "No such file or directory")] {
            for args in [[input, path("out.txt")], ["report", "-o", path("out.txt"), input]] {
                let r = try run(args)
                XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
                XCTAssertTrue(r.err.contains("page-owner-sort: \(input): \(msg)"), r.err)
                XCTAssertFalse(exists("out.txt"))
            }
        }
        // Unreadable: chmod 000 does not stop root, so only check it when not root.
        if getuid() != 0 {
            try write(Self.good, "noperm")
            chmod(path("noperm"), 0)
            let r = try run([path("noperm"), path("out.txt")])
            XCTAssertEqual(r.status, 1, r.err)
            XCTAssertFalse(exists("out.txt"))
        }
        // Output into a missing folder.
        for args in [[path("in"), path("nodir/out.txt")], ["report", "-o", path("nodir/out.txt"), path("in")]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 1, r.err)
            XCTAssertTrue(r.err.contains("cannot create a file in \(path("nodir"))"), r.err)
            XCTAssertFalse(exists("nodir"))
        }
        // Output to /dev/full: a write error, reported, exit 1.
        if FileManager.default.fileExists(atPath: "/dev/full") {
            for args in [[path("in"), "/dev/full"], ["report", "-o", "/dev/full", path("in")]] {
                let r = try run(args)
                XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
                XCTAssertTrue(r.err.contains("/dev/full: No space left on device"), r.err)
            }
        }
        // Output equal to input: refused, input untouched.
        let before = try Data(contentsOf: URL(fileURLWithPath: path("in")))
        for args in [[path("in"), path("in")], ["report", "-o", path("in"), path("in")], [path("in"), tmp.path + "/./in"]] {
            let r = try run(args)
            XCTAssertEqual(r.status, 1, r.err)
            XCTAssertTrue(r.err.contains("refusing to overwrite the input file"), r.err)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("in"))), before)
        }
        XCTAssertEqual(try leftovers(), [])
    }

    func testStdinMatchesFileInput() throws {
        let dump = Self.packageRoot.appendingPathComponent("Fixtures/k6.12-m1024/s1-boot/page_owner").path
        let a = try run(["--cull=stacktrace", dump, path("a.txt")])
        XCTAssertEqual(a.status, 0, a.err)
        let b = try run(["--cull=stacktrace", "-", path("b.txt")], stdin: dump)
        XCTAssertEqual(b.status, 0, b.err)
        let c = try run(["--cull=stacktrace", "-", "-"], stdin: dump)
        let fa = try Data(contentsOf: URL(fileURLWithPath: path("a.txt")))
        XCTAssertFalse(fa.isEmpty)
        XCTAssertEqual(fa, try Data(contentsOf: URL(fileURLWithPath: path("b.txt"))))
        XCTAssertEqual(Data(c.out.utf8), fa)
    }
}
