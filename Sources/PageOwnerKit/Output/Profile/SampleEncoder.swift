/// Encodes pprof `Sample` messages (the profile's field 2) straight into protobuf bytes,
/// byte for byte as swift-protobuf writes them: fields in number order, packed repeated
/// scalars, scalars equal to 0 left out. A profile has a sample per group (a hundred
/// thousand with the default labels of a large dump); built as messages and serialized by
/// swift-protobuf they cost more than the rest of the profile, so they skip the messages.
/// One buffer grows for the whole profile; nothing is allocated per sample.
///
/// Calls per sample, in this order: `begin`, `locations`, `values`, then `label` for each
/// label, and `end`.
struct SampleEncoder {
    /// The encoded samples so far, each with its field-2 tag and length.
    private(set) var bytes: [UInt8] = []
    /// The sample being encoded.
    private var body: [UInt8] = []

    init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
        body.reserveCapacity(256)
    }

    mutating func begin() { body.removeAll(keepingCapacity: true) }

    /// `location_id` (field 1, packed uint64).
    mutating func locations(_ ids: [UInt64]) {
        guard !ids.isEmpty else { return }
        var n = 0
        for id in ids { n += Self.size(id) }
        body.append(0x0a)
        Self.varint(UInt64(n), into: &body)
        for id in ids { Self.varint(id, into: &body) }
    }

    /// `value` (field 2, packed int64).
    mutating func values(_ a: Int64, _ b: Int64, _ c: Int64) {
        let x = UInt64(bitPattern: a)
        let y = UInt64(bitPattern: b)
        let z = UInt64(bitPattern: c)
        body.append(0x12)
        Self.varint(UInt64(Self.size(x) + Self.size(y) + Self.size(z)), into: &body)
        Self.varint(x, into: &body)
        Self.varint(y, into: &body)
        Self.varint(z, into: &body)
    }

    /// One `label` (field 3): `key`, `str`, `num`, `num_unit` (string-table indexes and a number).
    mutating func label(key: Int64, str: Int64 = 0, num: Int64 = 0, numUnit: Int64 = 0) {
        body.append(0x1a)
        let lengthAt = body.count
        body.append(0)  // at most 4 fields of 11 bytes: the length is one byte
        field(0x08, key)
        field(0x10, str)
        field(0x18, num)
        field(0x20, numUnit)
        body[lengthAt] = UInt8(body.count - lengthAt - 1)
    }

    private mutating func field(_ tag: UInt8, _ v: Int64) {
        guard v != 0 else { return }
        body.append(tag)
        Self.varint(UInt64(bitPattern: v), into: &body)
    }

    /// Ends the sample: appends it to `bytes` as the profile's field 2.
    mutating func end() {
        bytes.append(0x12)
        Self.varint(UInt64(body.count), into: &bytes)
        bytes.append(contentsOf: body)
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
