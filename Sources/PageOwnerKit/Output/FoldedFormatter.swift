/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages, merged and sorted by text.
    public static func lines(_ report: Report, keepOffsets: Bool) -> [(String, Int64)] {
        GroupRendering.fold(
            report.rows.map { r in
                (
                    GroupRendering.foldedLine(report.keys, r.cells, frames: r.frames, label: r.stackLabel, keepOffsets: keepOffsets),
                    r.metrics.pages
                )
            })
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        for (l, p) in Self.lines(report, keepOffsets: context.foldedKeepOffsets) {
            try out.write("\(l) \(p)\n")
        }
    }
}
