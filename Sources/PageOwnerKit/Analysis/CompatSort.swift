/// The page_owner_sort-compatible mode: groups blocks as the kernel tool culls them and
/// orders the groups as it sorts them, in one streaming pass.
///
/// The kernel tool's text of a block is its header line (timestamp digits cut out unless
/// sorting by alloc_ts) followed by its "stacktrace" (every other line but the PFN line).
/// Both halves are interned (stacktraces in a `StackStore`, each distinct line once); with
/// no cull rule a group is the pair, with rules it is the tuple of the chosen fields. Each group keeps the fields of its first block in input
/// order, which is what the kernel tool's stable sort leaves first. The final order is the
/// sort key, then the cull key's bytes: a total order, so output is deterministic.
///
/// A well-formed record takes the fast path: its typed fields are the ones the kernel
/// tool's regular expressions would find, and its stacktrace is a contiguous byte range.
/// Anything unusual takes the exact path: `CompatNormalizer` reproduces those expressions
/// on the text.
public struct CompatSort {
    public let options: CompatOptions

    struct Group {
        var times: Int64 = 0
        var pages: Int64 = 0
        var pid: Int32 = -1
        var tgid: Int32 = -1
        var comm: Int32 = 0
        var ts: UInt64 = 0
        var allocator: CompatAllocator = .others
        /// Handle of the first block's module in `modules` (0 when no option needs it).
        var module: Int32 = 0
        /// Handle of the first block's header line (with its newline) in `headers`.
        var header: Int32 = -1
        /// Handle of the first block's stacktrace (text after the header) in `stacks`.
        var stack: Int32 = -1
        /// Input offset of the group's first block: parallel parts merge by it.
        var first: Int64 = .max
    }

    /// Six 32-bit fields: three words of a `PackedKeyTable`. With no cull rule a key is
    /// (stack, header); with rules, the header's slot holds the module.
    struct CullKey {
        var stack: Int32
        var pid: Int32
        var tgid: Int32
        var comm: Int32
        var allocator: Int32
        var headerOrModule: Int32
    }

    var groups: [Group] = []
    var headers = ByteInterner(capacity: 4096)
    var stacks = StackStore(capacity: 1024)
    var comms = ByteInterner(capacity: 256)
    var modules = ByteInterner(capacity: 64)
    /// The kernel tool's VMALLOC test, per stacktrace (0 unknown, 1 no, 2 yes).
    var vmallocOf: [UInt8] = []
    /// The module of each stacktrace (fast path, when an option needs modules).
    var moduleOf = HandleMap()
    /// Whether each module passes `--module` (1 yes, 0 no, -1 not decided yet).
    var moduleAllowed = HandleMap()
    /// Cull keys, packed and interned: a key's handle is its group's index.
    var keyGroups = PackedKeyTable(width: 3, capacity: 4096)
    /// With `--cull=stacktrace` alone, each stack handle's group (-1: none yet).
    var groupOfStack = HandleMap()
    let stackOnlyCull: Bool
    var scratch: [UInt8] = []
    /// The exact path, and the last PFN line's bits (which the fast path updates too).
    var normalizer: CompatNormalizer
    let hasFilter: Bool
    let wantsModule: Bool
    var offset: Int64 = 0
    /// Blocks read, and blocks kept after the filters.
    public private(set) var blocks: Int64 = 0
    public private(set) var kept: Int64 = 0
    /// Blocks that took the exact (regular-expression) path.
    public private(set) var exactPath: Int64 = 0

    public init(options: CompatOptions) {
        self.options = options
        hasFilter = options.pids != nil || options.tgids != nil || options.comms != nil || options.modules != nil
        stackOnlyCull = options.cull == [.stacktrace]
        wantsModule = options.wantsModule
        normalizer = CompatNormalizer(keepsTimestamps: options.keepsTimestamps, wantsModule: options.wantsModule)
        scratch.reserveCapacity(1 << 16)
    }

    /// Number of groups so far.
    public var groupCount: Int { groups.count }

    /// Adds a parsed record.
    public mutating func add(_ r: Record) {
        offset = r.offset
        if options.exactPathOnly || !addFast(r) {
            exactPath += 1
            add(r.base, Int(r.whole.start), Int(r.whole.end))
        }
    }

