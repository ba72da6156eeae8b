/// Parses sizes such as `4096`, `64K`, `256M`, `1G`, `1.5G` (binary units; a trailing `B`
/// or `iB` is allowed).
public enum ByteSize {
    /// The size in bytes, or nil if `text` is not a size.
    public static func parse(_ text: String) -> Int? {
        var s = Substring(text.trimmingCharacters())
        if s.hasSuffix("iB") || s.hasSuffix("ib") { s = s.dropLast(2) } else if s.hasSuffix("B") || s.hasSuffix("b") { s = s.dropLast() }
        var unit: Double = 1
        if let last = s.last {
            switch last {
            case "K", "k": unit = 1024
            case "M", "m": unit = 1024 * 1024
            case "G", "g": unit = 1024 * 1024 * 1024
            case "T", "t": unit = 1024.0 * 1024 * 1024 * 1024
            default: break
            }
            if unit != 1 { s = s.dropLast() }
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let v = Double(s), v >= 0 else { return nil }
        let bytes = (v * unit).rounded()
        guard bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
