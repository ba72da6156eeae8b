// libFuzzer harness: the text parser (Chunker + RecordParser via Ingest) over MemorySource,
// lenient and strict, with a small chunk size so records cross chunk ends, on one worker and
// on two (the pipelined path); and, record by record, the fast path against the careful one
// (any difference stops the run). Compiled together with Sources/PageOwnerKit by
// scripts/fuzz.sh (one module, no import).
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for strict in [false, true] {
        for workers in [1, 2] {
            let ingest = Ingest(strict: strict)
            ingest.chunkSize = 64
            ingest.pipelineChunkSize = 64
            ingest.maxRecord = 4096
            let aggs = (0..<workers).map { _ in Aggregator(keys: [.stack, .pid, .comm, .order]) }
            for a in aggs { a.beginSnapshot(name: "fuzz") }
            do {
                try ingest.run(ChunkedSource(MemorySource(bytes, name: "fuzz"), chunk: 13), consumers: aggs)
            } catch is InputError {
            } catch {
                fatalError("unexpected error \(error)")
            }
            _ = ingest.diagnostics.summary()
        }
    }
    if let mismatch = bytes.withUnsafeBufferPointer({ RecordParser.compareFastPath($0) }).mismatch {
        fatalError("fast and careful paths differ: \(mismatch)")
    }
    return 0
}
