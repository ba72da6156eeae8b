/// A memo in front of an aggregator's table of rest keys (`Aggregator.Core.rests`, the keys a
/// record adds to its stack): the record fields those keys read, as nine raw words with no
/// switch a key (its task name and memcg as their bytes rather than their handles), mapped to
/// the rest's handle. A hit costs one probe of a table that fits the cache and interns
/// nothing. Before it, each record of a default pprof profile went through its keys one by
/// one, interned its task name (half of them missing the one-entry recent cache) and, when any
/// value differed from the record before, hashed and looked up its rest key: ~450
/// instructions a record, against ~200 now.
///
/// Only a cache: the rest table numbers every rest (first seen, first numbered), the memo
/// remembers answers. A field no rest key reads is masked out of the signature (`Fields`),
/// so records that differ only there share entries. Direct-mapped: a new entry replaces the
/// slot's old one, and a miss takes the full path.
struct RestMemo {
    /// The record fields a set of rest keys reads: masks of the signature's words, and
    /// whether to read the task name, the memcg and the module line.
    struct Fields {
        var m0: UInt64 = 0, m1: UInt64 = 0, m2: UInt64 = 0, m7: UInt64 = 0, m8: UInt64 = 0
        var comm = false, memcg = false, moduleLine = false

        init(_ keys: [GroupKey]) {
            for k in keys {
                switch k {
                case .order: m0 |= 0xffff_ffff
                case .migratetype: m0 |= 0xff << 32
                case .blocktype: m0 |= 0xff << 40
                case .gfp:
                    m1 = .max
                    m0 |= 1 << 56
                case .swapped: m0 |= 2 << 56
                case .allocator: m0 |= 4 << 56
                case .handle:
                    m8 = .max
                    m0 |= 8 << 56
                case .node: m2 |= 0xffff
                case .zone: m2 |= 0xffff << 16
                case .pid: m7 |= 0xffff_ffff
                case .tgid: m7 |= 0xffff_ffff << 32
                case .comm: comm = true
                case .memcg: memcg = true
                case .module: moduleLine = true
                case .stack, .caller: break
                }
            }
        }
    }

    /// What a record's rest key is made of (see `signature`).
    struct Signature {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0, w4: UInt64 = 0
        var w5: UInt64 = 0, w6: UInt64 = 0, w7: UInt64 = 0, w8: UInt64 = 0

        /// Equal words, compared without a branch a word.
        @inline(__always)
        func same(_ o: Signature) -> Bool {
            (w0 ^ o.w0) | (w1 ^ o.w1) | (w2 ^ o.w2) | (w3 ^ o.w3) | (w4 ^ o.w4) | (w5 ^ o.w5) | (w6 ^ o.w6)
                | (w7 ^ o.w7) | (w8 ^ o.w8) == 0
        }

        @inline(__always)
        var hash: UInt64 {
            var h = (w0 ^ 0x9e37_79b9_7f4a_7c15) &* 0xbf58_476d_1ce4_e5b9
            h = (h ^ (h >> 31) ^ w1) &* 0xbf58_476d_1ce4_e5b9
            h = (h ^ (h >> 31) ^ w2) &* 0xbf58_476d_1ce4_e5b9
            h = (h ^ (h >> 31) ^ w3 ^ (w4 &* 0x94d0_49bb_1331_11eb)) &* 0xbf58_476d_1ce4_e5b9
            h = (h ^ (h >> 31) ^ w5 ^ (w6 &* 0x94d0_49bb_1331_11eb)) &* 0xbf58_476d_1ce4_e5b9
            h = (h ^ (h >> 31) ^ w7 ^ (w8 &* 0x94d0_49bb_1331_11eb)) &* 0xbf58_476d_1ce4_e5b9
            return h ^ (h >> 29)
        }
    }

    struct Entry {
        var signature = Signature()
        /// The rest's handle, -1 when empty.
        var handle: Int32 = -1
    }

    let fields: Fields
    private var entries: [Entry]
    private let shift: UInt64

    /// A memo for the rest keys `keys`, of `count` entries (a power of two).
    init(keys: [GroupKey], count: Int = 2048) {
        precondition(count > 1 && count & (count - 1) == 0, "a power of two")
        fields = Fields(keys)
        entries = keys.isEmpty ? [] : [Entry](repeating: Entry(), count: count)
        shift = UInt64(64 - count.trailingZeroBitCount)
    }

    /// The signature of record `r`: every field `fields` names, the rest zero; nil when a
    /// field does not fit (a task name or memcg over 16 bytes, a module line).
    @inline(__always)
    func signature(_ r: Record) -> Signature? {
        let f = fields
        if f.moduleLine && r.fields.contains(.module) { return nil }
        var flags: UInt64 = r.fields.contains(.mask) ? 1 : 0
        if r.swapped || r.kind == .swap { flags |= 2 }
        if r.pfnSaysSlab || r.slabCache { flags |= 4 }
        if r.fields.contains(.handle) { flags |= 8 }
        var s = Signature()
        s.w0 =
            (UInt64(UInt32(bitPattern: r.order)) | UInt64(r.pageType.rawValue) << 32 | UInt64(r.blockType.rawValue) << 40
                | flags << 56) & f.m0
        s.w1 = r.gfp & f.m1
        s.w2 = (UInt64(UInt16(bitPattern: r.node)) | UInt64(UInt16(bitPattern: r.zone)) << 16) & f.m2
        s.w7 = (UInt64(UInt32(bitPattern: r.pid)) | UInt64(UInt32(bitPattern: r.tgid)) << 32) & f.m7
        s.w8 = UInt64(r.handle) & f.m8
        if f.comm {
            guard let (n, w0, w1) = Self.shortBytes(r, r.comm) else { return nil }
            s.w2 |= UInt64(n) << 40
            (s.w3, s.w4) = (w0, w1)
        }
        if f.memcg {
            s.w2 |= UInt64(r.memcgState.rawValue) << 32
            if r.memcgState != .none {
                guard let (n, w0, w1) = Self.shortBytes(r, r.memcg) else { return nil }
                s.w2 |= UInt64(n) << 48
                (s.w5, s.w6) = (w0, w1)
            }
        }
        return s
    }

    /// A field of up to 16 bytes as its length and two words (`ByteInterner.words`: equal
    /// bytes of equal length, equal words); nil when longer.
    @inline(__always)
    static func shortBytes(_ r: Record, _ field: ByteRange) -> (Int, UInt64, UInt64)? {
        r.withBytes(field) { v in
            guard v.count <= 16 else { return nil }
            let w = v.withUnsafeBytes { ByteInterner.words($0) }
            return (v.count, w.0, w.1)
        }
    }

    /// The handle filed under signature `s` (hash `h`), or -1.
    @inline(__always)
    func find(_ s: Signature, _ h: UInt64) -> Int32 {
        let e = entries[Int(truncatingIfNeeded: h >> shift)]
        return e.signature.same(s) ? e.handle : -1
    }

    /// Files `handle` under signature `s` (hash `h`), replacing what the slot held.
    mutating func store(_ s: Signature, _ h: UInt64, _ handle: Int32) {
        entries[Int(truncatingIfNeeded: h >> shift)] = Entry(signature: s, handle: handle)
    }
}
