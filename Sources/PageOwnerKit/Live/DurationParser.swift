/// Durations on the command line: `0.2` (seconds), `200ms`, `5s`, `1m`, `1h`, `500us`.
public enum DurationParser {
    /// The duration in nanoseconds; nil for anything else (negative, empty, unknown unit).
    public static func nanoseconds(_ s: String) -> UInt64? {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var number = Substring(s)
        var scale = 1e9
        for (u, m) in units where s.hasSuffix(u) {
            // `ms` and `ns` end in `s`, `m` is a prefix of `ms`: the longest unit wins (listed first).
            number = s.dropLast(u.count)
            scale = m
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(number), v.isFinite, v >= 0
        else { return nil }
        let ns = v * scale
        guard ns < 1e18 else { return nil }
        return UInt64(ns)
    }
}
