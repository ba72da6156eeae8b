/// The page_owner_sort-compatible mode as a grouping of the one `Aggregator`
/// (`Aggregator(keys: [], compat: options)`): blocks grouped as the kernel tool culls them,
/// in one streaming pass, with the aggregator's stack table, comm interner, key table,
/// metrics and merge. `CompatFormatter` orders the groups (`Aggregator.compatOrder`) and
/// writes the kernel tool's text.
///
/// The kernel tool's text of a block is its header line (timestamp digits cut out unless
/// sorting by alloc_ts) followed by its "stacktrace" (every other line but the PFN line,
/// trailer lines included). The stacktraces are the aggregator's stacks (its `StackTable`
/// reads them as `.kernelToolText`: the VMALLOC test and module of `AllocatorRule.kernelTool`,
/// once per stacktrace), the headers are interned here (`headers`). The group key is six
/// 32-bit fields, three words of the aggregator's `PackedKeyTable` (see `Key`): with no cull
/// rule, (stacktrace, header); with rules, the fields they name.
///
/// Each group keeps the fields of its first block in input order (`firsts`), which is what
/// the kernel tool's stable sort leaves first. The final order is the sort key, then the
/// cull key's bytes: a total order, so output is deterministic.
///
/// A well-formed record takes the fast path: its typed fields are the ones the kernel
/// tool's regular expressions would find, and its stacktrace is a contiguous byte range.
/// Anything unusual takes the exact path: `CompatNormalizer` (Formats) reproduces those
/// expressions on the text.
///
/// The kernel tool's `--pid`, `--tgid`, `--name` and `--module` are the aggregator's
/// `filters` (`CompatOptions.filters`), applied on either path through `Filters` and its
/// cache, as `report` applies its own.
public struct CompatGrouping {
    public let options: CompatOptions

    /// The fields of a group's first block (in input order): what the kernel tool prints
    /// and sorts by.
    struct First {
        var pid: Int32 = -1
        var tgid: Int32 = -1
        /// In the aggregator's `comms`.
        var comm: Int32 = 0
        var ts: UInt64 = 0
        var allocator: CompatAllocator = .others
        /// The module's handle in the aggregator's `stacks.names` (0 when no option needs it).
        var module: Int32 = 0
        /// The header line (with its newline) in `headers`.
        var header: Int32 = -1
        /// The stacktrace (text after the header) in the aggregator's `stacks`.
        var stack: Int32 = -1
        /// Input offset of the block: parallel parts merge by it.
        var offset: Int64 = .max
    }

    /// Six 32-bit fields: three words of the aggregator's key table. With no cull rule a
    /// key is (stack, header); with rules, the header's slot holds the module.
    struct Key {
        var stack: Int32
        var pid: Int32
        var tgid: Int32
        var comm: Int32
        var allocator: Int32
        var headerOrModule: Int32
    }

    /// Key words of the aggregator's `groups`.
    static let keyWidth = 3

    /// Each group's first block, by group index.
    var firsts: [First] = []
    /// The normalized header lines, each with its newline.
    var headers = ByteInterner(capacity: 16)
    /// The exact path, and the last PFN line's bits (which the fast path updates too).
    var normalizer: CompatNormalizer
    /// `vmlinux` in the aggregator's `stacks.names` (-1 until needed).
    var vmlinux: Int32 = -1
    /// Whether the filters look at the task (pid, tgid, comm) and at the module.
    let hasTaskFilter: Bool
    let hasModuleFilter: Bool
    let wantsModule: Bool
    let stackOnlyCull: Bool
    var scratch: [UInt8] = []
    var offset: Int64 = 0
    /// Blocks read, and blocks kept after the filters.
    public internal(set) var blocks: Int64 = 0
    public internal(set) var kept: Int64 = 0
    /// Blocks that took the exact (regular-expression) path.
    public internal(set) var exactPath: Int64 = 0

    /// The grouping of `options`; an inactive one (the aggregator of `report`, `diff`,
    /// `series`) holds nothing.
    init(options: CompatOptions, filters: Filters, active: Bool) {
        self.options = options
        hasTaskFilter = filters.pids != nil || filters.tgids != nil || filters.comms != nil
        hasModuleFilter = filters.modules != nil
        stackOnlyCull = options.cull == [.stacktrace]
        wantsModule = options.wantsModule
        normalizer = CompatNormalizer(keepsTimestamps: options.keepsTimestamps, wantsModule: options.wantsModule, reserve: active)
        if active {
            headers = ByteInterner(capacity: 4096)
            scratch.reserveCapacity(1 << 16)
        }
    }

