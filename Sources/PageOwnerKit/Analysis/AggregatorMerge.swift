/// Merging the aggregators of parallel workers: every handle of the other side (stacks,
/// names, comms, memcgs) is re-interned here by its bytes, so groups meet by content.
extension Aggregator {
    /// A fresh aggregator with the same keys and filters, for one more worker on the
    /// snapshot being read: it holds that one snapshot (`merge` adds it back), so a worker
    /// costs the same after 100,000 archive members as after one.
    public func makeWorker() -> Aggregator {
        settlePending()
        let w = Aggregator(
            keys: keys, filters: isCompat ? Filters() : filters, allocatorFunctions: stacks.allocatorFunctions,
            compat: isCompat ? compat.options : nil)
        if isCompat {
            // The compatible mode resolves no handles: a worker starts empty.
            if current >= 0 {
                w.beginSnapshot(name: totals[current].name)
                w.snapshotBase = current
            }
            return w
        }
        // What earlier streams resolved (a show_stacks_handles file, `--stacks`) is known
        // to the worker too, so its handle-only records find their stacks.
        w.stacks = stacks
        w.handleStacks = handleStacks
        w.unresolvedHandle = unresolvedHandle
        w.countDistinctStacks = countDistinctStacks
        w.ignoreOffsets = ignoreOffsets
        if current >= 0 {
            w.beginSnapshot(name: totals[current].name)
            w.snapshotBase = current
        }
        return w
    }

    /// Adds everything `other` counted (snapshot by snapshot; a worker's first snapshot is
    /// the one it was made for) to this aggregator.
    public func merge(_ other: Aggregator, threads: Int = 1) {
        settlePending()
        other.settlePending()
        if isCompat { return mergeCompat(other, threads: threads) }
        closePFNRun()
        other.closePFNRun()
        #if DEBUG
        let recordsBefore = (0..<max(0, min(totals.count - other.snapshotBase, other.totals.count))).map {
            Self.recordSum(metrics[other.snapshotBase + $0])
        }
        defer {
            for (o, before) in recordsBefore.enumerated() {
                precondition(
                    Self.recordSum(metrics[other.snapshotBase + o]) &- before == Self.recordSum(other.metrics[o]),
                    "merge must add exactly the other side's records to each shared snapshot")
            }
            checkInvariants()
        }
        #endif
        // One access to each side's `core` for the whole merge: the work runs on the structs,
        // so a stack or group costs no copy of a table (the class's computed properties
        // return one, retaining all its arrays) and no dynamic exclusivity check.
        core.merge(from: other.core, threads: threads)
    }

    /// Frees what only lookups into this worker need (the hash indexes of its stacks, frames
    /// and groups, its group caches) before `merge` reads it: merging reads a worker's
    /// stacks, names and groups by handle, never looks anything up in it, and at the merge
    /// both workers' tables are held at once. Nothing may be added to it afterwards.
    func releaseLookupsForMerge() {
        settlePending()
        core.stacks.releaseLookups()
        core.groups.releaseIndex()
        core.groupOfStack = HandleMap()
        core.groupOfPair = WordMap(capacity: 16)
    }

    #if DEBUG
    /// The records of one snapshot's groups, summed as `add` and `merge` count them.
    static func recordSum(_ m: SnapshotMetrics) -> Int64 {
        var n: Int64 = 0
        m.forEachEntry { _, x in n &+= x.records }
        return n
    }

