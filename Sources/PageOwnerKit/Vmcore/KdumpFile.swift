// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): kdump pages read and
// decompressed (zlib, lzo, snappy, zstd C shims) in place.
import CLzo
import CSnappy
import CZlib
import CZstd

#if canImport(Glibc)
import Glibc
#endif

/// makedumpfile's compressed kdump format: a header, a sub-header with VMCOREINFO, two page
/// bitmaps and a descriptor per dumped page, each page zlib- or zstd-compressed (or raw).
/// Pages are decompressed on demand into a small cache.
public final class KdumpFile {
    let bytes: UnsafeRawBufferPointer
    let path: String
    /// Keeps the mapping alive.
    let file: MappedFile
    public let blockSize: Int
    public let maxPFN: UInt64
    public let info: VmcoreInfo
    public let physBase: UInt64
    let dumped: UnsafeRawBufferPointer  // second bitmap: pages present in the dump
    var rank: [UInt32] = []  // set bits before each 64-bit word of `dumped`
    let descriptors: Int
    // A direct-mapped cache of decompressed pages.
    static let slots = 256
    let cache: UnsafeMutableRawPointer
    var cached = [UInt64](repeating: .max, count: KdumpFile.slots)
    let scratch: UnsafeMutableRawPointer
    let scratchSize = 1 << 16
    /// Dumped pages that could not be read (truncated, corrupt, undecompressible): PFN and
    /// why. Reads of them fail as if the memory were not in the dump; `lossSummary` lists them.
    public private(set) var failedPages: [UInt64: String] = [:]