    /// The cull key of a block: the fields the cull rules name (all zero but stack and
    /// header when there are none).
    @inline(__always)
    func key(header h: Int32, stack st: Int32, pid: Int32, tgid: Int32, comm: Int32, module: Int32, alloc: CompatAllocator)
        -> Key
    {
        let cull = options.cull
        return cull.isEmpty
            ? Key(stack: st, pid: 0, tgid: 0, comm: 0, allocator: 0, headerOrModule: h)
            : Key(
                stack: cull.contains(.stacktrace) ? st : 0,
                pid: cull.contains(.pid) ? pid : 0,
                tgid: cull.contains(.tgid) ? tgid : 0,
                comm: cull.contains(.comm) ? comm : 0,
                allocator: cull.contains(.allocator) ? alloc.rawValue : 0,
                headerOrModule: cull.contains(.module) ? module : 0)
    }
}

extension Aggregator.Core {
    /// Adds a parsed record to the compatible mode's groups (`add` sends it here).
    @inline(__always)
    mutating func addCompat(_ r: Record) {
        compat.offset = r.offset
        if compat.options.exactPathOnly || !addCompatFast(r) { addCompatExact(r) }
    }

    /// Adds a record by the exact path (the kernel tool's regular expressions on its text).
    mutating func addCompatExact(_ r: Record) {
        if current < 0 { beginSnapshot(name: "input") }
        compat.offset = r.offset
        compat.exactPath += 1
        addCompatText(r)
    }

    /// Hashes the stacktrace the fast path will intern (into `stackHash`); whether it did.
    mutating func prepareCompatHash(_ r: inout Record) -> Bool {
        guard !compat.options.exactPathOnly, r.kind == .pageOwner, r.afterPFN >= 0, r.whole.end > r.afterPFN else { return false }
        r.stackHash = CompatNormalizer.stacktrace(r) { $0.hash() }
        return true
    }

    /// The fast path; false when the record needs the exact path.
    mutating func addCompatFast(_ r: Record) -> Bool {
        let wantsModule = compat.wantsModule
        guard CompatNormalizer.typedFieldsSuffice(r, wantsModule: wantsModule) else { return false }
        CompatNormalizer.stacktrace(r) { stackBytes in
            r.withBytes(r.comm) { commBytes in addCompatFast(r, stack: stackBytes, comm: commBytes) }
        }
        return true
    }

    /// The fast path of a record whose typed fields suffice, with its stacktrace's and its
    /// comm's bytes.
    @inline(__always)
    mutating func addCompatFast(_ r: Record, stack stackBytes: ByteView, comm commBytes: ByteView) {
        let wantsModule = compat.wantsModule
        compat.blocks += 1
        var st: Int32 = -1
        if compat.hasTaskFilter && !filters.passesTask(pid: r.pid, tgid: r.tgid, comm: commBytes) { return }
        if compat.hasModuleFilter {
            st = internCompatStack(stackBytes, r.stackHash)
            if !cache.stackPasses(st, filters, stacks) { return }
        }
        compat.kept += 1
        compat.normalizer.pfnCMA = r.pfnSaysCMA
        compat.normalizer.pfnSlab = r.pfnSaysSlab
        let pages: Int64 = r.order <= 62 ? Int64(1) << Int64(r.order) : 0
        if st < 0 { st = internCompatStack(stackBytes, r.stackHash) }
        let module = wantsModule ? compatModule(st) : 0
        let alloc = AllocatorRule.kernelToolLabel(
            pfnCMA: r.pfnSaysCMA, pfnSlab: r.pfnSaysSlab, vmalloc: stacks.info[Int(st)].allocationClass == .vmalloc)
        // The comm and header are interned only when the cull key or a new group needs them.
        let cull = compat.options.cull
        var comm: Int32 = -1
        var h: Int32 = -1
        if cull.contains(.comm) { comm = comms.intern(commBytes, recent: &recentComm) }
        if cull.isEmpty { h = internCompatHeader(r) }
        let key = compat.key(header: h, stack: st, pid: r.pid, tgid: r.tgid, comm: comm, module: module, alloc: alloc)
        let (index, new) = compatGroup(key)
        if new {
            if comm < 0 { comm = comms.intern(commBytes, recent: &recentComm) }
            if h < 0 { h = internCompatHeader(r) }
            compat.firsts.append(
                CompatGrouping.First(
                    pid: r.pid, tgid: r.tgid, comm: comm, ts: r.ts, allocator: alloc, module: module, header: h, stack: st,
                    offset: compat.offset))
        }
        countCompat(index, pages: pages)
    }

