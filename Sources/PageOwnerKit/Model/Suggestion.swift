/// "Did you mean …?" for a misspelled word: the closest of the known words, when it is
/// close enough to be a likely slip (one edit for short words, two for longer ones; a
/// swap of two neighbouring letters counts as one edit).
public enum Suggestion {
    /// The candidate nearest to `word`, or nil when none is near or two are equally near.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased().utf8)
        guard !w.isEmpty else { return nil }
        let limit = w.count <= 3 ? 1 : 2
        var best: (String, Int)?
        var tie = false
        for c in candidates {
            let d = distance(w, Array(c.lowercased().utf8))
            guard d <= limit, d < max(w.count, 1) else { continue }
            if let b = best, d > b.1 { continue }
            tie = best.map { $0.1 == d && $0.0 != c } ?? false
            best = (c, d)
        }
        return tie ? nil : best?.0
    }

    /// ` (did you mean 'x'?)` or an empty string.
    public static func hint(_ word: String, among candidates: [String], quote: String = "'") -> String {
        guard let c = closest(to: word, among: candidates) else { return "" }
        return " (did you mean \(quote)\(c)\(quote)?)"
    }

    /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