    /// Hashes the stacktrace the fast path will intern and starts loading the stored one
    /// it will be compared with.
    public mutating func prepare(_ r: inout Record) {
        guard !options.exactPathOnly, r.kind == .pageOwner, r.afterPFN >= 0, r.whole.end > r.afterPFN else { return }
        let stackStart = Int(r.afterPFN)
        r.stackHash = ByteHash.hash(UnsafeRawBufferPointer(start: r.base + stackStart, count: Int(r.whole.end) - stackStart))
        stacks.prefetch(hash: r.stackHash)
    }

    /// The fast path; false when the record needs the exact path.
    mutating func addFast(_ r: Record) -> Bool {
        let need: RecordFields = [.order, .pid, .tgid, .comm, .ts]
        guard r.kind == .pageOwner, r.fields.isSuperset(of: need), !r.fields.contains(.crlf),
            r.afterPFN >= 0, r.unknownLines == 0, r.pid >= 0, r.pid < Int32.max, r.tgid >= 0, r.tgid < Int32.max,
            r.ts != .max, r.whole.end > r.whole.start, r.base[Int(r.whole.end) - 1] == 10
        else { return false }
        let p = r.base
        // A comm holding "ts" could fool the kernel tool's ts pattern: take the exact path.
        if Bytes.contains("ts", p, Int(r.comm.start), Int(r.comm.end)) { return false }
        // A header holding "+0x" could start the kernel tool's module match: the exact path.
        if wantsModule && Bytes.contains("+0x", p, Int(r.headerLine.start), Int(r.headerLine.end)) { return false }
        let stackStart = Int(r.afterPFN)
        let stackBytes = UnsafeRawBufferPointer(start: p + stackStart, count: Int(r.whole.end) - stackStart)
        blocks += 1
        let commBytes = r.bytes(r.comm)
        var st: Int32 = -1
        var module: Int32 = 0
        if hasFilter {
            if let pids = options.pids, !pids.contains(r.pid) { return true }
            if let tgids = options.tgids, !tgids.contains(r.tgid) { return true }
            if let cs = options.comms, !cs.contains(where: { $0.withUnsafeBytes { Bytes.compare($0, commBytes) == 0 } }) { return true }
            if options.modules != nil {
                st = internStack(stackBytes, r.stackHash)
                module = moduleOfStack(st)
                if !modulePasses(module) { return true }
            }
        }
        kept += 1
        normalizer.pfnCMA = r.pfnSaysCMA
        normalizer.pfnSlab = r.pfnSaysSlab
        let pages: Int64 = r.order <= 62 ? Int64(1) << Int64(r.order) : 0
        if st < 0 { st = internStack(stackBytes, r.stackHash) }
        if wantsModule && options.modules == nil { module = moduleOfStack(st) }
        let alloc = CompatAllocator(pfnCMA: r.pfnSaysCMA, pfnSlab: r.pfnSaysSlab, vmalloc: vmalloc(st))
        // The comm and header are interned only when the cull key or a new group needs them.
        let cull = options.cull
        var comm: Int32 = -1
        var h: Int32 = -1
        if cull.contains(.comm) { comm = comms.intern(commBytes) }
        if cull.isEmpty { h = internHeader(r) }
        let key = cullKey(header: h, stack: st, pid: r.pid, tgid: r.tgid, comm: comm, module: module, alloc: alloc)
        let (index, new) = groupIndex(key)
        if new {
            if comm < 0 { comm = comms.intern(commBytes) }
            if h < 0 { h = internHeader(r) }
            groups.append(
                Group(pid: r.pid, tgid: r.tgid, comm: comm, ts: r.ts, allocator: alloc, module: module, header: h, stack: st, first: offset)
            )
        }
        groups[index].times += 1
        groups[index].pages +|= pages
        return true
    }

    /// The handle of a stacktrace (the record's bytes after its PFN line).
    @inline(__always)
    mutating func internStack(_ b: UnsafeRawBufferPointer, _ hash: UInt64) -> Int32 {
        stacks.intern(b, hash: hash != 0 ? hash : ByteHash.hash(b))
    }

