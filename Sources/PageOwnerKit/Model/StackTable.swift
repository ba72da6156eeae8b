/// Every distinct stack, stored once, with what is derived from it computed once: its
/// frames, the caller (first frame outside the allocator), its module, whether it is a
/// placeholder, what it allocates (`AllocationClass`). Records refer to stacks by handle.
public struct StackTable {
    /// What kind of stack an entry is.
    public enum Kind: UInt8, Sendable {
        case normal
        /// `register_early_stack`: pages allocated before page_owner was up.
        case earlyPlaceholder
        /// `register_dummy_stack`: allocations made while page_owner was recording one.
        case dummyPlaceholder
        /// `register_failure_stack`: the stack depot could not save the stack.
        case failurePlaceholder
        /// A kernel handle whose stack no input resolved.
        case unresolvedHandle
        /// A record that carried no stack and no handle.
        case none

        /// Early boot, dummy and stack depot failure stacks: page_owner's own stand-ins.
        public var isPlaceholder: Bool {
            self == .earlyPlaceholder || self == .dummyPlaceholder || self == .failurePlaceholder
        }

        public var label: String? {
            switch self {
            case .normal: return nil
            case .earlyPlaceholder: return "early boot placeholder (register_early_stack)"
            case .dummyPlaceholder: return "dummy placeholder (register_dummy_stack)"
            case .failurePlaceholder: return "stack depot failure placeholder (register_failure_stack)"
            case .unresolvedHandle: return "unresolved handle"
            case .none: return "no stack"
            }
        }
    }

    /// (The 32-bit fields first, then the bytes: 20 bytes a stack, not 24.)
    public struct Info: Sendable {
        /// Index of the first frame outside the allocator, or -1.
        public var callerFrame: Int32 = -1
        /// Interned caller name (in `names`), or -1.
        public var caller: Int32 = -1
        /// Interned module of the innermost `[module]` frame (in `names`), or -1 for vmlinux.
        public var module: Int32 = -1
        public var frameCount: Int32 = 0
        public var kind: Kind = .normal
        /// What the stack allocates, read from all its frames.
        public var allocationClass: AllocationClass = .unknown
    }

    /// The stacks, as frame-id sequences over interned frame lines (as printed, leading
    /// space included).
    public private(set) var stacks = StackStore(capacity: 4096)
    public private(set) var info: [Info] = []
    /// Bit `h` is set when stack `h` is an early-boot placeholder, so that a record can be
    /// told to be one without reading `info` (at 10^5 stacks and more a cache miss a record,
    /// where the bits of 10^6 stacks fit 125 KB). Real dumps hold one such stack; dumps whose
    /// stacks start with `register_early_stack` and go on can hold thousands.
    private(set) var earlyBits: [UInt64] = []
    /// Short strings derived from stacks: caller symbols and module names.
    public internal(set) var names = ByteInterner(capacity: 1024)
    let allocatorFunctions: AllocatorFunctions
    /// What `derive` reads from each distinct frame line, by its id in `stacks.frames`: a
    /// stack's frames repeat across stacks, so each is parsed and matched against the
    /// symbol patterns once.
    var frameFacts: [FrameFacts] = []

    struct FrameFacts {
        static let hasSymbol: UInt8 = 1, allocator: UInt8 = 2, hasModule: UInt8 = 4, stackTraceSave: UInt8 = 8
        static let early: UInt8 = 16, dummy: UInt8 = 32, failure: UInt8 = 64
        var flags: UInt8
        /// Its allocation class (`AllocationClass` raw value; 255: its symbol names none).
        var cls: UInt8
    }

    /// Each frame's symbol and module as handles in `names`, once a stack needed them (-2
    /// before, and past the end): a frame is the caller of many stacks, and its name is
    /// interned once, not once a new stack. Apart from `frameFacts`, which every frame of
    /// every new stack reads: kept small, they stay in cache.
    var frameCaller: [Int32] = []
    var frameModule: [Int32] = []

    var scratch: [UInt8] = []

