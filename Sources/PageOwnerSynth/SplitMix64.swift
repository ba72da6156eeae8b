/// A small deterministic pseudo-random generator (SplitMix64).
///
/// The same seed gives the same sequence on every platform and Swift version, which is
/// why the synthesisers use it instead of the standard library's generators and their
/// `random(in:)` helpers (whose algorithms are not promised to stay the same).
public struct SplitMix64: Sendable {
    /// The generator's whole state.
    public var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<n` (`n` > 0), by multiply-high (no modulo bias worth noting here).
    @inlinable
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(0)")
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// True with probability `numerator / denominator`.
    @inlinable
    public mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        below(denominator) < numerator
    }

    /// A value in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// One element of a non-empty array.
    @inlinable
    public mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }
}
