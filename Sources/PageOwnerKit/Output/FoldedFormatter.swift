/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages, merged and sorted by text, rendered from the stack
    /// bytes.
    static func folded(_ report: Report, keepOffsets: Bool) -> FoldedLines {
        var lines = FoldedLines()
        var scratch: [UInt8] = []
        var parts: [Int] = []
        for r in report.rows {
            lines.add(r.metrics.pages) { out in
                ByteRendering.appendFoldedLine(
                    keys: report.keys, cells: r.cells, stacks: report.stacks, stack: r.stack, label: r.stackLabel,
                    keepOffsets: keepOffsets, scratch: &scratch, parts: &parts, to: &out)
            }
        }
        return lines.merged()
    }

    /// The folded lines as strings (the SVG flame graph's input).
    public static func lines(_ report: Report, keepOffsets: Bool) -> [(String, Int64)] {
        let f = folded(report, keepOffsets: keepOffsets)
        return (0..<f.count).map { (f.string($0), f.values[$0]) }
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let f = Self.folded(report, keepOffsets: context.foldedKeepOffsets)
        for i in 0..<f.count {
            try out.append { b in
                b.append(contentsOf: f.arena[f.starts[i]..<f.starts[i + 1]])
                b.append(0x20)
                b.appendDecimal(f.values[i])
                b.append(0x0a)
            }
        }
    }
}
