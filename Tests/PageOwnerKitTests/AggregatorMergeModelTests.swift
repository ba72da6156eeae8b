import PageOwnerSynth
import PageOwnerTestSupport
import XCTest

@testable import PageOwnerKit

/// `Aggregator.merge` against a Dictionary model: random records (seeded) dealt at random to
/// one to four workers per snapshot, each worker's aggregation merged back in a random order.
/// Each worker interns stacks, names, comms and memcgs in its own order, so its handles differ
/// from the main side's: the merged groups must be the model's groups by content (the stack's
/// frames, the comm's bytes, the memcg's name…) with the model's records, pages and times, and
/// no two groups may hold the same content.
final class AggregatorMergeModelTests: XCTestCase {
    struct Sum: Equatable, CustomStringConvertible {
        var records: Int64 = 0
        var pages: Int64 = 0
        var firstTs: UInt64 = .max
        var lastTs: UInt64 = 0
        var description: String { "\(records) records, \(pages) pages, ts \(firstTs)…\(lastTs)" }
    }

    /// The memcg trailer lines the records carry, as `MemcgState` and name.
    static let memcgs: [(line: String, state: MemcgState, name: String)] = [
        ("Charged to memcg wl", .charged, "wl"),
        ("Charged to memcg /", .charged, "/"),
        ("Charged to offline memcg gone", .offline, "gone"),
        ("Charged (via objcg) to memcg wl", .viaObjcg, "wl"),
        ("Charged (via objcg) to offline memcg gone", .viaObjcgOffline, "gone"),
        // Over 16 bytes: past what the rest memo holds inline (`RestMemo`).
        ("Charged to memcg system.slice/long-name.service", .charged, "system.slice/long-name.service"),
    ]

    /// Few values of each field, so that records of different workers meet in one group.
    static func records(count: Int, using rng: inout SeededRandom) -> [SynthRecord] {
        var stacks = Array(EraVocabulary.stacks.prefix(5))
        // The same frames with another last offset: a distinct stack that shares every name.
        for s in stacks.prefix(3) {
            var v = s
            v[v.count - 1].offset += 1
            stacks.append(v)
        }
        stacks += [EraVocabulary.earlyStack, EraVocabulary.dummyStack, EraVocabulary.failureStack]
        // Names of 1 to 16 bytes that differ in one byte only, at every length the rest memo
        // packs differently (`ByteInterner.words`), and one over 16 bytes.
        let near = ["ab", "ac", "abcd", "abce", "abcdefgh", "abcdefgi", "abcdefghijklmnop", "abcdefghijkXmnop", "abcdefghijklmnopq"]
        let comms = Array(EraVocabulary.comms.prefix(5)) + [Array("my app".utf8), [0x63, 0x61, 0x66, 0xc3, 0xa9]] + near.map { Array($0.utf8) }
        let masks = Array(EraVocabulary.masks.prefix(5))
        var ts: UInt64 = 1_000_000
        var pfn: UInt64 = 0x1000
        return (0..<count).map { _ in
            var r = SynthRecord()
            r.frames = stacks[Int.random(in: 0..<stacks.count, using: &rng)]
            r.order = [0, 0, 0, 1, 2, 9][Int.random(in: 0..<6, using: &rng)]
            (r.mask, r.gfpNames) = masks[Int.random(in: 0..<masks.count, using: &rng)]
            if r.frames == EraVocabulary.earlyStack && Bool.random(using: &rng) {
                (r.order, r.mask, r.gfpNames) = (0, 0, "")
            }
            r.pid = Int32.random(in: 1...6, using: &rng)
            r.tgid = r.pid
            r.comm = comms[Int.random(in: 0..<comms.count, using: &rng)]
            ts += UInt64.random(in: 1...50_000, using: &rng)
            r.ts = ts
            r.pfn = pfn
            pfn += UInt64(1) << UInt64(r.order)
            if Int.random(in: 0..<3, using: &rng) == 0 {
                r.memcgLine = memcgs[Int.random(in: 0..<memcgs.count, using: &rng)].line
            }
            r.slabCache = Int.random(in: 0..<8, using: &rng) == 0
            return r
        }
    }

    static func frameText(_ frames: [SynthFrame]) -> String {
        frames.map { f in
            var b: [UInt8] = []
            EraRenderer.appendSymbol(f, into: &b)
            return String(decoding: b, as: UTF8.self)
        }.joined(separator: ";")
    }

    /// A record's key by content, for the keys the model knows without the library's help
    /// (nil for a key derived from the stack: caller, module, allocator).
    static func modelKey(_ r: SynthRecord, _ keys: [GroupKey]) -> [String]? {
        var out: [String] = []
        for k in keys {
            switch k {
            case .stack: out.append(frameText(r.frames))
            case .comm: out.append("\(r.comm)")
            case .pid: out.append("\(r.pid)")
            case .order: out.append("\(r.order)")
            case .gfp: out.append("\(r.mask)|\(r.gfpNames)")
            case .memcg:
                if let line = r.memcgLine, let m = memcgs.first(where: { $0.line == line }) {
                    out.append("\(m.state.rawValue)|\(m.name)")
                } else {
                    out.append("none")
                }
            default: return nil
            }
        }
        return out
    }

