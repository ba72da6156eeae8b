/// A coarser view of an aggregator: its groups summed onto a subset of its keys. A page that
/// needs finer groups than the table it prints (the HTML report groups by stack, comm, module,
/// node, memcg and gfp for its flame graph and chips, and by `--group-by` for its table) reads
/// once with the union of the keys and projects; the projection's numbers, order and ties are
/// those a run with the coarse keys alone gives, since it shares the stack, comm and memcg
/// tables (the same handles, so the same ranks) and sums the same records.
extension Aggregator {
    /// The groups summed onto `keys` (each one of `self.keys`), snapshot by snapshot, and for
    /// each group here the projection's group it was summed into. Call after
    /// `resolveLateHandles`; the projection is resolved too and takes no records.
    /// - Complexity: O(groups × keys).
    public func projected(onto keys: [GroupKey]) -> (aggregator: Aggregator, groupOf: [Int32]) {
        precondition(resolved, "project after resolveLateHandles")
        let positions = keys.map { k -> Int in
            guard let i = self.keys.firstIndex(of: k) else { preconditionFailure("projected onto a key the aggregator lacks: \(k)") }
            return i
        }
        let p = Aggregator(keys: keys, filters: filters, allocatorFunctions: stacks.allocatorFunctions)
        p.stacks = stacks
        p.comms = comms
        p.memcgs = memcgs
        p.gfpNames = gfpNames
        p.gfpNameOf = gfpNameOf
        p.handleStacks = handleStacks
        p.ignoreOffsets = ignoreOffsets
        p.countDistinctStacks = countDistinctStacks
        p.totals = totals
        p.metrics = Array(repeating: [], count: metrics.count)
        // Its groups come from this one's, not from pairs of its own records.
        p.core.groupsFromOwnPairs = false
        var groupOf = [Int32](repeating: -1, count: groups.count)
        // A key that needs the stack without `.stack` gives the projection a hidden column;
        // `.max` there says "no unresolved handle", and its `resolveLateHandles` drops it.
        var v = [UInt64](repeating: .max, count: p.groups.width)
        for g in 0..<Int32(groups.count) {
            groups.withBytes(g) { b in
                let o = b.bindMemory(to: UInt64.self)
                for (i, pos) in positions.enumerated() { v[i] = o[pos] }
            }
            let ng = Int(v.withUnsafeBytes { p.groups.intern($0) })
            groupOf[Int(g)] = Int32(ng)
            for s in 0..<metrics.count {
                if p.metrics[s].count <= ng {
                    p.metrics[s].append(contentsOf: repeatElement(Metrics(), count: ng + 1 - p.metrics[s].count))
                }
                if Int(g) < metrics[s].count { p.metrics[s][ng].add(metrics[s][Int(g)]) }
            }
        }
        for s in 0..<p.metrics.count where p.metrics[s].count < p.groups.count {
            p.metrics[s].append(contentsOf: repeatElement(Metrics(), count: p.groups.count - p.metrics[s].count))
        }
        // Re-interns the groups in handle order: the handles stay what `groupOf` says.
        let count = p.groups.count
        p.resolveLateHandles()
        precondition(p.groups.count == count, "a projection's groups changed when resolved")
        return (p, groupOf)
    }
}
