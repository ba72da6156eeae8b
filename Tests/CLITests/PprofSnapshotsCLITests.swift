import Foundation
import XCTest

/// `report --format pprof` of series and of the inputs read slowest: an archive of
/// snapshots gives one profile per snapshot with `-o DIR/` (each equal to the report of
/// that snapshot alone) and the latest with `-o FILE`; a vmcore's profile parses and
/// counts what its CSV report counts.
extension PprofCLITests {
    /// Copies `Fixtures/<kernel>/<snapshot>/<file>` into the test's folder and stores them
    /// in a tar archive in `order`; returns the archive's path.
    func archive(_ kernel: String, _ members: [(snapshot: String, file: String)]) throws -> String {
        for m in members {
            try FileManager.default.createDirectory(atPath: path(m.snapshot), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: Self.fixture("\(kernel)/\(m.snapshot)/\(m.file)"), toPath: path("\(m.snapshot)/\(m.file)"))
        }
        let out = path("run.tar")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-cf", out, "-C", tmp.path] + members.map { "\($0.snapshot)/\($0.file)" }
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        return out
    }

    /// The profile at `prof` counts what `report` counts of `input` alone: pages per stack
    /// (`-traces`), per comm (`-tags`), and in all (`-raw`: allocations, pages, space).
    func assertProfile(_ prof: String, equalsReportOf input: [String], _ what: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let traces = Self.traces(try pprof(["-traces", "-sample_index=pages", prof]))
        let perStack = try csvSums(["report", "--group-by", "stack"] + input, key: { Self.symbols($0["stack"]!) }, column: "pages")
        assertSame(
            Self.sumTraces(traces) { $0.frames.joined(separator: ";") }, perStack, "\(what): pages per stack", file: file, line: line)
        let perComm = try csvSums(["report", "--group-by", "comm"] + input, key: { $0["comm"]! }, column: "pages")
        assertSame(
            Self.tags(try pprof(["-tags", "-sample_index=pages", prof]), key: "comm"), perComm, "\(what): pages per comm", file: file,
            line: line)
        let raw = Self.rawValues(try pprof(["-raw", prof]))
        let records = try csvSums(["report", "--group-by", "comm"] + input, key: { _ in "all" }, column: "records")
        XCTAssertEqual(raw.reduce(0) { $0 + $1[0] }, records["all"] ?? 0, "\(what): allocations", file: file, line: line)
        XCTAssertEqual(raw.reduce(0) { $0 + $1[1] }, perStack.values.reduce(0, +), "\(what): pages", file: file, line: line)
        XCTAssertEqual(raw.reduce(0) { $0 + $1[2] }, perStack.values.reduce(0, +) * 4096, "\(what): space", file: file, line: line)
    }

