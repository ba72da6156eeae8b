/// The values of one synthetic record, before rendering. Tests rebuild the expected text
/// from these with the spec's format strings and compare it with what the renderer wrote.
public struct SynthRecord: Equatable, Sendable {
    public var order: Int = 0
    public var mask: UInt32 = 0
    /// The `%pGg` text between the parentheses (may be empty).
    public var gfpNames: String = ""
    public var pid: Int32 = 0
    public var tgid: Int32 = 0
    /// Raw comm bytes (up to 15; may hold any byte but NUL and newline).
    public var comm: [UInt8] = []
    public var ts: UInt64 = 0
    public var freeTs: UInt64 = 0
    /// Ends the header with ` (swapped)`.
    public var swapped = false
    public var pfn: UInt64 = 0
    /// Page and pageblock migratetype names (v4.6+).
    public var pageType: String = "Unmovable"
    public var blockType: String = "Unmovable"
    /// v3.19: the pageblock migratetype number, `Fallback` marker and 12 flag columns.
    public var blockTypeNumber: Int = 0
    public var fallback = false
    public var flagColumns: String = "            "
    /// v4.6+: the whole flags text, `0x…(…)`.
    public var flags: String = "0x0()"
    public var frames: [SynthFrame] = []
    public var handle: UInt32 = 0
    /// `stack_count:` / `nr_base_pages:` value of stack-file blocks.
    public var count: Int32 = 0
    /// `SWP entry` value of swap records.
    public var swapEntry: UInt64 = 0
    public var migrateReason: String? = nil
    public var slabCache = false
    /// The whole `Charged …` line without its newline, or nil.
    public var memcgLine: String? = nil

    public init() {}

    /// `pfn >> pageblock_order` (9 on x86_64), as the kernel prints as `Block`.
    public var block: UInt64 { pfn >> 9 }
}