    /// Group `g`'s key by content, read through the aggregator's own tables.
    static func decode(_ agg: Aggregator, _ g: Int32) -> [String] {
        agg.keys.enumerated().map { i, k in
            let v = agg.keyValue(g, i)
            let h = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
            switch k {
            case .stack: return agg.stacks.frames(h).joined(separator: ";")
            case .caller, .module: return h < 0 ? "-" : agg.stacks.names.string(h)
            case .comm: return "\(agg.comms.bytes(h))"
            case .pid, .order: return "\(h)"
            case .gfp: return v == .max ? "none" : "\(v)|\(agg.gfpText(v) ?? "?")"
            case .memcg: return v == .max ? "none" : "\(v >> 32)|\(agg.memcgs.string(h))"
            default: return "\(v)"
            }
        }
    }

    /// Snapshot `s`'s metrics by decoded key; fails when two groups decode alike.
    static func byContent(_ agg: Aggregator, _ s: Int, file: StaticString = #filePath, line: UInt = #line) -> [[String]: Sum] {
        var seen: [[String]: Int32] = [:]
        var out: [[String]: Sum] = [:]
        for g in 0..<Int32(agg.groups.count) {
            let key = decode(agg, g)
            if let other = seen[key] {
                XCTFail("groups \(other) and \(g) both hold \(key)", file: file, line: line)
            }
            seen[key] = g
            let m = agg.metrics(s, Int(g))
            if m == Aggregator.Metrics() { continue }
            out[key] = Sum(records: m.records, pages: m.pages, firstTs: m.firstTs, lastTs: m.lastTs)
        }
        return out
    }

    static func render(_ records: [SynthRecord]) -> [UInt8] {
        var out: [UInt8] = []
        for r in records { EraRenderer.renderRecord(r, era: .v5_18, options: SynthOptions(), into: &out) }
        return out
    }

    /// Reads `snapshots` (each a list of records) into one aggregator: each snapshot's records
    /// dealt at random to the main side and up to three workers, merged back in random order.
    static func aggregate(
        _ snapshots: [[SynthRecord]], keys: [GroupKey], distinct: Bool, workers: ClosedRange<Int>,
        using rng: inout SeededRandom
    ) throws -> Aggregator {
        let agg = Aggregator(keys: keys)
        agg.countDistinctStacks = distinct
        for (s, records) in snapshots.enumerated() {
            agg.beginSnapshot(name: "s\(s)")
            let helpers = (1..<Int.random(in: workers, using: &rng)).map { _ in agg.makeWorker() }
            let sides: [Aggregator] = [agg] + helpers
            var parts = [[SynthRecord]](repeating: [], count: sides.count)
            for r in records { parts[Int.random(in: 0..<sides.count, using: &rng)].append(r) }
            for (side, part) in zip(sides, parts) where !part.isEmpty {
                try Ingest(strict: true).run(MemorySource(render(part), name: "s\(s)"), consumers: [side])
            }
            for h in helpers.shuffled(using: &rng) { agg.merge(h) }
        }
        return agg
    }

    static let keySets: [[GroupKey]] = [
        [.stack],
        [.stack, .comm, .pid],
        [.comm, .order, .gfp],
        [.stack, .gfp, .memcg],
        [.stack, .comm, .memcg, .order],
        [.caller],
        [.caller, .memcg],
        [.module, .allocator, .pid],
    ]

