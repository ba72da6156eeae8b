/// An aligned text table built on bytes (as `GroupRendering.table`): cells are kept in one
/// arena with their widths in `Character`s, numeric columns are right-aligned, the last
/// column is not padded, columns are separated by two spaces.
struct TextTable {
    let header: [String]
    let numeric: [Bool]
    var widths: [Int]
    var arena: [UInt8] = []
    /// `starts[row * columns + column]`: where a cell begins; one more entry at the end
    /// (32 bits: a table of 10^6 rows keeps 5 × 10^6 of them).
    var starts: [UInt32] = [0]
    /// The width of each cell whose width is not its byte count (non-ASCII), by its index.
    var wide: [Int: Int32] = [:]
    var rows = 0
    /// The column of the next cell (counted, not `starts.count % columns`: a division a
    /// cell was a tenth of a 10^5-row table's build).
    private var column = 0

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

    /// Room for `rows` rows of about `bytes` bytes each (capacity not written costs no
    /// memory: see `MemoryPolicy`), so the cells are not copied as the table grows.
    mutating func reserve(rows: Int, bytes: Int) {
        starts.reserveCapacity(rows * columns + 1)
        arena.reserveCapacity(rows * bytes)
    }

    private mutating func close(width w: Int) {
        precondition(arena.count <= Int(UInt32.max), "a text table of more than 4 GiB")
        let k = starts.count - 1
        let bytes = arena.count - Int(starts[k])
        starts.append(UInt32(arena.count))
        if w != bytes { wide[k] = Int32(w) }
        let c = column
        column = c + 1 == columns ? 0 : c + 1
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

    /// Row `r` with its newline. The cells are copied from the arena's buffer, not through
    /// array slices: tables are written on several threads at once, and a slice retains the
    /// arena, whose count the threads would contend for.
    func appendRow(_ r: Int, to b: inout [UInt8]) {
        arena.withUnsafeBufferPointer { a in
            for c in 0..<columns {
                let k = r * columns + c
                let from = Int(starts[k])
                let to = Int(starts[k + 1])
                let width = wide.isEmpty ? to - from : Int(wide[k] ?? Int32(to - from))
                appendCell(c, width: width, to: &b) { $0.append(contentsOf: UnsafeBufferPointer(rebasing: a[from..<to])) }
            }
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
