/// One row per group and one column per snapshot, with the growth from first to last and a
/// least-squares slope (pages per snapshot), ranked by slope.
public struct SeriesReport {
    public struct Row: Sendable {
        public var group: Int32
        public var pages: [Int64]
        public var records: [Int64]
        public var cells: [Report.Cell]
        public var frames: [String]?
        public var stackLabel: String?
        public var growth: Int64 { (pages.last ?? 0) &- (pages.first ?? 0) }
        /// Least-squares slope of pages over snapshot index.
        public var slope: Double {
            let n = Double(pages.count)
            guard pages.count > 1 else { return 0 }
            let mx = (n - 1) / 2
            let my = pages.reduce(0.0) { $0 + Double($1) } / n
            var num = 0.0
            var den = 0.0
            for (i, p) in pages.enumerated() {
                num += (Double(i) - mx) * (Double(p) - my)
                den += (Double(i) - mx) * (Double(i) - mx)
            }
            return den == 0 ? 0 : num / den
        }
    }

    public let keys: [GroupKey]
    public let snapshots: [String]
    public let pageSize: Int64
    public var totals: [Int64] = []
    public var rows: [Row] = []
    public var groupCount = 0

    /// The series of `columns` (default: every snapshot in input order; see `SnapshotPlan.order`).
    public init(_ agg: Aggregator, columns: [Int]? = nil, top: Int?, minPages: Int64?, pageSize: Int64 = 4096) {
        agg.resolveLateHandles()
        keys = agg.keys
        self.pageSize = pageSize
        // A show_stacks_handles input only resolves handles: it is not a column.
        let cols = (columns ?? Array(0..<agg.snapshotCount)).filter { agg.totals[$0].format != .showStacksHandles }
        snapshots = cols.map { agg.totals[$0].name }
        totals = cols.map { s in
            var t: Int64 = 0
            agg.metrics[s].forEachEntry { _, x in t &+= x.pages }
            return t
        }
        // Rank keys of every group, column by column: time in groups × columns, memory in
        // groups (the columns of a row are made only for the rows shown). The sums run in
        // the order `Row.slope` uses, so a rank and the slope printed agree to the bit.
        let n = agg.groups.count
        var live = [Bool](repeating: false, count: n)
        var first = [Int64](repeating: 0, count: n)
        var last = [Int64](repeating: 0, count: n)
        var maxPages = [Int64](repeating: 0, count: n)
        var sum = [Double](repeating: 0, count: n)
        // A snapshot's groups without an entry add nothing: zero pages leave the sums, the
        // first and last columns (zero already) and the maxima (from zero) as they are.
        for (i, c) in cols.enumerated() {
            agg.metrics[c].forEachEntry { g, x in
                guard g < n else { return }
                if x.pages != 0 || x.records != 0 { live[g] = true }
                if i == 0 { first[g] = x.pages }
                if i == cols.count - 1 { last[g] = x.pages }
                sum[g] += Double(x.pages)
                maxPages[g] = max(maxPages[g], x.pages)
            }
        }
        var slope = [Double](repeating: 0, count: n)
        if cols.count > 1 {
            let count = Double(cols.count)
            let mx = (count - 1) / 2
            let my = sum.map { $0 / count }
            var num = [Double](repeating: 0, count: n)
            var den = 0.0
            // One column's pages at a time (a compacted snapshot holds only its own groups).
            var column = [Int64](repeating: 0, count: n)
            for (i, c) in cols.enumerated() {
                let m = agg.metrics[c]
                m.forEachEntry { g, x in if g < n { column[g] = x.pages } }
                let dx = Double(i) - mx
                for g in 0..<n { num[g] += dx * (Double(column[g]) - my[g]) }
                m.forEachEntry { g, _ in if g < n { column[g] = 0 } }
                den += dx * dx
            }
            for g in 0..<n { slope[g] = den == 0 ? 0 : num[g] / den }
        }
        let shown = (0..<Int32(n)).filter { live[Int($0)] }
        groupCount = shown.count
        // Rank: slope, then growth, then the key order of `report` (a total order).
        let keyOrder = Report.order(agg, groups: shown, metrics: { _ in Aggregator.Metrics() }, sort: [])
        var rank = [Int](repeating: 0, count: n)
        for (i, g) in keyOrder.enumerated() { rank[Int(g)] = i }
        let ranked = shown.sorted { a, b in
            let (x, y) = (Int(a), Int(b))
            if slope[x] != slope[y] { return slope[x] > slope[y] }
            let (gx, gy) = (last[x] &- first[x], last[y] &- first[y])
            if gx != gy { return gx > gy }
            return rank[x] < rank[y]
        }
        for g in ranked {
            if let mp = minPages, maxPages[Int(g)] < mp { continue }
            if let t = top, rows.count >= t { break }
            let pages = cols.map { agg.metrics($0, Int(g)).pages }
            let records = cols.map { agg.metrics($0, Int(g)).records }
            var m = Aggregator.Metrics()
            m.pages = pages.last ?? 0
            let r = Report.render(agg, group: g, metrics: m)
            rows.append(Row(group: g, pages: pages, records: records, cells: r.cells, frames: r.frames, stackLabel: r.stackLabel))
        }
    }
}