    func testMergedGroupsMatchADictionaryModel() throws {
        for (n, keys) in Self.keySets.enumerated() {
            for seed in 0..<UInt64(4) {
                var rng = SeededRandom(seed: 1000 * UInt64(n) + seed)
                let snapshots = (0..<3).map { _ in Self.records(count: Int.random(in: 1...400, using: &rng), using: &rng) }
                let distinct = seed % 2 == 0
                let agg = try Self.aggregate(snapshots, keys: keys, distinct: distinct, workers: 1...4, using: &rng)
                #if DEBUG
                agg.checkInvariants()
                #endif
                let what = "keys \(keys), seed \(seed)"
                XCTAssertEqual(agg.snapshotCount, snapshots.count, what)
                for (s, records) in snapshots.enumerated() {
                    let pages = records.reduce(Int64(0)) { $0 + (Int64(1) << Int64($1.order)) }
                    XCTAssertEqual(agg.totals[s].recordsRead, Int64(records.count), "\(what), snapshot \(s)")
                    XCTAssertEqual(agg.totals[s].records, Int64(records.count), "\(what), snapshot \(s)")
                    XCTAssertEqual(agg.totals[s].pages, pages, "\(what), snapshot \(s)")
                    XCTAssertEqual(agg.totals[s].maxTs, records.map(\.ts).max(), "\(what), snapshot \(s)")
                    let early = records.filter { $0.frames == EraVocabulary.earlyStack && $0.order == 0 && $0.mask == 0 }
                    XCTAssertEqual(agg.totals[s].earlyBootPages, Int64(early.count), "\(what), snapshot \(s)")
                    if distinct {
                        let want = Set(records.map { Self.frameText($0.frames) })
                        let got = agg.totals[s].distinctStacks.map { agg.stacks.frames($0).joined(separator: ";") }
                        XCTAssertEqual(got.count, want.count, "\(what), snapshot \(s): distinct stacks held once")
                        XCTAssertEqual(Set(got), want, "\(what), snapshot \(s)")
                    }
                    let got = Self.byContent(agg, s)
                    XCTAssertEqual(got.values.reduce(Int64(0)) { $0 + $1.records }, Int64(records.count), "\(what), snapshot \(s)")
                    guard records.allSatisfy({ Self.modelKey($0, keys) != nil }) else { continue }
                    var model: [[String]: Sum] = [:]
                    for r in records {
                        var m = model[Self.modelKey(r, keys)!, default: Sum()]
                        m.records += 1
                        m.pages += Int64(1) << Int64(r.order)
                        m.firstTs = min(m.firstTs, r.ts)
                        m.lastTs = max(m.lastTs, r.ts)
                        model[Self.modelKey(r, keys)!] = m
                    }
                    XCTAssertEqual(got.count, model.count, "\(what), snapshot \(s): one group per distinct key")
                    for (k, m) in model where got[k] != m {
                        XCTFail("\(what), snapshot \(s), group \(k): \(got[k].map(\.description) ?? "missing"), want \(m)")
                    }
                }
            }
        }
    }

    /// Keys derived from the stack (caller, module, allocator) have no model of their own:
    /// merged from any number of workers they must be what one worker finds, by content.
    func testDerivedKeysMatchOneWorker() throws {
        for keys in Self.keySets {
            var rng = SeededRandom(seed: 77)
            let snapshots = (0..<2).map { _ in Self.records(count: 300, using: &rng) }
            var one = SeededRandom(seed: 1)
            let reference = try Self.aggregate(snapshots, keys: keys, distinct: false, workers: 1...1, using: &one)
            for seed in 0..<UInt64(3) {
                var split = SeededRandom(seed: 500 + seed)
                let agg = try Self.aggregate(snapshots, keys: keys, distinct: false, workers: 2...4, using: &split)
                for s in 0..<snapshots.count {
                    XCTAssertEqual(Self.byContent(agg, s), Self.byContent(reference, s), "keys \(keys), seed \(seed), snapshot \(s)")
                }
            }
        }
    }

    /// A worker's handles are its own: merged into an aggregator that interned other stacks
    /// and comms first, the groups still meet by content, and a second merge of the same
    /// content adds to the same groups.
    func testHandlesOfBothSidesDiffer() throws {
        var rng = SeededRandom(seed: 9)
        let records = Self.records(count: 200, using: &rng)
        let agg = Aggregator(keys: [.stack, .comm])
        agg.beginSnapshot(name: "s")
        let a = agg.makeWorker()
        let b = agg.makeWorker()
        // The main side and `a` see the records in opposite orders: different handles.
        try Ingest(strict: true).run(MemorySource(Self.render(Array(records.reversed())), name: "s"), consumers: [agg])
        try Ingest(strict: true).run(MemorySource(Self.render(records), name: "s"), consumers: [a])
        try Ingest(strict: true).run(MemorySource(Self.render(records), name: "s"), consumers: [b])
        XCTAssertNotEqual(
            (0..<Int32(a.groups.count)).map { Self.decode(a, $0) },
            (0..<Int32(agg.groups.count)).map { Self.decode(agg, $0) },
            "the two sides number their groups differently")
        let alone = Self.byContent(agg, 0)
        let groups = agg.groups.count
        agg.merge(a)
        agg.merge(b)
        XCTAssertEqual(agg.groups.count, groups, "no group added: every merged group existed by content")
        let merged = Self.byContent(agg, 0)
        XCTAssertEqual(Set(merged.keys), Set(alone.keys))
        for (k, m) in alone {
            XCTAssertEqual(merged[k]?.records, 3 * m.records, "\(k)")
            XCTAssertEqual(merged[k]?.pages, 3 * m.pages, "\(k)")
            XCTAssertEqual(merged[k]?.firstTs, m.firstTs, "\(k)")
            XCTAssertEqual(merged[k]?.lastTs, m.lastTs, "\(k)")
        }
        XCTAssertEqual(agg.totals[0].records, 3 * Int64(records.count))
        XCTAssertEqual(agg.stacks.count, a.stacks.count, "each stack interned once")
    }
}
