import Foundation

/// A growth bound given as pages (a bare number, or with a `p`/`pages` suffix) or as a size
/// (`4096B`, `512KiB`, `10MiB`, `1G`, `1.5GiB`; K, M, G, T are powers of 1024 with or without
/// `i` and `B`).
public struct SizeBound: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: Sendable { case pages, bytes }
    public var value: Int64
    public var unit: Unit
    /// As given on the command line.
    public var text: String

    public init(value: Int64, unit: Unit, text: String) {
        self.value = value
        self.unit = unit
        self.text = text
    }

    /// - Throws: `UsageError` for anything but a number with an optional unit.
    public static func parse(_ s: String) throws -> SizeBound {
        let t = s.trimmingCharacters(in: .whitespaces)
        var numberEnd = t.startIndex
        while numberEnd < t.endIndex, "0123456789.-+".contains(t[numberEnd]) { numberEnd = t.index(after: numberEnd) }
        let number = String(t[..<numberEnd])
        let suffix = t[numberEnd...].trimmingCharacters(in: .whitespaces).lowercased()
        let multiplier: Int64
        var unit = Unit.bytes
        switch suffix {
        case "", "p", "page", "pages":
            unit = .pages
            multiplier = 1
        case "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        case "g", "gb", "gib": multiplier = 1 << 30
        case "t", "tb", "tib": multiplier = 1 << 40
        default:
            throw UsageError(
                "bad size '\(s)': give pages (a bare number) or a size with B, KiB, MiB, GiB or TiB (e.g. 10MiB)")
        }
        if let n = Int64(number) {
            let (v, over) = n.multipliedReportingOverflow(by: multiplier)
            guard !over else { throw UsageError("size '\(s)' is too large") }
            return SizeBound(value: v, unit: unit, text: s)
        }
        guard unit == .bytes, let d = Double(number), d.isFinite else {
            throw UsageError("bad size '\(s)': expected a whole number of pages or a size such as 10MiB")
        }
        let v = (d * Double(multiplier)).rounded(.down)
        guard abs(v) < 9.2e18 else { throw UsageError("size '\(s)' is too large") }
        return SizeBound(value: Int64(v), unit: unit, text: s)
    }

    /// The bound in pages: a group exceeds it when its page delta is greater than this. For a
    /// size, `delta × pageSize > bytes` holds exactly when `delta > bytes / pageSize`
    /// (rounded toward minus infinity).
    public func pages(pageSize: Int64) -> Int64 {
        guard unit == .bytes, pageSize > 0 else { return value }
        let q = value / pageSize
        return value < 0 && value % pageSize != 0 ? q - 1 : q
    }

    public var description: String { text }
}
