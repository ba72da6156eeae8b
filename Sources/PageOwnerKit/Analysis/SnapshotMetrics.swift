// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): dense per-group metric
// storage (one unchecked access a record, and its prefetch).
import CShims

/// One snapshot's per-group metrics, indexed by group like an array of `Aggregator.Metrics`
/// (a group its records never reached reads as zero). Dense while its records are added;
/// once it is read, `compact` keeps only its non-zero groups when they are few. Group ids
/// are shared by every snapshot, so a dense array holds one entry per group up to the
/// highest it reached: a late member of a 100,000-member archive would hold one per group
/// of the archive (series kept 15 KB a member), compacted it holds its own few.
public struct SnapshotMetrics: RandomAccessCollection, MutableCollection, ExpressibleByArrayLiteral, Sendable {
    public typealias Metrics = Aggregator.Metrics

    /// The entries while dense (`sparseGroups` nil).
    var dense: [Metrics]
    /// When compacted: the groups that have an entry, ascending, and their entries.
    var sparseGroups: [Int32]?
    var sparseValues: [Metrics] = []
    /// The logical count when compacted (one past the highest group reached).
    var sparseCount = 0

    public init() { dense = [] }
    public init(_ entries: [Metrics]) { dense = entries }
    public init(arrayLiteral entries: Metrics...) { dense = entries }

    public var startIndex: Int { 0 }
    public var endIndex: Int { sparseGroups == nil ? dense.count : sparseCount }

    /// Entries held (what the snapshot costs in memory).
    public var entriesHeld: Int { sparseGroups == nil ? dense.count : sparseValues.count }
    public var isCompacted: Bool { sparseGroups != nil }

    public subscript(g: Int) -> Metrics {
        get {
            guard let groups = sparseGroups else { return dense[g] }
            precondition(g >= 0 && g < sparseCount, "group out of range")
            let i = Self.find(groups, Int32(truncatingIfNeeded: g))
            return i < groups.count && groups[i] == Int32(truncatingIfNeeded: g) ? sparseValues[i] : Metrics()
        }
        set {
            if sparseGroups != nil { expand() }
            dense[g] = newValue
        }
    }

    /// The first position in `groups` whose group is not below `g`.
    static func find(_ groups: [Int32], _ g: Int32) -> Int {
        var lo = 0
        var hi = groups.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if groups[mid] < g { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Starts loading group `g`'s entry when dense and held (see `Aggregator.consume`).
    /// Mutating only so that calling it on an array element copies nothing.
    @inline(__always)
    mutating func prefetch(_ g: Int) {
        guard sparseGroups == nil, g < dense.count else { return }
        dense.withUnsafeBufferPointer { po_prefetch($0.baseAddress! + g, MemoryLayout<Metrics>.stride) }
    }

    /// Adds one record's counts to group `g`, growing the entries to hold it (a compacted
    /// snapshot grows back to dense): one access for the whole update.
    @inline(__always)
    mutating func add(_ g: Int, times: Int64, pages: Int64, ts: UInt64?) {
        if sparseGroups != nil { expand() }
        if g >= dense.count { dense.append(contentsOf: repeatElement(Metrics(), count: g + 1 - dense.count)) }
        dense.withUnsafeMutableBufferPointer { d in
            d[g].records &+= times
            d[g].pages +|= pages
            if let ts {
                if ts < d[g].firstTs { d[g].firstTs = ts }
                if ts > d[g].lastTs { d[g].lastTs = ts }
            }
        }
    }

    /// Adds another side's entry to group `g` (a merge), growing the entries to hold it
    /// (a compacted snapshot grows back to dense): one access for the whole update.
    @inline(__always)
    mutating func add(_ x: Metrics, to g: Int) {
        if sparseGroups != nil { expand() }
        if g >= dense.count { dense.append(contentsOf: repeatElement(Metrics(), count: g + 1 - dense.count)) }
        dense.withUnsafeMutableBufferPointer { $0[g].add(x) }
    }

    /// Reserves room for `n` dense entries.
    public mutating func reserveCapacity(_ n: Int) {
        guard sparseGroups == nil else { return }
        dense.reserveAtLeast(n)
    }

    public mutating func append<S: Sequence>(contentsOf s: S) where S.Element == Metrics {
        if sparseGroups != nil { expand() }
        dense.append(contentsOf: s)
    }

    /// Calls `body` with each group that has a non-zero entry, in group order.
    public func forEachEntry(_ body: (Int, Metrics) throws -> Void) rethrows {
        if let groups = sparseGroups {
            for (i, g) in groups.enumerated() { try body(Int(g), sparseValues[i]) }
        } else {
            for (g, x) in dense.enumerated() where x != Metrics() { try body(g, x) }
        }
    }

    /// Keeps only the non-zero entries when they are under a quarter of the dense ones
    /// (an entry costs 4 more bytes compacted, and a lookup a binary search).
    public mutating func compact() {
        guard sparseGroups == nil, !dense.isEmpty, dense.count <= Int(Int32.max) else { return }
        var live = 0
        for x in dense where x != Metrics() { live += 1 }
        guard live * 4 < dense.count else { return }
        var groups: [Int32] = []
        var values: [Metrics] = []
        groups.reserveCapacity(live)
        values.reserveCapacity(live)
        for (g, x) in dense.enumerated() where x != Metrics() {
            groups.append(Int32(g))
            values.append(x)
        }
        sparseCount = dense.count
        sparseGroups = groups
        sparseValues = values
        dense = []
    }

    /// Back to dense (before a change).
    mutating func expand() {
        guard let groups = sparseGroups else { return }
        var d = [Metrics](repeating: Metrics(), count: sparseCount)
        for (i, g) in groups.enumerated() { d[Int(g)] = sparseValues[i] }
        dense = d
        sparseGroups = nil
        sparseValues = []
        sparseCount = 0
    }
}
