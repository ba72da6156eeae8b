// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): kernel structures read
// in place from the dump.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads page_owner straight out of an x86-64 vmcore: for every PFN whose page_ext says
/// owner-allocated, the record `/sys/kernel/debug/page_owner` would print. Layouts come from
/// the vmlinux's DWARF, addresses from its symbol table and the dump's VMCOREINFO, stacks
/// from the stack depot, symbols from the vmlinux and from each loaded module's kallsyms.
public final class VmcorePageOwner {
    public struct Layout {
        var pageExtSizeAddr: UInt64 = 0
        var opsOffsetAddr: UInt64 = 0
        var stackPoolsAddr: UInt64 = 0
        var stackPoolsIsArray = true
        var msPageExt = 16
        var msUsage = 8
        var msSize = 32
        var usagePageblockFlags = 16
        var ownerBit: UInt64 = 1
        var allocatedBit: UInt64 = 2
        var order = 0, migrate = 2, gfp = 4, handle = 8, ts = 16, comm = 32, pid = 48, tgid = 52
        var srSize = 20, srEntries = 32
        var poolBits = (offset: 0, size: 17), offsetBits = (offset: 17, size: 10)
        var poolPlusOne = true
        var gfpBits: [String: Int] = [:]
    }

    public let memory: VmcoreMemory
    let symbols: KernelSymbols
    let layout: Layout
    let pageExtSize: UInt64
    let opsOffset: UInt64
    let roots: UInt64
    let sectionShift: Int
    let sectionsPerRoot: UInt64
    let pageStructSize: UInt64
    let vmemmap: UInt64
    let sectionMapMask: UInt64
    let pageFlagBits: Int
    /// `%pGp` fields: name, shift, width (section, node, zone).
    let pageFlagFields: [(String, Int, Int)]

    struct MemcgLayout {
        var pageMemcgData, css, cssFlags, cssCgroup, cgroupKn, knName, knParent, objcgMemcg: UInt64
        var objexts, kmem, flagsMask, online: UInt64
    }
    let memcg: MemcgLayout?
    let gfpNames: [(String, UInt64)]
    let pageFlagNames: [(String, UInt64)]
    let migrateTypeNames: [String]
    let migrateReasonNames: [String]
    /// Modules whose symbols came from `.ko` files rather than the dump.
    public private(set) var symbolsFromFiles: [String] = []
    /// Bytes of `struct page_owner` read per record: up to the end of its last field used.
    let ownerBytes: Int
    /// Layout values the vmlinux's debug info lacked and that were taken from the only
    /// layout a kernel ever had (or that leave a field out): one line each, naming the
    /// vmlinux, what was missing and what was used. Printed after the dump is read.
    public private(set) var layoutWarnings: [String] = []

    /// PFNs whose record could not be read or was cut, by reason: how many and their ranges.
    public private(set) var lost: [String: (count: Int, runs: [(UInt64, UInt64)])] = [:]

    /// Counts `pfn` as lost for `reason` (its memory does not read, or reads as nonsense).
    func lose(_ pfn: UInt64, _ reason: String) {
        var e = lost[reason] ?? (0, [])
        e.count += 1
        if let last = e.runs.last, last.1 &+ 1 == pfn {
            e.runs[e.runs.count - 1].1 = pfn
        } else if e.runs.count < 64 {
            e.runs.append((pfn, pfn))
        }
        lost[reason] = e
    }

    /// Adds what another walker lost over PFNs after all of this one's (`lose` on each, in
    /// order, would give the same counts and the same first 64 runs).
    func absorb(lost other: [String: (count: Int, runs: [(UInt64, UInt64)])]) {
        for (reason, o) in other {
            var e = lost[reason] ?? (0, [])
            e.count += o.count
            for run in o.runs {
                if let last = e.runs.last, last.1 &+ 1 == run.0 {
                    e.runs[e.runs.count - 1].1 = run.1
                } else if e.runs.count < 64 {
                    e.runs.append(run)
                } else {
                    break
                }
            }
            lost[reason] = e
        }
    }

    /// Takes what this walker lost so far (a worker, after each piece of the walk).
    func takeLost() -> [String: (count: Int, runs: [(UInt64, UInt64)])] {
        defer { lost = [:] }
        return lost
    }

    /// A walker with this one's layout and symbols and its own caches (memory pages of a
    /// compressed dump, frame texts, losses), for another thread.
    func worker() -> VmcorePageOwner { VmcorePageOwner(copying: self) }

    private init(copying o: VmcorePageOwner) {
        memory = o.memory.forWorker()
        symbols = o.symbols
        layout = o.layout
        pageExtSize = o.pageExtSize
        opsOffset = o.opsOffset
        roots = o.roots
        sectionShift = o.sectionShift
        sectionsPerRoot = o.sectionsPerRoot
        pageStructSize = o.pageStructSize
        vmemmap = o.vmemmap
        sectionMapMask = o.sectionMapMask
        pageFlagBits = o.pageFlagBits
        pageFlagFields = o.pageFlagFields
        memcg = o.memcg
        gfpNames = o.gfpNames
        pageFlagNames = o.pageFlagNames
        migrateTypeNames = o.migrateTypeNames
        migrateReasonNames = o.migrateReasonNames
        symbolsFromFiles = o.symbolsFromFiles
        ownerBytes = o.ownerBytes
        layoutWarnings = o.layoutWarnings
    }

    /// One line per reason for `lost`: how many PFNs and their first ranges.
    public func lossSummary(_ name: String) -> [String] {
        lost.sorted { $0.key < $1.key }.map { reason, e in
            let shown = e.runs.prefix(4).map { $0.0 == $0.1 ? "0x\(String($0.0, radix: 16))" : "0x\(String($0.0, radix: 16))-0x\(String($0.1, radix: 16))" }
            let more = e.runs.count > 4 ? ", …" : ""
            return "\(name): \(e.count) PFN(s) \(reason): PFN \(shown.joined(separator: ", "))\(more)"
        }
    }

    /// A layout value from the debug info: an offset or size that must be small and not negative.
    static func small(_ v: Int, _ what: String, below limit: Int = 1 << 16) throws -> Int {
        guard v >= 0, v < limit else { throw VmcoreError.malformedDebugInfo("\(what) is \(v), outside 0..<\(limit)") }
        return v
    }

