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

    public init(_ file: MappedFile) throws {
        self.file = file
        bytes = file.bytes
        path = file.path
        func le(_ at: Int, _ n: Int) -> UInt64 { ELFFile.read(file.bytes, at, n) }
        guard bytes.count >= 464, bytes.starts(with: Array("KDUMP   ".utf8)) else {
            throw InputError(.format, input: file.path, "not a kdump file")
        }
        let version = Int(le(8, 4))
        blockSize = Int(le(428, 4))
        let subBlocks = Int(le(432, 4))
        let bitmapBlocks = Int(le(436, 4))
        guard blockSize >= 4096, blockSize <= 1 << 20, bitmapBlocks > 0 else {
            throw InputError(.format, input: file.path, "a kdump header with a bad block size")
        }
        let sub = blockSize
        physBase = le(sub, 8)
        var maxPFN = UInt64(le(440, 4))
        if version >= 6 { maxPFN = max(maxPFN, le(sub + 96, 8)) }
        self.maxPFN = maxPFN
        let infoOff = Int(le(sub + 32, 8))
        let infoSize = Int(le(sub + 40, 8))
        guard infoOff > 0, infoSize > 0, infoOff + infoSize <= bytes.count else {
            throw InputError(.corrupt, input: file.path, "the kdump file is truncated: its VMCOREINFO is missing")
        }
        var v = VmcoreInfo()
        v.addEntries(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[infoOff..<(infoOff + infoSize)]), as: UTF8.self))
        let bitmapStart = blockSize * (1 + subBlocks)
        let half = bitmapBlocks * blockSize / 2
        guard bitmapStart + 2 * half <= bytes.count else {
            throw InputError(.corrupt, input: file.path, "the kdump file is truncated in its bitmaps")
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
            total += UInt32(ELFFile.read(bitmap, i, 8).nonzeroBitCount)
            i += 8
        }
        rank = r
        // Memory segments for the PFN walk: runs of dumped pages.
        var runs: [(paddr: UInt64, size: UInt64)] = []
        var pfn: UInt64 = 0
        while pfn < maxPFN {
            if present(pfn) {
                let start = pfn
                while pfn < maxPFN && present(pfn) { pfn += 1 }
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

    /// The decompressed 4 KiB page `pfn`, or nil when it is not in the dump.
    func page(_ pfn: UInt64) throws -> UnsafeRawPointer? {
        let slot = Int(pfn % UInt64(KdumpFile.slots))
        let dst = cache + slot * 4096
        if cached[slot] == pfn { return UnsafeRawPointer(dst) }
        guard isDumped(pfn) else { return nil }
        let word = Int(pfn >> 6)
        let below = UInt64(ELFFile.read(dumped, word * 8, 8)) & ((1 << (pfn & 63)) &- 1)
        let index = Int(rank[word]) + below.nonzeroBitCount
        let d = descriptors + index * 24
        guard d + 24 <= bytes.count else { throw InputError(.corrupt, input: path, "the kdump file is truncated in its page descriptors") }
        let offset = Int(ELFFile.read(bytes, d, 8))
        let size = Int(ELFFile.read(bytes, d + 8, 4))
        let flags = ELFFile.read(bytes, d + 12, 4)
        guard offset > 0, size > 0, offset + size <= bytes.count else {
            throw InputError(.corrupt, input: path, "the kdump file is truncated: page 0x\(String(pfn, radix: 16)) lies past its end")
        }
        let src = bytes.baseAddress! + offset
        if size == blockSize || flags == 0 {
            dst.copyMemory(from: src, byteCount: min(size, 4096))
        } else if flags & 0x1 != 0 {
            var outLen = uLongf(4096)
            let rc = uncompress(dst.assumingMemoryBound(to: Bytef.self), &outLen, src.assumingMemoryBound(to: Bytef.self), uLong(size))
            guard rc == Z_OK else {
                throw InputError(.corrupt, input: path, "page 0x\(String(pfn, radix: 16)) does not inflate (zlib \(rc))")
            }
        } else if flags & 0x20 != 0 {
            let n = ZSTD_decompress(dst, 4096, src, size)
            guard ZSTD_isError(n) == 0 else {
                throw InputError(.corrupt, input: path, "page 0x\(String(pfn, radix: 16)) does not decompress (zstd)")
            }
        } else if flags & 0x2 != 0 {
            _ = KdumpFile.lzoReady
            var outLen: lzo_uint = 4096
            let rc = lzo1x_decompress_safe(
                src.assumingMemoryBound(to: UInt8.self), lzo_uint(size), dst.assumingMemoryBound(to: UInt8.self), &outLen, nil)
            guard rc == LZO_E_OK else {
                throw InputError(.corrupt, input: path, "page 0x\(String(pfn, radix: 16)) does not decompress (lzo \(rc))")
            }
        } else if flags & 0x4 != 0 {
            var outLen = 4096
            let rc = snappy_uncompress(src.assumingMemoryBound(to: CChar.self), size, dst.assumingMemoryBound(to: CChar.self), &outLen)
            guard rc == SNAPPY_OK else {
                throw InputError(.corrupt, input: path, "page 0x\(String(pfn, radix: 16)) does not decompress (snappy)")
            }
        } else {
            throw InputError(
                .format, input: path, "page 0x\(String(pfn, radix: 16)) uses an unknown compression (flags 0x\(String(flags, radix: 16)))")
        }
        cached[slot] = pfn
        return UnsafeRawPointer(dst)
    }

    /// Physical `[paddr, paddr+count)`, gathered across pages when needed.
    public func physical(_ paddr: UInt64, _ count: Int) -> UnsafeRawBufferPointer? {
        let first = paddr >> 12
        let last = (paddr + UInt64(max(count, 1)) - 1) >> 12
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
    /// write) back into a kdump file at `output`.
    public static func unflatten(_ flat: UnsafeRawBufferPointer, name: String, to output: String) throws {
        guard flat.count >= 4096, flat.starts(with: Array("makedumpfile".utf8)) else {
            throw InputError(.format, input: name, "not a flattened kdump file")
        }
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw InputError(.unreadable, input: output, String(cString: strerror(errno))) }
        defer { close(fd) }
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
            guard offset >= 0, size >= 0, p + Int(size) <= flat.count else {
                throw InputError(.corrupt, input: name, "the flattened dump is truncated")
            }
            let w = pwrite(fd, flat.baseAddress! + p, Int(size), off_t(offset))
            guard w == Int(size) else { throw InputError(.unreadable, input: output, "cannot write: \(String(cString: strerror(errno)))") }
            p += Int(size)
        }
        guard ended else { throw InputError(.corrupt, input: name, "the flattened dump is truncated (no end marker)") }
    }
}
