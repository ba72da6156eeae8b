/// `--format text`: an aligned table with human units, percent and cumulative percent, the
/// stack under each group when `stack` is a key, and a footer with the totals.
public struct TableFormatter: ReportFormatter {
    public init() {}

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let keyCols = report.keys.enumerated().filter { $0.element != .stack }
        var header = ["PAGES", "SIZE", "%", "CUM%", "RECORDS"]
        header += keyCols.map { $0.element.rawValue.uppercased() }
        var table: [[String]] = []
        var cum: Int64 = 0
        for r in report.rows {
            cum &+= r.metrics.pages
            var line = [
                String(r.metrics.pages), Render.human(r.metrics.pages &* report.pageSize),
                Render.fixed(Render.percent(r.metrics.pages, report.total.pages), 1) + "%",
                Render.fixed(Render.percent(cum, report.total.pages), 1) + "%", String(r.metrics.records),
            ]
            line += keyCols.map { r.cells[$0.offset].text.isEmpty ? "-" : r.cells[$0.offset].text }
            table.append(line)
        }
        let numeric = Set(0..<5).union(keyCols.enumerated().filter { $0.element.element.isNumeric }.map { $0.offset + 5 })
        let lines = GroupRendering.table(header: header, rows: table, numeric: numeric)
        try out.write(lines[0])
        for (i, r) in report.rows.enumerated() {
            try out.write(lines[i + 1])
            try out.write(GroupRendering.stackLines(r.frames, label: r.stackLabel))
        }
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
        for n in context.notes { f += "note: \(n)\n" }
        for w in context.warnings { f += "warning: \(w)\n" }
        return f
    }
}
