import Foundation
import XCTest

/// Runs the built `page-owner-sort` binary: finds it next to the tests, gives each test a
/// temporary folder, and captures stdout, stderr and the exit status.
class CLITestCase: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: String? {
        var dirs: [URL] = []
        for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") { dirs.append(b.bundleURL.deletingLastPathComponent()) }
        dirs.append(Bundle.main.bundleURL)
        dirs.append(packageRoot.appendingPathComponent(".build/debug"))
        for d in dirs {
            let p = d.appendingPathComponent("page-owner-sort").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    var tmp: URL!
    var bin: String!

    override func setUpWithError() throws {
        guard let b = Self.binary else {
            XCTFail("page-owner-sort not built next to the tests; run `swift build --build-tests` first")
            throw XCTSkip("no binary")
        }
        bin = b
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pos-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        // Never the user's vmlinux cache, whoever starts the binary: each test has its own.
        setenv("PAGE_OWNER_SORT_CACHE_DIR", tmp.appendingPathComponent("cache").path, 1)
    }

    override func tearDownWithError() throws {
        if let tmp { try? FileManager.default.removeItem(at: tmp) }
    }

    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    /// Runs the binary with `args`; with `shell`, `args[0]` is the program to run instead.
    func run(_ args: [String], stdin: String? = nil, shell: Bool = false, environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: shell ? args[0] : bin)
        p.arguments = shell ? Array(args.dropFirst()) : args
        // Never the user's vmlinux cache: each test has its own (under its temporary folder).
        let own = ["PAGE_OWNER_SORT_CACHE_DIR": tmp.appendingPathComponent("cache").path]
        p.environment = ProcessInfo.processInfo.environment.merging(own.merging(environment) { $1 }) { $1 }
        let o = Pipe()
        let e = Pipe()
        p.standardOutput = o
        p.standardError = e
        if let stdin { p.standardInput = FileHandle(forReadingAtPath: stdin) }
        try p.run()
        // Written by the reading block before `g.leave()`, read here after `g.wait()`.
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async {
            box.data = o.fileHandleForReading.readDataToEndOfFile()
            g.leave()
        }
        let errData = e.fileHandleForReading.readDataToEndOfFile()
        g.wait()
        let outData = box.data
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    func path(_ n: String) -> String { tmp.appendingPathComponent(n).path }

    /// The fixture at `Fixtures/<name>`.
    static func fixture(_ name: String) -> String { packageRoot.appendingPathComponent("Fixtures/" + name).path }
}
