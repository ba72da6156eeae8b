import Foundation

/// Reads another source (typically a decompressor) on a background thread, a few large
/// buffers ahead of the consumer, so that decompression and parsing use two cores.
///
/// Bytes come out in the inner source's order; an error of the inner source is thrown by
/// `read` after every byte the inner source produced before it.
public final class ThreadedSource: ByteSource {
    let ring: ByteRing
    public let name: String
    /// The slot being read by the consumer, if any.
    var holding = false
    var slot = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    var offset = 0
    var length = 0
    var closed = false

    /// One: the producer thread.
    public var backgroundThreads: Int { 1 }

    /// Starts the producer thread.
    /// - Parameters:
    ///   - inner: the source read on the background thread; it must not be used by
    ///     anyone else until this source is closed.
    ///   - bufferCount: buffers in the ring (at least 2).
    ///   - bufferSize: bytes per buffer.
    public init(_ inner: ByteSource, bufferCount: Int = 3, bufferSize: Int = 1 << 20) {
        name = inner.name
        ring = ByteRing(inner: inner, slotCount: max(2, bufferCount), slotSize: max(1, bufferSize))
        let ring = self.ring
        let thread = Thread { ring.produce() }
        thread.name = "page-owner-decode"
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit {
        close()
    }

    /// Stops the background thread and waits until it has left the inner source, which
    /// may then be used again (e.g. a tar reader moving to its next member).
    public func close() {
        if closed { return }
        closed = true
        ring.cancelAndWait()
    }

    /// Copies bytes out of the filled buffers, waiting for the producer when none is ready.
    /// - Throws: the inner source's error, at its position in the stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 || closed { return 0 }
        while true {
            if holding {
                if offset < length {
                    let n = min(length - offset, buffer.count)
                    buffer.baseAddress!.copyMemory(from: slot.baseAddress! + offset, byteCount: n)
                    offset += n
                    return n
                }
                // Give the drained slot back.
                ring.condition.lock()
                ring.consumed += 1
                ring.condition.broadcast()
                ring.condition.unlock()
                holding = false
            }
            ring.condition.lock()
            while ring.produced == ring.consumed && !ring.done { ring.condition.wait() }
            if ring.produced == ring.consumed {
                let failure = ring.failure
                ring.condition.unlock()
                if let failure { throw failure }
                return 0
            }
            let index = ring.consumed % ring.slots.count
            slot = ring.slots[index]
            length = ring.lengths[index]
            offset = 0
            holding = true
            ring.condition.unlock()
        }
    }
}
