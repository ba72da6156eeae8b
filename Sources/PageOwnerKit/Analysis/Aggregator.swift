/// Groups records by any combination of keys, for one or more snapshots at once, in one
/// pass and in memory bounded by the number of groups. A group is the packed tuple of its
/// key values (small integers: stack handles, pids, interned comms…) interned like a stack;
/// each snapshot has its own metrics for the same groups, which is what diff and series use.
public final class Aggregator: RecordConsumer {
    public struct Metrics: Sendable, Equatable {
        public var records: Int64 = 0
        public var pages: Int64 = 0
        public var firstTs: UInt64 = .max
        public var lastTs: UInt64 = 0
        public init() {}

        /// Adds another group's (or snapshot's) counts and widens the time span.
        public mutating func add(_ o: Metrics) {
            records &+= o.records
            pages +|= o.pages
            firstTs = min(firstTs, o.firstTs)
            lastTs = max(lastTs, o.lastTs)
        }
    }

    /// Per-snapshot totals before and after the filters.
    public struct SnapshotTotals: Sendable {
        public var name: String
        public var format: InputFormat?
        public var recordsRead: Int64 = 0
        public var pagesRead: Int64 = 0
        public var records: Int64 = 0
        public var pages: Int64 = 0
        public var fields: RecordFields = []
        public var distinctStacks: Set<Int32> = []
    }

    public let keys: [GroupKey]
    public let filters: Filters
    public internal(set) var stacks: StackTable
    public internal(set) var comms = ByteInterner(capacity: 512)
    public internal(set) var memcgs = ByteInterner(capacity: 64)
    public internal(set) var gfpNames = ByteInterner(capacity: 64)
    var gfpNameOf: [UInt64: Int32] = [:]
    /// Stacks of kernel handles, from show_stacks_handles or `handle:` lines with stacks.
    public var handleStacks: [UInt32: Int32] = [:]
    /// Unresolved-handle stack entries and the handle each stands for.
    var unresolvedHandle: [Int32: UInt32] = [:]
    /// Group keys, packed: `keys.count` UInt64 values each.
    public internal(set) var groups: PackedKeyTable
    public internal(set) var metrics: [[Metrics]] = []
    public internal(set) var totals: [SnapshotTotals] = []
    var cache = FilterCache()
    var packed: [UInt64]
    let needStack: Bool
    public var countDistinctStacks = false
    /// Match stacks by symbol names alone (`--ignore-offsets`).
    public var ignoreOffsets = false
    var current = -1
    /// `filters.needsRecord` and `filters.needsStack`, looked up once: the getters cost
    /// ~2% of a run when called per record.
    let hasRecordFilters: Bool
    let filtersNeedStack: Bool
    /// Whether the group keys are all functions of the stack (stack, caller), and then
    /// each stack handle's group, or -1 when not seen yet.
    let groupIsStackFunction: Bool
    var groupOfStack = HandleMap()

    public init(keys: [GroupKey], filters: Filters = Filters(), allocatorFunctions: AllocatorFunctions = AllocatorFunctions()) {
        self.keys = keys
        self.filters = filters
        stacks = StackTable(allocatorFunctions: allocatorFunctions)
        packed = [UInt64](repeating: 0, count: keys.count)
        groups = PackedKeyTable(width: keys.count, capacity: 4096)
        needStack = keys.contains { $0.needsStack } || filters.needsStack
        groupIsStackFunction = !keys.isEmpty && keys.allSatisfy { $0 == .stack || $0 == .caller }
        hasRecordFilters = filters.needsRecord
        filtersNeedStack = filters.needsStack
    }

    /// Starts a new snapshot; later records count in it.
    @discardableResult
    public func beginSnapshot(name: String) -> Int {
        totals.append(SnapshotTotals(name: name))
        metrics.append([Metrics](repeating: Metrics(), count: groups.count))
        current = totals.count - 1
        return current
    }

    public var snapshotCount: Int { totals.count }

    /// The stack handle of a record: its frames, or the stack its handle resolves to.
    func stackHandle(_ r: Record) -> Int32 {
        if r.hasStack {
            let h =
                ignoreOffsets
                ? stacks.internIgnoringOffsets(r.bytes(r.stack))
                : stacks.intern(r.bytes(r.stack), crlf: r.fields.contains(.crlf), hash: r.stackHash)
            if r.fields.contains(.handle), handleStacks[r.handle] == nil { handleStacks[r.handle] = h }
            return h
        }
        if r.fields.contains(.handle) {
            if let h = handleStacks[r.handle] { return h }
            let u = stacks.unresolved(handle: r.handle)
            unresolvedHandle[u] = r.handle
            return u
        }
        return stacks.noStack()
    }

