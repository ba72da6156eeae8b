// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): zstd's
// `ZSTD_decompressStream` (a C shim) over the caller's buffers.
import CZstd

/// Decompresses a zstd stream (one or more concatenated frames, skippable frames
/// included) read from another source, with `ZSTD_decompressStream`.
///
/// A stream that ends inside a frame is an error, never a short dump.
public final class ZstdSource: ByteSource {
    let inner: ByteSource
    let stream: OpaquePointer
    /// Reusable compressed-input buffer of `ZSTD_DStreamInSize()` bytes.
    let inBuffer: UnsafeMutableRawBufferPointer
    var input: ZSTD_inBuffer
    var innerEOF = false
    var finished = false
    /// The last `ZSTD_decompressStream` result: 0 once a frame is decoded and flushed.
    var lastResult = 0

    public var name: String { inner.name }

    /// - Throws: `InputError(.corrupt)` if the decompression context cannot be created.
    public init(_ inner: ByteSource) throws {
        self.inner = inner
        guard let ds = ZSTD_createDStream() else {
            throw InputError(.corrupt, input: inner.name, "cannot create a zstd decompression context")
        }
        stream = ds
        let initResult = ZSTD_initDStream(ds)
        if ZSTD_isError(initResult) != 0 {
            ZSTD_freeDStream(ds)
            throw InputError(.corrupt, input: inner.name, "corrupt zstd data: " + String(cString: ZSTD_getErrorName(initResult)))
        }
        inBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(ZSTD_DStreamInSize(), 4096), alignment: 64)
        input = ZSTD_inBuffer(src: UnsafeRawPointer(inBuffer.baseAddress!), size: 0, pos: 0)
    }

    deinit {
        ZSTD_freeDStream(stream)
        inBuffer.deallocate()
    }

    /// Decompresses straight into `buffer`; returns 0 only after the last frame is complete.
    /// - Throws: `InputError(.corrupt)` for corrupt or truncated data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 || finished { return 0 }
        var output = ZSTD_outBuffer(dst: buffer.baseAddress!, size: buffer.count, pos: 0)
        while true {
            if input.pos == input.size && !innerEOF {
                let n = try inner.read(into: inBuffer)
                if n == 0 {
                    innerEOF = true
                } else {
                    input.size = n
                    input.pos = 0
                }
            }
            if input.pos == input.size && innerEOF && lastResult == 0 {
                // Every frame is complete and flushed.
                finished = true
                return 0
            }
            // Called even without new input: the decoder may still hold output.
            let ret = ZSTD_decompressStream(stream, &output, &input)
            if ZSTD_isError(ret) != 0 {
                throw InputError(.corrupt, input: name, "corrupt zstd data: " + String(cString: ZSTD_getErrorName(ret)))
            }
            lastResult = ret
            if output.pos > 0 { return output.pos }
            if input.pos == input.size && innerEOF && ret != 0 {
                // No output, no input left, and the frame is not complete.
                throw InputError(.corrupt, input: name, "zstd data is truncated")
            }
        }
    }
}
