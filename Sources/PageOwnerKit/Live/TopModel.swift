/// What `top` shows: the groups of the latest sample with pages now, change since the
/// first and the previous sample, rate, and recent history. Samples (and the stacks that
/// resolve their handles) are kept, the first and at least the last `keep - 1` (by default
/// the 16 the sparkline shows), so the grouping can change on a key press; memory holds at
/// most `2 * keep` samples however long `top` runs.
public final class TopModel {
    public enum Sort: String, CaseIterable, Sendable {
        case growth, pages, rate
        public var next: Sort { Sort.allCases[(Sort.allCases.firstIndex(of: self)! + 1) % Sort.allCases.count] }
    }

    public struct Row: Sendable {
        public var label: String
        public var pages: Int64
        public var sinceStart: Int64
        public var sinceLast: Int64
        /// Pages per second over the last interval.
        public var rate: Double
        public var history: [Int64]
    }

    enum Item {
        case stacks([UInt8])
        case sample([UInt8], name: String, monotonicNs: UInt64)
    }

    /// The groupings `g` cycles through.
    public static let groupings: [[GroupKey]] = [[.stack], [.caller], [.comm], [.module], [.allocator]]

    public private(set) var keys: [GroupKey]
    let filters: Filters
    let keep: Int
    var items: [Item] = []
    var agg: Aggregator
    var snaps: [Int] = []
    var times: [UInt64] = []

    public init(keys: [GroupKey], filters: Filters = Filters(), keep: Int = 17) {
        self.keys = keys
        self.filters = filters
        self.keep = max(2, keep)
        agg = Aggregator(keys: keys, filters: filters)
    }

    /// Samples taken (the kept ones are fewer).
    public private(set) var sampleCount = 0
    public var elapsedNs: UInt64 { times.count > 1 ? times[times.count - 1] &- times[0] : 0 }

    public func addStacks(_ bytes: [UInt8]) throws {
        items.append(.stacks(bytes))
        try apply(.stacks(bytes))
    }

    public func addSample(_ bytes: [UInt8], name: String, monotonicNs: UInt64) throws {
        items.append(.sample(bytes, name: name, monotonicNs: monotonicNs))
        try apply(items[items.count - 1])
        sampleCount += 1
        // Keep the first sample and the last `keep - 1`; stacks stay (they are small and
        // shared). Samples are dropped `keep` at a time, so the regrouping that follows costs
        // one re-read of the kept samples per `keep` samples taken, not per sample.
        let samples = items.indices.filter { if case .sample = items[$0] { return true } else { return false } }
        if samples.count >= 2 * keep {
            let drop = Set(samples[1..<(samples.count - keep + 1)])
            items = items.indices.filter { !drop.contains($0) }.map { items[$0] }
            try rebuild()
        }
    }

    /// Groups by other keys from now on (and for every kept sample).
    public func regroup(_ keys: [GroupKey]) throws {
        self.keys = keys
        try rebuild()
    }

    func rebuild() throws {
        agg = Aggregator(keys: keys, filters: filters)
        snaps = []
        times = []
        for i in items { try apply(i) }
    }

    func apply(_ item: Item) throws {
        switch item {
        case .stacks(let b):
            agg.beginSnapshot(name: "stacks")
            try Ingest().run(MemorySource(b, name: "stacks"), consumers: [agg])
        case .sample(let b, let name, let t):
            snaps.append(agg.beginSnapshot(name: name))
            times.append(t)
            try Ingest().run(MemorySource(b, name: name), consumers: [agg])
        }
    }

