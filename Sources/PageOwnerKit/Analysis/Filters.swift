/// Which records count: the one filter engine, of `report`, `diff`, `series`, `top` and the
/// compatible mode (`CompatOptions.filters`). Applied before grouping; the cheap tests on the
/// record's fields run per record, the stack tests run once per distinct stack and are cached
/// (`FilterCache`).
public struct Filters {
    public var pids: Set<Int32>? { didSet { fewPids = Self.few(pids) } }
    public var tgids: Set<Int32>? { didSet { fewTgids = Self.few(tgids) } }
    /// Task names, by their exact bytes.
    public var comms: Set<[UInt8]>? { didSet { fewComms = Self.few(comms) } }
    /// `pids`, `tgids` and `comms` as arrays when they hold a few values: `passesTask`
    /// compares those in place, which costs less per record than hashing the record's value.
    var fewPids: [Int32]?
    var fewTgids: [Int32]?
    var fewComms: [[UInt8]]?
    /// Keep records with a frame whose symbol matches.
    public var frame: Regex<AnyRegexOutput>?
    /// Drop records with a frame whose symbol matches.
    public var excludeFrame: Regex<AnyRegexOutput>?
    public var since: UInt64?
    public var until: UInt64?
    public var gfpFlags: [String] = []
    public var orders: Set<Int32>?
    public var migratetypes: Set<MigrateType>?
    /// Keep records whose stack is in one of these modules, as `moduleRule` says.
    public var modules: Set<String>?
    /// How `modules` selects a record's stack.
    public var moduleRule = ModuleRule.anyFrame
    public var memcgs: Set<[UInt8]>?
    /// Drop records whose stack is a placeholder (early boot, dummy, stack depot failure),
    /// including the early-boot handle of a handle-only dump.
    public var excludePlaceholders = false
    /// Human-readable description for JSON metadata.
    public var described: [String: String] = [:]

    public init() {}

    /// How `modules` selects a stack.
    public enum ModuleRule: Sendable {
        /// A frame of the stack is in one of the modules (`report`).
        case anyFrame
        /// The stack's module (`StackTable.Info.module`: the innermost `[mod]` frame's; in
        /// the compatible mode, the first `+0x…/0x… [mod]` as the kernel tool reads it), or
        /// `vmlinux` when it has none, is one of them (the kernel tool's `--module`).
        case stackModule
    }

    public var needsStack: Bool { frame != nil || excludeFrame != nil || modules != nil || excludePlaceholders }
    /// Whether any filter looks at the record itself (pid, tgid, comm, time, order,
    /// migratetype, gfp flags, memcg).
    public var needsRecord: Bool {
        pids != nil || tgids != nil || comms != nil || since != nil || until != nil || orders != nil || migratetypes != nil
            || !gfpFlags.isEmpty || memcgs != nil
    }

    /// Whether a record's task passes the pid, tgid and comm filters (the comm's bytes
    /// exactly).
    @inline(__always)
    public func passesTask(pid: Int32, tgid: Int32, comm: ByteView) -> Bool {
        if let p = pids, !(fewPids?.contains(pid) ?? p.contains(pid)) { return false }
        if let p = tgids, !(fewTgids?.contains(tgid) ?? p.contains(tgid)) { return false }
        if let c = comms {
            if let few = fewComms {
                if !few.contains(where: { ByteView.with($0) { $0.equals(comm) } }) { return false }
            } else if !c.contains(comm.array) {
                return false
            }
        }
        return true
    }

    /// Whether `modules` names the module `name` (its bytes exactly; true without a module
    /// filter): the test of `ModuleRule.stackModule`.
    public func selectsModule(_ name: ByteView) -> Bool {
        guard let m = modules else { return true }
        return m.contains { $0.utf8.elementsEqual(name) }
    }

    /// The values of `set` as an array when there are at most 8 of them.
    static func few<T>(_ set: Set<T>?) -> [T]? {
        set.flatMap { $0.count <= 8 ? Array($0) : nil }
    }

