import Foundation
import PageOwnerSynth
import PageOwnerTestSupport
import XCTest
@testable import PageOwnerKit

/// The compatible mode against the real v6.19 `tools/mm/page_owner_sort` on dumps of every
/// kernel era. The inputs are made by `PageOwnerSynth` from a seed; the expected outputs'
/// lengths and FNV-1a-64 sums (Goldens/compat-eras-v6.19.tsv) were recorded by running that
/// release of the kernel tool, built with gcc, on the same bytes. Left out on purpose: `-a`
/// (the 6.19 tool's timestamp comparator never returns 0, so its order at equal timestamps is
/// an accident of glibc's merge sort; this tool orders ties like the 7.3.4 goldens), CRLF and
/// a missing final blank line (deliberate fixes), and show_handles (the 6.19 tool's
/// `st_size / 100` table is too small for its 40-byte records and it writes nothing).
final class CompatErasTests: XCTestCase {
    static func fnv1a64(_ b: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in b {
            h ^= UInt64(x)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    static func options(_ name: String) -> SynthOptions {
        var o = SynthOptions()
        switch name {
        case "tricky": o.trickyComms = true
        case "frames":
            o.placeholderStacks = true
            o.addressFrames = true
            o.bareAddresses = true
        case "trailers":
            o.migrateReasons = true
            o.memcg = true
            o.swapped = true
        case "all": o = SynthOptions.everything
        default: break
        }
        return o
    }

    func testEveryEraMatchesTheKernelTool() throws {
        let text = try String(contentsOf: Golden.dir.appendingPathComponent("compat-eras-v6.19.tsv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(rows.count, 1200)
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var inputs: [String: String] = [:]
        var failures: [String] = []
        for r in rows {
            let (era, opts, seed, count, flags, size, sum) = (r[0], r[1], UInt64(r[2])!, Int(r[3])!, r[4], Int(r[5])!, r[6])
            let key = "\(era)-\(opts)-\(seed)-\(count)"
            if inputs[key] == nil {
                let e = try XCTUnwrap(SyntheticEra(rawValue: era))
                let path = dir.appendingPathComponent(key).path
                try Data(EraRenderer.render(era: e, count: count, seed: seed, options: Self.options(opts))).write(to: URL(fileURLWithPath: path))
                inputs[key] = path
            }
            let (f, _) = try CompatFlags.parse(flags.split(separator: " ").map(String.init))
            let result = try CompatRun.aggregate(inputPath: inputs[key]!, options: try f.resolve(), input: .init(strict: false))
            let out = dir.appendingPathComponent("out").path
            let sink = try OutputSink(path: out)
            try result.write(to: sink)
            try sink.commit()
            let got = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
            if got.count != size || String(format: "%016llx", Self.fnv1a64(got)) != sum {
                failures.append("\(era) \(opts) [\(flags)]: \(got.count) bytes, expected \(size)")
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) differ from the kernel tool:\n" + failures.prefix(10).joined(separator: "\n"))
    }
}
