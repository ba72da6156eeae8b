/// `--format text`: an aligned table with human units, percent and cumulative percent, the
/// stack under each group when `stack` is a key, and a footer with the totals.
public struct TableFormatter: ReportFormatter {
    public init() {}

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let keyCols = report.keys.enumerated().filter { $0.element != .stack }
        var header = ["PAGES", "SIZE", "%", "CUM%", "RECORDS"]
        header += keyCols.map { $0.element.rawValue.uppercased() }
        let numeric = Set(0..<5).union(keyCols.enumerated().filter { $0.element.element.isNumeric }.map { $0.offset + 5 })
        let n = report.rows.count
        // Each row's cumulative pages start from the pages of the rows before it.
        var cumBefore = [Int64](repeating: 0, count: n + 1)
        for (i, r) in report.rows.enumerated() { cumBefore[i + 1] = cumBefore[i] &+ r.metrics.pages }
        // The cells of contiguous ranges of rows, each range its own table on the threads;
        // the column widths are then the widest of any range's.
        var parts = ParallelParts.map(n, threads: context.threads) { range -> TextTable in
            var table = TextTable(header: header, numeric: numeric)
            table.reserve(rows: range.count, bytes: 32 * header.count)
            var cum = cumBefore[range.lowerBound]
            // Sizes and percents repeat from row to row: each distinct one is formatted once.
            var sizes: [Int64: String] = [:]
            var percent = Render.FixedMemo(digits: 1)
            for i in range {
                let r = report.rows[i]
                cum &+= r.metrics.pages
                let bytes = r.metrics.pages &* report.pageSize
                let size = sizes[bytes] ?? Render.human(bytes)
                sizes[bytes] = size
                let share = percent(Render.percent(r.metrics.pages, report.total.pages))
                let cumShare = percent(Render.percent(cum, report.total.pages))
                table.row { t in
                    t.cell { $0.appendDecimal(r.metrics.pages) }
                    t.cell(size)
                    t.cell {
                        $0.append(share)
                        $0.append(0x25)
                    }
                    t.cell {
                        $0.append(cumShare)
                        $0.append(0x25)
                    }
                    t.cell { $0.appendDecimal(r.metrics.records) }
                    for c in keyCols {
                        let text = r.cells[c.offset].text
                        t.cell(text.isEmpty ? "-" : text)
                    }
                }
            }
            return table
        }
        let widths = header.indices.map { c in parts.map { $0.widths[c] }.max() ?? 0 }
        var firstRow = [0]
        for i in parts.indices {
            parts[i].widths = widths
            firstRow.append(firstRow[i] + parts[i].rows)
        }
        try parts[0].writeHeader(to: out)
        // Rows and their stacks rendered in ranges on the threads, written in order. Each
        // range reads its own copy of a table and of the stacks (a copy retains their arrays:
        // once a row, the threads contended for their counts).
        let tables = parts
        let forms = report.rows.contains { $0.stack >= 0 } ? FrameForms(report.stacks, rows: n, threads: context.threads) : nil
        try ParallelParts.render(n, threads: context.threads) { range, b in
            var p = 0
            while range.lowerBound >= firstRow[p + 1] { p += 1 }
            var table = tables[p]
            let stacks = report.stacks
            for i in range {
                if i >= firstRow[p + 1] {
                    while i >= firstRow[p + 1] { p += 1 }
                    table = tables[p]
                }
                report.prefetchStacks(ahead: i, end: range.upperBound)
                table.appendRow(i - firstRow[p], to: &b)
                let h = report.rows[i].stack
                if h >= 0 { ByteRendering.appendStackLines(stacks, h, label: report.rows[i].stackLabel, forms: forms, to: &b) }
            }
        } write: { try out.write($0) }
        try out.write(Self.footer(report, context))
    }

    static func footer(_ report: Report, _ context: ReportContext) -> String {
        let t = report.total
        let s = report.shown
        let ps = report.pageSize
        var f = "total: \(t.pages) pages (\(Render.human(t.pages &* ps))) in \(t.records) records, \(report.groupCount) groups"
        if s.pages != t.pages || report.rows.count != report.groupCount {
            f += "; shown: \(s.pages) pages (\(Render.human(s.pages &* ps))) in \(s.records) records, \(report.rows.count) groups"
        }
        f += "\n"
        for i in context.inputs {
            let fmt = i.format?.rawValue ?? "unknown"
            f +=
                "input: \(i.name) (\(fmt)): \(i.recordsRead) records, \(i.pagesRead) pages read; \(i.records) records, \(i.pages) pages after filters\n"
        }
        let skipped = context.skipped.values.reduce(0, +)
        if skipped > 0 { f += "skipped: \(skipped) malformed records\n" }
        f += context.footerLines
        return f
    }
}
