import PageOwnerKit
import PageOwnerSynth
import XCTest

/// Tests of the synthetic-input generators: determinism, the exact format strings of every
/// era (formats.md §1–§4), that PageOwnerKit reads what they write, and the scale
/// generator's size and distinct-stack promises.
final class SynthTests: XCTestCase {
    // MARK: - A tiny printf, so expected text is built from the spec's format strings

    /// A `printf` argument.
    enum Arg {
        case int(Int64)
        case uint(UInt64)
        case bytes([UInt8])
        static func str(_ s: String) -> Arg { .bytes(Array(s.utf8)) }
    }

    /// Formats `fmt` with the conversions the kernel strings use: %d %u %lu %llu %x %lx
    /// %#x %#lx %016lx %s (`%#x` as the kernel prints it: `0x0` for zero).
    func cformat(_ fmt: String, _ args: [Arg]) -> [UInt8] {
        var out: [UInt8] = []
        var it = args.makeIterator()
        let f = Array(fmt.utf8)
        var i = 0
        while i < f.count {
            guard f[i] == UInt8(ascii: "%") else {
                out.append(f[i])
                i += 1
                continue
            }
            i += 1
            var alt = false
            var zero = false
            var width = 0
            if f[i] == UInt8(ascii: "#") {
                alt = true
                i += 1
            }
            if f[i] == UInt8(ascii: "0") {
                zero = true
                i += 1
            }
            while f[i] >= 48 && f[i] <= 57 {
                width = width * 10 + Int(f[i] - 48)
                i += 1
            }
            while f[i] == UInt8(ascii: "l") { i += 1 }
            let conv = f[i]
            i += 1
            let arg = it.next()!
            var text: [UInt8]
            switch (conv, arg) {
            case (UInt8(ascii: "d"), .int(let v)): text = Array(String(v).utf8)
            case (UInt8(ascii: "u"), .uint(let v)): text = Array(String(v).utf8)
            case (UInt8(ascii: "x"), .uint(let v)): text = Array(String(v, radix: 16).utf8)
            case (UInt8(ascii: "s"), .bytes(let b)): text = b
            default:
                XCTFail("bad conversion \(UnicodeScalar(conv)) for \(arg) in \(fmt)")
                return []
            }
            if text.count < width { text = [UInt8](repeating: zero ? 48 : 32, count: width - text.count) + text }
            if alt { text = Array("0x".utf8) + text }
            out += text
        }
        XCTAssertNil(it.next(), "unused arguments for \(fmt)")
        return out
    }

    /// `%pS` of a frame.
    func pS(_ f: SynthFrame) -> [UInt8] {
        if f.symbol.isEmpty { return cformat("0x%lx", [.uint(f.address)]) }
        var b = cformat("%s+0x%x/0x%x", [.str(f.symbol), .uint(f.offset), .uint(f.size)])
        if let m = f.module { b += cformat(" [%s]", [.str(m)]) }
        return b
    }

