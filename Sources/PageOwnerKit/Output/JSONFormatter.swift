/// `--format json`: one document with metadata (inputs, formats, totals, filters, warnings)
/// and the groups; `--format jsonl`: one group object per line, nothing else.
/// Each group carries its `--label` pairs, its key fields by key name, then records, pages, bytes, percent,
/// first_ts, last_ts; `stack` is an array of frames (innermost first) when it is a key.
public struct JSONFormatter: ReportFormatter {
    public let lines: Bool
    public init(lines: Bool) { self.lines = lines }

    static func group(_ r: Report.Row, _ report: Report, labels: [String] = []) -> String {
        var f = labels + GroupRendering.jsonKeys(report.keys, r.cells, frames: r.frames, label: r.stackLabel)
        let m = r.metrics
        f.append("\"records\":\(m.records)")
        f.append("\"pages\":\(m.pages)")
        f.append("\"bytes\":\(m.pages &* report.pageSize)")
        f.append("\"percent\":\(Render.fixed(Render.percent(m.pages, report.total.pages), 4))")
        f.append("\"first_ts\":\(m.firstTs == .max ? "null" : String(m.firstTs))")
        f.append("\"last_ts\":\(m.firstTs == .max ? "null" : String(m.lastTs))")
        return "{" + f.joined(separator: ",") + "}"
    }

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
        let labels = context.labels.map { "\(Render.json($0.key)):\(Render.json($0.value))" }
        if lines {
            for r in report.rows { try out.write(Self.group(r, report, labels: labels) + "\n") }
            return
        }
        var f = Self.metadata(report, context)
        f.append("\"totals\":" + Self.totals(report.total, groups: report.groupCount, pageSize: report.pageSize))
        f.append("\"shown\":" + Self.totals(report.shown, groups: report.rows.count, pageSize: report.pageSize))
        try out.write("{" + f.joined(separator: ",") + ",\"groups\":[\n")
        for (i, r) in report.rows.enumerated() {
            try out.write(Self.group(r, report, labels: labels) + (i + 1 < report.rows.count ? ",\n" : "\n"))
        }
        try out.write("]}\n")
    }
}
