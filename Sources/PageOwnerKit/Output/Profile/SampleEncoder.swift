/// Encodes pprof `Sample` messages (the profile's field 2) straight into protobuf bytes,
/// byte for byte as swift-protobuf writes them: fields in number order, packed repeated
/// scalars, scalars equal to 0 left out. A profile has a sample per group (a hundred
/// thousand with the default labels of a large dump); built as messages and serialized by
/// swift-protobuf they cost more than the rest of the profile, so they skip the messages.
/// The sample being encoded is written into a scratch buffer that is sized once (each
/// call makes room for its largest encoding first, then writes without a check per
/// byte); nothing is allocated per sample.
///
/// Calls per sample, in this order: `begin`, `locations` (or `encodedLocations`),
/// `values`, then `label` for each label, and `end`.
struct SampleEncoder {
    /// The encoded samples so far, each with its field-2 tag and length.
    private(set) var bytes: [UInt8] = []
    /// The sample being encoded: `body[0..<used]`.
    private var body: [UInt8]
    private var used = 0

    init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        body = [UInt8](repeating: 0, count: 1024)
    }

    mutating func begin() { used = 0 }

    /// The `location_id` field (field 1, packed uint64) of `ids`, to keep and pass to
    /// `encodedLocations` for every sample of the same stack.
    static func locationField(_ ids: [UInt64]) -> [UInt8] {
        guard !ids.isEmpty else { return [] }
        var out: [UInt8] = [0x0a]
        var n = 0
        for id in ids { n += size(id) }
        varint(UInt64(n), into: &out)
        for id in ids { varint(id, into: &out) }
        return out
    }

    /// `location_id` (field 1, packed uint64).
    mutating func locations(_ ids: [UInt64]) {
        encodedLocations(Self.locationField(ids))
    }

    /// Field 1 as `locationField` made it.
    mutating func encodedLocations(_ field: [UInt8]) {
        room(field.count)
        let at = used
        body.withUnsafeMutableBufferPointer { b in
            field.withUnsafeBufferPointer { f in
                for i in 0..<f.count { b[at + i] = f[i] }
            }
        }
        used += field.count
    }

    /// `value` (field 2, packed int64).
    mutating func values(_ a: Int64, _ b: Int64, _ c: Int64) {
        let x = UInt64(bitPattern: a)
        let y = UInt64(bitPattern: b)
        let z = UInt64(bitPattern: c)
        room(2 + 30)
        used = body.withUnsafeMutableBufferPointer { p in
            var i = used
            p[i] = 0x12
            i += 1
            i = Self.put(UInt64(Self.size(x) + Self.size(y) + Self.size(z)), p, i)
            i = Self.put(x, p, i)
            i = Self.put(y, p, i)
            return Self.put(z, p, i)
        }
    }

    /// One `label` (field 3): `key`, `str`, `num`, `num_unit` (string-table indexes and a number).
    mutating func label(key: Int64, str: Int64 = 0, num: Int64 = 0, numUnit: Int64 = 0) {
        room(2 + 4 * 11)
        used = body.withUnsafeMutableBufferPointer { p in
            var i = used
            p[i] = 0x1a
            let lengthAt = i + 1
            i += 2  // at most 4 fields of 11 bytes: the length is one byte
            i = Self.field(0x08, key, p, i)
            i = Self.field(0x10, str, p, i)
            i = Self.field(0x18, num, p, i)
            i = Self.field(0x20, numUnit, p, i)
            p[lengthAt] = UInt8(i - lengthAt - 1)
            return i
        }
    }

    /// Ends the sample: appends it to `bytes` as the profile's field 2.
    mutating func end() {
        bytes.append(0x12)
        Self.varint(UInt64(used), into: &bytes)
        bytes.append(contentsOf: body[0..<used])
    }

    /// Makes `body` hold at least `n` more bytes.
    private mutating func room(_ n: Int) {
        if used + n > body.count { body.append(contentsOf: repeatElement(0, count: max(body.count, n))) }
    }

    @inline(__always)
    private static func field(_ tag: UInt8, _ v: Int64, _ p: UnsafeMutableBufferPointer<UInt8>, _ i: Int) -> Int {
        guard v != 0 else { return i }
        p[i] = tag
        return put(UInt64(bitPattern: v), p, i + 1)
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