    /// The expected text of one record, written independently of the renderer from the
    /// kernel format strings of each era.
    func expected(_ r: SynthRecord, _ era: SyntheticEra, addressFrames: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        let order = Arg.uint(UInt64(r.order))
        let mask = Arg.uint(UInt64(r.mask))
        let names = Arg.str(r.gfpNames)
        let pid = Arg.int(Int64(r.pid))
        let tgid = Arg.int(Int64(r.tgid))
        let comm = Arg.bytes(r.comm)
        let ts = Arg.uint(r.ts)
        let freeTs = Arg.uint(r.freeTs)
        let swapped = r.swapped ? " (swapped)" : ""
        switch era {
        case .mm2005: out += cformat("Page allocated via order %d\n", [.int(Int64(r.order))])
        case .mm2005mask: out += cformat("Page allocated via order %d, mask 0x%x\n", [.int(Int64(r.order)), mask])
        case .v3_19: out += cformat("Page allocated via order %u, mask 0x%x\n", [order, mask])
        case .v4_6: out += cformat("Page allocated via order %u, mask %#x(%s)\n", [order, mask, names])
        case .v5_11: out += cformat("Page allocated via order %u, mask %#x(%s), pid %d, ts %llu ns\n", [order, mask, names, pid, ts])
        case .v5_13:
            out += cformat(
                "Page allocated via order %u, mask %#x(%s), pid %d, ts %llu ns, free_ts %llu ns\n",
                [order, mask, names, pid, ts, freeTs])
        case .v5_18transient:
            out += cformat(
                "Page allocated via order %u, mask %#x(%s), pid %d (%s), ts %llu ns, free_ts %llu ns\n",
                [order, mask, names, pid, comm, ts, freeTs])
        case .v5_18, .v6_5:
            out += cformat(
                "Page allocated via order %u, mask %#x(%s), pid %d, tgid %d (%s), ts %llu ns, free_ts %llu ns\n",
                [order, mask, names, pid, tgid, comm, ts, freeTs])
        case .v6_7, .v7_3handle, .v7_3handleOnly:
            out += cformat(
                "Page allocated via order %u, mask %#x(%s), pid %d, tgid %d (%s), ts %llu ns\(swapped)\n",
                [order, mask, names, pid, tgid, comm, ts])
        case .swap:
            out += cformat("Page allocated via pid %d, tgid %d (%s), ts %llu ns\n", [pid, tgid, comm, ts])
            out += cformat("SWP entry 0x%lx\n", [.uint(r.swapEntry)])
        case .showStacksCount, .showStacks, .showHandles, .showStacksHandles:
            break
        }
        switch era {
        case .v3_19:
            out += cformat(
                "PFN %lu Block %lu type %d %s Flags %s\n",
                [
                    .uint(r.pfn), .uint(r.pfn >> 9), .int(Int64(r.blockTypeNumber)),
                    .str(r.fallback ? "Fallback" : "        "), .str(r.flagColumns),
                ])
        case .v4_6, .v5_11, .v5_13, .v5_18transient, .v5_18:
            out += cformat(
                "PFN %lu type %s Block %lu type %s Flags %s\n",
                [.uint(r.pfn), .str(r.pageType), .uint(r.pfn >> 9), .str(r.blockType), .str(r.flags)])
        case .v6_5, .v6_7, .v7_3handle, .v7_3handleOnly:
            out += cformat(
                "PFN 0x%lx type %s Block %lu type %s Flags %s\n",
                [.uint(r.pfn), .str(r.pageType), .uint(r.pfn >> 9), .str(r.blockType), .str(r.flags)])
        default:
            break
        }
        if era != .v7_3handleOnly && era != .showHandles {
            for f in r.frames {
                switch era {
                case .mm2005, .mm2005mask:
                    let addr = f.address > 0xffff_ffff ? (f.address & 0xffff_ffff) | 0xc000_0000 : f.address
                    out += cformat("[0x%lx] %s+%lu\n", [.uint(addr), .str(f.symbol), .uint(f.offset)])
                case .v3_19:
                    out += cformat(" [<%016lx>] %s\n", [.uint(f.address), .bytes(pS(f))])
                default:
                    if addressFrames {
                        out += cformat(" [<%016lx>] %s\n", [.uint(f.address), .bytes(pS(f))])
                    } else {
                        out += cformat(" %s\n", [.bytes(pS(f))])
                    }
                }
            }
        }
        switch era {
        case .v7_3handle, .v7_3handleOnly: out += cformat("handle: %u\n", [.uint(UInt64(r.handle))])
        case .showStacksCount: out += cformat("stack_count: %d\n", [.int(Int64(r.count))])
        case .showStacks: out += cformat("nr_base_pages: %d\n", [.int(Int64(r.count))])
        case .showHandles:
            out += cformat("handle: %d\n", [.int(Int64(Int32(bitPattern: r.handle)))])
            out += cformat("nr_base_pages: %d\n", [.int(Int64(r.count))])
        case .showStacksHandles: out += cformat("handle: %d\n", [.int(Int64(Int32(bitPattern: r.handle)))])
        default: break
        }
        if let reason = r.migrateReason { out += cformat("Page has been migrated, last migrate reason: %s\n", [.str(reason)]) }
        if r.slabCache { out += cformat("Slab cache page\n", []) }
        if let line = r.memcgLine { out += cformat("%s\n", [.str(line)]) }
        out += cformat("\n", [])
        return out
    }

    func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    // MARK: - Era renderer

    func testEveryEraMatchesItsFormatStrings() {
        for era in SyntheticEra.allCases {
            for options in [SynthOptions(), SynthOptions.everything] {
                let records = EraRenderer.records(era: era, count: 40, seed: 11, options: options)
                let rendered = EraRenderer.render(records, era: era, options: options)
                var want: [UInt8] = []
                for r in records { want += expected(r, era) }
                XCTAssertEqual(text(rendered), text(want), "era \(era.rawValue)")
                XCTAssertEqual(rendered, want, "era \(era.rawValue) (bytes)")
            }
        }
    }