    /// The handle of a stacktrace (the record's bytes after its PFN line).
    @inline(__always)
    mutating func internCompatStack(_ b: ByteView, _ hash: UInt64) -> Int32 {
        stacks.intern(b, hash: hash != 0 ? hash : b.hash())
    }

    /// The module of stacktrace `st` (in `stacks.names`; `vmlinux` when it names none).
    @inline(__always)
    mutating func compatModule(_ st: Int32) -> Int32 {
        let m = stacks.info[Int(st)].module
        if m >= 0 { return m }
        if compat.vmlinux < 0 {
            compat.vmlinux = stacks.internName(ByteView("vmlinux"))
        }
        return compat.vmlinux
    }

    /// The header line with its newline, timestamp digits cut out (unless kept), interned.
    mutating func internCompatHeader(_ r: Record) -> Int32 {
        if compat.options.keepsTimestamps || r.tsDigits.isEmpty { return CompatNormalizer.header(r) { compat.headers.intern($0) } }
        // The scratch is swapped out while its view is interned: no copy, no retain.
        var text: [UInt8] = []
        swap(&text, &compat.scratch)
        defer { swap(&text, &compat.scratch) }
        text.removeAll(keepingCapacity: true)
        CompatNormalizer.appendHeaderCuttingTimestamp(r, to: &text)
        return ByteView.with(&text) { compat.headers.intern($0) }
    }

    /// The index of the group of `key`, and whether it is new (the caller then appends its
    /// first block).
    @inline(__always)
    mutating func compatGroup(_ key: CompatGrouping.Key) -> (Int, Bool) {
        let stackOnly = compat.stackOnlyCull
        if stackOnly {
            // The group follows from the stack alone: look it up by stack handle.
            let known = groupOfStack[key.stack]
            if known >= 0 { return (Int(known), false) }
        }
        var k = key
        let before = groups.count
        let g = withUnsafeBytes(of: &k) { groups.intern($0) }
        if stackOnly { groupOfStack[key.stack] = g }
        return (Int(g), groups.count != before)
    }

    /// Counts one block of `pages` in group `g` of the current snapshot.
    @inline(__always)
    mutating func countCompat(_ g: Int, pages: Int64) {
        metrics[current].add(g, times: 1, pages: pages, ts: nil)
    }

    /// Adds one block (a record's bytes, up to and including its last newline) by the exact
    /// path: the kernel tool's regular expressions, reproduced on the block's text.
    mutating func addCompatText(_ r: Record) {
        compat.blocks += 1
        guard compat.normalizer.normalize(r) else { return }
        if compat.hasTaskFilter || compat.hasModuleFilter {
            // The normalizer's fields: the block's module is its text's (no stack interned yet).
            let n = compat.normalizer
            if !ByteView.with(n.comm, { filters.passesTask(pid: n.pid, tgid: n.tgid, comm: $0) }) { return }
            if !ByteView.with(n.module, { filters.selectsModule($0) }) { return }
        }
        compat.kept += 1
        // Local references to the normalizer's buffers (no copy), read while interning.
        let n = compat.normalizer
        let comm = ByteView.with(n.comm) { comms.intern($0) }
        let module = compat.wantsModule ? ByteView.with(n.module) { stacks.internName($0) } : 0
        let split = n.headerLength
        let (h, st) = ByteView.with(n.text) { t in
            (compat.headers.intern(t.slice(0, split)), stacks.intern(t.dropFirst(split)))
        }
        let key = compat.key(header: h, stack: st, pid: n.pid, tgid: n.tgid, comm: comm, module: module, alloc: n.allocator)
        let (index, new) = compatGroup(key)
        if new {
            compat.firsts.append(
                CompatGrouping.First(
                    pid: n.pid, tgid: n.tgid, comm: comm, ts: n.ts, allocator: n.allocator, module: module, header: h, stack: st,
                    offset: compat.offset))
        }
        countCompat(index, pages: n.pages)
    }

