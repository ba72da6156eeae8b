/// `--format svg`: a self-contained flame graph sized by pages; each box has a title with
/// its pages and share on hover. No script, no external file: opens in any browser.
public struct FlameGraphSVG: ReportFormatter {
    public init() {}

    final class Node {
        var name: String
        var value: Int64 = 0
        var children: [String: Node] = [:]
        init(_ n: String) { name = n }
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let root = GroupRendering.tree(try FoldedFormatter.lines(report, keepOffsets: context.foldedKeepOffsets, threads: context.threads), root: "all")
        try out.write(Self.withDescriptions(Self.render(root, title: context.title, unit: "pages", pageSize: report.pageSize), context))
    }

    /// `svg` with the context's warnings and notes as `<desc>` elements before its end.
    static func withDescriptions(_ svg: String, _ context: ReportContext) -> String {
        let d = context.svgDescriptions
        if d.isEmpty || !svg.hasSuffix("</svg>\n") { return svg }
        return String(svg.dropLast(7)) + d + "</svg>\n"
    }

    static func depth(_ n: Node) -> Int { 1 + (n.children.values.map(depth).max() ?? 0) }

    /// The SVG document for a tree.
    static func render(_ root: Node, title: String, unit: String, pageSize: Int64, colorOf: ((String) -> String)? = nil) -> String {
        let width = 1200.0
        let rowH = 17.0
        let top = 36.0
        let levels = depth(root)
        let height = top + Double(levels) * rowH + 20
        var s = """
            <?xml version="1.0" standalone="no"?>
            <svg version="1.1" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" xmlns="http://www.w3.org/2000/svg">
            <style>text{font-family:Verdana,sans-serif;font-size:11px;fill:#000}rect:hover{stroke:#000;stroke-width:0.5}</style>
            <rect x="0" y="0" width="100%" height="100%" fill="#f8f8f8"/>
            <text x="\(Int(width / 2))" y="20" text-anchor="middle" style="font-size:15px">\(xml(title))</text>

            """
        let total = max(root.value, 1)
        func draw(_ n: Node, _ x: Double, _ level: Int) {
            let w = Double(n.value) / Double(total) * (width - 20)
            guard w >= 0.3 else { return }
            let y = height - 20 - Double(level + 1) * rowH
            let pct = Render.fixed(Double(n.value) * 100 / Double(total), 2)
            let color = colorOf?(n.name) ?? warm(n.name)
            s += "<g><title>\(xml(n.name)) (\(n.value) \(unit), \(Render.human(n.value &* pageSize)), \(pct)%)</title>"
            s +=
                "<rect x=\"\(Render.fixed(10 + x, 2))\" y=\"\(Render.fixed(y, 1))\" width=\"\(Render.fixed(w, 2))\" height=\"\(Int(rowH - 1))\" fill=\"\(color)\" rx=\"2\"/>"
            let chars = Int(w / 7)
            if chars >= 3 {
                let label = n.name.count <= chars ? n.name : String(n.name.prefix(chars - 2)) + ".."
                s += "<text x=\"\(Render.fixed(13 + x, 2))\" y=\"\(Render.fixed(y + rowH - 5, 1))\">\(xml(label))</text>"
            }
            s += "</g>\n"
            var cx = x
            for c in n.children.values.sorted(by: { $0.name < $1.name }) {
                draw(c, cx, level + 1)
                cx += Double(c.value) / Double(total) * (width - 20)
            }
        }
        draw(root, 0, 0)
        s += "</svg>\n"
        return s
    }

    static func xml(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "&": o += "&amp;"
            case "\"": o += "&quot;"
            default: if c.value >= 0x20 { o.unicodeScalars.append(c) }
            }
        }
        return o
    }

    /// A stable warm colour from the name (no randomness: same input, same picture).
    static func warm(_ name: String) -> String {
        var h: UInt64 = 1_469_598_103_934_665_603
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        let r = 205 + Int(h % 50)
        let g = Int((h >> 8) % 230)
        let b = Int((h >> 16) % 55)
        return "rgb(\(r),\(g),\(b))"
    }
}
