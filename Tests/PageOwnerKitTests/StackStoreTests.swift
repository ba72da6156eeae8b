import Foundation
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// The stack store (frame-id sequences over interned frames) against a plain dictionary of
/// byte strings, on every stack of a real dump; and the byte renderers against the `String`
/// renderers they replace.
final class StackStoreTests: XCTestCase {
    /// Every stack of the real 7.3 workload dump, as the bytes the parser hands over.
    func realStacks() throws -> [[UInt8]] {
        let text = try TestFixtures.readAll(TestFixtures.dump("k7.3-m1536-numa/s2-workload/page_owner"))
        var stacks: [[UInt8]] = []
        var current: [UInt8] = []
        var start = 0
        for i in text.indices where text[i] == 10 {
            let line = text[start...i]
            start = i + 1
            if line.first == 32 {
                current += line
            } else if !current.isEmpty {
                stacks.append(current)
                current = []
            }
        }
        if !current.isEmpty { stacks.append(current) }
        return stacks
    }

    func testHandlesMatchAByteDictionaryOnARealDump() throws {
        let stacks = try realStacks()
        XCTAssertGreaterThan(stacks.count, 1000)
        var store = StackStore(capacity: 16)  // small: grows many times
        var reference: [[UInt8]: Int32] = [:]
        for s in stacks {
            let h = s.withUnsafeBytes { store.intern($0) }
            let expected = reference[s] ?? Int32(reference.count)
            reference[s] = expected
            XCTAssertEqual(h, expected)
        }
        XCTAssertEqual(store.count, reference.count)
        XCTAssertGreaterThan(reference.count, 100)
        // Bytes come back exactly; frames are shared across stacks.
        for (bytes, h) in reference { XCTAssertEqual(store.bytes(h), bytes) }
        let frameLines = reference.keys.reduce(0) { $0 + $1.filter { $0 == 10 }.count }
        XCTAssertLessThan(store.frames.count, frameLines)
        // A hash given by the caller finds the same handles.
        for (bytes, h) in reference.prefix(200) {
            let again = bytes.withUnsafeBytes { store.intern($0, hash: ByteHash.hash($0)) }
            XCTAssertEqual(again, h)
        }
        XCTAssertEqual(store.count, reference.count)
    }

    func testCompareAndRanksFollowByteOrder() throws {
        var stacks = try realStacks()
        // Stacks that share prefixes and differ in one frame or in length.
        stacks += [Array(" a\n b\n".utf8), Array(" a\n".utf8), Array(" a\n bb\n".utf8), Array(" a\n b\n c\n".utf8), Array(" ab\n".utf8)]
        var store = StackStore()
        var handles: [Int32] = []
        for s in stacks { handles.append(s.withUnsafeBytes { store.intern($0) }) }
        let distinct = Array(Set(handles)).sorted()
        func byteCompare(_ a: Int32, _ b: Int32) -> Int {
            let x = store.bytes(a)
            let y = store.bytes(b)
            return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        }
        for a in distinct.prefix(60) {
            for b in distinct.suffix(60) { XCTAssertEqual(store.compare(a, b), byteCompare(a, b), "\(a) vs \(b)") }
        }
        let ranks = store.sortedRanks()
        let byBytes = distinct.sorted { store.bytes($0).lexicographicallyPrecedes(store.bytes($1)) }
        for (r, h) in byBytes.enumerated() { XCTAssertEqual(ranks[Int(h)], Int32(r)) }
    }