    /// How `derive` reads a stack.
    public enum Reading: Sendable, Equatable {
        /// Frame lines (`report`, `diff`, `series`): kind, caller, module (innermost
        /// `[module]` frame) and class (`AllocatorRule.classes`).
        case frames
        /// The kernel tool's stacktrace (the compatible mode: every line after the PFN line,
        /// trailers included): its VMALLOC test (`AllocatorRule.kernelTool`, as `.vmalloc` or
        /// `.other`) and, when `modules`, its first `+0x…/0x… [mod]` (the kernel tool's
        /// module expression, `CompatPatterns.moduleField`); -1 for vmlinux, as for `frames`.
        case kernelToolText(modules: Bool)
    }

    public let reading: Reading

    public init(allocatorFunctions: AllocatorFunctions = AllocatorFunctions(), reading: Reading = .frames) {
        self.allocatorFunctions = allocatorFunctions
        self.reading = reading
    }

    public var count: Int { stacks.count }

    /// Files what was derived from the stack just added.
    private mutating func appendInfo(_ i: Info) {
        let h = info.count
        if h >> 6 >= earlyBits.count { earlyBits.append(0) }
        if i.kind == .earlyPlaceholder { earlyBits[h >> 6] |= 1 << UInt64(h & 63) }
        info.append(i)
    }

    /// Whether stack `h` is an early-boot placeholder (`Kind.earlyPlaceholder`).
    @inline(__always)
    func isEarlyPlaceholder(_ h: Int32) -> Bool {
        let w = Int(h) >> 6
        return h >= 0 && w < earlyBits.count && earlyBits[w] >> UInt64(h & 63) & 1 != 0
    }

    /// The handle of the stack in `bytes` (frame lines), adding it if new.
    /// CR bytes of CRLF input are dropped first.
    /// `hash`, when not 0, is `StackTable.hash(bytes)` computed earlier (see `prefetch`).
    @inline(__always)
    public mutating func intern(_ bytes: ByteView, crlf: Bool = false, hash: UInt64 = 0) -> Int32 {
        if crlf, bytes.contains(13) { return internDroppingCR(bytes) }
        let before = stacks.count
        var h = hash != 0 ? stacks.intern(bytes, hash: hash) : stacks.intern(bytes)
        if stacks.count != before {
            h = Int32(before)
            appendInfo(derive(stack: h))
        }
        return h
    }

    /// `intern` of CRLF input's stack: its CR bytes dropped first (out of line: rare).
    @inline(never)
    mutating func internDroppingCR(_ bytes: ByteView) -> Int32 {
        scratch.removeAll(keepingCapacity: true)
        for b in bytes where b != 13 { scratch.append(b) }
        var s = scratch
        scratch = []
        defer { scratch = s }
        return ByteView.with(&s) { intern($0, crlf: false) }
    }

    /// The hash `intern` files `bytes` under.
    @inlinable
    public static func hash(_ bytes: ByteView) -> UInt64 { bytes.hash() }

    /// Starts loading the stored stack that `bytes` (hashing to `hash`) will be compared
    /// with, for an `intern` a record later.
    public mutating func prefetch(hash: UInt64) { stacks.prefetch(hash: hash) }

    /// The parse loop's lookahead (`RecordRing`): the lookup of a stack hashing to `hash`
    /// started in `step`s a record apart, 0 to 2 (see `StackStore.candidate(hash:)`).
    /// (Mutating, as `prefetch`, so that it works on the aggregator's table in place: a copy
    /// would retain and release its arrays.)
    /// The last step returns the stack it started loading (-1 for none, as the others).
    @inline(__always) @discardableResult
    public mutating func prefetch(hash: UInt64, step: Int) -> Int32 {
        switch step {
        case 0: stacks.prefetchSlot(hash: hash)
        case 1: stacks.prefetchCandidateStart(hash: hash)
        default: return stacks.prefetchCandidateIDs(hash: hash)
        }
        return -1
    }

