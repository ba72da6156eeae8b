import CZlib

/// Compresses bytes into one gzip member with zlib's `deflate` (what pprof files are).
enum GzipWriter {
    /// The gzip file of `bytes`. `level` is zlib's 1 (fast) … 9 (small); 1 by default, as
    /// Go's runtime/pprof writes its profiles (`gzip.BestSpeed`): a profile of 100,000
    /// samples compresses in a third of the time of level 6, for a few percent more bytes.
    static func compress(_ bytes: [UInt8], level: Int32 = 1) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        // 15 + 16: the largest window, a gzip header and trailer.
        let ret = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard ret == Z_OK else { throw OutputError(path: "gzip", "cannot initialise zlib (error \(ret))") }
        defer { deflateEnd(stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(stream, uLong(bytes.count))) + 32)
        var produced = 0
        var status = Z_OK
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(src.count)
                stream.pointee.next_out = dst.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(dst.count)
                // deflateBound is enough for one Z_FINISH call.
                status = deflate(stream, Z_FINISH)
                produced = dst.count - Int(stream.pointee.avail_out)
            }
        }
        guard status == Z_STREAM_END else { throw OutputError(path: "gzip", "zlib deflate failed (error \(status))") }
        out.removeSubrange(produced...)
        return out
    }
}
