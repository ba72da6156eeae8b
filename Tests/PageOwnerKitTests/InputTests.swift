import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// Containers and decompression: every input is made at test time from real dumps with the
/// system `zstd`, `gzip` and `tar`, and must come out byte for byte as the plain file.
final class InputTests: XCTestCase {
    var tmp: URL!
    var pageOwner: [UInt8] = []
    var showStacks: [UInt8] = []

    override func setUpWithError() throws {
        let dir = TestFixtures.root.appendingPathComponent("k6.12-m1024/s1-boot")
        for tool in ["zstd", "gzip", "tar"] where which(tool) == nil {
            throw XCTSkip("\(tool) is not installed")
        }
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("InputTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        pageOwner = try bytes(dir.appendingPathComponent("page_owner"))
        showStacks = try bytes(dir.appendingPathComponent("show_stacks"))
        try write(pageOwner, "page_owner")
        try write(showStacks, "show_stacks")
        XCTAssertGreaterThan(pageOwner.count, 1 << 20)
    }

    override func tearDownWithError() throws {
        if let tmp { try? FileManager.default.removeItem(at: tmp) }
    }

    // MARK: helpers

    func which(_ tool: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/" + tool) {
            return dir + "/" + tool
        }
        return nil
    }

    func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    func write(_ data: [UInt8], _ name: String) throws {
        let url = tmp.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(data).write(to: url)
    }

    func read(_ name: String) throws -> [UInt8] { try bytes(tmp.appendingPathComponent(name)) }

