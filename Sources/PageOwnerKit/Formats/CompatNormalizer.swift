/// A block as the kernel tool (`tools/mm/page_owner_sort`) sees it: its text and the fields
/// its regular expressions find there. This is the compatible mode's exact path, for records
/// the typed parser cannot vouch for (see `Aggregator.addCompatFast` for the fast path).
///
/// The text is every line of the block but those starting with `PFN`, CR removed, each
/// ended by a newline; the timestamp digits are cut out of it unless `keepsTimestamps` (the
/// tool keeps them only when its first sort key is alloc_ts). The first line (with its
/// newline) is the header, the rest the stacktrace. Fields come from the text before the
/// cut, as the tool reads them from its buffer. The tool keeps the last PFN line it read
/// across blocks, and so does the normalizer (`pfnCMA`, `pfnSlab`).
///
/// One normalizer is reused for every block: nothing is allocated once its buffers have
/// grown to the largest block.
public struct CompatNormalizer {
    public let keepsTimestamps: Bool
    /// Whether `module` is wanted (it costs a scan of the block).
    public let wantsModule: Bool

    /// Whether the last PFN line read says CMA / slab (the allocator label's first bits).
    public var pfnCMA = false
    public var pfnSlab = false

    /// The normalized text (header, then stacktrace).
    public private(set) var text: [UInt8] = []
    /// Length of the header, newline included (the stacktrace starts there).
    public private(set) var headerLength = 0
    /// `pid`, `tgid` as `strtol` stores them; -1 when absent or invalid.
    public private(set) var pid: Int32 = -1
    public private(set) var tgid: Int32 = -1
    /// The comm between `(` and the last `), ts` of its line; empty when absent.
    public private(set) var comm: [UInt8] = []
    /// The first `+0x…/0x… [mod]` frame's module, or `vmlinux` (when `wantsModule`).
    public private(set) var module: [UInt8] = []
    /// `1 << order`, 0 when the order is absent or over 62 (the tool's `int` overflows).
    public private(set) var pages: Int64 = 0
    /// The allocation time; all ones when absent.
    public private(set) var ts: UInt64 = .max
    /// The VMALLOC test of `AllocatorRule.kernelTool` on the text.
    public private(set) var vmalloc = false

    /// `reserve`: make room for a large block now (false for a normalizer never used).
    public init(keepsTimestamps: Bool, wantsModule: Bool, reserve: Bool = true) {
        self.keepsTimestamps = keepsTimestamps
        self.wantsModule = wantsModule
        if reserve { text.reserveCapacity(1 << 16) }
    }

    /// The label of the block just normalized.
    public var allocator: CompatAllocator { CompatAllocator(pfnCMA: pfnCMA, pfnSlab: pfnSlab, vmalloc: vmalloc) }

    /// Normalizes the block of record `r` (its bytes, up to and including its last newline).
    public mutating func normalize(_ r: Record) -> Bool {
        r.withBytes(r.whole) { normalize($0, 0, $0.count) }
    }

    /// Normalizes the block `p[start..<stop]` (a record's bytes up to and including its last
    /// newline). Returns false when its text is empty (a block of PFN lines only): the
    /// kernel tool never reads such a block as a record.
    public mutating func normalize(_ p: ByteView, _ start: Int, _ stop: Int) -> Bool {
        text.removeAll(keepingCapacity: true)
        var pos = start
        while pos < stop {
            let nl = Bytes.find(10, p, pos, stop)
            var end = nl
            if end > pos && p[end - 1] == 13 { end -= 1 }
            if Bytes.hasPrefix("PFN", p, pos, end) {
                pfnCMA = Bytes.find("CMA", p, pos, end) != nil
                pfnSlab = Bytes.find("slab", p, pos, end) != nil
            } else {
                text.append(p.slice(pos, end))
                text.append(10)
            }
            pos = nl + 1
        }
        guard !text.isEmpty else { return false }
        let tsRange = ByteView.with(text) { readFields($0) }
        // Cut the timestamp digits out, as the kernel tool does unless sorting by alloc_ts.
        if !keepsTimestamps, let r = tsRange, !r.isEmpty { text.removeSubrange(r) }
        let n = text.count
        let nl = text.firstIndex(of: 10) ?? n
        headerLength = nl < n ? nl + 1 : n
        return true
    }

