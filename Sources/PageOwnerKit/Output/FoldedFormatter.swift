/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages, rendered from the stack bytes (not yet merged:
    /// `FoldedLines.forEachMerged`).
    /// Ranges of rows are rendered on `threads` threads, each into its own lines; the
    /// later ranges' lines are then added to the first's (a line met in several adds up).
    static func folded(_ report: Report, keepOffsets: Bool, threads: Int = 1) -> FoldedLines {
        let rows = report.rows
        var ranges = ParallelParts.map(rows.count, threads: threads) { range -> FoldedLines in
            var lines = FoldedLines()
            var names = FrameNames()
            var parts: [Int] = []
            for i in range {
                let r = rows[i]
                lines.add(r.metrics.pages) { out in
                    ByteRendering.appendFoldedLine(
                        keys: report.keys, cells: r.cells, stacks: report.stacks, stack: r.stack, label: r.stackLabel,
                        keepOffsets: keepOffsets, names: &names, parts: &parts, to: &out)
                }
            }
            return lines
        }
        var lines = ranges.removeFirst()
        for other in ranges {
            for i in 0..<other.count { other.withLine(i) { b in lines.add(other.values[i]) { $0.append(contentsOf: b) } } }
        }
        return lines
    }

    /// The folded lines as strings (the SVG flame graph's input).
    public static func lines(_ report: Report, keepOffsets: Bool, threads: Int = 1) -> [(String, Int64)] {
        var out: [(String, Int64)] = []
        let f = folded(report, keepOffsets: keepOffsets, threads: threads)
        f.forEachMerged(threads: threads) { i, sum in out.append((f.string(i), sum)) }
        return out
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let f = Self.folded(report, keepOffsets: context.foldedKeepOffsets, threads: context.threads)
        try f.forEachMerged(threads: context.threads) { i, sum in
            try out.append { b in
                f.withLine(i) { b.append(contentsOf: $0) }
                b.append(0x20)
                b.appendDecimal(sum)
                b.append(0x0a)
            }
        }
    }
}
