// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): zstd's
// `ZSTD_compressStream2` (a C shim).
import CZstd

/// Compresses a byte stream with zstd (one frame) into an `OutputSink`.
public final class ZstdWriter {
    let sink: OutputSink
    let cctx: OpaquePointer
    var out = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())

    public init(sink: OutputSink, level: Int32 = 3) throws {
        guard let c = ZSTD_createCCtx() else { throw OutputError(path: sink.path, "cannot start zstd") }
        cctx = c
        self.sink = sink
        _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
    }

    deinit { ZSTD_freeCCtx(cctx) }

    public func write(_ data: UnsafeRawBufferPointer) throws {
        try pump(data, ZSTD_e_continue)
    }

    /// Ends the frame; the sink still needs its own `commit()`.
    public func finish() throws {
        try pump(UnsafeRawBufferPointer(start: nil, count: 0), ZSTD_e_end)
    }

    func pump(_ data: UnsafeRawBufferPointer, _ mode: ZSTD_EndDirective) throws {
        var input = ZSTD_inBuffer(src: data.baseAddress, size: data.count, pos: 0)
        while true {
            let (left, produced): (Int, Int) = out.withUnsafeMutableBytes { o in
                var output = ZSTD_outBuffer(dst: o.baseAddress, size: o.count, pos: 0)
                let r = ZSTD_compressStream2(cctx, &output, &input, mode)
                return (r, output.pos)
            }
            if ZSTD_isError(left) != 0 {
                throw OutputError(path: sink.path, "zstd: " + String(cString: ZSTD_getErrorName(left)))
            }
            if produced > 0 { try ByteView.with(out, 0..<produced) { try sink.write($0) } }
            if mode == ZSTD_e_end ? left == 0 : input.pos == input.size { break }
        }
    }
}
