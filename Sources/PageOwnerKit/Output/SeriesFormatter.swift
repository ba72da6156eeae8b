/// Formats of `series`: a table, CSV (`pages_1`…`pages_N`, `growth_pages`, `slope_pages`),
/// JSON (snapshot names, and per group `pages` and `records` arrays), JSON lines, and an
/// SVG line chart of the ranked groups over the snapshots.
public struct SeriesFormatter {
    public let format: ReportFormat
    public init(_ format: ReportFormat) { self.format = format }

    /// The formats `series` writes (a folded file has one count per stack, not one per snapshot).
    public static let formats: [ReportFormat] = [.text, .csv, .json, .jsonl, .svg, .html]

    func keyText(_ s: SeriesReport, _ r: SeriesReport.Row, sep: String) -> String {
        zip(s.keys, r.cells).map { k, c in k == .stack ? stackText(r, c) : (c.text.isEmpty ? "-" : c.text) }.joined(separator: sep)
    }

    /// A stack as a row shows it: its short id (`StackID`), then its caller or label.
    func stackText(_ r: SeriesReport.Row, _ c: Report.Cell) -> String {
        StackID.of(frames: r.frames ?? []) + " " + (c.text.isEmpty ? (r.stackLabel ?? "stack") : c.text)
    }

    public func write(_ s: SeriesReport, context: ReportContext, to out: OutputSink) throws {
        switch format {
        case .pprof: throw UsageError(DiffFormatter.pprofUsage(context.spelling))
        case .html: throw UsageError(DiffFormatter.htmlUsage(context.spelling))
        case .text, .folded:
            try SeriesText.write(s, keyCell: { r, k, c in k == .stack ? stackText(r, c) : (c.text.isEmpty ? "-" : c.text) }, to: out)
            for (i, n) in s.snapshots.enumerated() {
                try out.write("S\(i + 1): \(n): \(s.totals[i]) pages (\(Render.human(s.totals[i] &* s.pageSize)))\n")
            }
            try out.write("\(s.groupCount) groups, \(s.rows.count) shown; slope is pages per snapshot (least squares)\n")
            try out.write(context.footerLines)
        case .csv:
            var header = s.keys.map(\.rawValue)
            header += (1...max(1, s.snapshots.count)).map { "pages_\($0)" } + ["growth_pages", "slope_pages"]
            try out.write(header.joined(separator: ",") + "\r\n")
            for r in s.rows {
                var f = GroupRendering.csvKeys(s.keys, r.cells, frames: r.frames)
                f += r.pages.map(String.init) + [String(r.growth), Render.fixed(r.slope, 4)]
                try out.write(f.joined(separator: ",") + "\r\n")
            }
        case .json, .jsonl:
            func row(_ r: SeriesReport.Row) -> String {
                var f = GroupRendering.jsonKeys(s.keys, r.cells, frames: r.frames, label: nil)
                if s.keys.contains(.stack) { f.append("\"stack_id\":\"\(StackID.of(frames: r.frames ?? []))\"") }
                f.append("\"pages\":[" + r.pages.map(String.init).joined(separator: ",") + "]")
                f.append("\"records\":[" + r.records.map(String.init).joined(separator: ",") + "]")
                f.append("\"growth_pages\":\(r.growth),\"slope_pages\":\(Render.fixed(r.slope, 4))")
                return "{" + f.joined(separator: ",") + "}"
            }
            if format == .jsonl {
                for r in s.rows { try out.write(row(r) + "\n") }
                return
            }
            let meta =
                "\"tool\":\"page-owner-sort\",\"version\":\(Render.json(ToolVersion.current)),\"schema\":1,\"command\":\"series\",\"group_by\":["
                + s.keys.map { Render.json($0.rawValue) }.joined(separator: ",")
                + "],\"page_size\":\(s.pageSize),\"snapshots\":[" + s.snapshots.map(Render.json).joined(separator: ",")
                + "],\"totals_pages\":[" + s.totals.map(String.init).joined(separator: ",") + "],\"groups_total\":\(s.groupCount)"
                + ",\"warnings\":[" + context.warnings.map(Render.json).joined(separator: ",") + "]" + context.jsonNotes
            try out.write("{" + meta + ",\"groups\":[\n")
            for (i, r) in s.rows.enumerated() { try out.write(row(r) + (i + 1 < s.rows.count ? ",\n" : "\n")) }
            try out.write("]}\n")
        case .svg:
            try out.write(FlameGraphSVG.withDescriptions(chart(s, title: context.title), context))
        }
    }

    func chart(_ s: SeriesReport, title: String) -> String {
        let w = 1000.0
        // Tall enough for one legend line per row (the legend stays inside the picture).
        let h = max(520.0, 40 + Double(s.rows.count) * 16 + 10)
        let left = 70.0
        let right = 330.0
        let top = 40.0
        let bottom = 50.0
        let maxY = Double(max(1, s.rows.flatMap(\.pages).max() ?? 1))
        let n = max(1, s.snapshots.count - 1)
        func x(_ i: Int) -> Double { left + Double(i) / Double(n) * (w - left - right) }
        func y(_ v: Int64) -> Double { h - bottom - Double(v) / maxY * (h - top - bottom) }
        var o =
            "<?xml version=\"1.0\" standalone=\"no\"?>\n<svg version=\"1.1\" width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        o += "<style>text{font-family:Verdana,sans-serif;font-size:11px}</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        o += "<text x=\"\(Int(w / 2))\" y=\"22\" text-anchor=\"middle\" style=\"font-size:14px\">\(FlameGraphSVG.xml(title))</text>\n"
        o +=
            "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - right)\" y2=\"\(h - bottom)\" stroke=\"#000\"/><line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#000\"/>\n"
        o += "<text x=\"10\" y=\"\(top)\">\(Int(maxY)) pages</text><text x=\"10\" y=\"\(h - bottom)\">0</text>\n"
        for (i, name) in s.snapshots.enumerated() {
            o +=
                "<text x=\"\(Render.fixed(x(i), 1))\" y=\"\(h - bottom + 16)\" text-anchor=\"middle\">S\(i + 1)<title>\(FlameGraphSVG.xml(name))</title></text>\n"
        }
        let palette = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        for (ri, r) in s.rows.enumerated() {
            let c = palette[ri % palette.count]
            let pts = r.pages.enumerated().map { "\(Render.fixed(x($0.offset), 1)),\(Render.fixed(y($0.element), 1))" }.joined(
                separator: " ")
            let label = keyText(s, r, sep: " ")
            o += "<g><title>\(FlameGraphSVG.xml(label)): \(r.pages.map(String.init).joined(separator: " → ")) pages</title>"
            o += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts)\"/></g>\n"
            o +=
                "<text x=\"\(w - right + 10)\" y=\"\(top + Double(ri) * 16 + 10)\" fill=\"\(c)\">\(FlameGraphSVG.xml(label.count > 44 ? label.prefix(43) + "…" : label))</text>\n"
        }
        return o + "</svg>\n"
    }
}
