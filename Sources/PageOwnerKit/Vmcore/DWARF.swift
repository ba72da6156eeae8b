// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): DWARF read in place from
// the mapped vmlinux.
/// Just enough DWARF (versions 4 and 5) to learn structure layouts from a vmlinux: it walks
/// `.debug_info` once, indexes the named top-level types, variables and enumerators it was
/// asked for, and reads members (offsets, bit fields) and type sizes on demand.
public struct DWARF {
    struct Abbrev {
        var tag: UInt64
        var hasChildren: Bool
        var attrs: [(name: UInt64, form: UInt64, implicit: Int64)]
    }

    struct Unit {
        var start: Int  // offset of the unit header
        var end: Int  // offset after the unit
        var dieStart: Int  // offset of the first DIE
        var version: Int
        var addressSize: Int
        var offsetSize: Int
        var abbrevOffset: Int
        var strOffsetsBase: Int
    }

    /// Abbreviation tables by offset, read when a DIE of a unit using one is first read.
    final class AbbrevTables {
        var byOffset: [Int: [UInt64: Abbrev]] = [:]
    }
    let abbrevTables = AbbrevTables()

    /// One attribute value.
    enum Value {
        case uint(UInt64)
        case int(Int64)
        case string(String)
        case ref(Int)
        case block(UnsafeRawBufferPointer)
        case flag(Bool)
        case none

        var uint: UInt64? {
            switch self {
            case .uint(let v): return v
            case .int(let v): return UInt64(bitPattern: v)
            case .flag(let b): return b ? 1 : 0
            default: return nil
            }
        }
    }

    /// A parsed DIE.
    struct DIE {
        var offset: Int
        var tag: UInt64
        var hasChildren: Bool
        var attrs: [UInt64: Value]
        var end: Int  // offset after this DIE's attributes
        var name: String? {
            if case .string(let s)? = attrs[0x03] { return s }
            return nil
        }
    }

    /// A member of a structure or union, with its offset from the outer type.
    public struct Member: Sendable {
        public var name: String
        public var offset: Int
        public var bitOffset: Int?
        public var bitSize: Int?
        public var type: Int
    }

    let info: UnsafeRawBufferPointer
    let abbrev: UnsafeRawBufferPointer
    let str: UnsafeRawBufferPointer
    let lineStr: UnsafeRawBufferPointer
    let strOffsets: UnsafeRawBufferPointer
    var units: [Unit] = []
    /// Name → offset of the first complete definition (types), or of the DIE (variables).
    public private(set) var types: [String: Int] = [:]
    public private(set) var variables: [String: Int] = [:]
    public private(set) var enumerators: [String: Int64] = [:]