    /// The handle of a stack compared by symbol names alone: each frame's `+0xoff/0xsize`
    /// (and any `[<addr>]` prefix) is dropped first, so two kernel builds can be compared.
    public mutating func internIgnoringOffsets(_ p: ByteView) -> Int32 {
        var out: [UInt8] = []
        out.reserveCapacity(p.count)
        var pos = 0
        while pos < p.count {
            let nl = Bytes.find(10, p, pos, p.count)
            var e = nl
            if e > pos && p[e - 1] == 13 { e -= 1 }
            let (fs, fe) = StackTable.frameText(p, pos, e)
            let (ss, se) = StackTable.symbol(p, fs, fe)
            out.append(32)
            out.append(p.slice(ss, se))
            if let (ms, me) = StackTable.module(p, fs, fe) {
                out.append(contentsOf: [32, 91])
                out.append(p.slice(ms, me))
                out.append(93)
            }
            out.append(10)
            pos = nl + 1
        }
        return ByteView.with(out) { intern($0) }
    }

    /// This table's handle of stack `h` of `other` (a parallel worker's), adding it if new:
    /// frames are mapped through `frameMap` (each distinct frame interned once), the stack
    /// found by its ids and its bytes' hash, and what was derived from it copied, not
    /// derived again (its caller and module names mapped through `nameMap`, as `name`
    /// does). `scratch` is reused between calls.
    /// With `new`, the caller knows this table does not hold it (see `StackStore.merge`).
    mutating func merge(
        _ h: Int32, from other: StackTable, frameMap: inout [Int32], nameMap: inout [Int32], scratch: inout [Int32],
        new: Bool = false
    ) -> Int32 {
        let (n, added) = stacks.merge(h, of: other.stacks, map: &frameMap, scratch: &scratch, new: new)
        if added {
            var i = other.info[Int(h)]
            i.caller = name(i.caller, of: other, map: &nameMap)
            i.module = name(i.module, of: other, map: &nameMap)
            appendInfo(i)
        }
        return n
    }

    /// This table's handle of each of `other`'s stacks, -1 for those it does not hold,
    /// looked up on `threads` threads (`StackStore.lookUp`).
    mutating func lookUp(_ other: StackTable, threads: Int) -> [Int32] { stacks.lookUp(other.stacks, threads: threads) }

    /// Whether this table holds most of `other`'s stacks (`StackStore.holdsMost`).
    mutating func holdsMost(of other: StackTable) -> Bool { stacks.holdsMost(of: other.stacks) }

    /// This table's handle of name `x` of `other` (-1 stays -1), through `map` (other's
    /// name handle → ours, -1 unknown; grown to `other.names.count` when short).
    mutating func name(_ x: Int32, of other: StackTable, map: inout [Int32]) -> Int32 {
        if x < 0 { return x }
        if map.count < other.names.count { map.append(contentsOf: repeatElement(-1, count: other.names.count - map.count)) }
        let known = map[Int(x)]
        if known >= 0 { return known }
        let mine = other.names.withBytes(x) { names.intern($0) }
        map[Int(x)] = mine
        return mine
    }

    /// Frees the stack index of a table only read by handle from now on (a worker about to
    /// be merged); a later lookup rebuilds it.
    mutating func releaseLookups() { stacks.releaseIndex() }

    /// A synthetic entry that stands for a handle no input resolved.
    public mutating func unresolved(handle: UInt32) -> Int32 {
        var text: [UInt8] = []
        text.append("unresolved handle ")
        text.appendDecimal(UInt64(handle))
        text.append(10)
        return ByteView.with(text) { synthetic($0, kind: .unresolvedHandle) }
    }

    /// A synthetic entry for the early-boot handle of a handle-only dump. The kernel never
    /// lists its placeholder stacks in show_stacks_handles, so the handle cannot be
    /// resolved; its records are recognised instead (see `Aggregator.isEarlyBoot`).
    public mutating func earlyBootHandle(_ handle: UInt32) -> Int32 {
        var text: [UInt8] = []
        text.append("early boot handle ")
        text.appendDecimal(UInt64(handle))
        text.append(10)
        return ByteView.with(text) { synthetic($0, kind: .earlyPlaceholder) }
    }

    /// A synthetic entry for records with neither stack nor handle.
    public mutating func noStack() -> Int32 {
        synthetic(ByteView("no stack\n"), kind: .none)
    }

