/// `--format csv`: RFC 4180, a header row, one row per group. Key columns are named as the
/// keys; then records, pages, bytes, percent, first_ts, last_ts. The stack column holds the
/// frames as the kernel printed them, without the leading space, innermost first, joined by `;`.
public struct CSVFormatter: ReportFormatter {
    public init() {}

    public static func keyField(_ r: Report.Row, _ i: Int, _ k: GroupKey) -> String {
        if k == .stack { return Render.csv((r.frames ?? []).joined(separator: ";")) }
        return Render.csv(r.cells[i].text)
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        var header = report.keys.map(\.rawValue)
        header += ["records", "pages", "bytes", "percent", "first_ts", "last_ts"]
        try out.write(header.joined(separator: ",") + "\r\n")
        for r in report.rows {
            var f: [String] = []
            for (i, k) in report.keys.enumerated() { f.append(Self.keyField(r, i, k)) }
            let m = r.metrics
            f.append(String(m.records))
            f.append(String(m.pages))
            f.append(String(m.pages &* report.pageSize))
            f.append(Render.fixed(Render.percent(m.pages, report.total.pages), 4))
            f.append(m.firstTs == .max ? "" : String(m.firstTs))
            f.append(m.firstTs == .max ? "" : String(m.lastTs))
            try out.write(f.joined(separator: ",") + "\r\n")
        }
    }
}
