#if canImport(Glibc)
import Glibc
#endif

/// Takes samples of a live page_owner tree: the sample's bytes and, for handle sources,
/// the stacks of handles not seen before (read from show_stacks_handles at the start,
/// whenever a sample shows a new handle, and when asked at the end). Shared by `record`
/// and `top`.
public final class LiveSampler {
    public struct Sample {
        public var bytes: [UInt8]
        /// `show_handles`, `show_stacks`, `page_owner` or `page_owner.mode_handle`.
        public var kind: String
        public var file: String
        public var wallSeconds: Double
        public var monotonicNs: UInt64
        public var readNs: UInt64
        public var newHandles: Int
    }

    public let tree: LiveTree
    public let source: LiveSource
    /// Handles whose stack was read (and stored).
    var known = Set<UInt32>()
    /// `known` and the handles looked up in show_stacks_handles but not there: the kernel
    /// never lists the early-boot placeholder, nor stacks it did not add to its list (seen
    /// in 7.3: those first allocated without reclaim). They do not make every later sample
    /// read show_stacks_handles again; the read at the end still resolves any that appear.
    /// One set, so a sample costs one lookup per handle.
    var looked = Set<UInt32>()
    /// Whether the last page_owner read was in the `mode=handle` print mode.
    public private(set) var printMode = false
    var stackReads = 0

    public init(debugfs: String, source: LiveSource) throws {
        tree = LiveTree(root: debugfs)
        self.source = try tree.choose(source)
    }

    public var usesHandles: Bool { source == .showHandles || source == .pageOwner }

    public static func now(_ clock: clockid_t) -> UInt64 {
        var t = timespec()
        clock_gettime(clock, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Reads show_stacks_handles; returns the blocks of handles not seen before (empty when
    /// none), or nil for sources without handles.
    public func newStacks() throws -> [UInt8]? {
        guard usesHandles else { return nil }
        let (bytes, _) = try LiveTree.read(tree.showStacksHandles)
        var fresh: [UInt8] = []
        Self.forEachBlock(bytes) { block, handle in
            guard let h = handle, known.insert(h).inserted else { return }
            looked.insert(h)
            fresh.append(contentsOf: block)
            fresh.append(10)
        }
        stackReads += 1
        return fresh
    }

    /// One sample; `stacks` receives the new stacks it needed, before it is returned.
    public func sample(stacks: ([UInt8]) throws -> Void) throws -> Sample {
        let wall = Double(Self.now(CLOCK_REALTIME)) / 1e9
        let mono = Self.now(CLOCK_MONOTONIC)
        let file: String
        var mode: String?
        switch source {
        case .showHandles: file = tree.showHandles
        case .showStacks: file = tree.showStacks
        default:
            file = tree.pageOwner
            mode = "mode=handle"
        }
        let (bytes, applied) = try LiveTree.read(file, printMode: mode)
        let readNs = Self.now(CLOCK_MONOTONIC) &- mono
        if source == .pageOwner { printMode = applied }
        var newHandles = 0
        if source == .showHandles || (source == .pageOwner && applied) {
            var fresh = Set<UInt32>()
            Self.forEachHandle(bytes) { h in
                if !looked.contains(h) { fresh.insert(h) }
            }
            newHandles = fresh.count
            if newHandles > 0 {
                if let s = try newStacks(), !s.isEmpty { try stacks(s) }
                looked.formUnion(fresh)
            }
        }
        let kind = source == .pageOwner ? (applied ? "page_owner.mode_handle" : "page_owner") : source.rawValue
        return Sample(
            bytes: bytes, kind: kind, file: file, wallSeconds: wall, monotonicNs: mono, readNs: readNs, newHandles: newHandles)
    }

    /// Every `handle: N` line's N.
    public static func handles(_ bytes: [UInt8]) -> [UInt32] {
        var out: [UInt32] = []
        forEachHandle(bytes) { out.append($0) }
        return out
    }

    /// Calls `body` with every `handle: N` line's N, in order.
    static func forEachHandle(_ bytes: [UInt8], _ body: (UInt32) -> Void) {
        ByteView.with(bytes) { p in
            var pos = 0
            while pos < p.count {
                let nl = Bytes.find(10, p, pos, p.count)
                if Bytes.hasPrefix("handle: ", p, pos, nl), let d = Bytes.decimal(p, pos + 8, nl), !d.overflow,
                    d.value <= UInt64(UInt32.max)
                {
                    body(UInt32(d.value))
                }
                pos = nl + 1
            }
        }
    }

    /// Blank-line separated blocks (with their last `handle: N`, if any), newline-terminated.
    static func forEachBlock(_ bytes: [UInt8], _ body: (ArraySlice<UInt8>, UInt32?) -> Void) {
        var start = 0
        var handle: UInt32?
        var pos = 0
        let n = bytes.count
        let marker = Array("handle: ".utf8)
        while pos < n {
            var nl = pos
            while nl < n && bytes[nl] != 10 { nl += 1 }
            let line = bytes[pos..<nl]
            if line.isEmpty {
                if pos > start { body(bytes[start..<pos], handle) }
                handle = nil
                start = nl + 1
            } else if line.starts(with: marker) {
                handle = UInt32(String(decoding: line.dropFirst(8), as: UTF8.self))
            }
            pos = nl + 1
        }
        if start < n { body(bytes[start..<n] + [10], handle) }
    }
}
