/// Formats of `diff`: the same names as `report`. CSV and JSON carry, for each metric,
/// `<metric>_before`, `<metric>_after` and `<metric>_delta`, with key columns named as in
/// `report`. Folded and SVG show growth only (a differential flame graph).
public struct DiffFormatter {
    public let format: ReportFormat
    public init(_ format: ReportFormat) { self.format = format }

    /// Why `diff` and `series` write no pprof profile.
    public static func pprofUsage(_ spelling: OptionSpelling) -> String {
        "\(spelling[.format]) pprof is a report format: write a profile of each snapshot with report and compare them with pprof -diff_base"
    }

    /// `--format html` is written by `HtmlFormatter.writeDiff`, from the run's aggregator.
    static func htmlUsage(_ spelling: OptionSpelling) -> String {
        "\(spelling[.format]) html is written by HtmlFormatter from the run's aggregator"
    }

    public func write(_ d: DiffReport, context: ReportContext, to out: OutputSink) throws {
        switch format {
        case .pprof: throw UsageError(Self.pprofUsage(context.spelling))
        case .html: throw UsageError(Self.htmlUsage(context.spelling))
        case .text: try text(d, context, out)
        case .csv: try csv(d, out)
        case .json, .jsonl: try json(d, context, out, lines: format == .jsonl)
        case .folded:
            for (l, p) in folded(d, context) { try out.write("\(l) \(p)\n") }
        case .svg:
            let root = GroupRendering.tree(folded(d, context), root: "growth")
            try out.write(
                FlameGraphSVG.withDescriptions(
                    FlameGraphSVG.render(root, title: context.title, unit: "pages grown", pageSize: d.pageSize) { _ in "rgb(230,80,60)" },
                    context))
        }
    }

    func folded(_ d: DiffReport, _ c: ReportContext) -> [(String, Int64)] {
        GroupRendering.fold(
            d.rows.filter { $0.pagesDelta > 0 }.map { r in
                (GroupRendering.foldedLine(d.keys, r.cells, frames: r.frames, label: nil, keepOffsets: c.foldedKeepOffsets), r.pagesDelta)
            })
    }

    func text(_ d: DiffReport, _ c: ReportContext, _ out: OutputSink) throws {
        let keyCols = d.keys.enumerated().filter { $0.element != .stack }
        var header = ["DELTA", "SIZE", "BEFORE", "AFTER", "RATIO", "STATUS"]
        header += keyCols.map { $0.element.rawValue.uppercased() }
        var table: [[String]] = []
        for r in d.rows {
            var l = [
                (r.pagesDelta > 0 ? "+" : "") + String(r.pagesDelta), Render.human(r.pagesDelta &* d.pageSize),
                String(r.before.pages), String(r.after.pages), r.ratio.map { Render.fixed($0, 2) + "x" } ?? "-", r.status.rawValue,
            ]
            l += keyCols.map { r.cells[$0.offset].text.isEmpty ? "-" : r.cells[$0.offset].text }
            table.append(l)
        }
        let lines = GroupRendering.table(header: header, rows: table, numeric: Set(0..<5))
        try out.write(lines[0])
        for (i, r) in d.rows.enumerated() {
            try out.write(lines[i + 1])
            try out.write(GroupRendering.stackLines(r.frames, label: r.stackLabel))
        }
        let delta = d.after.pages &- d.before.pages
        try out.write(
            "total: before \(d.before.pages) pages (\(Render.human(d.before.pages &* d.pageSize))), after \(d.after.pages) pages (\(Render.human(d.after.pages &* d.pageSize))), delta \(delta > 0 ? "+" : "")\(delta) pages (\(Render.human(delta &* d.pageSize))); \(d.groupCount) groups, \(d.rows.count) shown\n"
        )
        try out.write(c.footerLines)
    }