    public init(_ elf: ELFFile) throws {
        guard let i = elf.section(".debug_info"), let a = elf.section(".debug_abbrev") else {
            throw VmcoreError.missingDebugInfo(".debug_info (build the kernel with CONFIG_DEBUG_INFO)")
        }
        if i.flags & 0x800 != 0 { throw VmcoreError.malformedDebugInfo("compressed .debug_info sections are not supported") }
        info = elf.data(i)
        abbrev = elf.data(a)
        str = elf.section(".debug_str").map { elf.data($0) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        lineStr = elf.section(".debug_line_str").map { elf.data($0) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        strOffsets = elf.section(".debug_str_offsets").map { elf.data($0) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    // MARK: reading primitives

    @inline(__always) func u(_ b: UnsafeRawBufferPointer, _ at: Int, _ n: Int) -> UInt64 { ELFFile.read(b, at, n) }

    func uleb(_ b: UnsafeRawBufferPointer, _ at: inout Int) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while at < b.count {
            let x = b[at]
            at += 1
            if shift < 64 { v |= UInt64(x & 0x7f) << shift }
            shift += 7
            if x & 0x80 == 0 { break }
        }
        return v
    }

    func sleb(_ b: UnsafeRawBufferPointer, _ at: inout Int) -> Int64 {
        var v: Int64 = 0
        var shift: Int64 = 0
        var x: UInt8 = 0
        while at < b.count {
            x = b[at]
            at += 1
            if shift < 64 { v |= Int64(x & 0x7f) << shift }
            shift += 7
            if x & 0x80 == 0 { break }
        }
        if shift < 64 && x & 0x40 != 0 { v |= Int64(-1) << shift }  // sign-extend (no negation: -(1 << 63) traps)
        return v
    }

    /// A byte of `b`, or 0 past its end.
    @inline(__always) func byte(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int { Int(ELFFile.read(b, at, 1)) }

    /// A section offset or length read from the file, as an Int (a value past Int.max is clamped
    /// and fails every later bounds check).
    @inline(__always) func offset(_ v: UInt64) -> Int { Int(clamping: v) }

    /// A reference `v` relative to `base` (a unit's start), clamped to the section's end when out of it.
    @inline(__always) func ref(_ base: Int, _ v: UInt64) -> Int {
        let (r, o) = base.addingReportingOverflow(offset(v))
        return o ? Int.max : r
    }

    func cstr(_ b: UnsafeRawBufferPointer, _ at: Int) -> String { ELFFile.cString(b, at, limit: b.count) }

    // MARK: units and abbreviations

    func abbrevTable(at offset: Int) -> [UInt64: Abbrev] {
        var t: [UInt64: Abbrev] = [:]
        var p = offset
        while p < abbrev.count {
            let code = uleb(abbrev, &p)
            if code == 0 { break }
            let tag = uleb(abbrev, &p)
            let children = p < abbrev.count && abbrev[p] != 0
            p += 1
            var attrs: [(UInt64, UInt64, Int64)] = []
            while p < abbrev.count {
                let name = uleb(abbrev, &p)
                let form = uleb(abbrev, &p)
                var implicit: Int64 = 0
                if form == 0x21 { implicit = sleb(abbrev, &p) }
                if name == 0 && form == 0 { break }
                attrs.append((name, form, implicit))
            }
            t[code] = Abbrev(tag: tag, hasChildren: children, attrs: attrs)
        }
        return t
    }

    /// The abbreviations of `unit`.
    func abbrevs(_ unit: Unit) -> [UInt64: Abbrev] {
        if let t = abbrevTables.byOffset[unit.abbrevOffset] { return t }
        let t = abbrevTable(at: unit.abbrevOffset)
        abbrevTables.byOffset[unit.abbrevOffset] = t
        return t
    }

    mutating func readUnits() throws {
        var p = 0
        while p + 11 <= info.count {
            var length = offset(u(info, p, 4))
            var off = p + 4
            var offsetSize = 4
            if length == 0xffff_ffff {
                length = offset(u(info, off, 8))
                off += 8
                offsetSize = 8
            }
            guard length > 0, length <= info.count - off else {
                throw VmcoreError.malformedDebugInfo(".debug_info unit at offset \(p) has length \(length), past the section's end (\(info.count) bytes)")
            }
            let end = off + length
            let version = Int(u(info, off, 2))
            off += 2
            var abbrevOffset: Int
            var addressSize: Int
            if version >= 5 {
                let unitType = byte(info, off)
                addressSize = byte(info, off + 1)
                off += 2
                abbrevOffset = offset(u(info, off, offsetSize))
                off += offsetSize
                if unitType == 0x02 || unitType == 0x06 {
                    off += 8 + offsetSize
                }  // type units
                else if unitType == 0x04 || unitType == 0x05 {
                    off += 8
                }  // skeleton / split
            } else {
                abbrevOffset = offset(u(info, off, offsetSize))
                off += offsetSize
                addressSize = byte(info, off)
                off += 1
            }
            units.append(
                Unit(
                    start: p, end: end, dieStart: off, version: version, addressSize: addressSize, offsetSize: offsetSize,
                    abbrevOffset: abbrevOffset, strOffsetsBase: 8))
            p = end
        }
    }

    func unit(containing offset: Int) -> Unit? {
        var lo = 0
        var hi = units.count - 1
        while lo <= hi {
            let m = (lo + hi) / 2
            if offset < units[m].start { hi = m - 1 } else if offset >= units[m].end { lo = m + 1 } else { return units[m] }
        }
        return nil
    }

    // MARK: DIEs

    /// Reads the attribute of `form` at `p`; `wanted` false skips it.
    func value(_ form: UInt64, _ p: inout Int, _ unit: Unit, implicit: Int64, wanted: Bool) -> Value {
        let os = unit.offsetSize
        switch form {
        case 0x01:
            p += unit.addressSize
            return .none  // addr
        case 0x03:
            let n = Int(u(info, p, 2))
            p += 2 + n
            return .none
        case 0x04:
            let n = Int(u(info, p, 4))
            p += 4 + n
            return .none
        case 0x05:
            defer { p += 2 }
            return .uint(u(info, p, 2))
        case 0x06:
            defer { p += 4 }
            return .uint(u(info, p, 4))
        case 0x07:
            defer { p += 8 }
            return .uint(u(info, p, 8))
        case 0x08:
            let s = p
            while p < info.count && info[p] != 0 { p += 1 }
            p += 1
            return wanted ? .string(cstr(info, s)) : .none
        case 0x09, 0x18:
            let n = min(offset(uleb(info, &p)), info.count)
            let b = UnsafeRawBufferPointer(rebasing: info[min(p, info.count)..<min(p + n, info.count)])
            p += n
            return .block(b)
        case 0x0a:
            let n = byte(info, p)
            p += 1 + n
            return .none
        case 0x0b:
            defer { p += 1 }
            return .uint(UInt64(byte(info, p)))
        case 0x0c:
            defer { p += 1 }
            return .flag(byte(info, p) != 0)
        case 0x0d: return .int(sleb(info, &p))
        case 0x0e, 0x1f:
            let o = offset(u(info, p, os))
            p += os
            return wanted ? .string(cstr(form == 0x0e ? str : lineStr, o)) : .none
        case 0x0f: return .uint(uleb(info, &p))
        case 0x10:
            defer { p += os }
            return .ref(offset(u(info, p, os)))
        case 0x11:
            defer { p += 1 }
            return .ref(unit.start + byte(info, p))
        case 0x12:
            defer { p += 2 }
            return .ref(unit.start + Int(u(info, p, 2)))
        case 0x13:
            defer { p += 4 }
            return .ref(unit.start + Int(u(info, p, 4)))
        case 0x14:
            defer { p += 8 }
            return .ref(ref(unit.start, u(info, p, 8)))
        case 0x15: return .ref(ref(unit.start, uleb(info, &p)))
        case 0x16:
            let f = uleb(info, &p)
            return value(f, &p, unit, implicit: 0, wanted: wanted)
        case 0x17, 0x1d, 0x1f20, 0x1f21:
            p += os
            return .none
        case 0x19: return .flag(true)
        case 0x1a, 0x1f02:
            let i = offset(uleb(info, &p))
            return wanted ? strx(i, unit) : .none
        case 0x1b, 0x22, 0x23, 0x1f01:
            _ = uleb(info, &p)
            return .none
        case 0x1c:
            p += 4
            return .none
        case 0x1e:
            p += 16
            return .none
        case 0x20, 0x24:
            p += 8
            return .none
        case 0x21: return .int(implicit)
        case 0x25:
            defer { p += 1 }
            return wanted ? strx(byte(info, p), unit) : .none
        case 0x26:
            defer { p += 2 }
            return wanted ? strx(Int(u(info, p, 2)), unit) : .none
        case 0x27:
            defer { p += 3 }
            return wanted ? strx(Int(u(info, p, 3)), unit) : .none
        case 0x28:
            defer { p += 4 }
            return wanted ? strx(Int(u(info, p, 4)), unit) : .none
        case 0x29:
            p += 1
            return .none
        case 0x2a:
            p += 2
            return .none
        case 0x2b:
            p += 3
            return .none
        case 0x2c:
            p += 4
            return .none
        default:
            p = info.count  // unknown form: stop reading this unit
            return .none
        }
    }

    func strx(_ i: Int, _ unit: Unit) -> Value {
        let o = offset(u(strOffsets, unit.strOffsetsBase &+ i &* unit.offsetSize, unit.offsetSize))
        return .string(cstr(str, o))
    }

    /// Reads the DIE at `offset`; nil for a null entry.
    func die(at offset: Int, _ unit: Unit, attributes: Bool = true) -> DIE? {
        guard offset >= 0, offset < info.count else { return nil }
        var p = offset
        let code = uleb(info, &p)
        if code == 0 { return DIE(offset: offset, tag: 0, hasChildren: false, attrs: [:], end: p) }
        guard let a = abbrevs(unit)[code] else { return nil }
        var attrs: [UInt64: Value] = [:]
        for (name, form, implicit) in a.attrs {
            let v = value(form, &p, unit, implicit: implicit, wanted: attributes)
            if attributes { attrs[name] = v }
        }
        return DIE(offset: offset, tag: a.tag, hasChildren: a.hasChildren, attrs: attrs, end: p)
    }

    /// The offset after DIE `d` and all its children.
    func skip(_ d: DIE, _ unit: Unit) -> Int {
        if !d.hasChildren { return d.end }
        // DW_AT_sibling, when it moves forward inside the unit (one pointing back loops forever).
        if case .ref(let sib)? = d.attrs[0x01], sib > d.offset, sib <= unit.end { return sib }
        var p = d.end
        var depth = 1
        while depth > 0 && p < unit.end {
            guard let c = die(at: p, unit, attributes: false) else { return unit.end }
            if c.tag == 0 {
                depth -= 1
                p = c.end
                continue
            }
            if c.hasChildren { depth += 1 }
            p = c.end
        }
        return p
    }

    /// Direct children of the DIE at `offset`.
    func children(of offset: Int) -> [DIE] {
        guard let unit = unit(containing: offset), let d = die(at: offset, unit), d.hasChildren else { return [] }
        var out: [DIE] = []
        var p = d.end
        while p < unit.end {
            guard let c = die(at: p, unit) else { break }
            if c.tag == 0 { break }
            out.append(c)
            let next = skip(c, unit)
            guard next > p else { break }
            p = next
        }
        return out
    }

    /// Walks every unit's top-level DIEs (`DWARFNameScan`), indexing the named types,
    /// variables and enumerators asked for; stops early once every one is found.
    public mutating func index(types wantedTypes: Set<String>, variables wantedVariables: Set<String>, enumerators wantedEnums: Set<String>)
        throws
    {
        if units.isEmpty { try readUnits() }
        let scan = DWARFNameScan(
            info: info, abbrev: abbrev, str: str, lineStr: lineStr, strOffsets: strOffsets,
            wanted: DWARFNameScan.Wanted(types: wantedTypes, variables: wantedVariables, enumerators: wantedEnums))
        // Two halves of the units (by size) on two cores; a name found in the first half
        // is its first definition, else the second half's.
        var parts = [DWARFNameScan.Hits](repeating: DWARFNameScan.Hits(0), count: 2)
        let half = (units.last?.end ?? 0) / 2
        let split = units.firstIndex { $0.start >= half } ?? units.count
        if split > 0 && split < units.count && units.count >= 64 {
            let slices = [units[..<split], units[split...]]
            parts.withUnsafeMutableBufferPointer { out in
                let o = out
                WorkerPool(count: 2).run(parts: 2) { o[$0] = scan.scan(slices[$0]) }
            }
        } else {
            parts = [scan.scan(units[...])]
        }
        var hits = parts[0]
        for k in 1..<parts.count {
            for i in 0..<hits.found.count where !hits.found[i] && parts[k].found[i] {
                hits.found[i] = true
                hits.kind[i] = parts[k].kind[i]
                hits.offset[i] = parts[k].offset[i]
                hits.value[i] = parts[k].value[i]
            }
        }
        for (i, name) in scan.wanted.names.enumerated() where hits.found[i] {
            let n = String(decoding: name, as: UTF8.self)
            switch hits.kind[i] {
            case 1: types[n] = hits.offset[i]
            case 2: variables[n] = hits.offset[i]
            case 4: enumerators[n] = hits.value[i]
            default: break
            }
        }
    }

    // MARK: layouts

    /// Follows typedefs and qualifiers to the underlying type's DIE offset.
    func resolve(_ offset: Int) -> Int {
        var o = offset
        for _ in 0..<16 {
            guard let unit = unit(containing: o), let d = die(at: o, unit) else { return o }
            switch d.tag {
            case 0x16, 0x26, 0x35, 0x37:  // typedef, const, volatile, restrict
                guard case .ref(let t)? = d.attrs[0x49] else { return o }
                o = t
            default: return o
            }
        }
        return o
    }

    /// Size in bytes of the type at `offset` (arrays: element size × count).
    public func byteSize(_ offset: Int) -> Int? { byteSize(offset, depth: 0) }

    /// `byteSize`, at most 16 array levels deep (an array of itself would recurse forever).
    func byteSize(_ offset: Int, depth: Int) -> Int? {
        let o = resolve(offset)
        guard depth < 16, let unit = unit(containing: o), let d = die(at: o, unit) else { return nil }
        if let s = d.attrs[0x0b]?.uint { return Int(truncatingIfNeeded: s) }
        if d.tag == 0x0f { return unit.addressSize }  // pointer
        if d.tag == 0x01, case .ref(let et)? = d.attrs[0x49], let es = byteSize(et, depth: depth + 1) {
            return arrayCount(o).map { $0 &* es }
        }
        return nil
    }

    /// Element count of the array type at `offset` (first dimension).
    func arrayCount(_ offset: Int) -> Int? {
        for c in children(of: offset) where c.tag == 0x21 {
            if let n = c.attrs[0x37]?.uint { return Int(truncatingIfNeeded: n) }
            if let ub = c.attrs[0x2f]?.uint { return Int(truncatingIfNeeded: ub) &+ 1 }
            return 0
        }
        return nil
    }

    /// Whether the type at `offset` is an array.
    public func isArray(_ offset: Int) -> Bool {
        let o = resolve(offset)
        guard let unit = unit(containing: o), let d = die(at: o, unit) else { return false }
        return d.tag == 0x01
    }

    /// Members of the struct or union at `offset`, anonymous members flattened in.
    /// Values are the file's: offsets wrap rather than trap, and the users check them.
    public func members(_ offset: Int, base: Int = 0) -> [Member] { members(offset, base: base, depth: 0) }

    /// `members`, at most 16 anonymous levels deep (a member of its own type would recurse forever).
    func members(_ offset: Int, base: Int, depth: Int) -> [Member] {
        var out: [Member] = []
        guard depth < 16 else { return out }
        for c in children(of: resolve(offset)) where c.tag == 0x0d {
            var loc = 0
            switch c.attrs[0x38] {
            case .uint(let v)?: loc = Int(truncatingIfNeeded: v)
            case .int(let v)?: loc = Int(v)
            case .block(let b)?:
                if b.count >= 2 && b[0] == 0x23 {  // DW_OP_plus_uconst
                    var q = 1
                    loc = Int(truncatingIfNeeded: uleb(b, &q))
                }
            default: break
            }
            guard case .ref(let t)? = c.attrs[0x49] else { continue }
            var bitOffset = (c.attrs[0x6b]?.uint).map { Int(truncatingIfNeeded: $0) }
            let bitSize = (c.attrs[0x0d]?.uint).map { Int(truncatingIfNeeded: $0) }
            if bitOffset == nil, let old = c.attrs[0x0c]?.uint, let size = bitSize {
                // DWARF 2-4: DW_AT_bit_offset counts from the storage unit's most significant
                // bit; on a little-endian machine the field starts at unit bits - offset - size.
                let unit = (c.attrs[0x0b]?.uint).map { Int(truncatingIfNeeded: $0) } ?? byteSize(t) ?? 4
                bitOffset = unit &* 8 &- Int(truncatingIfNeeded: old) &- size
            }
            if let name = c.name {
                out.append(Member(name: name, offset: base &+ loc, bitOffset: bitOffset, bitSize: bitSize, type: t))
            } else {
                out += members(t, base: base &+ loc, depth: depth + 1)
            }
        }
        return out
    }

    /// A member of type `type` by dotted path (`handle.pool_index_plus_1`).
    public func member(_ type: String, _ path: String) throws -> Member {
        guard let t = types[type] else { throw VmcoreError.missingDebugInfo("struct \(type)") }
        var current = t
        var base = 0
        var found: Member?
        for part in path.split(separator: ".") {
            guard let m = members(current).first(where: { $0.name == part }) else { throw VmcoreError.missingDebugInfo("\(type).\(path)") }
            base &+= m.offset
            found = Member(name: m.name, offset: base, bitOffset: m.bitOffset, bitSize: m.bitSize, type: m.type)
            current = m.type
        }
        guard let f = found else { throw VmcoreError.missingDebugInfo("\(type).\(path)") }
        return f
    }

    /// The type DIE offset of variable `name`.
    public func variableType(_ name: String) throws -> Int {
        guard let v = variables[name], let unit = unit(containing: v), let d = die(at: v, unit), case .ref(let t)? = d.attrs[0x49] else {
            throw VmcoreError.missingDebugInfo("variable \(name)")
        }
        return t
    }

    /// Size of struct/union `name`.
    public func size(of name: String) throws -> Int {
        guard let t = types[name], let s = byteSize(t) else { throw VmcoreError.missingDebugInfo("size of \(name)") }
        return s
    }
}
