// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the address of an
// array element, handed to the CPU's prefetch.
import CShims

extension Array {
    /// Starts loading element `i` (nothing when out of range), for a read a little later:
    /// loops that visit 10^5 and more entries in an order of their own (a report's rows) start
    /// each entry's load a few iterations ahead, so the read does not wait for memory.
    @inlinable @inline(__always)
    func prefetch(_ i: Int) {
        guard i >= 0 && i < count else { return }
        withUnsafeBufferPointer { po_prefetch($0.baseAddress! + i, MemoryLayout<Element>.stride) }
    }
}
