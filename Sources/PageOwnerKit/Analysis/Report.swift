/// The groups of one snapshot, filtered, sorted and cut to what the user asked for, with
/// every value rendered for the formatters. Formatters only print what is here.
public struct Report {
    /// One rendered key value.
    public struct Cell: Sendable {
        public var text: String
        /// Set for numeric keys (nil when the input did not carry the field).
        public var number: Int64?
        public var isNumeric: Bool
        public var bool: Bool?
    }

    /// One group's row. Rows with the same cells share one `cells` array (see `CellMemo`),
    /// and the label is kept as the stack's kind: a row costs 64 bytes and no allocation of
    /// its own (10^6 rows took ~250 MB when each held its cells and label).
    public struct Row: Sendable {
        public var group: Int32
        /// The stack's handle in `Report.stacks` when `stack` is a key, else -1.
        public var stack: Int32 = -1
        public var metrics: Aggregator.Metrics
        public var cells: [Cell]
        /// Frames, innermost first, when `stack` is a key.
        public var frames: [String]?
        /// The kind of the row's stack when `stack` is a key (its label), else nil.
        var stackKind: StackTable.Kind?

        /// A label for placeholder and unresolved stacks.
        public var stackLabel: String? { stackKind?.label }

        init(group: Int32, metrics: Aggregator.Metrics, cells: [Cell], frames: [String]?, stackKind: StackTable.Kind?, stack: Int32) {
            self.group = group
            self.stack = stack
            self.metrics = metrics
            self.cells = cells
            self.frames = frames
            self.stackKind = stackKind
        }
    }

    /// A sort field: a metric or a group key.
    public struct SortField: Sendable, Equatable {
        public enum Field: Sendable, Equatable {
            case records, pages, bytes, firstTs, lastTs
            case key(GroupKey)
        }
        public var field: Field
        public var descending: Bool

        public init(field: Field, descending: Bool) {
            self.field = field
            self.descending = descending
        }

        /// The metric names and the group keys (for completion and "did you mean").
        public static let names = ["records", "pages", "bytes", "first_ts", "last_ts"] + GroupKey.allCases.map(\.rawValue)

        /// Parses `pages`, `pages:asc`, `comm:desc`, `-pages`, `+comm`.
        public static func parseList(_ s: String) throws -> [SortField] {
            try s.split(separator: ",").map { w in
                var word = String(w)
                var dir: Bool? = nil
                if word.hasPrefix("-") {
                    dir = true
                    word.removeFirst()
                } else if word.hasPrefix("+") {
                    dir = false
                    word.removeFirst()
                }
                if let c = word.firstIndex(of: ":") {
                    let d = word[word.index(after: c)...]
                    word = String(word[..<c])
                    switch d {
                    case "asc": dir = false
                    case "desc": dir = true
                    default: throw UsageError("bad sort direction '\(d)': use asc or desc")
                    }
                }
                let f: Field
                switch word {
                case "records", "times": f = .records
                case "pages": f = .pages
                case "bytes": f = .bytes
                case "first_ts", "first-ts": f = .firstTs
                case "last_ts", "last-ts", "ts": f = .lastTs
                default:
                    guard let k = GroupKey(rawValue: word) ?? GroupKey.aliases[word] else {
                        throw UsageError(
                            "unknown sort field '\(word)'\(Suggestion.hint(word, among: SortField.names)): use records, pages, bytes, first_ts, last_ts or a group key"
                        )
                    }
                    f = .key(k)
                }
                let numericMetric: Bool = { if case .key = f { return false } else { return true } }()
                return SortField(field: f, descending: dir ?? numericMetric)
            }
        }
    }

    public struct Selection: Sendable {
        public var top: Int?
        public var minPages: Int64?
        public var minPercent: Double?
        public var sort: [SortField] = [SortField(field: .pages, descending: true)]
        public init() {}
    }

    public let keys: [GroupKey]
    public let pageSize: Int64
    /// The stacks rows refer to (`Row.stack`), for formatters that read frames as bytes.
    public let stacks: StackTable
    /// Totals after filters (every group), and of the rows shown.
    public var total = Aggregator.Metrics()
    public var shown = Aggregator.Metrics()
    public var groupCount = 0
    public var rows: [Row] = []
    /// With `cells` false: each distinct cell once, and row `i`'s cell of key position
    /// `pos` at `cellTable[cellIDs[i * keys.count + pos]]` (rows carry no cells).
    public private(set) var cellTable: [Cell] = []
    public private(set) var cellIDs: [Int32] = []