    /// Frame ranks (a radix sort by 8 bytes at a time) follow the lines' byte order, with
    /// many frames that share long prefixes or are prefixes of each other, and ties that run
    /// past 8 and 16 bytes.
    func testFrameRanksFollowLineOrder() {
        var rng = SystemRandomNumberGenerator()
        var lines: Set<String> = []
        let stems = [" __alloc_pages_noprof", " __alloc_pages_noprof_", " a", " abcdefg", " abcdefgh", " abcdefghijklmno", " abcdefghijklmnop", ""]
        while lines.count < 3000 {
            let stem = stems.randomElement(using: &rng)!
            let tail = String((0..<Int.random(in: 0...4, using: &rng)).map { _ in "+0x1f/a\u{7f}é".randomElement(using: &rng)! })
            lines.insert(stem + tail)
        }
        lines.remove("")
        var text: [UInt8] = []
        for l in lines { text += Array(l.utf8) + [10] }
        var store = StackStore()
        _ = text.withUnsafeBytes { store.intern($0) }
        XCTAssertEqual(store.frames.count, lines.count)
        let ranks = store.frameRanks()
        let byLine = (0..<Int32(store.frames.count)).sorted { store.lineOrder($0, $1) < 0 }
        for (r, f) in byLine.enumerated() { XCTAssertEqual(ranks[Int(f)], Int32(r), "frame \(f)") }
    }

    /// Many frames (enough for the threaded path and its keys read on the threads) rank the
    /// same on 1, 2 and 3 threads, and in line order: every neighbour pair ascends.
    func testFrameRanksAreTheSameOnAnyNumberOfThreads() {
        var rng = SystemRandomNumberGenerator()
        let stems = [" get_page_from_freelist", " __alloc_pages_noprof", " kmem_cache_alloc", " k", " kmem_cache_alloc_noprof"]
        var text: [UInt8] = []
        var lines: Set<String> = []
        while lines.count < 70_000 {
            let line = stems.randomElement(using: &rng)! + "+0x\(String(Int.random(in: 0..<1 << 20, using: &rng), radix: 16))/0x\(Int.random(in: 1...9, using: &rng))"
            if lines.insert(line).inserted { text += Array(line.utf8) + [10] }
        }
        var store = StackStore()
        _ = text.withUnsafeBytes { store.intern($0) }
        XCTAssertEqual(store.frames.count, lines.count)
        let one = store.frameRanks(threads: 1)
        var byRank = [Int32](repeating: -1, count: one.count)
        for (f, r) in one.enumerated() { byRank[Int(r)] = Int32(f) }
        XCTAssertFalse(byRank.contains(-1), "ranks are a permutation")
        for i in 1..<byRank.count { XCTAssertLessThan(store.lineOrder(byRank[i - 1], byRank[i]), 0, "at \(i)") }
        XCTAssertEqual(store.frameRanks(threads: 2), one)
        XCTAssertEqual(store.frameRanks(threads: 3), one)
    }

    /// Many stacks (enough for the threaded path) sort the same on 1, 2 and 3 threads, and
    /// into byte order: every neighbour pair compares ascending.
    func testSortedIsTheSameOnAnyNumberOfThreads() {
        var rng = SystemRandomNumberGenerator()
        let pool = (0..<400).map { " f\($0 % 7 == 0 ? "common" : "")\($0)+0x\(String($0, radix: 16))/0x100\n" }
        var store = StackStore()
        var seen: Set<Int32> = []
        while seen.count < 50_000 {
            // Shared leaf frames, then a random tail, as allocation stacks are.
            var text = pool[0] + pool[1] + (Bool.random(using: &rng) ? pool[2] : "")
            for _ in 0..<Int.random(in: 1...8, using: &rng) { text += pool[Int.random(in: 0..<pool.count, using: &rng)] }
            seen.insert(Array(text.utf8).withUnsafeBytes { store.intern($0) })
        }
        let hs = Array(seen).shuffled(using: &rng)
        let ranks = store.frameRanks()
        let one = store.sorted(hs, frameRanks: ranks, threads: 1)
        XCTAssertEqual(one.count, hs.count)
        XCTAssertEqual(Set(one), seen)
        for i in 1..<one.count { XCTAssertLessThan(store.compare(one[i - 1], one[i]), 0, "at \(i)") }
        XCTAssertEqual(store.sorted(hs, frameRanks: ranks, threads: 2), one)
        XCTAssertEqual(store.sorted(hs, frameRanks: ranks, threads: 3), one)
    }

