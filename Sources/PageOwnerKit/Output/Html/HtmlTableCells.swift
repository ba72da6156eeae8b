/// The key columns of a page's table: `"keys":[…],"numeric":[…],"cells":[[column]…]`, each
/// cell as the text output prints it (`-` when empty; a stack shows its caller, or its label
/// in brackets for a placeholder), one array per key.
enum HtmlTableCells {
    static func write(_ j: inout HtmlJSON, keys: [GroupKey], rows: [(cells: [Report.Cell], label: String?)]) {
        j.key("keys")
        j.strings(keys.map(\.rawValue))
        j.raw(",")
        j.key("numeric")
        j.ints(keys.map { $0.isNumeric ? 1 : 0 })
        j.raw(",")
        j.key("cells")
        j.raw("[")
        for (c, k) in keys.enumerated() {
            if c > 0 { j.raw(",") }
            j.strings(
                rows.map { r in
                    let t = r.cells[c].text
                    if k == .stack { return t.isEmpty ? "[" + (r.label ?? "stack") + "]" : t }
                    return t.isEmpty ? "-" : t
                })
        }
        j.raw("]")
    }

    /// The stack handle of each group of `agg` (nil when `.stack` is not a key).
    static func stackHandle(_ agg: Aggregator, _ g: Int32) -> Int32? {
        guard let pos = agg.keys.firstIndex(of: .stack) else { return nil }
        return agg.groups.withBytes(g) { Int32(bitPattern: UInt32(truncatingIfNeeded: $0.bindMemory(to: UInt64.self)[pos])) }
    }
}
