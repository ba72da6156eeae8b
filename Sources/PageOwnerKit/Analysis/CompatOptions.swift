/// The kernel tool's (`tools/mm/page_owner_sort`) options, resolved.
public struct CompatOptions: Sendable {
    /// A sort or cull key of the kernel tool.
    public enum Key: String, Sendable, CaseIterable {
        case pid, tgid, comm, stacktrace, allocTs, txt, allocator, module, times, pages

        /// Parses a `--sort`/`--cull` word (`p|pid`, `tg|tgid`, `n|name`, `st|stacktrace`,
        /// `T|txt`, `at|alloc_ts`, `ator|allocator`, and the 2026 tool's `mod|module`).
        public init?(word: String) {
            switch word {
            case "p", "pid": self = .pid
            case "tg", "tgid": self = .tgid
            case "n", "name": self = .comm
            case "st", "stacktrace": self = .stacktrace
            case "T", "txt": self = .txt
            case "at", "alloc_ts": self = .allocTs
            case "ator", "allocator": self = .allocator
            case "mod", "module": self = .module
            default: return nil
            }
        }
    }

    public struct SortKey: Sendable, Equatable {
        public var key: Key
        public var descending: Bool
        public init(_ key: Key, descending: Bool) {
            self.key = key
            self.descending = descending
        }
    }

    /// Cull rules: which fields group records. Empty means: group by the whole text.
    public struct Cull: OptionSet, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let pid = Cull(rawValue: 1)
        public static let tgid = Cull(rawValue: 2)
        public static let comm = Cull(rawValue: 4)
        public static let stacktrace = Cull(rawValue: 8)
        public static let allocator = Cull(rawValue: 16)
        public static let module = Cull(rawValue: 32)
    }

    public var sort: [SortKey] = [SortKey(.times, descending: true)]
    public var cull: Cull = []
    /// The `--pid`, `--tgid`, `--name` and `--module` selections (modules as the 2026 tool
    /// names them, `vmlinux` for none), as given; `filters` applies them.
    public var pids: Set<Int32>? = nil
    public var tgids: Set<Int32>? = nil
    public var comms: Set<[UInt8]>? = nil
    public var modules: Set<String>? = nil
    /// Send every block through the exact (regular-expression) path: tests use it to show
    /// that the fast path gives the same bytes.
    public var exactPathOnly = false

    public init() {}

    /// The selections as the `Filters` the compatible mode's aggregator applies: the kernel
    /// tool's semantics (pid and tgid by value, comm by exact bytes, module by the stack's
    /// first `[mod]`, else `vmlinux`). Not stored: `Filters` is not `Sendable` (its `Regex`).
    public var filters: Filters {
        var f = Filters()
        f.pids = pids
        f.tgids = tgids
        f.comms = comms
        f.modules = modules
        f.moduleRule = .stackModule
        return f
    }

    /// The kernel tool keeps timestamps in the text only when its first sort key is alloc_ts.
    public var keepsTimestamps: Bool { sort.first?.key == .allocTs }

    /// Whether a block's module (its first `+0x…/0x… [mod]` frame's, else `vmlinux`) is
    /// needed: by a module sort, cull or filter.
    public var wantsModule: Bool { cull.contains(.module) || modules != nil || sort.contains { $0.key == .module } }

    /// Parses a `--cull` list; `nil` on an unknown word.
    public static func parseCull(_ s: String) -> Cull? {
        var c: Cull = []
        for w in s.split(separator: ",", omittingEmptySubsequences: false) {
            switch Key(word: String(w)) {
            case .pid: c.insert(.pid)
            case .tgid: c.insert(.tgid)
            case .comm: c.insert(.comm)
            case .stacktrace: c.insert(.stacktrace)
            case .allocator: c.insert(.allocator)
            case .module: c.insert(.module)
            default: return nil
            }
        }
        return c
    }

    /// Parses a `--sort` list of `[+|-]key`; `nil` on an unknown word.
    public static func parseSort(_ s: String) -> [SortKey]? {
        var keys: [SortKey] = []
        for w in s.split(separator: ",", omittingEmptySubsequences: false) {
            var word = Substring(w)
            var desc = false
            if let f = word.first, f == "-" || f == "+" {
                desc = f == "-"
                word = word.dropFirst()
            }
            guard let k = Key(word: String(word)) else { return nil }
            keys.append(SortKey(k, descending: desc))
        }
        return keys.isEmpty ? nil : keys
    }

    /// Parses a `--pid`/`--tgid` list like the kernel tool (`strtol` on each item).
    public static func parseNumbers(_ s: String) -> [Int32]? {
        var out: [Int32] = []
        for w in s.split(separator: ",", omittingEmptySubsequences: false) {
            let t = w.drop(while: { $0 == " " || $0 == "\t" })
            guard let v = Int64(t) ?? (t.hasPrefix("+") ? Int64(t.dropFirst()) : nil) else { return nil }
            out.append(Int32(truncatingIfNeeded: v))
        }
        return out
    }
}
