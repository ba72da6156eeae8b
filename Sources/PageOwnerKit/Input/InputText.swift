extension Inputs {
    /// `report --as-text`: every input stream (a vmcore's page_owner records as the kernel
    /// prints them, a compressed file decompressed, each dump of an archive) written to
    /// `output` as page_owner text, in input order, through one `OutputSink` (a temporary file
    /// renamed over `output` once all is written; `-` is stdout).
    /// - Throws: `InputError` from reading, `OutputError` from writing.
    public static func writeText(_ inputs: [String], options: InputOptions, to output: String) throws {
        let sink = try OutputSink(path: output)
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        for i in inputs {
            try forEach(path: i, options: options, skipped: { _ in }) { src in
                while true {
                    let n = try buf.withUnsafeMutableBytes { try src.read(into: $0) }
                    if n == 0 { break }
                    try ByteView.with(buf, 0..<n) { try sink.write($0) }
                }
            }
        }
        try sink.commit()
    }
}