    /// An archive stored s3, s1, s2: `-o DIR/` writes one profile per snapshot, each equal
    /// to the report of that snapshot alone; `-o FILE` writes the latest (s3), as the other
    /// formats report it, and says how to get them all.
    func testArchiveGivesOneProfilePerSnapshot() throws {
        let kernel = "k6.12-m1024"
        let members = [("s3-after", "page_owner.zst"), ("s1-boot", "page_owner"), ("s2-workload", "page_owner.zst")]
        let tar = try archive(kernel, members)
        let r = try run(["report", "--format", "pprof", "-o", path("profiles") + "/", tar])
        XCTAssertEqual(r.status, 0, r.err)
        let files = try FileManager.default.contentsOfDirectory(atPath: path("profiles")).sorted()
        XCTAssertEqual(
            files, ["s1-boot_page_owner.pb.gz", "s2-workload_page_owner.pb.gz", "s3-after_page_owner.pb.gz"], "no temporary file left")
        for (snapshot, file) in members {
            XCTAssertTrue(r.err.contains("wrote \(path("profiles/\(snapshot)_page_owner.pb.gz")) (\(tar):\(snapshot)/\(file))"), r.err)
            try assertProfile(
                path("profiles/\(snapshot)_page_owner.pb.gz"), equalsReportOf: [Self.fixture("\(kernel)/\(snapshot)/\(file)")], snapshot)
        }
        XCTAssertFalse(r.err.contains("reporting the latest"), r.err)

        // -o FILE: the latest snapshot, as every report format counts an archive, with a note.
        let one = try run(["report", "--format", "pprof", "-o", path("one.pb.gz"), tar])
        XCTAssertEqual(one.status, 0, one.err)
        XCTAssertTrue(one.err.contains("reporting the latest by allocation ts, \(tar):s3-after/page_owner.zst"), one.err)
        XCTAssertTrue(one.err.contains("with --format pprof, -o DIR/ writes one profile per snapshot instead"), one.err)
        try assertProfile(path("one.pb.gz"), equalsReportOf: [tar], "archive -o FILE")
        try assertProfile(path("one.pb.gz"), equalsReportOf: [Self.fixture("\(kernel)/s3-after/page_owner.zst")], "archive -o FILE = s3")

        // An existing folder without the slash is a folder too; rewriting the profiles is fine.
        let again = try run(["report", "--format", "pprof", "-o", path("profiles"), tar])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("profiles")).count, 3)

        // A dump where a profile would go: nothing is written (checked before the first file).
        try FileManager.default.removeItem(atPath: path("profiles"))
        try FileManager.default.createDirectory(atPath: path("profiles"), withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: path("s1-boot/page_owner"), toPath: path("profiles/s3-after_page_owner.pb.gz"))
        let refused = try run(["report", "--format", "pprof", "-o", path("profiles") + "/", tar])
        XCTAssertEqual(refused.status, 2, refused.err)
        XCTAssertTrue(
            refused.err.contains("refusing to overwrite \(path("profiles/s3-after_page_owner.pb.gz")): it is a page_owner dump"),
            refused.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("profiles")), ["s3-after_page_owner.pb.gz"])

        // --sum adds the snapshots into one: a folder is not its output.
        let sum = try run(["report", "--format", "pprof", "--sum", "-o", path("summed") + "/", tar])
        XCTAssertEqual(sum.status, 1, sum.err)
        XCTAssertTrue(sum.err.contains("--sum adds them up: give -o FILE"), sum.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("summed")))
        // A folder is an output of pprof alone.
        let csv = try run(["report", "--format", "csv", "-o", path("csv") + "/", tar])
        XCTAssertEqual(csv.status, 1, csv.err)
        XCTAssertTrue(csv.err.contains("a folder is an output only for --format pprof"), csv.err)
    }

    /// Dumps given one by one are snapshots too: each gets its profile, named by the
    /// shortest tail of its path that tells it apart; a handle map counts no pages and gets none.
    func testSeveralInputsGiveOneProfileEach() throws {
        let k73 = Self.fixture("k7.3-m1536-numa") + "/"
        let inputs = [k73 + "s1-boot/page_owner.zst", k73 + "s2-workload/page_owner.zst", k73 + "s2-workload/show_handles"]
        let r = try run(
            ["report", "--format", "pprof", "-o", path("p") + "/", "--group-by", "comm"] + inputs + [
                k73 + "s2-workload/show_stacks_handles"
            ])
        XCTAssertEqual(r.status, 0, r.err)
        let files = try FileManager.default.contentsOfDirectory(atPath: path("p")).sorted()
        XCTAssertEqual(files, ["s1-boot_page_owner.pb.gz", "s2-workload_page_owner.pb.gz", "show_handles.pb.gz"])
        XCTAssertFalse(r.err.contains("added up"), "each profile is one snapshot: \(r.err)")
        let perComm = try csvSums(["report", "--group-by", "comm", inputs[1]], key: { $0["comm"]! }, column: "pages")
        assertSame(
            Self.tags(try pprof(["-tags", "-sample_index=pages", path("p/s2-workload_page_owner.pb.gz")]), key: "comm"), perComm, "s2")
        let handles = Self.rawValues(try pprof(["-raw", path("p/show_handles.pb.gz")]))
        let handlePages = try csvSums(
            ["report", "--group-by", "comm", "--stacks", k73 + "s2-workload/show_stacks_handles", inputs[2]], key: { _ in "all" },
            column: "pages")
        XCTAssertEqual(handles.reduce(0) { $0 + $1[1] }, handlePages["all"] ?? 0, "show_handles")
        XCTAssertEqual(handles.reduce(0) { $0 + $1[0] }, 0, "show_handles counts no allocations")
    }

    /// A vmcore (ELF, zstd-compressed) with its vmlinux: the profile parses and counts what
    /// the CSV report counts. One dump, read twice (profile, CSV): the debug build takes
    /// about 20 s a read.
    func testVmcoreProfileParses() throws {
        let dir = Self.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vmcore")
        let core = dir.appendingPathComponent("vmcore.elf.zst").path
        let vmlinux = dir.appendingPathComponent("vmlinux.zst").path
        guard FileManager.default.fileExists(atPath: core), FileManager.default.fileExists(atPath: vmlinux) else {
            throw XCTSkip("../shared/vmcore is absent")
        }
        let prof = try profile("vmcore.pb.gz", [core, "--vmlinux", vmlinux])
        let rawText = try pprof(["-raw", prof])
        // QEMU's dump-guest-memory writes no CRASHTIME, so this profile has no time_nanos.
        XCTAssertTrue(rawText.contains("Comment: input: \(core)\nComment: format: page_owner\n"), String(rawText.prefix(400)))
        let raw = Self.rawValues(rawText)
        let csv = try run(["report", "--group-by", "comm", "--format", "csv", core, "--vmlinux", vmlinux])
        XCTAssertEqual(csv.status, 0, csv.err)
        var pages: Int64 = 0
        var records: Int64 = 0
        let lines = csv.out.split(separator: "\r\n")
        let header = Self.csvFields(lines[0])
        for l in lines.dropFirst() {
            let row = Dictionary(uniqueKeysWithValues: zip(header, Self.csvFields(l)))
            pages += Int64(row["pages"]!)!
            records += Int64(row["records"]!)!
        }
        XCTAssertGreaterThan(pages, 0)
        XCTAssertEqual(raw.reduce(0) { $0 + $1[1] }, pages, "vmcore: pages")
        XCTAssertEqual(raw.reduce(0) { $0 + $1[0] }, records, "vmcore: allocations")
        XCTAssertEqual(raw.reduce(0) { $0 + $1[2] }, pages * 4096, "vmcore: space")
    }
}
