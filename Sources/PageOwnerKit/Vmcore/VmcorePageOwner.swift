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

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public convenience init(vmcore: MappedFile, vmlinux: MappedFile, moduleFiles: String? = nil, preferModuleFiles: Bool = false) throws {
        try self.init(memory: try VmcoreMemory(vmcore), vmlinux: vmlinux, moduleFiles: moduleFiles, preferModuleFiles: preferModuleFiles)
    }

    /// - Parameters:
    ///   - moduleFiles: a folder of the modules' `.ko` files (plain or compressed), used for a
    ///     module whose symbols the dump does not hold (or for all, with `preferModuleFiles`).
    public init(memory: VmcoreMemory, vmlinux: MappedFile, moduleFiles: String? = nil, preferModuleFiles: Bool = false) throws {
        var mem = memory
        let elf = try ELFFile(vmlinux.bytes)
        let syms = elf.symbols()
        var addr: [String: UInt64] = [:]
        for s in syms where !s.name.isEmpty && addr[s.name] == nil { addr[s.name] = s.value }
        func symbol(_ n: String) throws -> UInt64 {
            guard let a = addr[n] else {
                throw Failure(description: "the vmlinux has no symbol \(n) (is it the dump's kernel? was it built with CONFIG_PAGE_OWNER?)")
            }
            return a
        }
        if let rel = mem.info["OSRELEASE"], let banner = addr["linux_banner"], let b = mem.read(banner, 256) {
            let text = String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
            if !text.contains(rel) {
                throw Failure(
                    description:
                        "the vmlinux does not match the dump: the dump's kernel is \(rel), the vmlinux's banner reads \(text.prefix(60))")
            }
        }
        if let p = addr["init_top_pgt"] { mem.topPageTable = p &- mem.startKernelMap &- mem.kernelOffset &+ mem.physBase }
        if let pob = addr["page_offset_base"], let v = mem.u64(pob) { mem.pageOffset = v }
        self.memory = mem

        var d = try DWARF(elf)
        try d.index(
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
        l.opsOffsetAddr = try symbol("page_owner_ops") + UInt64(try d.member("page_ext_operations", "offset").offset)
        l.stackPoolsAddr = try symbol("stack_pools")
        l.stackPoolsIsArray = (try? d.isArray(d.variableType("stack_pools"))) ?? true
        l.msPageExt = try d.member("mem_section", "page_ext").offset
        l.msUsage = try d.member("mem_section", "usage").offset
        l.msSize = try d.size(of: "mem_section")
        l.usagePageblockFlags = (try? d.member("mem_section_usage", "pageblock_flags").offset) ?? 16
        guard let ob = d.enumerators["PAGE_EXT_OWNER"], let ab = d.enumerators["PAGE_EXT_OWNER_ALLOCATED"] else {
            throw DWARF.Failure.missing("enum page_ext_flags (PAGE_EXT_OWNER)")
        }
        l.ownerBit = 1 << UInt64(ob)
        l.allocatedBit = 1 << UInt64(ab)
        l.order = try d.member("page_owner", "order").offset
        l.migrate = try d.member("page_owner", "last_migrate_reason").offset
        l.gfp = try d.member("page_owner", "gfp_mask").offset
        l.handle = try d.member("page_owner", "handle").offset
        l.ts = try d.member("page_owner", "ts_nsec").offset
        l.comm = try d.member("page_owner", "comm").offset
        l.pid = try d.member("page_owner", "pid").offset
        l.tgid = (try? d.member("page_owner", "tgid").offset) ?? -1
        l.srSize = try d.member("stack_record", "size").offset
        l.srEntries = try d.member("stack_record", "entries").offset
        let handleBase = try d.member("stack_record", "handle").offset
        if let p = try? d.member("stack_record", "handle.pool_index_plus_1") {
            l.poolBits = (p.bitOffset ?? 0, p.bitSize ?? 17)
            l.poolPlusOne = true
        } else {
            let p = try d.member("stack_record", "handle.pool_index")
            l.poolBits = (p.bitOffset ?? 0, p.bitSize ?? 16)
            l.poolPlusOne = false
        }
        let o = try d.member("stack_record", "handle.offset")
        l.offsetBits = ((o.bitOffset ?? 0) + (o.offset - handleBase) * 8, o.bitSize ?? 10)
        for n in VmcorePageOwner.gfpBitNames { if let v = d.enumerators[n] { l.gfpBits[n] = Int(v) } }
        layout = l
        // The kernel's own name tables, when the dump has them: exact for this kernel.
        func names(_ sym: String) -> [(String, UInt64)]? {
            guard let a = addr[sym] else { return nil }
            var out: [(String, UInt64)] = []
            for i in 0..<UInt64(256) {
                guard let mask = mem.u64(a + i * 16), let np = mem.u64(a + i * 16 + 8) else { return nil }
                if np == 0 { break }
                guard let nb = mem.read(np, 64) else { return nil }
                out.append((String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self), mask))
            }
            return out.isEmpty ? nil : out
        }
        func strings(_ sym: String) -> [String]? {
            guard let a = addr[sym] else { return nil }
            var out: [String] = []
            for i in 0..<UInt64(64) {
                guard let np = mem.u64(a + i * 8), np != 0, let nb = mem.read(np, 64) else { break }
                let n = String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self)
                if n.isEmpty || n.utf8.contains(where: { $0 < 32 || $0 > 126 }) { break }
                out.append(n)
            }
            return out.isEmpty ? nil : out
        }
        gfpNames = names("gfpflag_names") ?? VmcorePageOwner.gfpTable(l.gfpBits)
        pageFlagNames = names("pageflag_names") ?? []
        migrateTypeNames = strings("migratetype_names") ?? VmcorePageOwner.migrateTypes
        migrateReasonNames = strings("migrate_reason_names") ?? VmcorePageOwner.migrateReasons

        guard let pes = mem.u64(l.pageExtSizeAddr), let off = mem.u64(l.opsOffsetAddr) else {
            throw Failure(description: "cannot read page_ext_size or page_owner_ops from the dump")
        }
        pageExtSize = pes
        opsOffset = off
        guard let r = mem.info["SYMBOL(mem_section)"], let rv = UInt64(r, radix: 16) else {
            throw Failure(description: "VMCOREINFO has no SYMBOL(mem_section)")
        }
        roots = rv
        let sectionBits = Int(mem.info["NUMBER(SECTION_SIZE_BITS)"] ?? "27") ?? 27
        pageStructSize = UInt64(mem.info["SIZE(page)"] ?? "") ?? UInt64((try? d.size(of: "page")) ?? 64)
        sectionMapMask = ~((UInt64(1) << UInt64(d.enumerators["SECTION_MAP_LAST_BIT"] ?? 6)) - 1)
        // %pGp's fields, laid out from the top of page->flags as include/linux/page-flags-layout.h does.
        let physBits = Int(mem.info["NUMBER(MAX_PHYSMEM_BITS)"] ?? "46") ?? 46
        let vmemmapConfig = addr["vmemmap_populate"] != nil || addr["vmemmap_populate_hugepages"] != nil
        let sectionsWidth = vmemmapConfig ? 0 : max(0, physBits - sectionBits)
        var nodesWidth = 0
        if let n = mem.info["LENGTH(node_data)"].flatMap({ Int($0) }), n > 1 { nodesWidth = Int.bitWidth - (n - 1).leadingZeroBitCount }
        let zones = Int(d.enumerators["__MAX_NR_ZONES"] ?? 4)
        let zonesWidth = zones <= 1 ? 0 : (zones <= 2 ? 1 : (zones <= 4 ? 2 : 3))
        pageFlagBits = Int(d.enumerators["__NR_PAGEFLAGS"] ?? 0)
        if sectionsWidth + nodesWidth + zonesWidth > 64 - pageFlagBits { nodesWidth = 0 }
        var fields: [(String, Int, Int)] = []
        var shift = 64
        for (name, width) in [("section", sectionsWidth), ("node", nodesWidth), ("zone", zonesWidth)] {
            shift -= width
            if width > 0 { fields.append((name, shift, width)) }
        }
        pageFlagFields = fields
        // The memcg a page is charged to (CONFIG_MEMCG kernels).
        if let md = try? d.member("page", "memcg_data").offset, let css = try? d.member("mem_cgroup", "css").offset,
            let cssFlags = try? d.member("cgroup_subsys_state", "flags").offset,
            let cssCgroup = try? d.member("cgroup_subsys_state", "cgroup").offset, let kn = try? d.member("cgroup", "kn").offset,
            let knName = try? d.member("kernfs_node", "name").offset, let knParent = try? d.member("kernfs_node", "parent").offset,
            let objs = d.enumerators["MEMCG_DATA_OBJEXTS"] ?? d.enumerators["MEMCG_DATA_OBJCGS"],
            let kmem = d.enumerators["MEMCG_DATA_KMEM"]
        {
            memcg = MemcgLayout(
                pageMemcgData: UInt64(md), css: UInt64(css), cssFlags: UInt64(cssFlags), cssCgroup: UInt64(cssCgroup),
                cgroupKn: UInt64(kn), knName: UInt64(knName), knParent: UInt64(knParent),
                objcgMemcg: UInt64((try? d.member("obj_cgroup", "memcg").offset) ?? 16), objexts: UInt64(objs),
                kmem: UInt64(kmem), flagsMask: UInt64(d.enumerators["__NR_MEMCG_DATA_FLAGS"] ?? 4) - 1,
                online: UInt64(d.enumerators["CSS_ONLINE"] ?? 2))
        } else {
            memcg = nil
        }
        vmemmap =
            mem.info["NUMBER(VMEMMAP_START)"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
            ?? addr["vmemmap_base"].flatMap { mem.u64($0) } ?? 0xffff_ea00_0000_0000
        sectionShift = sectionBits - 12
        sectionsPerRoot = UInt64(4096 / max(1, l.msSize))

        var s = KernelSymbols(vmlinux: elf)
        if let head = addr["modules"] {
            let mList = try d.member("module", "list").offset
            let mName = try d.member("module", "name").offset
            let mMem = try d.member("module", "mem").offset
            let mdSize = (try? d.size(of: "module_memory")) ?? 72
            let mdBase = (try? d.member("module_memory", "base").offset) ?? 0
            let mdLen = (try? d.member("module_memory", "size").offset) ?? 8
            let textIndex = Int(d.enumerators["MOD_TEXT"] ?? 0)
            let mKallsyms = try d.member("module", "kallsyms").offset
            let kSymtab = (try? d.member("mod_kallsyms", "symtab").offset) ?? 0
            let kNum = (try? d.member("mod_kallsyms", "num_symtab").offset) ?? 8
            let kStrtab = (try? d.member("mod_kallsyms", "strtab").offset) ?? 16
            var next = mem.u64(head) ?? head
            var seen = 0
            while next != head && next != 0 && seen < 4096 {
                seen += 1
                let m = next &- UInt64(mList)
                let name = mem.read(m + UInt64(mName), 56).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } ?? "?"
                let md = m + UInt64(mMem + textIndex * mdSize)
                let base = mem.u64(md + UInt64(mdBase)) ?? 0
                let size = UInt64(mem.u32(md + UInt64(mdLen)) ?? 0)
                var list: [(UInt64, String)] = []
                if let ks = mem.u64(m + UInt64(mKallsyms)), ks != 0, let tab = mem.u64(ks + UInt64(kSymtab)),
                    let num = mem.u32(ks + UInt64(kNum)), let strs = mem.u64(ks + UInt64(kStrtab)), num < 1_000_000
                {
                    for i in 0..<UInt64(num) {
                        guard let e = mem.read(tab + i * 24, 24) else { break }
                        let nameOff = ELFFile.read(e, 0, 4)
                        let value = ELFFile.read(e, 8, 8)
                        let info = e[4]
                        guard info & 0xf <= 2, value >= base, value < base + size else { continue }
                        if let nb = mem.read(strs + nameOff, 128) {
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
                s.addModule(name, symbols: list, textStart: base, textEnd: base + size)
                next = mem.u64(next) ?? head
            }
        }
        s.finish()
        symbols = s
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
            size = (size + a - 1) / a * a
            offsets[i] = size
            size += UInt64(sec.size)
        }
        var out: [(UInt64, String)] = []
        for sym in elf.symbols() where (sym.type == 2 || sym.type == 0) && !sym.name.isEmpty {
            guard let o = offsets[Int(sym.shndx)] else { continue }
            out.append((textBase + o + sym.value, sym.name))
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
        let shoff = Int(ELFFile.read(b, 40, 8))
        let shentsize = Int(ELFFile.read(b, 58, 2))
        return ELFFile.read(b, shoff + index * shentsize + 48, 8)
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
    public var pfnRanges: [(UInt64, UInt64)] { memory.ranges.map { ($0.paddr >> 12, ($0.paddr + $0.size) >> 12) } }

    /// Appends the page_owner text of `pfn` (if it is an owner-allocated head page) to `out`.
    /// Returns the number of PFNs the caller may skip (order of the record), or 1.
    public func appendRecord(pfn: UInt64, to out: inout [UInt8]) -> UInt64 {
        let nr = pfn >> UInt64(sectionShift)
        guard let root = memory.u64(roots + (nr / sectionsPerRoot) * 8), root != 0 else { return 1 }
        let ms = root + (nr % sectionsPerRoot) * UInt64(layout.msSize)
        guard let base = memory.u64(ms + UInt64(layout.msPageExt)), base != 0, base & 1 == 0 else { return 1 }
        let entry = base &+ pfn &* pageExtSize
        guard let flags = memory.u64(entry), flags & layout.ownerBit != 0, flags & layout.allocatedBit != 0 else { return 1 }
        guard let po = memory.read(entry &+ opsOffset, 64) else { return 1 }
        let order = ELFFile.read(po, layout.order, 2)
        guard order < 64 else { return 1 }
        if pfn & ((1 << order) - 1) != 0 { return 1 }
        let handle = UInt32(ELFFile.read(po, layout.handle, 4))
        guard handle != 0 else { return 1 }
        let gfp = ELFFile.read(po, layout.gfp, 4)
        let pid = Int32(truncatingIfNeeded: ELFFile.read(po, layout.pid, 4))
        let tgid = layout.tgid >= 0 ? Int32(truncatingIfNeeded: ELFFile.read(po, layout.tgid, 4)) : pid
        let ts = ELFFile.read(po, layout.ts, 8)
        let migrate = Int16(truncatingIfNeeded: ELFFile.read(po, layout.migrate, 2))
        let comm = Array(po[layout.comm..<(layout.comm + 16)].prefix { $0 != 0 })
        out.append("Page allocated via order ")
        out.appendDecimal(order)
        out.append(", mask 0x")
        out.appendHex(gfp)
        out.append("(")
        out.append(gfpText(gfp))
        out.append("), pid ")
        out.appendDecimal(pid)
        out.append(", tgid ")
        out.appendDecimal(tgid)
        out.append(" (")
        out.append(contentsOf: comm)
        out.append("), ts ")
        out.appendDecimal(ts)
        out.append(" ns\n")
        // PFN line: page migratetype from the gfp mask, block type from the pageblock bits.
        var pageType = 0
        if let m = layout.gfpBits["___GFP_MOVABLE_BIT"], gfp >> UInt64(m) & 1 != 0 { pageType |= 1 }
        if let r = layout.gfpBits["___GFP_RECLAIMABLE_BIT"], gfp >> UInt64(r) & 1 != 0 { pageType |= 2 }
        var blockType = pageType
        if let usage = memory.u64(ms + UInt64(layout.msUsage)), usage != 0 {
            let index = (pfn & ((1 << UInt64(sectionShift)) - 1)) >> 9
            let bit = index * 4
            if let w = memory.u64(usage + UInt64(layout.usagePageblockFlags) + (bit / 64) * 8) { blockType = Int((w >> (bit % 64)) & 7) }
        }
        out.append("PFN 0x")
        out.appendHex(pfn)
        out.append(" type ")
        out.append(pageType < migrateTypeNames.count ? migrateTypeNames[pageType] : "Unknown")
        out.append(" Block ")
        out.appendDecimal(pfn >> 9)
        out.append(" type ")
        out.append(blockType < migrateTypeNames.count ? migrateTypeNames[blockType] : "Unknown")
        out.append(" Flags 0x")
        // The page's flags word: names from the kernel's table; the node/zone fields that
        // %pGp appends need the kernel's field widths, which the debug info does not carry.
        let memMap = (memory.u64(ms) ?? 0) & sectionMapMask
        let flagsWord = memory.u64((memMap != 0 ? memMap : vmemmap) &+ pfn &* pageStructSize) ?? 0
        out.appendHex(flagsWord)
        out.append("(")
        let main = pageFlagBits > 0 && pageFlagBits < 64 ? flagsWord & ((1 << UInt64(pageFlagBits)) - 1) : flagsWord
        var append = false
        if main != 0 {
            out.append(VmcorePageOwner.flagText(main, pageFlagNames))
            append = true
        }
        for (name, shift, width) in pageFlagFields {
            if append { out.append(124) }
            out.append(name)
            out.append(61)
            out.appendDecimal((flagsWord >> UInt64(shift)) & ((1 << UInt64(width)) - 1))
            append = true
        }
        out.append(")\n")
        appendStack(handle, to: &out)
        if migrate != -1 {
            out.append("Page has been migrated, last migrate reason: ")
            out.append(migrate >= 0 && Int(migrate) < migrateReasonNames.count ? migrateReasonNames[Int(migrate)] : "(null)")
            out.append(10)
        }
        appendMemcg((memMap != 0 ? memMap : vmemmap) &+ pfn &* pageStructSize, to: &out)
        out.append(10)
        return 1 << order
    }

    /// `Slab cache page` and `Charged [(via objcg) ]to [offline ]memcg NAME`, as
    /// print_page_owner_memcg() writes them.
    func appendMemcg(_ page: UInt64, to out: inout [UInt8]) {
        guard let m = memcg, let data = memory.u64(page + m.pageMemcgData), data != 0 else { return }
        if data & m.objexts != 0 {
            out.append("Slab cache page\n")
            return
        }
        let ptr = data & ~m.flagsMask
        let kmem = data & m.kmem != 0
        guard let mc = kmem ? memory.u64(ptr + m.objcgMemcg) : ptr, mc != 0 else { return }
        let css = mc + m.css
        let online = (memory.u32(css + m.cssFlags).map { UInt64($0) } ?? 0) & m.online != 0
        var name = "/"
        if let cg = memory.u64(css + m.cssCgroup), let kn = memory.u64(cg + m.cgroupKn), kn != 0,
            let parent = memory.u64(kn + m.knParent), parent != 0, let np = memory.u64(kn + m.knName), let nb = memory.read(np, 256)
        {
            name = String(decoding: nb.prefix { $0 != 0 }, as: UTF8.self)
        }
        out.append("Charged ")
        if kmem { out.append("(via objcg) ") }
        out.append("to ")
        if !online { out.append("offline ") }
        out.append("memcg ")
        out.append(name)
        out.append(10)
    }

    /// The frames of a stack depot handle, one ` %pS` line each.
    func appendStack(_ handle: UInt32, to out: inout [UInt8]) {
        let h = UInt64(handle)
        let pool = (h >> UInt64(layout.poolBits.offset)) & ((1 << UInt64(layout.poolBits.size)) - 1)
        let off = (h >> UInt64(layout.offsetBits.offset)) & ((1 << UInt64(layout.offsetBits.size)) - 1)
        guard !layout.poolPlusOne || pool > 0 else { return }
        let index = layout.poolPlusOne ? pool - 1 : pool
        let pools = layout.stackPoolsIsArray ? layout.stackPoolsAddr : (memory.u64(layout.stackPoolsAddr) ?? 0)
        guard let poolBase = memory.u64(pools + index * 8), poolBase != 0 else { return }
        let record = poolBase + (off << 4)
        guard let size = memory.u32(record + UInt64(layout.srSize)), size <= 64,
            let entries = memory.read(record + UInt64(layout.srEntries), Int(size) * 8)
        else { return }
        for i in 0..<Int(size) {
            out.append(32)
            out.append(symbols.format(ELFFile.read(entries, i * 8, 8)))
            out.append(10)
        }
    }
}
