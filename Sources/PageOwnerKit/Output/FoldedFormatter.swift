/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages, merged and sorted by text.
    public static func lines(_ report: Report, keepOffsets: Bool) -> [(String, Int64)] {
        var sums: [String: Int64] = [:]
        for r in report.rows {
            var parts: [String] = []
            for (i, k) in report.keys.enumerated() where k != .stack {
                let t = r.cells[i].text
                parts.append(t.isEmpty ? "-" : t)
            }
            if let frames = r.frames {
                if let l = r.stackLabel, frames.count <= 1 { parts.append("[\(l)]") } else {
                    parts += frames.reversed().map { Render.frameName($0, keepOffsets: keepOffsets) }
                }
            }
            let line = parts.map { $0.replacingOccurrences(of: ";", with: ",") }.joined(separator: ";")
            sums[line.isEmpty ? "all" : line, default: 0] += r.metrics.pages
        }
        return sums.sorted { $0.key < $1.key }
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        for (l, p) in Self.lines(report, keepOffsets: context.foldedKeepOffsets) {
            try out.write("\(l) \(p)\n")
        }
    }
}
