// libFuzzer harness: the decompression layer (ZstdSource, GzipSource) over MemorySource.
// Any input must end in bytes or an InputError, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Give each decoder its magic so the fuzzer reaches the decoding, not only the sniffing.
    let inputs: [(Bool, [UInt8])] = [
        (true, [0x28, 0xB5, 0x2F, 0xFD] + bytes), (false, [0x1F, 0x8B] + bytes), (true, bytes), (false, bytes),
    ]
    var buf = [UInt8](repeating: 0, count: 4096)
    for (zstd, input) in inputs {
        do {
            let src: ByteSource = zstd ? try ZstdSource(MemorySource(input)) : try GzipSource(MemorySource(input))
            var total = 0
            while true {
                let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                if n == 0 { break }
                total += n
                if total > 64 << 20 { break }
            }
        } catch is InputError {
        } catch {
            fatalError("unexpected error \(error)")
        }
    }
    return 0
}
