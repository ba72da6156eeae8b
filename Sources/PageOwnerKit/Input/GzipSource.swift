// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): zlib's `inflate` (a C
// shim) over the caller's buffers.
import CZlib

/// Decompresses gzip (or zlib) data read from another source with zlib's `inflate`,
/// including files of several concatenated gzip members. Zero bytes after the last
/// member (tape padding) are tolerated.
///
/// A stream that ends inside a member is an error, never a short dump.
public final class GzipSource: ByteSource {
    let inner: ByteSource
    /// Heap-allocated: zlib keeps a pointer back to its `z_stream`.
    let stream: UnsafeMutablePointer<z_stream>
    /// Reusable compressed-input buffer.
    let inBuffer: UnsafeMutableRawBufferPointer
    var innerEOF = false
    var finished = false
    /// Inside a member (its end not yet seen).
    var inMember = false
    /// At least one member was started (the next one needs `inflateReset`).
    var started = false
    /// Only zero bytes may follow.
    var inPadding = false

    public var name: String { inner.name }

    static let inputSize = 128 << 10

    /// - Throws: `InputError(.corrupt)` if zlib cannot be initialised.
    public init(_ inner: ByteSource) throws {
        self.inner = inner
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: the largest window, gzip or zlib header detected automatically.
        let ret = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        if ret != Z_OK {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw InputError(.corrupt, input: inner.name, "cannot initialise zlib (error \(ret))")
        }
        inBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: GzipSource.inputSize, alignment: 64)
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        inBuffer.deallocate()
    }

    func refill() throws {
        let n = try inner.read(into: inBuffer)
        if n == 0 {
            innerEOF = true
        } else {
            stream.pointee.next_in = inBuffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = UInt32(n)
        }
    }

    func corrupt(_ ret: Int32) -> InputError {
        let msg = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(ret)"
        return InputError(.corrupt, input: name, "corrupt gzip data: " + msg)
    }

    /// Inflates straight into `buffer`; returns 0 only after the last member is complete.
    /// - Throws: `InputError(.corrupt)` for corrupt or truncated data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 || finished { return 0 }
        let size = min(buffer.count, 1 << 30)
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(size)
        while true {
            if stream.pointee.avail_in == 0 && !innerEOF { try refill() }
            let produced = size - Int(stream.pointee.avail_out)
            if !inMember {
                if stream.pointee.avail_in == 0 {
                    if !innerEOF { continue }
                    if !started {
                        throw InputError(.corrupt, input: name, "gzip data is truncated")
                    }
                    finished = true
                    return produced
                }
                if started {
                    // After a member: another member, or zero padding to the end.
                    if inPadding || stream.pointee.next_in[0] == 0 {
                        inPadding = true
                        let p = stream.pointee.next_in!
                        let n = Int(stream.pointee.avail_in)
                        for i in 0..<n where p[i] != 0 {
                            throw InputError(.corrupt, input: name, "corrupt gzip data: garbage after the zero padding")
                        }
                        stream.pointee.next_in = p + n
                        stream.pointee.avail_in = 0
                        continue
                    }
                    let r = inflateReset(stream)
                    if r != Z_OK { throw corrupt(r) }
                }
                inMember = true
                started = true
            }
            let ret = inflate(stream, Z_NO_FLUSH)
            let now = size - Int(stream.pointee.avail_out)
            switch ret {
            case Z_STREAM_END:
                inMember = false
                if now > 0 && stream.pointee.avail_out == 0 { return now }
            case Z_OK, Z_BUF_ERROR:
                if now > 0 { return now }
                if stream.pointee.avail_in == 0 && innerEOF {
                    throw InputError(.corrupt, input: name, "gzip data is truncated")
                }
            default:
                throw corrupt(ret)
            }
        }
    }
}
