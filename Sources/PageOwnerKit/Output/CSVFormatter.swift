/// `--format csv`: RFC 4180, a header row, one row per group. `--label` columns come first,
/// then key columns named as the keys; then records, pages, bytes, percent, first_ts, last_ts. The stack column holds the
/// frames as the kernel printed them, without the leading space, innermost first, joined by `;`.
public struct CSVFormatter: ReportFormatter {
    public init() {}

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        var header = context.labels.map(\.key) + report.keys.map(\.rawValue)
        header += ["records", "pages", "bytes", "percent", "first_ts", "last_ts"]
        try out.write(header.joined(separator: ",") + "\r\n")
        let labels = context.labels.map { Render.csv($0.value) }
        for r in report.rows {
            var f = labels + GroupRendering.csvKeys(report.keys, r.cells, frames: r.frames)
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
