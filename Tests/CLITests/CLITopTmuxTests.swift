import Foundation
import XCTest

/// `top`'s terminal view driven in tmux (a private server, 160x50): on an archive replayed
/// and on a fake debugfs tree whose files are swapped s1 -> s2 -> s3 while it runs. The top
/// grower is on screen, s/g/p change the header and footer, q exits with status 0 and gives
/// the terminal back (alternate screen left, tty modes as before).
///
/// tmux commands run with their output to a file, under a timeout, inheriting no descriptor
/// (the server would keep it open: a read, or Foundation's waitUntilExit, would never end),
/// and the private server is killed after every test.
final class CLITopTmuxTests: CLITestCase {
    var socket = ""
    var tmuxPath = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard let t = ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw XCTSkip("tmux is not installed") }
        tmuxPath = t
        socket = "pos-top-\(getpid())-\(UUID().uuidString.prefix(8))"
    }

    override func tearDownWithError() throws {
        if !socket.isEmpty {
            _ = try? tmux(["kill-server"])
            // The killed server may leave its socket file behind.
            let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
            unlink("\(dir)/tmux-\(getuid())/\(socket)")
        }
        try super.tearDownWithError()
    }

    /// Runs `tmux -L socket -f /dev/null ARGS` (10 s at most), its output to a file.
    ///
    /// Not with Foundation's Process: it learns that a child ended from a descriptor the
    /// child inherits, and the tmux server keeps that open, so waitUntilExit never returns.
    /// posix_spawn with every descriptor above stderr closed, and waitpid, instead.
    @discardableResult
    func tmux(_ args: [String]) throws -> (status: Int32, out: String) {
        let outFile = path("tmux.out")
        var env = ProcessInfo.processInfo.environment
        env["TMUX"] = nil
        env["TERM"] = "xterm-256color"
        let status = try Self.spawn([tmuxPath, "-L", socket, "-f", "/dev/null"] + args, environment: env, output: outFile, timeout: 10)
        let out = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        return (status, out)
    }

    /// Adds "close every descriptor from 3 up": glibc's closefrom action (2.34+, not in the
    /// Swift Glibc module, so looked up), else each descriptor open now.
    static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let f = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(f, to: CloseFrom.self)(&actions, 3)
            return
        }
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in fds.compactMap({ Int32($0) }) where fd > 2 && fcntl(fd, F_GETFD) >= 0 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    /// Runs `argv` with stdin /dev/null and stdout and stderr to `output`, no other
    /// descriptor inherited; its exit status, or an error after `timeout` seconds (killed).
    static func spawn(_ argv: [String], environment: [String: String], output: String, timeout: Double) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeFrom3(&actions)
        let args = argv.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (args + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, args, envp)
        guard rc == 0 else { throw XCTSkip("cannot run \(argv[0]): \(String(cString: strerror(rc)))") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                XCTFail("\(argv.joined(separator: " ")) did not finish in \(timeout) s")
                return -1
            }
            usleep(10_000)
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Starts `top ARGS` in a detached 160x50 session; when it exits, the shell around it
    /// prints its status and whether the tty modes are as before, and stays (for capture).
    func start(_ args: [String]) throws {
        let quoted = ([bin!] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let script =
            "before=$(stty -g); \(quoted); s=$?; [ \"$before\" = \"$(stty -g)\" ] && echo tty-restored; echo top-exited-$s; sleep 120"
        let r = try tmux(["new-session", "-d", "-x", "160", "-y", "50", "/bin/sh -c '" + script.replacingOccurrences(of: "'", with: "'\\''") + "'"])
        XCTAssertEqual(r.status, 0, r.out)
    }

    func screen() throws -> [String] {
        try tmux(["capture-pane", "-p"]).out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func alternateScreen() throws -> Bool {
        try tmux(["display-message", "-p", "#{alternate_on}"]).out.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// Polls the screen until `ok` holds (10 s at most); returns the last screen either way.
    @discardableResult
    func waitFor(_ what: String, file: StaticString = #filePath, line: UInt = #line, _ ok: ([String]) -> Bool) throws -> [String] {
        let deadline = Date().addingTimeInterval(10)
        var s: [String] = []
        while Date() < deadline {
            s = try screen()
            if ok(s) { return s }
            usleep(100_000)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(s.joined(separator: "\n"))", file: file, line: line)
        return s
    }

    func keys(_ k: String) throws { try tmux(["send-keys", k]) }

    static func sampleNumber(_ screen: [String]) -> Int? {
        guard let head = screen.first, let r = head.range(of: "| sample ") else { return nil }
        return Int(head[r.upperBound...].prefix { $0.isNumber })
    }

    /// The rows' PAGES column.
    static func pagesColumn(_ screen: [String]) -> [Int64] {
        screen.dropFirst(2).compactMap { l in
            let f = l.split(separator: " ")
            return f.count > 4 ? Int64(f[0]) : nil
        }
    }

    /// Exits on q: status 0, alternate screen left, tty modes back.
    func quitAndCheckRestored() throws {
        XCTAssertTrue(try alternateScreen(), "top draws on the alternate screen")
        try keys("q")
        let after = try waitFor("the exit line") { $0.contains { $0.hasPrefix("top-exited-") } }
        XCTAssertTrue(after.contains("top-exited-0"), after.joined(separator: "\n"))
        XCTAssertTrue(after.contains("tty-restored"), "raw mode undone: \(after.joined(separator: "\n"))")
        XCTAssertFalse(try alternateScreen(), "the alternate screen is left")
        XCTAssertFalse(after.contains { $0.contains("PAGES") }, "the table went with the alternate screen")
    }

    func testKeysOnAReplayedArchive() throws {
        try start(["top", try liveArchive(), "--interval", "200ms", "--group-by", "caller"])
        // All three samples replayed: s1 -> s3, anonymous faults grew the most.
        var s = try waitFor("the end of the archive") { $0.contains { $0.contains("[end of archive]") } }
        XCTAssertTrue(s[0].contains("| sample 3 at +0.4s |"), s[0])
        XCTAssertTrue(s[0].hasSuffix("| sort: growth | group: caller"), s[0])
        XCTAssertTrue(s[0].hasPrefix("page-owner-sort top: "), s[0])
        XCTAssertTrue(s[1].contains("PAGES") && s[1].hasSuffix("GROUP"), s[1])
        XCTAssertTrue(s[2].hasSuffix("__handle_mm_fault"), s.joined(separator: "\n"))
        let growthOrder = s.dropFirst(2).compactMap { l -> Int64? in
            let f = l.split(separator: " ")
            return f.count > 4 ? Int64(f[1]) : nil
        }
        XCTAssertGreaterThan(growthOrder.count, 10)
        XCTAssertEqual(growthOrder, growthOrder.sorted(by: >), "sorted by growth since the first sample")
        XCTAssertTrue(s.contains { $0.contains("q quit  s sort  g group  p pause") })

        try keys("s")
        s = try waitFor("sort: pages") { $0.first?.contains("| sort: pages |") ?? false }
        let pages = Self.pagesColumn(s)
        XCTAssertGreaterThan(pages.count, 10)
        XCTAssertEqual(pages, pages.sorted(by: >), "sorted by pages: \(s.joined(separator: "\n"))")
        try keys("s")
        try waitFor("sort: rate") { $0.first?.contains("| sort: rate |") ?? false }
        try keys("s")
        try waitFor("sort: growth") { $0.first?.contains("| sort: growth |") ?? false }

        // g: caller -> comm; the samples are regrouped, not dropped.
        try keys("g")
        s = try waitFor("group: comm") { $0.first?.hasSuffix("| group: comm") ?? false }
        XCTAssertTrue(s[0].contains("| sample 3 at"), s[0])
        XCTAssertFalse(s.contains { $0.hasSuffix("__handle_mm_fault") }, "rows are commands now")
        try keys("g")
        try waitFor("group: module") { $0.first?.hasSuffix("| group: module") ?? false }

        try keys("p")
        try waitFor("[paused]") { $0.contains { $0.hasPrefix("[paused] ") } }
        try keys("p")
        try waitFor("unpaused") { !$0.contains { $0.hasPrefix("[paused] ") } && $0.first?.hasPrefix("page-owner-sort") == true }

        try quitAndCheckRestored()
    }

    func testLiveTreeFollowsTheFilesAndPauses() throws {
        let root = try liveTree(0)
        try start(["top", "--debugfs", root, "--source", "show_handles", "--interval", "250ms", "--group-by", "caller"])
        var s = try waitFor("the first sample") { Self.sampleNumber($0) ?? 0 >= 1 }
        // The title (a long temporary path) gives way to the state, which stays on screen.
        XCTAssertTrue(s[0].hasSuffix("| sort: growth | group: caller"), s[0])
        XCTAssertTrue(s[0].contains("show_handles in"), s[0])
        // s1 -> s2 -> s3 swapped in while top runs: each is sampled.
        for i in [1, 2] {
            let seen = Self.sampleNumber(s) ?? 0
            try installSnapshot(i, in: root)
            s = try waitFor("a sample after s\(i + 1)") { Self.sampleNumber($0) ?? 0 >= seen + 2 }
        }
        XCTAssertTrue(s[2].hasSuffix("__handle_mm_fault"), "the top grower s1 -> s3: \(s.joined(separator: "\n"))")
        XCTAssertFalse(s.contains { $0.contains("unresolved") }, s.joined(separator: "\n"))

        // Paused: no new sample while it is.
        try keys("p")
        s = try waitFor("[paused]") { $0.contains { $0.hasPrefix("[paused] ") } }
        let at = Self.sampleNumber(s)
        usleep(1_000_000)
        XCTAssertEqual(Self.sampleNumber(try screen()), at, "no sample taken while paused")
        try keys("p")
        try waitFor("sampling again") { (Self.sampleNumber($0) ?? 0) > (at ?? 0) }

        try quitAndCheckRestored()
    }
}