    /// The merge's look-ahead (`handles(of:threads:)`) finds exactly the other store's stacks
    /// this one holds (by their bytes), on 1, 2 and 3 threads, with frames only one side
    /// has; a merge that adds the others without a lookup (`new`) builds the same store as
    /// one that looks each up, also when the index was released first (`lookUp` remakes it);
    /// `holdsMost` tells a mostly shared store from a mostly new one.
    func testHandlesOfAnotherStoreAreItsSharedStacks() {
        var rng = SeededRandom(seed: 11)
        let pool = (0..<300).map { " f\($0)+0x\(String($0, radix: 16))/0x100\n" }
        func stack() -> String {
            var text = pool[0]
            for _ in 0..<Int.random(in: 1...6, using: &rng) { text += pool[Int.random(in: 0..<pool.count, using: &rng)] }
            return text
        }
        var mine = StackStore()
        var other = StackStore()
        var texts: [String: Int32] = [:]
        for _ in 0..<30_000 {
            let t = stack()
            texts[t] = Array(t.utf8).withUnsafeBytes { mine.intern($0) }
        }
        let shared = texts.keys.sorted()
        var expected: [Int32] = []
        for i in 0..<40_000 {
            // Two in three from the shared ones, the rest new (some with a frame `mine` lacks).
            let t = i % 3 == 2 ? stack() + (i % 2 == 0 ? " only_other\(i)+0x1/0x2\n" : "") : shared[Int.random(in: 0..<shared.count, using: &rng)]
            let h = Array(t.utf8).withUnsafeBytes { other.intern($0) }
            if Int(h) == expected.count { expected.append(texts[t] ?? -1) }
        }
        XCTAssertEqual(other.count, expected.count)
        XCTAssertGreaterThan(expected.filter { $0 >= 0 }.count, 1000)
        XCTAssertGreaterThan(expected.filter { $0 < 0 }.count, 1000)
        for threads in 1...3 { XCTAssertEqual(mine.handles(of: other, threads: threads), expected, "\(threads) threads") }
        for release in [false, true] {
            var looked = mine
            var plain = mine
            if release { looked.releaseIndex() }
            let found = looked.lookUp(other, threads: 2)
            XCTAssertEqual(found, expected, "released: \(release)")
            var (mapA, mapB, scratchA, scratchB): ([Int32], [Int32], [Int32], [Int32]) = ([], [], [], [])
            for h in 0..<Int32(other.count) {
                let a = found[Int(h)] >= 0 ? found[Int(h)] : looked.merge(h, of: other, map: &mapA, scratch: &scratchA, new: true).handle
                let b = plain.merge(h, of: other, map: &mapB, scratch: &scratchB).handle
                XCTAssertEqual(a, b, "stack \(h)")
            }
            XCTAssertEqual(looked.count, plain.count)
            for h in 0..<Int32(plain.count) { XCTAssertEqual(looked.bytes(h), plain.bytes(h)) }
            // Every added stack is found again by its bytes.
            for h in Int32(mine.count)..<Int32(looked.count) {
                XCTAssertEqual(looked.bytes(h).withUnsafeBytes { looked.intern($0) }, h)
            }
            XCTAssertEqual(looked.count, plain.count)
        }
        var sampled = mine
        XCTAssertEqual(sampled.holdsMost(of: other), expected.filter { $0 >= 0 }.count * 2 > expected.count)
        var empty = StackStore()
        XCTAssertFalse(empty.holdsMost(of: other))
    }

    func testALastLineWithoutItsNewlineIsTheSameStack() {
        var store = StackStore()
        let a = Array(" f+0x1/0x2\n g+0x3/0x4\n".utf8)
        let b = Array(" f+0x1/0x2\n g+0x3/0x4".utf8)
        let ha = a.withUnsafeBytes { store.intern($0) }
        let hb = b.withUnsafeBytes { store.intern($0) }
        XCTAssertEqual(ha, hb)
        XCTAssertEqual(store.bytes(ha), a)
        // An empty line is a frame of its own, and the empty stack is a stack.
        let c = Array(" f+0x1/0x2\n\n".utf8)
        let hc = c.withUnsafeBytes { store.intern($0) }
        XCTAssertNotEqual(hc, ha)
        XCTAssertEqual(store.bytes(hc), c)
        let he = [UInt8]().withUnsafeBytes { store.intern($0) }
        XCTAssertEqual(store.bytes(he), [])
        XCTAssertEqual(store.frameCount(he), 0)
    }

