/// `--format json`: one document with metadata (inputs, formats, totals, filters, warnings)
/// and the groups; `--format jsonl`: one group object per line, nothing else.
/// Each group carries its `--label` pairs, its key fields by key name, then records, pages, bytes, percent,
/// first_ts, last_ts; `stack` is an array of frames (innermost first) when it is a key.
public struct JSONFormatter: ReportFormatter {
    public let lines: Bool
    public init(lines: Bool) { self.lines = lines }

    static func totals(_ m: Aggregator.Metrics, groups: Int, pageSize: Int64) -> String {
        "{\"records\":\(m.records),\"pages\":\(m.pages),\"bytes\":\(m.pages &* pageSize),\"groups\":\(groups)}"
    }

    static func metadata(_ report: Report, _ c: ReportContext) -> [String] {
        var f: [String] = []
        f.append("\"tool\":\"page-owner-sort\"")
        f.append("\"version\":\(Render.json(ToolVersion.current))")
        f.append("\"schema\":1")
        f.append("\"command\":\(Render.json(c.command))")
        f.append("\"group_by\":[" + report.keys.map { Render.json($0.rawValue) }.joined(separator: ",") + "]")
        f.append("\"page_size\":\(report.pageSize)")
        f.append("\"sort\":\(Render.json(c.sort))")
        let inputs = c.inputs.map { i in
            "{\"name\":\(Render.json(i.name)),\"format\":\(i.format.map { Render.json($0.rawValue) } ?? "null"),\"records_read\":\(i.recordsRead),\"pages_read\":\(i.pagesRead),\"records\":\(i.records),\"pages\":\(i.pages),\"early_boot_pages\":\(i.earlyBootPages),\"features\":["
                + i.fields.names.map(Render.json).joined(separator: ",") + "]}"
        }
        f.append("\"inputs\":[" + inputs.joined(separator: ",") + "]")
        f.append(
            "\"filters\":{"
                + c.filters.sorted { $0.key < $1.key }.map { "\(Render.json($0.key)):\(Render.json($0.value))" }.joined(separator: ",")
                + "}")
        f.append(
            "\"skipped\":{" + c.skipped.sorted { $0.key < $1.key }.map { "\(Render.json($0.key)):\($0.value)" }.joined(separator: ",") + "}"
        )
        f.append("\"warnings\":[" + c.warnings.map(Render.json).joined(separator: ",") + "]" + c.jsonNotes)
        return f
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        var labels: [UInt8] = []
        for l in context.labels {
            labels.append(Render.json(l.key))
            labels.append(0x3a)
            labels.append(Render.json(l.value))
            labels.append(0x2c)
        }
        // Rows rendered in ranges on the threads, written in order.
        let n = report.rows.count
        let forms = report.keys.contains(.stack) ? FrameForms(report.stacks, rows: n, threads: context.threads) : nil
        if lines {
            try ParallelParts.render(n, threads: context.threads) { range, b in
                for i in range {
                    report.prefetchStacks(ahead: i, end: range.upperBound)
                    Self.appendGroup(report.rows[i], report, labels: labels, forms: forms, to: &b)
                    b.append(0x0a)
                }
            } write: { try out.write($0) }
            return
        }
        var f = Self.metadata(report, context)
        f.append("\"totals\":" + Self.totals(report.total, groups: report.groupCount, pageSize: report.pageSize))
        f.append("\"shown\":" + Self.totals(report.shown, groups: report.rows.count, pageSize: report.pageSize))
        try out.write("{" + f.joined(separator: ",") + ",\"groups\":[\n")
        try ParallelParts.render(n, threads: context.threads) { range, b in
            for i in range {
                report.prefetchStacks(ahead: i, end: range.upperBound)
                Self.appendGroup(report.rows[i], report, labels: labels, forms: forms, to: &b)
                if i + 1 < n { b.append(0x2c) }
                b.append(0x0a)
            }
        } write: { try out.write($0) }
        try out.write("]}\n")
    }

    /// One group object on bytes (as `group`): labels, keys, then the metrics.
    static func appendGroup(_ r: Report.Row, _ report: Report, labels: [UInt8], forms: FrameForms? = nil, to b: inout [UInt8]) {
        b.append(0x7b)
        b.append(contentsOf: labels)
        for (i, k) in report.keys.enumerated() {
            let c = r.cells[i]
            if k == .stack {
                if let label = r.stackLabel {
                    b.append("\"stack_label\":")
                    b.append(Render.json(label))
                    b.append(0x2c)
                }
                b.append("\"stack\":")
                if r.stack >= 0 { ByteRendering.appendStackJSON(report.stacks, r.stack, forms: forms, to: &b) } else { b.append("[]") }
            } else {
                b.append(Render.json(k.rawValue))
                b.append(0x3a)
                if let v = c.bool {
                    b.append(v ? "true" : "false")
                } else if c.isNumeric {
                    if let n = c.number { b.appendDecimal(n) } else { b.append("null") }
                } else {
                    ByteView.with(c.text) { ByteRendering.appendJSON($0, to: &b) }
                }
            }
            b.append(0x2c)
        }
        let m = r.metrics
        b.append("\"records\":")
        b.appendDecimal(m.records)
        b.append(",\"pages\":")
        b.appendDecimal(m.pages)
        b.append(",\"bytes\":")
        b.appendDecimal(m.pages &* report.pageSize)
        b.append(",\"percent\":")
        b.append(Render.fixed(Render.percent(m.pages, report.total.pages), 4))
        b.append(",\"first_ts\":")
        if m.firstTs == .max { b.append("null") } else { b.appendDecimal(m.firstTs) }
        b.append(",\"last_ts\":")
        if m.firstTs == .max { b.append("null") } else { b.appendDecimal(m.lastTs) }
        b.append(0x7d)
    }
}
