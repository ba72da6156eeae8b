/// An aligned text table built on bytes (as `GroupRendering.table`): cells are kept in one
/// arena with their widths in `Character`s, numeric columns are right-aligned, the last
/// column is not padded, columns are separated by two spaces.
struct TextTable {
    let header: [String]
    let numeric: [Bool]
    var widths: [Int]
    var arena: [UInt8] = []
    /// `starts[row * columns + column]`: where a cell begins; one more entry at the end.
    var starts: [Int] = [0]
    var cellWidths: [Int32] = []
    var rows = 0

    init(header: [String], numeric: Set<Int>) {
        self.header = header
        self.numeric = header.indices.map { numeric.contains($0) }
        widths = header.map(\.count)
    }

    var columns: Int { header.count }

    /// Adds a row; `body` adds its cells in column order.
    mutating func row(_ body: (inout TextTable) -> Void) {
        body(&self)
        rows += 1
    }

    /// A cell rendered by `body` into the arena.
    mutating func cell(_ body: (inout [UInt8]) -> Void) {
        let from = arena.count
        body(&arena)
        let w = ByteView.with(arena, from..<arena.count) { b -> Int in
            ByteRendering.isASCII(b) ? b.count : String(decoding: b, as: UTF8.self).count
        }
        close(width: w)
    }

    mutating func cell(_ s: String) {
        let ascii = ByteView.with(s) { u -> Bool in
            arena.append(u)
            return ByteRendering.isASCII(u)
        }
        close(width: ascii ? s.utf8.count : s.count)
    }

    private mutating func close(width w: Int) {
        starts.append(arena.count)
        cellWidths.append(Int32(w))
        let c = (starts.count - 2) % columns
        if w > widths[c] { widths[c] = w }
    }

    func writeHeader(to out: OutputSink) throws {
        try out.append { b in
            for (i, h) in header.enumerated() {
                appendCell(i, width: h.count, to: &b) { $0.append(h) }
            }
            b.append(0x0a)
        }
    }

    /// Row `r` with its newline.
    func appendRow(_ r: Int, to b: inout [UInt8]) {
        for c in 0..<columns {
            let k = r * columns + c
            appendCell(c, width: Int(cellWidths[k]), to: &b) { $0.append(contentsOf: arena[starts[k]..<starts[k + 1]]) }
        }
        b.append(0x0a)
    }

    private func appendCell(_ c: Int, width: Int, to b: inout [UInt8], _ text: (inout [UInt8]) -> Void) {
        if c > 0 { b.append("  ") }
        let pad = widths[c] - width
        if numeric[c] {
            for _ in 0..<pad { b.append(0x20) }
            text(&b)
        } else {
            text(&b)
            if c != columns - 1 { for _ in 0..<pad { b.append(0x20) } }
        }
    }
}