    /// Checks what must hold however the groups were made (one worker, several merged, or
    /// re-keyed by `resolveLateHandles`); called by the tests and by `merge` in debug builds.
    /// Every key column that holds a handle names an entry of its table (a merge that copied
    /// the other side's handle instead of re-interning its bytes fails here), a hidden stack
    /// column holds an unresolved-handle entry or `.max`, a gfp mask in a key has its names,
    /// no snapshot has metrics for a group that does not exist, and every distinct stack,
    /// handle's stack and unresolved-handle entry names a stack of the right kind.
    func checkInvariants() {
        for s in metrics.indices {
            precondition(metrics[s].count <= groups.count, "snapshot \(s) has metrics for groups that do not exist")
        }
        for g in 0..<Int32(groups.count) {
            for (i, k) in keys.enumerated() {
                let x = groups.value(g, i)
                let h = Int32(bitPattern: UInt32(truncatingIfNeeded: x))
                switch k {
                case .stack:
                    precondition(h >= 0 && Int(h) < stacks.count, "group \(g): stack \(h) out of range")
                case .caller, .module:
                    precondition(h >= -1 && Int(h) < stacks.names.count, "group \(g): name \(h) out of range")
                case .comm:
                    precondition(h >= 0 && Int(h) < comms.count, "group \(g): comm \(h) out of range")
                case .memcg:
                    precondition(x == .max || Int(x & 0xffff_ffff) < memcgs.count, "group \(g): memcg out of range")
                case .gfp:
                    precondition(x == .max || gfpNameOf[x] != nil, "group \(g): gfp mask \(x) has no names")
                default:
                    break
                }
            }
            if hiddenStackColumn && !resolved {
                let x = groups.value(g, keys.count)
                precondition(
                    x == .max || (Int(x) < stacks.count && stacks.info[Int(x)].kind == .unresolvedHandle),
                    "group \(g): the hidden stack column holds no unresolved handle")
            }
        }
        for (s, t) in totals.enumerated() {
            for h in t.distinctStacks {
                precondition(h >= 0 && Int(h) < stacks.count, "snapshot \(s): distinct stack \(h) out of range")
            }
        }
        for (handle, s) in handleStacks {
            precondition(s >= 0 && Int(s) < stacks.count, "handle \(handle): stack \(s) out of range")
        }
        for (u, _) in unresolvedHandle {
            precondition(
                u >= 0 && Int(u) < stacks.count && stacks.info[Int(u)].kind == .unresolvedHandle,
                "entry \(u) is no unresolved handle")
        }
    }
    #endif
}

/// The other side's handles mapped to this side's while a merge runs (-1: not mapped yet),
/// so each is re-interned once, not once a group.
private struct MergeMaps {
    var stacks: [Int32]
    var frames: [Int32]
    var names: [Int32]
    var comms: [Int32]
    var memcgs: [Int32]
    /// Frame ids of the stack being mapped (reused).
    var scratch: [Int32] = []
    /// This side's handle of each of the other side's stacks it held before the merge (-1
    /// for the others, which are new), when looked up ahead (`StackTable.lookUp`); empty when not.
    var found: [Int32] = []

    init(of other: Aggregator.Core) {
        stacks = [Int32](repeating: -1, count: other.stacks.count)
        frames = [Int32](repeating: -1, count: other.stacks.stacks.frames.count)
        names = [Int32](repeating: -1, count: other.stacks.names.count)
        comms = [Int32](repeating: -1, count: other.comms.count)
        memcgs = [Int32](repeating: -1, count: other.memcgs.count)
    }
}