    func testAddressFramesAndCRLFAndFinalBlank() {
        var o = SynthOptions()
        o.addressFrames = true
        let records = EraRenderer.records(era: .v6_7, count: 5, seed: 3, options: o)
        var want: [UInt8] = []
        for r in records { want += expected(r, .v6_7, addressFrames: true) }
        XCTAssertEqual(text(EraRenderer.render(records, era: .v6_7, options: o)), text(want))

        o.crlf = true
        o.finalBlankLine = false
        let crlf = EraRenderer.render(records, era: .v6_7, options: o)
        var lf = want
        lf.removeLast()  // the final blank line
        XCTAssertEqual(crlf.filter { $0 != 13 }, lf)
        XCTAssertEqual(crlf.filter { $0 == 13 }.count, lf.filter { $0 == 10 }.count)
        XCTAssertEqual(Array(crlf.suffix(2)), [13, 10])
        XCTAssertNotEqual(Array(crlf.suffix(4)), [13, 10, 13, 10])
    }

    func testV5_13HeaderShape() {
        let out = text(EraRenderer.render(era: .v5_13, count: 20, seed: 5))
        let headers = out.split(separator: "\n").filter { $0.hasPrefix("Page allocated") }
        XCTAssertEqual(headers.count, 20)
        for h in headers {
            // Page allocated via order N, mask 0x…(…), pid P, ts T ns, free_ts F ns
            let parts = h.components(separatedBy: ", ")
            XCTAssertEqual(parts.count >= 5, true, String(h))
            XCTAssertTrue(parts[0].hasPrefix("Page allocated via order "), String(h))
            XCTAssertNotNil(Int(parts[0].dropFirst("Page allocated via order ".count)), String(h))
            XCTAssertTrue(h.contains(", mask 0x") && h.contains("), pid "), String(h))
            XCTAssertTrue(parts[parts.count - 2].hasPrefix("ts ") && parts[parts.count - 2].hasSuffix(" ns"), String(h))
            XCTAssertTrue(parts[parts.count - 1].hasPrefix("free_ts ") && parts[parts.count - 1].hasSuffix(" ns"), String(h))
        }
    }

    func testOptionsShowUp() {
        let all = text(EraRenderer.render(era: .v6_7, count: 60, seed: 9, options: .everything))
        for needle in [
            "(a), ts 5 ns)", "(my app)", "()", " (swapped)\n", "Charged (via objcg) to memcg",
            "Charged to offline memcg", "Slab cache page\n", "last migrate reason: (null)",
            " register_early_stack+", " register_dummy_stack+", " register_failure_stack+", "\n 0xffffffff",
        ] {
            XCTAssertTrue(all.contains(needle), "missing \(needle)")
        }
        let mm = text(EraRenderer.render(era: .mm2005, count: 10, seed: 1))
        XCTAssertTrue(mm.contains("] +1207\n"), "module frame without a name")
    }

    func testDeterminism() {
        for era in SyntheticEra.allCases {
            let a = EraRenderer.render(era: era, count: 30, seed: 99, options: .everything)
            let b = EraRenderer.render(era: era, count: 30, seed: 99, options: .everything)
            let c = EraRenderer.render(era: era, count: 30, seed: 100, options: .everything)
            XCTAssertEqual(a, b, era.rawValue)
            XCTAssertNotEqual(a, c, era.rawValue)
        }
        let v = Vocabulary.builtin
        for format in ScaleFormat.allCases {
            let g1 = ScaleGenerator(format: format, size: 300_000, stackCount: 50, seed: 4, vocabulary: v)
            let g2 = ScaleGenerator(format: format, size: 300_000, stackCount: 50, seed: 5, vocabulary: v)
            XCTAssertEqual(g1.bytes(), g1.bytes(), format.rawValue)
            XCTAssertNotEqual(g1.bytes(), g2.bytes(), format.rawValue)
        }
    }

    func testPageOwnerKitReadsEveryEra() throws {
        for era in SyntheticEra.allCases {
            for (crlf, final) in [(false, true), (true, true), (false, false), (true, false)] {
                var o = SynthOptions.everything
                o.crlf = crlf
                o.finalBlankLine = final
                let bytes = EraRenderer.render(era: era, count: 25, seed: 21, options: o)
                let ingest = Ingest(strict: true)
                var n = 0
                try ingest.run(MemorySource(bytes)) { _ in n += 1 }
                XCTAssertEqual(n, 25, "\(era.rawValue) crlf=\(crlf) final=\(final)")
                XCTAssertEqual(ingest.diagnostics.skippedTotal, 0, era.rawValue)
            }
        }
    }

    // MARK: - Scale generator