    /// The module of stacktrace `st` in `modules`, found once per stacktrace.
    mutating func moduleOfStack(_ st: Int32) -> Int32 {
        let known = moduleOf[st]
        if known >= 0 { return known }
        let text = stacks.bytes(st)
        let m = text.withUnsafeBufferPointer { b -> Int32 in
            guard let p = b.baseAddress, let r = CompatPatterns.moduleField(p, b.count) else { return internVmlinux() }
            return modules.intern(UnsafeRawBufferPointer(start: p + r.lowerBound, count: r.count))
        }
        moduleOf[st] = m
        return m
    }

    /// Whether module `m` is one `--module` names, decided once per module.
    mutating func modulePasses(_ m: Int32) -> Bool {
        var v = moduleAllowed[m]
        if v < 0 {
            v = options.modules?.contains(modules.bytes(m)) ?? true ? 1 : 0
            moduleAllowed[m] = v
        }
        return v == 1
    }

    mutating func internVmlinux() -> Int32 {
        let s: StaticString = "vmlinux"
        return modules.intern(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// The header line with its newline, timestamp digits cut out (unless kept), interned.
    mutating func internHeader(_ r: Record) -> Int32 {
        let p = r.base
        let hs = Int(r.headerLine.start)
        let he = Int(r.headerLine.end)
        if options.keepsTimestamps || r.tsDigits.isEmpty {
            return headers.intern(UnsafeRawBufferPointer(start: p + hs, count: he + 1 - hs))
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + hs, count: Int(r.tsDigits.start) - hs))
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + Int(r.tsDigits.end), count: he + 1 - Int(r.tsDigits.end)))
        return scratch.withUnsafeBytes { headers.intern($0) }
    }

    /// The cull key of a block: the fields the cull rules name (all zero but stack and
    /// header when there are none).
    @inline(__always)
    func cullKey(header h: Int32, stack st: Int32, pid: Int32, tgid: Int32, comm: Int32, module: Int32, alloc: CompatAllocator)
        -> CullKey
    {
        let cull = options.cull
        return cull.isEmpty
            ? CullKey(stack: st, pid: 0, tgid: 0, comm: 0, allocator: 0, headerOrModule: h)
            : CullKey(
                stack: cull.contains(.stacktrace) ? st : 0,
                pid: cull.contains(.pid) ? pid : 0,
                tgid: cull.contains(.tgid) ? tgid : 0,
                comm: cull.contains(.comm) ? comm : 0,
                allocator: cull.contains(.allocator) ? alloc.rawValue : 0,
                headerOrModule: cull.contains(.module) ? module : 0)
    }

    /// The index of the group of `key`, and whether it is new (the caller then appends it).
    @inline(__always)
    mutating func groupIndex(_ key: CullKey) -> (Int, Bool) {
        if stackOnlyCull {
            // The group follows from the stack alone: look it up by stack handle.
            let known = groupOfStack[key.stack]
            if known >= 0 { return (Int(known), false) }
        }
        var k = key
        let before = keyGroups.count
        let g = withUnsafeBytes(of: &k) { keyGroups.intern($0) }
        if stackOnlyCull { groupOfStack[key.stack] = g }
        return (Int(g), keyGroups.count != before)
    }

    /// The kernel tool's VMALLOC test on a stacktrace: the first `__vmalloc_node_range`
    /// with `alloc_pages` on the line before it (or earlier on its own line).
    mutating func vmalloc(_ st: Int32) -> Bool {
        let i = Int(st)
        if i >= vmallocOf.count { vmallocOf.append(contentsOf: repeatElement(0, count: i + 1 - vmallocOf.count)) }
        if vmallocOf[i] == 0 {
            let v = stacks.withBytes(st) { b -> Bool in
                guard let b0 = b.baseAddress else { return false }
                return AllocatorRule.saysVmalloc(b0.assumingMemoryBound(to: UInt8.self), b.count)
            }
            vmallocOf[i] = v ? 2 : 1
        }
        return vmallocOf[i] == 2
    }

    /// Adds one block (a record's bytes, up to and including its last newline) by the exact
    /// path: the kernel tool's regular expressions, reproduced on the block's text.
    public mutating func add(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) {
        blocks += 1
        guard normalizer.normalize(p, start, stop) else { return }
        if hasFilter {
            if let pids = options.pids, !pids.contains(normalizer.pid) { return }
            if let tgids = options.tgids, !tgids.contains(normalizer.tgid) { return }
            if let cs = options.comms, !cs.contains(normalizer.comm) { return }
            if let ms = options.modules, !ms.contains(normalizer.module) { return }
        }
        kept += 1
        // Local references to the normalizer's buffers (no copy), read while interning.
        let (commBytes, moduleBytes, text) = (normalizer.comm, normalizer.module, normalizer.text)
        let comm = commBytes.withUnsafeBytes { comms.intern($0) }
        let module = wantsModule ? moduleBytes.withUnsafeBytes { modules.intern($0) } : 0
        let split = normalizer.headerLength
        let (h, st) = text.withUnsafeBytes { t in
            (
                headers.intern(UnsafeRawBufferPointer(rebasing: t[0..<split])),
                stacks.intern(UnsafeRawBufferPointer(rebasing: t[split...]))
            )
        }
        place(
            header: h, stack: st, pid: normalizer.pid, tgid: normalizer.tgid, comm: comm, module: module, ts: normalizer.ts,
            alloc: normalizer.allocator, pages: normalizer.pages)
    }

    /// Counts a block in its group, creating the group with this block's fields if new.
    mutating func place(
        header h: Int32, stack st: Int32, pid: Int32, tgid: Int32, comm: Int32, module: Int32, ts: UInt64,
        alloc: CompatAllocator, pages: Int64
    ) {
        let key = cullKey(header: h, stack: st, pid: pid, tgid: tgid, comm: comm, module: module, alloc: alloc)
        let (index, new) = groupIndex(key)
        if new {
            groups.append(
                Group(pid: pid, tgid: tgid, comm: comm, ts: ts, allocator: alloc, module: module, header: h, stack: st, first: offset))
        }
        groups[index].times += 1
        groups[index].pages +|= pages
    }

    /// Adds the groups of a parallel part. Where both saw a group, the fields of the block
    /// that came first in the input are kept, as a sequential run would keep them.
    public mutating func merge(_ o: CompatSort) {
        blocks += o.blocks
        kept += o.kept
        exactPath += o.exactPath
        // Stacktraces are mapped frame by frame (each distinct line interned once), then found
        // by their frame ids and the hash of their bytes.
        var frameMap: [Int32] = []
        var ids: [Int32] = []
        for g in o.groups {
            var x = g
            x.comm = o.comms.withBytes(g.comm) { comms.intern($0) }
            x.header = o.headers.withBytes(g.header) { headers.intern($0) }
            ids.removeAll(keepingCapacity: true)
            for f in o.stacks.frameIDs(g.stack) { ids.append(stacks.frame(f, of: o.stacks, map: &frameMap)) }
            x.stack = stacks.intern(ids: ids, hash: o.stacks.hash(g.stack)).handle
            if wantsModule { x.module = o.modules.withBytes(g.module) { modules.intern($0) } }
            let key = cullKey(
                header: x.header, stack: x.stack, pid: x.pid, tgid: x.tgid, comm: x.comm, module: x.module, alloc: x.allocator)
            let (index, new) = groupIndex(key)
            if new {
                groups.append(x)
                continue
            }
            let times = groups[index].times + x.times
            let pages = groups[index].pages +| x.pages
            if x.first < groups[index].first { groups[index] = x }
            groups[index].times = times
            groups[index].pages = pages
        }
    }

    /// Total base pages and records over every group (they reconcile with the input).
    public var totals: (times: Int64, pages: Int64) {
        groups.reduce((0, 0)) { ($0.0 + $1.times, $0.1 +| $1.pages) }
    }

    /// The groups in output order.
    func ordered() -> [Int32] {
        let headerRank = headers.sortedRanks()
        let stackRank = stacks.sortedRanks()
        let commRank = comms.sortedRanks()
        let moduleRank = modules.sortedRanks()
        let noCull = options.cull.isEmpty
        let cull = options.cull
        func cmp<T: Comparable>(_ a: T, _ b: T) -> Int { a == b ? 0 : (a < b ? -1 : 1) }
        func cmpKey(_ k: CompatOptions.Key, _ a: Int, _ b: Int) -> Int {
            let x = groups[a]
            let y = groups[b]
            switch k {
            case .times: return cmp(x.times, y.times)
            case .pages: return cmp(x.pages, y.pages)
            case .pid: return cmp(x.pid, y.pid)
            case .tgid: return cmp(x.tgid, y.tgid)
            case .comm: return cmp(commRank[Int(x.comm)], commRank[Int(y.comm)])
            case .module: return cmp(moduleRank[Int(x.module)], moduleRank[Int(y.module)])
            case .allocTs: return cmp(x.ts, y.ts)
            case .allocator: return cmp(x.allocator.rawValue, y.allocator.rawValue)
            case .txt:
                // strcmp on header + stacktrace: the header ends the first line, so this is
                // the header's order, then the stacktrace's.
                let c = cmp(headerRank[Int(x.header)], headerRank[Int(y.header)])
                return c != 0 ? c : cmp(stackRank[Int(x.stack)], stackRank[Int(y.stack)])
            case .stacktrace: return cmp(stackRank[Int(x.stack)], stackRank[Int(y.stack)])
            }
        }
        func cullCompare(_ a: Int, _ b: Int) -> Int {
            if noCull { return cmpKey(.txt, a, b) }
            if cull.contains(.stacktrace) {
                let c = cmpKey(.stacktrace, a, b)
                if c != 0 { return c }
            }
            if cull.contains(.pid) {
                let c = cmpKey(.pid, a, b)
                if c != 0 { return c }
            }
            if cull.contains(.tgid) {
                let c = cmpKey(.tgid, a, b)
                if c != 0 { return c }
            }
            if cull.contains(.comm) {
                let c = cmpKey(.comm, a, b)
                if c != 0 { return c }
            }
            if cull.contains(.module) {
                let c = cmpKey(.module, a, b)
                if c != 0 { return c }
            }
            if cull.contains(.allocator) {
                let c = cmpKey(.allocator, a, b)
                if c != 0 { return c }
            }
            return 0
        }
        let sort = options.sort
        var order = Array(0..<Int32(groups.count))
        order.sort { ia, ib in
            let a = Int(ia)
            let b = Int(ib)
            for k in sort {
                var c = cmpKey(k.key, a, b)
                if k.descending { c = -c }
                if c != 0 { return c < 0 }
            }
            let c = cullCompare(a, b)
            if c != 0 { return c < 0 }
            return a < b
        }
        return order
    }

    /// Writes the kernel tool's output for every group, in order.
    public func write(to out: OutputSink) throws {
        let noCull = options.cull.isEmpty
        let cull = options.cull
        var line: [UInt8] = []
        line.reserveCapacity(1 << 16)
        for gi in ordered() {
            let g = groups[Int(gi)]
            line.removeAll(keepingCapacity: true)
            line.appendDecimal(g.times)
            line.append(" times, ")
            line.appendDecimal(g.pages)
            line.append(" pages")
            if noCull {
                line.append(", ")
                g.allocator.appendLabel(to: &line)
                line.append(":\n")
                headers.withBytes(g.header) { line.append(contentsOf: $0) }
                stacks.appendBytes(g.stack, to: &line)
                line.append(10)
            } else {
                if cull.contains(.pid) || options.pids != nil {
                    line.append(", PID ")
                    line.appendDecimal(g.pid)
                }
                if cull.contains(.tgid) || options.tgids != nil {
                    line.append(", TGID ")
                    line.appendDecimal(g.tgid)
                }
                if cull.contains(.comm) || options.comms != nil {
                    line.append(", task_comm_name: ")
                    comms.withBytes(g.comm) { line.append(contentsOf: $0) }
                }
                if cull.contains(.module) || options.modules != nil {
                    line.append(", module: ")
                    modules.withBytes(g.module) { line.append(contentsOf: $0) }
                }
                if cull.contains(.allocator) {
                    line.append(", ")
                    g.allocator.appendLabel(to: &line)
                }
                if cull.contains(.stacktrace) {
                    line.append(":\n")
                    stacks.appendBytes(g.stack, to: &line)
                }
                line.append(10)
            }
            try out.write(line)
        }
    }
}
