import SwiftProtobuf

/// `--format pprof`: the report as a gzip-compressed pprof profile (google/pprof
/// `proto/profile.proto`), for `go tool pprof`, speedscope, Pyroscope and Parca.
///
/// - Sample types, in order: `allocations`/`count` (records; 0 when an input has no record
///   count: show_stacks of v6.9+ and show_handles), `pages`/`count`, `space`/`bytes`;
///   `default_sample_type` is `space`.
/// - One sample per row (stack and label set); its locations leaf first, as page_owner prints.
/// - One `Location` per distinct frame text (`address` = its `+0xoff`), one `Function` per
///   symbol and module (`name` without `+off/size`, `system_name` = the first frame text
///   seen), one `Mapping` per module: `[kernel]` first, then each `[module]`, all with
///   `has_functions` so no tool tries to symbolize.
/// - Placeholder stacks end in a `[early boot]`-style root frame; unresolved handles and
///   records without a stack are one `[…]` frame.
/// - Labels: the row's non-stack keys (strings; `order`, `node`, `pid`, `tgid`, `zone`,
///   `handle` numeric with a `num_unit`), empty or absent values left out, then the
///   `--label` pairs. Ids run from 1; `string_table[0]` is "".
public struct PprofFormatter: ReportFormatter {
    public init() {}

    /// The keys of a profile given no `--group-by`: the stack and every label an input may
    /// carry (absent ones are left out per sample), then `extra` (`--pprof-labels`).
    public static func defaultKeys(extra: [GroupKey] = []) -> [GroupKey] {
        var k: [GroupKey] = [.stack, .comm, .gfp, .migratetype, .memcg, .module, .order, .node]
        for e in extra where !k.contains(e) { k.append(e) }
        return k
    }

    /// Keys only `--pprof-labels` adds to the default set (they explode label cardinality).
    public static let optionalLabels: [GroupKey] = [.pid, .tgid]

    public func write(_ report: Report, context: ReportContext, to out: OutputSink) throws {
        try out.write(try GzipWriter.compress(try Self.encoded(report, context), threads: context.threads))
    }

    /// The profile of `report`, serialized: the sample types (field 1), the samples the
    /// builder encoded (field 2), then every other field, which is the byte order
    /// swift-protobuf writes the whole message in.
    static func encoded(_ report: Report, _ context: ReportContext) throws -> [UInt8] {
        var b = PprofBuilder(report)
        var rest = b.build(context)
        var head = PProfProfile()
        head.sampleType = rest.sampleType
        rest.sampleType = []
        var bytes: [UInt8] = try head.serializedBytes()
        bytes.append(contentsOf: b.sampleBytes)
        bytes.append(contentsOf: try rest.serializedBytes() as [UInt8])
        return bytes
    }
}

/// Builds one profile: string table, mappings, functions and locations interned as bytes.
struct PprofBuilder {
    let report: Report
    var p = PProfProfile()
    /// String table: handle == index; "" is 0.
    var strings = ByteInterner(capacity: 4096)
    /// Frame texts: location id = handle + 1.
    var frames = ByteInterner(capacity: 4096)
    /// `symbol\0module`: function id = handle + 1.
    var functionKeys = ByteInterner(capacity: 4096)
    /// Module names: mapping id = handle + 1 (`[kernel]` is 1).
    var modules = ByteInterner(capacity: 64)
    /// The location piece of each stack handle already seen (leaf first), by handle.
    var stackLocations: [SampleEncoder.Piece?] = []
    /// The location id of each frame line of the stack table (by line id) already seen:
    /// 0 not yet, `.max` a line with no frame text (`ProfileFrames` skips it).
    var locationOfLine: [UInt64] = []
    var scratch: [UInt8] = []
    /// The pieces samples are made of, and the samples encoded (the message's `sample`
    /// stays empty).
    var samples = SampleEncoder()
    var sampleBytes: [UInt8] = []

    init(_ report: Report) {
        self.report = report
        _ = intern("")
    }

    mutating func intern(_ s: String) -> Int64 {
        ByteView.with(s) { Int64(strings.intern($0)) }
    }

    mutating func intern(_ b: ByteView) -> Int64 { Int64(strings.intern(b)) }

