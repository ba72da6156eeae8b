/// The rows of a page (one per fine group) in node order, so that each row's node is written
/// as the step from the previous row's (`"n"`, packed): most steps are a character or two.
struct HtmlRows {
    /// Row indices sorted by node (then by row).
    let order: [Int]
    let nodes: [Int32]

    init(nodes: [Int32]) {
        self.nodes = nodes
        order = nodes.indices.sorted { nodes[$0] != nodes[$1] ? nodes[$0] < nodes[$1] : $0 < $1 }
    }

    /// `"n":"…"`: the nodes as steps.
    func writeNodes(_ j: inout HtmlJSON) {
        var prev: Int32 = 0
        j.key("n")
        j.packed(
            order.map { i -> Int32 in
                let d = nodes[i] - prev
                prev = nodes[i]
                return d
            })
    }

    /// A column in row order, packed (`values` are in the rows' original order).
    func column<T: BinaryInteger>(_ values: [T]) -> [T] { order.map { values[$0] } }
}
