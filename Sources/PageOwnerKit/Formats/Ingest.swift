// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the workers' result
// slots.
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Something that takes parsed records: one per parsing worker.
public protocol RecordConsumer: AnyObject {
    func consume(_ r: inout Record) throws
    /// Called with each record as it is parsed, a few records before `consume`
    /// (`RecordRing`): a chance to start loading what consuming it will touch (a cache miss
    /// then overlaps the work on the records before it).
    func prepare(_ r: inout Record)
    /// Runs the parse loop of one range: `loop` calls `step` once for each record parsed,
    /// with the ring of the last records (see `ConsumeStep`): the consumer prepares the
    /// newest and consumes the oldest once it is due. A consumer whose state is one struct
    /// (`Aggregator`) keeps one access to it for the whole range, not one a record.
    func consumeRange(_ loop: (_ step: ConsumeStep) throws -> Void) throws
    /// Called after the last record of a parsed range: a consumer that holds records back
    /// (`Aggregator.consume`) settles them.
    func finish()
}

extension RecordConsumer {
    public func prepare(_ r: inout Record) {}
    public func consumeRange(_ loop: (_ step: ConsumeStep) throws -> Void) throws {
        try loop { ring in
            prepare(&ring[back: 0])
            if ring.oldestIsDue { try consume(&ring[back: RecordRing.depth - 1]) }
        }
    }
    public func finish() {}
}

/// One step of the parse loop (`RecordConsumer.consumeRange`), with the ring of the last
/// records parsed: prepare the newest (`ring[back: 0]`) and, when `ring.oldestIsDue`,
/// consume the oldest (`ring[back: RecordRing.depth - 1]`), which then leaves the loop's
/// hands. Records are consumed in input order.
public typealias ConsumeStep = (_ ring: RecordRing) throws -> Void

/// A consumer made of a closure (single-worker use).
public final class ClosureConsumer: RecordConsumer {
    let body: (inout Record) throws -> Void
    public init(_ body: @escaping (inout Record) throws -> Void) { self.body = body }
    public func consume(_ r: inout Record) throws { try body(&r) }
}

/// Reads one input stream to its end: chunks it, parses every record, detects the format
/// from the first record, and hands each usable record to `body`. Malformed records are
/// skipped and counted (or, when `strict`, end the run with an error naming the line).
///
/// With `workers > 1` each chunk is cut at a record boundary and its parts are parsed on
/// that many threads at once; `body` gets the worker index, so each worker feeds its own
/// consumer (merged by the caller at the end). Record `offset`s keep input order.
public final class Ingest {
    public var diagnostics = Diagnostics()
    public let strict: Bool
    /// Forces a format instead of detecting it.
    public var forcedFormat: InputFormat?
    public internal(set) var format: InputFormat?
    public internal(set) var records: Int64 = 0
    public internal(set) var fields: RecordFields = []
    public internal(set) var bytes: Int = 0
    public var chunkSize = 8 << 20
    /// Chunk size when workers take whole chunks (see `runPipelined`).
    public var pipelineChunkSize = 4 << 20
    public var maxRecord = 64 << 20
    /// Fail with a format error when the input had records but none of a known format.
    public var requireUsable = false
    /// Threads that parse at once (1 = all on the calling thread).
    public var workers = 1
    /// Chunks smaller than this are parsed by one worker.
    public var parallelThreshold = 1 << 20

    public init(strict: Bool = false, format: InputFormat? = nil) {
        self.strict = strict
        self.forcedFormat = format
    }

    /// What one worker saw in its part of a chunk.
    struct Part {
        var diagnostics = Diagnostics()
        var records: Int64 = 0
        var fields: RecordFields = []
        var lines = 0
        var error: Error?
    }

    /// Parses `source` on one thread, calling `body` for each usable record.
    public func run(_ source: ByteSource, _ body: (inout Record) throws -> Void) throws {
        try withoutActuallyEscaping(body) { b in
            try run(source, consumers: [ClosureConsumer(b)])
        }
    }