    mutating func build(_ c: ReportContext) -> PProfProfile {
        p.sampleType = [valueType("allocations", "count"), valueType("pages", "count"), valueType("space", "bytes")]
        p.defaultSampleType = intern("space")
        _ = mapping(nil)
        // show_stacks (v6.9+) and show_handles give pages per stack, not allocations.
        let countsAllocations = !c.inputs.contains { $0.fields.contains(.basePages) || $0.format == .showHandles }
        let carried = c.inputs.reduce(RecordFields()) { $0.union($1.fields) }
        var labelKeys: [(pos: Int, key: Int64, unit: Int64)] = []
        for (i, k) in report.keys.enumerated() where k != .stack {
            if (k == .migratetype || k == .blocktype) && !carried.contains(.pageType) { continue }
            if k == .swapped && !carried.contains(.swapped) { continue }
            labelKeys.append((i, intern(k.rawValue), k.isNumeric ? intern(Self.unit(k)) : 0))
        }
        let extra = c.labels.map { (intern($0.key), intern($0.value)) }
        let stackPos = report.keys.firstIndex(of: .stack)
        // Each distinct cell's label field once (an empty piece: no label), and each
        // stack's location field once, made the first time a row holds them: in row
        // order, which gives the strings and locations their ids.
        let (cells, ids) = report.compactCells()
        let none = SampleEncoder.Piece(start: 0, count: 0)
        var cellPieces = [SampleEncoder.Piece](repeating: none, count: cells.count)
        var made = [Bool](repeating: false, count: cells.count)
        let kw = report.keys.count
        var rowStacks: [SampleEncoder.Piece] = []
        var values: [(Int64, Int64, Int64)] = []
        rowStacks.reserveCapacity(stackPos == nil ? 0 : report.rows.count)
        values.reserveCapacity(report.rows.count)
        // Rows by index, their fields read in place (a row's copy costs its strings' and
        // arrays' reference counting).
        for ri in report.rows.indices {
            if stackPos != nil { rowStacks.append(locationPiece(report.rows[ri].stack)) }
            let m = report.rows[ri].metrics
            values.append((countsAllocations ? m.records : 0, m.pages, m.pages &* report.pageSize))
            for (pos, key, unit) in labelKeys {
                let id = Int(ids[ri * kw + pos])
                if made[id] { continue }
                made[id] = true
                let cell = cells[id]
                if cell.isNumeric {
                    if let n = cell.number { cellPieces[id] = samples.labelPiece(key: key, num: n, numUnit: unit) }
                } else if !cell.text.isEmpty {
                    let text = report.keys[pos] == .gfp ? Self.gfpNames(cell.text) : cell.text
                    let str = intern(text)
                    if str != 0 { cellPieces[id] = samples.labelPiece(key: key, str: str) }
                }
            }
        }
        let extraPieces = extra.map { samples.labelPiece(key: $0.0, str: $0.1) }
        sampleBytes = samples.encode(
            SampleEncoder.Rows(
                stacks: stackPos == nil ? nil : rowStacks, values: values, cellIDs: ids, width: kw,
                labelPositions: labelKeys.map { $0.pos }, cellPieces: cellPieces, extra: extraPieces),
            threads: c.threads)
        var comments = ["page-owner-sort \(c.command)"]
        for i in c.inputs {
            comments.append("input: \(i.name)")
            comments.append("format: \(i.format?.rawValue ?? "unknown")")
            comments.append("era: \(i.fields.eraDescription)")
        }
        for (k, v) in c.filters.sorted(by: { $0.key < $1.key }) { comments.append("filter: \(k)=\(v)") }
        if !countsAllocations { comments.append("allocations: 0 (an input counts pages per stack, not allocations)") }
        for w in c.warnings { comments.append("warning: \(w)") }
        p.comment = comments.map { intern($0) }
        if let t = c.captureTimeNanos { p.timeNanos = t }
        p.stringTable = (0..<Int32(strings.count)).map { strings.string($0) }
        return p
    }

    mutating func valueType(_ type: String, _ unit: String) -> PProfValueType {
        var v = PProfValueType()
        v.type = intern(type)
        v.unit = intern(unit)
        return v
    }

    /// The unit of a numeric label (pprof drops a numeric 0 that has none).
    static func unit(_ k: GroupKey) -> String {
        switch k {
        case .pid, .tgid: return "pid"
        default: return k.rawValue
        }
    }