extension Aggregator.Core {
    /// `Aggregator.merge`'s work (both sides settled, their PFN runs closed). Every field of
    /// either side is reached on the structs and the maps are passed `inout` (no closure
    /// boxes them), so the per-stack and per-group steps copy no table, retain nothing and
    /// pay no dynamic exclusivity check.
    mutating func merge(from other: Aggregator.Core, threads: Int = 1) {
        // Groups of the other side are not in this side's `groupOfPair`.
        groupsFromOwnPairs = false
        var m = MergeMaps(of: other)
        // The other side's stacks this side holds already, looked up on the threads first
        // when a sample says most are (a stack that repeats is often both workers'; with
        // nearly a stack a record, most are new, and looking them up twice costs more); the
        // others are then known to be new, and are added one by one below, in order, as
        // before, without a second lookup.
        if threads > 1 && other.stacks.count >= 1 << 14 && stacks.holdsMost(of: other.stacks) {
            m.found = stacks.lookUp(other.stacks, threads: threads)
        }
        for (handle, s) in other.handleStacks where handleStacks[handle] == nil {
            handleStacks[handle] = mergedStack(s, of: other, &m)
        }
        for (mask, h) in other.gfpNameOf where gfpNameOf[mask] == nil {
            gfpNameOf[mask] = other.gfpNames.withBytes(h) { gfpNames.intern($0) }
        }
        // Other's snapshot i is this one's base + i.
        let base = other.snapshotBase
        let shared = max(0, min(totals.count - base, other.totals.count))
        for o in 0..<shared {
            let s = base + o
            let t = other.totals[o]
            totals[s].recordsRead += t.recordsRead
            totals[s].pagesRead +|= t.pagesRead
            totals[s].records += t.records
            totals[s].pages +|= t.pages
            totals[s].earlyBootPages &+= t.earlyBootPages
            totals[s].fields.formUnion(t.fields)
            totals[s].maxTs = max(totals[s].maxTs, t.maxTs)
            totals[s].pfnEnd = max(totals[s].pfnEnd, t.pfnEnd)
            totals[s].pfnRuns += t.pfnRuns
            if totals[s].format == nil { totals[s].format = t.format }
            for h in t.distinctStacks { totals[s].distinctStacks.insert(mergedStack(h, of: other, &m)) }
        }
        let n = Int32(other.groups.count)
        if stackKeyed && !resolved {
            // Grouped by stack alone (one key column, the stack): the group of a stack is
            // `groupOfStack`'s, or new. The other side's stacks are mapped first (most are
            // often this side's too), so the groups and metrics get room for the new groups
            // alone, not grown by doubling while the other side is still held.
            // The stacks are looked up here in group order, each likely a cache miss in
            // this side's index, hash and ids: each lookup is started a few groups ahead.
            @inline(__always) func otherStack(_ g: Int32) -> Int32 {
                Int32(bitPattern: UInt32(truncatingIfNeeded: other.groups.value(g, 0)))
            }
            @inline(__always) func otherHash(_ g: Int32) -> UInt64? {
                let h = otherStack(g)
                return h >= 0 ? other.stacks.stacks.hashes[Int(h)] : nil
            }
            var fresh = 0
            for g in 0..<n {
                if g + 8 < n, let hash = otherHash(g + 8) { stacks.stacks.prefetchSlot(hash: hash) }
                if g + 4 < n, let hash = otherHash(g + 4) { stacks.stacks.prefetchCandidate(hash: hash) }
                if g + 1 < n, let hash = otherHash(g + 1) { stacks.prefetch(hash: hash) }
                let st = mergedStack(otherStack(g), of: other, &m)
                if groupOfStack[st] < 0 { fresh += 1 }
            }
            groups.reserveCapacity(groups.count + fresh)
            for o in 0..<shared { metrics[base + o].reserveCapacity(groups.count + fresh) }
            for g in 0..<n {
                // Every stack is mapped now: a read of `m.stacks`.
                let st = mergedStack(otherStack(g), of: other, &m)
                var ng = Int(groupOfStack[st])
                if ng < 0 {
                    var k = UInt64(UInt32(bitPattern: st))
                    ng = Int(withUnsafeBytes(of: &k) { groups.append(new: $0) })
                    groupOfStack[st] = Int32(ng)
                }
                addMetrics(of: other, group: Int(g), to: ng, base: base, shared: shared)
            }
            return
        }
        // Each group's slot is asked for while the next group's key is made (software
        // pipelining), so the lookups of a 10^5-group table overlap. Handles are still made
        // in group order, and groups numbered in it.
        var v = [UInt64](repeating: 0, count: groups.width)
        var next = v
        if n > 0 { mergedKey(0, of: other, into: &v, &m) }
        var h = v.withUnsafeBytes { groups.hash($0) }
        for g in 0..<n {
            var nextHash: UInt64 = 0
            if g + 1 < n {
                mergedKey(g + 1, of: other, into: &next, &m)
                nextHash = next.withUnsafeBytes { groups.hash($0) }
                groups.prefetch(hash: nextHash)
            }
            let ng = Int(v.withUnsafeBytes { groups.intern($0, hash: h) })
            addMetrics(of: other, group: Int(g), to: ng, base: base, shared: shared)
            swap(&v, &next)
            h = nextHash
        }
    }