    /// A bit number from the debug info (an enumerator or a bit offset): 0..<64.
    static func bit(_ v: Int64?, _ what: String, default d: Int? = nil) throws -> Int {
        guard let v else {
            if let d { return d }
            throw VmcoreError.missingDebugInfo(what)
        }
        guard v >= 0, v < 64 else { throw VmcoreError.malformedDebugInfo("\(what) is \(v), not a bit number") }
        return Int(v)
    }

    public convenience init(vmcore: MappedFile, vmlinux: MappedFile, moduleFiles: String? = nil, preferModuleFiles: Bool = false) throws {
        try self.init(memory: try VmcoreMemory(vmcore), vmlinux: vmlinux, moduleFiles: moduleFiles, preferModuleFiles: preferModuleFiles)
    }

    /// - Parameters:
    ///   - moduleFiles: a folder of the modules' `.ko` files (plain or compressed), used for a
    ///     module whose symbols the dump does not hold (or for all, with `preferModuleFiles`).
    public convenience init(memory: VmcoreMemory, vmlinux: MappedFile, moduleFiles: String? = nil, preferModuleFiles: Bool = false) throws {
        try self.init(memory: memory, facts: try VmlinuxFacts(recording: vmlinux), moduleFiles: moduleFiles, preferModuleFiles: preferModuleFiles)
    }

