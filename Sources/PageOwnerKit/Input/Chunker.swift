// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the chunk buffers read
// into, `madvise` of a mapping's parsed pages.
import CShims
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts a byte stream into large chunks that hold only whole records (a record ends at a
/// blank line). It reads through one reusable buffer, never the whole input, and grows
/// the buffer only for a record longer than a chunk, up to `maxRecord`.
public final class Chunker {
    let source: ByteSource
    let chunkSize: Int
    let maxRecord: Int
    var buffer: UnsafeMutableRawBufferPointer
    /// Bytes read so far (for messages and `info`).
    public private(set) var bytesRead: Int = 0
    /// Whether the input used CRLF line ends (decided from its first line).
    public private(set) var crlf = false
    var decided = false

    public init(source: ByteSource, chunkSize: Int = 4 << 20, maxRecord: Int = 64 << 20) {
        self.source = source
        self.chunkSize = max(chunkSize, 64)
        self.maxRecord = max(maxRecord, 64)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: self.chunkSize, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with each chunk of whole records, in order. The last chunk may end
    /// without a blank line.
    ///
    /// A record longer than `maxRecord` is never handed out: `tooLong` is called with the
    /// number of blank lines before it (after the last chunk), and its bytes are dropped up
    /// to the next blank line; `dropped` is told how many newlines that removed.
    /// A mapped file (see `ByteSource.mapped`) has no such limit: it needs no buffer.
    public func forEachChunk(
        _ body: (UnsafeRawBufferPointer) throws -> Void,
        tooLong: (Int) throws -> Void = { _ in },
        dropped: (Int) -> Void = { _ in }
    ) throws {
        if let m = source.mapped() {
            try forEachMappedChunk(m, body)
            return
        }
        try forEachChunk(lending: nil, { chunk, _ in try body(chunk) }, tooLong: tooLong, dropped: dropped)
    }

    /// Like `forEachChunk`, but each chunk is lent: `body` gets it with a `release` to call
    /// once done with it, from any thread, and may return before then (the next chunk is
    /// read into another buffer of `pool`, which blocks while all its buffers are out).
    /// With a nil pool, chunks share one buffer and `release` does nothing.
    /// Mapped files are not handled here (see `forEachChunk`).
    public func forEachChunk(
        lending pool: BufferPool?,
        _ body: (UnsafeRawBufferPointer, _ release: @escaping () -> Void) throws -> Void,
        tooLong: (Int) throws -> Void = { _ in },
        dropped: (Int) -> Void = { _ in }
    ) throws {
        if let pool {
            buffer.deallocate()
            buffer = pool.take(chunkSize)
        }
        defer {
            if let pool {
                pool.give(buffer)
                buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 64)
            }
        }
        var filled = 0
        var eof = false
        var discarding = false
        while true {
            // Fill the buffer.
            while !eof && filled < buffer.count {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if n == 0 {
                    eof = true
                } else {
                    filled += n
                    bytesRead += n
                }
            }
            if filled == 0 { return }
            let base = UnsafePointer<UInt8>(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            if discarding {
                // Drop the rest of an over-long record, through the blank line that ends it.
                var drop = filled
                if let e = Chunker.firstBoundary(base, filled) {
                    drop = e
                    discarding = false
                } else if !eof {
                    // Keep a trailing "\n" or "\n\r": the blank line may complete in the next read.
                    if base[filled - 1] == 10 {
                        drop -= 1
                    } else if filled >= 2 && base[filled - 1] == 13 && base[filled - 2] == 10 {
                        drop -= 2
                    }
                }
                dropped(Chunker.countNewlines(base, drop))
                memmove(buffer.baseAddress!, buffer.baseAddress! + drop, filled - drop)
                filled -= drop
                if eof && filled == 0 { return }
                continue
            }
            if !decided {
                let nl = Bytes.find(10, ByteView(start: UnsafePointer(base), count: filled), 0, filled)
                if nl < filled || eof {
                    crlf = nl > 0 && nl < filled && base[nl - 1] == 13
                    decided = true
                }
            }
            var cut: Int
            if eof {
                cut = filled
            } else {
                cut = Chunker.lastBoundary(base, filled)
                if cut == 0 {
                    // No blank line in the whole buffer: one record longer than a chunk.
                    if buffer.count < maxRecord {
                        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, maxRecord), alignment: 64)
                        bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                        buffer.deallocate()  // (a lent buffer's place in its pool passes to `bigger`)
                        buffer = bigger
                        continue
                    }
                    // Over the limit: report the record and drop it whole.
                    var lead = 0
                    var leadLines = 0
                    while lead < filled && (base[lead] == 10 || (base[lead] == 13 && lead + 1 < filled && base[lead + 1] == 10)) {
                        if base[lead] == 10 {
                            leadLines += 1
                            lead += 1
                        } else {
                            leadLines += 1
                            lead += 2
                        }
                    }
                    try tooLong(leadLines)
                    discarding = true
                    continue
                }
            }
            let rest = filled - cut
            if let pool {
                // The chunk goes out in this buffer; the rest moves to a fresh one.
                let lent = buffer
                let next = pool.take(rest > chunkSize / 2 ? rest * 2 : chunkSize)
                if rest > 0 { next.baseAddress!.copyMemory(from: lent.baseAddress! + cut, byteCount: rest) }
                buffer = next
                try body(UnsafeRawBufferPointer(rebasing: lent[0..<cut]), { pool.give(lent) })
            } else {
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<cut]), {})
                if rest > 0 {
                    memmove(buffer.baseAddress!, buffer.baseAddress! + cut, rest)
                }
            }
            if rest == 0 && eof { return }
            filled = rest
            if eof && filled == 0 { return }
        }
    }

    /// A mapped file is one chunk, the whole mapping: no copy, and its parsers split it
    /// between them once. They call `dropPages` behind them as they go, so resident memory
    /// stays flat however large the file is.
    func forEachMappedChunk(_ m: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard m.count > 0 else { return }
        let base = m.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let nl = Bytes.find(10, ByteView(m), 0, m.count)
        crlf = nl > 0 && nl < m.count && base[nl - 1] == 13
        decided = true
        bytesRead = m.count
        mapped = true
        try body(m)
    }

    /// Whether the chunks are views of a mapped file (see `dropPages`).
    public private(set) var mapped = false

    /// Drops the whole pages inside `[from, to)` of a mapped chunk from this process once
    /// they are parsed (they stay in the page cache). A page shared with a neighbouring
    /// range is kept; whoever touches it again simply maps it back.
    /// - Returns: where the dropped pages end (`from` when none was dropped), the place to
    ///   drop from next time.
    @discardableResult
    static func dropPages(_ view: ByteView, _ from: Int, _ to: Int) -> Int {
        let page = 4096
        let start = UInt(bitPattern: view.start + from)
        let end = UInt(bitPattern: view.start + to)
        let a = (start + UInt(page - 1)) / UInt(page) * UInt(page)
        let b = end / UInt(page) * UInt(page)
        guard b > a else { return from }
        _ = madvise(UnsafeMutableRawPointer(bitPattern: a), Int(b - a), MADV_DONTNEED)
        return from + Int(b - start)
    }

    /// The end of the last blank line in `[0, n)`, or 0 when there is none.
    static func lastBoundary(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var end = n
        while end > 0 {
            guard let q = po_memrchr(p, 10, end) else { return 0 }
            let i = p.distance(to: q.assumingMemoryBound(to: UInt8.self))
            if i >= 1 && p[i - 1] == 10 { return i + 1 }
            if i >= 2 && p[i - 1] == 13 && p[i - 2] == 10 { return i + 1 }
            end = i
        }
        return 0
    }

    /// The end of the first blank line in `[0, n)` (`\n\n` or `\n\r\n`), or nil.
    static func firstBoundary(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? {
        var i = 0
        while i < n {
            let j = Bytes.find(10, ByteView(start: p, count: n), i, n)
            if j >= n { return nil }
            if j + 1 < n && p[j + 1] == 10 { return j + 2 }
            if j + 2 < n && p[j + 1] == 13 && p[j + 2] == 10 { return j + 3 }
            i = j + 1
        }
        return nil
    }

    /// Counts the `\n` bytes of a view.
    static func countNewlines(_ v: ByteView) -> Int { countNewlines(v.start, v.count) }

    /// Counts `\n` bytes, eight at a time.
    public static func countNewlines(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        var count = 0
        var i = 0
        let raw = UnsafeRawPointer(p)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
        let nl = ones &* 10
        while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ nl
            // Exactly one high bit per zero byte of w, i.e. per newline.
            let z = ~(((w & lows) &+ lows) | w | lows)
            count += z.nonzeroBitCount
            i += 8
        }
        while i < n {
            if p[i] == 10 { count += 1 }
            i += 1
        }
        return count
    }
}

