import PageOwnerSynth

/// The synthesisers' deterministic generator (`SplitMix64`) as a `RandomNumberGenerator`:
/// the same seed gives the same inputs on every run, so a failure can be replayed.
public struct SeededRandom: RandomNumberGenerator {
    var inner: SplitMix64
    public init(seed: UInt64) { inner = SplitMix64(seed: seed) }
    public mutating func next() -> UInt64 { inner.next() }
}
