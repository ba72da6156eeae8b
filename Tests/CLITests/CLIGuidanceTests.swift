import Foundation
import PageOwnerKit
import XCTest

/// The command line guards dumps and guides: no dump overwritten by a slip, no output over an
/// input, "did you mean" for commands, keys and values, the subcommand's usage on its errors,
/// --version, completions, series output and growth gates with sizes. On the real fixtures.
final class CLIGuidanceTests: CLITestCase {
    let s1 = CLITestCase.fixture("k6.12-m1024/s1-boot/page_owner")
    let s2 = CLITestCase.fixture("k6.12-m1024/s2-workload/page_owner.zst")
    let s3 = CLITestCase.fixture("k6.12-m1024/s3-after/page_owner.zst")

    func data(_ p: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: p)) }
    func copy(_ from: String, _ n: String) throws -> String {
        try? FileManager.default.removeItem(atPath: path(n))
        try FileManager.default.copyItem(atPath: from, toPath: path(n))
        return path(n)
    }
    func shell(_ cmd: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", cmd]
        p.currentDirectoryURL = tmp
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, cmd)
    }

    /// `page-owner-sort s1 s2` (meaning diff) must not replace the dump s2 with a sorted report,
    /// whatever kind of dump s2 is; --force does it; a previous run's output is overwritten freely.
    func testAnExistingDumpIsNotOverwritten() throws {
        try shell("gzip -c '\(s1)' > s1.gz && cp '\(s1)' member && tar -cf run.tar member && zstd -q -c run.tar > run.tar.zst")
        try Data("Page allocated via order 0, mask 0x201da\n [<ffffffff81140c2b>] __alloc_pages_nodemask+0x1ab/0x940\n\n".utf8).write(
            to: URL(fileURLWithPath: path("era2.6")))
        var core = [UInt8](repeating: 0, count: 64)
        core[0...3] = [0x7f, 0x45, 0x4c, 0x46]
        core[4] = 2
        core[5] = 1
        core[16] = 4  // ET_CORE
        try Data(core).write(to: URL(fileURLWithPath: path("vmcore")))
        let dumps: [(String, String)] = [
            (s1, "page_owner"), (s2, "zstd-compressed page_owner"), (Self.fixture("k6.12-m1024/s1-boot/show_stacks"), "show_stacks"),
            (Self.fixture("k7.3-m1536-numa/s1-boot/show_handles"), "show_handles"),
            (Self.fixture("k7.3-m1536-numa/s1-boot/show_stacks_handles"), "show_stacks_handles"),
            (Self.fixture("k7.3-m1536-numa/s1-boot/page_owner.mode_handle"), "page_owner"), (path("s1.gz"), "gzip-compressed page_owner"),
            (path("run.tar"), "tar archive of dumps"), (path("run.tar.zst"), "zstd-compressed tar archive"), (path("era2.6"), "page_owner"),
            (path("vmcore"), "ELF core dump"),
        ]
        for (i, (dump, kind)) in dumps.enumerated() {
            let out = try copy(dump, "out\(i)")
            let before = try data(out)
            let r = try run([s1, out])
            XCTAssertEqual(r.status, 2, "\(kind): \(r.err)")
            XCTAssertTrue(r.err.contains("refusing to overwrite \(out): it is "), r.err)
            XCTAssertTrue(r.err.contains(kind), "\(kind): \(r.err)")
            XCTAssertTrue(r.err.contains("did you mean `page-owner-sort diff \(s1) \(out)`?"), r.err)
            XCTAssertEqual(try data(out), before, "\(kind) is untouched")
            let rep = try run(["report", s1, "-o", out])
            XCTAssertEqual(rep.status, 2, "report -o over \(kind): \(rep.err)")
            XCTAssertEqual(try data(out), before)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.contains(".tmp-") }, [])
        // --force overwrites; the result, a sorted report, is not a dump: a second run replaces it.
        let out = try copy(s1, "forced")
        let forced = try run(["--force", s1, out])
        XCTAssertEqual(forced.status, 0, forced.err)
        XCTAssertTrue(String(decoding: try data(out), as: UTF8.self).hasPrefix("4691 times, 4691 pages"))
        let again = try run(["--cull=stacktrace", s1, out])
        XCTAssertEqual(again.status, 0, again.err)
        for args in [["report", s1, "-o", out], ["report", "--format", "json", s1, "-o", out], ["diff", s1, s2, "-o", out]] {
            XCTAssertEqual(try run(args).status, 0, "\(args): a report is not a dump")
        }
        let r = try run(["report", "--force", s1, "-o", try copy(s2, "forced2")])
        XCTAssertEqual(r.status, 0, r.err)
    }

    /// An output is never an input (by device and inode), not even with --force: a hard link,
    /// stdin, the --stacks file, either side of diff, a series snapshot.
    func testAnOutputIsNeverAnInput() throws {
        let a = try copy(s1, "a")
        let b = try copy(Self.fixture("k7.3-m1536-numa/s1-boot/show_stacks_handles"), "stacks")
        try shell("ln a a-link && ln stacks stacks-link")
        let before = try data(a)
        let cases: [[String]] = [
            [a, path("a-link")], ["--force", a, path("a-link")], ["--force", "-", path("a-link")],
            ["report", "--force", a, "-o", path("a-link")],
            ["report", "--force", "--stacks", b, Self.fixture("k7.3-m1536-numa/s1-boot/show_handles"), "-o", path("stacks-link")],
            ["diff", "--force", s1, a, "-o", path("a-link")], ["series", "--force", s2, a, s3, "-o", path("a-link")],
        ]
        for args in cases {
            let r = try run(args, stdin: args.contains("-") ? a : nil)
            XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("refusing to overwrite the input file"), "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("is the same file"), "\(args): \(r.err)")
        }
        XCTAssertEqual(try data(a), before)
        XCTAssertEqual(try data(b), try data(Self.fixture("k7.3-m1536-numa/s1-boot/show_stacks_handles")))
    }

    /// A misspelled command is named as such, not reported as a missing file.
    func testAnUnknownFirstWordSuggestsACommand() throws {
        for (word, command) in [("reprot", "report"), ("dif", "diff"), ("seires", "series"), ("inf", "info")] {
            let r = try run([word, s1])
            XCTAssertEqual(r.status, 1, r.err)
            XCTAssertTrue(r.err.contains("'\(word)' is neither a command nor a file; did you mean `\(command)`?"), r.err)
            XCTAssertFalse(r.err.contains("No such file"), r.err)
        }
        let missing = try run([path("no-such-dump"), path("out")])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("No such file"), "a path that is not near a command name: \(missing.err)")
    }

    func testVersionAndJSONMetadata() throws {
        let v = try run(["--version"])
        XCTAssertEqual(v.status, 0, v.err)
        XCTAssertEqual(v.out, ToolVersion.current + "\n")
        XCTAssertEqual(try run(["report", "--version"]).out, ToolVersion.current + "\n")
        for args in [["report", s1], ["diff", s1, s2], ["series", s1, s2]] {
            let r = try run(args + ["--format", "json", "--top", "2"])
            XCTAssertEqual(r.status, 0, r.err)
            let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            XCTAssertEqual(doc["version"] as? String, ToolVersion.current, "\(args[0])")
        }
    }

    /// Misspelled keys and values get "did you mean", and the usage of the subcommand that ran.
    func testErrorsSuggestAndShowTheSubcommandUsage() throws {
        let cases: [([String], String, String)] = [
            (["report", s1, "--group-by", "comn"], "unknown group key 'comn' (did you mean 'comm'?)", "report"),
            (["report", s1, "--group-by", "pid,calller"], "unknown group key 'calller' (did you mean 'caller'?)", "report"),
            (["diff", s1, s2, "--format", "jsn"], "unknown format 'jsn' (did you mean 'json'?)", "diff"),
            (["report", s1, "--sort", "pgaes"], "unknown sort field 'pgaes' (did you mean 'pages'?)", "report"),
            (["series", s1, s2, "--format", "svgg"], "unknown format 'svgg' (did you mean 'svg'?)", "series"),
            (["report", s1, "--input-format", "show_stack"], "unknown input format 'show_stack' (did you mean 'show_stacks'?)", "report"),
            (["diff", s1, s2, "--fail-on-growth", "10MB/s"], "bad size '10MB/s'", "diff"),
        ]
        for (args, message, command) in cases {
            let r = try run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("Usage: page-owner-sort \(command) [<options>]"), "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains("See 'page-owner-sort \(command) --help'"), "\(args): \(r.err)")
        }
        let far = try run(["report", s1, "--group-by", "colour"])
        XCTAssertFalse(far.err.contains("did you mean"), "no suggestion when nothing is near: \(far.err)")
    }

    /// bash completion (run in bash) offers the values of --group-by, --format, --input-format,
    /// --sort, and file names, also where the default subcommand takes them; zsh and fish
    /// scripts carry the same values and file completion.
    func testCompletionsOfferValuesAndFiles() throws {
        try Data().write(to: URL(fileURLWithPath: path("snap1.txt")))
        let script = try run(["--generate-completion-script", "bash"])
        XCTAssertEqual(script.status, 0, script.err)
        try Data(script.out.utf8).write(to: URL(fileURLWithPath: path("c.bash")))
        let lines = [
            ("page-owner-sort report --group-by co", "comm"), ("page-owner-sort diff --format js", "json jsonl"),
            ("page-owner-sort report --input-format show_", "show_stacks show_handles show_stacks_handles"),
            ("page-owner-sort series --sort pa", "pages"), ("page-owner-sort report sn", "snap1.txt"),
            ("page-owner-sort report -o sn", "snap1.txt"), ("page-owner-sort sn", "snap1.txt"),
            ("page-owner-sort snap1.txt sn", "snap1.txt"), ("page-owner-sort rep", "report"),
        ]
        var sh = "source c.bash\n"
        sh += "c() { COMP_LINE=\"$1\"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< \"$COMP_LINE\"; "
        sh += "COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); "
        sh +=
            "_page-owner-sort page-owner-sort \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"; echo \"${COMPREPLY[*]}\"; }\n"
        for (l, _) in lines { sh += "c '\(l)'\n" }
        try Data(sh.utf8).write(to: URL(fileURLWithPath: path("t.sh")))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["t.sh"]
        p.currentDirectoryURL = tmp
        let o = Pipe()
        p.standardOutput = o
        try p.run()
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let got = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (i, (l, want)) in lines.enumerated() {
            XCTAssertEqual(i < got.count ? got[i] : "<none>", want, l)
        }
        let zsh = try run(["--generate-completion-script", "zsh"]).out
        XCTAssertTrue(zsh.contains("'stack' 'caller' 'pid'"), "zsh --group-by values")
        XCTAssertTrue(zsh.contains("'text' 'csv' 'json' 'jsonl' 'folded' 'svg'"))
        XCTAssertTrue(
            zsh.contains("_describe -V subcommand subcommands && ret=0\n        _files && ret=0"), "zsh: files beside subcommands")
        XCTAssertEqual(try run(["--generate-completion-script=zsh"]).out, zsh)
        let fish = try run(["--generate-completion-script", "fish"]).out
        XCTAssertTrue(fish.contains("-rfka 'text csv json jsonl folded svg pprof html'"), "fish --format values")
        XCTAssertTrue(
            fish.contains("-n 'not __fish_seen_subcommand_from compat report diff series info record top help' -F"), "fish: files at the top")
    }

    func testSeriesFoldedIsRefusedAndStacksHaveIDs() throws {
        let folded = try run(["series", s1, s2, "--format", "folded"])
        XCTAssertEqual(folded.status, 1)
        XCTAssertTrue(folded.err.contains("series does not write --format folded"), folded.err)
        XCTAssertEqual(folded.out, "")
        let r = try run(["series", s1, s2, s3, "--top", "40"])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = r.out.split(separator: "\n").dropFirst().prefix(40)
        XCTAssertEqual(r.out.split(separator: "\n").first?.hasSuffix("STACK"), true, r.out)
        let ids = rows.map { String($0.split(separator: " ").dropFirst(5).first ?? "") }
        XCTAssertTrue(ids.allSatisfy { $0.count == 10 && $0.allSatisfy(\.isHexDigit) }, "\(ids)")
        XCTAssertEqual(Set(ids).count, ids.count, "one id per stack")
        let callers = rows.map { String($0.split(separator: " ").last ?? "") }
        XCTAssertLessThan(Set(callers).count, callers.count, "callers repeat; ids tell the stacks apart")
        // The same stack has the same id in another run (other snapshots, JSON).
        let json = try run(["series", s2, s3, "--format", "json"])
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let jsonIDs = Set(((doc["groups"] as? [[String: Any]]) ?? []).compactMap { $0["stack_id"] as? String })
        XCTAssertTrue(Set(ids).isSubset(of: jsonIDs), "ids are stable across runs")
    }

    /// Every legend line of the series chart is inside the picture, however many rows.
    func testSeriesSVGLegendStaysInside() throws {
        for top in ["5", "200"] {
            let r = try run(["series", s1, s2, s3, "--format", "svg", "--top", top])
            XCTAssertEqual(r.status, 0, r.err)
            let svg = r.out
            let size = try XCTUnwrap(svg.firstMatch(of: try Regex(#"<svg[^>]* width="([0-9.]+)" height="([0-9.]+)""#)))
            let width = try XCTUnwrap(Double(String(size.output[1].substring ?? "")))
            let height = try XCTUnwrap(Double(String(size.output[2].substring ?? "")))
            var legend = 0
            for m in svg.matches(of: try Regex(#"<text x="([0-9.]+)" y="([0-9.]+)"([^>]*)>([^<]*)<"#)) {
                let x = Double(String(m.output[1].substring!))!
                let y = Double(String(m.output[2].substring!))!
                let label = String(m.output[4].substring!)
                XCTAssertLessThanOrEqual(y, height - 2, "\(top): \(label) below the picture")
                // Verdana 11px: about 6.6 px per character.
                if m.output[3].substring?.contains("fill=") == true {
                    legend += 1
                    XCTAssertLessThanOrEqual(x + Double(label.count) * 6.6, width, "\(top): \(label) beyond the right edge")
                }
            }
            XCTAssertEqual(legend, Int(top)!, "one legend line per row")
        }
    }

    /// --fail-on-growth takes pages (a bare number, as before) or a size; --fail-on-total-growth
    /// gates on the whole snapshot. dd grew by 27522 pages (107.5 MiB), the snapshot by 72214.
    func testGrowthGatesTakeSizesAndTotals() throws {
        let cases: [([String], Int32)] = [
            (["--fail-on-growth", "27521"], 3), (["--fail-on-growth", "27522"], 0), (["--fail-on-growth", "64MiB"], 3),
            (["--fail-on-growth", "107MiB"], 3), (["--fail-on-growth", "108MiB"], 0), (["--fail-on-growth", "112730111B"], 3),
            (["--fail-on-growth", "112730112B"], 0), (["--fail-on-growth", "1G"], 0), (["--fail-on-growth", "27522p"], 0),
            (["--fail-on-total-growth", "72213"], 3), (["--fail-on-total-growth", "72214"], 0), (["--fail-on-total-growth", "282MiB"], 3),
            (["--fail-on-total-growth", "283MiB"], 0), (["--fail-on-total-growth", "0.5GiB"], 0),
            (["--fail-on-total-growth", "1G", "--fail-on-growth", "16MiB"], 3),
        ]
        for (opts, status) in cases {
            let r = try run(["diff", s1, s2, "--group-by", "comm", "-o", "/dev/null"] + opts)
            XCTAssertEqual(r.status, status, "\(opts): \(r.err)")
            if status == 3 {
                XCTAssertTrue(r.err.contains("grew beyond the bound"), r.err)
            }
        }
        let total = try run(["diff", s1, s2, "-o", "/dev/null", "--fail-on-total-growth", "282MiB"])
        XCTAssertTrue(total.err.contains("the snapshot grew beyond the bound 282MiB: +72214 pages (8447 -> 80661)"), total.err)
        let both = try run([
            "diff", s1, s2, "--group-by", "comm", "-o", "/dev/null", "--fail-on-total-growth", "1", "--fail-on-growth", "1",
        ])
        XCTAssertTrue(both.err.contains("the snapshot grew") && both.err.contains("comm=dd"), "both gates report: \(both.err)")
    }
}
