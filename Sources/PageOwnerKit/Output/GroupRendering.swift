import Foundation

/// Rendering shared by the report, diff and series formatters: aligned text tables, key
/// cells as CSV fields and JSON members, and stacks folded for flame graphs.
enum GroupRendering {
    /// Lines of an aligned table: numeric columns right-aligned, the last column unpadded.
    static func table(header: [String], rows: [[String]], numeric: Set<Int>) -> [String] {
        var widths = header.map(\.count)
        for l in rows { for (i, c) in l.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - c.count)
                if i > 0 { s += "  " }
                s += numeric.contains(i) ? pad + c : (i == cells.count - 1 ? c : c + pad)
            }
            return s + "\n"
        }
        return [line(header)] + rows.map(line)
    }

    /// The stack printed under a group in text tables.
    static func stackLines(_ frames: [String]?, label: String?) -> String {
        guard let frames else { return "" }
        var s = ""
        if let label { s += "    [\(label)]\n" }
        for f in frames { s += "    \(f)\n" }
        return s + "\n"
    }

    /// Key cells as CSV fields; the stack's frames joined by `;`.
    static func csvKeys(_ keys: [GroupKey], _ cells: [Report.Cell], frames: [String]?) -> [String] {
        keys.enumerated().map { i, k in
            k == .stack ? Render.csv((frames ?? []).joined(separator: ";")) : Render.csv(cells[i].text)
        }
    }

    /// Key cells as JSON members (`"comm":"dd"`, `"stack":[…]`, numbers, booleans, null).
    static func jsonKeys(_ keys: [GroupKey], _ cells: [Report.Cell], frames: [String]?, label: String?) -> [String] {
        var f: [String] = []
        for (i, k) in keys.enumerated() {
            let c = cells[i]
            let v: String
            if k == .stack {
                v = "[" + (frames ?? []).map(Render.json).joined(separator: ",") + "]"
                if let label { f.append("\"stack_label\":\(Render.json(label))") }
            } else if let b = c.bool {
                v = b ? "true" : "false"
            } else if c.isNumeric {
                v = c.number.map { String($0) } ?? "null"
            } else {
                v = Render.json(c.text)
            }
            f.append("\(Render.json(k.rawValue)):\(v)")
        }
        return f
    }

    /// One folded line's frames: non-stack keys first (as root frames), then the stack
    /// root first; `;` inside a name becomes `,`.
    static func foldedLine(_ keys: [GroupKey], _ cells: [Report.Cell], frames: [String]?, label: String?, keepOffsets: Bool) -> String {
        var parts: [String] = []
        for (i, k) in keys.enumerated() where k != .stack {
            let t = cells[i].text
            parts.append(t.isEmpty ? "-" : t)
        }
        if let frames {
            if let label, frames.count <= 1 {
                parts.append("[\(label)]")
            } else {
                parts += frames.reversed().map { Render.frameName($0, keepOffsets: keepOffsets) }
            }
        }
        let line = parts.map { $0.replacingOccurrences(of: ";", with: ",") }.joined(separator: ";")
        return line.isEmpty ? "all" : line
    }

    /// Folded lines with their values summed and sorted by text.
    static func fold(_ entries: [(String, Int64)]) -> [(String, Int64)] {
        var sums: [String: Int64] = [:]
        for (l, v) in entries { sums[l, default: 0] += v }
        return sums.sorted { $0.key < $1.key }
    }

    /// A flame-graph tree from folded lines.
    static func tree(_ lines: [(String, Int64)], root name: String) -> FlameGraphSVG.Node {
        let root = FlameGraphSVG.Node(name)
        for (line, value) in lines {
            root.value += value
            var n = root
            for part in line.split(separator: ";") {
                let k = String(part)
                let c = n.children[k] ?? FlameGraphSVG.Node(k)
                n.children[k] = c
                c.value += value
                n = c
            }
        }
        return root
    }
}
