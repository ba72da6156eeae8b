/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages, rendered from the stack bytes (not yet merged:
    /// `FoldedLines.forEachMerged`). The lines are made in ranges of rows on the threads, a
    /// batch of rows at a time (every frame's name made first, which they only read), and
    /// filed in row order as each batch is done.
    static func folded(_ report: Report, keepOffsets: Bool, threads: Int = 1) -> FoldedLines {
        var lines = FoldedLines()
        // Room for every line at once: a line is at most its cells and its frame lines (a
        // name drops what the line has besides it), so the lines are never copied as they
        // grow (copying 10^8 bytes of lines held both copies: the peak of a folded report
        // of 10^6 stacks). Room never written costs no memory (`MemoryPolicy`).
        let store = report.stacks.stacks
        let n = report.rows.count
        let bound = ParallelParts.map(n, threads: threads) { range -> Int in
            var bound = 0
            for i in range {
                let r = report.rows[i]
                bound += 64
                for c in r.cells { bound += c.text.utf8.count + 2 }
                if r.stack >= 0 { for f in store.frameIDs(r.stack) { bound += store.frames.length(f) + 1 } }
            }
            return bound
        }.reduce(0, +)
        lines.reserve(lines: n, bytes: bound)
        let names = FrameNames(store, keepOffsets: keepOffsets)
        // Each line goes to the batch's buffer after its length (8 bytes): a line can hold
        // any byte a cell holds.
        var row = 0
        ParallelParts.render(n, threads: threads) { range, out in
            var parts: [Int] = []
            for i in range {
                report.prefetchStacks(ahead: i, end: range.upperBound)
                let r = report.rows[i]
                let at = out.count
                out.append(contentsOf: repeatElement(0, count: 8))
                ByteRendering.appendFoldedLine(
                    keys: report.keys, cells: r.cells, stacks: report.stacks, stack: r.stack, label: r.stackLabel,
                    names: names, parts: &parts, to: &out)
                let length = out.count - at - 8
                for k in 0..<8 { out[at + k] = UInt8(truncatingIfNeeded: length >> (8 * k)) }
            }
        } write: { buffer in
            ByteView.with(buffer) { b in
                var at = 0
                while at < b.count {
                    var length = 0
                    for k in 0..<8 { length |= Int(b[at + k]) << (8 * k) }
                    lines.add(report.rows[row].metrics.pages, line: b.slice(at + 8, at + 8 + length))
                    row += 1
                    at += 8 + length
                }
            }
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
                f.withLine(i) { b.append($0) }
                b.append(0x20)
                b.appendDecimal(sum)
                b.append(0x0a)
            }
        }
    }
}
