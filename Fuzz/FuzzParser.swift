// libFuzzer harness: the text parser (Chunker + RecordParser via Ingest) over MemorySource,
// lenient and strict, with a small chunk size so records cross chunk ends.
// Compiled together with Sources/PageOwnerKit by scripts/fuzz.sh (one module, no import).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for strict in [false, true] {
        let ingest = Ingest(strict: strict)
        ingest.chunkSize = 64
        ingest.maxRecord = 4096
        let agg = Aggregator(keys: [.stack, .pid, .comm, .order])
        agg.beginSnapshot(name: "fuzz")
        do {
            try ingest.run(ChunkedSource(MemorySource(bytes, name: "fuzz"), chunk: 13)) { r in agg.add(&r) }
        } catch is InputError {
        } catch {
            fatalError("unexpected error \(error)")
        }
        _ = ingest.diagnostics.summary()
    }
    return 0
}