    /// Parses `source` with one worker per consumer; worker `w` feeds `consumers[w]`.
    /// Records reach each consumer in input order; `Record.offset` orders them across consumers.
    public func run(_ source: ByteSource, consumers: [RecordConsumer]) throws {
        workers = consumers.count
        if workers > 1 && source.mapped() == nil {
            try runPipelined(source, consumers: consumers)
            return
        }
        let chunker = Chunker(source: source, chunkSize: chunkSize, maxRecord: maxRecord)
        let name = source.name
        var expected = forcedFormat
        var offset: Int64 = 0
        var nextLine = 1
        let pool = workers > 1 ? WorkerPool(count: workers) : nil
        try chunker.forEachChunk { chunk in
            guard chunk.count > 0 else { return }
            let base = ByteView(chunk)
            let n = chunk.count
            let crlf = chunker.crlf
            let mapped = chunker.mapped
            // The first usable record decides the format: find it before cutting the chunk.
            if expected == nil && workers > 1 && n >= parallelThreshold {
                expected = Ingest.firstFormat(base, min(n, Ingest.window), crlf: crlf)
            }
            let parallel = workers > 1 && n >= parallelThreshold && expected != nil
            // A few parts a worker, taken in input order by whichever worker is free: a
            // worker slowed down (another process on its core) leaves the other parts to
            // the rest instead of making everyone wait for its half. Each worker takes
            // ever later parts, so its consumer still sees records in input order.
            var cuts = [0]
            if parallel {
                for near in Ingest.partEnds(n, workers: workers, minimum: parallelThreshold).dropLast() {
                    cuts.append(max(RecordSplitter.boundary(base, near: near, n), cuts.last!))
                }
            }
            cuts.append(n)
            let parts = cuts.count - 1
            var results = [Part](repeating: Part(), count: parts)
            let fixedExpected = expected
            let chunkOffset = offset
            func work(_ p: Int, _ consumer: RecordConsumer) -> Part {
                var part = Part()
                var exp = fixedExpected
                do {
                    // Records address their bytes with 32-bit offsets: a part larger than
                    // `window` (a big mapped file) is parsed a window at a time.
                    var ws = cuts[p]
                    while ws < cuts[p + 1] {
                        let we =
                            cuts[p + 1] - ws > Ingest.window
                            ? RecordSplitter.boundary(base, near: ws + Ingest.window, cuts[p + 1]) : cuts[p + 1]
                        try self.parseRange(
                            base.slice(ws, we), 0, we - ws, crlf: crlf, offset: chunkOffset + Int64(ws), name: name, expected: &exp, part: &part,
                            consumer, dropBehind: mapped)
                        ws = we
                    }
                } catch {
                    part.error = error
                }
                if p == 0 && fixedExpected == nil { expected = exp }
                return part
            }
            if parts == 1 {
                results[0] = work(0, consumers[0])
            } else {
                let next = PartCounter()
                results.withUnsafeMutableBufferPointer { res in
                    let r = res
                    withoutActuallyEscaping(work) { work in
                        pool!.run(parts: min(workers, parts)) { w in
                            while let i = next.take(below: parts) { r[i] = work(i, consumers[w]) }
                        }
                    }
                }
            }
            // Merge in input order; line numbers become absolute.
            for part in results { nextLine = try absorb(part, at: nextLine) }
            offset += Int64(n)
        } tooLong: { lead in
            try tooLong(at: nextLine + lead, name: name)
        } dropped: { lines in
            nextLine += lines
        }
        try finish(bytes: chunker.bytesRead, format: expected, name: name)
    }

    /// Adds what a worker saw in a part that starts at input line `line`, in input order:
    /// its line numbers become absolute, and its error is thrown. Returns the line after it.
    func absorb(_ part: Part, at line: Int) throws -> Int {
        var part = part
        part.diagnostics.shiftLines(by: line - 1)
        if let e = part.error {
            if var ie = e as? InputError, let l = ie.line {
                ie.line = l + line - 1
                throw ie
            }
            throw e
        }
        diagnostics.merge(part.diagnostics)
        records += part.records
        fields.formUnion(part.fields)
        return line + part.lines
    }

    /// An over-long record at input line `line`: skipped and counted, or the error.
    func tooLong(at line: Int, name: String) throws {
        let msg = "record longer than \(maxRecord) bytes"
        if strict { throw InputError(.malformed, input: name, line: line, msg) }
        diagnostics.skip("too-long", input: name, line: line, msg)
    }

    /// Notes what was read and, with `requireUsable`, refuses an input of no known format.
    func finish(bytes: Int, format: InputFormat?, name: String) throws {
        self.bytes = bytes
        self.format = format
        if requireUsable && records == 0 && diagnostics.skippedTotal > 0 {
            let first = diagnostics.examples.first
            throw InputError(
                .format, input: name, line: first?.line,
                "no record of a known format (page_owner, swap_page_owner, show_stacks, show_handles, show_stacks_handles); the first block says: \(first?.message ?? "?")"
            )
        }
    }

    /// The format of the first usable record in `[0, n)` of `base`, or nil when there is none.
    static func firstFormat(_ base: ByteView, _ n: Int, crlf: Bool) -> InputFormat? {
        var probe = RecordSplitter(base, from: 0, to: n)
        defer { probe.release() }
        var r = Record()
        let parser = RecordParser()
        while let (a, b, _) = probe.next() {
            if parser.parse(base, a, b, crlf: crlf, into: &r) == nil { return InputFormat(kind: r.kind) }
        }
        return nil
    }

