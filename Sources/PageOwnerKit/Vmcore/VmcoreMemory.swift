// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): a vmcore's physical
// memory read in place.
/// Physical memory of an ELF vmcore, and the x86-64 kernel's virtual addresses on it:
/// the direct map, the kernel image, and anything else through the page tables.
public struct VmcoreMemory {
    struct Range {
        var paddr: UInt64
        var size: UInt64
        var offset: Int
    }

    let bytes: UnsafeRawBufferPointer
    var ranges: [Range] = []
    /// A compressed kdump file, when the dump is one (then `ranges` only lists its pages).
    private(set) var kdump: KdumpFile?
    /// Keeps the mapping alive as long as this memory is used.
    private(set) var owner: AnyObject?
    public let info: VmcoreInfo
    public var pageOffset: UInt64 = 0xffff_8880_0000_0000
    public var startKernelMap: UInt64 = 0xffff_ffff_8000_0000
    public var physBase: UInt64 = 0
    public var kernelOffset: UInt64 = 0
    /// The kernel image mapping's size; module space above it goes through the page tables.
    public var kernelImageSize: UInt64 = 512 << 20
    /// Physical address of the kernel's top page table (`init_top_pgt`), for other addresses.
    public var topPageTable: UInt64?

    /// Memory of a makedumpfile compressed kdump file.
    public init(kdump: KdumpFile) {
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        self.kdump = kdump
        owner = kdump
        info = kdump.info
        ranges = kdump.info.segments.map { Range(paddr: $0.paddr, size: $0.size, offset: 0) }
        physBase = kdump.physBase
        applyInfo()
    }

    /// The same memory for another thread: a compressed dump gets its own page cache.
    func forWorker() -> VmcoreMemory {
        var m = self
        if let k = kdump {
            let c = k.worker()
            m.kdump = c
            m.owner = c
        }
        return m
    }

    /// The kernel's placement as VMCOREINFO states it.
    mutating func applyInfo() {
        if let s = info["NUMBER(phys_base)"], let p = Int64(s) { physBase = UInt64(bitPattern: p) }
        if let s = info["KERNELOFFSET"], let k = UInt64(s, radix: 16) { kernelOffset = k }
        if let s = info["NUMBER(KERNEL_IMAGE_SIZE)"], let k = UInt64(s) { kernelImageSize = k }
    }

    /// Memory of an ELF core dump.
    public init(_ file: MappedFile) throws {
        bytes = file.bytes
        kdump = nil
        owner = file
        let elf: ELFFile
        do {
            elf = try ELFFile(file.bytes)
        } catch let e as VmcoreError {
            throw InputError(.corrupt, input: file.path, e.description)
        }
        guard elf.type == 4 else { throw InputError(.format, input: file.path, "not an ELF core dump") }
        for s in elf.segments where s.type == 1 && s.filesz > 0 {
            guard s.offset >= 0, s.offset <= bytes.count, s.filesz <= bytes.count - s.offset else {
                throw InputError(.corrupt, input: file.path, "the dump is truncated: a memory segment runs past its end")
            }
            ranges.append(Range(paddr: s.paddr, size: UInt64(s.filesz), offset: s.offset))
        }
        ranges.sort { $0.paddr < $1.paddr }
        guard let v = VmcoreInfo.parse(Array(file.bytes.prefix(1 << 20))) else {
            throw InputError(.format, input: file.path, "no VMCOREINFO note in the dump")
        }
        info = v
        applyInfo()
    }

    /// The file bytes of physical `[paddr, paddr+count)`, when one segment holds them all.
    public func physical(_ paddr: UInt64, _ count: Int) -> UnsafeRawBufferPointer? {
        if let k = kdump { return k.physical(paddr, count) }
        var lo = 0
        var hi = ranges.count - 1
        while lo <= hi {
            let m = (lo + hi) / 2
            let r = ranges[m]
            if paddr < r.paddr {
                hi = m - 1
            } else if paddr >= r.paddr &+ r.size {
                lo = m + 1
            } else {
                // paddr - r.paddr < r.size here, even when r.paddr + r.size would wrap.
                guard count >= 0, UInt64(count) <= r.size - (paddr - r.paddr) else { return nil }
                let o = r.offset + Int(paddr - r.paddr)
                return UnsafeRawBufferPointer(rebasing: bytes[o..<(o + count)])
            }
        }
        return nil
    }

    /// Physical address of kernel virtual address `v`, or nil when it is not mapped.
    public func translate(_ v: UInt64) -> UInt64? {
        if v >= startKernelMap && v < startKernelMap &+ kernelImageSize {
            return v &- startKernelMap &- kernelOffset &+ physBase
        }
        if v >= pageOffset && v < pageOffset &+ (1 << 46) {
            return v &- pageOffset
        }
        return walk(v)
    }

    /// x86-64 four-level page-table walk from `init_top_pgt`.
    func walk(_ v: UInt64) -> UInt64? {
        guard var table = topPageTable else { return nil }
        let mask: UInt64 = 0x000f_ffff_ffff_f000
        for level in 0..<4 {
            let shift = UInt64(39 - 9 * level)
            let index = (v >> shift) & 511
            guard let e = physical(table + index * 8, 8).map({ ELFFile.read($0, 0, 8) }), e & 1 != 0 else { return nil }
            if level > 0 && level < 3 && e & 0x80 != 0 {  // 1 GiB or 2 MiB page
                let pageMask: UInt64 = (1 << shift) - 1
                return (e & mask & ~pageMask) | (v & pageMask)
            }
            table = e & mask
        }
        return table | (v & 0xfff)
    }

    /// `count` bytes at kernel virtual address `v`; nil when they are not all mapped and in the
    /// dump, or when `v + count` passes 2^64 (an error pointer plus an offset: see `at`).
    public func read(_ v: UInt64, _ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, !v.addingReportingOverflow(UInt64(count)).overflow, let p = translate(v) else { return nil }
        if let b = physical(p, count) { return b }
        return nil
    }

    /// `base + offset`, or `UInt64.max` when it wraps: a pointer read from the dump may be
    /// garbage (an ERR_PTR such as 0xffff_ffff_ffff_fff4), and no read at `.max` succeeds.
    @inline(__always)
    public static func at(_ base: UInt64, _ offset: UInt64) -> UInt64 {
        let (r, o) = base.addingReportingOverflow(offset)
        return o ? .max : r
    }

    /// `base + index * stride`, or `UInt64.max` when it wraps.
    @inline(__always)
    public static func at(_ base: UInt64, _ index: UInt64, _ stride: UInt64) -> UInt64 {
        let (m, o) = index.multipliedReportingOverflow(by: stride)
        return o ? .max : at(base, m)
    }

    public func u64(_ v: UInt64) -> UInt64? { read(v, 8).map { ELFFile.read($0, 0, 8) } }
    public func u32(_ v: UInt64) -> UInt32? { read(v, 4).map { UInt32(ELFFile.read($0, 0, 4)) } }
}
