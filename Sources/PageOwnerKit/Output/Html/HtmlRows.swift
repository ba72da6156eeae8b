/// The rows of a page (one per fine group) in node order, so that each row's node is written
/// as the step from the previous row's (`"n"`, packed): most steps are a character or two.
struct HtmlRows {
    /// Row indices sorted by node (then by row).
    let order: [Int]
    let nodes: [Int32]

    /// Sorts by node, then by `ties` (columns compared in turn), so that the order, and the
    /// page, does not depend on the order groups were first seen in (threads, input order):
    /// rows equal in all of them are written alike whichever comes first.
    init(nodes: [Int32], ties: [[Int64]] = []) {
        self.nodes = nodes
        order = nodes.indices.sorted { a, b in
            if nodes[a] != nodes[b] { return nodes[a] < nodes[b] }
            for t in ties where t[a] != t[b] { return t[a] < t[b] }
            return a < b
        }
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