    /// An entry whose text is a label, not frames (no frame line starts without a space).
    mutating func synthetic(_ text: ByteView, kind: Kind) -> Int32 {
        let before = stacks.count
        let h = stacks.intern(text)
        if stacks.count != before {
            var i = Info()
            i.kind = kind
            i.caller = names.intern(placeholderName(kind))
            i.allocationClass = kind == .earlyPlaceholder ? .earlyBoot : .unknown
            appendInfo(i)
        }
        return h
    }

    /// Calls `body` with each frame's text (leading space and `[<addr>] ` prefix removed).
    public func forEachFrame(_ handle: Int32, _ body: (ByteView) throws -> Void) rethrows {
        try stacks.forEachLine(handle) { p in
            let (s, e) = StackTable.frameText(p, 0, p.count)
            if e > s { try body(p.slice(s, e)) }
        }
    }

    /// The frames of a stack as strings (formatters; not the hot path).
    public func frames(_ handle: Int32) -> [String] {
        var out: [String] = []
        forEachFrame(handle) { out.append($0.string) }
        return out
    }

    /// Frame text without the leading whitespace (the kernel prints one space).
    static func frameText(_ p: ByteView, _ s: Int, _ e: Int) -> (Int, Int) {
        var s = s
        while s < e && (p[s] == 32 || p[s] == 9) { s += 1 }
        return (s, e)
    }

    /// The symbol of a frame: `[<addr>] ` prefix, `+0x…` offset and ` [module]` removed.
    static func symbol(_ p: ByteView, _ s: Int, _ e: Int) -> (Int, Int) {
        var s = s
        if s < e && p[s] == 91 /* [ */ {
            let close = Bytes.find(93, p, s, e)
            if close < e {
                s = close + 1
                while s < e && p[s] == 32 { s += 1 }
            }
        }
        var end = s
        while end < e && p[end] != 43 /* + */ && p[end] != 32 { end += 1 }
        return (s, end)
    }

    /// The module of a frame (`… [ext4]`), or nil.
    static func module(_ p: ByteView, _ s: Int, _ e: Int) -> (Int, Int)? {
        guard e - s >= 3, p[e - 1] == 93 /* ] */ else { return nil }
        var i = e - 2
        while i > s && p[i] != 91 { i -= 1 }
        guard i > s, p[i] == 91, p[i - 1] == 32, i + 1 < e - 1 else { return nil }
        return (i + 1, e - 1)
    }

    /// What follows from stack `h`'s frames: its kind (placeholders), caller, module,
    /// allocation class and frame count, from each frame's facts (`frameFacts`).
    mutating func derive(stack h: Int32) -> Info {
        if case .kernelToolText(let modules) = reading { return deriveKernelTool(stack: h, modules: modules) }
        var info = Info()
        let ids = stacks.frameIDs(h)
        guard !ids.isEmpty else { return info }
        var index: Int32 = 0
        var classifier = AllocationClassifier()
        var classifying = true
        var placeholderSlot: Int32 = 0
        for f in ids {
            let ff = facts(f)
            if index == placeholderSlot {
                // Placeholders are the first frame (second after an arm64 stack_trace_save).
                if ff.flags & FrameFacts.stackTraceSave != 0 && index == 0 {
                    placeholderSlot = 1
                } else if ff.flags & FrameFacts.early != 0 {
                    info.kind = .earlyPlaceholder
                } else if ff.flags & FrameFacts.dummy != 0 {
                    info.kind = .dummyPlaceholder
                } else if ff.flags & FrameFacts.failure != 0 {
                    info.kind = .failurePlaceholder
                }
            }
            let hasSymbol = ff.flags & FrameFacts.hasSymbol != 0
            if info.callerFrame < 0 && hasSymbol && ff.flags & FrameFacts.allocator == 0 && !(index == 0 && placeholderSlot == 1) {
                info.callerFrame = index
                info.caller = frameName(f, module: false)
            }
            if info.module < 0 && ff.flags & FrameFacts.hasModule != 0 {
                info.module = frameName(f, module: true)
            }
            if classifying && hasSymbol { classifying = classifier.add(AllocationClass(rawValue: ff.cls)) }
            index += 1
        }
        info.frameCount = index
        info.allocationClass = classifier.result
        if info.kind != .normal {
            info.allocationClass = info.kind == .earlyPlaceholder ? .earlyBoot : .unknown
            info.caller = names.intern(placeholderName(info.kind))
            info.callerFrame = -1
        }
        return info
    }

