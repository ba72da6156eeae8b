import Foundation
import PageOwnerKit

/// Where the project's fixtures are, and small helpers to read them.
public enum TestFixtures {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let root: URL = packageRoot.appendingPathComponent("Fixtures")

    /// The fixture path for a dump named like golden.tsv names it (`k6.1-m1024/s2-workload/page_owner`):
    /// the plain file, or its `.zst` copy.
    public static func dump(_ name: String) -> String {
        let plain = root.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: plain) { return plain }
        return plain + ".zst"
    }

    /// Reads a source to its end through a buffer of `bufferSize` bytes.
    public static func readAll(_ source: ByteSource, bufferSize: Int = 65536) throws -> [UInt8] {
        var result: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer)
            if n == 0 { return result }
            result.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Every byte of every stream at `path`, decompressed.
    public static func readAll(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try Inputs.forEach(path: path) { out += try readAll($0) }
        return out
    }

    /// The bytes `write` puts in an output file (written through `OutputSink`, as a command does).
    public static func render(_ write: (OutputSink) throws -> Void) throws -> [UInt8] {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try write(sink)
        try sink.commit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("pos-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// Rows of golden.tsv: dump, flags, expected file, line count.
    public static func goldenRows() throws -> [(dump: String, flags: String, expected: String, lines: Int)] {
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
    public static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
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
