/// The page_owner_sort-compatible mode: groups blocks as the kernel tool culls them and
/// orders the groups as it sorts them, in one streaming pass.
///
/// With no cull rule a group is the block's whole text (PFN line removed, timestamp digits
/// cut out unless sorting by alloc_ts), interned like a stack; with rules, a group is the
/// tuple of the chosen fields. Each group keeps the fields of its first block in input
/// order, which is what the kernel tool's stable sort leaves first. Its final order is the
/// sort key, then the cull key's bytes: a total order, so output is deterministic.
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
        /// Handle of the first block's text in `texts`, when needed, else -1.
        var text: Int32 = -1
        /// Handle of the first block's stacktrace (text after the header) in `stacks`, else -1.
        var stack: Int32 = -1
    }

    struct CullKey: Hashable {
        var stack: Int32
        var pid: Int32
        var tgid: Int32
        var comm: Int32
        var allocator: Int32
    }

    var groups: [Group] = []
    var texts = ByteInterner(capacity: 4096)
    var stacks = ByteInterner(capacity: 1024)
    let needText: Bool
    let needStack: Bool
    var comms = ByteInterner(capacity: 256)
    var keyIndex: [CullKey: Int32] = [:]
    var scratch: [UInt8] = []
    var lastPFNCMA = false
    var lastPFNSlab = false
    let hasFilter: Bool
    /// Blocks read, and blocks kept after the filters.
    public private(set) var blocks: Int64 = 0
    public private(set) var kept: Int64 = 0

    public init(options: CompatOptions) {
        self.options = options
        hasFilter = options.pids != nil || options.tgids != nil || options.comms != nil
        needText = options.cull.isEmpty || options.sort.contains { $0.key == .txt }
        needStack = options.cull.contains(.stacktrace) || options.sort.contains { $0.key == .stacktrace }
        scratch.reserveCapacity(1 << 16)
    }

    /// Number of groups so far.
    public var groupCount: Int { groups.count }

    /// Adds one block (a record's bytes, up to and including its last newline).
    public mutating func add(_ p: UnsafePointer<UInt8>, _ start: Int, _ stop: Int) {
        blocks += 1
        // The block text: every line but those starting with "PFN", CR removed.
        scratch.removeAll(keepingCapacity: true)
        var pos = start
        while pos < stop {
            let nl = Bytes.find(10, p, pos, stop)
            var end = nl
            if end > pos && p[end - 1] == 13 { end -= 1 }
            if Bytes.hasPrefix("PFN", p, pos, end) {
                lastPFNCMA = Bytes.find("CMA", p, pos, end) != nil
                lastPFNSlab = Bytes.find("slab", p, pos, end) != nil
            } else {
                scratch.append(contentsOf: UnsafeBufferPointer(start: p + pos, count: end - pos))
                scratch.append(10)
            }
            pos = nl + 1
        }
        var text = scratch
        scratch = []
        text.withUnsafeMutableBufferPointer { buf in
            addText(buf)
        }
        scratch = text
    }

    mutating func addText(_ buf: UnsafeMutableBufferPointer<UInt8>) {
        guard buf.count > 0 else { return }
        let b = UnsafePointer(buf.baseAddress!)
        var n = buf.count
        let pid = CompatText.strtolInt32(b, CompatText.numberField(b, n, word: "pid", terminator: 44))
        let tgid = CompatText.strtolInt32(b, CompatText.numberField(b, n, word: "tgid", terminator: 32))
        let commRange = CompatText.commField(b, n) ?? 0..<0
        let commBytes = UnsafeRawBufferPointer(start: b + commRange.lowerBound, count: commRange.count)
        if hasFilter {
            if let pids = options.pids, !pids.contains(pid) { return }
            if let tgids = options.tgids, !tgids.contains(tgid) { return }
            if let cs = options.comms, !cs.contains(where: { $0.withUnsafeBytes { Bytes.compare($0, commBytes) == 0 } }) { return }
        }
        kept += 1
        var pages: Int64 = 0
        if let o = CompatText.numberField(b, n, word: "order", terminator: 44), !o.isEmpty,
           let d = Bytes.decimal(b, o.lowerBound, o.upperBound), !d.overflow, d.value <= 64 {
            pages = d.value <= 62 ? Int64(1) << Int64(d.value) : 0
        }
        let tsRange = CompatText.tsField(b, n)
        let ts = CompatText.strtoull(b, tsRange)
        var alloc: CompatAllocator = []
        if lastPFNCMA { alloc.insert(.cma) }
        if lastPFNSlab { alloc.insert(.slab) }
        if CompatText.vmalloc(b, n) { alloc.insert(.vmalloc) }
        if alloc.isEmpty { alloc = .others }
        let comm = comms.intern(commBytes)

        // Cut the timestamp digits out, as the kernel tool does unless sorting by alloc_ts.
        if !options.keepsTimestamps, let r = tsRange, !r.isEmpty {
            let cut = r.count
            (buf.baseAddress! + r.lowerBound).update(from: buf.baseAddress! + r.upperBound, count: n - r.upperBound)
            n -= cut
        }
        let text = UnsafeRawBufferPointer(start: b, count: n)

        var st: Int32 = -1
        if needStack {
            let nl = Bytes.find(10, b, 0, n)
            let s = nl < n ? nl + 1 : n
            st = stacks.intern(UnsafeRawBufferPointer(start: b + s, count: n - s))
        }
        let index: Int
        if options.cull.isEmpty {
            let h = texts.intern(text)
            if Int(h) == groups.count {
                groups.append(Group(pid: pid, tgid: tgid, comm: comm, ts: ts, allocator: alloc, text: h, stack: st))
            }
            index = Int(h)
        } else {
            let key = CullKey(
                stack: options.cull.contains(.stacktrace) ? st : 0,
                pid: options.cull.contains(.pid) ? pid : 0,
                tgid: options.cull.contains(.tgid) ? tgid : 0,
                comm: options.cull.contains(.comm) ? comm : 0,
                allocator: options.cull.contains(.allocator) ? alloc.rawValue : 0)
            if let g = keyIndex[key] {
                index = Int(g)
            } else {
                index = groups.count
                keyIndex[key] = Int32(index)
                let t = needText ? texts.intern(text) : -1
                groups.append(Group(pid: pid, tgid: tgid, comm: comm, ts: ts, allocator: alloc, text: t, stack: st))
            }
        }
        groups[index].times += 1
        groups[index].pages &+= pages
    }

    /// Total base pages and records over every group (they reconcile with the input).
    public var totals: (times: Int64, pages: Int64) {
        groups.reduce((0, 0)) { ($0.0 + $1.times, $0.1 &+ $1.pages) }
    }

    /// The groups in output order.
    func ordered() -> [Int32] {
        let textRank = texts.sortedRanks()
        let commRank = comms.sortedRanks()
        let noCull = options.cull.isEmpty
        let stackRank = stacks.sortedRanks()
        let cull = options.cull
        func cmpKey(_ k: CompatOptions.Key, _ a: Int, _ b: Int) -> Int {
            let x = groups[a], y = groups[b]
            switch k {
            case .times: return x.times == y.times ? 0 : (x.times < y.times ? -1 : 1)
            case .pages: return x.pages == y.pages ? 0 : (x.pages < y.pages ? -1 : 1)
            case .pid: return x.pid == y.pid ? 0 : (x.pid < y.pid ? -1 : 1)
            case .tgid: return x.tgid == y.tgid ? 0 : (x.tgid < y.tgid ? -1 : 1)
            case .comm: return commRank[Int(x.comm)] == commRank[Int(y.comm)] ? 0 : (commRank[Int(x.comm)] < commRank[Int(y.comm)] ? -1 : 1)
            case .allocTs: return x.ts == y.ts ? 0 : (x.ts < y.ts ? -1 : 1)
            case .allocator: return x.allocator.rawValue == y.allocator.rawValue ? 0 : (x.allocator.rawValue < y.allocator.rawValue ? -1 : 1)
            case .txt:
                let rx = textRank[Int(x.text)], ry = textRank[Int(y.text)]
                return rx == ry ? 0 : (rx < ry ? -1 : 1)
            case .stacktrace:
                let rx = stackRank[Int(x.stack)], ry = stackRank[Int(y.stack)]
                return rx == ry ? 0 : (rx < ry ? -1 : 1)
            }
        }
        func cullCompare(_ a: Int, _ b: Int) -> Int {
            if noCull { return cmpKey(.txt, a, b) }
            if cull.contains(.stacktrace) { let c = cmpKey(.stacktrace, a, b); if c != 0 { return c } }
            if cull.contains(.pid) { let c = cmpKey(.pid, a, b); if c != 0 { return c } }
            if cull.contains(.tgid) { let c = cmpKey(.tgid, a, b); if c != 0 { return c } }
            if cull.contains(.comm) { let c = cmpKey(.comm, a, b); if c != 0 { return c } }
            if cull.contains(.allocator) { let c = cmpKey(.allocator, a, b); if c != 0 { return c } }
            return 0
        }
        let sort = options.sort
        var order = Array(0..<Int32(groups.count))
        order.sort { ia, ib in
            let a = Int(ia), b = Int(ib)
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
                texts.withBytes(g.text) { line.append(contentsOf: $0) }
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
                if cull.contains(.allocator) {
                    line.append(", ")
                    g.allocator.appendLabel(to: &line)
                }
                if cull.contains(.stacktrace) {
                    line.append(":\n")
                    stacks.withBytes(g.stack) { line.append(contentsOf: $0) }
                }
                line.append(10)
            }
            try out.write(line)
        }
    }
}
