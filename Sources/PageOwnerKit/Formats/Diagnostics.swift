/// What went wrong, or looked odd, while reading inputs: counts per kind and the first few
/// examples with input, line and what was expected. Printed as a summary at the end.
public struct Diagnostics: Sendable {
    public struct Example: Sendable, CustomStringConvertible {
        public var input: String
        public var line: Int
        public var message: String
        public var description: String { "\(input):\(line): \(message)" }
    }

    /// Skipped records by kind.
    public private(set) var skipped: [String: Int] = [:]
    /// Kept records with something odd, by kind.
    public private(set) var warnings: [String: Int] = [:]
    public private(set) var examples: [Example] = []
    public var maxExamples = 5

    public init() {}

    public var skippedTotal: Int { skipped.values.reduce(0, +) }

    public mutating func skip(_ kind: String, input: String, line: Int, _ message: String) {
        skipped[kind, default: 0] += 1
        if examples.count < maxExamples { examples.append(Example(input: input, line: line, message: message)) }
    }

    public mutating func warn(_ kind: String, count: Int = 1) {
        warnings[kind, default: 0] += count
    }

    /// Adds `n` to the line of every example (a part's lines made absolute).
    mutating func shiftLines(by n: Int) {
        for i in examples.indices { examples[i].line += n }
    }

    public mutating func merge(_ o: Diagnostics) {
        for (k, v) in o.skipped { skipped[k, default: 0] += v }
        for (k, v) in o.warnings { warnings[k, default: 0] += v }
        for e in o.examples where examples.count < maxExamples { examples.append(e) }
    }

    /// Lines for stderr; empty when nothing happened.
    public func summary() -> [String] {
        var out: [String] = []
        if !skipped.isEmpty {
            let kinds = skipped.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            out.append("page-owner-sort: skipped \(skippedTotal) malformed record(s) (\(kinds))")
            for e in examples { out.append("  \(e)") }
        }
        if !warnings.isEmpty {
            let kinds = warnings.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            out.append("page-owner-sort: warnings: \(kinds)")
        }
        return out
    }
}
