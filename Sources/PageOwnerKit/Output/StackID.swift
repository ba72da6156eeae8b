/// A short, stable name for a stack: 10 hex digits of a hash of its frames as printed (one per
/// line). The same stack gets the same id in every run, every input order and every output
/// that shows one (`series` rows, where callers repeat).
public enum StackID {
    public static func of(frames: [String]) -> String {
        let h = ByteView.with(frames.joined(separator: "\n")) { $0.hash() }
        let hex = String(h, radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(10))
    }
}
