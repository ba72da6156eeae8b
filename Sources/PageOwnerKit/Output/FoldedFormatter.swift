/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages, rendered from the stack bytes (not yet merged:
    /// `FoldedLines.forEachMerged`).
    static func folded(_ report: Report, keepOffsets: Bool) -> FoldedLines {
        var lines = FoldedLines()
        var names = FrameNames()
        var parts: [Int] = []
        // Room for every line at once: a line is at most its cells and its frame lines (a
        // name drops what the line has besides it), so the lines are never copied as they
        // grow (copying 10^8 bytes of lines held both copies: the peak of a folded report
        // of 10^6 stacks). Room never written costs no memory (`MemoryPolicy`).
        var bound = 0
        let store = report.stacks.stacks
        for r in report.rows {
            bound += 64
            for c in r.cells { bound += c.text.utf8.count + 2 }
            if r.stack >= 0 { for f in store.frameIDs(r.stack) { bound += store.frames.length(f) + 1 } }
        }
        lines.reserve(lines: report.rows.count, bytes: bound)
        let n = report.rows.count
        for (i, r) in report.rows.enumerated() {
            report.prefetchStacks(ahead: i, end: n)
            lines.add(r.metrics.pages) { out in
                ByteRendering.appendFoldedLine(
                    keys: report.keys, cells: r.cells, stacks: report.stacks, stack: r.stack, label: r.stackLabel,
                    keepOffsets: keepOffsets, names: &names, parts: &parts, to: &out)
            }
        }
        return lines
    }

    /// The folded lines as strings (the SVG flame graph's input).
    public static func lines(_ report: Report, keepOffsets: Bool, threads: Int = 1) -> [(String, Int64)] {
        var out: [(String, Int64)] = []
        let f = folded(report, keepOffsets: keepOffsets)
        f.forEachMerged(threads: threads) { i, sum in out.append((f.string(i), sum)) }
        return out
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let f = Self.folded(report, keepOffsets: context.foldedKeepOffsets)
        try f.forEachMerged(threads: context.threads) { i, sum in
            try out.append { b in
                f.withLine(i) { b.append($0) }
                b.append(0x20)
                b.appendDecimal(sum)
                b.append(0x0a)
            }
        }
    }
}