    /// Where the parts of a chunk of `n` bytes end (before moving to record boundaries), for
    /// `workers` workers: ever smaller parts (guided scheduling), each a `1 / (2 * workers)`
    /// of what is left and at least `n / (32 * workers)` bytes, or `minimum` (the parallel
    /// threshold; at most `n / (2 * workers)`, so a small chunk still splits). The big parts
    /// come first and keep every worker busy; the small last ones let the workers finish
    /// together. Equal parts (4 a worker, before) left one worker parsing alone for about
    /// half a part at the end: 0.1 s of a 1 GB report's 0.8 s on two workers.
    static func partEnds(_ n: Int, workers: Int, minimum: Int) -> [Int] {
        let w = max(workers, 1)
        let least = max(n / (32 * w), min(minimum, n / (2 * w)), 1)
        var ends: [Int] = []
        var at = 0
        while at < n {
            let rest = n - at
            let size = max(rest / (2 * w), least)
            at += min(size, rest)
            ends.append(at)
        }
        return ends
    }

    /// Hands out part numbers 0, 1, 2… to the workers of one chunk, each once.
    final class PartCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0

        /// The next part number below `count`, or nil when every part is taken.
        func take(below count: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }

    /// The most bytes one `parseRange` call takes (record offsets are 32-bit).
    static let window = 1 << 30

    /// Parses the records of `[from, to)`, counting lines on from `part.lines`.
    func parseRange(
        _ base: ByteView, _ from: Int, _ to: Int, crlf: Bool, offset: Int64, name: String,
        expected: inout InputFormat?, part: inout Part, _ consumer: RecordConsumer, dropBehind: Bool = false
    ) throws {
        let parser = RecordParser()
        // The last records parsed (`RecordRing`): each is consumed a few records after it is
        // parsed, so what `prepare` and the steps after it start loading arrives in time.
        var ring = RecordRing()
        // CRLF input takes the careful path for every record; one scan for NUL bytes over the
        // whole range then spares one per record. Otherwise records take the fast path, which
        // sees every byte and hands any record with a NUL to the careful path.
        let fast = !crlf
        let mayHoldNUL = fast || base.containsNUL(from, to)
        var splitter = RecordSplitter(base, from: from, to: to)
        splitter.lines = part.lines
        // A mapped file's pages are let go every `dropStep` bytes once parsed.
        let dropStep = 8 << 20
        var dropped = from
        // Records (and a mapped file's bytes) reach the progress line a step at a time.
        var reported = part.records
        defer {
            ProgressLine.count(bytes: dropBehind ? to - dropped : 0, records: Int(part.records - reported))
            ring.release()
            part.lines = splitter.lines
            splitter.release()
            if dropBehind { Chunker.dropPages(base, dropped, to) }
        }
        // The consumer runs the loop, so it can hold its state for the whole range.
        try consumer.consumeRange { step in
            while true {
                splitter.skipBlank()
                if dropBehind && splitter.pos - dropped >= dropStep {
                    let was = dropped
                    // The oldest record not consumed yet still reads its bytes.
                    let keep = ring.oldestIsDue ? RecordRing.depth - 2 : ring.held - 1
                    dropped = Chunker.dropPages(base, dropped, keep >= 0 ? Int(ring[back: keep].whole.start) : splitter.pos)
                    ProgressLine.count(bytes: dropped - was, records: Int(part.records - reported))
                    reported = part.records
                }
                if splitter.pos >= to { break }
                let start = splitter.pos
                let record = ring.next
                let line = splitter.lines
                var problem: ParseProblem?
                if fast, let (stop, lines) = parser.parseFast(base, start, to, into: &record.pointee) {
                    splitter.pos = stop
                    splitter.lines += lines
                } else {
                    guard let (_, stop, _) = splitter.next() else { break }
                    problem = parser.parse(
                        base, start, stop, crlf: crlf, lineEnds: splitter.lineEnds, mayHoldNUL: mayHoldNUL,
                        into: &record.pointee)
                }
                // `line` is 0-based within the part; stored 1-based, shifted later.
                if let problem {
                    if strict { throw InputError(.malformed, input: name, line: line + 1, problem.description) }
                    part.diagnostics.skip(problem.kindName, input: name, line: line + 1, problem.description)
                    continue
                }
                let f = InputFormat(kind: record.pointee.kind)
                if let e = expected {
                    if e != f {
                        let msg = "expected a \(e.rawValue) record, found a \(f.rawValue) block (mixed formats)"
                        if strict { throw InputError(.format, input: name, line: line + 1, msg) }
                        part.diagnostics.skip("mixed-format", input: name, line: line + 1, msg)
                        continue
                    }
                } else {
                    expected = f
                }
                if record.pointee.unknownLines > 0 { part.diagnostics.warn("unknown-line", count: Int(record.pointee.unknownLines)) }
                if record.pointee.kind == .pageOwner && !record.pointee.fields.contains(.pfnLine) { part.diagnostics.warn("no-pfn-line") }
                part.fields.formUnion(record.pointee.fields)
                part.records += 1
                record.pointee.offset = offset + Int64(start)
                record.pointee.line = line + 1
                ring.advance()
                try step(ring)
            }
        }
        // The records still held, oldest first (the one due at the last step was consumed).
        let left = ring.oldestIsDue ? RecordRing.depth - 1 : ring.held
        for back in stride(from: left - 1, through: 0, by: -1) { try consumer.consume(&ring[back: back]) }
        consumer.finish()
    }
}
