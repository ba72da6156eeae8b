// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): DWARF read in place from
// the mapped vmlinux.
#if canImport(Glibc)
import Glibc
#endif

/// The one pass over `.debug_info` that finds the named top-level types, variables and
/// enumerators a reader asks for, on bytes: abbreviations compiled into flat tables, DIEs
/// with children skipped through DW_AT_sibling, names compared in place (and remembered by
/// string offset), no dictionary or `String` per DIE. The units are shared between the
/// cores; each name's first definition in unit order wins, as a single walk would find it.
///
/// Every value comes from the file: each step moves forward inside its unit, and a form,
/// code or reference that makes no sense ends that unit's walk (never the run).
struct DWARFNameScan {
    /// The names asked for, each with what it may be (type, variable, enumerator).
    struct Wanted {
        var names: [[UInt8]] = []
        var kinds: [UInt8] = []  // bit 0 type, bit 1 variable, bit 2 enumerator
        var slots: [Int32]  // open addressing on the name's hash: name index + 1, 0 empty
        let mask: Int

        init(types: Set<String>, variables: Set<String>, enumerators: Set<String>) {
            var index: [String: Int] = [:]
            for (set, bit) in [(types, UInt8(1)), (variables, 2), (enumerators, 4)] {
                for n in set.sorted() {
                    if let i = index[n] {
                        kinds[i] |= bit
                    } else {
                        index[n] = names.count
                        names.append(Array(n.utf8))
                        kinds.append(bit)
                    }
                }
            }
            var size = 16
            while size < names.count * 4 { size *= 2 }
            mask = size - 1
            slots = [Int32](repeating: 0, count: size)
            for (i, n) in names.enumerated() {
                var s = n.withUnsafeBytes { Self.hash($0.baseAddress, $0.count) } & mask
                while slots[s] != 0 { s = (s + 1) & mask }
                slots[s] = Int32(i + 1)
            }
        }

        @inline(__always) static func hash(_ p: UnsafeRawPointer?, _ n: Int) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            guard let p else { return Int(truncatingIfNeeded: h) }
            for i in 0..<n {
                h = (h ^ UInt64(p.load(fromByteOffset: i, as: UInt8.self))) &* 0x100_0000_01b3
            }
            return Int(truncatingIfNeeded: h >> 1)
        }

