/// `--format csv`: RFC 4180, a header row, one row per group. `--label` columns come first,
/// then key columns named as the keys; then records, pages, bytes, percent, first_ts, last_ts. The stack column holds the
/// frames as the kernel printed them, without the leading space, innermost first, joined by `;`.
public struct CSVFormatter: ReportFormatter {
    public init() {}

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        var header = context.labels.map(\.key) + report.keys.map(\.rawValue)
        header += ["records", "pages", "bytes", "percent", "first_ts", "last_ts"]
        try out.write(header.joined(separator: ",") + "\r\n")
        var labels: [UInt8] = []
        for l in context.labels {
            labels.append(Render.csv(l.value))
            labels.append(0x2c)
        }
        let forms = report.keys.contains(.stack) ? FrameForms(report.stacks, rows: report.rows.count, threads: context.threads) : nil
        // Rows rendered in ranges on the threads, written in order.
        try ParallelParts.render(report.rows.count, threads: context.threads) { range, b in
            var scratch: [UInt8] = []
            var percent = Render.FixedMemo(digits: 4)
            for ri in range {
                report.prefetchStacks(ahead: ri, end: range.upperBound)
                let r = report.rows[ri]
                b.append(contentsOf: labels)
                for (i, k) in report.keys.enumerated() {
                    if i > 0 { b.append(0x2c) }
                    if k == .stack {
                        if r.stack >= 0 { ByteRendering.appendStackCSV(report.stacks, r.stack, forms: forms, scratch: &scratch, to: &b) }
                    } else {
                        ByteView.with(r.cells[i].text) { ByteRendering.appendCSV($0, to: &b) }
                    }
                }
                if !report.keys.isEmpty { b.append(0x2c) }
                let m = r.metrics
                b.appendDecimal(m.records)
                b.append(0x2c)
                b.appendDecimal(m.pages)
                b.append(0x2c)
                b.appendDecimal(m.pages &* report.pageSize)
                b.append(0x2c)
                b.append(percent(Render.percent(m.pages, report.total.pages)))
                b.append(0x2c)
                if m.firstTs != .max { b.appendDecimal(m.firstTs) }
                b.append(0x2c)
                if m.firstTs != .max { b.appendDecimal(m.lastTs) }
                b.append("\r\n")
            }
        } write: { try out.write($0) }
    }
}