    /// Starts loading the stacks of the rows a little ahead of row `i` (rows below `end`):
    /// a formatter that reads each row's stack calls it once a row, so the stack's frame
    /// ids are in cache when it gets there (rows are in report order, their stacks in none).
    @inline(__always)
    public func prefetchStacks(ahead i: Int, end: Int) {
        if i + 16 < end, case let h = rows[i + 16].stack, h >= 0 { stacks.stacks.prefetchStart(h) }
        if i + 8 < end, case let h = rows[i + 8].stack, h >= 0 { stacks.stacks.prefetchIDs(h) }
    }

    /// Builds the report of snapshot `snapshot`. With `frameText` false, rows carry no
    /// `frames` strings (a formatter that reads `stacks` needs none); with `cells` false,
    /// no cells either: they are in `cellTable`/`cellIDs`, an array a row fewer. With
    /// `ordered` false (a formatter that orders its own output, as folded does), the rows
    /// are in group order unless `selection.top` needs the sort to pick them.
    public init(
        _ agg: Aggregator, snapshots: [Int]? = nil, selection: Selection, pageSize: Int64 = 4096, frameText: Bool = true,
        cells: Bool = true, ordered: Bool = true, threads: Int = 1
    ) {
        agg.resolveLateHandles()
        keys = agg.keys
        self.pageSize = pageSize
        stacks = agg.stacks
        let m = agg.summed(snapshots ?? Array(0..<agg.snapshotCount))
        var live: [Int32] = []
        for (g, x) in m.enumerated() where x.records != 0 || x.pages != 0 {
            live.append(Int32(g))
            total.add(x)
        }
        groupCount = live.count
        let order =
            ordered || selection.top != nil
            ? Report.order(agg, groups: live, metrics: { m[Int($0)] }, sort: selection.sort, threads: threads) : live
        // Every group is shown unless the selection leaves some out (then the rows are read
        // in report order: a cache miss a group at 10^6 groups).
        let everyGroup = selection.minPages == nil && selection.minPercent == nil && selection.top == nil
        var out: [Int32] = everyGroup ? order : []
        if !everyGroup {
            for g in order {
                let x = m[Int(g)]
                if let mp = selection.minPages, x.pages < mp { continue }
                if let pc = selection.minPercent, total.pages > 0, Double(x.pages) * 100 / Double(total.pages) < pc { continue }
                if let t = selection.top, out.count >= t { break }
                out.append(g)
            }
        }
        if !cells {
            rows.reserveCapacity(out.count)
            (cellTable, cellIDs) = Self.compactCells(agg, rows: out, threads: threads)
            let stackPos = keys.firstIndex(of: .stack)
            let table = agg.groups
            for g in out {
                let x = m[Int(g)]
                shown.records += x.records
                shown.pages +|= x.pages
                let stack = stackPos.map { Int32(bitPattern: UInt32(truncatingIfNeeded: table.value(g, $0))) } ?? -1
                let kind = stack >= 0 ? agg.stacks.info[Int(stack)].kind : nil
                rows.append(Row(group: g, metrics: x, cells: [], frames: nil, stackKind: kind, stack: stack))
            }
            return
        }
        if everyGroup {
            // Every group shown: the sums are `total`'s (pages are never negative, so their
            // saturating sum is the same in any order).
            shown.records = total.records
            shown.pages = total.pages
        } else {
            for g in out {
                let x = m[Int(g)]
                shown.records += x.records
                shown.pages +|= x.pages
            }
        }
        // Rows are rendered in ranges on the threads, each range with its own memo, into
        // their own slots of one array (no second copy of the rows): the same rows on any
        // number of threads.
        rows = Array(repeating: Row(group: -1, metrics: Aggregator.Metrics(), cells: [], frames: nil, stackKind: nil, stack: -1), count: out.count)
        ParallelParts.withSlots(&rows) { slots in
            ParallelParts.forEach(out.count, threads: threads) { range in
                var memo: CellMemo? = range.count > 64 ? CellMemo(keys: agg.keys.count) : nil
                // The aggregator's tables are read once a range, not once a row: each read of
                // a class's stored struct retains its arrays, and two threads retaining the
                // same buffers contend for its reference count.
                let view = RenderView(agg)
                let stackPos = view.keys.firstIndex(of: .stack)
                for i in range {
                    // Groups are in report order, their keys, metrics and stacks' facts in
                    // none: each row's are started a few rows ahead (the stack's once its key is in).
                    if i + 8 < range.upperBound {
                        view.table.prefetchKey(out[i + 8])
                        m.prefetch(Int(out[i + 8]))
                    }
                    if let p = stackPos, i + 4 < range.upperBound {
                        view.stacks.info.prefetch(Int(Int32(bitPattern: UInt32(truncatingIfNeeded: view.table.value(out[i + 4], p)))))
                    }
                    let g = out[i]
                    slots[i] = Report.render(agg, view, group: g, metrics: m[Int(g)], frameText: frameText, memo: &memo)
                }
            }
        }
    }