        /// The index of the NUL-terminated name at `at` in `b`, or -1.
        func lookup(_ b: UnsafeRawBufferPointer, _ at: Int) -> Int {
            guard at >= 0, at < b.count, let base = b.baseAddress else { return -1 }
            var e = at
            while e < b.count && base.load(fromByteOffset: e, as: UInt8.self) != 0 { e += 1 }
            let n = e - at
            var s = Self.hash(base + at, n) & mask
            while slots[s] != 0 {
                let i = Int(slots[s]) - 1
                if names[i].count == n && names[i].withUnsafeBytes({ memcmp($0.baseAddress!, base + at, n) == 0 }) { return i }
                s = (s + 1) & mask
            }
            return -1
        }
    }

    /// One abbreviation table compiled for one unit's address and offset sizes.
    struct Table {
        var tag: [UInt64] = []
        var hasChildren: [Bool] = []
        var attrStart: [Int] = []  // into names/forms/implicits; the entry's attributes end at the next start
        /// Bytes of all the attributes when every form has a fixed size, else -1.
        var fixedSize: [Int] = []
        /// Whether the scan reads the entry's attributes: an entry with children (its
        /// sibling), a type, a variable or an enumerator (name, declaration, value).
        var isRead: [Bool] = []
        var attrNames: [UInt64] = []
        var forms: [UInt64] = []
        var implicits: [Int64] = []
        var byCode: [Int32] = []  // code → entry + 1, for small codes
        var sparse: [UInt64: Int] = [:]

        @inline(__always) func entry(_ code: UInt64) -> Int? {
            if code < UInt64(byCode.count) {
                let e = Int(byCode[Int(code)])
                return e == 0 ? nil : e - 1
            }
            return sparse[code]
        }
    }

    /// A hit: the DIE offset (types, variables) or the value (enumerators), in unit order.
    struct Hits {
        var offset: [Int]
        var value: [Int64]
        var found: [Bool]
        var kind: [UInt8]  // what was found: 1 type, 2 variable, 4 enumerator
        init(_ n: Int) {
            offset = [Int](repeating: 0, count: n)
            value = [Int64](repeating: 0, count: n)
            found = [Bool](repeating: false, count: n)
            kind = [UInt8](repeating: 0, count: n)
        }
    }

    let info: UnsafeRawBufferPointer
    let abbrev: UnsafeRawBufferPointer
    let str: UnsafeRawBufferPointer
    let lineStr: UnsafeRawBufferPointer
    let strOffsets: UnsafeRawBufferPointer
    let wanted: Wanted

    // MARK: reading primitives (as DWARF's: a read past the end gives 0 and moves on)

    @inline(__always) static func uleb(_ b: UnsafeRawBufferPointer, _ at: inout Int) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while at >= 0 && at < b.count {
            let x = b[at]
            at += 1
            if shift < 64 { v |= UInt64(x & 0x7f) << shift }
            shift += 7
            if x & 0x80 == 0 { return v }
        }
        at = max(at, b.count)  // past the end: the caller's bounds stop it
        return v
    }

    @inline(__always) static func sleb(_ b: UnsafeRawBufferPointer, _ at: inout Int) -> Int64 {
        var v: Int64 = 0
        var shift: Int64 = 0
        var x: UInt8 = 0
        while at >= 0 && at < b.count {
            x = b[at]
            at += 1
            if shift < 64 { v |= Int64(x & 0x7f) << shift }
            shift += 7
            if x & 0x80 == 0 { break }
        }
        if at < 0 { at = b.count }
        if shift < 64 && x & 0x40 != 0 { v |= Int64(-1) << shift }
        return v
    }

    @inline(__always) static func offset(_ v: UInt64) -> Int { Int(clamping: v) }

    /// A reference of `form` at `p` (moved past it), as an offset in `.debug_info`; nil for another form.
    static func reference(_ b: UnsafeRawBufferPointer, _ form: UInt64, _ p: inout Int, unitStart: Int, offsetSize os: Int) -> Int? {
        func rel(_ v: UInt64) -> Int {
            let (r, o) = unitStart.addingReportingOverflow(offset(v))
            return o ? Int.max : r
        }
        switch form {
        case 0x10: return offset(ELFFile.read(b, p, os))
        case 0x11: return rel(ELFFile.read(b, p, 1))
        case 0x12: return rel(ELFFile.read(b, p, 2))
        case 0x13: return rel(ELFFile.read(b, p, 4))
        case 0x14: return rel(ELFFile.read(b, p, 8))
        case 0x15: return rel(uleb(b, &p))
        default: return nil
        }
    }

    /// A constant of `form` at `p` (`DWARF.Value.int` or `.uint`); nil for another form.
    static func constant(_ b: UnsafeRawBufferPointer, _ form: UInt64, _ p: Int, implicit: Int64, depth: Int = 0) -> Int64? {
        var q = p
        switch form {
        case 0x0b: return Int64(ELFFile.read(b, p, 1))
        case 0x05: return Int64(ELFFile.read(b, p, 2))
        case 0x06: return Int64(ELFFile.read(b, p, 4))
        case 0x07: return Int64(bitPattern: ELFFile.read(b, p, 8))
        case 0x0d: return sleb(b, &q)
        case 0x0f: return Int64(bitPattern: uleb(b, &q))
        case 0x21: return implicit
        case 0x16:
            let f = uleb(b, &q)
            return depth < 4 ? constant(b, f, q, implicit: 0, depth: depth + 1) : nil
        default: return nil
        }
    }

    /// Whether the attribute of `form` at `p` reads as 1 (DW_AT_declaration, as `DWARF.index` tests it).
    static func isOne(_ b: UnsafeRawBufferPointer, _ form: UInt64, _ p: Int, implicit: Int64) -> Bool {
        switch form {
        case 0x0c: return ELFFile.read(b, p, 1) != 0
        case 0x19: return true
        default: return constant(b, form, p, implicit: implicit) == 1
        }
    }

    /// Bytes a form takes whatever its value, or -1 when it depends on the value.
    static func fixedSize(_ form: UInt64, offsetSize os: Int, addressSize asz: Int) -> Int {
        switch form {
        case 0x01: return asz
        case 0x05, 0x12, 0x26, 0x2a: return 2
        case 0x06, 0x13, 0x1c, 0x28, 0x2c: return 4
        case 0x07, 0x14, 0x20, 0x24: return 8
        case 0x0b, 0x0c, 0x11, 0x25, 0x29: return 1
        case 0x0e, 0x10, 0x17, 0x1d, 0x1f, 0x1f20, 0x1f21: return os
        case 0x19, 0x21: return 0
        case 0x1e: return 16
        case 0x27, 0x2b: return 3
        default: return -1
        }
    }

    /// Compiles the abbreviation table at `offset` (as `DWARF.abbrevTable` reads it).
    func table(at offset: Int, offsetSize os: Int, addressSize asz: Int) -> Table {
        var t = Table()
        // A unit's table has a few hundred entries of a few attributes each.
        let n = 256
        t.tag.reserveCapacity(n)
        t.hasChildren.reserveCapacity(n)
        t.attrStart.reserveCapacity(n + 1)
        t.fixedSize.reserveCapacity(n)
        t.isRead.reserveCapacity(n)
        t.byCode.reserveCapacity(n + 1)
        t.attrNames.reserveCapacity(4 * n)
        t.forms.reserveCapacity(4 * n)
        t.implicits.reserveCapacity(4 * n)
        var p = offset
        while p < abbrev.count {
            let code = Self.uleb(abbrev, &p)
            if code == 0 { break }
            let tag = Self.uleb(abbrev, &p)
            let children = p < abbrev.count && abbrev[p] != 0
            p += 1
            let e = t.tag.count
            t.tag.append(tag)
            t.hasChildren.append(children)
            t.attrStart.append(t.forms.count)
            var fixed = 0
            while p < abbrev.count {
                let name = Self.uleb(abbrev, &p)
                let form = Self.uleb(abbrev, &p)
                var implicit: Int64 = 0
                if form == 0x21 { implicit = Self.sleb(abbrev, &p) }
                if name == 0 && form == 0 { break }
                t.attrNames.append(name)
                t.forms.append(form)
                t.implicits.append(implicit)
                let s = Self.fixedSize(form, offsetSize: os, addressSize: asz)
                fixed = s < 0 || fixed < 0 ? -1 : fixed + s
            }
            t.fixedSize.append(fixed)
            t.isRead.append(children || tag == 0x13 || tag == 0x17 || tag == 0x04 || tag == 0x34 || tag == 0x28)
            // A later entry with the same code replaces the earlier one, as in a dictionary.
            if code < 1 << 16 {
                while t.byCode.count <= Int(code) { t.byCode.append(0) }
                t.byCode[Int(code)] = Int32(e + 1)
            } else {
                t.sparse[code] = e
            }
        }
        t.attrStart.append(t.forms.count)
        return t
    }

    /// Moves `p` past an attribute of `form`; false for a form it does not know (the unit's
    /// walk stops there, as `DWARF.value` stops).
    @inline(__always)
    func skip(_ form: UInt64, _ p: inout Int, offsetSize os: Int, addressSize asz: Int) -> Bool {
        let s = Self.fixedSize(form, offsetSize: os, addressSize: asz)
        if s >= 0 {
            p &+= s
            return true
        }
        switch form {
        case 0x03: p &+= 2 &+ Int(ELFFile.read(info, p, 2))
        case 0x04: p &+= 4 &+ Int(ELFFile.read(info, p, 4))
        case 0x08:
            if p >= 0, p < info.count, let base = info.baseAddress {
                let n = info.count - p
                if let z = memchr(base + p, 0, n) { p += (base + p).distance(to: UnsafeRawPointer(z)) + 1 } else { p = info.count + 1 }
            } else {
                p &+= 1
            }
        case 0x09, 0x18:
            let n = min(Self.offset(Self.uleb(info, &p)), info.count)
            p &+= n
        case 0x0a: p &+= 1 &+ Int(ELFFile.read(info, p, 1))
        case 0x0d: _ = Self.sleb(info, &p)
        case 0x0f, 0x15, 0x1a, 0x1b, 0x22, 0x23, 0x1f01, 0x1f02: _ = Self.uleb(info, &p)
        case 0x16:
            let f = Self.uleb(info, &p)
            guard f != 0x16 else { return false }  // indirect to indirect: no form
            return skip(f, &p, offsetSize: os, addressSize: asz)
        default: return false
        }
        return true
    }

    /// The name attribute at `p` of `form`: the index of a wanted name, or -1.
    func name(_ form: UInt64, _ p: Int, _ unit: DWARF.Unit, memo: inout [UInt16]) -> Int {
        var q = p
        let strOffset: Int
        switch form {
        case 0x08: return wanted.lookup(info, p)
        case 0x0e: strOffset = Self.offset(ELFFile.read(info, p, unit.offsetSize))
        case 0x1f: return wanted.lookup(lineStr, Self.offset(ELFFile.read(info, p, unit.offsetSize)))
        case 0x1a, 0x1f02, 0x25, 0x26, 0x27, 0x28:
            let i: Int
            switch form {
            case 0x25: i = Int(ELFFile.read(info, p, 1))
            case 0x26: i = Int(ELFFile.read(info, p, 2))
            case 0x27: i = Int(ELFFile.read(info, p, 3))
            case 0x28: i = Int(ELFFile.read(info, p, 4))
            default: i = Self.offset(Self.uleb(info, &q))
            }
            strOffset = Self.offset(ELFFile.read(strOffsets, unit.strOffsetsBase &+ i &* unit.offsetSize, unit.offsetSize))
        default: return -1
        }
        guard strOffset >= 0, strOffset < memo.count else { return wanted.lookup(str, strOffset) }
        let m = memo[strOffset]
        if m != 0 { return Int(m) - 2 }
        let i = wanted.lookup(str, strOffset)
        memo[strOffset] = UInt16(i + 2)
        return i
    }

    /// A DIE as the scan reads it: its abbreviation entry (-1 for a null entry) and the
    /// attributes it uses.
    struct DIE {
        var entry = -1
        var namePos = -1
        var nameForm: UInt64 = 0
        var sibling = -1
        var declaration = false
        var constValue: Int64?
    }

    /// Reads the DIE at `p` of a unit whose abbreviations are `t`, moving `p` past its
    /// attributes; nil for an unknown code or form (the unit's walk ends there).
    @inline(__always)
    func read(_ p: inout Int, _ t: Table, unitStart: Int, offsetSize os: Int, addressSize asz: Int) -> DIE? {
        var d = DIE()
        let code = Self.uleb(info, &p)
        if code == 0 { return d }
        guard let e = t.entry(code) else { return nil }
        d.entry = e
        let fixed = t.fixedSize[e]
        if fixed >= 0 && !t.isRead[e] {
            p &+= fixed
            return d
        }
        var a = t.attrStart[e]
        let last = t.attrStart[e + 1]
        while a < last {
            let form = t.forms[a]
            switch t.attrNames[a] {
            case 0x03:
                d.namePos = p
                d.nameForm = form
            case 0x01:
                var q = p
                if let s = Self.reference(info, form, &q, unitStart: unitStart, offsetSize: os) { d.sibling = s }
            case 0x3c: d.declaration = Self.isOne(info, form, p, implicit: t.implicits[a])
            case 0x1c: d.constValue = Self.constant(info, form, p, implicit: t.implicits[a])
            default: break
            }
            guard skip(form, &p, offsetSize: os, addressSize: asz) else { return nil }
            a += 1
        }
        return d
    }

    /// Walks the top-level DIEs of `units` (and the enumerators of their enumerations),
    /// recording each wanted name's first definition; stops once every name is found.
    func scan(_ units: ArraySlice<DWARF.Unit>) -> Hits {
        var hits = Hits(wanted.names.count)
        var left = wanted.names.count
        var enumsLeft = wanted.kinds.reduce(0) { $0 + ($1 & 4 != 0 ? 1 : 0) }
        // By `.debug_str` offset: 0 not looked up yet, 1 not wanted, else the name's index + 2
        // (for sections of a sane size).
        var memo = [UInt16](repeating: 0, count: str.count <= 1 << 26 && wanted.names.count < 0xfff0 ? str.count : 0)
        var tables: [Int: Table] = [:]  // by offset and sizes: a table is read once
        func found(_ i: Int, _ kind: UInt8) {
            hits.found[i] = true
            hits.kind[i] = kind
            left -= 1
            if wanted.kinds[i] & 4 != 0 { enumsLeft -= 1 }
        }
        for unit in units {
            if left == 0 { break }
            let os = unit.offsetSize
            let asz = unit.addressSize
            let key = unit.abbrevOffset &<< 16 | (os & 0xff) << 8 | (asz & 0xff)
            let t: Table
            if let c = tables[key] {
                t = c
            } else {
                t = table(at: unit.abbrevOffset, offsetSize: os, addressSize: asz)
                tables[key] = t
            }
            let end = min(unit.end, info.count)
            var p = unit.dieStart
            guard let cu = read(&p, t, unitStart: unit.start, offsetSize: os, addressSize: asz), cu.entry >= 0, t.hasChildren[cu.entry]
            else { continue }
            /// Moves `p` past the children of a DIE whose attributes were read; with
            /// `enumerators`, reads those among them. False when the unit's walk must end.
            func children(_ p: inout Int, enumerators: Bool) -> Bool {
                var depth = 1
                while depth > 0 {
                    guard p < end, let c = read(&p, t, unitStart: unit.start, offsetSize: os, addressSize: asz) else { return false }
                    if c.entry < 0 {
                        depth -= 1
                        continue
                    }
                    if enumerators && depth == 1 && t.tag[c.entry] == 0x28 && c.namePos >= 0 {
                        let i = name(c.nameForm, c.namePos, unit, memo: &memo)
                        // The first enumerator of that name counts, with or without a value.
                        if i >= 0 && !hits.found[i] && wanted.kinds[i] & 4 != 0 {
                            found(i, 4)
                            if let v = c.constValue {
                                hits.value[i] = v
                            } else {
                                hits.kind[i] = 0
                            }
                        }
                    }
                    if t.hasChildren[c.entry] {
                        if c.sibling > p && c.sibling <= end { p = c.sibling } else { depth += 1 }
                    }
                }
                return true
            }
            while p < end && left > 0 {
                let start = p
                guard let d = read(&p, t, unitStart: unit.start, offsetSize: os, addressSize: asz), d.entry >= 0 else { break }
                let tag = t.tag[d.entry]
                if d.namePos >= 0 && !d.declaration && (tag == 0x13 || tag == 0x17 || tag == 0x04 || tag == 0x34) {
                    let i = name(d.nameForm, d.namePos, unit, memo: &memo)
                    let kind: UInt8 = tag == 0x34 ? 2 : 1
                    if i >= 0 && !hits.found[i] && wanted.kinds[i] & kind != 0 {
                        found(i, kind)
                        hits.offset[i] = start
                    }
                }
                guard t.hasChildren[d.entry] else { continue }
                if tag == 0x04 && enumsLeft > 0 {
                    guard children(&p, enumerators: true) else { break }
                } else if d.sibling > start && d.sibling <= end {
                    p = d.sibling
                } else {
                    guard children(&p, enumerators: false) else { break }
                }
            }
        }
        return hits
    }
}
