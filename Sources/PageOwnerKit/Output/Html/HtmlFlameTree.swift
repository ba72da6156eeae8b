/// The stacks of a page as one compact tree: a table of frame names (each distinct name once)
/// and the nodes in depth-first order, children sorted by name, as two arrays: the frame name
/// of each node and its depth (a node's parent is the nearest earlier node one level up).
/// Root first, as a flame graph draws them; node 0 is the root. Built from the stack table's
/// bytes: one name per distinct frame, no string per record or per stack.
struct HtmlFlameTree {
    /// Frame names (`symbol [module]`, offsets dropped unless kept); a frame's id in the page
    /// is its rank in name order.
    var names = ByteInterner(capacity: 4096)
    /// Per node, in depth-first order: frame id and depth.
    var frame: [Int32] = []
    var depth: [Int32] = []
    /// The node each added stack ends at (by stack handle; -1 when not added).
    private var endOf: [Int32: Int32] = [:]
    /// Nodes while building: frame, parent; children are found by (parent, frame).
    private var bFrame: [Int32] = []
    private var bParent: [Int32] = []
    private var child: [UInt64: Int32] = [:]
    private var scratch: [UInt8] = []
    private var path: [Int32] = []
    let keepOffsets: Bool

    init(root: String, keepOffsets: Bool) {
        self.keepOffsets = keepOffsets
        let f = ByteView.with(root) { names.intern($0) }
        bFrame = [f]
        bParent = [-1]
    }

    /// Adds stack `h` of `stacks` (if not added yet); returns its end node (a build index:
    /// call `finish` and map it with `node(of:)`).
    mutating func add(stack h: Int32, _ stacks: StackTable) {
        if endOf[h] != nil { return }
        path.removeAll(keepingCapacity: true)
        let info = stacks.info[Int(h)]
        if info.kind.isPlaceholder && info.frameCount <= 1 && info.caller >= 0 {
            path.append(stacks.names.withBytes(info.caller) { names.intern($0) })
        } else {
            stacks.forEachFrame(h) { f in path.append(frameName(f)) }
            path.reverse()
        }
        var n: Int32 = 0
        for f in path {
            let k = UInt64(UInt32(bitPattern: n)) << 32 | UInt64(UInt32(bitPattern: f))
            if let c = child[k] {
                n = c
            } else {
                let c = Int32(bFrame.count)
                bFrame.append(f)
                bParent.append(n)
                child[k] = c
                n = c
            }
        }
        endOf[h] = n
    }

    /// The name of one frame: `symbol [module]`, or the text as printed with `keepOffsets`.
    mutating func frameName(_ p: ByteView) -> Int32 {
        if keepOffsets || p.isEmpty { return names.intern(p) }
        let (ss, se) = StackTable.symbol(p, 0, p.count)
        scratch.removeAll(keepingCapacity: true)
        scratch.append(p.slice(ss, se))
        if let (ms, me) = StackTable.module(p, 0, p.count) {
            scratch.append(contentsOf: [32, 91])
            scratch.append(p.slice(ms, me))
            scratch.append(93)
        }
        return scratch.withUnsafeBytes { names.intern($0) }
    }

    /// Frame handles in name order (frame id → handle in `names`).
    private var byRank: [Int32] = []

    /// Build index → depth-first index, once every stack is added.
    private(set) var order: [Int32] = []

    /// Lays the nodes out depth first, children sorted by name (then by build order).
    mutating func finish() {
        let n = bFrame.count
        var kids = [[Int32]](repeating: [], count: n)
        for i in 1..<n { kids[Int(bParent[i])].append(Int32(i)) }
        let rank = names.sortedRanks()
        // Frame ids are ranks in name order: the same page whatever order stacks came in.
        byRank = [Int32](repeating: 0, count: rank.count)
        for (h, r) in rank.enumerated() { byRank[Int(r)] = Int32(h) }
        order = [Int32](repeating: -1, count: n)
        frame.reserveCapacity(n)
        depth.reserveCapacity(n)
        var stack: [(Int32, Int32)] = [(0, 0)]
        while let (b, d) = stack.popLast() {
            order[Int(b)] = Int32(frame.count)
            frame.append(rank[Int(bFrame[Int(b)])])
            depth.append(d)
            // Siblings have distinct frames: their names order them.
            let c = kids[Int(b)].sorted { rank[Int(bFrame[Int($0)])] < rank[Int(bFrame[Int($1)])] }
            for k in c.reversed() { stack.append((k, d + 1)) }
        }
        child = [:]
    }

    /// The depth-first node where stack `h` ends (after `finish`), or 0 (the root).
    func node(of h: Int32) -> Int32 {
        guard let b = endOf[h] else { return 0 }
        return order[Int(b)]
    }

    var count: Int { frame.count }

    /// `"frames":[…],"tree":{"f":"…","d":"…"}` (frame ids and depths `HtmlJSON.packed`)
    func write(_ j: inout HtmlJSON) {
        j.key("frames")
        j.raw("[")
        for (i, h) in byRank.enumerated() {
            if i > 0 { j.raw(",") }
            names.withBytes(h) { j.string($0) }
        }
        j.raw("]")
        j.raw(",")
        j.key("tree")
        j.raw("{")
        j.key("f")
        j.packed(frame)
        j.raw(",")
        j.key("d")
        j.packed(depth)
        j.raw("}")
    }

    /// The finished tree of the stacks of `fine`'s groups that `isLive` keeps, with those
    /// groups and their stack handles, in group order.
    static func of(_ fine: Aggregator, keepOffsets: Bool, isLive: (Int) -> Bool) -> (tree: HtmlFlameTree, live: [Int32], stackOf: [Int32]) {
        var tree = HtmlFlameTree(root: "all", keepOffsets: keepOffsets)
        var live: [Int32] = []
        var stackOf: [Int32] = []
        for g in 0..<Int32(fine.groups.count) where isLive(Int(g)) {
            let h = HtmlTableCells.stackHandle(fine, g)!
            tree.add(stack: h, fine.stacks)
            live.append(g)
            stackOf.append(h)
        }
        tree.finish()
        return (tree, live, stackOf)
    }
}