    /// Groups in the requested order; ties are broken by the key values (stack bytes,
    /// comm bytes, numbers), so the order is total and the same on every run.
    ///
    /// The sort fields are turned into one flat array of unsigned keys first (ascending
    /// order = the order asked for), so the sort compares integers; only groups equal on
    /// every sort field are then ordered by their key bytes. With `threads` above 1 the
    /// loops over groups and the text keys' ranks are split over that many threads; the
    /// order is the same on any number.
    public static func order(
        _ agg: Aggregator, groups: [Int32], metrics: (Int32) -> Aggregator.Metrics, sort: [SortField], threads: Int = 1
    ) -> [Int32] {
        let keys = agg.keys
        let n = groups.count
        let width = sort.count
        // Ranks only for the text keys the user sorts by (ties use byte comparisons).
        var ranks: [GroupKey: [Int32]] = [:]
        for s in sort {
            guard case .key(let k) = s.field, keys.contains(k), ranks[k] == nil else { continue }
            ranks[k] = k == .stack ? agg.stacks.stacks.sortedRanks(threads: threads) : TieRanks.interner(agg, k)?.sortedRanks()
        }
        var flat = [UInt64](repeating: 0, count: n * width)
        // One read of the aggregator's key table, not one (a dynamic exclusivity check on the
        // aggregator's state) a group.
        let table = agg.groups
        ParallelParts.withSlots(&flat) { flat in
            ParallelParts.forEach(n, threads: threads) { range in
                for i in range {
                    let g = groups[i]
                    let m = metrics(g)
                    for (j, s) in sort.enumerated() {
                        var v: UInt64
                        switch s.field {
                        case .records: v = UInt64(bitPattern: m.records) ^ (1 << 63)
                        case .pages, .bytes: v = UInt64(bitPattern: m.pages) ^ (1 << 63)
                        case .firstTs: v = m.firstTs
                        case .lastTs: v = m.lastTs
                        case .key(let k):
                            if let pos = keys.firstIndex(of: k) {
                                v = sortKey(k, table.value(g, pos), ranks[k])
                            } else {
                                v = 0
                            }
                        }
                        flat[i * width + j] = s.descending ? ~v : v
                    }
                }
            }
        }
        // First field inline with the index (sequential memory, integer compares); the
        // other fields only inside runs equal on the first.
        struct Entry {
            var key: UInt64
            var index: Int32
        }
        var firstKeys = [UInt64](repeating: 0, count: n)
        if width > 0 { for i in 0..<n { firstKeys[i] = flat[i * width] } }
        // Stable: equal first keys stay in index order.
        var idx = RadixSort.sorted(keys: firstKeys, payloads: Array(0..<Int32(n)), threads: threads)
        let entries = idx.map { Entry(key: firstKeys[Int($0)], index: $0) }
        if width > 1 {
            var start = 0
            while start < n {
                var end = start + 1
                while end < n && entries[end].key == entries[start].key { end += 1 }
                if end - start > 1 {
                    idx[start..<end].sort { x, y in
                        let a = Int(x) * width
                        let b = Int(y) * width
                        for j in 1..<width where flat[a + j] != flat[b + j] { return flat[a + j] < flat[b + j] }
                        return x < y
                    }
                }
                start = end
            }
        }
        // Runs equal on every sort field: by key values, then group number. The tied
        // groups' key values become integers first (a text key by the rank of its text
        // among the tied groups' texts, equal texts equal ranks), so the runs sort by
        // integer compares, not by reading bytes per comparison.
        var runs: [Range<Int>] = []
        var start = 0
        while start < n {
            var end = start + 1
            let a = Int(idx[start]) * width
            while end < n {
                let b = Int(idx[end]) * width
                var same = true
                for j in 0..<width where flat[a + j] != flat[b + j] {
                    same = false
                    break
                }
                if !same { break }
                end += 1
            }
            if end - start > 1 { runs.append(start..<end) }
            start = end
        }
        guard !runs.isEmpty else { return idx.map { groups[Int($0)] } }
        let kw = keys.count
        let tieRanks = TieRanks(agg, groups: groups, idx: idx, runs: runs, threads: threads)
        // Row `idx[i]`'s key integers at `tieRow[idx[i]] * kw`.
        var tieRow = [Int32](repeating: -1, count: n)
        var tied: [Int32] = []
        for r in runs {
            for i in r {
                tieRow[Int(idx[i])] = Int32(tied.count)
                tied.append(idx[i])
            }
        }
        var tieKeys = [UInt64](repeating: 0, count: tied.count * kw)
        ParallelParts.withSlots(&tieKeys) { out in
            ParallelParts.forEach(tied.count, threads: threads) { range in
                for row in range {
                    let g = groups[Int(tied[row])]
                    for pos in 0..<kw { out[row * kw + pos] = tieRanks.sortKey(pos, table.value(g, pos)) }
                }
            }
        }
        // When every tied row's key integers (less each column's least) and its group
        // number fit one word together, the runs sort by that word alone.
        if let packed = Self.packTies(
            tieKeys, rows: tied.count, width: kw, groups: groups, tieRow: tieRow, idx: idx, runs: runs, threads: threads)
        {
            // The runs are disjoint ranges of `idx`. A run of more than a quarter of the tied
            // rows (rows of one page each, at 10^6 stacks) is sorted on all threads first; of
            // the others, the first ones (half their rows) on this thread, the rest on a second.
            let total = tied.count
            let source = idx
            let isLarge = { (r: Range<Int>) in r.count > total / 4 && r.count >= 1 << 16 }
            let large = runs.filter(isLarge)
            let small = runs.filter { !isLarge($0) }
            let smallTotal = small.reduce(0) { $0 + $1.count }
            var cut = 0
            var sum = 0
            while cut < small.count && sum * 2 < smallTotal {
                sum += small[cut].count
                cut += 1
            }
            ParallelParts.withSlots(&idx) { out in
                let sortRuns: (ArraySlice<Range<Int>>, Int) -> Void = { part, threads in
                    for r in part {
                        let sortedRun = RadixSort.sorted(
                            keys: r.map { packed[Int(tieRow[Int(source[$0])])] }, payloads: r.map { source[$0] }, threads: threads)
                        for (j, i) in r.enumerated() { out[i] = sortedRun[j] }
                    }
                }
                sortRuns(large[...], threads)
                ParallelParts.run(
                    [{ sortRuns(small[..<cut], 1) }, { sortRuns(small[cut...], 1) }], threads: smallTotal >= 8192 ? threads : 1)
            }
            return idx.map { groups[Int($0)] }
        }
        for r in runs {
            idx[r].sort { x, y in
                let a = Int(tieRow[Int(x)]) * kw
                let b = Int(tieRow[Int(y)]) * kw
                for j in 0..<kw where tieKeys[a + j] != tieKeys[b + j] { return tieKeys[a + j] < tieKeys[b + j] }
                return groups[Int(x)] < groups[Int(y)]
            }
        }
        return idx.map { groups[Int($0)] }
    }