    /// Parses a time bound: nanoseconds, or a number with `s`, `ms`, `us`, `ns`.
    public static func parseTime(_ s: String) throws -> UInt64 {
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("ms", 1e6), ("s", 1e9)]
        for (u, m) in units where s.hasSuffix(u) {
            guard let v = Double(s.dropLast(u.count)), v >= 0 else { break }
            return UInt64(v * m)
        }
        if let v = UInt64(s) { return v }
        throw UsageError("bad time '\(s)': use nanoseconds or a number with s, ms, us or ns")
    }
}

/// Per-stack and per-mask decisions of the filters, cached.
struct FilterCache {
    var stackVerdict: [UInt8] = []  // 0 unknown, 1 keep, 2 drop
    var gfpVerdict: [UInt64: Bool] = [:]
    /// The module of a stack that names none (`ModuleRule.stackModule`).
    static let vmlinux = Array("vmlinux".utf8)

    /// Whether stack `h` passes the stack filters: its cached verdict, else decided once.
    @inline(__always)
    mutating func stackPasses(_ h: Int32, _ f: Filters, _ table: StackTable) -> Bool {
        let i = Int(h)
        if i < stackVerdict.count, stackVerdict[i] != 0 { return stackVerdict[i] == 1 }
        return decideStack(h, f, table)
    }

    /// Decides (and caches) stack `h`'s verdict: out of line, so that the cached lookup
    /// inlines without copying the filters.
    @inline(never)
    mutating func decideStack(_ h: Int32, _ f: Filters, _ table: StackTable) -> Bool {
        let i = Int(h)
        if i >= stackVerdict.count { stackVerdict.append(contentsOf: repeatElement(0, count: i + 1 - stackVerdict.count)) }
        if f.excludePlaceholders && table.info[i].kind.isPlaceholder {
            stackVerdict[i] = 2
            return false
        }
        if f.moduleRule == .stackModule, f.modules != nil {
            let m = table.info[i].module
            let keep = m >= 0 ? table.names.withBytes(m) { f.selectsModule($0) } : ByteView.with(Self.vmlinux) { f.selectsModule($0) }
            if !keep {
                stackVerdict[i] = 2
                return false
            }
        }
        if f.frame == nil && f.excludeFrame == nil && (f.modules == nil || f.moduleRule == .stackModule) {
            stackVerdict[i] = 1
            return true
        }
        var symbols: [String] = []
        var modules: Set<String> = []
        table.stacks.withBytes(h) { p in
            var pos = 0
            while pos < p.count {
                let nl = Bytes.find(10, p, pos, p.count)
                let (fs, fe) = StackTable.frameText(p, pos, nl)
                let (ss, se) = StackTable.symbol(p, fs, fe)
                symbols.append(p.slice(ss, se).string)
                if let (ms, me) = StackTable.module(p, fs, fe) {
                    modules.insert(p.slice(ms, me).string)
                }
                pos = nl + 1
            }
        }
        var keep = true
        if let r = f.frame { keep = symbols.contains { (try? r.firstMatch(in: $0)) != nil } }
        if keep, let r = f.excludeFrame { keep = !symbols.contains { (try? r.firstMatch(in: $0)) != nil } }
        if keep, f.moduleRule == .anyFrame, let m = f.modules { keep = !m.isDisjoint(with: modules) }
        stackVerdict[i] = keep ? 1 : 2
        return keep
    }

    mutating func gfpPasses(_ r: Record, _ f: Filters) -> Bool {
        if let v = gfpVerdict[r.gfp] { return v }
        let names = r.withBytes(r.gfpNames) { $0.string }
        let expanded = GFP.expand(names)
        let v = f.gfpFlags.allSatisfy { expanded.contains($0) || expanded.contains("__" + $0) }
        gfpVerdict[r.gfp] = v
        return v
    }
}
