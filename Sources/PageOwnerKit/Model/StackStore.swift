// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): an arena: frame ids and
// the per-record stack compare.
import CShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Every distinct stack once, as a sequence of frame ids, and every distinct frame line
/// once (`frames`). A stack costs a few bytes per frame (its ids), its hash and a slot,
/// whatever its text: 10^6 stacks of 15 frames fit in tens of MB where their text would
/// take hundreds.
///
/// Stacks are the bytes of their frame lines as printed, each ended by a newline; handles
/// are dense (0, 1, 2, …) in first-seen order. A lookup hashes the stack's bytes (the
/// caller usually did, to prefetch) and compares a candidate frame by frame against the
/// interned frame bytes, so equality is exact, never by hash alone.
public struct StackStore {
    /// The distinct frame lines (without their newline).
    public private(set) var frames = ByteInterner(capacity: 4096)
    /// Frame ids of every stack, back to back.
    @usableFromInline var ids: [Int32] = []
    /// `starts[h]` is where stack `h`'s ids begin; `starts[count]` is the end.
    @usableFromInline var starts: [Int32] = [0]
    /// The full hash of every stack (slot tags hold only its top half; `grow` rehashes).
    @usableFromInline var hashes: [UInt64] = []
    /// Slots: 0 = empty, else (hash high 32 bits << 32) | (handle + 1).
    @usableFromInline var slots: [UInt64]
    @usableFromInline var mask: Int
    /// False once `releaseIndex` freed `slots`: the next lookup rebuilds them.
    @usableFromInline var indexed = true
    /// Scratch of `internFrames`: the line ends and hashes of the stack being added.
    var lineEnds: [Int] = []
    var lineHashes: [UInt64] = []