    /// The package's root, found from this file's path.
    static var packageRoot: String {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    /// The real 6.12 fixture, when present beside the package or in it.
    static var fixture: String? {
        ["Fixtures/k6.12-m1024/s1-boot/page_owner", "../shared/fixtures/k6.12-m1024/s1-boot/page_owner"]
            .map { packageRoot + "/" + $0 }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    func vocabulary() throws -> Vocabulary {
        if let f = Self.fixture { return try Vocabulary.harvest(path: f) }
        return Vocabulary.builtin
    }

    func testHarvest() throws {
        let b = Vocabulary.builtin
        XCTAssertFalse(b.profiles.isEmpty)
        XCTAssertFalse(b.stacks.isEmpty)
        XCTAssertFalse(b.comms.isEmpty)
        guard let f = Self.fixture else { throw XCTSkip("no k6.12 fixture beside the package") }
        let v = try Vocabulary.harvest(path: f)
        XCTAssertEqual(v.profiles.count, 7262)  // records in k6.12 s1-boot (fixtures README)
        XCTAssertGreaterThan(v.stacks.count, 400)
        XCTAssertTrue(v.comms.contains(Array("kworker/u8:0".utf8)))
        XCTAssertTrue(v.masks.contains(Array("0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)".utf8)))
    }

    /// Splits a dump into blank-line-separated blocks.
    func blocks(_ bytes: [UInt8]) -> [Substring] {
        text(bytes).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { Substring($0) }
    }

    func testScaleSizeAndDistinctStacks() throws {
        let v = try vocabulary()
        for format in ScaleFormat.allCases {
            for (size, stacks) in [(2_000_000, 300), (1_000_000, 1200)] {
                let g = ScaleGenerator(format: format, size: size, stackCount: stacks, seed: 1, vocabulary: v)
                var out: [UInt8] = []
                let summary = g.generate { out.append(contentsOf: $0) }
                XCTAssertEqual(summary.bytes, out.count)
                XCTAssertLessThanOrEqual(out.count, size, format.rawValue)
                XCTAssertGreaterThan(out.count, size - summary.maxRecord, format.rawValue)
                XCTAssertEqual(Array(out.suffix(2)), [10, 10])
                let bs = blocks(out)
                XCTAssertEqual(bs.count, summary.records)
                var distinct = Set<Substring>()
                for b in bs {
                    switch format {
                    case .showHandles:
                        distinct.insert(b.split(separator: "\n")[0])
                    default:
                        distinct.insert(b.split(separator: "\n").filter { $0.hasPrefix(" ") }.joined(separator: "\n")[...])
                    }
                }
                XCTAssertGreaterThanOrEqual(summary.records, stacks, "size too small for the test")
                XCTAssertEqual(distinct.count, stacks, "\(format.rawValue) \(size)")
                XCTAssertEqual(summary.distinctStacks, stacks)

                let ingest = Ingest(strict: true)
                var n = 0
                try ingest.run(MemorySource(out)) { _ in n += 1 }
                XCTAssertEqual(n, summary.records)
            }
        }
    }

    func testScaleWithTinyVocabularyStillReachesTheCount() {
        var v = Vocabulary.harvest(
            bytes: Array(
                "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (a), ts 5 ns\nPFN 0x1 type Unmovable Block 0 type Unmovable Flags 0x0()\n f+0x1/0x2\n\n"
                    .utf8))
        XCTAssertEqual(v.stacks.count, 1)
        v.source = "tiny"
        let g = ScaleGenerator(format: .showStacks, size: 200_000, stackCount: 500, seed: 2, vocabulary: v)
        let bs = blocks(g.bytes())
        let distinct = Set(bs.map { $0.split(separator: "\n").filter { $0.hasPrefix(" ") }.joined(separator: "\n") })
        XCTAssertEqual(distinct.count, 500)
    }

    func testByteSize() {
        XCTAssertEqual(ByteSize.parse("4096"), 4096)
        XCTAssertEqual(ByteSize.parse("64K"), 65536)
        XCTAssertEqual(ByteSize.parse("256M"), 256 << 20)
        XCTAssertEqual(ByteSize.parse("1G"), 1 << 30)
        XCTAssertEqual(ByteSize.parse("0.25G"), 256 << 20)
        XCTAssertEqual(ByteSize.parse("2GiB"), 2 << 30)
        XCTAssertNil(ByteSize.parse("lots"))
        XCTAssertNil(ByteSize.parse("-1M"))
    }

    func testSplitMixIsStable() {
        var r = SplitMix64(seed: 0)
        // Reference values of SplitMix64 from seed 0.
        XCTAssertEqual(r.next(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(r.next(), 0x6e78_9e6a_a1b9_65f4)
    }
}
