import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The cache of vmlinux facts by build ID: a hit gives the same records as the vmlinux, and a
/// file that is corrupt, cut, foreign or incomplete is never trusted. Every test uses its own
/// temporary folder, never the user's cache.
final class VmlinuxCacheTests: XCTestCase {
    static let dir = TestFixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vmcore")
    static var kdump: String { dir.appendingPathComponent("vmcore.kdump-zlib.zst").path }
    static var vmlinux: String { dir.appendingPathComponent("vmlinux.zst").path }

    var tmp: URL!
    var notes: [String] = []
    /// The vmlinux and the cache the dump is read with.
    var options = InputOptions()

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pos-cache-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        notes = []
    }

    override func tearDownWithError() throws {
        options = InputOptions()
        if let tmp { try? FileManager.default.removeItem(at: tmp) }
    }

    func cache(_ folder: String) -> VmlinuxCache {
        VmlinuxCache(directory: folder, note: { [unowned self] in self.notes.append($0) })
    }

    /// The page_owner text the dump reads as.
    func text(_ path: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try Inputs.forEach(path: path, options: options, skipped: { _ in }) { src in
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                out += buf[0..<n]
            }
        }
        return out
    }

    /// Small facts, serialized, for the file-level checks.
    func sampleFacts(_ id: [UInt8]) -> VmlinuxFacts {
        VmlinuxFacts(
            path: "vmlinux", buildID: id,
            answers: [
                "m\u{1}page_owner\u{1}order": .member(offset: 0, bitOffset: nil, bitSize: nil),
                "m\u{1}stack_record\u{1}handle.offset": .member(offset: 4, bitOffset: 17, bitSize: 10),
                "e\u{1}PAGE_EXT_OWNER": .value(3), "s\u{1}modules": .absent,
                "z\u{1}page": .failure(missing: true, "size of page"),
            ],
            kernelSymbols: [(0xffff_ffff_8100_0000, "_text"), (0xffff_ffff_8100_1000, "start_kernel")])
    }

    func testMissThenHitGiveTheSameRecordsAndAnIncompleteFileIsNotTrusted() throws {
        guard FileManager.default.fileExists(atPath: Self.kdump) else { throw XCTSkip("../shared/vmcore is absent") }
        options.vmlinux = Self.vmlinux
        options.vmlinuxCache = nil
        let reference = try text(Self.kdump)
        XCTAssertGreaterThan(reference.count, 1 << 20)

        let folder = tmp.appendingPathComponent("cache").path
        options.vmlinuxCache = cache(folder)
        XCTAssertEqual(try text(Self.kdump), reference, "miss")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertEqual(files, ["vmlinux-912cbddf02f1b8c6b69c2d78f0f17b59f04acbf4.facts"], "one file, no temporary left")
        XCTAssertTrue(notes.contains { $0.contains("wrote") }, "\(notes)")

        notes = []
        XCTAssertEqual(try text(Self.kdump), reference, "hit")
        XCTAssertTrue(notes.contains { $0.contains("using") }, "\(notes)")

        // A file without one of the answers the setup needs: read the vmlinux instead, and
        // write a complete file again.
        let file = folder + "/" + files[0]
        let id = try XCTUnwrap(VmlinuxCache.buildID(path: Self.vmlinux))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let facts = try bytes.withUnsafeBytes { try VmlinuxFacts.parse($0, expected: id, path: "v") }
        let cut = VmlinuxFacts(
            path: "v", buildID: id, answers: facts.answers.filter { !$0.key.hasPrefix("m\u{1}page_owner\u{1}") },
            kernelSymbols: facts.kernelSymbols)
        try Data(cut.serialized()).write(to: URL(fileURLWithPath: file))
        notes = []
        XCTAssertEqual(try text(Self.kdump), reference, "gap")
        XCTAssertTrue(notes.contains { $0.contains("do not answer") }, "\(notes)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), bytes, "rewritten whole")
    }

    func testCorruptTruncatedForeignOrOldFilesAreIgnored() throws {
        let id: [UInt8] = Array(0..<20)
        let folder = tmp.appendingPathComponent("c").path
        let c = cache(folder)
        let facts = sampleFacts(id)
        c.store(facts)
        let good = facts.serialized()
        let round = try XCTUnwrap(c.load(id, vmlinux: "vmlinux"))
        XCTAssertEqual(round.answers, facts.answers)
        XCTAssertEqual(round.kernelSymbols.map(\.0), facts.kernelSymbols.map(\.0))
        XCTAssertEqual(round.kernelSymbols.map(\.1), facts.kernelSymbols.map(\.1))
        XCTAssertNil(c.load(Array(1..<21), vmlinux: "vmlinux"), "another build ID: no file")

        let file = URL(fileURLWithPath: folder + "/vmlinux-" + VmlinuxCache.hex(id) + ".facts")
        func rejects(_ b: [UInt8], _ what: String) throws {
            try Data(b).write(to: file)
            notes = []
            XCTAssertNil(c.load(id, vmlinux: "vmlinux"), what)
            XCTAssertTrue(notes.contains { $0.contains("ignoring") }, "\(what): \(notes)")
        }
        for n in [0, 1, 7, 8, 12, 16, 36, 52, good.count / 2, good.count - 1] { try rejects(Array(good.prefix(n)), "cut at \(n)") }
        for i in stride(from: 0, to: good.count, by: 3) {
            var b = good
            b[i] ^= 0x41
            try rejects(b, "byte \(i) flipped")
        }
        try rejects(good + [0], "a byte more")
        var old = good
        old[8] = 0
        try rejects(old, "format version 0")
        // A file for another build ID under this one's name.
        let foreign = sampleFacts(Array(repeating: 7, count: 20)).serialized()
        try rejects(foreign, "foreign")
        // Counts that promise more than the file holds, with a checksum that matches.
        var huge = VmlinuxFacts(path: "v", buildID: id, answers: [:], kernelSymbols: []).serialized()
        let payload = huge.count - 8
        huge.replaceSubrange(payload..<(payload + 4), with: [0xff, 0xff, 0xff, 0x7f])
        let sum = huge[payload...].withUnsafeBytes { ByteHash.hash($0, seed: 0x706f_7376_6d6c_6e78) }
        withUnsafeBytes(of: sum.littleEndian) { huge.replaceSubrange((payload - 8)..<payload, with: $0) }
        try rejects(huge, "answer count")
    }

    func testAnUnwritableFolderOnlyCostsANote() throws {
        let blocker = tmp.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let c = cache(blocker.path + "/cache")
        c.store(sampleFacts(Array(0..<20)))
        XCTAssertTrue(notes.contains { $0.contains("cannot write") }, "\(notes)")
        XCTAssertNil(c.load(Array(0..<20), vmlinux: "vmlinux"))
    }

    func testBuildIDIsReadFromThePlainOrCompressedFileHead() throws {
        guard FileManager.default.fileExists(atPath: Self.vmlinux) else { throw XCTSkip("../shared/vmcore is absent") }
        let id = try XCTUnwrap(VmlinuxCache.buildID(path: Self.vmlinux))
        XCTAssertEqual(VmlinuxCache.hex(id), "912cbddf02f1b8c6b69c2d78f0f17b59f04acbf4")
        XCTAssertNil(VmlinuxCache.buildID(path: TestFixtures.dump("k6.12-m1024/s3-after/page_owner")))
        XCTAssertNil(VmlinuxCache.buildID(path: "/nonexistent"))
    }
}
