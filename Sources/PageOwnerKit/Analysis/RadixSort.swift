// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the sort's passes over
// flat key/payload buffers (unchecked access in the hot loops).
/// A stable least-significant-digit radix sort of 64-bit keys with a 32-bit payload:
/// what `Report.order` sorts groups with (keys made of page counts and ranks), in a few
/// passes over flat arrays instead of a comparison closure per pair. Byte positions where
/// every key holds the same byte are skipped, so small keys cost one or two passes.
enum RadixSort {
    /// The payloads in ascending key order; equal keys keep their input order.
    static func sorted(keys: [UInt64], payloads: [Int32]) -> [Int32] {
        precondition(keys.count == payloads.count, "one payload a key")
        let n = keys.count
        if n < 2 { return payloads }
        var k = keys
        var p = payloads
        var k2 = [UInt64](repeating: 0, count: n)
        var p2 = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256)
        let differing = differingBits(keys)
        for byte in 0..<8 {
            let shift = UInt64(byte * 8)
            if (differing >> shift) & 0xff == 0 { continue }
            k.withUnsafeBufferPointer { ks in
                p.withUnsafeBufferPointer { ps in
                    k2.withUnsafeMutableBufferPointer { ko in
                        p2.withUnsafeMutableBufferPointer { po in
                            counts.withUnsafeMutableBufferPointer { c in
                                for i in 0..<256 { c[i] = 0 }
                                for i in 0..<n { c[Int((ks[i] >> shift) & 0xff)] += 1 }
                                var sum = 0
                                for i in 0..<256 {
                                    let t = c[i]
                                    c[i] = sum
                                    sum += t
                                }
                                for i in 0..<n {
                                    let d = Int((ks[i] >> shift) & 0xff)
                                    ko[c[d]] = ks[i]
                                    po[c[d]] = ps[i]
                                    c[d] += 1
                                }
                            }
                        }
                    }
                }
            }
            swap(&k, &k2)
            swap(&p, &p2)
        }
        return p
    }

    /// `sorted(keys:payloads:)` on up to `threads` threads for a large input: each pass
    /// counts the digits of each thread's contiguous part, and each part scatters its keys
    /// to the places its counts give (the parts in input order within each digit), so the
    /// result is the one-thread result, element for element.
    static func sorted(keys: [UInt64], payloads: [Int32], threads: Int) -> [Int32] {
        precondition(keys.count == payloads.count, "one payload a key")
        let n = keys.count
        let parts = max(1, min(threads, 8))
        guard parts > 1 && n >= 1 << 17 else { return sorted(keys: keys, payloads: payloads) }
        var k = keys
        var p = payloads
        var k2 = [UInt64](repeating: 0, count: n)
        var p2 = [Int32](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 256 * parts)
        let differing = differingBits(keys)
        for byte in 0..<8 {
            let shift = UInt64(byte * 8)
            if (differing >> shift) & 0xff == 0 { continue }
            k.withUnsafeBufferPointer { ks in
                p.withUnsafeBufferPointer { ps in
                    ParallelParts.withSlots(&counts) { c in
                        ParallelParts.forEach(parts, threads: parts, minimum: 1) { range in
                            for part in range {
                                for d in 0..<256 { c[part * 256 + d] = 0 }
                                for i in (n * part / parts)..<(n * (part + 1) / parts) { c[part * 256 + Int((ks[i] >> shift) & 0xff)] += 1 }
                            }
                        }
                    }
                    // Each (digit, part) starts after every smaller digit and, within its
                    // digit, after the parts before it.
                    var sum = 0
                    for d in 0..<256 {
                        for part in 0..<parts {
                            let t = counts[part * 256 + d]
                            counts[part * 256 + d] = sum
                            sum += t
                        }
                    }
                    ParallelParts.withSlots(&k2) { ko in
                        ParallelParts.withSlots(&p2) { po in
                            ParallelParts.withSlots(&counts) { c in
                                ParallelParts.forEach(parts, threads: parts, minimum: 1) { range in
                                    for part in range {
                                        for i in (n * part / parts)..<(n * (part + 1) / parts) {
                                            let slot = part * 256 + Int((ks[i] >> shift) & 0xff)
                                            let at = c[slot]
                                            ko[at] = ks[i]
                                            po[at] = ps[i]
                                            c[slot] = at + 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            swap(&k, &k2)
            swap(&p, &p2)
        }
        return p
    }

    /// The bits in which some key differs from the first (a byte with none needs no pass).
    static func differingBits(_ keys: [UInt64]) -> UInt64 {
        guard let first = keys.first else { return 0 }
        var differing: UInt64 = 0
        for x in keys { differing |= x ^ first }
        return differing
    }

    /// Bits needed to hold `x` (0 for 0).
    static func bits(_ x: UInt64) -> Int { 64 - x.leadingZeroBitCount }
}
