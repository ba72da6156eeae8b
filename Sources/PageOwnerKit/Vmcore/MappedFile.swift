// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the mapping of a whole
// file.
import CShims
import CZstd
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A whole file mapped read-only. A compressed file (zstd or gzip, found by content) is
/// first unpacked to a temporary file that is unlinked as soon as it is created, so no copy
/// is left behind whatever ends the run: vmcores and vmlinux images need random access.
/// The mapping is registered with `SignalGuard`, so a file truncated while it is read ends
/// the run with "input changed while reading", not a bus error.
public final class MappedFile {
    public let path: String
    public let bytes: UnsafeRawBufferPointer

    public init(path: String) throws {
        self.path = path
        var head = [UInt8](repeating: 0, count: 4)
        let probe = try FileSource(path: path)
        _ = try head.withUnsafeMutableBytes { try probe.read(into: $0) }
        var fd: Int32
        if Inputs.isZstd(head), let m = try MappedFile.unpackZstdBlocks(path) {
            bytes = m
            return
        }
        if Inputs.isZstd(head) || Inputs.isGzip(head) {
            fd = try MappedFile.temporaryFile(for: path)
            do {
                try Inputs.withDecoded(path: path) { src in
                    var buf = [UInt8](repeating: 0, count: 4 << 20)
                    var size = 0
                    while true {
                        let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                        if n == 0 { break }
                        try buf.withUnsafeBytes { try MappedFile.writeSparse(fd, $0.baseAddress!, n, at: size, unpacking: path) }
                        size += n
                    }
                    // The pages of zeros at the end are a hole too.
                    try Syscall.ftruncate(fd, size, name: path, doing: Self.unpacking, role: .temporary)
                }
            } catch {
                close(fd)
                throw error
            }
        } else {
            fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC, role: .input)
        }
        defer { close(fd) }
        bytes = try MappedFile.map(fd, name: path)
    }

    /// Unpacks a zstd file of one frame with its content size, mostly zeros, into anonymous
    /// memory, block by block: blocks that repeat a zero byte (the free memory of a dump, most
    /// of it) are left as holes and never written or even expanded, and compressed blocks are
    /// decoded in place, their history being the mapping itself. Nil when the file is not such
    /// a frame or does not decode this way (the caller then unpacks it as a stream, which
    /// reports what is wrong). The frame's checksum is not verified on this path: verifying it
    /// would mean reading every zero.
    static func unpackZstdBlocks(_ path: String) throws -> UnsafeRawBufferPointer? {
        let src: MappedFile
        do {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            src = try MappedFile(fd: fd, name: path)
        } catch {
            return nil
        }
        let b = src.bytes
        func le(_ at: Int, _ n: Int) -> UInt64 { ELFFile.read(b, at, n) }
        guard b.count >= 9, le(0, 4) == 0xFD2F_B528 else { return nil }
        let fhd = b[4]
        let fcsFlag = Int(fhd >> 6)
        let single = fhd & 0x20 != 0
        let checksum = fhd & 0x04 != 0
        guard fhd & 0x08 == 0, fhd & 0x03 == 0 else { return nil }  // reserved bit, dictionary
        var p = 5 + (single ? 0 : 1)
        let fcsSize = [single ? 1 : 0, 2, 4, 8][fcsFlag]
        guard fcsSize > 0, p + fcsSize <= b.count else { return nil }
        var size = le(p, fcsSize)
        if fcsSize == 2 { size += 256 }
        p += fcsSize
        // Every block header first: the content size must be what the blocks can make, and
        // the frame must end the file.
        var q = p
        var most: UInt64 = 0
        var written: UInt64 = 0  // at most, outside the blocks of zeros
        // Where the written blocks probably lie (a compressed block is taken to make a full
        // 128 KiB, as compressors emit them): 2 MiB stretches inside them get huge pages.
        var guess: UInt64 = 0
        var extents: [(UInt64, UInt64)] = []
        func wrote(_ n: UInt64) {
            if let last = extents.last, last.1 == guess { extents[extents.count - 1].1 = guess &+ n } else { extents.append((guess, guess &+ n)) }
        }
        while true {
            guard q + 3 <= b.count else { return nil }
            let h = le(q, 3)
            let type = (h >> 1) & 3
            let n = Int(h >> 3)
            q += 3
            switch type {
            case 0:
                q += n
                most += UInt64(n)
                written += UInt64(n)
                wrote(UInt64(n))
                guess &+= UInt64(n)
            case 1:
                guard q < b.count else { return nil }
                if b[q] != 0 {
                    written += UInt64(n)
                    wrote(UInt64(n))
                }
                q += 1
                most += UInt64(n)
                guess &+= UInt64(n)
            case 2:
                guard n <= 1 << 17 else { return nil }
                q += n
                most += 1 << 17
                written += 1 << 17
                wrote(1 << 17)
                guess &+= 1 << 17
            default: return nil
            }
            guard q <= b.count else { return nil }
            if h & 1 != 0 { break }
        }
        if checksum { q += 4 }
        guard q == b.count, size > 0, size <= most, let total = Int(exactly: size), total < 1 << 46 else { return nil }
        // What is written lives in memory until the run ends: only for a dump whose data (not
        // its zeros) takes at most an eighth of this machine's memory; others are streamed to disk.
        let physical = UInt64(max(0, sysconf(Int32(_SC_PHYS_PAGES)))) &* UInt64(max(0, sysconf(Int32(_SC_PAGESIZE))))
        guard written <= physical / 8 else { return nil }
        // Worth it only for a file mostly of zeros (a dump of free memory): a vmlinux or a
        // kdump file (already compressed page by page) is better streamed to disk.
        guard written <= size / 2 else { return nil }

        // Anonymous memory: pages never written (the holes) cost nothing.
        guard let m = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), m != MAP_FAILED
        else { return nil }
        po_guard_mapping(m, total, path)
        let huge = UInt64(2 << 20)
        let base = UInt64(UInt(bitPattern: m))
        for (a, e) in extents where e > a && e - a >= huge {
            // Whole 2 MiB pages of the address space inside [a, e).
            let lo = (base &+ a &+ huge &- 1) / huge * huge
            let hi = (base &+ min(e, UInt64(total))) / huge * huge
            if hi > lo { _ = madvise(UnsafeMutableRawPointer(bitPattern: UInt(lo)), Int(hi - lo), MADV_HUGEPAGE) }
        }
        guard let dctx = ZSTD_createDCtx() else {
            po_unguard_mapping(m)
            munmap(m, total)
            return nil
        }
        defer { ZSTD_freeDCtx(dctx) }
        var out = 0
        var ok = ZSTD_isError(ZSTD_decompressBegin(dctx)) == 0
        while ok {
            let h = le(p, 3)
            let type = (h >> 1) & 3
            let n = Int(h >> 3)
            p += 3
            let dst = m + out
            if type == 2 || (type == 1 && b[p] != 0) || (type == 0 && n > 0) {
                // One call faults in the block's pages, rather than one fault per page.
                let start = out & ~4095
                let end = min(total, out + (type == 2 ? 1 << 17 : n))
                if end > start { _ = madvise(m + start, end - start, 23) }  // MADV_POPULATE_WRITE (5.14+); fails harmlessly before
            }
            switch type {
            case 0:
                guard n <= total - out else {
                    ok = false
                    break
                }
                dst.copyMemory(from: b.baseAddress! + p, byteCount: n)
                _ = ZSTD_insertBlock(dctx, dst, n)
                out += n
                p += n
            case 1:
                guard n <= total - out else {
                    ok = false
                    break
                }
                if b[p] != 0 { memset(dst, Int32(b[p]), n) }  // zeros stay a hole
                _ = ZSTD_insertBlock(dctx, dst, n)
                out += n
                p += 1
            default:
                let r = ZSTD_decompressBlock(dctx, dst, min(total - out, 1 << 17), b.baseAddress! + p, n)
                guard ZSTD_isError(r) == 0, r <= total - out else {
                    ok = false
                    break
                }
                out += r
                p += n
            }
            if h & 1 != 0 { break }
        }
        guard ok, out == total else {
            po_unguard_mapping(m)
            munmap(m, total)
            return nil
        }
        _ = mprotect(m, total, PROT_READ)
        return UnsafeRawBufferPointer(start: m, count: total)
    }

    /// Maps two files at once, the second on another thread: unpacking a compressed vmcore
    /// and its vmlinux takes two cores instead of one after the other. The first's error wins.
    public static func pair(_ first: String, _ second: String) throws -> (MappedFile, MappedFile) {
        // Written by the thread before `done.signal()`, read here after `done.wait()`.
        let box = Handoff<Result<MappedFile, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = Result { try MappedFile(path: second) }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        let a = Result { try MappedFile(path: first) }
        done.wait()
        return (try a.get(), try box.value!.get())
    }

    /// Maps the file open at `fd` (the caller closes it); `name` is used in messages.
    public init(fd: Int32, name: String) throws {
        path = name
        bytes = try MappedFile.map(fd, name: name)
    }

    /// A private anonymous mapping holding a copy of `bytes` (tests and fuzzers: no file).
    public init(copying bytes: UnsafeRawBufferPointer, name: String) throws {
        path = name
        let size = max(1, bytes.count)
        let m = try Syscall.mmap(size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, name: name, role: .input)
        if bytes.count > 0 { m.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        self.bytes = UnsafeRawBufferPointer(start: m, count: bytes.count)
    }

    static func map(_ fd: Int32, name: String) throws -> UnsafeRawBufferPointer {
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { throw InputError(.unreadable, input: name, "empty or unreadable") }
        guard let size = Int(exactly: st.st_size) else { throw InputError(.unreadable, input: name, "too large to map") }
        let m = try Syscall.mmap(size, PROT_READ, MAP_PRIVATE, fd, name: name, role: .input)
        po_guard_mapping(m, size, name)
        return UnsafeRawBufferPointer(start: m, count: size)
    }

    /// A page of zeros, to compare with.
    static let zeroPage = [UInt8](repeating: 0, count: 4096)

    /// Writes `n` bytes at file offset `at`, leaving out the whole pages of zeros: they stay
    /// holes that read as zeros (a memory dump is mostly free pages), so unpacking writes
    /// only what the dump holds.
    static func writeSparse(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, at: Int, unpacking path: String) throws {
        var i = 0
        var run = -1  // start of the pending run of bytes to write
        while i < n {
            let pageEnd = min(n, (at + i) / 4096 * 4096 + 4096 - at)
            let zero = pageEnd - i == 4096 && zeroPage.withUnsafeBytes { memcmp(p + i, $0.baseAddress!, 4096) == 0 }
            if zero {
                if run >= 0 { try pwriteAll(fd, p + run, i - run, at: at + run, unpacking: path) }
                run = -1
            } else if run < 0 {
                run = i
            }
            i = pageEnd
        }
        if run >= 0 { try pwriteAll(fd, p + run, n - run, at: at + run, unpacking: path) }
    }

    static func pwriteAll(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int, at: Int, unpacking path: String) throws {
        try Syscall.pwriteAll(fd, p, n, at: at, name: path, doing: unpacking, role: .temporary)
    }

    /// What a failed write to the temporary file was doing, in its message.
    static let unpacking = "cannot unpack it into a temporary file"

    /// A new temporary file in `$TMPDIR`, open for reading and writing and already unlinked:
    /// it goes away with its last descriptor or mapping, however the process ends.
    public static func temporaryFile(for path: String) throws -> Int32 {
        let dir = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let (fd, name) = try Syscall.mkstemp(
            "\(dir)/page-owner-sort-XXXXXX", name: path, doing: "cannot create a temporary file in \(dir) to unpack it",
            role: .temporary)
        unlink(name)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    deinit {
        po_unguard_mapping(bytes.baseAddress)
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), max(1, bytes.count))
    }
}