    /// - Parameters:
    ///   - facts: what is read from the vmlinux, from the vmlinux itself (recording: its
    ///     answers can then be cached) or from a cache file (`VmlinuxFacts.Gap` when that
    ///     file cannot answer a question the setup asks).
    public init(memory: VmcoreMemory, facts: VmlinuxFacts, moduleFiles: String? = nil, preferModuleFiles: Bool = false) throws {
        var mem = memory
        var warnings: [String] = []
        func warn(_ missing: String, _ used: String) {
            warnings.append("\(facts.path): the debug info has no \(missing); \(used)")
        }
        /// `body`'s value, or nil when the debug info lacks what it looks up (only that:
        /// a malformed entry is still an error).
        func ifPresent<T>(_ body: () throws -> T) throws -> T? {
            do { return try body() } catch VmcoreError.missingDebugInfo { return nil }
        }
        let d = facts
        func symbol(_ n: String) throws -> UInt64 {
            guard let a = try d.symbol(n) else {
                throw VmcoreError.walk("the vmlinux has no symbol \(n) (is it the dump's kernel? was it built with CONFIG_PAGE_OWNER?)")
            }
            return a
        }
        if let rel = mem.info["OSRELEASE"], let banner = (try d.symbol("linux_banner")), let b = mem.read(banner, 256) {
            let text = String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
            if !text.contains(rel) {
                throw VmcoreError.walk("the vmlinux does not match the dump: the dump's kernel is \(rel), the vmlinux's banner reads \(text.prefix(60))")
            }
        }
        if let p = (try d.symbol("init_top_pgt")) { mem.topPageTable = p &- mem.startKernelMap &- mem.kernelOffset &+ mem.physBase }
        if let pob = (try d.symbol("page_offset_base")), let v = mem.u64(pob) { mem.pageOffset = v }
        self.memory = mem

        try d.prepareDebugInfo(
            types: [
                "page_owner", "page_ext_operations", "mem_section", "mem_section_usage", "stack_record", "module", "mod_kallsyms",
                "module_memory", "page", "mem_cgroup", "cgroup_subsys_state", "cgroup", "kernfs_node", "obj_cgroup",
            ],
            variables: ["stack_pools"],
            enumerators: [
                "PAGE_EXT_OWNER", "PAGE_EXT_OWNER_ALLOCATED", "MOD_TEXT", "___GFP_MOVABLE_BIT", "___GFP_RECLAIMABLE_BIT",
                "__MAX_NR_ZONES", "__NR_PAGEFLAGS", "SECTION_MAP_LAST_BIT", "MEMCG_DATA_OBJEXTS", "MEMCG_DATA_OBJCGS",
                "MEMCG_DATA_KMEM", "__NR_MEMCG_DATA_FLAGS", "CSS_ONLINE",
            ]
            .reduce(into: Set<String>()) { $0.insert($1) }.union(VmcorePageOwner.gfpBitNames))
        var l = Layout()
        l.pageExtSizeAddr = try symbol("page_ext_size")
        l.opsOffsetAddr = VmcoreMemory.at(
            try symbol("page_owner_ops"), UInt64(try Self.small(try d.member("page_ext_operations", "offset").offset, "page_ext_operations.offset")))
        l.stackPoolsAddr = try symbol("stack_pools")
        // An array (`void *stack_pools[DEPOT_MAX_POOLS]`) or a pointer to one, by kernel
        // version: no default is right for both, and a wrong one misreads every stack.
        l.stackPoolsIsArray = try d.variableIsArray("stack_pools")
        l.msPageExt = try Self.small(try d.member("mem_section", "page_ext").offset, "mem_section.page_ext")
        l.msUsage = try Self.small(try d.member("mem_section", "usage").offset, "mem_section.usage")
        l.msSize = try Self.small(try d.size(of: "mem_section"), "sizeof(struct mem_section)", below: 4097)
        // Its offset moved (an rcu_head came before it in 6.8): no default.
        l.usagePageblockFlags = try Self.small(try d.member("mem_section_usage", "pageblock_flags").offset, "mem_section_usage.pageblock_flags")
        guard let ob = try d.enumerator("PAGE_EXT_OWNER"), let ab = try d.enumerator("PAGE_EXT_OWNER_ALLOCATED") else {
            throw VmcoreError.missingDebugInfo("enum page_ext_flags (PAGE_EXT_OWNER)")
        }
        l.ownerBit = 1 << UInt64(try Self.bit(ob, "PAGE_EXT_OWNER"))
        l.allocatedBit = 1 << UInt64(try Self.bit(ab, "PAGE_EXT_OWNER_ALLOCATED"))
        func po(_ field: String) throws -> Int { try Self.small(try d.member("page_owner", field).offset, "page_owner.\(field)", below: 4096) }
        l.order = try po("order")
        l.migrate = try po("last_migrate_reason")
        l.gfp = try po("gfp_mask")
        l.handle = try po("handle")
        l.ts = try po("ts_nsec")
        l.comm = try po("comm")
        l.pid = try po("pid")
        if let t = try ifPresent({ try po("tgid") }) {
            l.tgid = t
        } else {
            // Kernels with page_owner.comm but no tgid exist (backports of 5.18's comm patch
            // without its tgid patch): the records are read, with the pid where tgid goes.
            l.tgid = -1
            warn("page_owner.tgid", "records are read without it and show the pid as tgid (the layout of kernels before 5.18's tgid patch)")
        }
        l.srSize = try Self.small(try d.member("stack_record", "size").offset, "stack_record.size")
        l.srEntries = try Self.small(try d.member("stack_record", "entries").offset, "stack_record.entries")
        let handleBase = try Self.small(try d.member("stack_record", "handle").offset, "stack_record.handle")
        // 6.8 renamed pool_index to pool_index_plus_1 (0 means no pool): either is a real
        // layout, and neither is an error below.
        if let p = try ifPresent({ try d.member("stack_record", "handle.pool_index_plus_1") }) {
            l.poolBits = (try Self.bit(p.bitOffset.map { Int64($0) }, "pool_index_plus_1 bit offset", default: 0), try Self.bit(p.bitSize.map { Int64($0) }, "pool_index_plus_1 bit size", default: 17))
            l.poolPlusOne = true
        } else {
            let p = try d.member("stack_record", "handle.pool_index")
            l.poolBits = (try Self.bit(p.bitOffset.map { Int64($0) }, "pool_index bit offset", default: 0), try Self.bit(p.bitSize.map { Int64($0) }, "pool_index bit size", default: 16))
            l.poolPlusOne = false
        }
        let o = try d.member("stack_record", "handle.offset")
        let oByte = try Self.small(o.offset, "stack_record.handle.offset") - handleBase
        l.offsetBits = (try Self.bit(Int64((o.bitOffset ?? 0) &+ oByte &* 8), "handle.offset bit offset"), try Self.bit(o.bitSize.map { Int64($0) }, "handle.offset bit size", default: 10))
        for n in VmcorePageOwner.gfpBitNames { if let v = try d.enumerator(n), v >= 0, v < 64 { l.gfpBits[n] = Int(v) } }
        layout = l
        ownerBytes = [l.order + 2, l.migrate + 2, l.gfp + 4, l.handle + 4, l.ts + 8, l.comm + 16, l.pid + 4, l.tgid + 4].max()!
        // The kernel's own name tables, when the dump has them: exact for this kernel.
        func names(_ sym: String) throws -> [(String, UInt64)]? {
            guard let a = try d.symbol(sym) else { return nil }
            var out: [(String, UInt64)] = []
            for i in 0..<UInt64(256) {
                guard let mask = mem.u64(VmcoreMemory.at(a, i, 16)), let np = mem.u64(VmcoreMemory.at(VmcoreMemory.at(a, i, 16), 8)) else { return nil }
                if np == 0 { break }
                guard let nb = mem.read(np, 64) else { return nil }
                out.append((String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self), mask))
            }
            return out.isEmpty ? nil : out
        }
        func strings(_ sym: String) throws -> [String]? {
            guard let a = try d.symbol(sym) else { return nil }
            var out: [String] = []
            for i in 0..<UInt64(64) {
                guard let np = mem.u64(VmcoreMemory.at(a, i, 8)), np != 0, let nb = mem.read(np, 64) else { break }
                let n = String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self)
                if n.isEmpty || n.utf8.contains(where: { $0 < 32 || $0 > 126 }) { break }
                out.append(n)
            }
            return out.isEmpty ? nil : out
        }
        gfpNames = try names("gfpflag_names") ?? VmcorePageOwner.gfpTable(l.gfpBits)
        pageFlagNames = try names("pageflag_names") ?? []
        migrateTypeNames = try strings("migratetype_names") ?? VmcorePageOwner.migrateTypes
        migrateReasonNames = try strings("migrate_reason_names") ?? VmcorePageOwner.migrateReasons

        guard let pes = mem.u64(l.pageExtSizeAddr), let off = mem.u64(l.opsOffsetAddr) else {
            throw VmcoreError.walk("cannot read page_ext_size or page_owner_ops from the dump")
        }
        // A page_ext entry holds at least its flags word and page_owner; one that is empty or
        // larger than a page is not this kernel's, and every PFN's address would be wrong.
        guard pes >= 8, pes <= 4096, off >= 8, off < pes, UInt64(ownerBytes) <= pes - off else {
            throw VmcoreError.walk("the dump's page_ext_size (\(pes)) or page_owner_ops.offset (\(off)) is implausible: corrupt memory, or a vmlinux that does not match")
        }
        pageExtSize = pes
        opsOffset = off
        guard let r = mem.info["SYMBOL(mem_section)"], let rv = UInt64(r, radix: 16) else {
            throw VmcoreError.walk("VMCOREINFO has no SYMBOL(mem_section)")
        }
        roots = rv
        let sectionBits = Int(mem.info["NUMBER(SECTION_SIZE_BITS)"] ?? "27") ?? 27
        guard sectionBits >= 12, sectionBits < 64 else {
            throw VmcoreError.walk("VMCOREINFO's NUMBER(SECTION_SIZE_BITS)=\(sectionBits) is not a section size (12..63)")
        }
        // VMCOREINFO's SIZE(page), else the debug info's: it depends on the configuration
        // (64 bytes is common, not universal), so there is no default.
        if let v = mem.info["SIZE(page)"].flatMap({ UInt64($0) }) {
            pageStructSize = v
        } else {
            pageStructSize = UInt64(try Self.small(try d.size(of: "page"), "sizeof(struct page)", below: 4097))
        }
        sectionMapMask = ~((UInt64(1) << UInt64(try Self.bit((try d.enumerator("SECTION_MAP_LAST_BIT")), "SECTION_MAP_LAST_BIT", default: 6))) - 1)
        // %pGp's fields, laid out from the top of page->flags as include/linux/page-flags-layout.h does.
        let physBits = min(64, max(sectionBits, Int(mem.info["NUMBER(MAX_PHYSMEM_BITS)"] ?? "46") ?? 46))
        let populate = try d.symbol("vmemmap_populate")
        let populateHuge = try d.symbol("vmemmap_populate_hugepages")
        let vmemmapConfig = populate != nil || populateHuge != nil
        let sectionsWidth = vmemmapConfig ? 0 : max(0, physBits - sectionBits)
        var nodesWidth = 0
        if let n = mem.info["LENGTH(node_data)"].flatMap({ Int($0) }), n > 1 { nodesWidth = Int.bitWidth - (n - 1).leadingZeroBitCount }
        let zones = Int((try d.enumerator("__MAX_NR_ZONES")) ?? 4)
        let zonesWidth = zones <= 1 ? 0 : (zones <= 2 ? 1 : (zones <= 4 ? 2 : 3))
        pageFlagBits = Int(min(64, max(0, (try d.enumerator("__NR_PAGEFLAGS")) ?? 0)))
        if sectionsWidth + nodesWidth + zonesWidth > 64 - pageFlagBits { nodesWidth = 0 }
        var fields: [(String, Int, Int)] = []
        var shift = 64
        for (name, width) in [("section", sectionsWidth), ("node", nodesWidth), ("zone", zonesWidth)] {
            shift -= width
            if width > 0 && width < 64 && shift >= 0 { fields.append((name, shift, width)) }
        }
        pageFlagFields = fields
        // The memcg a page is charged to (CONFIG_MEMCG kernels).
        // A kernel without CONFIG_MEMCG has no page.memcg_data and no struct mem_cgroup:
        // its records have no memcg line. A kernel with them whose debug info lacks any
        // other field used gets none either, and a warning that says which field.
        var memcgMissing: [String] = []
        func field(_ t: String, _ m: String) throws -> UInt64 {
            guard let o = try ifPresent({ try d.member(t, m).offset }) else {
                memcgMissing.append("\(t).\(m)")
                return 0
            }
            return UInt64(try Self.small(o, "\(t).\(m)"))
        }
        func flag(_ names: [String]) throws -> UInt64 {
            for n in names {
                if let v = try d.enumerator(n) { return UInt64(truncatingIfNeeded: v) }
            }
            memcgMissing.append(names.joined(separator: " or "))
            return 0
        }
        if try ifPresent({ try d.member("page", "memcg_data") }) == nil && !(try d.hasType("mem_cgroup")) {
            memcg = nil
        } else {
            let m = MemcgLayout(
                pageMemcgData: try field("page", "memcg_data"), css: try field("mem_cgroup", "css"),
                cssFlags: try field("cgroup_subsys_state", "flags"), cssCgroup: try field("cgroup_subsys_state", "cgroup"),
                cgroupKn: try field("cgroup", "kn"), knName: try field("kernfs_node", "name"), knParent: try field("kernfs_node", "parent"),
                objcgMemcg: try field("obj_cgroup", "memcg"), objexts: try flag(["MEMCG_DATA_OBJEXTS", "MEMCG_DATA_OBJCGS"]),
                kmem: try flag(["MEMCG_DATA_KMEM"]),
                // Enumerators a compiler leaves out when no unit uses them; their values have
                // not changed since memcg_data (5.11) and css flags (3.x) began.
                flagsMask: UInt64(truncatingIfNeeded: (try d.enumerator("__NR_MEMCG_DATA_FLAGS")) ?? 4) &- 1,
                online: UInt64(truncatingIfNeeded: (try d.enumerator("CSS_ONLINE")) ?? 2))
            if memcgMissing.isEmpty {
                memcg = m
            } else {
                memcg = nil
                warn(memcgMissing.joined(separator: ", "), "records are read without their memcg line")
            }
        }
        let vmemmapBase = try d.symbol("vmemmap_base")
        vmemmap =
            mem.info["NUMBER(VMEMMAP_START)"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
            ?? vmemmapBase.flatMap { mem.u64($0) } ?? 0xffff_ea00_0000_0000
        sectionShift = sectionBits - 12
        sectionsPerRoot = UInt64(4096 / max(1, l.msSize))

        var s = d.kernelSymbolTable()
        if let head = (try d.symbol("modules")) {
            // Module structures are read through pointers from the dump: any of them may be
            // garbage, so every sum goes through VmcoreMemory.at (a wrapped address never reads).
            let at = VmcoreMemory.at as (UInt64, UInt64) -> UInt64
            /// A member's offset; `d0` is its offset in every kernel that has the struct
            /// (mod_kallsyms since 4.6, module_memory since 6.4), used with a warning.
            func off(_ t: String, _ m: String, _ d0: Int? = nil) throws -> UInt64 {
                let v: Int
                if let d0 {
                    if let o = try ifPresent({ try d.member(t, m).offset }) {
                        v = o
                    } else {
                        v = d0
                        warn("\(t).\(m)", "using offset \(d0), its offset in every kernel that has struct \(t)")
                    }
                } else {
                    v = try d.member(t, m).offset
                }
                return UInt64(try Self.small(v, "\(t).\(m)"))
            }
            let mList = try off("module", "list")
            let mName = try off("module", "name")
            let mMem = try off("module", "mem")
            // Its size depends on the configuration (CONFIG_MODULES_TREE_LOOKUP): no default.
            let mdSize = UInt64(try Self.small(try d.size(of: "module_memory"), "sizeof(struct module_memory)"))
            let mdBase = try off("module_memory", "base", 0)
            let mdLen = try off("module_memory", "size", 8)
            let textIndex = UInt64(try Self.bit((try d.enumerator("MOD_TEXT")), "MOD_TEXT", default: 0))
            let mKallsyms = try off("module", "kallsyms")
            let kSymtab = try off("mod_kallsyms", "symtab", 0)
            let kNum = try off("mod_kallsyms", "num_symtab", 8)
            let kStrtab = try off("mod_kallsyms", "strtab", 16)
            var next = mem.u64(head) ?? head
            var seen = 0
            while next != head && next != 0 && seen < 4096 {
                seen += 1
                let m = next &- mList
                let name = mem.read(at(m, mName), 56).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } ?? "?"
                let md = at(m, mMem + textIndex * mdSize)
                let base = mem.u64(at(md, mdBase)) ?? 0
                let size = UInt64(mem.u32(at(md, mdLen)) ?? 0)
                let end = at(base, size)
                var list: [(UInt64, String)] = []
                if let ks = mem.u64(at(m, mKallsyms)), ks != 0, let tab = mem.u64(at(ks, kSymtab)),
                    let num = mem.u32(at(ks, kNum)), let strs = mem.u64(at(ks, kStrtab)), num < 1_000_000
                {
                    for i in 0..<UInt64(num) {
                        guard let e = mem.read(VmcoreMemory.at(tab, i, 24), 24) else { break }
                        let nameOff = ELFFile.read(e, 0, 4)
                        let value = ELFFile.read(e, 8, 8)
                        let info = e[4]
                        guard info & 0xf <= 2, value >= base, value < end else { continue }
                        if let nb = mem.read(at(strs, nameOff), 128) {
                            list.append((value, String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self)))
                        }
                    }
                }
                if let dir = moduleFiles, list.isEmpty || preferModuleFiles,
                    let fromFile = VmcorePageOwner.moduleFileSymbols(dir, name, textBase: base)
                {
                    list = fromFile
                    symbolsFromFiles.append(name)
                }
                s.addModule(name, symbols: list, textStart: base, textEnd: end)
                next = mem.u64(next) ?? head
            }
        }
        s.finish()
        symbols = s
        layoutWarnings = warnings
    }

    /// A module's text symbols from its `.ko` file, at the addresses the module loader gave
    /// them: executable, allocated, non-init sections in section order, each aligned, from
    /// the start of the module's text (kernel/module/main.c, layout_sections).
    static func moduleFileSymbols(_ dir: String, _ name: String, textBase: UInt64) -> [(UInt64, String)]? {
        guard let path = moduleFile(dir, name) else { return nil }
        guard let file = try? MappedFile(path: path), let elf = try? ELFFile(file.bytes) else { return nil }
        var offsets: [Int: UInt64] = [:]
        var size: UInt64 = 0
        for (i, sec) in elf.sections.enumerated() {
            guard sec.flags & 0x6 == 0x6, !sec.name.hasPrefix(".init") else { continue }  // SHF_ALLOC | SHF_EXECINSTR
            let a = max(1, VmcorePageOwner.sectionAlign(file.bytes, i))
            let (up, o) = size.addingReportingOverflow(a - 1)
            guard !o else { return nil }  // an alignment no module has
            size = up / a * a
            offsets[i] = size
            size &+= UInt64(sec.size)
        }
        var out: [(UInt64, String)] = []
        for sym in elf.symbols() where (sym.type == 2 || sym.type == 0) && !sym.name.isEmpty {
            guard let o = offsets[Int(sym.shndx)] else { continue }
            out.append((textBase &+ o &+ sym.value, sym.name))
        }
        return out.isEmpty ? nil : out
    }

    /// The object of module `name` in `dir` or any folder below it (`/lib/modules/VERSION`
    /// nests them): `name.ko`, with `_` or `-`, plain, .zst or .gz (xz is not read).
    static func moduleFile(_ dir: String, _ name: String) -> String? {
        let wanted = Set(
            [name, name.replacingOccurrences(of: "_", with: "-")].flatMap { stem in
                [".ko", ".ko.zst", ".ko.gz"].map { stem + $0 }
            })
        for ext in [".ko", ".ko.zst", ".ko.gz"] where access(dir + "/" + name + ext, R_OK) == 0 { return dir + "/" + name + ext }
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return nil }
        while let rel = walker.nextObject() as? String {
            if wanted.contains((rel as NSString).lastPathComponent) { return dir + "/" + rel }
        }
        return nil
    }

    /// sh_addralign of section `index`.
    static func sectionAlign(_ b: UnsafeRawBufferPointer, _ index: Int) -> UInt64 {
        // ELFFile has checked that the section headers lie in the file.
        let shoff = Int(clamping: ELFFile.read(b, 40, 8))
        let shentsize = Int(ELFFile.read(b, 58, 2))
        return ELFFile.read(b, shoff &+ index &* shentsize &+ 48, 8)
    }

    static let gfpBitNames: Set<String> = [
        "___GFP_DMA_BIT", "___GFP_HIGHMEM_BIT", "___GFP_DMA32_BIT", "___GFP_MOVABLE_BIT", "___GFP_RECLAIMABLE_BIT",
        "___GFP_HIGH_BIT", "___GFP_IO_BIT", "___GFP_FS_BIT", "___GFP_ZERO_BIT", "___GFP_UNUSED_BIT",
        "___GFP_DIRECT_RECLAIM_BIT", "___GFP_KSWAPD_RECLAIM_BIT", "___GFP_WRITE_BIT", "___GFP_NOWARN_BIT",
        "___GFP_RETRY_MAYFAIL_BIT", "___GFP_NOFAIL_BIT", "___GFP_NORETRY_BIT", "___GFP_MEMALLOC_BIT", "___GFP_COMP_BIT",
        "___GFP_NOMEMALLOC_BIT", "___GFP_HARDWALL_BIT", "___GFP_THISNODE_BIT", "___GFP_ACCOUNT_BIT", "___GFP_ZEROTAGS_BIT",
        "___GFP_SKIP_ZERO_BIT", "___GFP_SKIP_KASAN_BIT", "___GFP_NOLOCKDEP_BIT", "___GFP_NO_OBJ_EXT_BIT",
    ]

    /// `%pGg`'s table for this kernel: composites first, then single flags.
    static func gfpTable(_ bits: [String: Int]) -> [(String, UInt64)] {
        func f(_ n: String) -> UInt64 { bits["___GFP_\(n)_BIT"].map { 1 << UInt64($0) } ?? 0 }
        let reclaim = f("DIRECT_RECLAIM") | f("KSWAPD_RECLAIM")
        let kernel = reclaim | f("IO") | f("FS")
        let user = kernel | f("HARDWALL")
        let highuser = user | f("HIGHMEM")
        let movable = highuser | f("MOVABLE") | f("SKIP_KASAN")
        let thpLight = (movable | f("COMP") | f("NOMEMALLOC") | f("NOWARN")) & ~reclaim
        var t: [(String, UInt64)] = [
            ("GFP_TRANSHUGE", thpLight | f("DIRECT_RECLAIM")), ("GFP_TRANSHUGE_LIGHT", thpLight),
            ("GFP_HIGHUSER_MOVABLE", movable), ("GFP_HIGHUSER", highuser), ("GFP_USER", user),
            ("GFP_KERNEL_ACCOUNT", kernel | f("ACCOUNT")), ("GFP_KERNEL", kernel), ("GFP_NOFS", reclaim | f("IO")),
            ("GFP_ATOMIC", f("HIGH") | f("KSWAPD_RECLAIM")), ("GFP_NOIO", reclaim), ("GFP_NOWAIT", f("KSWAPD_RECLAIM")),
            ("GFP_DMA", f("DMA")), ("__GFP_HIGHMEM", f("HIGHMEM")), ("GFP_DMA32", f("DMA32")),
        ]
        for n in [
            "HIGH", "IO", "FS", "NOWARN", "RETRY_MAYFAIL", "NOFAIL", "NORETRY", "COMP", "ZERO", "NOMEMALLOC", "MEMALLOC",
            "HARDWALL", "THISNODE", "RECLAIMABLE", "MOVABLE", "ACCOUNT", "WRITE",
        ] {
            t.append(("__GFP_\(n)", f(n)))
        }
        t.append(("__GFP_RECLAIM", reclaim))
        for n in ["DIRECT_RECLAIM", "KSWAPD_RECLAIM", "ZEROTAGS", "SKIP_ZERO", "SKIP_KASAN", "NOLOCKDEP", "NO_OBJ_EXT"] {
            t.append(("__GFP_\(n)", f(n)))
        }
        return t.filter { $0.1 != 0 }
    }

    /// `%pGg` / `%pGp` names: each table entry whose bits are all still set, in order.
    static func flagText(_ value: UInt64, _ table: [(String, UInt64)]) -> String {
        var left = value
        var parts: [String] = []
        for (n, v) in table where v != 0 && left & v == v {
            parts.append(n)
            left &= ~v
        }
        if left != 0 { parts.append("0x" + String(left, radix: 16)) }
        return parts.joined(separator: "|")
    }

    func gfpText(_ mask: UInt64) -> String { VmcorePageOwner.flagText(mask, gfpNames) }

    static let migrateTypes = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]
    static let migrateReasons = [
        "compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset", "mempolicy_mbind",
        "numa_misplaced", "contig_range", "longterm_pin", "demotion", "damon",
    ]

    /// Physical page ranges of the dump.
    public var pfnRanges: [(UInt64, UInt64)] { memory.ranges.map { ($0.paddr >> 12, VmcoreMemory.at($0.paddr, $0.size) >> 12) } }

    /// The last section read by `appendRecord`: its number, mem_section and page_ext base.
    var lastSection: (nr: UInt64, ms: UInt64, base: UInt64) = (.max, 0, 0)

    /// Appends the page_owner text of `pfn` (if it is an owner-allocated head page) to `out`.
    /// Returns the number of PFNs the caller may skip (order of the record), or 1.
    public func appendRecord(pfn: UInt64, to out: inout [UInt8]) -> UInt64 {
        scratch.count = 0
        let n = appendRecord(pfn: pfn, into: scratch)
        if scratch.count > 0 { out.append(contentsOf: UnsafeBufferPointer(start: scratch.base, count: scratch.count)) }
        return n
    }

    /// Where `appendRecord(pfn:to:)` makes a record before it appends it at once.
    let scratch = RecordBytes()

    /// `appendRecord(pfn:to:)` into `out`.
    func appendRecord(pfn: UInt64, into out: RecordBytes) -> UInt64 {
        // Every address below is a pointer read from the dump plus an offset: VmcoreMemory.at
        // turns one that wraps (an ERR_PTR, a scribbled word) into one that never reads, and
        // a read that fails is counted as lost (`lost`), never a crash or a silent skip.
        let at = VmcoreMemory.at as (UInt64, UInt64) -> UInt64
        let nr = pfn >> UInt64(sectionShift)
        let ms: UInt64
        let base: UInt64
        if nr == lastSection.nr {
            // The dump does not change: the section's mem_section and page_ext base read
            // the same for every PFN in it.
            ms = lastSection.ms
            base = lastSection.base
        } else {
            guard let root = memory.u64(VmcoreMemory.at(roots, nr / sectionsPerRoot, 8)) else {
                lose(pfn, "skipped: their mem_section root does not read")
                return 1
            }
            guard root != 0 else { return 1 }
            ms = VmcoreMemory.at(root, nr % sectionsPerRoot, UInt64(layout.msSize))
            guard let b = memory.u64(at(ms, UInt64(layout.msPageExt))) else {
                lose(pfn, "skipped: their mem_section does not read")
                return 1
            }
            base = b
            lastSection = (nr, ms, b)
        }
        guard base != 0, base & 1 == 0 else { return 1 }
        let entry = VmcoreMemory.at(base, pfn, pageExtSize)
        guard let flags = memory.u64(entry) else {
            lose(pfn, "skipped: their page_ext does not read")
            return 1
        }
        guard flags & layout.ownerBit != 0, flags & layout.allocatedBit != 0 else { return 1 }
        guard let po = memory.read(at(entry, opsOffset), ownerBytes) else {
            lose(pfn, "skipped: their page_owner does not read")
            return 1
        }
        let order = ELFFile.read(po, layout.order, 2)
        guard order < 64 else {
            lose(pfn, "skipped: their page_owner has an impossible order")
            return 1
        }
        if pfn & ((1 << order) - 1) != 0 { return 1 }
        let handle = UInt32(ELFFile.read(po, layout.handle, 4))
        guard handle != 0 else { return 1 }
        let gfp = ELFFile.read(po, layout.gfp, 4)
        let pid = Int32(truncatingIfNeeded: ELFFile.read(po, layout.pid, 4))
        let tgid = layout.tgid >= 0 ? Int32(truncatingIfNeeded: ELFFile.read(po, layout.tgid, 4)) : pid
        let ts = ELFFile.read(po, layout.ts, 8)
        let migrate = Int16(truncatingIfNeeded: ELFFile.read(po, layout.migrate, 2))
        var commLength = 0
        while commLength < 16 && po[layout.comm + commLength] != 0 { commLength += 1 }
        let comm = UnsafeRawBufferPointer(rebasing: po[layout.comm..<(layout.comm + commLength)])
        out.appendLiteral("Page allocated via order ")
        out.appendDecimal(order)
        out.appendLiteral(", mask 0x")
        out.appendHexDigits(gfp)
        out.appendLiteral("(")
        appendNames(gfp, gfpNames, &gfpNameBytes, to: out)
        out.appendLiteral("), pid ")
        out.appendDecimal(pid)
        out.appendLiteral(", tgid ")
        out.appendDecimal(tgid)
        out.appendLiteral(" (")
        out.append(contentsOf: comm)
        out.appendLiteral("), ts ")
        out.appendDecimal(ts)
        out.appendLiteral(" ns\n")
        // PFN line: page migratetype from the gfp mask, block type from the pageblock bits.
        var pageType = 0
        if let m = layout.gfpBits["___GFP_MOVABLE_BIT"], gfp >> UInt64(m) & 1 != 0 { pageType |= 1 }
        if let r = layout.gfpBits["___GFP_RECLAIMABLE_BIT"], gfp >> UInt64(r) & 1 != 0 { pageType |= 2 }
        var blockType = pageType
        if let usage = memory.u64(at(ms, UInt64(layout.msUsage))), usage != 0 {
            let index = (pfn & ((1 << UInt64(sectionShift)) - 1)) >> 9
            let bit = index * 4
            if let w = memory.u64(VmcoreMemory.at(at(usage, UInt64(layout.usagePageblockFlags)), bit / 64, 8)) {
                blockType = Int((w >> (bit % 64)) & 7)
            }
        }
        out.appendLiteral("PFN 0x")
        out.appendHexDigits(pfn)
        out.appendLiteral(" type ")
        out.append(pageType < migrateTypeNames.count ? migrateTypeNames[pageType] : "Unknown")
        out.appendLiteral(" Block ")
        out.appendDecimal(pfn >> 9)
        out.appendLiteral(" type ")
        out.append(blockType < migrateTypeNames.count ? migrateTypeNames[blockType] : "Unknown")
        out.appendLiteral(" Flags 0x")
        // The page's flags word: names from the kernel's table; the node/zone fields that
        // %pGp appends need the kernel's field widths, which the debug info does not carry.
        let memMap = (memory.u64(ms) ?? 0) & sectionMapMask
        let page = VmcoreMemory.at(memMap != 0 ? memMap : vmemmap, pfn, pageStructSize)
        let flagsWord = memory.u64(page) ?? 0
        out.appendHexDigits(flagsWord)
        out.appendLiteral("(")
        let main = pageFlagBits > 0 && pageFlagBits < 64 ? flagsWord & ((1 << UInt64(pageFlagBits)) - 1) : flagsWord
        var append = false
        if main != 0 {
            appendNames(main, pageFlagNames, &pageFlagNameBytes, to: out)
            append = true
        }
        for (name, shift, width) in pageFlagFields {
            if append { out.append(124) }
            out.append(name)
            out.append(61)
            out.appendDecimal((flagsWord >> UInt64(shift)) & ((1 << UInt64(width)) - 1))
            append = true
        }
        out.appendLiteral(")\n")
        if !appendStackOnce(handle, to: out) { lose(pfn, "kept without their stack: the stack depot entry does not read") }
        if migrate != -1 {
            out.appendLiteral("Page has been migrated, last migrate reason: ")
            out.append(migrate >= 0 && Int(migrate) < migrateReasonNames.count ? migrateReasonNames[Int(migrate)] : "(null)")
            out.append(10)
        }
        appendMemcg(page, to: out)
        out.append(10)
        return 1 << order
    }

    /// `Slab cache page` and `Charged [(via objcg) ]to [offline ]memcg NAME`, as
    /// print_page_owner_memcg() writes them.
    func appendMemcg(_ page: UInt64, to out: RecordBytes) {
        let at = VmcoreMemory.at as (UInt64, UInt64) -> UInt64
        guard let m = memcg, let data = memory.u64(at(page, m.pageMemcgData)), data != 0 else { return }
        // Made once per memcg_data value: the rest is read through it, and the dump does not change.
        if let r = memcgText[data] {
            memcgBytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[r])) }
            return
        }
        let start = memcgBytes.count
        appendMemcg(data: data, m, to: &memcgBytes)
        memcgText[data] = start..<memcgBytes.count
        memcgBytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[start...])) }
    }

    /// The memcg lines of each memcg_data value seen, where they lie in `memcgBytes`.
    var memcgText: [UInt64: Range<Int>] = [:]
    var memcgBytes: [UInt8] = []

    func appendMemcg(data: UInt64, _ m: MemcgLayout, to out: inout [UInt8]) {
        let at = VmcoreMemory.at as (UInt64, UInt64) -> UInt64
        if data & m.objexts != 0 {
            out.appendLiteral("Slab cache page\n")
            return
        }
        let ptr = data & ~m.flagsMask
        let kmem = data & m.kmem != 0
        guard let mc = kmem ? memory.u64(at(ptr, m.objcgMemcg)) : ptr, mc != 0 else { return }
        let css = at(mc, m.css)
        let online = (memory.u32(at(css, m.cssFlags)).map { UInt64($0) } ?? 0) & m.online != 0
        var name = "/"
        if let cg = memory.u64(at(css, m.cssCgroup)), let kn = memory.u64(at(cg, m.cgroupKn)), kn != 0,
            let parent = memory.u64(at(kn, m.knParent)), parent != 0, let np = memory.u64(at(kn, m.knName)), let nb = memory.read(np, 256)
        {
            name = String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self)
        }
        out.appendLiteral("Charged ")
        if kmem { out.appendLiteral("(via objcg) ") }
        out.appendLiteral("to ")
        if !online { out.appendLiteral("offline ") }
        out.appendLiteral("memcg ")
        out.append(name)
        out.append(10)
    }

    /// The text of each stack depot handle seen (`appendStack`), where it lies in
    /// `stackBytes`; an empty range with `lowerBound` -1 when its entry does not read.
    var stackText: [UInt32: (start: Int32, end: Int32)] = [:]
    var stackBytes: [UInt8] = []

    /// `appendStack`, made once per handle: the dump does not change while it is read.
    func appendStackOnce(_ handle: UInt32, to out: RecordBytes) -> Bool {
        if let r = stackText[handle] {
            guard r.start >= 0 else { return false }
            stackBytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[Int(r.start)..<Int(r.end)])) }
            return true
        }
        let start = stackBytes.count
        guard start < Int(Int32.max) >> 1, appendStack(handle, to: &stackBytes) else {
            stackBytes.removeSubrange(start...)
            stackText[handle] = (-1, -1)
            return false
        }
        stackText[handle] = (Int32(start), Int32(stackBytes.count))
        stackBytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[start...])) }
        return true
    }

    /// The frames of a stack depot handle, one ` %pS` line each; false when its entry does not read.
    @discardableResult
    func appendStack(_ handle: UInt32, to out: inout [UInt8]) -> Bool {
        let h = UInt64(handle)
        let pool = (h >> UInt64(layout.poolBits.offset)) & ((1 << UInt64(layout.poolBits.size)) - 1)
        let off = (h >> UInt64(layout.offsetBits.offset)) & ((1 << UInt64(layout.offsetBits.size)) - 1)
        guard !layout.poolPlusOne || pool > 0 else { return false }
        let index = layout.poolPlusOne ? pool - 1 : pool
        let pools = layout.stackPoolsIsArray ? layout.stackPoolsAddr : (memory.u64(layout.stackPoolsAddr) ?? 0)
        guard let poolBase = memory.u64(VmcoreMemory.at(pools, index, 8)), poolBase != 0 else { return false }
        let record = VmcoreMemory.at(poolBase, off << 4)
        guard let size = memory.u32(VmcoreMemory.at(record, UInt64(layout.srSize))), size <= 64,
            let entries = memory.read(VmcoreMemory.at(record, UInt64(layout.srEntries)), Int(size) * 8)
        else { return false }
        for i in 0..<Int(size) {
            out.append(32)
            appendFrame(ELFFile.read(entries, i * 8, 8), to: &out)
            out.append(10)
        }
        return true
    }

    /// `%pGg` and `%pGp` names of each value seen, made once.
    var gfpNameBytes: [UInt64: [UInt8]] = [:]
    var pageFlagNameBytes: [UInt64: [UInt8]] = [:]

    /// Appends `flagText(value, table)`, making it once per value (`known` keeps it).
    func appendNames(_ value: UInt64, _ table: [(String, UInt64)], _ known: inout [UInt64: [UInt8]], to out: RecordBytes) {
        if let b = known[value] {
            b.withUnsafeBufferPointer { out.append($0) }
        } else {
            let b = Array(VmcorePageOwner.flagText(value, table).utf8)
            known[value] = b
            b.withUnsafeBufferPointer { out.append($0) }
        }
    }

    /// `%pS` of each address seen, formatted once: where its bytes lie in `frameBytes`.
    var frameText: [UInt64: Range<Int>] = [:]
    var frameBytes: [UInt8] = []

    /// Appends `symbols.format(address)`, formatting each address once.
    func appendFrame(_ address: UInt64, to out: inout [UInt8]) {
        let r: Range<Int>
        if let known = frameText[address] {
            r = known
        } else {
            let start = frameBytes.count
            frameBytes.append(contentsOf: symbols.format(address).utf8)
            r = start..<frameBytes.count
            frameText[address] = r
        }
        frameBytes.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[r])) }
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal's bytes (one copy, no String).
    @inline(__always)
    mutating func appendLiteral(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// `appendHex`, made in a scratch buffer and appended at once.
    @inline(__always)
    mutating func appendHexDigits(_ v: UInt64) {
        var tmp: (UInt64, UInt64) = (0, 0)
        Swift.withUnsafeMutableBytes(of: &tmp) { t in
            var i = 16
            var x = v
            repeat {
                i -= 1
                let d = UInt8(x & 0xf)
                t[i] = d < 10 ? 48 + d : 87 + d
                x >>= 4
            } while x != 0
            append(contentsOf: UnsafeRawBufferPointer(rebasing: t[i..<16]))
        }
    }
}