    /// The JSON and CSV byte renderers test eight bytes at a time for bytes they escape or
    /// quote: every byte value, at every position of a word and of the tail, gives what the
    /// `String` renderers give.
    func testEveryByteAtEveryPositionRendersAsTheStringRenderersDo() {
        let plain = Array("get_page_from_freelist".utf8)
        for value in 0...255 {
            for at in plain.indices {
                var bytes = plain
                bytes[at] = UInt8(value)
                let str = String(decoding: bytes, as: UTF8.self)
                ByteView.with(bytes) { b in
                    var out: [UInt8] = []
                    ByteRendering.appendJSON(b, to: &out)
                    XCTAssertEqual(out, Array(Render.json(str).utf8), "json: byte \(value) at \(at)")
                    out = []
                    ByteRendering.appendCSV(b, to: &out)
                    XCTAssertEqual(out, Array(Render.csv(str).utf8), "csv: byte \(value) at \(at)")
                }
            }
        }
    }

    /// Stacks written from each frame's form (`FrameForms`) are byte for byte what the
    /// general path writes, in CSV, JSON and text, whatever their frames hold: blanks of
    /// every kind and count before the text, none at all, quotes, commas, backslashes,
    /// control bytes, non-ASCII and invalid UTF-8; plain stacks take the forms' path, the
    /// others fall back.
    func testStacksWrittenFromFrameFormsAreThoseOfTheGeneralPath() {
        let odd = [
            " plain+0x1/0x2", "\tafter_tab+0x1/0x2", "   three_blanks+0x1/0x2", "no_blank+0x1/0x2",
            " a,comma+0x1/0x2", " a\"quote+0x1/0x2", " back\\slash+0x1/0x2", " ctrl\u{1}x+0x1/0x2",
            " caf\u{e9}+0x1/0x2 [m\u{f6}d]", " ;semi+0x1/0x2", "   ", String(repeating: " ", count: 40) + "deep+0x1/0x2",
        ]
        var lines = odd.map { Array($0.utf8) }
        lines.append(Array(" invalid".utf8) + [0x80, 0xc3])
        var table = StackTable()
        var handles: [Int32] = []
        var rng = SeededRandom(seed: 3)
        let plainPool = (0..<30).map { Array(" f\($0)+0x\(String($0, radix: 16))/0x40".utf8) }
        for i in 0..<600 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                // Mostly plain frames; now and then an odd one.
                let line = i % 5 == 0 ? lines[Int.random(in: 0..<lines.count, using: &rng)] : plainPool[Int.random(in: 0..<plainPool.count, using: &rng)]
                text += line + [10]
            }
            handles.append(ByteView.with(text) { table.intern($0) })
        }
        guard let forms = FrameForms(table, rows: handles.count, threads: 2) else { return XCTFail("forms for 600 rows") }
        XCTAssertEqual(forms.forms.count, table.stacks.frames.count)
        XCTAssertNil(FrameForms(table, rows: 0, threads: 1))
        var fast = 0
        for h in Set(handles) {
            var scratch: [UInt8] = []
            var (a, b): ([UInt8], [UInt8]) = ([], [])
            ByteRendering.appendStackCSV(table, h, scratch: &scratch, to: &a)
            ByteRendering.appendStackCSV(table, h, forms: forms, scratch: &scratch, to: &b)
            XCTAssertEqual(a, b, "csv \(h)")
            (a, b) = ([], [])
            ByteRendering.appendStackJSON(table, h, to: &a)
            ByteRendering.appendStackJSON(table, h, forms: forms, to: &b)
            XCTAssertEqual(a, b, "json \(h)")
            (a, b) = ([9], [9])
            ByteRendering.appendStackLines(table, h, label: "x", to: &a)
            ByteRendering.appendStackLines(table, h, label: "x", forms: forms, to: &b)
            XCTAssertEqual(a, b, "text \(h)")
            var out: [UInt8] = [1, 2]
            if forms.appendFrames(table, h, need: FrameForms.plainCSV, to: &out, { f, o in o.append(f) }) { fast += 1 } else { XCTAssertEqual(out, [1, 2]) }
        }
        XCTAssertGreaterThan(fast, 300)
        XCTAssertLessThan(fast, Set(handles).count)
    }

    func testByteRenderersWriteWhatTheStringRenderersWrite() {
        let samples = [
            "shmem_alloc_folio+0x3c/0x170", "[<ffffffff8123>] foo+0x1/0x2 [ext4]", "ext4_writepages+0x1/0x2 [ext4]",
            "a,b", "quote\"d", "semi;colon", "", "[", "[x]", "foo[bar]", "tab\there", "new\nline", "ctrl\u{1}x",
            "caf\u{e9}+0x1/0x2 [m\u{f6}d]", "e\u{301}", "[<ffff>]", "[<ffff>]  spaced+0x1/0x2", "back\\slash", "cr\rx",
        ]
        for s in samples {
            var bytes = Array(s.utf8)
            // Invalid UTF-8 too: a lone continuation byte and a cut sequence.
            for extra in [[], [0x80], [0xc3]] as [[UInt8]] {
                bytes = Array(s.utf8) + extra
                let str = String(decoding: bytes, as: UTF8.self)
                ByteView.with(bytes) { b in
                    var out: [UInt8] = []
                    ByteRendering.appendCSV(b, to: &out)
                    XCTAssertEqual(out, Array(Render.csv(str).utf8), "csv \(s)")
                    out = []
                    ByteRendering.appendJSON(b, to: &out)
                    XCTAssertEqual(out, Array(Render.json(str).utf8), "json \(s)")
                    for keep in [false, true] {
                        out = []
                        ByteRendering.appendFrameName(b, keepOffsets: keep, to: &out)
                        XCTAssertEqual(out, Array(Render.frameName(str, keepOffsets: keep).utf8), "frameName \(s) \(keep)")
                    }
                    out = []
                    ByteRendering.appendText(b, to: &out)
                    XCTAssertEqual(out, Array(str.utf8))
                }
            }
        }
    }
}

