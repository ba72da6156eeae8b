/// A page or pageblock migratetype as printed on the PFN line. Known names get fixed codes;
/// the numeric form of 3.19–4.5 kernels keeps its number; any other word is `other`.
public struct MigrateType: Hashable, Comparable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let unmovable = MigrateType(rawValue: 0)
    public static let movable = MigrateType(rawValue: 1)
    public static let reclaimable = MigrateType(rawValue: 2)
    public static let highAtomic = MigrateType(rawValue: 3)
    public static let cma = MigrateType(rawValue: 4)
    public static let isolate = MigrateType(rawValue: 5)
    public static let reserve = MigrateType(rawValue: 6)
    public static let other = MigrateType(rawValue: 99)
    public static let unknown = MigrateType(rawValue: 255)
    /// The bare-number form (`type 2`): 100 + the number, up to 9.
    public static func numeric(_ n: Int) -> MigrateType { MigrateType(rawValue: UInt8(100 + min(max(n, 0), 9))) }

    static let names: [(StaticString, MigrateType)] = [
        ("Unmovable", .unmovable), ("Movable", .movable), ("Reclaimable", .reclaimable),
        ("HighAtomic", .highAtomic), ("CMA", .cma), ("Isolate", .isolate), ("Reserve", .reserve),
    ]

    /// The migratetype word at `from` (up to a space or `to`) and where it ends.
    @inlinable @inline(__always)
    static func word(_ p: ByteView, _ from: Int, _ to: Int) -> (MigrateType, Int) {
        let e = Bytes.findShort(32, p, from, to)
        return (parse(p, from, e), e)
    }

    /// Recognises the word in `[from, to)`.
    @inlinable
    static func parse(_ p: ByteView, _ from: Int, _ to: Int) -> MigrateType {
        let n = to - from
        if n <= 0 { return .unknown }
        switch p[from] {
        case 85 /* U */ where n == 9: return .unmovable
        case 77 /* M */ where n == 7: return .movable
        case 82 /* R */ where n == 11: return .reclaimable
        case 82 /* R */ where n == 7: return .reserve
        case 72 /* H */ where n == 10: return .highAtomic
        case 67 /* C */ where n == 3: return .cma
        case 73 /* I */ where n == 7: return .isolate
        default:
            if let d = Bytes.decimal(p, from, to), d.end == to { return .numeric(Int(min(d.value, 9))) }
            return .other
        }
    }

    public var name: String {
        switch self {
        case .unmovable: return "Unmovable"
        case .movable: return "Movable"
        case .reclaimable: return "Reclaimable"
        case .highAtomic: return "HighAtomic"
        case .cma: return "CMA"
        case .isolate: return "Isolate"
        case .reserve: return "Reserve"
        case .other: return "other"
        case .unknown: return "unknown"
        default: return "type\(Int(rawValue) - 100)"
        }
    }

    /// Parses a name given on the command line (case-insensitive).
    public init?(name: String) {
        let l = name.lowercased()
        for (s, t) in MigrateType.names where s.description.lowercased() == l {
            self = t
            return
        }
        return nil
    }

    public static func < (a: MigrateType, b: MigrateType) -> Bool { a.rawValue < b.rawValue }
}
