/// The data of a `report` page: the stack tree, one row per fine group (the stack and the chip
/// keys: comm, module, node, memcg, gfp, and the `--group-by` keys) with its end node, chip
/// values, records, pages and table group, and the `--group-by` table as the text report has it.
struct HtmlReportData {
    /// The keys the page can narrow by, where the input carries them.
    static let chipKeys: [GroupKey] = [.comm, .module, .node, .memcg, .gfp]
    /// At most this many table rows in a page (the flame graph and chips count every group).
    static let tableLimit = 2000

    /// The keys a report page reads with: `--group-by`'s, the stack and the chip keys.
    static func keys(for user: [GroupKey]) -> [GroupKey] {
        var k = user
        for e in [GroupKey.stack] + chipKeys where !k.contains(e) { k.append(e) }
        return k
    }

    /// Whether an input that carries `fields` has values of chip key `k`.
    static func carried(_ k: GroupKey, _ fields: RecordFields) -> Bool {
        switch k {
        case .comm: return fields.contains(.comm)
        case .node: return fields.contains(.flagFields)
        case .memcg: return fields.contains(.memcg)
        case .gfp: return fields.contains(.mask)
        default: return true
        }
    }

    /// The page's JSON.
    /// - Parameters:
    ///   - fine: the aggregator read with `keys(for:)`, resolved.
    ///   - snapshots: the snapshots the report counts.
    ///   - report: the `--group-by` report (of the projection `groupOf` maps into).
    static func json(fine: Aggregator, snapshots: [Int], report: Report, groupOf: [Int32], context: ReportContext) -> [UInt8] {
        let m = fine.summed(snapshots)
        let (tree, live, stackOf) = HtmlFlameTree.of(fine, keepOffsets: context.foldedKeepOffsets) { g in
            g < m.count && (m[g].pages != 0 || m[g].records != 0)
        }
        let fields = context.inputs.reduce(RecordFields()) { $0.union($1.fields) }
        let chips = chipKeys.filter { carried($0, fields) }
        // Chip values: an id per distinct key value, its text rendered once.
        var chipIds = [[UInt64: Int32]](repeating: [:], count: chips.count)
        var chipText = [[String]](repeating: [], count: chips.count)
        var chipCol = [[Int32]](repeating: [], count: chips.count)
        let chipPos = chips.map { fine.keys.firstIndex(of: $0)! }
        var tableIndex: [Int32: Int32] = [:]
        for (i, r) in report.rows.prefix(tableLimit).enumerated() { tableIndex[r.group] = Int32(i) }
        var nodes: [Int32] = []
        var pages: [Int64] = []
        var records: [Int64] = []
        var table: [Int32] = []
        nodes.reserveCapacity(live.count)
        for (i, g) in live.enumerated() {
            let x = m[Int(g)]
            nodes.append(tree.node(of: stackOf[i]))
            pages.append(x.pages)
            records.append(x.records)
            table.append(tableIndex[groupOf[Int(g)]] ?? -1)
            for (c, pos) in chipPos.enumerated() {
                let v = fine.groups.withBytes(g) { $0.bindMemory(to: UInt64.self)[pos] }
                if let id = chipIds[c][v] {
                    chipCol[c].append(id)
                } else {
                    let id = Int32(chipText[c].count)
                    chipIds[c][v] = id
                    let t = Report.render(fine, group: g, metrics: x, frameText: false).cells[pos].text
                    chipText[c].append(t.isEmpty ? "-" : t)
                    chipCol[c].append(id)
                }
            }
        }
        // Chip values in text order (ids in first-seen order would follow the threads).
        for c in 0..<chips.count {
            let sorted = chipText[c].indices.sorted { chipText[c][$0] < chipText[c][$1] }
            var newId = [Int32](repeating: 0, count: sorted.count)
            for (n, old) in sorted.enumerated() { newId[old] = Int32(n) }
            chipText[c] = sorted.map { chipText[c][$0] }
            chipCol[c] = chipCol[c].map { newId[Int($0)] }
        }
        var j = HtmlJSON(capacity: 1 << 20)
        j.raw("{")
        HtmlMeta.write(
            &j, kind: "report", context: context, pageSize: report.pageSize, footer: HtmlMeta.lines(TableFormatter.footer(report, context)))
        tree.write(&j)
        j.raw(",")
        // Rows in node order; records as pages minus records (mostly 0: order-0 pages);
        // the table row + 1 (0: not in the table).
        let rows = HtmlRows(nodes: nodes, ties: chipCol.map { $0.map(Int64.init) } + [table.map(Int64.init), pages, records])
        j.key("rows")
        j.raw("{")
        rows.writeNodes(&j)
        j.raw(",")
        j.key("p")
        j.packed(rows.column(pages))
        j.raw(",")
        j.key("r")
        j.packedSigned(rows.order.map { pages[$0] &- records[$0] })
        j.raw(",")
        j.key("g")
        j.packed(rows.column(table).map { $0 + 1 })
        j.raw("},")
        j.key("chips")
        j.raw("[")
        var firstChip = true
        for (c, k) in chips.enumerated() where chipText[c].count > 1 {
            // One value cannot narrow anything.
            if !firstChip { j.raw(",") }
            firstChip = false
            j.raw("{")
            j.key("key")
            j.string(k.rawValue)
            j.raw(",")
            j.key("values")
            j.strings(chipText[c])
            j.raw(",")
            j.key("of")
            j.packed(rows.column(chipCol[c]))
            j.raw("}")
        }
        j.raw("],")
        if report.rows.count > tableLimit {
            j.key("merged")
            j.string(
                "The table lists the first \(tableLimit) of the \(report.rows.count) groups (\(context.spelling[.top]) chooses how many); the flame graph and the chips count them all."
            )
            j.raw(",")
        }
        writeTable(&j, report, tree)
        j.raw(",")
        j.key("total")
        j.raw("{")
        j.key("pages")
        j.int(report.total.pages)
        j.raw(",")
        j.key("records")
        j.int(report.total.records)
        j.raw(",")
        j.key("groups")
        j.int(report.groupCount)
        j.raw("}}")
        return j.out
    }

    /// `"table":{"keys":[…],"numeric":[…],"cells":[[…]…],"node":[…],"p":[…],"r":[…]}`: the
    /// report's rows as the text report prints them (a stack shows its caller or label).
    static func writeTable(_ j: inout HtmlJSON, _ report: Report, _ tree: HtmlFlameTree) {
        let rows = report.rows.prefix(tableLimit)
        j.key("table")
        j.raw("{")
        HtmlTableCells.write(&j, keys: report.keys, rows: rows.map { ($0.cells, $0.stackLabel) })
        j.raw(",")
        j.key("node")
        j.ints(rows.map { $0.stack >= 0 ? tree.node(of: $0.stack) : -1 })
        j.raw(",")
        j.key("p")
        j.ints(rows.map(\.metrics.pages))
        j.raw(",")
        j.key("r")
        j.ints(rows.map(\.metrics.records))
        j.raw("}")
    }
}
