// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the buffer of records the
// parse loop holds, reached in place (no record copied) by how far back they are.
/// The last records the parse loop parsed, newest first (`Ingest.parseRange`): a record is
/// consumed `depth - 1` records after it is parsed, so a consumer can start loading what
/// consuming it will read in steps as it moves through the ring (`Aggregator`'s stack
/// lookup takes three).
public struct RecordRing {
    /// How many records the ring holds (a power of two: a slot is a mask away).
    public static let depth = 4

    @usableFromInline let base: UnsafeMutablePointer<Record>
    /// Records parsed into the ring so far; the newest is at `(parsed - 1) % depth`.
    @usableFromInline var parsed = 0

    init() {
        base = UnsafeMutablePointer<Record>.allocate(capacity: Self.depth)
        base.initialize(repeating: Record(), count: Self.depth)
    }

    /// Frees the records (the ring is not used afterwards).
    func release() {
        base.deinitialize(count: Self.depth)
        base.deallocate()
    }

    /// How many records the ring holds now (up to `depth`): `self[back: k]` is a record for
    /// `k < held`.
    @inlinable public var held: Int { Swift.min(parsed, Self.depth) }

    /// Whether the oldest record is due: the ring is full, and it is consumed this step.
    @inlinable public var oldestIsDue: Bool { parsed >= Self.depth }

    @inlinable @inline(__always)
    func index(_ back: Int) -> Int { (parsed - 1 - back) & (Self.depth - 1) }

    /// The record `back` records before the newest (0: the newest), in place.
    @inlinable
    public subscript(back k: Int) -> Record {
        @inline(__always) get {
            assert(k >= 0 && k < held, "no such record in the ring")
            return base[index(k)]
        }
        @inline(__always) nonmutating _modify {
            assert(k >= 0 && k < held, "no such record in the ring")
            yield &base[index(k)]
        }
    }

    /// The stack hash of the record `back` records before the newest (0 when none).
    @inlinable @inline(__always)
    public func stackHash(back k: Int) -> UInt64 { k < held ? base[index(k)].stackHash : 0 }

    /// Where the next record is parsed (the slot of the oldest, once it was consumed).
    @inline(__always)
    var next: UnsafeMutablePointer<Record> { base + (parsed & (Self.depth - 1)) }

    /// The record just parsed into `next` joins the ring as its newest.
    @inline(__always)
    mutating func advance() { parsed += 1 }
}
