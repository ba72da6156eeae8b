/// Which records count. Applied before grouping; the cheap numeric tests run per record,
/// the stack tests run once per distinct stack and are cached.
public struct Filters {
    public var pids: Set<Int32>?
    public var tgids: Set<Int32>?
    public var comms: Set<[UInt8]>?
    /// Keep records with a frame whose symbol matches.
    public var frame: Regex<AnyRegexOutput>?
    /// Drop records with a frame whose symbol matches.
    public var excludeFrame: Regex<AnyRegexOutput>?
    public var since: UInt64?
    public var until: UInt64?
    public var gfpFlags: [String] = []
    public var orders: Set<Int32>?
    public var migratetypes: Set<MigrateType>?
    public var modules: Set<String>?
    public var memcgs: Set<[UInt8]>?
    /// Drop records whose stack is a placeholder (early boot, dummy, stack depot failure),
    /// including the early-boot handle of a handle-only dump.
    public var excludePlaceholders = false
    /// Human-readable description for JSON metadata.
    public var described: [String: String] = [:]

    public init() {}

    public var needsStack: Bool { frame != nil || excludeFrame != nil || modules != nil || excludePlaceholders }
    /// Whether any filter looks at the record itself (pid, tgid, comm, time, order,
    /// migratetype, gfp flags, memcg).
    public var needsRecord: Bool {
        pids != nil || tgids != nil || comms != nil || since != nil || until != nil || orders != nil || migratetypes != nil
            || !gfpFlags.isEmpty || memcgs != nil
    }

    /// Parses a time bound: nanoseconds, or a number with `s`, `ms`, `us`, `ns`.
    public static func parseTime(_ s: String) throws -> UInt64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("ms", 1e6), ("s", 1e9)]
        for (u, m) in units where s.hasSuffix(u) {
            guard let v = Double(s.dropLast(u.count)), v >= 0 else { break }
            return UInt64(v * m)
        }
        if let v = UInt64(s) { return v }
        throw UsageError("bad time '\(s)': use nanoseconds or a number with s, ms, us or ns")
    }
}

/// Per-stack and per-mask decisions of the filters, cached.
struct FilterCache {
    var stackVerdict: [UInt8] = []  // 0 unknown, 1 keep, 2 drop
    var gfpVerdict: [UInt64: Bool] = [:]

    mutating func stackPasses(_ h: Int32, _ f: Filters, _ table: StackTable) -> Bool {
        let i = Int(h)
        if i >= stackVerdict.count { stackVerdict.append(contentsOf: repeatElement(0, count: i + 1 - stackVerdict.count)) }
        if stackVerdict[i] != 0 { return stackVerdict[i] == 1 }
        if f.excludePlaceholders && table.info[i].kind.isPlaceholder {
            stackVerdict[i] = 2
            return false
        }
        if f.frame == nil && f.excludeFrame == nil && f.modules == nil {
            stackVerdict[i] = 1
            return true
        }
        var symbols: [String] = []
        var modules: Set<String> = []
        table.stacks.withBytes(h) { b in
            guard let p0 = b.baseAddress else { return }
            let p = p0.assumingMemoryBound(to: UInt8.self)
            var pos = 0
            while pos < b.count {
                let nl = Bytes.find(10, p, pos, b.count)
                let (fs, fe) = StackTable.frameText(p, pos, nl)
                let (ss, se) = StackTable.symbol(p, fs, fe)
                symbols.append(String(decoding: UnsafeBufferPointer(start: p + ss, count: se - ss), as: UTF8.self))
                if let (ms, me) = StackTable.module(p, fs, fe) {
                    modules.insert(String(decoding: UnsafeBufferPointer(start: p + ms, count: me - ms), as: UTF8.self))
                }
                pos = nl + 1
            }
        }
        var keep = true
        if let r = f.frame { keep = symbols.contains { (try? r.firstMatch(in: $0)) != nil } }
        if keep, let r = f.excludeFrame { keep = !symbols.contains { (try? r.firstMatch(in: $0)) != nil } }
        if keep, let m = f.modules { keep = !m.isDisjoint(with: modules) }
        stackVerdict[i] = keep ? 1 : 2
        return keep
    }

    mutating func gfpPasses(_ r: Record, _ f: Filters) -> Bool {
        if let v = gfpVerdict[r.gfp] { return v }
        let names = String(decoding: r.bytes(r.gfpNames), as: UTF8.self)
        let expanded = GFP.expand(names)
        let v = f.gfpFlags.allSatisfy { expanded.contains($0) || expanded.contains("__" + $0) }
        gfpVerdict[r.gfp] = v
        return v
    }
}