    /// Each tied row's key integers and group number as one word ordered as the
    /// comparison of the runs orders them (columns in key order, each as the dense rank of
    /// its value among the tied rows' values, then the group), or nil when they need more
    /// than 64 bits.
    static func packTies(
        _ tieKeys: [UInt64], rows: Int, width kw: Int, groups: [Int32], tieRow: [Int32], idx: [Int32], runs: [Range<Int>],
        threads: Int = 1
    ) -> [UInt64]? {
        guard rows > 0 else { return nil }
        var group = [Int32](repeating: 0, count: rows)
        for r in runs { for i in r { group[Int(tieRow[Int(idx[i])])] = groups[Int(idx[i])] } }
        var bits = RadixSort.bits(UInt64(group.max() ?? 0))
        var out = [UInt64](repeating: 0, count: rows)
        // Each column's ranks on its own (columns split over the threads), then packed in
        // key order.
        let columns = (0..<kw).map { _ in Handoff<(rank: [UInt64], last: UInt64)>(([], 0)) }
        ParallelParts.forEach(kw, threads: rows >= 8192 ? threads : 1, minimum: 1) { range in
            for j in range { columns[j].value = Self.denseRanks(tieKeys, rows: rows, width: kw, column: j) }
        }
        for j in 0..<kw {
            let (rank, next) = columns[j].value
            let b = RadixSort.bits(next)
            bits += b
            guard bits <= 64 else { return nil }
            if b > 0 { for row in 0..<rows { out[row] = out[row] << UInt64(b) | rank[row] } }
        }
        let groupBits = RadixSort.bits(UInt64(group.max() ?? 0))
        if groupBits > 0 { for row in 0..<rows { out[row] = out[row] << UInt64(groupBits) | UInt64(group[row]) } }
        return out
    }