    /// Runs a system tool in the temp directory; its stdout goes to `stdout` when given.
    func run(_ tool: String, _ args: [String], stdout: String? = nil) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: which(tool)!)
        p.arguments = args
        p.currentDirectoryURL = tmp
        var handle: FileHandle?
        if let stdout {
            try FileManager.default.createDirectory(
                at: tmp.appendingPathComponent(stdout).deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path(stdout), contents: nil)
            handle = try FileHandle(forWritingTo: tmp.appendingPathComponent(stdout))
            p.standardOutput = handle
        }
        try p.run()
        p.waitUntilExit()
        try handle?.close()
        XCTAssertEqual(p.terminationStatus, 0, "\(tool) \(args.joined(separator: " ")) failed")
    }

    /// Every stream `Inputs.forEach` yields for `name`, read whole, and the skipped names.
    func streams(_ name: String) throws -> (streams: [(String, [UInt8])], skipped: [String]) {
        var out: [(String, [UInt8])] = []
        var skipped: [String] = []
        try Inputs.forEach(path: path(name), skipped: { skipped.append($0) }) { source in
            out.append((source.name, try TestFixtures.readAll(source)))
        }
        return (out, skipped)
    }

    /// The single stream of a non-archive input.
    func single(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [UInt8] {
        let (s, skipped) = try streams(name)
        XCTAssertEqual(s.count, 1, file: file, line: line)
        XCTAssertEqual(skipped, [], file: file, line: line)
        XCTAssertEqual(s.first?.0, path(name), file: file, line: line)
        return s.first?.1 ?? []
    }

    func assertThrows(
        _ kind: InputError.Kind, _ name: String, containing text: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try streams(name)
            XCTFail("\(name): no error, expected \(kind)", file: file, line: line)
        } catch let e as InputError {
            XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
            if let text { XCTAssertTrue(e.message.contains(text), "\(e)", file: file, line: line) }
        } catch {
            XCTFail("\(name): unexpected error \(error)", file: file, line: line)
        }
    }

    // MARK: plain and compressed files

    func testPlainFileIsPassedThrough() throws {
        XCTAssertEqual(try single("page_owner"), pageOwner)
    }

    func testMissingFileAndDirectoryAreUnreadable() throws {
        XCTAssertThrowsError(try streams("no-such-file")) { e in
            XCTAssertEqual(e as? SystemError, SystemError(.open, errno: ENOENT, path: path("no-such-file"), role: .input))
            XCTAssertEqual("\(e)", "\(path("no-such-file")): No such file or directory")
        }
        try FileManager.default.createDirectory(at: tmp.appendingPathComponent("dir"), withIntermediateDirectories: true)
        assertThrows(.unreadable, "dir", containing: "directory")
    }

    func testZstdIsDetectedByContent() throws {
        try run("zstd", ["-q", "-c", "page_owner"], stdout: "dump.bin")
        XCTAssertEqual(try read("dump.bin").prefix(4), [0x28, 0xB5, 0x2F, 0xFD])
        XCTAssertEqual(try single("dump.bin"), pageOwner)
    }

    func testConcatenatedZstdFramesAndSkippableFrame() throws {
        try run("zstd", ["-q", "-c", "page_owner"], stdout: "a.zst")
        try run("zstd", ["-q", "-c", "show_stacks"], stdout: "b.zst")
        // A skippable frame first (magic 0x184D2A53, 5 bytes of payload), then two frames.
        let skippable: [UInt8] = [0x53, 0x2A, 0x4D, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5]
        try write(skippable + read("a.zst") + read("b.zst"), "multi")
        XCTAssertEqual(try single("multi"), pageOwner + showStacks)
    }

    func testGzipIsDetectedByContent() throws {
        try run("gzip", ["-c", "page_owner"], stdout: "dump.data")
        XCTAssertEqual(try single("dump.data"), pageOwner)
    }

    func testMultiMemberGzipAndZeroPadding() throws {
        try run("gzip", ["-c", "page_owner"], stdout: "a.gz")
        try run("gzip", ["-c", "show_stacks"], stdout: "b.gz")
        try write(read("a.gz") + read("b.gz"), "multi.gz")
        XCTAssertEqual(try single("multi.gz"), pageOwner + showStacks)
        try write(read("a.gz") + read("b.gz") + [UInt8](repeating: 0, count: 1000), "padded.gz")
        XCTAssertEqual(try single("padded.gz"), pageOwner + showStacks)
    }

    func testTruncatedZstdIsCorrupt() throws {
        try run("zstd", ["-q", "-c", "page_owner"], stdout: "a.zst")
        let z = try read("a.zst")
        try write(Array(z.prefix(z.count / 2)), "half.zst")
        assertThrows(.corrupt, "half.zst", containing: "truncated")
        try write(Array(z.dropLast(1)), "short.zst")
        assertThrows(.corrupt, "short.zst", containing: "truncated")
        // Two frames, the second one cut.
        try write(z + z.prefix(z.count / 3), "second-cut.zst")
        assertThrows(.corrupt, "second-cut.zst", containing: "truncated")
    }

    func testCorruptZstdIsCorrupt() throws {
        try run("zstd", ["-q", "-c", "page_owner"], stdout: "a.zst")
        var z = try read("a.zst")
        for i in stride(from: z.count / 2, to: z.count / 2 + 64, by: 1) { z[i] ^= 0x5A }
        try write(z, "bad.zst")
        assertThrows(.corrupt, "bad.zst", containing: "corrupt zstd data")
    }

    func testTruncatedAndCorruptGzipAreCorrupt() throws {
        try run("gzip", ["-c", "page_owner"], stdout: "a.gz")
        let g = try read("a.gz")
        try write(Array(g.prefix(g.count / 2)), "half.gz")
        assertThrows(.corrupt, "half.gz", containing: "truncated")
        try write(Array(g.dropLast(4)), "no-size.gz")  // trailer cut: the member never ends
        assertThrows(.corrupt, "no-size.gz", containing: "truncated")
        var bad = g
        for i in (g.count - 8)..<(g.count - 4) { bad[i] ^= 0xFF }  // CRC
        try write(bad, "bad-crc.gz")
        assertThrows(.corrupt, "bad-crc.gz", containing: "corrupt gzip data")
    }

    // MARK: tar

    /// A tree with two dumps (one under a path longer than 100 bytes), an empty file and
    /// a file that is not a dump.
    func makeTree() throws -> String {
        let deep = "tree/" + String(repeating: "d", count: 70) + "/" + String(repeating: "e", count: 60)
        try write(pageOwner, "tree/page_owner")
        try write(showStacks, deep + "/show_stacks")
        try write([], "tree/empty")
        try write(Array("MemTotal: 1024 kB\n".utf8), "tree/meminfo")
        return deep + "/show_stacks"
    }

    func checkTar(_ name: String, deep: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (s, skipped) = try streams(name)
        let archive = path(name)
        XCTAssertEqual(s.map { $0.0 }, ["\(archive):tree/page_owner", "\(archive):\(deep)"], file: file, line: line)
        XCTAssertTrue(s.count == 2 && s[0].1 == pageOwner && s[1].1 == showStacks, "member bytes differ", file: file, line: line)
        XCTAssertEqual(skipped, ["\(archive):tree/empty", "\(archive):tree/meminfo"], file: file, line: line)
    }

    func testTarFormatsPlainAndCompressed() throws {
        let deep = try makeTree()
        let members = ["tree/page_owner", deep, "tree/empty", "tree/meminfo"]
        for format in ["pax", "ustar", "gnu"] {
            // The directory "tree" itself is not listed; deep's parent dirs are not either.
            try run("tar", ["--format=\(format)", "-cf", "\(format).tar"] + members)
            XCTAssertEqual(Array(try read("\(format).tar")[257..<262]), Array("ustar".utf8))
            try checkTar("\(format).tar", deep: deep)
            try run("zstd", ["-q", "-c", "\(format).tar"], stdout: "\(format).archive")
            try checkTar("\(format).archive", deep: deep)
            try run("gzip", ["-c", "\(format).tar"], stdout: "\(format).tgz")
            try checkTar("\(format).tgz", deep: deep)
        }
    }

    func testTarWithDirectoriesAndCompressedMembers() throws {
        try write(pageOwner, "t/a/page_owner")
        try run("zstd", ["-q", "-c", "show_stacks"], stdout: "t/a/show_stacks.zst")
        try run("gzip", ["-c", "page_owner"], stdout: "t/b/po.gz")
        try run("tar", ["--format=pax", "-cf", "t.tar", "t"])
        let (s, skipped) = try streams("t.tar")
        let got = Dictionary(uniqueKeysWithValues: s.map { ($0.0, $0.1) })
        let a = path("t.tar")
        XCTAssertEqual(Set(got.keys), ["\(a):t/a/page_owner", "\(a):t/a/show_stacks.zst", "\(a):t/b/po.gz"])
        XCTAssertTrue(got["\(a):t/a/page_owner"] == pageOwner)
        XCTAssertTrue(got["\(a):t/a/show_stacks.zst"] == showStacks)
        XCTAssertTrue(got["\(a):t/b/po.gz"] == pageOwner)
        XCTAssertEqual(skipped, [])
    }

    func testTarMemberLeftUnreadIsSkipped() throws {
        let deep = try makeTree()
        try run("tar", ["--format=ustar", "-cf", "u.tar", "tree/page_owner", deep])
        try run("zstd", ["-q", "-c", "u.tar"], stdout: "u.tar.zst")
        for name in ["u.tar", "u.tar.zst"] {
            var heads: [[UInt8]] = []
            try Inputs.forEach(path: path(name)) { source in
                var head = [UInt8](repeating: 0, count: 100)
                let n = try head.withUnsafeMutableBytes { try source.read(into: $0) }
                heads.append(Array(head.prefix(n)))
            }
            XCTAssertEqual(heads.count, 2)
            XCTAssertEqual(heads.first.map { Array(pageOwner.prefix($0.count)) }, heads.first)
            XCTAssertEqual(heads.last.map { Array(showStacks.prefix($0.count)) }, heads.last)
        }
    }

    func testTarBadChecksumIsArchiveError() throws {
        _ = try makeTree()
        try run("tar", ["--format=ustar", "-cf", "c.tar", "tree/meminfo", "tree/page_owner"])
        var t = try read("c.tar")
        t[1024] ^= 0x01  // the name of the second header (meminfo's data is one block)
        try write(t, "bad-second.tar")
        assertThrows(.archive, "bad-second.tar", containing: "checksum")
        t = try read("c.tar")
        t[0] ^= 0x01
        try write(t, "bad-first.tar")
        assertThrows(.archive, "bad-first.tar", containing: "checksum")
        try run("zstd", ["-q", "-c", "bad-first.tar"], stdout: "bad-first.tar.zst")
        assertThrows(.archive, "bad-first.tar.zst", containing: "checksum")
    }

    func testTarNonOctalSizeIsArchiveError() throws {
        _ = try makeTree()
        try run("tar", ["--format=ustar", "-cf", "s.tar", "tree/page_owner"])
        var t = try read("s.tar")
        for (i, c) in "0000000z000\0".utf8.enumerated() { t[124 + i] = c }
        var sum = 0
        for i in 0..<512 { sum += (148..<156).contains(i) ? 32 : Int(t[i]) }
        for (i, c) in (String(sum, radix: 8).leftPad(6) + "\0 ").utf8.enumerated() { t[148 + i] = c }
        try write(t, "size.tar")
        assertThrows(.archive, "size.tar", containing: "non-octal size")
    }

    func testTruncatedTarMemberIsArchiveError() throws {
        _ = try makeTree()
        try run("tar", ["--format=pax", "-cf", "m.tar", "tree/page_owner", "tree/meminfo"])
        let t = try read("m.tar")
        try write(Array(t.prefix(t.count / 2)), "cut.tar")
        assertThrows(.archive, "cut.tar", containing: "cut short")
        // Cut inside the padding after the member's data.
        let end = 3 * 512 + pageOwner.count  // pax header + its data + ustar header, then data
        XCTAssertNotEqual(pageOwner.count % 512, 0)
        try write(Array(t.prefix(end + 1)), "cut-padding.tar")
        assertThrows(.archive, "cut-padding.tar", containing: "cut short")
        // Cut inside a header block.
        try write(Array(t.prefix(end + (512 - pageOwner.count % 512) + 100)), "cut-header.tar")
        assertThrows(.archive, "cut-header.tar")
        // A member cut short inside a complete zstd stream is still an archive error.
        try run("zstd", ["-q", "-c", "cut.tar"], stdout: "cut.tar.zst")
        assertThrows(.archive, "cut.tar.zst", containing: "cut short")
        // A truncated compressed tar is a compression error.
        try run("zstd", ["-q", "-c", "m.tar"], stdout: "m.tar.zst")
        let z = try read("m.tar.zst")
        try write(Array(z.prefix(z.count / 2)), "half.tar.zst")
        assertThrows(.corrupt, "half.tar.zst", containing: "truncated")
    }

    // MARK: every chunking

    func testEveryChunkingGivesTheSameBytes() throws {
        try run("zstd", ["-q", "-c", "page_owner"], stdout: "a.zst")
        try run("gzip", ["-c", "page_owner"], stdout: "a.gz")
        try run("gzip", ["-c", "show_stacks"], stdout: "b.gz")
        try write(read("a.gz") + read("b.gz"), "ab.gz")
        let deep = try makeTree()
        try run("tar", ["--format=pax", "-cf", "p.tar", "tree/page_owner", "tree/empty", deep])
        for chunk in [1, 7, 4096] {
            let z = try ZstdSource(ChunkedSource(FileSource(path: path("a.zst")), chunk: chunk))
            XCTAssertTrue(try TestFixtures.readAll(z, bufferSize: chunk == 1 ? 4096 : chunk) == pageOwner, "zstd, chunk \(chunk)")
            let g = try GzipSource(ChunkedSource(FileSource(path: path("ab.gz")), chunk: chunk))
            XCTAssertTrue(try TestFixtures.readAll(g, bufferSize: chunk == 1 ? 4096 : chunk) == pageOwner + showStacks, "gzip, chunk \(chunk)")
            // Output side cut in every size too (small data: one call per byte at chunk 1).
            let g1 = try GzipSource(FileSource(path: path("b.gz")))
            XCTAssertTrue(try TestFixtures.readAll(ChunkedSource(g1, chunk: chunk), bufferSize: chunk) == showStacks, "gzip out, chunk \(chunk)")
            try run("zstd", ["-q", "-f", "-o", "b.zst", "show_stacks"])
            let z1 = try ZstdSource(FileSource(path: path("b.zst")))
            XCTAssertTrue(try TestFixtures.readAll(z1, bufferSize: chunk) == showStacks, "zstd out, chunk \(chunk)")

            let reader = TarReader(source: try ChunkedSource(FileSource(path: path("p.tar")), chunk: chunk))
            var members: [(String, [UInt8])] = []
            while let m = try reader.next() {
                members.append((m.path, try TestFixtures.readAll(m, bufferSize: chunk == 1 ? 4096 : chunk)))
            }
            XCTAssertEqual(members.map { $0.0 }, ["tree/page_owner", "tree/empty", deep], "tar, chunk \(chunk)")
            XCTAssertTrue(
                members.count == 3 && members[0].1 == pageOwner && members[1].1 == [] && members[2].1 == showStacks,
                "tar bytes, chunk \(chunk)")

        }
    }

    // MARK: failing sources

    /// Yields `bytes`, then throws.
    final class FailingSource: ByteSource {
        let name = "failing"
        let inner: MemorySource
        init(_ bytes: [UInt8]) { inner = MemorySource(bytes) }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = try inner.read(into: buffer)
            if n == 0 { throw InputError(.corrupt, input: name, "boom") }
            return n
        }
    }

    /// A stream that fails part way (a corrupt compressed file) ends a parallel parse with
    /// its error, after the workers are done with the chunks before it, and never hangs.
    func testParallelIngestRethrowsTheSourceError() throws {
        let data = Array(pageOwner.prefix(600_000))
        for workers in [1, 2, 3] {
            let ingest = Ingest()
            ingest.chunkSize = 64 << 10
            ingest.pipelineChunkSize = 64 << 10
            let counters = (0..<workers).map { _ in ParallelIngestTests.Counter() }
            XCTAssertThrowsError(try ingest.run(FailingSource(data), consumers: counters), "\(workers) workers") { e in
                XCTAssertEqual((e as? InputError)?.message, "boom")
            }
            XCTAssertGreaterThan(counters.reduce(0) { $0 + $1.records }, 500, "records of the chunks before the error")
        }
    }

    /// No `read(2)` of a file descriptor asks for a small count, whatever the reader above
    /// it asks for (a 4-byte sniff, a tar header, a decompressor's input, a chunk's tail): the
    /// live /sys/kernel/debug/page_owner fails such a read with ENOMEM (see GuestTests).
    func testNoSmallReadOfAFileDescriptor() throws {
        try run("zstd", ["-q", "-c", "page_owner"], stdout: "p.zst")
        try run("gzip", ["-c", "page_owner"], stdout: "p.gz")
        try run("tar", ["-cf", "p.tar", "page_owner", "show_stacks"])
        try run("zstd", ["-q", "-c", "p.tar"], stdout: "p.tar.zst")
        for name in ["page_owner", "p.zst", "p.gz", "p.tar", "p.tar.zst"] {
            for bufferSize in [1, 7, 4096, 70_000] {
                let file = try FileSource(path: path(name))
                file.traceReads = true
                var got: [UInt8] = []
                try Inputs.forEach(file: file, path: path(name), skipped: { _ in }) { got += try TestFixtures.readAll($0, bufferSize: bufferSize) }
                XCTAssertEqual(got, name.contains("tar") ? pageOwner + showStacks : pageOwner, "\(name), \(bufferSize)")
                XCTAssertGreaterThan(file.readCounts.count, 1, name)
                XCTAssertGreaterThanOrEqual(file.readCounts.min() ?? 0, 64 << 10, "\(name), buffer \(bufferSize)")
            }
            // The parser's own reads (chunker, workers) too.
            for workers in [1, 2] {
                let file = try FileSource(path: path(name))
                file.traceReads = true
                var records = 0
                try Inputs.forEach(file: file, path: path(name), skipped: { _ in }) { src in
                    let ingest = Ingest()
                    ingest.chunkSize = 100_000
                    ingest.pipelineChunkSize = 100_000
                    let counters = (0..<workers).map { _ in ParallelIngestTests.Counter() }
                    try ingest.run(src, consumers: counters)
                    records += counters.reduce(0) { $0 + $1.records }
                }
                XCTAssertGreaterThan(records, 1000, name)
                XCTAssertGreaterThanOrEqual(file.readCounts.min() ?? 0, 64 << 10, "\(name), \(workers) workers")
            }
        }
    }

    func testPeekDoesNotConsume() throws {
        let p = PeekSource(MemorySource(Array(showStacks.prefix(5000))))
        XCTAssertEqual(try p.peek(4), Array(showStacks.prefix(4)))
        XCTAssertEqual(try p.peek(600), Array(showStacks.prefix(600)))
        XCTAssertTrue(try TestFixtures.readAll(ChunkedSource(p, chunk: 7), bufferSize: 7) == Array(showStacks.prefix(5000)))
        XCTAssertEqual(try p.peek(10), [])
    }
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
