#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes large realistic dumps fast: 6.12-style page_owner (hex PFN, no free_ts),
/// show_stacks or show_handles, of a target size, with a chosen number of distinct stacks.
///
/// Records are assembled in one reusable buffer from pre-rendered pieces (profile headers,
/// PFN-line parts, stacks, trailers) plus a few numbers, and written in blocks of
/// `blockSize`. The output never exceeds `size` and falls short of it by less than one
/// record. The first `stackCount` records use every stack once; later ones draw stacks with
/// a skew (few hot, many cold). For the show_* files a pass lists each stack once and a
/// larger size repeats the passes, like concatenated snapshots. Same inputs → same bytes.
public struct ScaleGenerator {
    public var format: ScaleFormat
    public var size: Int
    public var stackCount: Int
    public var seed: UInt64
    public var vocabulary: Vocabulary
    /// Bytes handed to the sink at a time.
    public var blockSize = 4 << 20

    /// What a run wrote.
    public struct Summary: Sendable, Equatable {
        public var bytes: Int
        public var records: Int
        public var distinctStacks: Int
        /// The longest record the run could have written (the size tolerance).
        public var maxRecord: Int
    }

    public init(format: ScaleFormat, size: Int, stackCount: Int, seed: UInt64, vocabulary: Vocabulary) {
        self.format = format
        self.size = size
        self.stackCount = max(1, stackCount)
        self.seed = seed
        self.vocabulary = vocabulary
    }

    /// Writes to the file at `path` (`-` is standard output).
    @discardableResult
    public func write(path: String) throws -> Summary {
        let fd = try FileIO.openOutput(path)
        defer { if fd != 1 { close(fd) } }
        return try write(fd: fd)
    }

    /// Writes to an open file descriptor.
    @discardableResult
    public func write(fd: Int32) throws -> Summary {
        try generate { try FileIO.writeAll(fd, $0) }
    }

    /// The whole output in memory (tests, benchmarks).
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(size)
        generate { out.append(contentsOf: $0) }
        return out
    }

    /// Generates the output, handing it to `sink` in blocks.
    @discardableResult
    public func generate(_ sink: (UnsafeRawBufferPointer) throws -> Void) rethrows -> Summary {
        let pool = StackPool(vocabulary: vocabulary, count: stackCount, seed: seed)
        // Pre-render every piece into one arena: per profile head, PFN middle, PFN tail,
        // trailer (with the record's blank line); then every stack.
        var arena: [UInt8] = []
        var pieces: [(Int, Int)] = []  // (offset, length)
        func piece(_ b: [UInt8]) {
            pieces.append((arena.count, b.count))
            arena += b
        }
        var profiles = vocabulary.profiles
        if profiles.isEmpty { profiles = Vocabulary.builtin.profiles }
        var orders: [Int] = []
        var maxProfile = 0
        for p in profiles {
            piece(p.head)
            piece(Array(" type ".utf8) + p.pageType + Array(" Block ".utf8))
            piece(Array(" type ".utf8) + p.blockType + Array(" Flags ".utf8) + p.flags + [10])
            piece(p.trailer + [10])
            orders.append(p.order)
            maxProfile = max(maxProfile, p.head.count + p.pageType.count + p.blockType.count + p.flags.count + p.trailer.count)
        }
        let stackBase = pieces.count
        var maxStack = 0
        for s in pool.stacks {
            piece(s)
            maxStack = max(maxStack, s.count)
        }
        let maxRecord: Int
        switch format {
        case .pageOwner: maxRecord = maxProfile + maxStack + 100
        case .showStacks: maxRecord = maxStack + 40
        case .showHandles: maxRecord = 60
        }
        let capacity = blockSize + maxRecord + 256
        let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buf.deallocate() }
        var rng = SplitMix64(seed: seed)
        var pos = 0
        var written = 0
        var records = 0
        var pfn: UInt64 = 0x100
        var ts: UInt64 = 0
        let n = pool.stacks.count
        let nProfiles = profiles.count

        try arena.withUnsafeBufferPointer { a in
            let src = a.baseAddress!
            @inline(__always) func put(_ k: Int) {
                let (o, l) = pieces[k]
                (buf + pos).update(from: src + o, count: l)
                pos += l
            }
            @inline(__always) func putText(_ s: StaticString) {
                let l = s.utf8CodeUnitCount
                (buf + pos).update(from: s.utf8Start, count: l)
                pos += l
            }
            while true {
                let start = pos
                let r = rng.next()
                let stack: Int
                switch format {
                case .pageOwner:
                    if records < n {
                        stack = records
                    } else {
                        let u = Double(r >> 11) * (1.0 / 9_007_199_254_740_992.0)
                        stack = min(n - 1, Int(Double(n) * u * u * u))
                    }
                    let p = rng.below(nProfiles)
                    let order = orders[p]
                    let span = UInt64(1) << UInt64(order)
                    pfn = (pfn + span - 1) & ~(span - 1)
                    ts &+= 1 + (r & 0x1f_ffff)
                    put(4 * p)
                    pos += Digits.writeDecimal(ts, to: buf + pos)
                    putText(" ns\nPFN 0x")
                    pos += Digits.writeHex(pfn, to: buf + pos)
                    put(4 * p + 1)
                    pos += Digits.writeDecimal(pfn >> 9, to: buf + pos)
                    put(4 * p + 2)
                    put(stackBase + stack)
                    put(4 * p + 3)
                    pfn += span
                    if (r >> 40) & 7 == 0 { pfn += (r >> 48) & 63 }
                case .showStacks:
                    stack = records % n
                    put(stackBase + stack)
                    putText("nr_base_pages: ")
                    let u = Double(r >> 11) * (1.0 / 9_007_199_254_740_992.0)
                    pos += Digits.writeDecimal(1 + UInt64(u * u * u * 70_000), to: buf + pos)
                    putText("\n\n")
                case .showHandles:
                    stack = records % n
                    putText("handle: ")
                    pos += Digits.writeDecimal(UInt64(Self.handle(stack)), to: buf + pos)
                    putText("\nnr_base_pages: ")
                    let u = Double(r >> 11) * (1.0 / 9_007_199_254_740_992.0)
                    pos += Digits.writeDecimal(1 + UInt64(u * u * u * 70_000), to: buf + pos)
                    putText("\n\n")
                }
                let len = pos - start
                if written + len > size {
                    pos = start
                    break
                }
                written += len
                records += 1
                if pos >= blockSize {
                    try sink(UnsafeRawBufferPointer(start: buf, count: pos))
                    pos = 0
                }
            }
            if pos > 0 { try sink(UnsafeRawBufferPointer(start: buf, count: pos)) }
        }
        return Summary(bytes: written, records: records, distinctStacks: min(n, records), maxRecord: maxRecord)
    }

    /// The show_handles handle of stack `i`: distinct for every i below 2^27, never 0.
    public static func handle(_ i: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: (UInt64(i) &+ 1) &* 0x9E37_79B1 & 0x7ff_ffff)
    }
}
