// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): zlib's `deflate` (a C
// shim) and the parts' output slots.
import CZlib
import Glibc

/// Compresses bytes into one gzip member with zlib's `deflate` (what pprof files are).
///
/// The input is cut into 1 MiB parts that are deflated on all cores at once, pigz's way:
/// each part is a raw deflate stream primed with the 32 KiB before it
/// (`deflateSetDictionary`) and ended on a byte boundary (`Z_SYNC_FLUSH`, the last one
/// `Z_FINISH`), so the parts joined are one deflate stream, compressed as well as one pass
/// would. The part size is fixed, so the bytes do not depend on the number of threads.
enum GzipWriter {
    static let partSize = 1 << 20
    static let window = 32 * 1024

    /// The gzip file of `bytes`. `level` is zlib's 1 (fast) … 9 (small); 1 by default, as
    /// Go's runtime/pprof writes its profiles (`gzip.BestSpeed`): a profile of 100,000
    /// samples compresses in a third of the time of level 6, for a few percent more bytes.
    static func compress(_ bytes: [UInt8], level: Int32 = 1, threads: Int = InputOptions.machineThreads) throws -> [UInt8] {
        let n = bytes.count
        let parts = max(1, (n + partSize - 1) / partSize)
        var outs = [[UInt8]](repeating: [], count: parts)
        var crcs = [uLong](repeating: 0, count: parts)
        var status = [Int32](repeating: Z_OK, count: parts)
        // Each part writes only its own elements, through the buffers (no array is
        // resized or copied while the threads run).
        bytes.withUnsafeBytes { src in
            outs.withUnsafeMutableBufferPointer { o in
                crcs.withUnsafeMutableBufferPointer { c in
                    status.withUnsafeMutableBufferPointer { st in
                        let (outs, crcs, status) = (o, c, st)
                        let work: (Int) -> Void = { p in
                            let start = p * partSize
                            let end = min(n, start + partSize)
                            let base = src.baseAddress?.assumingMemoryBound(to: Bytef.self)
                            crcs[p] = crc32(0, base.map { $0 + start }, uInt(end - start))
                            (status[p], outs[p]) = deflatePart(src, start, end, level: level, last: p == parts - 1)
                        }
                        let t = max(1, min(threads, parts))
                        if t == 1 {
                            for p in 0..<parts { work(p) }
                        } else {
                            WorkerPool(count: t).run(parts: t) { w in
                                var p = w
                                while p < parts {
                                    work(p)
                                    p += t
                                }
                            }
                        }
                    }
                }
            }
        }
        if let bad = status.first(where: { $0 != Z_OK }) {
            throw OutputError(path: "gzip", "zlib deflate failed (error \(bad))")
        }
        var crc: uLong = 0
        for p in 0..<parts {
            let len = min(n, (p + 1) * partSize) - p * partSize
            crc = p == 0 ? crcs[0] : crc32_combine(crc, crcs[p], off_t(len))
        }
        var out: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, level == 1 ? 4 : (level == 9 ? 2 : 0), 3]
        out.reserveCapacity(10 + outs.reduce(0) { $0 + $1.count } + 8)
        for o in outs { out.append(contentsOf: o) }
        for v in [UInt32(truncatingIfNeeded: crc), UInt32(truncatingIfNeeded: n)] {
            for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
        }
        return out
    }

    /// Deflates `src[start..<end]` as a raw stream primed with the window before it;
    /// returns Z_OK or zlib's error, and the bytes.
    private static func deflatePart(_ src: UnsafeRawBufferPointer, _ start: Int, _ end: Int, level: Int32, last: Bool) -> (Int32, [UInt8]) {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // -15: the largest window, no header or trailer (the gzip member has them once).
        let ret = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard ret == Z_OK else { return (ret, []) }
        defer { deflateEnd(stream) }
        let base = src.baseAddress?.assumingMemoryBound(to: Bytef.self)
        if start > 0, let base {
            let from = max(0, start - window)
            let r = deflateSetDictionary(stream, base + from, uInt(start - from))
            guard r == Z_OK else { return (r, []) }
        }
        // deflateBound covers one Z_FINISH call; a sync flush adds a few bytes.
        var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(end - start))) + 64)
        var status = Z_OK
        var produced = 0
        out.withUnsafeMutableBytes { dst in
            stream.pointee.next_in = base.map { UnsafeMutablePointer(mutating: $0 + start) }
            stream.pointee.avail_in = uInt(end - start)
            stream.pointee.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(dst.count)
            status = deflate(stream, last ? Z_FINISH : Z_SYNC_FLUSH)
            produced = dst.count - Int(stream.pointee.avail_out)
            // Everything consumed, and for the last part the stream ended.
            if last ? status != Z_STREAM_END : (status != Z_OK || stream.pointee.avail_in != 0 || stream.pointee.avail_out == 0) {
                if status == Z_OK || status == Z_STREAM_END { status = Z_BUF_ERROR }
            } else {
                status = Z_OK
            }
        }
        out.removeSubrange(produced...)
        return (status, out)
    }
}