    /// The flag names of a gfp cell (`0xcc0(GFP_KERNEL)` -> `GFP_KERNEL`), or its mask when
    /// the input printed no names.
    static func gfpNames(_ text: String) -> String {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return text }
        let names = text[text.index(after: open)..<text.index(before: text.endIndex)]
        return names.isEmpty ? String(text[..<open]) : String(names)
    }

    /// The mapping id of `module` (nil: the kernel image).
    mutating func mapping(_ module: ByteView?) -> UInt64 {
        scratch.removeAll(keepingCapacity: true)
        if let module {
            scratch.append(91)
            scratch.append(module)
            scratch.append(93)
        } else {
            scratch.append(contentsOf: "[kernel]".utf8)
        }
        let before = modules.count
        let h = ByteView.with(scratch) { modules.intern($0) }
        if modules.count != before {
            var m = PProfMapping()
            m.id = UInt64(h) + 1
            m.filename = ByteView.with(scratch) { intern($0) }
            m.hasFunctions_p = true
            p.mapping.append(m)
        }
        return UInt64(h) + 1
    }

    /// Location ids of stack `h`, leaf first. A normal stack's frames go through
    /// `locationOfLine`, so each distinct frame line's text is read and interned once,
    /// not once a stack that holds it.
    mutating func locations(_ h: Int32) -> [UInt64] {
        var ids: [UInt64] = []
        let stacks = report.stacks
        guard stacks.info[Int(h)].kind == .normal else {
            ProfileFrames.forEach(stacks, h) { text, pseudo in ids.append(location(text, pseudo: pseudo)) }
            return ids
        }
        let store = stacks.stacks
        if locationOfLine.count < store.frames.count {
            locationOfLine.append(contentsOf: repeatElement(0, count: store.frames.count - locationOfLine.count))
        }
        let lines = store.frameIDs(h)
        ids.reserveCapacity(lines.count)
        for line in lines {
            var id = locationOfLine[Int(line)]
            if id == 0 {
                id = store.frames.withBytes(line) { p in
                    guard p.count > 0 else { return UInt64.max }
                    let (s, e) = StackTable.frameText(p, 0, p.count)
                    return e > s ? location(p.slice(s, e), pseudo: false) : .max
                }
                locationOfLine[Int(line)] = id
            }
            if id != .max { ids.append(id) }
        }
        return ids
    }

    /// The `location_id` field of stack `h` (made once a stack).
    mutating func locationPiece(_ h: Int32) -> SampleEncoder.Piece {
        let i = Int(h)
        if i < stackLocations.count, let f = stackLocations[i] { return f }
        let f = samples.locationPiece(locations(h))
        if i >= stackLocations.count { stackLocations.append(contentsOf: repeatElement(nil, count: i + 1 - stackLocations.count)) }
        stackLocations[i] = f
        return f
    }

    /// The location id of one frame text, adding its location, function and mapping if new.
    mutating func location(_ text: ByteView, pseudo: Bool) -> UInt64 {
        let before = frames.count
        let h = frames.intern(text)
        let id = UInt64(h) + 1
        if frames.count == before { return id }
        var loc = PProfLocation()
        loc.id = id
        var line = PProfLine()
        let p0 = text
        let n = text.count
        let (ss, se) = pseudo ? (0, n) : StackTable.symbol(p0, 0, n)
        let module = pseudo ? nil : StackTable.module(p0, 0, n)
        let moduleBytes = module.map { p0.slice($0.0, $0.1) }
        loc.mappingID = mapping(moduleBytes)
        loc.address = pseudo ? 0 : Self.offset(p0, se, n)
        // The function: symbol, then a 0 byte and the module.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(p0.slice(ss, se))
        if let moduleBytes {
            scratch.append(0)
            scratch.append(moduleBytes)
        }
        let fBefore = functionKeys.count
        let fh = ByteView.with(scratch) { functionKeys.intern($0) }
        line.functionID = UInt64(fh) + 1
        if functionKeys.count != fBefore {
            var f = PProfFunction()
            f.id = UInt64(fh) + 1
            f.name = intern(p0.slice(ss, se))
            f.systemName = intern(text)
            p.function.append(f)
        }
        loc.line = [line]
        p.location.append(loc)
        return id
    }

    /// The `0x1d7` of `+0x1d7/0x2a0` at `s`, or 0.
    static func offset(_ p: ByteView, _ s: Int, _ e: Int) -> UInt64 {
        guard s + 3 < e, p[s] == 43, p[s + 1] == 48, p[s + 2] == 120 || p[s + 2] == 88 else { return 0 }
        return Bytes.hex(p, s + 3, e)?.value ?? 0
    }
}

/// How a profile reads a stack's frames: the one place the pprof output touches stack text.
enum ProfileFrames {
    /// Calls `body` with each frame's text, leaf first, and whether it is a pseudo-frame.
    /// Placeholder stacks get their `[early boot]`-style name as the root frame; unresolved
    /// handles and records without a stack are one `[…]` frame.
    static func forEach(_ stacks: StackTable, _ h: Int32, _ body: (ByteView, Bool) -> Void) {
        let kind = stacks.info[Int(h)].kind
        switch kind {
        case .normal:
            stacks.forEachFrame(h) { body($0, false) }
        case .earlyPlaceholder, .dummyPlaceholder, .failurePlaceholder:
            stacks.forEachFrame(h) { body($0, false) }
            body(stacks.placeholderName(kind), true)
        case .unresolvedHandle, .none:
            var text: [UInt8] = [91]
            stacks.forEachFrame(h) { text.append($0) }
            text.append(93)
            ByteView.with(text) { body($0, true) }
        }
    }
}