    /// The groups of the latest sample, sorted, at most `limit`.
    public func rows(sort: Sort, limit: Int) -> [Row] {
        guard let last = snaps.last else { return [] }
        let first = snaps[0]
        let prev = snaps.count > 1 ? snaps[snaps.count - 2] : last
        let dt = times.count > 1 ? Double(times[times.count - 1] &- times[times.count - 2]) / 1e9 : 0
        func pages(_ s: Int, _ g: Int) -> Int64 { g < agg.metrics[s].count ? agg.metrics[s][g].pages : 0 }
        var out: [(row: Row, group: Int)] = []
        for g in 0..<agg.groups.count {
            let now = pages(last, g)
            let start = pages(first, g)
            let before = pages(prev, g)
            if now == 0 && start == 0 && before == 0 { continue }
            let history = snaps.suffix(16).map { pages($0, g) }
            let row = Row(
                label: "", pages: now, sinceStart: now &- start, sinceLast: now &- before,
                rate: dt > 0 ? Double(now &- before) / dt : 0, history: history)
            out.append((row, g))
        }
        out.sort { a, b in
            let x = a.row
            let y = b.row
            switch sort {
            case .growth: if x.sinceStart != y.sinceStart { return x.sinceStart > y.sinceStart }
            case .rate: if x.rate != y.rate { return x.rate > y.rate }
            case .pages: break
            }
            if x.pages != y.pages { return x.pages > y.pages }
            return a.group < b.group
        }
        return out.prefix(limit).map { r in
            var row = r.row
            row.label = label(Int32(r.group))
            return row
        }
    }

    /// A group's name: its key values; for a stack, the caller and the frames that lead to it.
    func label(_ g: Int32) -> String {
        var m = Aggregator.Metrics()
        m.pages = 0
        let r = Report.render(agg, group: g, metrics: m)
        var parts: [String] = []
        for (i, k) in keys.enumerated() {
            if k == .stack {
                if let l = r.stackLabel {
                    parts.append(l)
                } else if let f = r.frames {
                    let v = agg.keyValues(g)[i]
                    let info = agg.stacks.info[Int(Int32(bitPattern: UInt32(truncatingIfNeeded: v)))]
                    let from = max(0, Int(info.callerFrame))
                    let names = f.dropFirst(from).prefix(3).map { String($0.prefix { $0 != "+" && $0 != " " }) }
                    parts.append(names.joined(separator: " < "))
                }
            } else {
                parts.append(r.cells[i].text.isEmpty ? "-" : r.cells[i].text)
            }
        }
        return parts.joined(separator: "  ")
    }

    /// `▁▂▃▄▅▆▇█` scaled between the values' minimum and maximum.
    public static func sparkline(_ v: [Int64]) -> String {
        let bars = Array("▁▂▃▄▅▆▇█")
        guard let lo = v.min(), let hi = v.max() else { return "" }
        if hi == lo { return String(repeating: "▄", count: v.count) }
        return String(v.map { bars[Int(Double($0 - lo) / Double(hi - lo) * 7)] })
    }

    /// The screen (or, for a pipe, the table) as lines of at most `width` characters.
    public func render(sort: Sort, width: Int, height: Int, title: String) -> [String] {
        let rows = rows(sort: sort, limit: max(1, height - 3))
        let total = snaps.last.map { s in agg.metrics[s].reduce(0) { $0 &+ $1.pages } } ?? 0
        var lines: [String] = []
        let secs = Render.fixed(Double(elapsedNs) / 1e9, 1)
        // The state stays on screen however long the title (a path) is: the title gives way.
        let status =
            " | sample \(sampleCount) at +\(secs)s | \(total) pages | sort: \(sort.rawValue) | group: \(keys.map(\.rawValue).joined(separator: ","))"
        var head = title + status
        if head.count > width { head = "…" + String(title.suffix(max(0, width - status.count - 1))) + status }
        lines.append(head)
        lines.append(Self.pad("PAGES", 10) + Self.pad("START", 10) + Self.pad("LAST", 8) + Self.pad("RATE/s", 10) + "  TREND             GROUP")
        for r in rows {
            let trend = Self.sparkline(r.history)
            let line =
                Self.pad(String(r.pages), 10) + Self.pad(Self.signed(r.sinceStart), 10) + Self.pad(Self.signed(r.sinceLast), 8)
                + Self.pad(Render.fixed(r.rate, 1), 10) + "  " + trend + String(repeating: " ", count: max(1, 18 - trend.count))
                + r.label
            lines.append(String(line.prefix(width)))
        }
        return lines.map { String($0.prefix(width)) }
    }

    static func signed(_ v: Int64) -> String { v > 0 ? "+\(v)" : String(v) }
    static func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
}
