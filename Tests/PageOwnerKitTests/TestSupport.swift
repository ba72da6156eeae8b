import Foundation
import XCTest

@testable import PageOwnerKit

/// Where the project's fixtures are, and small helpers to read them.
enum TestFixtures {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let root: URL = packageRoot.appendingPathComponent("Fixtures")

    /// The fixture path for a dump named like golden.tsv names it (`k6.1-m1024/s2-workload/page_owner`):
    /// the plain file, or its `.zst` copy.
    static func dump(_ name: String) -> String {
        let plain = root.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: plain) { return plain }
        return plain + ".zst"
    }

    /// Every byte of every stream at `path`, decompressed.
    static func readAll(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try Inputs.forEach(path: path) { src in
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                out.append(contentsOf: buf[0..<n])
            }
        }
        return out
    }

    /// The bytes `write` puts in an output file (written through `OutputSink`, as a command does).
    static func render(_ write: (OutputSink) throws -> Void) throws -> [UInt8] {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try write(sink)
        try sink.commit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("pos-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Rows of golden.tsv: dump, flags, expected file, line count.
    static func goldenRows() throws -> [(dump: String, flags: String, expected: String, lines: Int)] {
        let text = try String(contentsOf: root.appendingPathComponent("golden/golden.tsv"), encoding: .utf8)
        var rows: [(String, String, String, Int)] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4 else { continue }
            rows.append((f[0], f[1], f[2], Int(f[3]) ?? -1))
        }
        return rows
    }

    /// The first line where two outputs differ, for a readable failure.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let la = a.split(separator: 10, omittingEmptySubsequences: false)
        let lb = b.split(separator: 10, omittingEmptySubsequences: false)
        for i in 0..<max(la.count, lb.count) {
            let x = i < la.count ? String(decoding: la[i], as: UTF8.self) : "<end>"
            let y = i < lb.count ? String(decoding: lb[i], as: UTF8.self) : "<end>"
            if x != y { return "line \(i + 1):\n  got:      \(x)\n  expected: \(y)" }
        }
        return "identical"
    }
}

/// Golden files beside the tests: re-recorded on purpose with `RECORD_GOLDENS=1`, never by hand.
enum Golden {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    static func check(_ name: String, _ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = dir.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RECORD_GOLDENS"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing golden \(name); run with RECORD_GOLDENS=1 to record it", file: file, line: line)
            return
        }
        if expected != text {
            XCTFail(
                "golden \(name) differs: \(TestFixtures.firstDifference(Array(text.utf8), Array(expected.utf8)))", file: file, line: line)
        }
    }
}
