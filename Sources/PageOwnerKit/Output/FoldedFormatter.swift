/// `--format folded`: `frame;frame;… pages` lines, root first, for flamegraph.pl, inferno
/// and speedscope. Non-stack keys become the root frames (`comm;…`). Frames are symbol
/// names (offsets dropped, `[module]` kept) unless `--keep-offsets`.
public struct FoldedFormatter: ReportFormatter {
    public init() {}

    /// Folded stacks and their pages (not yet merged: `FoldedLines.forEachMerged`). Every
    /// frame's name, key cell and label is made a part first (each distinct text once); then
    /// each row's line is made as part ids in ranges of rows on the threads, a batch of rows
    /// at a time, and filed in row order as each batch is done.
    static func folded(_ report: Report, keepOffsets: Bool, threads: Int = 1) throws -> FoldedLines {
        var lines = FoldedLines()
        let store = report.stacks.stacks
        let n = report.rows.count
        var scratch: [UInt8] = []
        // A frame line's part: its name (`appendFrameName`), -1 for a line with no frame
        // text (which `StackTable.forEachFrame` skips).
        var partOfFrame = [Int32](repeating: -1, count: store.frames.count)
        for f in 0..<store.frames.count {
            store.frames.withBytes(Int32(f)) { p in
                let (s, e) = StackTable.frameText(p, 0, p.count)
                guard e > s else { return }
                partOfFrame[f] = lines.part(&scratch) { ByteRendering.appendFrameName(p.slice(s, e), keepOffsets: keepOffsets, to: &$0) }
            }
        }
        var labelPart: [Int32] = []
        for raw in 0...UInt8.max {
            guard let kind = StackTable.Kind(rawValue: raw) else { break }
            labelPart.append(kind.label.map { l in lines.part(&scratch) { $0.append(0x5b); $0.append(l); $0.append(0x5d) } } ?? -1)
        }
        let all = lines.part(&scratch) { $0.append("all") }
        let empty = lines.parts.lookup(ByteView.empty) ?? -1
        // Non-stack keys' cells, each row's in key order (rows share their cells' arrays,
        // but a cell is a `String`: made a part once a row, before the threads start).
        let cellPositions = report.keys.indices.filter { report.keys[$0] != .stack }
        var cellParts: [Int32] = []
        if !cellPositions.isEmpty {
            cellParts.reserveCapacity(n * cellPositions.count)
            for r in report.rows {
                for pos in cellPositions {
                    var t = r.cells[pos].text
                    cellParts.append(lines.part(&scratch) { out in if t.isEmpty { out.append(0x2d) } else { t.withUTF8 { out.append(contentsOf: $0) } } })
                }
            }
        }
        let bound = ParallelParts.map(n, threads: threads) { range -> Int in
            range.reduce(0) { $0 + cellPositions.count + 1 + (report.rows[$1].stack >= 0 ? store.frameCount(report.rows[$1].stack) : 0) }
        }.reduce(0, +)
        lines.reserve(lines: n, ids: bound)
        // Each line goes to the batch's buffer as its part count (4 bytes) and its ids.
        let (frameParts, labelParts, cells) = (partOfFrame, labelPart, cellParts)
        var row = 0
        try ParallelParts.render(n, threads: threads) { range, out in
            var ids: [Int32] = []
            for i in range {
                report.prefetchStacks(ahead: i, end: range.upperBound)
                let r = report.rows[i]
                ids.removeAll(keepingCapacity: true)
                for k in cellPositions.indices { ids.append(cells[i * cellPositions.count + k]) }
                if r.stack >= 0 {
                    // Root first; a placeholder's or an unresolved handle's label stands for
                    // a stack of at most one frame.
                    let from = ids.count
                    for f in store.frameIDs(r.stack) where frameParts[Int(f)] >= 0 { ids.append(frameParts[Int(f)]) }
                    if let kind = r.stackKind, labelParts[Int(kind.rawValue)] >= 0, ids.count - from <= 1 {
                        ids.removeSubrange(from...)
                        ids.append(labelParts[Int(kind.rawValue)])
                    } else {
                        ids[from...].reverse()
                    }
                }
                // A line with no text is `all`.
                if ids.isEmpty || (ids.count == 1 && ids[0] == empty) { ids = [all] }
                var c = UInt32(ids.count)
                withUnsafeBytes(of: &c) { out.append(contentsOf: $0) }
                ids.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        } write: { buffer in
            ByteView.with(buffer) { b in
                var at = 0
                while at < b.count {
                    let k = Int(UnsafeRawPointer(b.start + at).loadUnaligned(as: UInt32.self))
                    lines.add(report.rows[row].metrics.pages, ids: b.slice(at + 4, at + 4 + 4 * k))
                    row += 1
                    at += 4 + 4 * k
                }
            }
        }
        return lines
    }

    /// The folded lines as strings (the SVG flame graph's input).
    public static func lines(_ report: Report, keepOffsets: Bool, threads: Int = 1) throws -> [(String, Int64)] {
        var out: [(String, Int64)] = []
        let f = try folded(report, keepOffsets: keepOffsets, threads: threads)
        f.forEachMerged(threads: threads) { i, sum in out.append((f.string(i), sum)) }
        return out
    }

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        let f = try Self.folded(report, keepOffsets: context.foldedKeepOffsets, threads: context.threads)
        try f.forEachMerged(threads: context.threads) { i, sum in
            try out.append { b in
                f.appendLine(i, to: &b)
                b.append(0x20)
                b.appendDecimal(sum)
                b.append(0x0a)
            }
        }
    }
}
