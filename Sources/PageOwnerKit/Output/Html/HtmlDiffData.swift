/// The data of a `diff` page: the stack tree of both sides, one row per fine group (the
/// `--group-by` keys and the stack) with its end node and its pages before and after, and the
/// top growers and shrinkers of the `--group-by` groups as the text diff has them.
struct HtmlDiffData {
    /// At most this many rows on each side of the table.
    static let tableLimit = 1000

    /// The page's JSON.
    /// - Parameters:
    ///   - fine: the aggregator read with the `--group-by` keys and the stack, resolved.
    ///   - view: its projection onto the `--group-by` keys, which `diff` was made of.
    static func json(fine: Aggregator, before a: [Int], after b: [Int], diff d: DiffReport, view: Aggregator, context: ReportContext)
        -> [UInt8]
    {
        let ma = fine.summed(a)
        let mb = fine.summed(b)
        let (tree, live, stackOf) = HtmlFlameTree.of(fine, keepOffsets: context.foldedKeepOffsets) { g in
            (g < ma.count ? ma[g].pages : 0) != 0 || (g < mb.count ? mb[g].pages : 0) != 0
        }
        var j = HtmlJSON(capacity: 1 << 20)
        j.raw("{")
        let delta = d.after.pages &- d.before.pages
        let ps = d.pageSize
        var footer = [
            "total: before \(d.before.pages) pages (\(Render.human(d.before.pages &* ps))), after \(d.after.pages) pages (\(Render.human(d.after.pages &* ps))), delta \(delta > 0 ? "+" : "")\(delta) pages (\(Render.human(delta &* ps))); \(d.groupCount) groups, \(d.rows.count) shown"
        ]
        footer += HtmlMeta.lines(context.footerLines)
        HtmlMeta.write(&j, kind: "diff", context: context, pageSize: ps, footer: footer)
        tree.write(&j)
        j.raw(",")
        let fineRows = HtmlRows(
            nodes: stackOf.map { tree.node(of: $0) }, ties: [live.map { Int64(g: $0, ma) }, live.map { Int64(g: $0, mb) }])
        j.key("rows")
        j.raw("{")
        fineRows.writeNodes(&j)
        j.raw(",")
        j.key("b")
        j.packed(fineRows.column(live.map { Int64(g: $0, ma) }))
        j.raw(",")
        j.key("a")
        j.packed(fineRows.column(live.map { Int64(g: $0, mb) }))
        j.raw("},")
        // The table: growers (largest growth first) and shrinkers (largest loss first).
        let grow = d.rows.indices.filter { d.rows[$0].pagesDelta > 0 }.prefix(tableLimit)
        let shrink = d.rows.indices.filter { d.rows[$0].pagesDelta < 0 }.sorted {
            let x = d.rows[$0].pagesDelta
            let y = d.rows[$1].pagesDelta
            return x != y ? x < y : $0 < $1
        }.prefix(tableLimit)
        let used = Array(grow) + Array(shrink)
        var at: [Int: Int] = [:]
        for (i, r) in used.enumerated() { at[r] = i }
        let rows = used.map { d.rows[$0] }
        j.key("table")
        j.raw("{")
        HtmlTableCells.write(&j, keys: d.keys, rows: rows.map { ($0.cells, $0.stackLabel) })
        j.raw(",")
        j.key("node")
        j.ints(rows.map { r in HtmlTableCells.stackHandle(view, r.group).map { tree.node(of: $0) } ?? -1 })
        j.raw(",")
        j.key("b")
        j.ints(rows.map(\.before.pages))
        j.raw(",")
        j.key("a")
        j.ints(rows.map(\.after.pages))
        j.raw(",")
        j.key("growers")
        j.ints(grow.map { at[$0]! })
        j.raw(",")
        j.key("shrinkers")
        j.ints(shrink.map { at[$0]! })
        j.raw("},")
        j.key("total")
        j.raw("{")
        j.key("before")
        j.int(d.before.pages)
        j.raw(",")
        j.key("after")
        j.int(d.after.pages)
        j.raw(",")
        j.key("pages")
        j.int(d.after.pages)
        j.raw("}}")
        return j.out
    }
}

extension Int64 {
    /// The pages of group `g` in summed metrics `m` (0 past its end).
    fileprivate init(g: Int32, _ m: [Aggregator.Metrics]) { self = Int(g) < m.count ? m[Int(g)].pages : 0 }
}
