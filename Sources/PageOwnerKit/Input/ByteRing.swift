import Foundation

/// The buffers and hand-over state shared by a `ThreadedSource` and its producer thread:
/// a ring of large buffers that the producer fills from the inner source, in order.
///
/// Slots are handed out by two counters: `produced` (filled so far) and `consumed`
/// (given back so far). The producer fills slot `produced % count` while
/// `produced - consumed < count`; the consumer reads slot `consumed % count` while
/// `consumed < produced`. Everything but the slot bytes is guarded by `condition`.
final class ByteRing: @unchecked Sendable {
    let inner: ByteSource
    let condition = NSCondition()
    let slots: [UnsafeMutableRawBufferPointer]
    var lengths: [Int]
    var produced = 0
    var consumed = 0
    /// The producer has reached the end of the inner source (or failed).
    var done = false
    /// What the inner source threw, after the bytes of the last produced slot.
    var failure: (any Error)?
    /// The consumer has gone: the producer stops at its next read.
    var cancelled = false
    /// The producer thread no longer touches the inner source.
    var exited = false

    init(inner: ByteSource, slotCount: Int, slotSize: Int) {
        self.inner = inner
        slots = (0..<slotCount).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: slotSize, alignment: 64)
        }
        lengths = Array(repeating: 0, count: slotCount)
    }

    deinit {
        for s in slots { s.deallocate() }
    }

    /// The producer loop, run on its own thread: fills free slots until the end of the
    /// inner source, an error, or cancellation.
    func produce() {
        let count = slots.count
        while true {
            condition.lock()
            while produced - consumed >= count && !cancelled { condition.wait() }
            if cancelled {
                exited = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let index = produced % count
            condition.unlock()

            let slot = slots[index]
            var filled = 0
            var end = false
            var error: (any Error)?
            while filled < slot.count {
                do {
                    let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: slot[filled...]))
                    if n == 0 {
                        end = true
                        break
                    }
                    filled += n
                } catch let e {
                    error = e
                    end = true
                    break
                }
                if isCancelled() { break }
            }

            condition.lock()
            lengths[index] = filled
            produced += 1
            if end {
                done = true
                failure = error
                exited = true
            }
            condition.broadcast()
            condition.unlock()
            if end { return }
        }
    }

    func isCancelled() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Stops the producer and waits until it no longer uses the inner source.
    func cancelAndWait() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !exited { condition.wait() }
        condition.unlock()
    }
}