    /// The dense rank of each row's value in column `j` of `tieKeys` (equal values equal
    /// ranks, from 0) and the highest rank.
    static func denseRanks(_ tieKeys: [UInt64], rows: Int, width kw: Int, column j: Int) -> (rank: [UInt64], last: UInt64) {
        var column = [UInt64](repeating: 0, count: rows)
        var rank = [UInt64](repeating: 0, count: rows)
        var lo = UInt64.max
        var hi: UInt64 = 0
        for row in 0..<rows {
            let v = tieKeys[row * kw + j]
            column[row] = v
            lo = min(lo, v)
            hi = max(hi, v)
        }
        // By counting when the values span a range not much wider than the rows (ranks,
        // small numbers), else by sorting.
        var next: UInt64 = 0
        if hi - lo < UInt64(max(4 * rows, 1 << 16)) {
            var dense = [UInt32](repeating: 0, count: Int(hi - lo) + 1)
            for row in 0..<rows { dense[Int(column[row] - lo)] = 1 }
            var distinct: UInt32 = 0
            for i in 0..<dense.count where dense[i] != 0 {
                dense[i] = distinct
                distinct += 1
            }
            for row in 0..<rows { rank[row] = UInt64(dense[Int(column[row] - lo)]) }
            next = UInt64(distinct - 1)
        } else {
            let order = RadixSort.sorted(keys: column, payloads: Array(0..<Int32(rows)))
            for (i, row) in order.enumerated() {
                if i > 0 && column[Int(row)] != column[Int(order[i - 1])] { next += 1 }
                rank[Int(row)] = next
            }
        }
        return (rank, next)
    }