/// The buffers a `Chunker` lends its chunks in: at most `limit` exist at once; `take`
/// waits for one to come back when all are out. Buffers keep their size; a smaller one
/// than asked for is replaced. `@unchecked Sendable`: `spare` and `out` are read and written
/// under `condition`; `whileWaiting` is set and called by the reading thread alone.
public final class BufferPool: @unchecked Sendable {
    let condition = NSCondition()
    var spare: [UnsafeMutableRawBufferPointer] = []
    var out = 0
    let limit: Int

    public init(limit: Int) { self.limit = max(2, limit) }

    deinit { for b in spare { b.deallocate() } }

    /// Called instead of waiting while all buffers are out; it returns whether it did
    /// something (such as parsing a lent chunk, which gives a buffer back) before `take`
    /// looks again.
    var whileWaiting: (() -> Bool)?

    /// A buffer of at least `size` bytes, waiting while `limit` are out.
    func take(_ size: Int) -> UnsafeMutableRawBufferPointer {
        condition.lock()
        while spare.isEmpty && out >= limit {
            if let help = whileWaiting {
                condition.unlock()
                let did = help()
                condition.lock()
                if did || !(spare.isEmpty && out >= limit) { continue }
            }
            condition.wait()
        }
        out += 1
        let b = spare.popLast()
        condition.unlock()
        if let b {
            if b.count >= size { return b }
            b.deallocate()
        }
        return UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
    }

    /// Gives a taken buffer back.
    func give(_ b: UnsafeMutableRawBufferPointer) {
        condition.lock()
        out -= 1
        spare.append(b)
        condition.signal()
        condition.unlock()
    }
}