    /// Adds one record to the current snapshot.
    public func add(_ r: inout Record) {
        if current < 0 { beginSnapshot(name: "input") }
        let s = current
        totals[s].recordsRead += 1
        totals[s].pagesRead +|= r.pages
        totals[s].fields.formUnion(r.fields)
        if r.kind == .stackHandle {
            // show_stacks_handles: a handle→stack map, no counts.
            if r.hasStack, r.fields.contains(.handle) {
                handleStacks[r.handle] = stacks.intern(r.bytes(r.stack), crlf: r.fields.contains(.crlf))
            }
            return
        }
        // Filters.
        if hasRecordFilters && !passesRecordFilters(r) { return }
        var stack: Int32 = -1
        if needStack || countDistinctStacks {
            stack = stackHandle(r)
            if filtersNeedStack, !cache.stackPasses(stack, filters, stacks) { return }
            if countDistinctStacks { totals[s].distinctStacks.insert(stack) }
        }
        let gi: Int
        if groupIsStackFunction {
            // Every key follows from the stack: look its group up by stack handle.
            let known = groupOfStack[stack]
            if known >= 0 {
                gi = Int(known)
            } else {
                gi = Int(internGroup(r, stack))
                groupOfStack[stack] = Int32(gi)
            }
        } else {
            gi = Int(internGroup(r, stack))
        }
        if gi >= metrics[s].count {
            for j in 0..<metrics.count { metrics[j].append(contentsOf: repeatElement(Metrics(), count: gi + 1 - metrics[j].count)) }
        }
        metrics[s][gi].records &+= r.times
        metrics[s][gi].pages +|= r.pages
        if r.fields.contains(.ts) {
            if r.ts < metrics[s][gi].firstTs { metrics[s][gi].firstTs = r.ts }
            if r.ts > metrics[s][gi].lastTs { metrics[s][gi].lastTs = r.ts }
        }
        totals[s].records &+= r.times
        totals[s].pages +|= r.pages
    }

    public func consume(_ r: inout Record) { add(&r) }

    /// Hashes the record's stack and starts loading the stored stack it will be compared with.
    public func prepare(_ r: inout Record) {
        guard needStack || countDistinctStacks, r.hasStack, r.kind != .stackHandle, !ignoreOffsets, !r.fields.contains(.crlf)
        else { return }
        r.stackHash = StackTable.hash(r.bytes(r.stack))
        stacks.prefetch(hash: r.stackHash)
    }

    /// The group of a record: its key values, packed and interned.
    @inline(__always)
    func internGroup(_ r: Record, _ stack: Int32) -> Int32 {
        for (i, k) in keys.enumerated() {
            packed[i] = value(k, r, stack)
        }
        return packed.withUnsafeBytes { groups.intern($0) }
    }

    /// The per-record filters (pid, tgid, comm, time, order, migratetype, gfp, memcg).
    func passesRecordFilters(_ r: Record) -> Bool {
        if let p = filters.pids, !p.contains(r.pid) { return false }
        if let p = filters.tgids, !p.contains(r.tgid) { return false }
        if let c = filters.comms, !c.contains(Array(r.bytes(r.comm))) { return false }
        if let t = filters.since, r.ts < t { return false }
        if let t = filters.until, r.ts > t { return false }
        if let o = filters.orders, !o.contains(r.order) { return false }
        if let m = filters.migratetypes, !m.contains(r.pageType) { return false }
        if !filters.gfpFlags.isEmpty, !cache.gfpPasses(r, filters) { return false }
        if let m = filters.memcgs, !m.contains(Array(r.bytes(r.memcg))) { return false }
        return true
    }

    /// Records a parsed input's format for the current snapshot.
    public func noteFormat(_ f: InputFormat?) {
        if current >= 0, totals[current].format == nil { totals[current].format = f }
    }