    public init(capacity: Int = 4096) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n)
        mask = n - 1
    }

    /// Number of distinct stacks.
    @inlinable public var count: Int { hashes.count }

    /// Number of frames of stack `h`.
    @inlinable public func frameCount(_ h: Int32) -> Int { Int(starts[Int(h) + 1] - starts[Int(h)]) }

    /// The handle of the stack `bytes` (frame lines, each ended by a newline), adding it if new.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        intern(bytes, hash: ByteHash.hash(bytes))
    }

    /// `intern(_:)` of a view's bytes.
    @inline(__always)
    public mutating func intern(_ v: ByteView) -> Int32 { v.withUnsafeBytes { intern($0) } }

    /// `intern(_:hash:)` of a view's bytes.
    @inline(__always)
    public mutating func intern(_ v: ByteView, hash h: UInt64) -> Int32 { v.withUnsafeBytes { intern($0, hash: h) } }

    /// As `intern(_:)`, with `hash == ByteHash.hash(bytes)` computed earlier.
    public mutating func intern(_ bytes: UnsafeRawBufferPointer, hash h: UInt64) -> Int32 {
        if let last = bytes.last, last != 10 {
            // A last line without its newline (a dump cut at its end): stored as if it had one.
            var b = Array(bytes)
            b.append(10)
            return b.withUnsafeBytes { intern($0) }
        }
        if !indexed { rebuildIndex() }
        let tag = h & 0xffff_ffff_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { break }
            // The tag holds the hash's high half (the slot comes from its low bits): the
            // full hash is not read here, a cache miss a record at 10^5 stacks and more.
            if s & 0xffff_ffff_0000_0000 == tag {
                let c = Int(s & 0xffff_ffff) - 1
                if matches(c, bytes) { return Int32(c) }
            }
            i = (i + 1) & mask
        }
        let handle = count
        if let b0 = bytes.baseAddress { internFrames(UnsafeRawPointer(b0), bytes.count) }
        starts.append(Int32(truncatingIfNeeded: ids.count))
        hashes.append(h)
        slots[i] = tag | UInt64(handle + 1)
        if count * 2 > mask { grow() }
        return Int32(handle)
    }

    /// Appends the frame ids of a new stack's `n` bytes at `p` (lines, each ended by a
    /// newline), each line interned in `frames`. The lines' lookups run side by side, in
    /// passes over the stack: every line's hash and slot first, then each slot's string
    /// start, then its bytes, then the interning, which then finds all three in cache (at
    /// 10^4 frames and more each is a cache miss, and a new stack has a dozen lines).
    @inline(__always)
    mutating func internFrames(_ p: UnsafeRawPointer, _ n: Int) {
        lineEnds.removeAll(keepingCapacity: true)
        lineHashes.removeAll(keepingCapacity: true)
        let bytes = p.assumingMemoryBound(to: UInt8.self)
        var pos = 0
        while pos < n {
            let nl = Bytes.find(10, ByteView(start: bytes, count: n), pos, n)
            let h = ByteInterner.hash(UnsafeRawBufferPointer(start: p + pos, count: nl - pos))
            frames.prefetch(hash: h, step: 0)
            lineEnds.append(nl)
            lineHashes.append(h)
            pos = nl + 1
        }
        for step in 1...2 {
            for h in lineHashes { frames.prefetch(hash: h, step: step) }
        }
        pos = 0
        for (i, nl) in lineEnds.enumerated() {
            ids.append(frames.intern(UnsafeRawBufferPointer(start: p + pos, count: nl - pos), hash: lineHashes[i]))
            pos = nl + 1
        }
    }

    /// The handle of a stack given as frame ids of this store, with the hash of its bytes
    /// (a stack of another store, mapped: see `StackTable.merge`), adding it if new.
    mutating func intern(ids new: UnsafeBufferPointer<Int32>, hash h: UInt64) -> (handle: Int32, added: Bool) {
        if !indexed { rebuildIndex() }
        let found = find(ids: new, hash: h)
        if found >= 0 { return (found, false) }
        return (add(ids: new, hash: h), true)
    }

    /// Adds the stack made of frame ids `new` whose bytes hash to `h`, which this store does
    /// not hold (the caller knows: `handles(of:threads:)` did not find it), without looking
    /// it up; its handle.
    mutating func add(ids new: UnsafeBufferPointer<Int32>, hash h: UInt64) -> Int32 {
        if !indexed { rebuildIndex() }
        // Its slot is the first empty one of its probe.
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        let tag = h & 0xffff_ffff_0000_0000
        let handle = count
        ids.append(contentsOf: new)
        starts.append(Int32(truncatingIfNeeded: ids.count))
        hashes.append(h)
        slots[i] = tag | UInt64(handle + 1)
        if count * 2 > mask { grow() }
        return Int32(handle)
    }

    /// The first byte of stack `h`, if it has one.
    func firstByte(_ h: Int32) -> UInt8? {
        let a = Int(starts[Int(h)])
        guard a < Int(starts[Int(h) + 1]) else { return nil }
        return frames.withBytes(ids[a]) { $0.first ?? 10 }
    }

    /// Whether stack `c`'s frame ids are `new`: raw buffers, no slice and no bounds check
    /// per id (a merge compares every stack the two sides share).
    @inline(__always)
    func hasIDs(_ c: Int, _ new: UnsafeBufferPointer<Int32>) -> Bool {
        let a = Int(starts[c])
        let n = Int(starts[c + 1]) - a
        guard n == new.count else { return false }
        return ids.withUnsafeBufferPointer { p in
            var k = 0
            while k < n {
                if p[a + k] != new[k] { return false }
                k += 1
            }
            return true
        }
    }


    /// This store's handle of each stack of `other` (a parallel worker's) that this store
    /// holds, -1 for the others: what `merge(_:of:map:scratch:)` would find without adding
    /// anything, looked up ahead on `threads` threads at once (each lookup a few cache
    /// misses at 10^5 stacks and more). Read only: a frame this store does not hold makes
    /// its stacks -1 (they are new), and nothing is interned.
    func handles(of other: StackStore, threads: Int) -> [Int32] {
        var out = [Int32](repeating: -1, count: other.count)
        guard indexed, other.count > 0 else { return out }
        let frameMap = ParallelParts.map(other.frames.count, threads: threads) { range -> [Int32] in
            range.map { f in other.frames.withBytes(Int32(f)) { frames.lookup($0) } ?? -1 }
        }.flatMap { $0 }
        ParallelParts.withSlots(&out) { found in
            ParallelParts.forEach(other.count, threads: threads) { range in
                var scratch: [Int32] = []
                for h in range {
                    let c = held(h, of: other, scratch: &scratch) { f in
                        let mine = frameMap[Int(f)]
                        return mine >= 0 ? mine : nil
                    }
                    if c >= 0 { found[h] = c }
                }
            }
        }
        return out
    }

    /// `handles(of:threads:)` with this store's index made first if it was released: -1
    /// then means this store does not hold the stack (`merge(_:of:map:scratch:new:)`).
    mutating func lookUp(_ other: StackStore, threads: Int) -> [Int32] {
        if !indexed { rebuildIndex() }
        return handles(of: other, threads: threads)
    }

    /// Whether this store holds most of `other`'s stacks, judged by a sample of 1,024 of them
    /// spread over its handles: looking them all up ahead (`lookUp`) pays when it finds most
    /// of them. When most are new, the lookups find little, and adding a new stack still
    /// probes for its empty slot, the miss the lookup would have saved.
    mutating func holdsMost(of other: StackStore) -> Bool {
        if !indexed { rebuildIndex() }
        guard other.count > 0 else { return false }
        let n = Swift.min(other.count, 1024)
        var found = 0
        var scratch: [Int32] = []
        for j in 0..<n {
            let c = held(j * other.count / n, of: other, scratch: &scratch) { f in other.frames.withBytes(f) { frames.lookup($0) } }
            if c >= 0 { found += 1 }
        }
        return found * 2 > n
    }

    /// This store's handle of stack `h` of `other`, or -1 when it holds no such stack: its
    /// frames mapped to ours by `frame` (nil for a frame this store lacks, whose stacks are
    /// new), into `scratch`, then looked up by ids and hash. Nothing is added.
    private func held(_ h: Int, of other: StackStore, scratch: inout [Int32], frame: (Int32) -> Int32?) -> Int32 {
        scratch.removeAll(keepingCapacity: true)
        for k in Int(other.starts[h])..<Int(other.starts[h + 1]) {
            guard let mine = frame(other.ids[k]) else { return -1 }
            scratch.append(mine)
        }
        return scratch.withUnsafeBufferPointer { find(ids: $0, hash: other.hashes[h]) }
    }

    /// The handle of the stack made of frame ids `new` whose bytes hash to `h`, or -1.
    func find(ids new: UnsafeBufferPointer<Int32>, hash h: UInt64) -> Int32 {
        let tag = h & 0xffff_ffff_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 { return -1 }
            if s & 0xffff_ffff_0000_0000 == tag {
                let c = Int(s & 0xffff_ffff) - 1
                if hashes[c] == h && hasIDs(c, new) { return Int32(c) }
            }
            i = (i + 1) & mask
        }
    }

    /// This store's handle of stack `h` of `other` (a parallel worker's), adding it if new:
    /// each of its frames is mapped through `map` (other's frame id → ours, -1 unknown: each
    /// distinct frame interned once), then the stack found by its ids (into `scratch`) and
    /// the hash of its bytes. `other` is read in place: ids through raw buffers.
    ///
    /// With `new`, the caller knows this store does not hold the stack (`handles(of:threads:)`
    /// did not find it, and the other store's stacks are distinct): it is added without a
    /// lookup.
    mutating func merge(
        _ h: Int32, of other: StackStore, map: inout [Int32], scratch: inout [Int32], new: Bool = false
    ) -> (handle: Int32, added: Bool) {
        if map.count < other.frames.count { map.append(contentsOf: repeatElement(-1, count: other.frames.count - map.count)) }
        let a = Int(other.starts[Int(h)])
        let n = Int(other.starts[Int(h) + 1]) - a
        if scratch.count < n { scratch.append(contentsOf: repeatElement(0, count: n - scratch.count)) }
        other.ids.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { dst in
                map.withUnsafeMutableBufferPointer { map in
                    for k in 0..<n {
                        let f = src[a + k]
                        var mine = map[Int(f)]
                        if mine < 0 {
                            mine = other.frames.withBytes(f) { frames.intern($0) }
                            map[Int(f)] = mine
                        }
                        dst[k] = mine
                    }
                }
            }
        }
        let hash = other.hashes[Int(h)]
        return scratch.withUnsafeBufferPointer {
            let ids = UnsafeBufferPointer(rebasing: $0[0..<n])
            return new ? (add(ids: ids, hash: hash), true) : intern(ids: ids, hash: hash)
        }
    }

    /// Whether stack `c` is exactly `bytes`: each of its frames, then a newline, in turn.
    @inline(__always)
    func matches(_ c: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let a = Int(starts[c])
        let b = Int(starts[c + 1])
        let n = bytes.count
        guard let p = bytes.baseAddress else { return a == b }
        // Raw buffers, no bounds check per frame: this runs for every record, ~15 frames
        // each. (memcmp stays: an inline 8-byte loop took more instructions than its AVX2.)
        return frames.arena.withUnsafeBytes { fa in
            frames.starts.withUnsafeBufferPointer { fs in
                ids.withUnsafeBufferPointer { ids in
                    var pos = 0
                    for k in a..<b {
                        let id = Int(ids[k])
                        let f = fs[id]
                        let len = fs[id + 1] - f
                        if pos + len >= n || p.load(fromByteOffset: pos + len, as: UInt8.self) != 10 { return false }
                        if len > 0 && memcmp(p + pos, fa.baseAddress! + f, len) != 0 { return false }
                        pos += len + 1
                    }
                    return pos == n
                }
            }
        }
    }

    /// Starts loading the first candidate's frame ids for a lookup of `h` a little later.
    public mutating func prefetch(hash h: UInt64) { _ = prefetchCandidateIDs(hash: h) }

    /// Starts loading where stack `h`'s frame ids begin: the first of two steps taken a few
    /// stacks ahead when stacks are read in an order of their own (a report's rows), where
    /// each stack's `starts` entry and ids are a cache miss apiece at 10^5 stacks and more.
    @inline(__always)
    public func prefetchStart(_ h: Int32) {
        starts.withUnsafeBufferPointer { po_prefetch($0.baseAddress! + Int(h), 8) }
    }

    /// Starts loading stack `h`'s frame ids (the second step, after `prefetchStart(h)`).
    @inline(__always)
    public func prefetchIDs(_ h: Int32) {
        let a = Int(starts[Int(h)])
        let b = Int(starts[Int(h) + 1])
        ids.withUnsafeBytes { po_prefetch($0.baseAddress! + a * 4, (b - a) * 4) }
    }

    /// A merge's lookups started ahead, in steps (the caller's other store hashes are at hand,
    /// so it can look several stacks ahead): `prefetchSlot(hash:)` loads the slot of `h`
    /// without waiting for it, `prefetchCandidate(hash:)` (a few stacks later) reads that
    /// slot and starts loading its stack's hash and `starts` entry, and `prefetch(hash:)`
    /// (one stack ahead) its frame ids.
    @inline(__always)
    func prefetchSlot(hash h: UInt64) {
        guard indexed else { return }
        slots.withUnsafeBufferPointer { po_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: h) & mask), 8) }
    }

    /// See `prefetchSlot(hash:)`.
    @inline(__always)
    func prefetchCandidate(hash h: UInt64) {
        guard let c = candidate(hash: h) else { return }
        hashes.withUnsafeBufferPointer { po_prefetch($0.baseAddress! + c, 8) }
        prefetchStart(Int32(c))
    }

    /// The parse loop's lookups started ahead, in steps a record apart (see `RecordRing`):
    /// `prefetchSlot(hash:)` loads the slot of `h`; each later step reads what the one
    /// before loaded (in cache by then) and starts loading the next thing the compare will
    /// read: the candidate stack's `starts` entry, then its frame ids. The lookup itself
    /// then waits on none of them. A slot whose tag is not `h`'s holds no candidate worth
    /// loading (a stack not seen yet, most likely). (Loading the frames' starts and bytes
    /// too, two steps more, only moved the wait into the prefetches: they are many, and
    /// mostly in a cache already.)
    @inline(__always)
    func candidate(hash h: UInt64) -> Int? {
        guard indexed else { return nil }
        let s = slots[Int(truncatingIfNeeded: h) & mask]
        guard s != 0, s & 0xffff_ffff_0000_0000 == h & 0xffff_ffff_0000_0000 else { return nil }
        return Int(s & 0xffff_ffff) - 1
    }

    /// The second step (see `candidate(hash:)`): the candidate's `starts` entry.
    @inline(__always)
    mutating func prefetchCandidateStart(hash h: UInt64) {
        if let c = candidate(hash: h) { prefetchStart(Int32(c)) }
    }

    /// The third step: the candidate's frame ids. Returns the candidate (-1 for none), whose
    /// caller can start loading what it keeps by stack.
    @inline(__always)
    mutating func prefetchCandidateIDs(hash h: UInt64) -> Int32 {
        guard let c = candidate(hash: h) else { return -1 }
        prefetchIDs(Int32(c))
        return Int32(c)
    }

    /// Frees the lookup index (`slots`): a store only read by handle (a worker's, while it
    /// is merged) does not need it. A later lookup rebuilds it.
    mutating func releaseIndex() {
        slots = []
        mask = -1
        indexed = false
    }

    /// `slots` made again from `hashes`, at most half full.
    mutating func rebuildIndex() {
        var n = 16
        while n < (count + 1) * 2 { n <<= 1 }
        mask = n / 2 - 1
        indexed = true
        grow()
    }

    mutating func grow() {
        let n = (mask + 1) * 2
        var newSlots = [UInt64](repeating: 0, count: n)
        let newMask = n - 1
        for (handle, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & newMask
            while newSlots[i] != 0 { i = (i + 1) & newMask }
            newSlots[i] = (h & 0xffff_ffff_0000_0000) | UInt64(handle + 1)
        }
        slots = newSlots
        mask = newMask
    }

    /// Calls `body` with each frame line of stack `h` (as printed, without its newline).
    @inlinable
    public func forEachLine(_ h: Int32, _ body: (ByteView) throws -> Void) rethrows {
        for k in Int(starts[Int(h)])..<Int(starts[Int(h) + 1]) {
            try frames.withBytes(ids[k], body)
        }
    }

    /// Calls `body` with the frame ids of stack `h` (a raw buffer: no slice, no retain).
    @inline(__always)
    func withFrameIDs<R>(_ h: Int32, _ body: (UnsafeBufferPointer<Int32>) throws -> R) rethrows -> R {
        let a = Int(starts[Int(h)])
        let b = Int(starts[Int(h) + 1])
        return try ids.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[a..<b])) }
    }

    /// The frame ids of stack `h`.
    public func frameIDs(_ h: Int32) -> ArraySlice<Int32> { ids[Int(starts[Int(h)])..<Int(starts[Int(h) + 1])] }

    /// Appends the bytes of stack `h` (its lines, each with a newline).
    public func appendBytes(_ h: Int32, to out: inout [UInt8]) {
        forEachLine(h) { l in
            out.append(l)
            out.append(10)
        }
    }

    /// Calls `body` with the bytes of stack `h` (assembled: not for the hot path).
    public func withBytes<R>(_ h: Int32, _ body: (ByteView) throws -> R) rethrows -> R {
        var out: [UInt8] = []
        appendBytes(h, to: &out)
        return try ByteView.with(out, body)
    }

    /// The bytes of stack `h` as an array.
    public func bytes(_ h: Int32) -> [UInt8] {
        var out: [UInt8] = []
        appendBytes(h, to: &out)
        return out
    }

    /// The text of stack `h`, decoding invalid UTF-8 leniently (edge use only).
    public func string(_ h: Int32) -> String { String(decoding: bytes(h), as: UTF8.self) }

    /// Compares two stacks' bytes like `strcmp` (unsigned, shorter prefix first), frame by
    /// frame: equal frames (equal ids) are skipped without reading them.
    public func compare(_ a: Int32, _ b: Int32) -> Int { compare(a, b, frames: lineOrder) }

    /// `compare(a, b)` by the ranks of `frameRanks()` (no byte read).
    @inline(__always)
    public func compare(_ a: Int32, _ b: Int32, frameRanks r: [Int32]) -> Int {
        compare(a, b) { x, y in r[Int(x)] < r[Int(y)] ? -1 : 1 }
    }

    /// Two stacks in order, given the order of two different frames.
    @inline(__always)
    func compare(_ a: Int32, _ b: Int32, frames order: (Int32, Int32) -> Int) -> Int {
        if a == b { return 0 }
        var i = Int(starts[Int(a)])
        let ie = Int(starts[Int(a) + 1])
        var j = Int(starts[Int(b)])
        let je = Int(starts[Int(b) + 1])
        while i < ie && j < je {
            if ids[i] != ids[j] { return order(ids[i], ids[j]) }
            i += 1
            j += 1
        }
        if i < ie { return 1 }
        if j < je { return -1 }
        return 0
    }

    /// Two different frames in the order their lines sort inside a stack (`line\n` bytes;
    /// no frame holds a newline, so they never tie).
    func lineOrder(_ x: Int32, _ y: Int32) -> Int {
        frames.withBytes(x) { fx in
            frames.withBytes(y) { fy in
                let m = min(fx.count, fy.count)
                let c = fx.slice(0, m).compare(fy.slice(0, m))
                if c != 0 { return c < 0 ? -1 : 1 }
                let cx: UInt8 = fx.count > m ? fx[m] : 10
                let cy: UInt8 = fy.count > m ? fy[m] : 10
                return cx < cy ? -1 : (cx > cy ? 1 : 0)
            }
        }
    }

    /// A rank for every frame in the order its line sorts in a stack: comparing two stacks
    /// is then comparing their rank sequences (`compare(_:_:frameRanks:)`).
    ///
    /// Without a comparison a pair: the frames are radix-sorted by the first 8 bytes of their
    /// lines (big-endian, so integer order is byte order; zeros past the newline), then each
    /// run that agrees on them by the next 8, and so on. A run whose lines ended inside the
    /// bytes they agree on would be one line twice, which an interner does not hold. Runs of
    /// a few frames are sorted by `lineOrder`. With `threads` above 1 and many frames, the
    /// largest runs are refined here and the rest finished on the threads (as `sorted` does
    /// with stacks); the order is total, so the ranks are the same on any number.
    public func frameRanks(threads: Int = 1) -> [Int32] {
        let n = frames.count
        var out = Array(0..<Int32(n))
        var work: [Run] = [(0..<n, 0)]
        if threads > 1 && n >= 1 << 15 {
            var keys: [UInt64] = []
            var payloads: [Int32] = []
            Self.refineLargest(&work, of: n, threads: threads) { run, work in
                refineFrames(&out, run, keys: &keys, payloads: &payloads, into: &work, threads: threads)
            }
            Self.finishInSpans(&out, work, threads: threads) { part, runs in finishFrames(&part, runs) }
        } else {
            finishFrames(&out, work)
        }
        var rank = [Int32](repeating: 0, count: n)
        for (r, h) in out.enumerated() { rank[Int(h)] = Int32(r) }
        return rank
    }

    /// Sorts every run of frames of `work` in `out` to the end (see `frameRanks`).
    func finishFrames(_ out: inout [Int32], _ work: [Run]) {
        var work = work
        var keys: [UInt64] = []
        var payloads: [Int32] = []
        while let run = work.popLast() { refineFrames(&out, run, keys: &keys, payloads: &payloads, into: &work) }
    }

    /// Orders run `run` of frames in `out` by the next 8 bytes of their lines, adding the
    /// runs that still agree on them to `work`; a run of a few frames is sorted by comparing.
    /// With `threads` above 1, a large run's keys are read on the threads.
    func refineFrames(
        _ out: inout [Int32], _ run: Run, keys: inout [UInt64], payloads: inout [Int32], into work: inout [Run], threads: Int = 1
    ) {
        let (range, depth) = run
        if range.count < 2 { return }
        if range.count <= 16 {
            out[range].sort { lineOrder($0, $1) < 0 }
            return
        }
        // The closures below read local copies, not `self` (see `refine`).
        let (arena, fstarts) = (frames.arena, frames.starts)
        @inline(__always) func key(_ h: Int32, _ fa: UnsafeRawBufferPointer) -> UInt64 {
            let f = fstarts[Int(h)]
            let len = fstarts[Int(h) + 1] - f
            var k: UInt64 = 0
            for j in depth..<(depth + 8) {
                let b: UInt8 = j < len ? fa[f + j] : (j == len ? 10 : 0)
                k = k << 8 | UInt64(b)
            }
            return k
        }
        keys.removeAll(keepingCapacity: true)
        payloads.removeAll(keepingCapacity: true)
        if threads > 1 && range.count >= 1 << 16 {
            let handles = Array(out[range])
            keys.append(contentsOf: repeatElement(0, count: range.count))
            ParallelParts.withSlots(&keys) { ks in
                ParallelParts.forEach(range.count, threads: threads) { part in
                    arena.withUnsafeBytes { fa in
                        for i in part { ks[i] = key(handles[i], fa) }
                    }
                }
            }
            payloads = handles
        } else {
            arena.withUnsafeBytes { fa in
                for i in range {
                    keys.append(key(out[i], fa))
                    payloads.append(out[i])
                }
            }
        }
        Self.radixOrder(&out, range, keys: keys, payloads: payloads, threads: threads) { run, _, first in
            // Agreeing lines that go on past these bytes are told apart deeper.
            if fstarts[Int(first) + 1] - fstarts[Int(first)] + 1 > depth + 8 { work.append((run, depth + 8)) }
        }
    }

    /// The rank of each of `n` handles in the order `less` gives.
    static func ranks(_ n: Int, _ less: (Int32, Int32) -> Bool) -> [Int32] {
        var order = Array(0..<Int32(n))
        order.sort(by: less)
        var rank = [Int32](repeating: 0, count: n)
        for (r, h) in order.enumerated() { rank[Int(h)] = Int32(r) }
        return rank
    }

    /// A rank for every stack, in ascending byte order.
    public func sortedRanks(threads: Int = 1) -> [Int32] {
        let order = sorted(Array(0..<Int32(count)), frameRanks: frameRanks(threads: threads), threads: threads)
        var rank = [Int32](repeating: 0, count: count)
        for (r, h) in order.enumerated() { rank[Int(h)] = Int32(r) }
        return rank
    }

    /// Runs of stacks whose order is not known yet: each agrees on its first `depth` frames.
    typealias Run = (range: Range<Int>, depth: Int)

    /// Stacks `hs` (distinct handles) in the order of `compare(_:_:frameRanks:)`, without a
    /// comparison a pair: the stacks are radix-sorted by the ranks of their first frames (as
    /// many as fit a 64-bit key: 2 to 8, by how many frames there are), then each run that
    /// agrees on them by the next ones, and so on (a frame past a stack's end ranks first, so
    /// a shorter prefix comes first). Runs of a few stacks are sorted by
    /// comparing. Each stack is read only as deep as it takes to tell it from the others.
    ///
    /// With `threads` above 1 and many stacks, the largest runs are refined here until none
    /// holds more than a share of the stacks; the runs are then split into contiguous spans
    /// of about equal size, finished on the threads, and copied back. The order is total,
    /// so the result is the same on any number.
    public func sorted(_ hs: [Int32], frameRanks r: [Int32], threads: Int = 1) -> [Int32] {
        var out = hs
        var work: [Run] = [(0..<out.count, 0)]
        var keys: [UInt64] = []
        var payloads: [Int32] = []
        let n = out.count
        guard threads > 1 && n >= 1 << 15 else {
            finish(&out, work, frameRanks: r)
            return out
        }
        Self.refineLargest(&work, of: n, threads: threads) { run, work in
            refine(&out, run, frameRanks: r, keys: &keys, payloads: &payloads, into: &work, threads: threads)
        }
        Self.finishInSpans(&out, work, threads: threads) { part, runs in finish(&part, runs, frameRanks: r) }
        return out
    }

    /// Refines the largest run of `work` (`refine` takes it and adds the runs it leaves)
    /// while it holds more than half a thread's share of the `n` items, a bounded number of
    /// times: runs that agree deep down stay large for a while.
    static func refineLargest(_ work: inout [Run], of n: Int, threads: Int, _ refine: (Run, inout [Run]) -> Void) {
        for _ in 0..<256 {
            guard let i = work.indices.max(by: { work[$0].range.count < work[$1].range.count }),
                work[i].range.count > n / (2 * threads)
            else { return }
            let run = work.remove(at: i)
            refine(run, &work)
        }
    }

    /// Finishes the runs of `work` (disjoint ranges of `out`) on `threads` threads: they are
    /// cut into contiguous spans of about equal size, more spans than threads, which the
    /// threads take in turn, largest first, each finished by `finish` on a copy of its span
    /// (runs shifted to it) and copied back. `finish` runs on several threads at once.
    static func finishInSpans(_ out: inout [Int32], _ work: [Run], threads: Int, _ finish: (inout [Int32], [Run]) -> Void) {
        var work = work
        work.sort { $0.range.lowerBound < $1.range.lowerBound }
        let total = work.reduce(0) { $0 + $1.range.count }
        // More spans than threads, taken in turn: runs of equal size can cost very unequal
        // time (stacks that agree deeper take more passes), and a thread done early takes
        // the next span instead of waiting.
        let spanCount = threads * 8
        var buckets: [[Run]] = [[]]
        var filled = 0
        for run in work {
            if filled >= total * buckets.count / spanCount && !buckets[buckets.count - 1].isEmpty { buckets.append([]) }
            buckets[buckets.count - 1].append(run)
            filled += run.range.count
        }
        let spans = buckets.map { b in (b.first?.range.lowerBound ?? 0)..<(b.last?.range.upperBound ?? 0) }
        let snapshot = out
        // The largest spans first, so that no thread starts a large one last.
        let bySize = spans.indices.sorted { (spans[$0].count, $1) > (spans[$1].count, $0) }
        var done = [[Int32]](repeating: [], count: spans.count)
        let parts = ParallelParts.mapEach(spans.count, threads: threads) { k -> [Int32] in
            let bi = bySize[k]
            let span = spans[bi]
            var part = Array(snapshot[span])
            let shifted = buckets[bi].map { (range: ($0.range.lowerBound - span.lowerBound)..<($0.range.upperBound - span.lowerBound), depth: $0.depth) }
            finish(&part, shifted)
            return part
        }
        for (k, part) in parts.enumerated() { done[bySize[k]] = part }
        for (bi, part) in done.enumerated() { out.replaceSubrange(spans[bi], with: part) }
    }

    /// Sorts every run of `work` in `out` to the end (see `sorted`).
    func finish(_ out: inout [Int32], _ work: [Run], frameRanks r: [Int32]) {
        var work = work
        var keys: [UInt64] = []
        var payloads: [Int32] = []
        while let run = work.popLast() { refine(&out, run, frameRanks: r, keys: &keys, payloads: &payloads, into: &work) }
    }

    /// Orders run `run` of `out` by its stacks' next frames (as many ranks as fit a word),
    /// adding the runs that still agree on them to `work`; a run of a few stacks is sorted by
    /// comparing.
    ///
    /// With `threads` above 1, a large run's keys are read on the threads: the runs `sorted`
    /// refines before it splits the work can hold most stacks (generated and real stacks share
    /// their first frames), and reading a stack's frames is a cache miss a stack.
    func refine(
        _ out: inout [Int32], _ run: Run, frameRanks r: [Int32], keys: inout [UInt64], payloads: inout [Int32], into work: inout [Run],
        threads: Int = 1
    ) {
        let (range, depth) = run
        if range.count < 2 { return }
        // The closures below read local copies: a closure that calls a method of `self`
        // copies the whole store (its arrays retained and released) each time.
        let (ids, starts) = (self.ids, self.starts)
        if range.count <= 16 {
            out[range].sort { a, b in
                if a == b { return false }
                var i = Int(starts[Int(a)])
                let ie = Int(starts[Int(a) + 1])
                var j = Int(starts[Int(b)])
                let je = Int(starts[Int(b) + 1])
                while i < ie && j < je {
                    if ids[i] != ids[j] { return r[Int(ids[i])] < r[Int(ids[j])] }
                    i += 1
                    j += 1
                }
                return i == ie && j < je
            }
            return
        }
        keys.removeAll(keepingCapacity: true)
        payloads.removeAll(keepingCapacity: true)
        // Rank + 1 of frames `depth` to `depth + per - 1` of stack `h` (0 past the stack's
        // end), `width` bits each, as many as fit a word: fewer passes, each reading a stack
        // (a cache miss a stack) once.
        let width = RadixSort.bits(UInt64(r.count) + 1)
        let per = Swift.min(8, 64 / width)
        func key(_ h: Int32) -> UInt64 {
            let s = Int(starts[Int(h)])
            let n = Int(starts[Int(h) + 1]) - s
            var k: UInt64 = 0
            for j in depth..<(depth + per) {
                let v: UInt64 = j < n ? UInt64(UInt32(bitPattern: r[Int(ids[s + j])])) + 1 : 0
                k = k << UInt64(width) | v
            }
            return k
        }
        if threads > 1 && range.count >= 1 << 16 {
            let handles = Array(out[range])
            keys.append(contentsOf: repeatElement(0, count: range.count))
            ParallelParts.withSlots(&keys) { ks in
                ParallelParts.forEach(range.count, threads: threads) { part in
                    for i in part { ks[i] = key(handles[i]) }
                }
            }
            payloads = handles
        } else {
            for i in range {
                let h = out[i]
                keys.append(key(h))
                payloads.append(h)
            }
        }
        let last: UInt64 = (1 << UInt64(width)) - 1
        Self.radixOrder(&out, range, keys: keys, payloads: payloads, threads: threads) { run, k, _ in
            // Stacks that agree and go on past these frames are told apart deeper;
            // agreeing ones that end here are the same stack (handles are distinct).
            if k & last != 0 { work.append((run, depth + per)) }
        }
    }

    /// Puts `payloads` (one a slot of `out[range]`, in slot order) into `out[range]` in the
    /// order of their `keys` (a radix sort; a comparison sort for a short run), then calls
    /// `tie` with each run of two or more slots whose keys are equal, that key and one of the
    /// run's payloads: one refinement step of `sorted` and `frameRanks`. The order inside a
    /// tie is left to the next step, which tells its items apart (they are distinct).
    static func radixOrder(
        _ out: inout [Int32], _ range: Range<Int>, keys: [UInt64], payloads: [Int32], threads: Int = 1,
        tie: (Range<Int>, UInt64, Int32) -> Void
    ) {
        if range.count <= 256 {
            // A short run: a comparison sort of (key, payload) pairs costs less than the
            // radix sort's buffers and passes (up to seven of 256 digits each). Equal keys
            // are told apart deeper (or are the same item), so stability does not matter.
            var pairs = (0..<range.count).map { (key: keys[$0], payload: payloads[$0]) }
            pairs.sort { $0.key < $1.key }
            var start = 0
            while start < pairs.count {
                let k = pairs[start].key
                out[range.lowerBound + start] = pairs[start].payload
                var end = start + 1
                while end < pairs.count && pairs[end].key == k {
                    out[range.lowerBound + end] = pairs[end].payload
                    end += 1
                }
                if end - start > 1 { tie(range.lowerBound + start..<range.lowerBound + end, k, pairs[start].payload) }
                start = end
            }
            return
        }
        let order = RadixSort.sorted(keys: keys, payloads: Array(0..<Int32(range.count)), threads: threads)
        for (j, o) in order.enumerated() { out[range.lowerBound + j] = payloads[Int(o)] }
        var start = 0
        while start < order.count {
            let k = keys[Int(order[start])]
            var end = start + 1
            while end < order.count && keys[Int(order[end])] == k { end += 1 }
            if end - start > 1 { tie(range.lowerBound + start..<range.lowerBound + end, k, payloads[Int(order[start])]) }
            start = end
        }
    }
}