    /// A key value as an unsigned sort key (ascending = the key's natural order).
    static func sortKey(_ k: GroupKey, _ x: UInt64, _ rank: [Int32]?) -> UInt64 {
        switch k {
        case .stack, .comm, .caller, .module:
            // A missing value (-1) first.
            return x == 0xffff_ffff ? 0 : UInt64(rank![Int(x)]) + 1
        case .memcg:
            if x == .max { return 0 }
            return (UInt64(rank![Int(x & 0xffff_ffff)]) + 1) << 32 | (x >> 32)
        case .pid, .tgid, .order:
            return UInt64(bitPattern: Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: x)))) ^ (1 << 63)
        case .node, .zone:
            return UInt64(bitPattern: Int64(Int16(bitPattern: UInt16(truncatingIfNeeded: x)))) ^ (1 << 63)
        default:
            return x
        }
    }

    /// The text keys' values of tied groups as ranks: for each text key, the distinct
    /// handles the tied groups hold, sorted once by their text (stacks frame by frame),
    /// equal texts given equal ranks.
    struct TieRanks {
        let keys: [GroupKey]
        /// Per key position: the rank of each handle (-1 where no tied group holds it);
        /// empty for keys that are numbers.
        var ranks: [[Int32]]

        init(_ agg: Aggregator, groups: [Int32], idx: [Int32], runs: [Range<Int>], threads: Int = 1) {
            let keys = agg.keys
            self.keys = keys
            // Each text key's ranks on their own; the stack's (the most work: stacks compare
            // frame by frame) on a second thread when there is one.
            var positions = keys.indices.filter { keys[$0] == .stack || TieRanks.interner(agg, keys[$0]) != nil }
            if let s = positions.firstIndex(where: { keys[$0] == .stack }), positions.count > 1 { positions.swapAt(s, 1) }
            let results = positions.map { _ in Handoff<[Int32]>([]) }
            let jobs = positions.indices.map { j in
                // The stack's ranks use every thread when they are the only text key's.
                { results[j].value = TieRanks.ranks(agg, position: positions[j], groups: groups, idx: idx, runs: runs, threads: positions.count == 1 ? threads : 1) }
            }
            ParallelParts.run(jobs, threads: threads)
            var ranks = [[Int32]](repeating: [], count: keys.count)
            for (j, pos) in positions.enumerated() { ranks[pos] = results[j].value }
            self.ranks = ranks
        }

        /// The rank of each handle of the text key at `pos` that a tied group holds (-1 for
        /// the others): the distinct handles sorted once by their text, equal texts equal ranks.
        static func ranks(_ agg: Aggregator, position pos: Int, groups: [Int32], idx: [Int32], runs: [Range<Int>], threads: Int = 1) -> [Int32] {
            let k = agg.keys[pos]
            // Stacks compare frame by frame; every other text key is a handle in one interner.
            let n: Int
            let compare: (Int32, Int32) -> Int
            if k == .stack {
                let stacks = agg.stacks.stacks
                n = stacks.count
                // Captured by value (capture lists): a closure that captures a variable checks
                // each access to it (dynamic exclusivity), once a comparison.
                compare = { [stacks] in stacks.compare($0, $1) }
            } else if let texts = Self.interner(agg, k) {
                n = texts.count
                compare = { [texts] in texts.compare($0, $1) }
            } else {
                return []
            }
            var rank = [Int32](repeating: -1, count: n)
            var distinct: [Int32] = []
            let table = agg.groups
            for r in runs {
                for i in r {
                    let v = table.value(groups[Int(idx[i])], pos)
                    if k == .memcg ? v == .max : v == 0xffff_ffff { continue }
                    let h = Int(v & 0xffff_ffff)
                    if h < n, rank[h] < 0 {
                        rank[h] = 0
                        distinct.append(Int32(h))
                    }
                }
            }
            if k == .stack, distinct.count > 1024 {
                // Many stacks: sorted by their frames' ranks, with no comparison a pair.
                // Distinct stacks never compare equal, so a stack's rank is its place.
                let stacks = agg.stacks.stacks
                for (i, h) in stacks.sorted(distinct, frameRanks: stacks.frameRanks(threads: threads), threads: threads).enumerated() { rank[Int(h)] = Int32(i) }
                return rank
            }
            distinct.sort { compare($0, $1) < 0 }
            var next: Int32 = 0
            for (i, h) in distinct.enumerated() {
                if i > 0 && compare(distinct[i - 1], h) != 0 { next += 1 }
                rank[Int(h)] = next
            }
            return rank
        }

        /// The interner that holds key `k`'s texts, or nil for a key that is not text.
        static func interner(_ agg: Aggregator, _ k: GroupKey) -> ByteInterner? {
            switch k {
            case .comm: return agg.comms
            case .caller, .module: return agg.stacks.names
            case .memcg: return agg.memcgs
            default: return nil
            }
        }

        /// Key `pos`'s value as an integer in the key's natural order (text keys by rank,
        /// a missing value first).
        func sortKey(_ pos: Int, _ x: UInt64) -> UInt64 {
            let k = keys[pos]
            switch k {
            case .stack, .comm, .caller, .module:
                if x == 0xffff_ffff { return 0 }
                return rank(pos, x)
            case .memcg:
                if x == .max { return 0 }
                return rank(pos, x) << 8 | (x >> 32 & 0xff)
            default:
                return Report.sortKey(k, x, nil)
            }
        }

        /// 1 + the rank of the handle in `x`'s low 32 bits (0 for none).
        @inline(__always)
        func rank(_ pos: Int, _ x: UInt64) -> UInt64 {
            let h = Int(x & 0xffff_ffff)
            return h < ranks[pos].count ? UInt64(ranks[pos][h] + 1) : 0
        }
    }

    /// Renders group `g`'s key values.
    public static func render(_ agg: Aggregator, group g: Int32, metrics: Aggregator.Metrics, frameText: Bool = true) -> Row {
        var none: CellMemo? = nil
        return render(agg, RenderView(agg), group: g, metrics: metrics, frameText: frameText, memo: &none)
    }

    /// What rendering a row reads of the aggregator, read out of it once.
    struct RenderView {
        let keys: [GroupKey]
        let table: PackedKeyTable
        let stacks: StackTable
        init(_ agg: Aggregator) {
            keys = agg.keys
            table = agg.groups
            stacks = agg.stacks
        }
    }

    /// Cells already rendered, by key position and value: a report of many groups renders
    /// each distinct value (a task name, a gfp mask, a memcg path) once, not once a row.
    /// A stack's cell is its caller's, so the stack column is memoized by caller handle (one
    /// entry a caller, not one a stack). Rows whose cells are all the same share one `cells`
    /// array (`shared`, by the cells' ids packed in a word, when they fit): a report of 10^6
    /// stacks holds a few thousand arrays, not 10^6.
    struct CellMemo {
        var index: [WordMap]
        var cells: [Cell] = []
        /// `[Cell]` arrays by their cells' ids packed (`arrays[shared.get(ids)]`).
        var shared = WordMap(capacity: 64)
        var arrays: [[Cell]] = []
        init(keys: Int) { index = (0..<keys).map { _ in WordMap(capacity: 64) } }
    }

    /// Each distinct cell of the groups `rows` once, and each row's cell ids (row `i`'s cell
    /// of key position `pos` at `table[ids[i * keys + pos]]`). Cells are numbered as one pass
    /// over the rows, key by key, first meets them; each key position's values are found
    /// on their own (positions split over `threads`) and only the distinct ones are rendered.
    static func compactCells(_ agg: Aggregator, rows: [Int32], threads: Int) -> (table: [Cell], ids: [Int32]) {
        let kw = agg.keys.count
        let n = rows.count
        struct Column {
            /// Distinct values in the order the rows meet them, and the row that met each first.
            var values: [UInt64] = []
            var firstRow: [Int32] = []
            /// Each row's value as an index in `values`.
            var local: [Int32] = []
        }
        let columns = (0..<kw).map { _ in Handoff(Column()) }
        let keyTable = agg.groups
        ParallelParts.forEach(kw, threads: n >= 8192 ? threads : 1, minimum: 1) { positions in
            for pos in positions {
                var c = Column()
                c.local.reserveCapacity(n)
                var seen = WordMap(capacity: 64)
                for (i, g) in rows.enumerated() {
                    let v = keyTable.value(g, pos)
                    var id = seen.get(v)
                    if id < 0 {
                        id = Int32(c.values.count)
                        seen.set(v, id)
                        c.values.append(v)
                        c.firstRow.append(Int32(i))
                    }
                    c.local.append(id)
                }
                columns[pos].value = c
            }
        }
        // First meetings in (row, key position) order give the cells their numbers.
        var firsts: [(at: Int, pos: Int, local: Int)] = []
        for pos in 0..<kw {
            for (l, r) in columns[pos].value.firstRow.enumerated() { firsts.append((Int(r) * kw + pos, pos, l)) }
        }
        firsts.sort { $0.at < $1.at }
        var table: [Cell] = []
        table.reserveCapacity(firsts.count)
        var global = (0..<kw).map { [Int32](repeating: 0, count: columns[$0].value.values.count) }
        for f in firsts {
            global[f.pos][f.local] = Int32(table.count)
            table.append(Report.cell(agg, agg.keys[f.pos], columns[f.pos].value.values[f.local]))
        }
        var ids = [Int32](repeating: 0, count: n * kw)
        for pos in 0..<kw {
            let local = columns[pos].value.local
            let g = global[pos]
            for i in 0..<n { ids[i * kw + pos] = g[Int(local[i])] }
        }
        return (table, ids)
    }

    /// Each distinct cell once and every row's cell ids (`cellTable`/`cellIDs`), made from
    /// the rows' cells when the report was built with them.
    public func compactCells() -> (table: [Cell], ids: [Int32]) {
        if !cellIDs.isEmpty || rows.isEmpty || keys.isEmpty { return (cellTable, cellIDs) }
        var table: [Cell] = []
        var ids: [Int32] = []
        ids.reserveCapacity(rows.count * keys.count)
        var seen = [[String: Int32]](repeating: [:], count: keys.count)
        for r in rows {
            for (pos, c) in r.cells.enumerated() {
                if let id = seen[pos][c.text] {
                    ids.append(id)
                } else {
                    let id = Int32(table.count)
                    table.append(c)
                    seen[pos][c.text] = id
                    ids.append(id)
                }
            }
        }
        return (table, ids)
    }

    static func render(
        _ agg: Aggregator, _ view: RenderView, group g: Int32, metrics: Aggregator.Metrics, frameText: Bool, memo: inout CellMemo?
    ) -> Row {
        var cells: [Cell] = []
        cells.reserveCapacity(view.keys.count)
        var frames: [String]?
        var kind: StackTable.Kind?
        var stack: Int32 = -1
        // The memoized cells' ids packed, while they fit a word (`CellMemo.shared`).
        var packed: UInt64 = 0
        var packable = memo != nil && view.keys.count <= 3
        for (i, k) in view.keys.enumerated() {
            let v = view.table.value(g, i)
            if k == .stack {
                let h = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
                if frameText { frames = view.stacks.frames(h) }
                stack = h
                kind = view.stacks.info[Int(h)].kind
            }
            if memo != nil {
                // A stack's cell is its caller's: memoized by caller (`CellMemo`).
                let m = k == .stack ? UInt64(UInt32(bitPattern: view.stacks.info[Int(stack)].caller)) : v
                var known = memo!.index[i].get(m)
                if known < 0 {
                    known = Int32(memo!.cells.count)
                    memo!.index[i].set(m, known)
                    memo!.cells.append(cell(agg, k, v))
                }
                if known >= 1 << 20 { packable = false }
                packed = packed << 21 | UInt64(known)
                cells.append(memo!.cells[Int(known)])
            } else {
                cells.append(cell(agg, k, v))
            }
        }
        if packable {
            let at = memo!.shared.get(packed)
            if at >= 0 {
                cells = memo!.arrays[Int(at)]
            } else {
                memo!.shared.set(packed, Int32(memo!.arrays.count))
                memo!.arrays.append(cells)
            }
        }
        return Row(group: g, metrics: metrics, cells: cells, frames: frames, stackKind: kind, stack: stack)
    }

    /// The cell of key `k`'s value `v` (a stack's cell is its caller).
    static func cell(_ agg: Aggregator, _ k: GroupKey, _ v: UInt64) -> Cell {
        switch k {
        case .stack:
            let info = agg.stacks.info[Int(Int32(bitPattern: UInt32(truncatingIfNeeded: v)))]
            let caller = info.caller >= 0 ? agg.stacks.names.string(info.caller) : ""
            return Cell(text: caller, number: nil, isNumeric: false)
        case .caller, .module:
            let h = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
            let text = h >= 0 ? agg.stacks.names.string(h) : (k == .module ? "vmlinux" : "")
            return Cell(text: text, number: nil, isNumeric: false)
        case .pid, .tgid, .order:
            let n = Int32(bitPattern: UInt32(truncatingIfNeeded: v))
            return Cell(text: n < 0 ? "" : String(n), number: n < 0 ? nil : Int64(n), isNumeric: true)
        case .node, .zone:
            let n = Int16(bitPattern: UInt16(truncatingIfNeeded: v))
            return Cell(text: n < 0 ? "" : String(n), number: n < 0 ? nil : Int64(n), isNumeric: true)
        case .handle:
            return Cell(text: v == .max ? "" : String(v), number: v == .max ? nil : Int64(v), isNumeric: true)
        case .comm:
            return Cell(text: agg.comms.string(Int32(v)), number: nil, isNumeric: false)
        case .gfp:
            if v == .max { return Cell(text: "", number: nil, isNumeric: false) }
            var t: [UInt8] = [48, 120]
            t.appendHex(v)
            let names = agg.gfpText(v) ?? ""
            return Cell(text: String(decoding: t, as: UTF8.self) + "(\(names))", number: nil, isNumeric: false)
        case .migratetype, .blocktype:
            return Cell(text: MigrateType(rawValue: UInt8(truncatingIfNeeded: v)).name, number: nil, isNumeric: false)
        case .allocator:
            let c = AllocationClass(rawValue: UInt8(truncatingIfNeeded: v)) ?? .unknown
            return Cell(text: c.name, number: nil, isNumeric: false)
        case .memcg:
            if v == .max { return Cell(text: "", number: nil, isNumeric: false) }
            let name = agg.memcgs.string(Int32(v & 0xffff_ffff))
            let state = MemcgState(rawValue: UInt8(v >> 32)) ?? .charged
            let suffix: String
            switch state {
            case .offline: suffix = " (offline)"
            case .viaObjcg: suffix = " (via objcg)"
            case .viaObjcgOffline: suffix = " (via objcg, offline)"
            default: suffix = ""
            }
            return Cell(text: name + suffix, number: nil, isNumeric: false)
        case .swapped:
            return Cell(text: v == 1 ? "yes" : "no", number: nil, isNumeric: false, bool: v == 1)
        }
    }
}