/// Workers' aggregators merged (frames mapped once, stacks found by ids and hash, derived
/// values copied) give exactly what one aggregator gives, in every byte format.
final class AggregatorMergeTests: XCTestCase {
    func render(_ bytes: [UInt8], workers: Int, keys: [GroupKey], format: ReportFormat) throws -> [UInt8] {
        let agg = Aggregator(keys: keys)
        agg.beginSnapshot(name: "s")
        let ingest = Ingest(strict: false)
        ingest.chunkSize = 128 << 10
        ingest.pipelineChunkSize = 128 << 10
        ingest.parallelThreshold = 64 << 10
        let helpers = (1..<workers).map { _ in agg.makeWorker() }
        try ingest.run(MemorySource(bytes, name: "s"), consumers: [agg] + helpers)
        for h in helpers { agg.merge(h) }
        let report = Report(agg, selection: Report.Selection(), frameText: false)
        let dir = try TestFixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("out").path
        let sink = try OutputSink(path: path)
        try format.formatter.write(report, context: ReportContext(), to: sink)
        try sink.commit()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testOneTwoAndThreeWorkersWriteTheSameBytes() throws {
        let bytes = try TestFixtures.readAll(TestFixtures.dump("k7.3-m1536-numa/s2-workload/page_owner"))
        for keys in [[GroupKey.stack], [.caller, .module, .allocator], [.comm, .stack]] {
            for format in [ReportFormat.text, .csv, .json, .folded] {
                let one = try render(bytes, workers: 1, keys: keys, format: format)
                XCTAssertGreaterThan(one.count, 1000)
                for w in [2, 3] {
                    let many = try render(bytes, workers: w, keys: keys, format: format)
                    XCTAssertTrue(one == many, "\(keys) \(format) \(w) workers: \(TestFixtures.firstDifference(one, many))")
                }
            }
        }
    }
}
