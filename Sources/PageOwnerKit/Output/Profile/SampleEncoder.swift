// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): protobuf bytes copied
// into one output buffer by parallel parts.
/// Encodes pprof `Sample` messages (the profile's field 2) straight into protobuf bytes,
/// byte for byte as swift-protobuf writes them: fields in number order, packed repeated
/// scalars, scalars equal to 0 left out. A profile has a sample per group (a hundred
/// thousand with the default labels of a large dump); built as messages and serialized by
/// swift-protobuf they cost more than the rest of the profile, so they skip the messages.
///
/// A sample is its stack's `location_id` field, its `value` field, then a `label` field
/// per label. The first and the last repeat across samples, so each is encoded once, as a
/// piece: a stack's location field when a row first holds the stack, a cell's label field
/// when a row first holds the cell (both in row order, which is what gives the string
/// table and the locations their ids). `encode` then writes the samples from the pieces
/// and the values, in parallel parts joined in row order: the bytes do not depend on the
/// number of threads.
struct SampleEncoder {
    /// Bytes `start..<start + count` of `arena`.
    struct Piece {
        var start: Int32
        var count: Int32
    }

    /// Every piece, back to back.
    private(set) var arena: [UInt8] = []

    /// Adds the `location_id` field (field 1, packed uint64) of `ids`.
    mutating func locationPiece(_ ids: [UInt64]) -> Piece {
        let start = arena.count
        if !ids.isEmpty {
            arena.append(0x0a)
            var n = 0
            for id in ids { n += Self.size(id) }
            Self.varint(UInt64(n), into: &arena)
            for id in ids { Self.varint(id, into: &arena) }
        }
        return Piece(start: Int32(start), count: Int32(arena.count - start))
    }

    /// Adds one `label` field (field 3): `key`, `str`, `num`, `num_unit` (string-table
    /// indexes and a number), each left out when 0.
    mutating func labelPiece(key: Int64, str: Int64 = 0, num: Int64 = 0, numUnit: Int64 = 0) -> Piece {
        var body: [UInt8] = []
        for (tag, v) in [(UInt8(0x08), key), (0x10, str), (0x18, num), (0x20, numUnit)] where v != 0 {
            body.append(tag)
            Self.varint(UInt64(bitPattern: v), into: &body)
        }
        let start = arena.count
        arena.append(0x1a)
        Self.varint(UInt64(body.count), into: &arena)
        arena.append(contentsOf: body)
        return Piece(start: Int32(start), count: Int32(arena.count - start))
    }

    /// What `encode` writes a sample of each row from.
    struct Rows {
        /// Per row: its stack's location piece (nil when the keys hold no stack).
        var stacks: [Piece]?
        /// Per row: allocations, pages, bytes.
        var values: [(Int64, Int64, Int64)]
        /// Row `i`'s label of key position `pos` is `cellPieces[cellIDs[i * width + pos]]`,
        /// for each `pos` in `labelPositions`, in that order; then every `extra` piece.
        var cellIDs: [Int32]
        var width: Int
        var labelPositions: [Int]
        var cellPieces: [Piece]
        var extra: [Piece]
    }

    /// The samples of `rows`, encoded, in `threads` parts at most.
    func encode(_ rows: Rows, threads: Int) -> [UInt8] {
        let count = rows.values.count
        let parts = max(1, min(threads, count / 4096))
        var outs = [[UInt8]](repeating: [], count: parts)
        arena.withUnsafeBufferPointer { a in
            outs.withUnsafeMutableBufferPointer { o in
                let outs = o
                let work: (Int) -> Void = { p in
                    let rowRange = (count * p / parts)..<(count * (p + 1) / parts)
                    // The sizes first, then each sample written in place, with no check per byte.
                    var total = 0
                    for i in rowRange { total += Self.sampleSize(rows, i).field }
                    outs[p] = [UInt8](unsafeUninitializedCapacity: total) { out, written in
                        var at = 0
                        for i in rowRange {
                            let (field, body, vn) = Self.sampleSize(rows, i)
                            precondition(at + field <= total, "sample larger than sized")
                            let (x, y, z) = rows.values[i]
                            // Field 2 of the profile: the sample, its fields in number order.
                            out[at] = 0x12
                            at = Self.put(UInt64(body), out, at + 1)
                            if let s = rows.stacks?[i] { at = Self.copy(s, a, out, at) }
                            out[at] = 0x12
                            at = Self.put(UInt64(vn), out, at + 1)
                            at = Self.put(UInt64(bitPattern: x), out, at)
                            at = Self.put(UInt64(bitPattern: y), out, at)
                            at = Self.put(UInt64(bitPattern: z), out, at)
                            let ids = i * rows.width
                            for pos in rows.labelPositions { at = Self.copy(rows.cellPieces[Int(rows.cellIDs[ids + pos])], a, out, at) }
                            for q in rows.extra { at = Self.copy(q, a, out, at) }
                        }
                        precondition(at == total, "samples written as sized")
                        written = at
                    }
                }
                if parts == 1 {
                    work(0)
                } else {
                    WorkerPool(count: parts).run(parts: parts) { work($0) }
                }
            }
        }
        if parts == 1 { return outs[0] }
        var all: [UInt8] = []
        all.reserveCapacity(outs.reduce(0) { $0 + $1.count })
        for o in outs { all.append(contentsOf: o) }
        return all
    }

    /// Row `i`'s sample: its bytes as the profile's field 2 (tag and length included), its
    /// body, and the body of its `value` field.
    @inline(__always)
    private static func sampleSize(_ rows: Rows, _ i: Int) -> (field: Int, body: Int, values: Int) {
        let (x, y, z) = rows.values[i]
        let vn = size(UInt64(bitPattern: x)) + size(UInt64(bitPattern: y)) + size(UInt64(bitPattern: z))
        var n = 1 + size(UInt64(vn)) + vn
        if let s = rows.stacks?[i] { n += Int(s.count) }
        let ids = i * rows.width
        for pos in rows.labelPositions { n += Int(rows.cellPieces[Int(rows.cellIDs[ids + pos])].count) }
        for q in rows.extra { n += Int(q.count) }
        return (1 + size(UInt64(n)) + n, n, vn)
    }

    /// Copies piece `q` of arena `a` to `out` at `at`; returns the index after it.
    @inline(__always)
    private static func copy(_ q: Piece, _ a: UnsafeBufferPointer<UInt8>, _ out: UnsafeMutableBufferPointer<UInt8>, _ at: Int) -> Int {
        let n = Int(q.count)
        precondition(at + n <= out.count && Int(q.start) + n <= a.count, "piece out of range")
        if n > 0 { UnsafeMutableRawPointer(out.baseAddress! + at).copyMemory(from: a.baseAddress! + Int(q.start), byteCount: n) }
        return at + n
    }

    /// Writes `v` as a varint at `i`; returns the index after it.
    @inline(__always)
    private static func put(_ v: UInt64, _ p: UnsafeMutableBufferPointer<UInt8>, _ i: Int) -> Int {
        var v = v
        var i = i
        while v >= 0x80 {
            p[i] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            i += 1
        }
        p[i] = UInt8(v)
        return i + 1
    }

    /// Bytes of `v` as a varint.
    static func size(_ v: UInt64) -> Int {
        v == 0 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7
    }

    static func varint(_ v: UInt64, into out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
