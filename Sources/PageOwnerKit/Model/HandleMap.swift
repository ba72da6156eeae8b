/// A value per dense handle (0, 1, 2, …: stacks, groups), -1 where none is set yet: an
/// array that grows as handles are set, for caches looked up once per record.
struct HandleMap {
    var values: [Int32] = []

    /// Starts loading the value of `h`, for a lookup a little later. (Mutating only so that
    /// calling it on a stored property copies nothing.)
    @inline(__always)
    mutating func prefetch(_ h: Int32) {
        values.prefetch(Int(h))
    }

    subscript(_ h: Int32) -> Int32 {
        get { Int(h) < values.count ? values[Int(h)] : -1 }
        set {
            if Int(h) >= values.count { values.append(contentsOf: repeatElement(-1, count: Int(h) + 1 - values.count)) }
            values[Int(h)] = newValue
        }
    }
}

extension Array {
    /// Room for `n` elements in all: exactly `n` when that is more than half as much again
    /// as the capacity held (a large merge: no doubling past what it needs), else half as
    /// much again (many small merges stay amortized O(1) an element).
    mutating func reserveAtLeast(_ n: Int) {
        guard capacity < n else { return }
        reserveCapacity(Swift.max(n, capacity + capacity / 2))
    }
}
