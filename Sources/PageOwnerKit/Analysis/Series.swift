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
        totals = cols.map { s in agg.metrics[s].reduce(0) { $0 &+ $1.pages } }
        var all: [Row] = []
        for g in 0..<agg.groups.count {
            let pages = cols.map { s in g < agg.metrics[s].count ? agg.metrics[s][g].pages : 0 }
            let records = cols.map { s in g < agg.metrics[s].count ? agg.metrics[s][g].records : 0 }
            if pages.allSatisfy({ $0 == 0 }) && records.allSatisfy({ $0 == 0 }) { continue }
            var m = Aggregator.Metrics()
            m.pages = pages.last ?? 0
            let r = Report.render(agg, group: Int32(g), metrics: m)
            all.append(Row(group: Int32(g), pages: pages, records: records, cells: r.cells, frames: r.frames, stackLabel: r.stackLabel))
        }
        groupCount = all.count
        // Rank: slope, then growth, then the key order of `report` (a total order).
        let keyOrder = Report.order(agg, groups: all.map(\.group), metrics: { _ in Aggregator.Metrics() }, sort: [])
        var rank: [Int32: Int] = [:]
        for (i, g) in keyOrder.enumerated() { rank[g] = i }
        all.sort { a, b in
            let sa = a.slope
            let sb = b.slope
            if sa != sb { return sa > sb }
            if a.growth != b.growth { return a.growth > b.growth }
            return rank[a.group]! < rank[b.group]!
        }
        for r in all {
            if let mp = minPages, (r.pages.max() ?? 0) < mp { continue }
            if let t = top, rows.count >= t { break }
            rows.append(r)
        }
    }
}
