/// The text table of `series`, written one line at a time: the same bytes as
/// `GroupRendering.table` (numeric columns right-aligned, the last not padded, two spaces
/// between columns), without a string per cell. A series has one column per snapshot, so an
/// archive of 100,000 members made 100,000 strings a row, all held until the table was
/// written; here only a row's few key cells are strings, and the page columns' widths are
/// counted from the numbers.
enum SeriesText {
    static func write(_ s: SeriesReport, keyCell: (SeriesReport.Row, GroupKey, Report.Cell) -> String, to out: OutputSink) throws {
        let m = s.snapshots.count
        var header = ["SLOPE", "GROWTH"] + (1...max(1, m)).map { "S\($0)" }
        header += s.keys.map { $0 == .stack ? "STACK" : $0.rawValue.uppercased() }
        let lead = s.rows.map { r in [Render.fixed(r.slope, 1), (r.growth > 0 ? "+" : "") + String(r.growth)] }
        let tail = s.rows.map { r in zip(s.keys, r.cells).map { keyCell(r, $0, $1) } }
        var widths = header.map(\.count)
        for (ri, r) in s.rows.enumerated() {
            for (i, c) in lead[ri].enumerated() { widths[i] = max(widths[i], c.count) }
            for (i, p) in r.pages.enumerated() { widths[2 + i] = max(widths[2 + i], decimalWidth(p)) }
            for (i, c) in tail[ri].enumerated() { widths[2 + m + i] = max(widths[2 + m + i], c.count) }
        }
        let columns = header.count
        let numeric = 2 + m
        func cell(_ i: Int, _ width: Int, _ b: inout [UInt8], _ text: (inout [UInt8]) -> Void) {
            if i > 0 { b.append("  ") }
            let pad = widths[i] - width
            if i < numeric {
                for _ in 0..<pad { b.append(0x20) }
                text(&b)
            } else {
                text(&b)
                if i != columns - 1 { for _ in 0..<pad { b.append(0x20) } }
            }
        }
        try out.append { b in
            for (i, h) in header.enumerated() { cell(i, h.count, &b) { $0.append(contentsOf: h.utf8) } }
            b.append(0x0a)
        }
        for (ri, r) in s.rows.enumerated() {
            try out.append { b in
                for (i, c) in lead[ri].enumerated() { cell(i, c.count, &b) { $0.append(contentsOf: c.utf8) } }
                for (i, p) in r.pages.enumerated() { cell(2 + i, decimalWidth(p), &b) { $0.appendDecimal(p) } }
                for (i, c) in tail[ri].enumerated() { cell(2 + m + i, c.count, &b) { $0.append(contentsOf: c.utf8) } }
                b.append(0x0a)
            }
        }
    }

    /// Characters of `String(v)`.
    static func decimalWidth(_ v: Int64) -> Int {
        var n = v < 0 ? 2 : 1
        var x = v.magnitude
        while x >= 10 {
            x /= 10
            n += 1
        }
        return n
    }
}