    /// `Aggregator.mergeCompat`'s work. Each of the other side's comms, headers, stacks and
    /// module names is re-interned once (a map per table), not once a group.
    ///
    /// The other side's stacks this side holds already are looked up on the threads first
    /// when a sample says most are (`StackTable.lookUp`, as `merge` does), and so are its headers; the rest are added one
    /// by one, in group order, as before (the stacks without a second lookup), each group's
    /// slot loaded a few groups ahead.
    mutating func mergeCompat(from other: Aggregator.Core, threads: Int = 1) {
        compat.blocks += other.compat.blocks
        compat.kept += other.compat.kept
        compat.exactPath += other.compat.exactPath
        var stackMap = [Int32](repeating: -1, count: other.stacks.count)
        // Whether `stackMap` was looked up: its -1 stacks are then new here.
        let lookedUp = threads > 1 && other.stacks.count >= 1 << 14 && stacks.holdsMost(of: other.stacks)
        if lookedUp { stackMap = stacks.lookUp(other.stacks, threads: threads) }
        var frameMap: [Int32] = []
        var ids: [Int32] = []
        var commMap = [Int32](repeating: -1, count: other.comms.count)
        var nameMap = [Int32](repeating: -1, count: other.stacks.names.count)
        var headerMap = [Int32](repeating: -1, count: other.compat.headers.count)
        if threads > 1 && other.compat.headers.count >= 1 << 14 {
            // The headers this side holds, looked up on the threads (read only: the others
            // are interned below, in group order, as before).
            let (mine, theirs) = (compat.headers, other.compat.headers)
            headerMap = ParallelParts.map(theirs.count, threads: threads) { range in
                range.map { h in theirs.withBytes(Int32(h)) { mine.lookup($0) } ?? -1 }
            }.flatMap { $0 }
        }
        let wantsModule = compat.wantsModule
        let stackOnly = compat.stackOnlyCull
        let base = other.snapshotBase
        let n = other.compat.firsts.count
        // The key of the other side's group `g` in this side's handles, when all of them are
        // known already (a module is mapped as it comes, so a key that needs one is not).
        func knownKey(_ g: Int) -> CompatGrouping.Key? {
            let y = other.compat.firsts[g]
            let (st, h, c) = (stackMap[Int(y.stack)], headerMap[Int(y.header)], commMap[Int(y.comm)])
            guard st >= 0, h >= 0, c >= 0, !wantsModule else { return nil }
            return compat.key(header: h, stack: st, pid: y.pid, tgid: y.tgid, comm: c, module: 0, alloc: y.allocator)
        }
        for g in 0..<n {
            // Each group's slot in this side's table (a cache miss at 10^5 groups) is loaded
            // a few groups ahead.
            if g + 8 < n, var k = knownKey(g + 8) {
                if stackOnly {
                    groupOfStack.prefetch(k.stack)
                } else {
                    withUnsafeBytes(of: &k) { groups.prefetch(hash: groups.hash($0)) }
                }
            }
            var x = other.compat.firsts[g]
            if commMap[Int(x.comm)] < 0 { commMap[Int(x.comm)] = other.comms.withBytes(x.comm) { comms.intern($0) } }
            x.comm = commMap[Int(x.comm)]
            if headerMap[Int(x.header)] < 0 {
                headerMap[Int(x.header)] = other.compat.headers.withBytes(x.header) { compat.headers.intern($0) }
            }
            x.header = headerMap[Int(x.header)]
            // Stacktraces are mapped frame by frame (each distinct line interned once), then
            // found by their frame ids and the hash of their bytes; what was derived from
            // them is copied.
            if stackMap[Int(x.stack)] < 0 {
                stackMap[Int(x.stack)] = stacks.merge(
                    x.stack, from: other.stacks, frameMap: &frameMap, nameMap: &nameMap, scratch: &ids, new: lookedUp)
            }
            x.stack = stackMap[Int(x.stack)]
            if wantsModule {
                x.module = stacks.name(x.module, of: other.stacks, map: &nameMap)
            }
            let key = compat.key(
                header: x.header, stack: x.stack, pid: x.pid, tgid: x.tgid, comm: x.comm, module: x.module, alloc: x.allocator)
            let (index, new) = compatGroup(key)
            if new {
                compat.firsts.append(x)
            } else if x.offset < compat.firsts[index].offset {
                compat.firsts[index] = x
            }
            let m = g < other.metrics[0].count ? other.metrics[0][g] : Metrics()
            metrics[base].add(index, times: m.records, pages: m.pages, ts: nil)
        }
    }
}

extension Aggregator {
    /// Adds a record by the exact path (the kernel tool's regular expressions on its text).
    public func addCompatExact(_ r: Record) { core.addCompatExact(r) }