    /// What the kernel tool reads in stacktrace `h` (`Reading.kernelToolText`).
    mutating func deriveKernelTool(stack h: Int32, modules: Bool) -> Info {
        var info = Info()
        info.frameCount = Int32(stacks.frameCount(h))
        info.allocationClass = .other
        let text = stacks.bytes(h)
        ByteView.with(text) { p in
            guard p.count > 0 else { return }
            info.allocationClass = AllocatorRule.kernelToolStackClass(p)
            if modules, let m = CompatPatterns.moduleField(p) {
                info.module = names.intern(p.slice(m.lowerBound, m.upperBound))
            }
        }
        return info
    }

    /// Frame `f`'s symbol, or with `module` its module (a frame whose facts say it has
    /// one), interned in `names` the first time and kept in `frameCaller`/`frameModule`.
    mutating func frameName(_ f: Int32, module: Bool) -> Int32 {
        let i = Int(f)
        let known = module ? (i < frameModule.count ? frameModule[i] : -2) : (i < frameCaller.count ? frameCaller[i] : -2)
        if known != -2 { return known }
        let n = stacks.frames.withBytes(f) { p in
            let (fs, fe) = StackTable.frameText(p, 0, p.count)
            let (s, e) = module ? StackTable.module(p, fs, fe)! : StackTable.symbol(p, fs, fe)
            return names.intern(p.slice(s, e))
        }
        if module {
            Self.keep(n, at: i, in: &frameModule, frames: stacks.frames.count)
        } else {
            Self.keep(n, at: i, in: &frameCaller, frames: stacks.frames.count)
        }
        return n
    }

    /// Sets `cache[i]`, the cache grown to `frames` entries (-2: not made yet) when short.
    static func keep(_ n: Int32, at i: Int, in cache: inout [Int32], frames: Int) {
        if cache.count <= i { cache.append(contentsOf: repeatElement(-2, count: frames - cache.count)) }
        cache[i] = n
    }

    /// The facts of frame `f`, made for every frame up to it the first time.
    mutating func facts(_ f: Int32) -> FrameFacts {
        while frameFacts.count <= Int(f) {
            let id = Int32(frameFacts.count)
            let made = stacks.frames.withBytes(id) { p -> FrameFacts in
                guard p.count > 0 else { return FrameFacts(flags: 0, cls: 255) }
                let (fs, fe) = StackTable.frameText(p, 0, p.count)
                let (ss, se) = StackTable.symbol(p, fs, fe)
                var flags: UInt8 = 0
                var cls: UInt8 = 255
                if Bytes.hasPrefix("stack_trace_save", p, ss, se) { flags |= FrameFacts.stackTraceSave }
                if Bytes.hasPrefix("register_early_stack", p, ss, se) { flags |= FrameFacts.early }
                if Bytes.hasPrefix("register_dummy_stack", p, ss, se) { flags |= FrameFacts.dummy }
                if Bytes.hasPrefix("register_failure_stack", p, ss, se) { flags |= FrameFacts.failure }
                if se > ss {
                    let sym = p.slice(ss, se)
                    flags |= FrameFacts.hasSymbol
                    if allocatorFunctions.matches(sym) { flags |= FrameFacts.allocator }
                    cls = AllocationClass.patterns.match(sym)?.rawValue ?? 255
                }
                if StackTable.module(p, fs, fe) != nil { flags |= FrameFacts.hasModule }
                return FrameFacts(flags: flags, cls: cls)
            }
            frameFacts.append(made)
        }
        return frameFacts[Int(f)]
    }

    func placeholderName(_ k: Kind) -> ByteView {
        let s: StaticString
        switch k {
        case .earlyPlaceholder: s = "[early boot]"
        case .dummyPlaceholder: s = "[dummy stack]"
        case .failurePlaceholder: s = "[stack depot failure]"
        case .unresolvedHandle: s = "[unresolved handle]"
        default: s = "[no stack]"
        }
        return ByteView(s)
    }
}
