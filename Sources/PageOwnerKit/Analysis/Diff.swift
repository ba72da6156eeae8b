/// Two sides compared group by group: records, pages and bytes before and after, the
/// change and the ratio; groups that are new or gone are marked. Both sides share one
/// aggregator, so groups match by content (stack text, comm bytes), never by handle.
public struct DiffReport {
    public enum Status: String, Sendable { case new, gone, grew, shrank, same }

    public struct Row: Sendable {
        public var group: Int32
        public var before: Aggregator.Metrics
        public var after: Aggregator.Metrics
        public var cells: [Report.Cell]
        public var frames: [String]?
        public var stackLabel: String?
        public var pagesDelta: Int64 { after.pages &- before.pages }
        public var recordsDelta: Int64 { after.records &- before.records }
        public var status: Status {
            if before.pages == 0 && before.records == 0 { return .new }
            if after.pages == 0 && after.records == 0 { return .gone }
            return pagesDelta > 0 ? .grew : (pagesDelta < 0 ? .shrank : .same)
        }
        /// after / before pages (nil when before is 0).
        public var ratio: Double? { before.pages == 0 ? nil : Double(after.pages) / Double(before.pages) }
    }

    public let keys: [GroupKey]
    public let pageSize: Int64
    public var before = Aggregator.Metrics()
    public var after = Aggregator.Metrics()
    public var rows: [Row] = []
    /// Every changed group (before --top), for thresholds.
    public var allRows: [Row] = []
    public var groupCount = 0

    /// Compares the summed snapshots `a` with `b`.
    public init(_ agg: Aggregator, before a: [Int], after b: [Int], selection: Report.Selection, pageSize: Int64 = 4096) {
        agg.resolveLateHandles()
        keys = agg.keys
        self.pageSize = pageSize
        let ma = agg.summed(a)
        let mb = agg.summed(b)
        var live: [Int32] = []
        var delta: [Aggregator.Metrics] = []
        for g in 0..<agg.groups.count {
            let x = g < ma.count ? ma[g] : Aggregator.Metrics()
            let y = g < mb.count ? mb[g] : Aggregator.Metrics()
            before.records += x.records
            before.pages +|= x.pages
            after.records += y.records
            after.pages +|= y.pages
            if x.records == 0 && x.pages == 0 && y.records == 0 && y.pages == 0 { continue }
            live.append(Int32(g))
            var d = Aggregator.Metrics()
            d.records = y.records &- x.records
            d.pages = y.pages &- x.pages
            d.firstTs = min(x.firstTs, y.firstTs)
            d.lastTs = max(x.lastTs, y.lastTs)
            delta.append(d)
        }
        groupCount = live.count
        var index: [Int32: Int] = [:]
        for (i, g) in live.enumerated() { index[g] = i }
        let order = Report.order(agg, groups: live, metrics: { delta[index[$0]!] }, sort: selection.sort)
        for g in order {
            let x = Int(g) < ma.count ? ma[Int(g)] : Aggregator.Metrics()
            let y = Int(g) < mb.count ? mb[Int(g)] : Aggregator.Metrics()
            let r = Report.render(agg, group: g, metrics: y)
            let row = Row(group: g, before: x, after: y, cells: r.cells, frames: r.frames, stackLabel: r.stackLabel)
            allRows.append(row)
        }
        for row in allRows {
            if let mp = selection.minPages, abs(row.pagesDelta) < mp { continue }
            if let pc = selection.minPercent, before.pages > 0, abs(Double(row.pagesDelta)) * 100 / Double(max(before.pages, 1)) < pc {
                continue
            }
            if let t = selection.top, rows.count >= t { break }
            rows.append(row)
        }
    }

    /// Groups whose page growth is above `pages`, or above `percent` of their before size.
    public func offenders(pages: Int64?, percent: Double?) -> [Row] {
        allRows.filter { r in
            if let p = pages, r.pagesDelta > p { return true }
            if let pc = percent, r.pagesDelta > 0 {
                if r.before.pages == 0 { return true }
                if Double(r.pagesDelta) * 100 / Double(r.before.pages) > pc { return true }
            }
            return false
        }
    }
}
