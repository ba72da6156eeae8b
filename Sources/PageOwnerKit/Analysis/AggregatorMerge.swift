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
    public func merge(_ other: Aggregator) {
        settlePending()
        other.settlePending()
        if isCompat { return mergeCompat(other) }
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
        var stackMap = [Int32](repeating: -1, count: other.stacks.count)
        var frameMap: [Int32] = []
        var scratch: [Int32] = []
        func stack(_ h: Int32) -> Int32 {
            if h < 0 { return h }
            if stackMap[Int(h)] >= 0 { return stackMap[Int(h)] }
            let info = other.stacks.info[Int(h)]
            let n: Int32
            switch info.kind {
            case .unresolvedHandle:
                // Stays unresolved here even when this side knows the handle:
                // `resolveLateHandles` re-keys every such group at the end, by all its keys.
                let handle = other.unresolvedHandle[h] ?? 0
                n = stacks.unresolved(handle: handle)
                unresolvedHandle[n] = handle
            case .none:
                n = stacks.noStack()
            case .normal, .earlyPlaceholder, .dummyPlaceholder, .failurePlaceholder:
                // Synthetic entries (a label, not frame lines) keep their kind.
                let first = other.stacks.stacks.firstByte(h)
                let frameLines = first == 32 || first == 9
                n =
                    frameLines
                    ? stacks.merge(h, from: other.stacks, frameMap: &frameMap, scratch: &scratch)
                    : other.stacks.stacks.withBytes(h) { stacks.synthetic($0, kind: info.kind) }
            }
            stackMap[Int(h)] = n
            return n
        }
        // Each of the other side's handles is re-interned once, not once a group.
        var nameMap = [Int32](repeating: -1, count: other.stacks.names.count)
        var commMap = [Int32](repeating: -1, count: other.comms.count)
        var memcgMap = [Int32](repeating: -1, count: other.memcgs.count)
        func name(_ h: Int32) -> Int32 {
            if h < 0 { return h }
            if nameMap[Int(h)] < 0 { nameMap[Int(h)] = other.stacks.names.withBytes(h) { stacks.names.intern($0) } }
            return nameMap[Int(h)]
        }
        func comm(_ h: Int32) -> Int32 {
            if commMap[Int(h)] < 0 { commMap[Int(h)] = other.comms.withBytes(h) { comms.intern($0) } }
            return commMap[Int(h)]
        }
        func memcg(_ h: Int32) -> Int32 {
            if memcgMap[Int(h)] < 0 { memcgMap[Int(h)] = other.memcgs.withBytes(h) { memcgs.intern($0) } }
            return memcgMap[Int(h)]
        }
        for (handle, s) in other.handleStacks where handleStacks[handle] == nil { handleStacks[handle] = stack(s) }
        for (mask, h) in other.gfpNameOf where gfpNameOf[mask] == nil {
            gfpNameOf[mask] = other.gfpNames.withBytes(h) { gfpNames.intern($0) }
        }
        // Other's snapshot i is this one's base + i.
        let base = other.snapshotBase
        let shared = max(0, min(totals.count - base, other.totals.count))
        for o in 0..<shared {
            let s = base + o
            totals[s].recordsRead += other.totals[o].recordsRead
            totals[s].pagesRead +|= other.totals[o].pagesRead
            totals[s].records += other.totals[o].records
            totals[s].pages +|= other.totals[o].pages
            totals[s].earlyBootPages &+= other.totals[o].earlyBootPages
            totals[s].fields.formUnion(other.totals[o].fields)
            totals[s].maxTs = max(totals[s].maxTs, other.totals[o].maxTs)
            totals[s].pfnEnd = max(totals[s].pfnEnd, other.totals[o].pfnEnd)
            totals[s].pfnRuns += other.totals[o].pfnRuns
            if totals[s].format == nil { totals[s].format = other.totals[o].format }
            for h in other.totals[o].distinctStacks { totals[s].distinctStacks.insert(stack(h)) }
        }
        // Group `g`'s key with this side's handles, into `v`.
        func key(_ g: Int32, into v: inout [UInt64]) {
            other.groups.withBytes(g) { b in
                let o = b.bindMemory(to: UInt64.self)
                for (i, k) in keys.enumerated() {
                    let x = o[i]
                    switch k {
                    case .stack:
                        v[i] = UInt64(UInt32(bitPattern: stack(Int32(bitPattern: UInt32(truncatingIfNeeded: x)))))
                    case .caller, .module:
                        v[i] = UInt64(UInt32(bitPattern: name(Int32(bitPattern: UInt32(truncatingIfNeeded: x)))))
                    case .comm:
                        v[i] = UInt64(UInt32(bitPattern: comm(Int32(x))))
                    case .memcg:
                        if x == .max {
                            v[i] = x
                        } else {
                            let h = memcg(Int32(x & 0xffff_ffff))
                            v[i] = UInt64(h) | (x & 0xffff_ffff_0000_0000)
                        }
                    default:
                        v[i] = x
                    }
                }
                if hiddenStackColumn {
                    let x = o[keys.count]
                    v[keys.count] = x == .max ? x : UInt64(UInt32(bitPattern: stack(Int32(bitPattern: UInt32(truncatingIfNeeded: x)))))
                }
            }
        }
        // Each group's slot is asked for while the next group's key is made (software
        // pipelining), so the lookups of a 10^5-group table overlap. Handles are still made
        // in group order, and groups numbered in it.
        var v = [UInt64](repeating: 0, count: groups.width)
        var next = v
        let n = Int32(other.groups.count)
        if stackKeyed && !resolved {
            // Grouped by stack alone: the group of a stack is `groupOfStack`'s, or new. The
            // other side's stacks are mapped first (most are often this side's too), so the
            // groups and metrics get room for the new groups alone, not grown by doubling
            // while the other side is still held.
            var fresh = 0
            for g in 0..<n {
                key(g, into: &v)
                if groupOfStack[Int32(bitPattern: UInt32(truncatingIfNeeded: v[0]))] < 0 { fresh += 1 }
            }
            groups.reserveCapacity(groups.count + fresh)
            for o in 0..<shared { metrics[base + o].reserveCapacity(groups.count + fresh) }
            for g in 0..<n {
                key(g, into: &v)
                let st = Int32(bitPattern: UInt32(truncatingIfNeeded: v[0]))
                var ng = Int(groupOfStack[st])
                if ng < 0 {
                    ng = Int(v.withUnsafeBytes { groups.append(new: $0) })
                    groupOfStack[st] = Int32(ng)
                }
                addMetrics(of: other, group: Int(g), to: ng, base: base, shared: shared)
            }
            return
        }
        if n > 0 { key(0, into: &v) }
        var h = v.withUnsafeBytes { groups.hash($0) }
        for g in 0..<n {
            var nextHash: UInt64 = 0
            if g + 1 < n {
                key(g + 1, into: &next)
                nextHash = next.withUnsafeBytes { groups.hash($0) }
                groups.prefetch(hash: nextHash)
            }
            let ng = Int(v.withUnsafeBytes { groups.intern($0, hash: h) })
            addMetrics(of: other, group: Int(g), to: ng, base: base, shared: shared)
            swap(&v, &next)
            h = nextHash
        }
    }

    /// Adds `other`'s metrics of its group `g` to this side's group `ng`, in each shared
    /// snapshot (other's snapshot `o` is this one's `base + o`).
    @inline(__always)
    private func addMetrics(of other: Aggregator, group g: Int, to ng: Int, base: Int, shared: Int) {
        for o in 0..<shared where g < other.metrics[o].count {
            let x = other.metrics[o][g]
            if x == Metrics() { continue }
            let s = base + o
            if ng >= metrics[s].count { metrics[s].append(contentsOf: repeatElement(Metrics(), count: ng + 1 - metrics[s].count)) }
            metrics[s][ng].add(x)
        }
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
