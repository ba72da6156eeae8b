// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the buffer of newline
// positions it hands the parser (`LineEnds`).
/// Finds where records begin and end inside a chunk: a record runs from its first line
/// through the newline of its last line; blank lines (`\n` or `\r\n`) separate records.
/// One `memchr` per line, and it counts lines as it goes, so line numbers cost nothing.
///
/// One of the places unsafe code lives: it owns the buffer of newline positions it hands
/// the parser (`LineEnds`), grown by hand.
@usableFromInline
struct RecordSplitter {
    @usableFromInline let base: ByteView
    @usableFromInline let end: Int
    @usableFromInline var pos: Int
    /// Lines passed so far in this range (0-based count of newlines before `pos`).
    @usableFromInline var lines = 0
    /// Newline positions of the last record returned, for the parser.
    @usableFromInline var ends: UnsafeMutablePointer<Int>
    @usableFromInline var endCount = 0
    @usableFromInline var endCapacity = 64

    @inlinable
    init(_ base: ByteView, from: Int, to: Int) {
        self.base = base
        pos = from
        end = to
        ends = UnsafeMutablePointer<Int>.allocate(capacity: endCapacity)
    }

    /// The newline positions of the last record returned (`next`), read by the parser.
    @usableFromInline
    struct LineEnds {
        @usableFromInline let ends: UnsafePointer<Int>
        @usableFromInline let count: Int
        @inlinable init(_ ends: UnsafePointer<Int>, _ count: Int) {
            self.ends = ends
            self.count = count
        }
        @inlinable subscript(i: Int) -> Int {
            @inline(__always) get {
                assert(i >= 0 && i < count)
                return ends[i]
            }
        }
    }

    /// The newline positions of the last record returned, valid until the next call.
    @inlinable var lineEnds: LineEnds { LineEnds(ends, endCount) }

    /// Frees the line-end buffer.
    func release() { ends.deallocate() }

    @inlinable
    mutating func noteEnd(_ nl: Int) {
        if endCount == endCapacity {
            let bigger = UnsafeMutablePointer<Int>.allocate(capacity: endCapacity * 2)
            bigger.update(from: ends, count: endCount)
            ends.deallocate()
            ends = bigger
            endCapacity *= 2
        }
        ends[endCount] = nl
        endCount += 1
    }

    /// Moves past blank lines (`\n` or `\r\n`).
    @inlinable
    mutating func skipBlank() {
        while pos < end {
            let c = base[pos]
            if c == 10 {
                pos += 1
                lines += 1
                continue
            }
            if c == 13 && pos + 1 < end && base[pos + 1] == 10 {
                pos += 2
                lines += 1
                continue
            }
            break
        }
    }

    /// The next record as `[start, stop)` and the 0-based line index of its first line.
    @inlinable
    mutating func next() -> (start: Int, stop: Int, line: Int)? {
        skipBlank()
        if pos >= end { return nil }
        let start = pos
        let line = lines
        var p = pos
        endCount = 0
        while true {
            let nl = Bytes.find(10, base, p, end)
            if nl >= end {
                pos = end
                return (start, end, line)
            }
            noteEnd(nl)
            lines += 1
            p = nl + 1
            if p >= end || base[p] == 10 || (base[p] == 13 && p + 1 < end && base[p + 1] == 10) {
                pos = p
                return (start, p, line)
            }
        }
    }

    /// A record boundary at or after `target` (the start of a line after a blank line), or `end`.
    static func boundary(_ base: ByteView, near target: Int, _ end: Int) -> Int {
        var p = target
        while p < end {
            let nl = Bytes.find(10, base, p, end)
            if nl + 1 >= end { return end }
            let q = nl + 1
            if base[q] == 10 { return q + 1 }
            if base[q] == 13 && q + 1 < end && base[q + 1] == 10 { return q + 2 }
            p = q
        }
        return end
    }
}