    func csv(_ d: DiffReport, _ out: OutputSink) throws {
        var header = d.keys.map(\.rawValue)
        header += [
            "status", "records_before", "records_after", "records_delta", "pages_before", "pages_after", "pages_delta",
            "bytes_before", "bytes_after", "bytes_delta", "ratio",
        ]
        try out.write(header.joined(separator: ",") + "\r\n")
        for r in d.rows {
            var f = GroupRendering.csvKeys(d.keys, r.cells, frames: r.frames)
            let ps = d.pageSize
            f += [
                r.status.rawValue, String(r.before.records), String(r.after.records), String(r.recordsDelta),
                String(r.before.pages), String(r.after.pages), String(r.pagesDelta),
                String(r.before.pages &* ps), String(r.after.pages &* ps), String(r.pagesDelta &* ps),
                r.ratio.map { Render.fixed($0, 4) } ?? "",
            ]
            try out.write(f.joined(separator: ",") + "\r\n")
        }
    }

    func json(_ d: DiffReport, _ c: ReportContext, _ out: OutputSink, lines: Bool) throws {
        func row(_ r: DiffReport.Row) -> String {
            var f = GroupRendering.jsonKeys(d.keys, r.cells, frames: r.frames, label: nil)
            let ps = d.pageSize
            f.append("\"status\":\(Render.json(r.status.rawValue))")
            f.append("\"records_before\":\(r.before.records),\"records_after\":\(r.after.records),\"records_delta\":\(r.recordsDelta)")
            f.append("\"pages_before\":\(r.before.pages),\"pages_after\":\(r.after.pages),\"pages_delta\":\(r.pagesDelta)")
            f.append(
                "\"bytes_before\":\(r.before.pages &* ps),\"bytes_after\":\(r.after.pages &* ps),\"bytes_delta\":\(r.pagesDelta &* ps)")
            f.append("\"ratio\":\(r.ratio.map { Render.fixed($0, 4) } ?? "null")")
            return "{" + f.joined(separator: ",") + "}"
        }
        if lines {
            for r in d.rows { try out.write(row(r) + "\n") }
            return
        }
        let ps = d.pageSize
        var meta: [String] = [
            "\"tool\":\"page-owner-sort\"", "\"version\":\(Render.json(ToolVersion.current))", "\"schema\":1", "\"command\":\"diff\"",
            "\"group_by\":[" + d.keys.map { Render.json($0.rawValue) }.joined(separator: ",") + "]",
            "\"page_size\":\(ps)",
        ]
        let inputs = c.inputs.map { i in
            "{\"name\":\(Render.json(i.name)),\"format\":\(i.format.map { Render.json($0.rawValue) } ?? "null"),\"records_read\":\(i.recordsRead),\"pages_read\":\(i.pagesRead)}"
        }
        meta.append("\"inputs\":[" + inputs.joined(separator: ",") + "]")
        meta.append(
            "\"filters\":{"
                + c.filters.sorted { $0.key < $1.key }.map { "\(Render.json($0.key)):\(Render.json($0.value))" }.joined(separator: ",")
                + "}")
        meta.append("\"warnings\":[" + c.warnings.map(Render.json).joined(separator: ",") + "]" + c.jsonNotes)
        meta.append(
            "\"totals\":{\"records_before\":\(d.before.records),\"records_after\":\(d.after.records),\"records_delta\":\(d.after.records - d.before.records),\"pages_before\":\(d.before.pages),\"pages_after\":\(d.after.pages),\"pages_delta\":\(d.after.pages - d.before.pages),\"bytes_before\":\(d.before.pages * ps),\"bytes_after\":\(d.after.pages * ps),\"bytes_delta\":\((d.after.pages - d.before.pages) * ps),\"groups\":\(d.groupCount)}"
        )
        try out.write("{" + meta.joined(separator: ",") + ",\"groups\":[\n")
        for (i, r) in d.rows.enumerated() { try out.write(row(r) + (i + 1 < d.rows.count ? ",\n" : "\n")) }
        try out.write("]}\n")
    }
}
