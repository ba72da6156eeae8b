/// What kind of block a record is: which file it came from decides what its count means.
public enum RecordKind: UInt8, Sendable {
    /// `/sys/kernel/debug/page_owner`: one allocation of 2^order pages.
    case pageOwner
    /// `swap_page_owner`: one base page in swap space.
    case swap
    /// `show_stacks` of v6.8.0: a stack and its outstanding allocation count (`stack_count:`).
    case stackCount
    /// `show_stacks` of v6.9+: a stack and its base pages (`nr_base_pages:`).
    case stackPages
    /// `show_handles`: a handle and its base pages.
    case handlePages
    /// `show_stacks_handles`: a stack and its handle, no count.
    case stackHandle
}

/// Which fields a record carried; `info` reports the union as the era's features.
public struct RecordFields: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let order = RecordFields(rawValue: 1 << 0)
    public static let mask = RecordFields(rawValue: 1 << 1)
    public static let gfpNames = RecordFields(rawValue: 1 << 2)
    public static let pid = RecordFields(rawValue: 1 << 3)
    public static let tgid = RecordFields(rawValue: 1 << 4)
    public static let comm = RecordFields(rawValue: 1 << 5)
    public static let ts = RecordFields(rawValue: 1 << 6)
    public static let freeTs = RecordFields(rawValue: 1 << 7)
    public static let pfnLine = RecordFields(rawValue: 1 << 8)
    public static let pfnHex = RecordFields(rawValue: 1 << 9)
    public static let pageType = RecordFields(rawValue: 1 << 10)
    public static let flagFields = RecordFields(rawValue: 1 << 11)
    public static let migrateReason = RecordFields(rawValue: 1 << 12)
    public static let memcg = RecordFields(rawValue: 1 << 13)
    public static let slabCache = RecordFields(rawValue: 1 << 14)
    public static let handle = RecordFields(rawValue: 1 << 15)
    public static let module = RecordFields(rawValue: 1 << 16)
    public static let swapped = RecordFields(rawValue: 1 << 17)
    public static let swapEntry = RecordFields(rawValue: 1 << 18)
    public static let addressPrefix = RecordFields(rawValue: 1 << 19)
    public static let stack = RecordFields(rawValue: 1 << 20)
    public static let count = RecordFields(rawValue: 1 << 21)
    public static let crlf = RecordFields(rawValue: 1 << 22)
    /// `stack_count: N` (v6.8.0: outstanding allocations, not pages).
    public static let stackCount = RecordFields(rawValue: 1 << 23)
    /// `nr_base_pages: N` (v6.9+: base pages).
    public static let basePages = RecordFields(rawValue: 1 << 24)

    public static let allNames: [(RecordFields, String)] = [
        (.order, "order"), (.mask, "mask"), (.gfpNames, "gfp-names"), (.pid, "pid"), (.tgid, "tgid"),
        (.comm, "comm"), (.ts, "ts"), (.freeTs, "free_ts"), (.pfnLine, "pfn-line"), (.pfnHex, "pfn-hex"),
        (.pageType, "page-type"), (.flagFields, "flag-fields"), (.migrateReason, "migrate-reason"),
        (.memcg, "memcg"), (.slabCache, "slab-cache-page"), (.handle, "handle"), (.module, "module-line"),
        (.swapped, "swapped"), (.swapEntry, "swap-entry"), (.addressPrefix, "address-prefix"),
        (.stack, "stack"), (.count, "count"), (.crlf, "crlf"),
        (.stackCount, "stack_count"), (.basePages, "nr_base_pages"),
    ]

    public var names: [String] { Self.allNames.filter { contains($0.0) }.map(\.1) }
}

/// How a memcg line read.
public enum MemcgState: UInt8, Sendable {
    case none, charged, offline, viaObjcg, viaObjcgOffline
}

/// A half-open byte range inside the chunk a record was parsed from.
public struct ByteRange: Sendable, Equatable {
    public var start: Int32
    public var end: Int32
    public init(_ s: Int, _ e: Int) {
        start = Int32(truncatingIfNeeded: s)
        end = Int32(truncatingIfNeeded: e)
    }
    public static let empty = ByteRange(0, 0)
    @inlinable public var isEmpty: Bool { end <= start }
    @inlinable public var count: Int { Int(end - start) }
}

/// One parsed record. Numbers are parsed; text fields are ranges into the chunk (`chunk`),
/// valid only while the record is being consumed. The parser fills one value over and
/// over: nothing is allocated per record.
public struct Record {
    /// The chunk the ranges point into: set by the parser, read by `withBytes(_:_:)`, and
    /// not public: a field's bytes come from `withBytes` (inside its closure) or the typed
    /// fields.
    @usableFromInline var chunk = ByteView.empty
    public var kind: RecordKind = .pageOwner
    public var fields: RecordFields = []
    /// 1-based line number of the record's first line in its chunk part (for messages).
    public var line: Int = 0
    /// Byte offset of the record in its input: orders records across parallel workers.
    public var offset: Int64 = 0
    public var order: Int32 = -1
    /// Base pages this record stands for (2^order, nr_base_pages, or 1).
    public var pages: Int64 = 0
    /// Allocation count this record stands for (1, or stack_count).
    public var times: Int64 = 1
    public var gfp: UInt64 = 0
    public var gfpNames = ByteRange.empty
    public var pid: Int32 = -1
    public var tgid: Int32 = -1
    public var comm = ByteRange.empty
    public var ts: UInt64 = 0
    public var freeTs: UInt64 = 0
    public var pfn: UInt64 = 0
    public var swapEntry: UInt64 = 0
    public var pageType: MigrateType = .unknown
    public var blockType: MigrateType = .unknown
    public var flags: UInt64 = 0
    public var node: Int16 = -1
    public var zone: Int16 = -1
    /// Whether the PFN line mentions CMA or the `slab` flag (the kernel tool's allocator test).
    public var pfnSaysCMA = false
    public var pfnSaysSlab = false
    public var migrateReason = ByteRange.empty
    public var memcgState: MemcgState = .none
    public var memcg = ByteRange.empty
    public var slabCache = false
    public var handle: UInt32 = 0
    public var moduleLine = ByteRange.empty
    public var swapped = false
    /// The stack: frame lines from the first through the newline of the last.
    public var stack = ByteRange.empty
    public var frameCount: Int32 = 0
    /// A hash of the record's stack that the consumer's `prepare` computed for its own
    /// `consume` (0 when none did).
    public var stackHash: UInt64 = 0
    /// Lines the parser did not recognise (kept, counted as a warning).
    public var unknownLines: Int32 = 0
    /// The record's bytes.
    public var whole = ByteRange.empty
    /// The header line (without its newline), and where the line after a PFN line that
    /// is the record's second line starts (-1 otherwise): the kernel tool's "stacktrace"
    /// is then the record's bytes from there on.
    public var headerLine = ByteRange.empty
    public var afterPFN: Int32 = -1
    /// The digits of `ts N ns` in the header.
    public var tsDigits = ByteRange.empty

    public init() {}

    /// Runs `body` on the bytes of `field` (one of this record's ranges: `comm`, `stack`,
    /// `memcg`, …), a view valid inside `body` only: the chunk is reused once the record is
    /// consumed.
    @inlinable @inline(__always)
    public func withBytes<R>(_ field: ByteRange, _ body: (ByteView) throws -> R) rethrows -> R {
        let s = Int(field.start)
        return try body(chunk.slice(s, Swift.max(s, Int(field.end))))
    }

    @inlinable public var hasStack: Bool { frameCount > 0 }
}
