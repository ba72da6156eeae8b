// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): reads into caller
// buffers (a byte source).
/// A source that can show its first bytes without consuming them, so that magic numbers
/// and tar headers can be sniffed before the stream is handed on.
public final class PeekSource: ByteSource {
    let inner: ByteSource
    /// Bytes read ahead by `peek` and not yet handed out by `read`.
    var pending: [UInt8] = []
    var pendingOffset = 0
    /// Whether `inner` has returned 0, so it is never read again after its end.
    var innerEOF = false

    public var name: String { inner.name }

    public init(_ inner: ByteSource) {
        self.inner = inner
    }

    /// The first `count` bytes not yet read (fewer only when the stream ends before).
    /// - Throws: whatever the inner source throws while reading ahead.
    public func peek(_ count: Int) throws -> [UInt8] {
        if pendingOffset > 0 {
            pending.removeFirst(pendingOffset)
            pendingOffset = 0
        }
        if pending.count < count && !innerEOF {
            let have = pending.count
            pending.append(contentsOf: repeatElement(0, count: count - have))
            var filled = have
            defer { pending.removeLast(pending.count - filled) }
            try pending.withUnsafeMutableBytes { all in
                while filled < count {
                    let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: all[filled..<count]))
                    if n == 0 {
                        innerEOF = true
                        break
                    }
                    filled += n
                }
            }
        }
        return Array(pending.prefix(count))
    }

    /// The inner source's mapping, while nothing has been handed out by `read` yet
    /// (peeked bytes are the mapping's first bytes).
    public func mapped() -> UnsafeRawBufferPointer? {
        guard !handedOut, let f = inner as? FileSource else { return nil }
        f.consumed = false
        let m = f.mapped()
        return m
    }

    var handedOut = false

    /// The inner source's limit plus the peeked bytes not handed out yet.
    public var sizeLimit: Int? { inner.sizeLimit.map { $0 + pending.count - pendingOffset } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        handedOut = true
        if buffer.count == 0 { return 0 }
        let left = pending.count - pendingOffset
        if left > 0 {
            let n = min(left, buffer.count)
            pending.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + pendingOffset, byteCount: n)
            }
            pendingOffset += n
            if pendingOffset == pending.count {
                pending.removeAll(keepingCapacity: false)
                pendingOffset = 0
            }
            return n
        }
        if innerEOF { return 0 }
        let n = try inner.read(into: buffer)
        if n == 0 { innerEOF = true }
        return n
    }
}