    @inline(__always)
    func value(_ k: GroupKey, _ r: Record, _ stack: Int32) -> UInt64 {
        switch k {
        case .stack: return UInt64(UInt32(bitPattern: stack))
        case .caller: return UInt64(UInt32(bitPattern: stacks.info[Int(stack)].caller))
        case .pid: return UInt64(UInt32(bitPattern: r.pid))
        case .tgid: return UInt64(UInt32(bitPattern: r.tgid))
        case .comm: return UInt64(UInt32(bitPattern: comms.intern(r.bytes(r.comm))))
        case .gfp:
            if r.fields.contains(.mask) {
                if gfpNameOf[r.gfp] == nil { gfpNameOf[r.gfp] = gfpNames.intern(r.bytes(r.gfpNames)) }
                return r.gfp
            }
            return .max
        case .migratetype: return UInt64(r.pageType.rawValue)
        case .blocktype: return UInt64(r.blockType.rawValue)
        case .order: return UInt64(UInt32(bitPattern: r.order))
        case .allocator:
            var a: CompatAllocator = []
            if r.pfnSaysCMA { a.insert(.cma) }
            if r.pfnSaysSlab || r.slabCache { a.insert(.slab) }
            if stacks.info[Int(stack)].vmalloc { a.insert(.vmalloc) }
            if a.isEmpty { a = .others }
            return UInt64(a.rawValue)
        case .module:
            if r.fields.contains(.module) { return UInt64(UInt32(bitPattern: stacks.internName(r.bytes(r.moduleLine)))) }
            return UInt64(UInt32(bitPattern: stacks.info[Int(stack)].module))
        case .memcg:
            if r.memcgState == .none { return .max }
            let h = memcgs.intern(r.bytes(r.memcg))
            return UInt64(h) | (UInt64(r.memcgState.rawValue) << 32)
        case .node: return UInt64(UInt16(bitPattern: r.node))
        case .zone: return UInt64(UInt16(bitPattern: r.zone))
        case .swapped: return r.swapped || r.kind == .swap ? 1 : 0
        case .handle: return r.fields.contains(.handle) ? UInt64(r.handle) : .max
        }
    }

    /// Metrics of every group summed over `snapshots`.
    public func summed(_ snapshots: [Int]) -> [Metrics] {
        if snapshots.count == 1 { return metrics[snapshots[0]] }
        var out = [Metrics](repeating: Metrics(), count: groups.count)
        for s in snapshots {
            for (g, x) in metrics[s].enumerated() { out[g].add(x) }
        }
        return out
    }

    /// Re-keys groups whose stack was an unresolved handle that a later input resolved
    /// (a show_handles sample read before its show_stacks_handles).
    public func resolveLateHandles() {
        // Only the stack key says which stack a group came from.
        guard let sp = keys.firstIndex(of: .stack) else { return }
        var remap: [Int32: Int32] = [:]
        for (u, handle) in unresolvedHandle {
            if let s = handleStacks[handle] { remap[u] = s }
        }
        if remap.isEmpty { return }
        let old = groups
        let oldMetrics = metrics
        groups = PackedKeyTable(width: keys.count, capacity: old.count)
        groupOfStack = HandleMap()
        metrics = Array(repeating: [], count: oldMetrics.count)
        for g in 0..<Int32(old.count) {
            var v = old.withBytes(g) { Array($0.bindMemory(to: UInt64.self)) }
            if let s = remap[Int32(bitPattern: UInt32(truncatingIfNeeded: v[sp]))] {
                for (i, k) in keys.enumerated() {
                    switch k {
                    case .stack: v[i] = UInt64(UInt32(bitPattern: s))
                    case .caller: v[i] = UInt64(UInt32(bitPattern: stacks.info[Int(s)].caller))
                    case .module: v[i] = UInt64(UInt32(bitPattern: stacks.info[Int(s)].module))
                    default: break
                    }
                }
            }
            let ng = Int(v.withUnsafeBytes { groups.intern($0) })
            for si in 0..<oldMetrics.count {
                if metrics[si].count <= ng { metrics[si].append(contentsOf: repeatElement(Metrics(), count: ng + 1 - metrics[si].count)) }
                if g < oldMetrics[si].count { metrics[si][ng].add(oldMetrics[si][Int(g)]) }
            }
        }
        for si in 0..<metrics.count where metrics[si].count < groups.count {
            metrics[si].append(contentsOf: repeatElement(Metrics(), count: groups.count - metrics[si].count))
        }
    }

    /// The packed key values of group `g`.
    public func keyValues(_ g: Int32) -> [UInt64] {
        groups.withBytes(g) { b in Array(b.bindMemory(to: UInt64.self)) }
    }

    /// The gfp names printed for a mask value.
    public func gfpText(_ mask: UInt64) -> String? {
        gfpNameOf[mask].map { gfpNames.string($0) }
    }
}

extension StackTable {
    /// Interns a name (module, caller) into the table's name store.
    mutating func internName(_ b: UnsafeRawBufferPointer) -> Int32 { names.intern(b) }
}