    /// Reads the fields of the block's text `b`; returns the range of its timestamp digits.
    mutating func readFields(_ b: ByteView) -> Range<Int>? {
        pid = CompatPatterns.strtolInt32(b, CompatPatterns.numberField(b, word: "pid", terminator: 44))
        tgid = CompatPatterns.strtolInt32(b, CompatPatterns.numberField(b, word: "tgid", terminator: 32))
        let commRange = CompatPatterns.commField(b) ?? 0..<0
        comm.removeAll(keepingCapacity: true)
        comm.append(b.slice(commRange.lowerBound, commRange.upperBound))
        pages = 0
        if let o = CompatPatterns.numberField(b, word: "order", terminator: 44), !o.isEmpty,
            let d = Bytes.decimal(b, o.lowerBound, o.upperBound), !d.overflow, d.value <= 64
        {
            pages = d.value <= 62 ? Int64(1) << Int64(d.value) : 0
        }
        let tsRange = CompatPatterns.tsField(b)
        ts = CompatPatterns.strtoull(b, tsRange)
        vmalloc = AllocatorRule.saysVmalloc(b)
        if wantsModule {
            module.removeAll(keepingCapacity: true)
            if let m = CompatPatterns.moduleField(b) {
                module.append(b.slice(m.lowerBound, m.upperBound))
            } else {
                module.append("vmlinux")
            }
        }
        return tsRange
    }
}

/// The fast half of the record normalizer: when a record's typed fields are exactly what the
/// kernel tool's expressions would find in its text, the compatible mode groups it by them
/// and by two views of its bytes, with no copy of its text (`Aggregator.addCompatFast`).
extension CompatNormalizer {
    /// Whether the typed fields of `r` are the ones the kernel tool would read (so `normalize`
    /// is not needed): a page_owner record with order, pid, tgid, comm and ts, its PFN line
    /// second, no line the parser did not know, no CR, a last newline; no `ts` in its comm
    /// (the tool's ts pattern could match there) and, when modules are wanted, no `+0x` in
    /// its header (the tool's module pattern could start there).
    @inline(__always)
    public static func typedFieldsSuffice(_ r: Record, wantsModule: Bool) -> Bool {
        // Raw bits, not an array literal (which the optimizer does not always fold; once a record).
        let need = RecordFields(
            rawValue: RecordFields.order.rawValue | RecordFields.pid.rawValue | RecordFields.tgid.rawValue
                | RecordFields.comm.rawValue | RecordFields.ts.rawValue)
        guard r.kind == .pageOwner, r.fields.isSuperset(of: need), !r.fields.contains(.crlf),
            r.afterPFN >= 0, r.unknownLines == 0, r.pid >= 0, r.pid < Int32.max, r.tgid >= 0, r.tgid < Int32.max,
            r.ts != .max, r.whole.end > r.whole.start, r.chunk[Int(r.whole.end) - 1] == 10
        else { return false }
        if Bytes.contains("ts", r.chunk, Int(r.comm.start), Int(r.comm.end)) { return false }
        if wantsModule && Bytes.contains("+0x", r.chunk, Int(r.headerLine.start), Int(r.headerLine.end)) { return false }
        return true
    }

    /// The kernel tool's stacktrace of a record whose PFN line is its second line: every
    /// byte after that line (frames and trailer lines); empty otherwise.
    @inline(__always)
    public static func stacktrace<R>(_ r: Record, _ body: (ByteView) throws -> R) rethrows -> R {
        guard r.afterPFN >= 0, r.whole.end > r.afterPFN else { return try body(.empty) }
        return try r.withBytes(ByteRange(Int(r.afterPFN), Int(r.whole.end)), body)
    }

    /// The kernel tool's header of `r`: its first line with its newline.
    @inline(__always)
    public static func header<R>(_ r: Record, _ body: (ByteView) throws -> R) rethrows -> R {
        try r.withBytes(ByteRange(Int(r.headerLine.start), Int(r.headerLine.end) + 1), body)
    }

    /// Appends the header of `r` with its timestamp digits (`tsDigits`) cut out, as the
    /// kernel tool keeps it unless its first sort key is alloc_ts.
    @inline(__always)
    public static func appendHeaderCuttingTimestamp(_ r: Record, to out: inout [UInt8]) {
        r.withBytes(ByteRange(Int(r.headerLine.start), Int(r.tsDigits.start))) { out.append($0) }
        r.withBytes(ByteRange(Int(r.tsDigits.end), Int(r.headerLine.end) + 1)) { out.append($0) }
    }
}
