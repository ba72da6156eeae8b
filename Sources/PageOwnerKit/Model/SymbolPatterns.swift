/// A list of kernel symbol patterns, each exact (`kmalloc_large`) or a prefix
/// (`kmem_cache_alloc*`), with a value per pattern, matched against a frame's symbol.
///
/// Compiler suffixes are dropped from the symbol before matching: GCC and clang name
/// clones and split parts `foo.isra.0`, `foo.constprop.0`, `foo.part.0`, `foo.cold`,
/// `foo.llvm.123`, and no kernel C function has a dot in its name, so `foo.isra.0` is
/// matched as `foo`. Patterns are bucketed by their first byte, so a frame is compared
/// with a few patterns only (this runs once per distinct stack, for every frame).
struct SymbolPatterns<Value> {
    struct Entry {
        var bytes: [UInt8]
        var prefix: Bool
        var value: Value
    }

    /// Patterns by first byte, in the order given (the first match wins).
    var buckets: [[Entry]] = Array(repeating: [], count: 256)

    init(_ patterns: [(String, Value)]) {
        for (p, v) in patterns { add(p, v) }
    }

    mutating func add(_ pattern: String, _ value: Value) {
        var bytes = Array(pattern.utf8)
        let prefix = bytes.last == 42  // *
        if prefix { bytes.removeLast() }
        // A pattern is matched like a symbol: without a compiler suffix.
        if let dot = bytes.firstIndex(of: 46) { bytes.removeSubrange(dot...) }
        guard let first = bytes.first else { return }
        buckets[Int(first)].append(Entry(bytes: bytes, prefix: prefix, value: value))
    }

    /// The symbol without a compiler suffix (`.isra.0`, `.constprop.0`, `.cold`, …).
    static func baseName(_ sym: ByteView) -> ByteView {
        guard let dot = sym.firstIndex(of: 46), dot > 0 else { return sym }
        return sym.slice(0, dot)
    }

    /// The value of the first pattern that matches `sym` (suffix dropped), or nil.
    func match(_ sym: ByteView) -> Value? {
        let s = Self.baseName(sym)
        guard !s.isEmpty else { return nil }
        let first = s[0]
        for e in buckets[Int(first)] {
            if e.prefix ? s.count < e.bytes.count : s.count != e.bytes.count { continue }
            let equal = ByteView.with(e.bytes) { p in p.equals(s.slice(0, p.count)) }
            if equal { return e.value }
        }
        return nil
    }
}

extension SymbolPatterns: Sendable where Value: Sendable {}
extension SymbolPatterns.Entry: Sendable where Value: Sendable {}