    /// This side's handle of `other`'s stack `h` (negative handles are kept).
    @inline(__always)
    private mutating func mergedStack(_ h: Int32, of other: Aggregator.Core, _ m: inout MergeMaps) -> Int32 {
        if h < 0 { return h }
        let known = m.stacks[Int(h)]
        if known >= 0 { return known }
        let n = mergeStack(h, of: other, &m)
        m.stacks[Int(h)] = n
        return n
    }

    /// `other`'s stack `h` interned here (once per stack: `mergedStack` keeps the result).
    private mutating func mergeStack(_ h: Int32, of other: Aggregator.Core, _ m: inout MergeMaps) -> Int32 {
        let kind = other.stacks.info[Int(h)].kind
        switch kind {
        case .unresolvedHandle:
            // Stays unresolved here even when this side knows the handle:
            // `resolveLateHandles` re-keys every such group at the end, by all its keys.
            let handle = other.unresolvedHandle[h] ?? 0
            let n = stacks.unresolved(handle: handle)
            unresolvedHandle[n] = handle
            return n
        case .none:
            return stacks.noStack()
        case .normal, .earlyPlaceholder, .dummyPlaceholder, .failurePlaceholder:
            // Synthetic entries (a label, not frame lines) keep their kind.
            let first = other.stacks.stacks.firstByte(h)
            if first == 32 || first == 9 {
                if !m.found.isEmpty {
                    let held = m.found[Int(h)]
                    if held >= 0 { return held }
                    // Not held before the merge, nor since: the other side's stacks are distinct.
                    return stacks.merge(h, from: other.stacks, frameMap: &m.frames, nameMap: &m.names, scratch: &m.scratch, new: true)
                }
                return stacks.merge(h, from: other.stacks, frameMap: &m.frames, nameMap: &m.names, scratch: &m.scratch)
            }
            return other.stacks.stacks.withBytes(h) { stacks.synthetic($0, kind: kind) }
        }
    }

    /// Group `g`'s key of `other`, with this side's handles, into `v`.
    private mutating func mergedKey(_ g: Int32, of other: Aggregator.Core, into v: inout [UInt64], _ m: inout MergeMaps) {
        let width = keys.count
        for i in 0..<width {
            let x = other.groups.value(g, i)
            switch keys[i] {
            case .stack:
                v[i] = UInt64(UInt32(bitPattern: mergedStack(Int32(bitPattern: UInt32(truncatingIfNeeded: x)), of: other, &m)))
            case .caller, .module:
                let h = stacks.name(Int32(bitPattern: UInt32(truncatingIfNeeded: x)), of: other.stacks, map: &m.names)
                v[i] = UInt64(UInt32(bitPattern: h))
            case .comm:
                let h = Int(Int32(x))
                if m.comms[h] < 0 { m.comms[h] = other.comms.withBytes(Int32(h)) { comms.intern($0) } }
                v[i] = UInt64(UInt32(bitPattern: m.comms[h]))
            case .memcg:
                if x == .max {
                    v[i] = x
                } else {
                    let h = Int(Int32(x & 0xffff_ffff))
                    if m.memcgs[h] < 0 { m.memcgs[h] = other.memcgs.withBytes(Int32(h)) { memcgs.intern($0) } }
                    v[i] = UInt64(m.memcgs[h]) | (x & 0xffff_ffff_0000_0000)
                }
            default:
                v[i] = x
            }
        }
        if hiddenStackColumn {
            let x = other.groups.value(g, width)
            v[width] = x == .max ? x : UInt64(UInt32(bitPattern: mergedStack(Int32(bitPattern: UInt32(truncatingIfNeeded: x)), of: other, &m)))
        }
    }

    /// Adds `other`'s metrics of its group `g` to this side's group `ng`, in each shared
    /// snapshot (other's snapshot `o` is this one's `base + o`).
    @inline(__always)
    private mutating func addMetrics(of other: Aggregator.Core, group g: Int, to ng: Int, base: Int, shared: Int) {
        for o in 0..<shared where g < other.metrics[o].count {
            let x = other.metrics[o][g]
            if x == Metrics() { continue }
            metrics[base + o].add(x, to: ng)
        }
    }
}
