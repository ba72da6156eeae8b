/// The data of a `series` page: the stack tree of the last snapshot with one row per fine
/// group (its end node, pages and records there), and the ranked `--group-by` groups with
/// their pages in every snapshot, growth and slope, as the text series has them; snapshot
/// names and capture times (the latest allocation `ts`, 0 when unknown).
struct HtmlSeriesData {
    /// - Parameters:
    ///   - fine: the aggregator read with the `--group-by` keys and the stack, resolved.
    ///   - columns: the snapshots in series order.
    ///   - view: its projection onto the `--group-by` keys, which `series` was made of.
    static func json(fine: Aggregator, columns: [Int], series s: SeriesReport, view: Aggregator, context: ReportContext) -> [UInt8] {
        let last = columns.last ?? 0
        let m = fine.metrics.isEmpty ? [] : fine.metrics[last]
        let (tree, live, stackOf) = HtmlFlameTree.of(fine, keepOffsets: context.foldedKeepOffsets) { g in
            g < m.count && (m[g].pages != 0 || m[g].records != 0)
        }
        var j = HtmlJSON(capacity: 1 << 20)
        j.raw("{")
        var footer = s.snapshots.enumerated().map { i, n in
            "S\(i + 1): \(n): \(s.totals[i]) pages (\(Render.human(s.totals[i] &* s.pageSize)))"
        }
        footer.append("\(s.groupCount) groups, \(s.rows.count) shown; slope is pages per snapshot (least squares)")
        footer += HtmlMeta.lines(context.footerLines)
        HtmlMeta.write(&j, kind: "series", context: context, pageSize: s.pageSize, footer: footer)
        j.key("snapshots")
        j.strings(s.snapshots)
        j.raw(",")
        j.key("snapshotTimes")
        j.ints(columns.map { Int64(clamping: fine.totals[$0].maxTs) })
        j.raw(",")
        tree.write(&j)
        j.raw(",")
        let rows = HtmlRows(
            nodes: stackOf.map { tree.node(of: $0) }, ties: [live.map { m[Int($0)].pages }, live.map { m[Int($0)].records }])
        j.key("rows")
        j.raw("{")
        rows.writeNodes(&j)
        j.raw(",")
        j.key("p")
        j.packed(rows.column(live.map { m[Int($0)].pages }))
        j.raw(",")
        j.key("r")
        j.packedSigned(rows.order.map { m[Int(live[$0])].pages &- m[Int(live[$0])].records })
        j.raw("},")
        j.key("table")
        j.raw("{")
        // A stack shows its short id before its caller, as the text series does (callers repeat).
        let cells = s.rows.map { r -> (cells: [Report.Cell], label: String?) in
            var c = r.cells
            for (i, k) in s.keys.enumerated() where k == .stack {
                c[i].text = StackID.of(frames: r.frames ?? []) + " " + (c[i].text.isEmpty ? (r.stackLabel ?? "stack") : c[i].text)
            }
            return (c, r.stackLabel)
        }
        HtmlTableCells.write(&j, keys: s.keys, rows: cells)
        j.raw(",")
        j.key("node")
        j.ints(s.rows.map { r in HtmlTableCells.stackHandle(view, r.group).map { tree.node(of: $0) } ?? -1 })
        j.raw(",")
        j.key("slope")
        j.raw("[" + s.rows.map { Render.fixed($0.slope, 4) }.joined(separator: ",") + "]")
        j.raw(",")
        j.key("growth")
        j.ints(s.rows.map(\.growth))
        j.raw(",")
        j.key("pages")
        j.raw("[")
        for (i, r) in s.rows.enumerated() {
            if i > 0 { j.raw(",") }
            j.ints(r.pages)
        }
        j.raw("]},")
        j.key("total")
        j.raw("{")
        j.key("pages")
        j.int(s.totals.last ?? 0)
        j.raw("}}")
        return j.out
    }
}
