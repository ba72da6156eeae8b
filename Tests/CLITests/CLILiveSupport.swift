import Foundation
import PageOwnerKit
import XCTest

/// Live-view fixtures shared by the `top` and `record` CLI tests: an archive like `record`
/// writes and a fake debugfs tree, both from the real 7.3 snapshots s1, s2, s3.
extension CLITestCase {
    static let liveSnapshots = ["s1-boot", "s2-workload", "s3-after"]

    /// An archive like `record` writes (stacks, then the sample that needs them), from s1, s2, s3.
    func liveArchive() throws -> String {
        let dir = path("members")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var names: [String] = []
        for (i, s) in Self.liveSnapshots.enumerated() {
            let src = Self.fixture("k7.3-m1536-numa/\(s)") + "/"
            let stacks = "stacks-00000\(i + 1).show_stacks_handles"
            let sample = "sample-00000\(i + 1).show_handles"
            try FileManager.default.copyItem(atPath: src + "show_stacks_handles", toPath: dir + "/" + stacks)
            try FileManager.default.copyItem(atPath: src + "show_handles", toPath: dir + "/" + sample)
            names += [stacks, sample]
        }
        let out = path("run.tar")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-cf", out, "-C", dir] + names
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        return out
    }

    /// A folder laid out like /sys/kernel/debug holding snapshot `index`'s show_* files.
    func liveTree(_ index: Int = 0) throws -> String {
        let root = path("debugfs")
        try FileManager.default.createDirectory(atPath: root + "/page_owner_stacks", withIntermediateDirectories: true)
        try installSnapshot(index, in: root)
        return root
    }

    /// Swaps snapshot `index`'s files into the tree, each by an atomic rename, stacks first,
    /// so a reader never sees a handle whose stack is not there yet, nor half a file.
    func installSnapshot(_ index: Int, in root: String) throws {
        let src = Self.fixture("k7.3-m1536-numa/\(Self.liveSnapshots[index])") + "/"
        let fm = FileManager.default
        for f in ["show_stacks_handles", "show_stacks", "show_handles"] {
            let dst = root + "/page_owner_stacks/" + f
            let staged = dst + ".staged"
            try? fm.removeItem(atPath: staged)
            try fm.copyItem(atPath: src + f, toPath: staged)
            XCTAssertEqual(rename(staged, dst), 0, "rename \(staged)")
        }
    }

    /// The members of a (compressed) tar archive, in order, each with its pax extended
    /// records (`record` puts the capture times there).
    func paxMembers(_ archive: String) throws -> [(name: String, pax: [String: String])] {
        let tar = try Inputs.withDecoded(path: archive) { src -> [UInt8] in
            var all: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                all += buf[0..<n]
            }
            return all
        }
        var out: [(String, [String: String])] = []
        var pax: [String: String] = [:]
        var at = 0
        while at + 512 <= tar.count, tar[at] != 0 {
            let h = tar[at..<(at + 512)]
            let name = String(decoding: h.prefix(100).prefix { $0 != 0 }, as: UTF8.self)
            let octal = String(decoding: h.dropFirst(124).prefix(12).prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
            let size = try XCTUnwrap(Int(octal, radix: 8), "size of \(name)")
            let data = tar[(at + 512)..<(at + 512 + size)]
            if h[h.startIndex + 156] == UInt8(ascii: "x") {
                // Records: "LEN key=value\n".
                for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                    guard let sp = line.firstIndex(of: " "), let eq = line.firstIndex(of: "=") else { continue }
                    pax[String(line[line.index(after: sp)..<eq])] = String(line[line.index(after: eq)...])
                }
            } else {
                out.append((pax["path"] ?? name, pax))
                pax = [:]
            }
            at += 512 + (size + 511) / 512 * 512
        }
        return out
    }
}
