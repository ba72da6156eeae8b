/// Exactly `count` distinct stacks made from a vocabulary's real ones: the real stacks
/// first (in first-seen order), then variants that recombine two stacks (a prefix of one,
/// a suffix of another) and/or move one frame's `+0x…` offset inside its function.
/// Every stack is kept rendered (` frame\n` lines) for the generator to copy.
public struct StackPool: Sendable {
    /// The rendered stacks, each a run of ` frame\n` lines.
    public private(set) var stacks: [[UInt8]] = []
    /// Most frames in a stack.
    public static let maxDepth = 16

    /// Builds `count` distinct stacks from `vocabulary` with `seed`.
    public init(vocabulary: Vocabulary, count: Int, seed: UInt64) {
        let bases = vocabulary.stacks.isEmpty ? [[Array("get_page_from_freelist+0x3a2/0x1230".utf8)]] : vocabulary.stacks
        var seen = Set<[UInt8]>()
        seen.reserveCapacity(count)
        stacks.reserveCapacity(count)
        func add(_ frames: [[UInt8]]) -> Bool {
            var text: [UInt8] = []
            for f in frames.prefix(Self.maxDepth) {
                text.append(32)
                text += f
                text.append(10)
            }
            guard seen.insert(text).inserted else { return false }
            stacks.append(text)
            return true
        }
        for b in bases where stacks.count < count { _ = add(b) }
        var rng = SplitMix64(seed: seed ^ 0x5354_4143_4b53)
        var failures = 0
        var serial = 0
        while stacks.count < count {
            var frames = bases[rng.below(bases.count)]
            let kind = rng.below(3)
            if kind != 1, bases.count > 1 {
                let other = bases[rng.below(bases.count)]
                let cut = 1 + rng.below(max(frames.count, 1))
                let from = rng.below(other.count)
                frames = Array(frames.prefix(cut)) + Array(other[from...])
            }
            if kind != 0 || frames.count == 0 {
                let at = rng.below(max(frames.count, 1))
                if frames.isEmpty { frames = [[]] }
                frames[at] = Self.moveOffset(frames[at], &rng)
            }
            if add(frames) {
                failures = 0
                continue
            }
            failures += 1
            if failures > 64 {
                // A tiny vocabulary ran out of variety: add a frame that cannot repeat.
                serial += 1
                var f = frames
                if f.count >= Self.maxDepth { f.removeLast() }
                var extra = Array("synth_frame_".utf8)
                Digits.appendDecimal(UInt64(serial), to: &extra)
                extra += "+0x0/0x10".utf8
                f.append(extra)
                if add(f) { failures = 0 }
            }
        }
    }

    /// The frame with its `+0xOFF/0xSIZE` offset set to a random value below SIZE, or with
    /// `+0x…` appended if it has no offset.
    static func moveOffset(_ frame: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        // Find the last "+0x" and the "/0x" after it.
        var plus = -1
        var i = frame.count - 3
        while i >= 0 {
            if frame[i] == 43 && frame[i + 1] == 48 && frame[i + 2] == 120 {
                plus = i
                break
            }
            i -= 1
        }
        if plus >= 0 {
            var slash = plus + 3
            while slash < frame.count && frame[slash] != 47 { slash += 1 }
            var size: UInt64 = 0
            var j = slash + 3
            while j < frame.count, let d = hexValue(frame[j]) {
                size = size << 4 | UInt64(d)
                j += 1
            }
            if slash + 2 < frame.count, size > 1 {
                var out = Array(frame[0..<(plus + 3)])
                Digits.appendHex(UInt64(rng.below(Int(min(size, 1 << 30)))), to: &out)
                out += frame[slash...]
                return out
            }
        }
        var out = frame
        out += "+0x".utf8
        Digits.appendHex(UInt64(rng.below(1 << 16)), to: &out)
        return out
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