    /// Adds the groups of a parallel worker (`merge` sends a compatible-mode aggregator
    /// here, both sides settled). Where both saw a group, the fields of the block that came
    /// first in the input are kept, as a sequential run would keep them. The work runs on
    /// the structs (`Core.mergeCompat`): one access to each side's `core`, no copy of a
    /// table per group.
    func mergeCompat(_ other: Aggregator, threads: Int = 1) { core.mergeCompat(from: other.core, threads: threads) }

    /// Blocks and base pages over every group (they reconcile with the blocks kept).
    public var compatTotals: (times: Int64, pages: Int64) {
        (0..<groups.count).reduce((0, 0)) { t, g in
            let m = metrics(current, g)
            return (t.0 + m.records, t.1 +| m.pages)
        }
    }

    /// The groups in the kernel tool's output order: the sort keys, then the cull key
    /// (a total order: no two groups have the same cull key).
    func compatOrder(threads: Int = 1) -> [Int32] {
        let firsts = compat.firsts
        let options = compat.options
        let counts = summed([current])
        let noCull = options.cull.isEmpty
        let cull = options.cull
        // Only the ranks some key reads (each is a sort of its table).
        let used = Set(options.sort.map(\.key)).union(noCull ? [.txt] : []).union(cull.contains(.stacktrace) ? [.stacktrace] : [])
            .union(cull.contains(.comm) ? [.comm] : []).union(cull.contains(.module) ? [.module] : [])
        let headerRank = used.contains(.txt) ? compat.headers.sortedRanks() : []
        let stackRank = used.contains(.txt) || used.contains(.stacktrace) ? stacks.stacks.sortedRanks(threads: threads) : []
        let commRank = used.contains(.comm) ? comms.sortedRanks() : []
        let moduleRank = used.contains(.module) ? stacks.names.sortedRanks() : []
        // The kernel tool's cull comparator: its fields in a fixed order, whatever the order
        // given on the command line.
        let cullChain: [(CompatOptions.Cull, CompatOptions.Key)] = [
            (.stacktrace, .stacktrace), (.pid, .pid), (.tgid, .tgid), (.comm, .comm), (.module, .module), (.allocator, .allocator),
        ]
        // The order of the sort keys, then of the cull keys (the whole text when there is no
        // cull rule), then first seen: stable radix passes from the least significant key up,
        // each key mapped to an unsigned word in its order (a comparison closure a pair, before,
        // cost seconds of one core at 10^6 groups).
        func word(_ k: CompatOptions.Key, _ g: Int) -> UInt64 {
            let x = firsts[g]
            switch k {
            case .times: return UInt64(bitPattern: counts[g].records) ^ (1 << 63)
            case .pages: return UInt64(bitPattern: counts[g].pages) ^ (1 << 63)
            case .pid: return UInt64(UInt32(bitPattern: x.pid) ^ 0x8000_0000)
            case .tgid: return UInt64(UInt32(bitPattern: x.tgid) ^ 0x8000_0000)
            case .comm: return UInt64(UInt32(bitPattern: commRank[Int(x.comm)]) ^ 0x8000_0000)
            case .module: return UInt64(UInt32(bitPattern: moduleRank[Int(x.module)]) ^ 0x8000_0000)
            case .allocTs: return x.ts
            case .allocator: return UInt64(UInt32(bitPattern: x.allocator.rawValue))
            case .txt:
                // The header's rank, then the stacktrace's, in one word.
                return UInt64(UInt32(bitPattern: headerRank[Int(x.header)]) ^ 0x8000_0000) << 32
                    | UInt64(UInt32(bitPattern: stackRank[Int(x.stack)]) ^ 0x8000_0000)
            case .stacktrace: return UInt64(UInt32(bitPattern: stackRank[Int(x.stack)]) ^ 0x8000_0000)
            }
        }
        var passes: [(key: CompatOptions.Key, descending: Bool)] = options.sort.map { ($0.key, $0.descending) }
        if noCull {
            passes.append((.txt, false))
        } else {
            for (c, k) in cullChain where cull.contains(c) { passes.append((k, false)) }
        }
        var order = Array(0..<Int32(firsts.count))
        var keys = [UInt64](repeating: 0, count: order.count)
        for (k, descending) in passes.reversed() {
            let groups = order
            ParallelParts.withSlots(&keys) { ks in
                ParallelParts.forEach(groups.count, threads: threads) { range in
                    for i in range {
                        let w = word(k, Int(groups[i]))
                        ks[i] = descending ? ~w : w
                    }
                }
            }
            order = RadixSort.sorted(keys: keys, payloads: order, threads: threads)
        }
        return order
    }
}
