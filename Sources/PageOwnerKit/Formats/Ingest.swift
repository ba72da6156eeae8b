/// Reads one input stream to its end: chunks it, parses every record, detects the format
/// from the first record, and hands each usable record to `body`. Malformed records are
/// skipped and counted (or, when `strict`, end the run with an error naming the line).
public final class Ingest {
    public var diagnostics = Diagnostics()
    public let strict: Bool
    /// Forces a format instead of detecting it.
    public var forcedFormat: InputFormat?
    public private(set) var format: InputFormat?
    public private(set) var records: Int64 = 0
    public private(set) var fields: RecordFields = []
    public private(set) var bytes: Int = 0
    public var chunkSize = 4 << 20
    public var maxRecord = 64 << 20

    public init(strict: Bool = false, format: InputFormat? = nil) {
        self.strict = strict
        self.forcedFormat = format
    }

    /// Parses `source` to its end, calling `body` for each usable record.
    public func run(_ source: ByteSource, _ body: (inout Record) throws -> Void) throws {
        let chunker = Chunker(source: source, chunkSize: chunkSize, maxRecord: maxRecord)
        let parser = RecordParser()
        var record = Record()
        let name = source.name
        var expected = forcedFormat
        try chunker.forEachChunk { chunk, firstLine in
            guard chunk.count > 0 else { return }
            let base = UnsafePointer(chunk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            var cursor = RecordCursor(chunk, crlf: chunker.crlf)
            // Line numbers are counted lazily, only up to records that need one.
            var linePos = 0
            var line = firstLine
            func lineOf(_ pos: Int) -> Int {
                line += Chunker.countNewlines(base + linePos, pos - linePos)
                linePos = pos
                return line
            }
            while let (start, stop) = cursor.next() {
                if let problem = parser.parse(base, start, stop, crlf: chunker.crlf, into: &record) {
                    let l = lineOf(start)
                    if strict { throw InputError(.malformed, input: name, line: l, problem.description) }
                    diagnostics.skip(problem.kindName, input: name, line: l, problem.description)
                    continue
                }
                let f = InputFormat(kind: record.kind)
                if let e = expected {
                    if e != f {
                        let l = lineOf(start)
                        let msg = "expected a \(e.rawValue) record, found a \(f.rawValue) block (mixed formats)"
                        if strict { throw InputError(.format, input: name, line: l, msg) }
                        diagnostics.skip("mixed-format", input: name, line: l, msg)
                        continue
                    }
                } else {
                    expected = f
                }
                if record.unknownLines > 0 { diagnostics.warn("unknown-line", count: Int(record.unknownLines)) }
                if record.kind == .pageOwner && !record.fields.contains(.pfnLine) { diagnostics.warn("no-pfn-line") }
                fields.formUnion(record.fields)
                records += 1
                try body(&record)
            }
        } tooLong: { line in
            let msg = "record longer than \(maxRecord) bytes"
            if strict { throw InputError(.malformed, input: name, line: line, msg) }
            diagnostics.skip("too-long", input: name, line: line, msg)
        }
        bytes = chunker.bytesRead
        format = expected
    }
}