/// A growing byte buffer that a record is written into without Array's per-append checks.
final class RecordBytes {
    private(set) var base: UnsafeMutablePointer<UInt8>
    var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 14) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func reserve(_ n: Int) {
        if n > capacity - count { grow(n) }
    }

    func grow(_ n: Int) {
        var c = capacity
        while n > c - count { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ b: UnsafeBufferPointer<UInt8>) {
        guard let p = b.baseAddress, b.count > 0 else { return }
        reserve(b.count)
        (base + count).update(from: p, count: b.count)
        count += b.count
    }

    @inline(__always)
    func append(contentsOf b: UnsafeRawBufferPointer) { append(b.bindMemory(to: UInt8.self)) }

    @inline(__always)
    func appendLiteral(_ s: StaticString) { append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }

    func append(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    @inline(__always)
    func appendHexDigits(_ v: UInt64) {
        reserve(16)
        let n = v == 0 ? 1 : (67 - v.leadingZeroBitCount) / 4
        var x = v
        var i = n
        repeat {
            i -= 1
            let d = UInt8(x & 0xf)
            base[count + i] = d < 10 ? 48 + d : 87 + d
            x >>= 4
        } while i > 0
        count += n
    }

    @inline(__always)
    func appendDecimal(_ v: UInt64) {
        reserve(20)
        var digits = 1
        var t = v
        while t >= 10 {
            t /= 10
            digits += 1
        }
        var x = v
        var i = digits
        repeat {
            i -= 1
            base[count + i] = UInt8(48 + x % 10)
            x /= 10
        } while i > 0
        count += digits
    }

    @inline(__always)
    func appendDecimal(_ v: Int64) {
        if v < 0 {
            append(45)
            appendDecimal(UInt64(v.magnitude))
        } else {
            appendDecimal(UInt64(v))
        }
    }

    @inline(__always)
    func appendDecimal(_ v: Int32) { appendDecimal(Int64(v)) }
}