    /// - Parameter name: the name for messages (the flattened dump a temporary copy was
    ///   unpacked from); defaults to the file's path.
    public init(_ file: MappedFile, name: String? = nil) throws {
        self.file = file
        bytes = file.bytes
        let path = name ?? file.path
        self.path = path
        func le(_ at: Int, _ n: Int) -> UInt64 { ELFFile.read(file.bytes, at, n) }
        guard bytes.count >= 464, bytes.starts(with: Array("KDUMP   ".utf8)) else {
            throw InputError(.format, input: path, "not a kdump file")
        }
        let version = Int(le(8, 4))
        blockSize = Int(le(428, 4))
        let subBlocks = Int(le(432, 4))
        let bitmapBlocks = Int(le(436, 4))
        guard blockSize >= 4096, blockSize <= 1 << 20, bitmapBlocks > 0 else {
            throw InputError(.format, input: path, "a kdump header with a bad block size")
        }
        let sub = blockSize
        physBase = le(sub, 8)
        var maxPFN = UInt64(le(440, 4))
        if version >= 6 { maxPFN = max(maxPFN, le(sub + 96, 8)) }
        self.maxPFN = maxPFN
        let rawOff = le(sub + 32, 8)
        let rawSize = le(sub + 40, 8)
        guard let infoOff = Int(exactly: rawOff), let infoSize = Int(exactly: rawSize), infoOff > 0, infoSize > 0,
            infoOff <= bytes.count, infoSize <= bytes.count - infoOff
        else {
            throw InputError(
                .corrupt, input: path,
                "the kdump file is truncated or corrupt: its VMCOREINFO (offset_vmcoreinfo 0x\(String(rawOff, radix: 16)), size_vmcoreinfo 0x\(String(rawSize, radix: 16)) at file offset \(sub + 32)) lies outside its \(bytes.count) bytes"
            )
        }
        var v = VmcoreInfo()
        v.addEntries(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[infoOff..<(infoOff + infoSize)]), as: UTF8.self))
        let bitmapStart = blockSize * (1 + subBlocks)
        let half = bitmapBlocks * blockSize / 2
        guard bitmapStart + 2 * half <= bytes.count else {
            throw InputError(.corrupt, input: path, "the kdump file is truncated in its bitmaps")
        }
        let bitmap = UnsafeRawBufferPointer(rebasing: bytes[(bitmapStart + half)..<(bitmapStart + 2 * half)])
        dumped = bitmap
        func present(_ pfn: UInt64) -> Bool { KdumpFile.bit(bitmap, pfn) }
        descriptors = bitmapStart + 2 * half
        var r: [UInt32] = []
        var total: UInt32 = 0
        r.reserveCapacity(half / 8 + 1)
        var i = 0
        while i < half {
            r.append(total)
            let (t, o) = total.addingReportingOverflow(UInt32(ELFFile.read(bitmap, i, 8).nonzeroBitCount))
            guard !o else { throw InputError(.corrupt, input: path, "the kdump file's page bitmap is corrupt (over 2^32 pages)") }
            total = t
            i += 8
        }
        rank = r
        // Memory segments for the PFN walk: runs of dumped pages. The walk ends at the
        // bitmap's end whatever max_mapnr says, and skips empty 64-page words at once.
        var runs: [(paddr: UInt64, size: UInt64)] = []
        var pfn: UInt64 = 0
        let end = min(maxPFN, UInt64(half) * 8)
        while pfn < end {
            if pfn & 63 == 0 && pfn + 64 <= end && ELFFile.read(bitmap, Int(pfn >> 3), 8) == 0 {
                pfn += 64
            } else if present(pfn) {
                let start = pfn
                while pfn < end && present(pfn) { pfn += 1 }
                runs.append((start << 12, (pfn - start) << 12))
            } else {
                pfn += 1
            }
        }
        v.segments = runs
        info = v
        cache = UnsafeMutableRawPointer.allocate(byteCount: KdumpFile.slots * 4096, alignment: 64)
        scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
    }

    /// liblzo2 wants `lzo_init()` once per process.
    /// The same file with its own page cache and failures, for another thread.
    func worker() -> KdumpFile { KdumpFile(copying: self) }

    private init(copying o: KdumpFile) {
        bytes = o.bytes
        path = o.path
        file = o.file
        blockSize = o.blockSize
        maxPFN = o.maxPFN
        info = o.info
        physBase = o.physBase
        dumped = o.dumped
        rank = o.rank
        descriptors = o.descriptors
        cache = UnsafeMutableRawPointer.allocate(byteCount: KdumpFile.slots * 4096, alignment: 64)
        scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 64)
    }

    /// Takes the pages that failed so far (a worker, after each piece of the walk).
    func takeFailures() -> [UInt64: String] {
        defer { failedPages = [:] }
        return failedPages
    }

    /// Adds pages another reader could not read (the first reason given for a page stays).
    func absorb(failures: [UInt64: String]) {
        for (pfn, reason) in failures where failedPages[pfn] == nil { failedPages[pfn] = reason }
    }

    static let lzoReady: Bool =
        __lzo_init_v2(
            UInt32(LZO_VERSION), Int32(MemoryLayout<Int16>.size), Int32(MemoryLayout<Int32>.size), Int32(MemoryLayout<Int>.size),
            Int32(MemoryLayout<UInt32>.size), Int32(MemoryLayout<lzo_uint>.size), Int32(MemoryLayout<UnsafeMutableRawPointer>.size),
            Int32(MemoryLayout<UnsafeMutableRawPointer>.size), Int32(MemoryLayout<UnsafeMutableRawPointer>.size),
            Int32(MemoryLayout<lzo_callback_t>.size)) == LZO_E_OK

    deinit {
        cache.deallocate()
        scratch.deallocate()
    }

    @inline(__always)
    func isDumped(_ pfn: UInt64) -> Bool { KdumpFile.bit(dumped, pfn) }

    /// Bit `pfn` of a page bitmap (false past its end).
    @inline(__always)
    static func bit(_ map: UnsafeRawBufferPointer, _ pfn: UInt64) -> Bool {
        let byte = Int(pfn >> 3)
        return byte < map.count && map[byte] & (1 << UInt8(pfn & 7)) != 0
    }

    /// File offset of the page descriptor of `pfn`, or nil when the page is not in the dump.
    func descriptorOffset(_ pfn: UInt64) -> Int? {
        guard isDumped(pfn) else { return nil }
        let word = Int(pfn >> 6)
        let below = UInt64(ELFFile.read(dumped, word * 8, 8)) & ((1 << (pfn & 63)) &- 1)
        let index = Int(rank[word]) + below.nonzeroBitCount
        return descriptors + index * 24
    }

    /// The decompressed 4 KiB page `pfn`, or nil when it is not in the dump.
    func page(_ pfn: UInt64) throws -> UnsafeRawPointer? {
        let slot = Int(pfn % UInt64(KdumpFile.slots))
        let dst = cache + slot * 4096
        if cached[slot] == pfn { return UnsafeRawPointer(dst) }
        guard let d = descriptorOffset(pfn) else { return nil }
        guard d + 24 <= bytes.count else { throw fault(pfn, "its page descriptor lies past the end of the file (truncated dump)") }
        let rawOffset = ELFFile.read(bytes, d, 8)
        let size = Int(ELFFile.read(bytes, d + 8, 4))
        let flags = ELFFile.read(bytes, d + 12, 4)
        guard let offset = Int(exactly: rawOffset), offset > 0, size > 0, offset <= bytes.count - size else {
            if let o = Int(exactly: rawOffset), o >= bytes.count {
                throw fault(pfn, "its data lies past the end of the file (truncated dump)")
            }
            throw fault(pfn, "its page descriptor (file offset \(d)) is corrupt")
        }
        let src = bytes.baseAddress! + offset
        if size == blockSize || flags == 0 {
            dst.copyMemory(from: src, byteCount: min(size, 4096))
        } else if flags & 0x1 != 0 {
            var outLen = uLongf(4096)
            let rc = uncompress(dst.assumingMemoryBound(to: Bytef.self), &outLen, src.assumingMemoryBound(to: Bytef.self), uLong(size))
            guard rc == Z_OK else { throw fault(pfn, "it does not inflate (zlib)") }
        } else if flags & 0x20 != 0 {
            let n = ZSTD_decompress(dst, 4096, src, size)
            guard ZSTD_isError(n) == 0 else { throw fault(pfn, "it does not decompress (zstd)") }
        } else if flags & 0x2 != 0 {
            _ = KdumpFile.lzoReady
            var outLen: lzo_uint = 4096
            let rc = lzo1x_decompress_safe(
                src.assumingMemoryBound(to: UInt8.self), lzo_uint(size), dst.assumingMemoryBound(to: UInt8.self), &outLen, nil)
            guard rc == LZO_E_OK else { throw fault(pfn, "it does not decompress (lzo)") }
        } else if flags & 0x4 != 0 {
            var outLen = 4096
            let rc = snappy_uncompress(src.assumingMemoryBound(to: CChar.self), size, dst.assumingMemoryBound(to: CChar.self), &outLen)
            guard rc == SNAPPY_OK else { throw fault(pfn, "it does not decompress (snappy)") }
        } else {
            throw fault(pfn, "it uses an unknown compression (flags 0x\(String(flags, radix: 16)))")
        }
        cached[slot] = pfn
        return UnsafeRawPointer(dst)
    }

    /// A page that cannot be read: remembered (first reason wins) and thrown.
    func fault(_ pfn: UInt64, _ reason: String) -> InputError {
        if failedPages[pfn] == nil { failedPages[pfn] = reason }
        return InputError(.corrupt, input: path, "page 0x\(String(pfn, radix: 16)): \(reason)")
    }

    /// The pages that could not be read, one line per reason: how many, and their PFN ranges.
    public func lossSummary(maxRanges: Int = 4) -> [String] {
        var byReason: [String: [UInt64]] = [:]
        for (pfn, reason) in failedPages { byReason[reason, default: []].append(pfn) }
        return byReason.sorted { $0.key < $1.key }.map { reason, pfns in
            "\(path): \(pfns.count) dumped page(s) could not be read, \(reason): PFN \(KdumpFile.ranges(pfns, max: maxRanges))"
        }
    }

    /// `0x10-0x1f, 0x40, … (N more ranges)` for a set of PFNs.
    static func ranges(_ pfns: [UInt64], max: Int) -> String {
        var runs: [(UInt64, UInt64)] = []
        for p in pfns.sorted() {
            if let last = runs.last, last.1 &+ 1 == p { runs[runs.count - 1].1 = p } else { runs.append((p, p)) }
        }
        var parts = runs.prefix(max).map { $0.0 == $0.1 ? "0x\(String($0.0, radix: 16))" : "0x\(String($0.0, radix: 16))-0x\(String($0.1, radix: 16))" }
        if runs.count > max { parts.append("… (\(runs.count - max) more ranges)") }
        return parts.joined(separator: ", ")
    }

    /// Physical `[paddr, paddr+count)`, gathered across pages when needed; nil when any of
    /// it is not in the dump, cannot be read (see `failedPages`), or wraps past 2^64.
    public func physical(_ paddr: UInt64, _ count: Int) -> UnsafeRawBufferPointer? {
        let (lastByte, overflow) = paddr.addingReportingOverflow(UInt64(max(count, 1)) - 1)
        guard count >= 0, !overflow else { return nil }
        let first = paddr >> 12
        let last = lastByte >> 12
        if first == last {
            guard let p = try? page(first) else { return nil }
            return UnsafeRawBufferPointer(start: p + Int(paddr & 0xfff), count: count)
        }
        guard count <= scratchSize else { return nil }
        var done = 0
        var pfn = first
        while pfn <= last {
            guard let p = try? page(pfn) else { return nil }
            let from = pfn == first ? Int(paddr & 0xfff) : 0
            let n = min(4096 - from, count - done)
            (scratch + done).copyMemory(from: p + from, byteCount: n)
            done += n
            pfn += 1
        }
        return UnsafeRawBufferPointer(start: scratch, count: count)
    }

    /// Turns makedumpfile's flattened stream (what `-F` and QEMU `dump-guest-memory -z`
    /// write) back into a kdump file, into an open descriptor (an unlinked temporary file);
    /// `output` names it in messages.
    public static func unflatten(_ flat: UnsafeRawBufferPointer, name: String, to fd: Int32, output: String) throws {
        guard flat.count >= 4096, flat.starts(with: Array("makedumpfile".utf8)) else {
            throw InputError(.format, input: name, "not a flattened kdump file")
        }
        func be(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<8 { v = v << 8 | UInt64(flat[at + i]) }
            return v
        }
        var p = 4096
        var ended = false
        while p + 16 <= flat.count {
            let offset = Int64(bitPattern: be(p))
            let size = Int64(bitPattern: be(p + 8))
            p += 16
            if offset == -1 {
                ended = true
                break
            }
            guard size >= 0, size <= Int64(flat.count - p) else {
                throw InputError(.corrupt, input: name, "the flattened dump is truncated (a record at offset \(p - 16) holds \(size) bytes)")
            }
            // The unpacked file is no larger than the stream: a record far past that is corrupt.
            guard offset >= 0, offset <= Int64(flat.count) * 2 else {
                throw InputError(.corrupt, input: name, "the flattened dump is corrupt (a record at offset \(p - 16) writes at offset \(offset))")
            }
            try Syscall.pwriteAll(
                fd, flat.baseAddress! + p, Int(size), at: Int(offset), name: name,
                doing: "cannot unpack the flattened dump into \(output)", role: .temporary)
            p += Int(size)
        }
        guard ended else { throw InputError(.corrupt, input: name, "the flattened dump is truncated (no end marker)") }
    }
}
