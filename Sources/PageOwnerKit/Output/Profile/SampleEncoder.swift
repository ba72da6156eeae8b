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
                    var out: [UInt8] = []
                    out.reserveCapacity((count / parts + 1) * 80)
                    for i in (count * p / parts)..<(count * (p + 1) / parts) {
                        let stack = rows.stacks?[i] ?? Piece(start: 0, count: 0)
                        let (x, y, z) = rows.values[i]
                        let v = (UInt64(bitPattern: x), UInt64(bitPattern: y), UInt64(bitPattern: z))
                        let vn = Self.size(v.0) + Self.size(v.1) + Self.size(v.2)
                        var n = Int(stack.count) + 1 + Self.size(UInt64(vn)) + vn
                        let ids = i * rows.width
                        for pos in rows.labelPositions { n += Int(rows.cellPieces[Int(rows.cellIDs[ids + pos])].count) }
                        for q in rows.extra { n += Int(q.count) }
                        // Field 2 of the profile: the sample, its fields in number order.
                        out.append(0x12)
                        Self.varint(UInt64(n), into: &out)
                        Self.append(stack, a, &out)
                        out.append(0x12)
                        Self.varint(UInt64(vn), into: &out)
                        Self.varint(v.0, into: &out)
                        Self.varint(v.1, into: &out)
                        Self.varint(v.2, into: &out)
                        for pos in rows.labelPositions { Self.append(rows.cellPieces[Int(rows.cellIDs[ids + pos])], a, &out) }
                        for q in rows.extra { Self.append(q, a, &out) }
                    }
                    outs[p] = out
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

    @inline(__always)
    private static func append(_ q: Piece, _ a: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        if q.count > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: a[Int(q.start)..<Int(q.start + q.count)])) }
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
