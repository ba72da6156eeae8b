extension Int64 {
    /// `self + other`, held at `Int64.max` (or `.min`) instead of wrapping: page counts come
    /// from the input (`order 63` is 2^63 pages), and a total must never wrap to a small or
    /// negative number.
    @inline(__always)
    public static func +| (a: Int64, b: Int64) -> Int64 {
        let (v, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? .max : .min) : v
    }

    @inline(__always)
    public static func +|= (a: inout Int64, b: Int64) { a = a +| b }
}

infix operator +| : AdditionPrecedence
infix operator +|= : AssignmentPrecedence
